import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { isExecutableFile, probePython } from '../src/node_host';

(process.platform === 'win32' ? describe.skip : describe)('node host', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'uig-host-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function script(name: string, body: string, mode = 0o755): string {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, mode);
    return file;
  }

  it('isExecutableFile: executable regular files only', async () => {
    assert.equal(await isExecutableFile(script('exe', 'true')), true);
    assert.equal(await isExecutableFile(script('plain', 'true', 0o644)), false);
    assert.equal(await isExecutableFile(dir), false);
    assert.equal(await isExecutableFile(join(dir, 'missing')), false);
  });

  it('probePython: the version a working interpreter prints', async () => {
    assert.deepEqual(await probePython(script('python-ok', 'echo 0.1.0')), { ok: true, version: '0.1.0' });
  });

  it('probePython: the last stderr line of a failing one', async () => {
    const python = script('python-bad', 'echo "Traceback ..." >&2; echo "ModuleNotFoundError: No module named \'uv_index_guard\'" >&2; exit 1');
    assert.deepEqual(await probePython(python), { ok: false, reason: "ModuleNotFoundError: No module named 'uv_index_guard'" });
  });

  it('probePython: a hanging interpreter times out', async () => {
    const probe = await probePython(script('python-hang', 'exec sleep 5'), 200);
    assert.equal(probe.ok, false);
  });
});
