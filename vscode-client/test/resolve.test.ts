import { strict as assert } from 'node:assert';

import { findOnPath, INSTALL_HINT, noPythonMessage, notFoundMessage, resolveServer, ServerCommand } from '../src/resolve';
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
    assert.equal((await resolveServer(settings({ path: '~/.local/bin/uv-index-guard' }), host) as ServerCommand).command,
      '/home/me/.local/bin/uv-index-guard');
    assert.equal((await resolveServer(settings({ path: '${workspaceFolder}/.venv/bin/uv-index-guard' }), host) as ServerCommand).command,
      '/ws/.venv/bin/uv-index-guard');
    assert.equal((await resolveServer(settings({ path: '.venv/bin/uv-index-guard' }), host) as ServerCommand).command,
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
    assert.equal((found as ServerCommand).source, 'PATH');
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
      assert.equal((await resolveServer(settings(), host) as ServerCommand).source, 'PATH');
      assert.ok(host.lines.includes(line), host.lines.join('\n'));
    }
  });

  it('resolves the PATH entry to an absolute path', async () => {
    const host = fakeHost({ executables: ['/home/me/.local/bin/uv-index-guard'], env: { PATH: '/usr/bin::/home/me/.local/bin' } });
    const found = await resolveServer(settings(), host);
    assert.deepEqual(found, { command: '/home/me/.local/bin/uv-index-guard', args: ['lsp'], source: 'PATH' });
    assert.equal(host.lines.at(-1), 'info PATH: using /home/me/.local/bin/uv-index-guard');
  });

  it('says the server is missing when nothing works in the universal build, after logging every step', async () => {
    const host = fakeHost({ env: { PATH: '/usr/bin:/bin' }, pythonExtension: null });
    assert.deepEqual(await resolveServer(settings(), host), { notFound: notFoundMessage() });
    assert.deepEqual(host.lines, [
      'info uvIndexGuard.path: not set',
      'info uvIndexGuard.interpreter: not set',
      'info Python extension: not installed',
      'warn PATH: no uv-index-guard in /usr/bin:/bin',
      'warn bundled: this is the universal extension, which carries no server',
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

describe('the bundled server (a platform .vsix)', () => {
  const bundled = { server: '/ext/bundled/server.py', pythons: ['3.10', '3.11', '3.12', '3.13'] };
  const runBundled = (python: string, prefix: string[] = []) =>
    ({ command: python, args: [...prefix, '-I', '/ext/bundled/server.py'], source: 'bundled' });

  it('comes last, run with python3 from PATH when nothing else has the server', async () => {
    const host = fakeHost({ bundled, executables: ['/usr/bin/python3'], versions: { '/usr/bin/python3': '3.11' } });
    assert.deepEqual(await resolveServer(settings(), host), runBundled('/usr/bin/python3'));
    assert.deepEqual(host.lines.slice(-2), [
      'warn PATH: no uv-index-guard in /usr/bin:/bin',
      'info bundled: using /usr/bin/python3 (PATH python3, Python 3.11) -I /ext/bundled/server.py',
    ]);
  });

  it('is not used while the environment has a server', async () => {
    const host = fakeHost({ bundled, executables: ['/usr/bin/python3', '/usr/bin/uv-index-guard'],
      versions: { '/usr/bin/python3': '3.11' } });
    assert.equal(((await resolveServer(settings(), host)) as { source: string }).source, 'PATH');
  });

  it("prefers the Python extension's interpreter, even without the package, to PATH", async () => {
    const host = fakeHost({ bundled, pythonExtension: '/proj/.venv/bin/python',
      executables: ['/proj/.venv/bin/python', '/usr/bin/python3'],
      versions: { '/proj/.venv/bin/python': '3.12', '/usr/bin/python3': '3.11' } });
    assert.deepEqual(await resolveServer(settings(), host), runBundled('/proj/.venv/bin/python'));
    // Asked once, though steps 3 and 5 both use its answer.
    assert.equal(host.probed.filter((p) => p === 'Python extension').length, 1);
    assert.ok(host.probed.includes('/proj/.venv/bin/python'), 'step 3 looked for the package first');
  });

  it('skips a Python the bundle has no libraries for, and names it when none fits', async () => {
    const host = fakeHost({ bundled, pythonExtension: null,
      executables: ['/usr/bin/python3', '/usr/bin/python'],
      versions: { '/usr/bin/python3': '3.9', '/usr/bin/python': '3.14' } });
    const found = await resolveServer(settings(), host);
    assert.deepEqual(found, { notFound: noPythonMessage(bundled.pythons,
      ['/usr/bin/python3 (Python 3.9)', '/usr/bin/python (Python 3.14)'], ['python3', 'python']) });
    const message = (found as { notFound: string }).notFound;
    assert.ok(message.includes('needs Python 3.10 to 3.13'), message);
    assert.ok(message.includes('found only /usr/bin/python3 (Python 3.9), /usr/bin/python (Python 3.14)'), message);
    assert.ok(!message.includes('pipx'), 'names the missing Python, not a package to install');
    assert.ok(host.lines.includes('warn bundled: /usr/bin/python3 (PATH python3) is Python 3.9; the bundled server needs Python 3.10 to 3.13; skipped'),
      host.lines.join('\n'));
  });

  it('says no Python was found at all', async () => {
    const host = fakeHost({ bundled, pythonExtension: null, env: { PATH: '/usr/bin' } });
    const found = await resolveServer(settings(), host) as { notFound: string };
    assert.ok(found.notFound.includes('found none (looked for python3, python on PATH'), found.notFound);
    assert.ok(host.lines.includes('warn bundled: no Python found (python3, python on PATH, the Python extension, uvIndexGuard.interpreter)'));
  });

  it('runs py -3 on Windows', async () => {
    const host = fakeHost({ bundled, platform: 'win32', pythonExtension: null,
      env: { Path: 'C:\\Windows', PATHEXT: '.EXE' }, executables: ['C:\\Windows\\py.EXE'],
      versions: { 'C:\\Windows\\py.EXE -3': '3.13' } });
    assert.deepEqual(await resolveServer(settings(), host), runBundled('C:\\Windows\\py.EXE', ['-3']));
  });

  it('useBundled skips the environment and runs uvIndexGuard.interpreter first', async () => {
    const host = fakeHost({ bundled, executables: ['/opt/py/bin/python', '/usr/bin/uv-index-guard', '/usr/bin/python3'],
      pythons: { '/opt/py/bin/python': ok() }, versions: { '/opt/py/bin/python': '3.13', '/usr/bin/python3': '3.11' } });
    const found = await resolveServer(settings({ importStrategy: 'useBundled', interpreter: '/opt/py/bin/python', path: '/usr/bin/uv-index-guard' }), host);
    assert.deepEqual(found, runBundled('/opt/py/bin/python'));
    assert.deepEqual(host.lines.slice(0, 2), [
      'info importStrategy is useBundled: only the bundled server is tried',
      'warn uvIndexGuard.path is ignored with importStrategy useBundled',
    ]);
    assert.ok(!host.probed.includes('/opt/py/bin/python'), 'the environment is not searched for the package');
  });

  it('useBundled in the universal build says the server is missing', async () => {
    const host = fakeHost({ executables: ['/usr/bin/uv-index-guard'] });
    assert.deepEqual(await resolveServer(settings({ importStrategy: 'useBundled' }), host), { notFound: notFoundMessage() });
  });
});
