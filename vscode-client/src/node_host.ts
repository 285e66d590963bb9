// The parts of `Host` that only need node: the file system and running Python.

import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';

import type { Probe } from './resolve';

export async function isExecutableFile(path: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  try {
    const stat = await fs.stat(path);
    if (!stat.isFile()) {
      return false;
    }
    if (platform !== 'win32') {
      await fs.access(path, constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}

const PROBE = 'import uv_index_guard; print(uv_index_guard.__version__)';

/** Runs `python -c 'import uv_index_guard'` (10 s at most) and reports the package version. */
export function probePython(python: string, timeoutMs = 10_000): Promise<Probe> {
  return new Promise((resolve) => {
    execFile(python, ['-c', PROBE], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const last = String(stderr).trim().split(/\r?\n/).pop() || error.message;
        resolve({ ok: false, reason: last });
      } else {
        resolve({ ok: true, version: String(stdout).trim() });
      }
    });
  });
}
