import { strict as assert } from 'node:assert';

import { findOnPath, INSTALL_HINT, notFoundMessage, resolveServer } from '../src/resolve';
import { DEFAULTS, Settings } from '../src/settings';
import { fakeHost } from './fake_host';

const ok = (version = '0.1.0') => ({ ok: true as const, version });
const settings = (overrides: Partial<Settings> = {}): Settings => ({ ...DEFAULTS, ...overrides });

describe('resolveServer', () => {
  it('uses uvIndexGuard.path first, with the lsp argument', async () => {
    const host = fakeHost({
      executables: ['/opt/uig/bin/uv-index-guard', '/usr/bin/uv-index-guard', '/venv/bin/python'],
      pythons: { '/venv/bin/python': ok() },
      pythonExtension: '/venv/bin/python',
    });
    const found = await resolveServer(settings({ path: '/opt/uig/bin/uv-index-guard', interpreter: '/venv/bin/python' }), host);
    assert.deepEqual(found, { command: '/opt/uig/bin/uv-index-guard', args: ['lsp'], source: 'uvIndexGuard.path' });
    assert.deepEqual(host.probed, []);
    assert.deepEqual(host.lines, ['info uvIndexGuard.path: using /opt/uig/bin/uv-index-guard']);
  });

  it('expands ~ and ${workspaceFolder} and resolves relative paths against the folder', async () => {
    const host = fakeHost({ executables: ['/home/me/.local/bin/uv-index-guard', '/ws/.venv/bin/uv-index-guard'], workspaceFolder: '/ws' });
    assert.equal((await resolveServer(settings({ path: '~/.local/bin/uv-index-guard' }), host))?.command,
      '/home/me/.local/bin/uv-index-guard');
    assert.equal((await resolveServer(settings({ path: '${workspaceFolder}/.venv/bin/uv-index-guard' }), host))?.command,
      '/ws/.venv/bin/uv-index-guard');
    assert.equal((await resolveServer(settings({ path: '.venv/bin/uv-index-guard' }), host))?.command,
      '/ws/.venv/bin/uv-index-guard');
  });

  it('falls through a path setting that is not executable, saying so', async () => {
    const host = fakeHost({ executables: ['/usr/bin/uv-index-guard'] });
    const found = await resolveServer(settings({ path: '/nope/uv-index-guard' }), host);
    assert.deepEqual(found, { command: '/usr/bin/uv-index-guard', args: ['lsp'], source: 'PATH' });
    assert.equal(host.lines[0], 'warn uvIndexGuard.path: /nope/uv-index-guard is not an executable file; skipped');
  });

  it('runs uvIndexGuard.interpreter as -m uv_index_guard lsp when it has the package', async () => {
    const host = fakeHost({
      executables: ['/venv/bin/python', '/usr/bin/uv-index-guard'],
      pythons: { '/venv/bin/python': ok('0.1.0') },
    });
    const found = await resolveServer(settings({ interpreter: '/venv/bin/python' }), host);
    assert.deepEqual(found, { command: '/venv/bin/python', args: ['-m', 'uv_index_guard', 'lsp'], source: 'uvIndexGuard.interpreter' });
    assert.ok(host.lines.includes('info uvIndexGuard.interpreter: using /venv/bin/python -m uv_index_guard lsp (uv-index-guard 0.1.0)'),
      host.lines.join('\n'));
  });

  it('skips an interpreter without the package, logging the import error', async () => {
    const host = fakeHost({ executables: ['/usr/bin/python3', '/usr/bin/uv-index-guard'] });
    const found = await resolveServer(settings({ interpreter: '/usr/bin/python3' }), host);
    assert.equal(found?.source, 'PATH');
    assert.ok(host.lines.includes(
      "warn uvIndexGuard.interpreter: /usr/bin/python3 cannot import uv_index_guard (ModuleNotFoundError: No module named 'uv_index_guard'); skipped"),
    host.lines.join('\n'));
  });

  it("uses the Python extension's interpreter before PATH", async () => {
    const host = fakeHost({
      executables: ['/proj/.venv/bin/python', '/usr/bin/uv-index-guard'],
      pythons: { '/proj/.venv/bin/python': ok() },
      pythonExtension: '/proj/.venv/bin/python',
    });
    const found = await resolveServer(settings(), host);
    assert.deepEqual(found, { command: '/proj/.venv/bin/python', args: ['-m', 'uv_index_guard', 'lsp'], source: 'Python extension' });
    assert.deepEqual(host.lines, [
      'info uvIndexGuard.path: not set',
      'info uvIndexGuard.interpreter: not set',
      'info Python extension: using /proj/.venv/bin/python -m uv_index_guard lsp (uv-index-guard 0.1.0)',
    ]);
  });

  it('logs a missing Python extension, no selection, and an API failure, then goes on', async () => {
    for (const [pythonExtension, line] of [
      [null, 'info Python extension: not installed'],
      [undefined, 'info Python extension: no interpreter selected'],
      [new Error('boom'), 'warn Python extension: could not ask for its interpreter (Error: boom); skipped'],
    ] as const) {
      const host = fakeHost({ executables: ['/usr/bin/uv-index-guard'], pythonExtension });
      assert.equal((await resolveServer(settings(), host))?.source, 'PATH');
      assert.ok(host.lines.includes(line), host.lines.join('\n'));
    }
  });

  it('resolves the PATH entry to an absolute path', async () => {
    const host = fakeHost({ executables: ['/home/me/.local/bin/uv-index-guard'], env: { PATH: '/usr/bin::/home/me/.local/bin' } });
    const found = await resolveServer(settings(), host);
    assert.deepEqual(found, { command: '/home/me/.local/bin/uv-index-guard', args: ['lsp'], source: 'PATH' });
    assert.equal(host.lines.at(-1), 'info PATH: using /home/me/.local/bin/uv-index-guard');
  });

  it('returns undefined when nothing works, after logging every step', async () => {
    const host = fakeHost({ env: { PATH: '/usr/bin:/bin' }, pythonExtension: null });
    assert.equal(await resolveServer(settings(), host), undefined);
    assert.deepEqual(host.lines, [
      'info uvIndexGuard.path: not set',
      'info uvIndexGuard.interpreter: not set',
      'info Python extension: not installed',
      'warn PATH: no uv-index-guard in /usr/bin:/bin',
    ]);
  });

  it('says how to install the server when none is found', () => {
    for (const part of ['pipx install ./uv-index-guard', 'uv tool install ./uv-index-guard', 'not on PyPI yet', 'uvIndexGuard.path', INSTALL_HINT]) {
      assert.ok(notFoundMessage().includes(part), part);
    }
  });
});

describe('findOnPath', () => {
  it('tries PATHEXT on Windows', async () => {
    const host = fakeHost({
      platform: 'win32',
      env: { Path: 'C:\\Python\\Scripts;C:\\Users\\me\\.local\\bin', PATHEXT: '.COM;.EXE' },
      executables: ['C:\\Users\\me\\.local\\bin\\uv-index-guard.EXE'],
    });
    assert.equal(await findOnPath('uv-index-guard', host), 'C:\\Users\\me\\.local\\bin\\uv-index-guard.EXE');
  });

  it('takes the first match in PATH order', async () => {
    const host = fakeHost({ env: { PATH: '/a:/b' }, executables: ['/a/uv-index-guard', '/b/uv-index-guard'] });
    assert.equal(await findOnPath('uv-index-guard', host), '/a/uv-index-guard');
  });
});
