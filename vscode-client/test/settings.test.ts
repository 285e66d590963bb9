import { describe, expect, it } from 'vitest';

import { DEFAULTS, expandPath, initializationOptions, needsRestart, readSettings } from '../src/settings';

describe('readSettings', () => {
  it('gives the defaults for an empty section', () => {
    expect(readSettings({})).toEqual(DEFAULTS);
  });

  it('reads the client settings, trims paths, nests trace.server', () => {
    const s = readSettings({ enable: false, path: ' /x/uv-index-guard ', interpreter: '/v/bin/python', trace: { server: 'verbose' } });
    expect(s).toEqual({ enable: false, path: '/x/uv-index-guard', interpreter: '/v/bin/python', trace: 'verbose', server: {} });
  });

  it('reports a value of the wrong type and falls back to its default', () => {
    const problems: string[] = [];
    const s = readSettings({ enable: 'yes', path: 3, trace: { server: 'loud' } }, problems);
    expect(s.enable).toBe(true);
    expect(s.path).toBe('');
    expect(s.trace).toBe('off');
    expect(problems).toEqual([
      'uvIndexGuard.enable: expected a boolean, got "yes"; using the default',
      'uvIndexGuard.path: expected a string, got 3; using the default',
      'uvIndexGuard.trace.server: expected "off" | "messages" | "verbose", got "loud"; using the default',
    ]);
  });
});

describe('initializationOptions', () => {
  it('forwards every setting except the ones the client consumes', () => {
    const s = readSettings({ path: '/p', interpreter: '/i', enable: true, trace: { server: 'off' }, ignore: ['UIG205'], futureOption: { a: 1 } });
    expect(initializationOptions(s)).toEqual({ ignore: ['UIG205'], futureOption: { a: 1 } });
  });

  it('is an empty object by default', () => {
    expect(initializationOptions(readSettings({}))).toEqual({});
  });
});

describe('needsRestart', () => {
  const base = readSettings({});
  it('restarts for enable, path, interpreter and forwarded settings', () => {
    expect(needsRestart(base, readSettings({ path: '/p' }))).toBe(true);
    expect(needsRestart(base, readSettings({ interpreter: '/i' }))).toBe(true);
    expect(needsRestart(base, readSettings({ enable: false }))).toBe(true);
    expect(needsRestart(base, readSettings({ ignore: ['UIG205'] }))).toBe(true);
  });
  it('does not restart for trace (the client applies it live) or no change', () => {
    expect(needsRestart(base, readSettings({ trace: { server: 'verbose' } }))).toBe(false);
    expect(needsRestart(base, readSettings({}))).toBe(false);
  });
});

describe('expandPath', () => {
  const vars = { home: '/home/me', workspaceFolder: '/ws' };
  it('expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}', () => {
    expect(expandPath('~/bin/x', vars)).toBe('/home/me/bin/x');
    expect(expandPath('${userHome}/bin/x', vars)).toBe('/home/me/bin/x');
    expect(expandPath('${workspaceFolder}/.venv/bin/x', vars)).toBe('/ws/.venv/bin/x');
    expect(expandPath('${env:VENV}/bin/x', vars, { VENV: '/v' })).toBe('/v/bin/x');
  });
  it('makes relative paths absolute against the workspace folder', () => {
    expect(expandPath('.venv/bin/x', vars)).toBe('/ws/.venv/bin/x');
  });
  it('gives undefined for what it cannot fill', () => {
    expect(expandPath('${workspaceFolder}/x', { home: '/h' })).toBeUndefined();
    expect(expandPath('rel/x', { home: '/h' })).toBeUndefined();
    expect(expandPath('${env:NOPE}/x', vars, {})).toBeUndefined();
  });
});
