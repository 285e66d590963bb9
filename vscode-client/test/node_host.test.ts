import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { isExecutableFile, probePython } from '../src/node_host';

const dir = mkdtempSync(join(tmpdir(), 'uig-host-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string, mode = 0o755): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

describe.skipIf(process.platform === 'win32')('node host', () => {
  it('isExecutableFile: executable regular files only', async () => {
    expect(await isExecutableFile(script('exe', 'true'))).toBe(true);
    expect(await isExecutableFile(script('plain', 'true', 0o644))).toBe(false);
    expect(await isExecutableFile(dir)).toBe(false);
    expect(await isExecutableFile(join(dir, 'missing'))).toBe(false);
  });

  it('probePython: the version a working interpreter prints', async () => {
    const python = script('python-ok', 'echo 0.1.0');
    expect(await probePython(python)).toEqual({ ok: true, version: '0.1.0' });
  });

  it('probePython: the last stderr line of a failing one', async () => {
    const python = script('python-bad', 'echo "Traceback ..." >&2; echo "ModuleNotFoundError: No module named \'uv_index_guard\'" >&2; exit 1');
    expect(await probePython(python)).toEqual({ ok: false, reason: "ModuleNotFoundError: No module named 'uv_index_guard'" });
  });

  it('probePython: a hanging interpreter times out', async () => {
    const python = script('python-hang', 'exec sleep 5');
    const probe = await probePython(python, 200);
    expect(probe.ok).toBe(false);
  });
});
