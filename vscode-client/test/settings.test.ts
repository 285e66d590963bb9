import { strict as assert } from 'node:assert';

import { DEFAULTS, expandPath, initializationOptions, needsRestart, readSettings } from '../src/settings';

describe('readSettings', () => {
  it('gives the defaults for an empty section', () => {
    assert.deepEqual(readSettings({}), DEFAULTS);
  });

  it('reads the client settings, trims paths, nests trace.server', () => {
    const s = readSettings({ enable: false, path: ' /x/uv-index-guard ', interpreter: '/v/bin/python', trace: { server: 'verbose' } });
    assert.deepEqual(s, { enable: false, path: '/x/uv-index-guard', interpreter: '/v/bin/python',
      importStrategy: 'fromEnvironment', trace: 'verbose', server: {} });
  });

  it('reads importStrategy, and refuses a value it does not know', () => {
    assert.equal(readSettings({ importStrategy: 'useBundled' }).importStrategy, 'useBundled');
    const problems: string[] = [];
    assert.equal(readSettings({ importStrategy: 'bundled' }, problems).importStrategy, 'fromEnvironment');
    assert.deepEqual(problems, [
      'uvIndexGuard.importStrategy: expected "fromEnvironment" | "useBundled", got "bundled"; using the default']);
  });

  it('reports a value of the wrong type and falls back to its default', () => {
    const problems: string[] = [];
    const s = readSettings({ enable: 'yes', path: 3, trace: { server: 'loud' } }, problems);
    assert.equal(s.enable, true);
    assert.equal(s.path, '');
    assert.equal(s.trace, 'off');
    assert.deepEqual(problems, [
      'uvIndexGuard.enable: expected a boolean, got "yes"; using the default',
      'uvIndexGuard.path: expected a string, got 3; using the default',
      'uvIndexGuard.trace.server: expected "off" | "messages" | "verbose", got "loud"; using the default',
    ]);
  });
});

describe('initializationOptions', () => {
  it('forwards the settings the server reads, and nothing else', () => {
    const s = readSettings({ path: '/p', interpreter: '/i', enable: true, trace: { server: 'off' },
      importStrategy: 'useBundled', ignore: ['UIG205'], severity: 'warning',
      hover: { credentialSource: false }, codeLens: false, futureOption: { a: 1 } });
    assert.deepEqual(initializationOptions(s), { ignore: ['UIG205'], severity: 'warning',
      hover: { credentialSource: false }, codeLens: false });
  });

  it('is an empty object by default', () => {
    assert.deepEqual(initializationOptions(readSettings({})), {});
  });
});

describe('needsRestart', () => {
  const base = readSettings({});
  it('restarts for enable, path, interpreter and importStrategy', () => {
    assert.equal(needsRestart(base, readSettings({ path: '/p' })), true);
    assert.equal(needsRestart(base, readSettings({ interpreter: '/i' })), true);
    assert.equal(needsRestart(base, readSettings({ enable: false })), true);
    assert.equal(needsRestart(base, readSettings({ importStrategy: 'useBundled' })), true);
  });
  it('does not restart for trace, the server\'s own settings (it reads them live) or no change', () => {
    assert.equal(needsRestart(base, readSettings({ trace: { server: 'verbose' } })), false);
    assert.equal(needsRestart(base, readSettings({ ignore: ['UIG205'], severity: 'error' })), false);
    assert.equal(needsRestart(base, readSettings({})), false);
  });
});

describe('expandPath', () => {
  const vars = { home: '/home/me', workspaceFolder: '/ws' };
  it('expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}', () => {
    assert.equal(expandPath('~/bin/x', vars), '/home/me/bin/x');
    assert.equal(expandPath('${userHome}/bin/x', vars), '/home/me/bin/x');
    assert.equal(expandPath('${workspaceFolder}/.venv/bin/x', vars), '/ws/.venv/bin/x');
    assert.equal(expandPath('${env:VENV}/bin/x', vars, { VENV: '/v' }), '/v/bin/x');
  });
  it('makes relative paths absolute against the workspace folder', () => {
    assert.equal(expandPath('.venv/bin/x', vars), '/ws/.venv/bin/x');
  });
  it('gives undefined for what it cannot fill', () => {
    assert.equal(expandPath('${workspaceFolder}/x', { home: '/h' }), undefined);
    assert.equal(expandPath('rel/x', { home: '/h' }), undefined);
    assert.equal(expandPath('${env:NOPE}/x', vars, {}), undefined);
  });
});
