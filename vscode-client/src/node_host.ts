// The parts of `Host` that only need node: the file system and running Python.

import { execFile } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';

import type { Bundled, Probe } from './resolve';

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

const VERSION = "import sys; print('%d.%d' % sys.version_info[:2])";

/** Runs `command ...prefix -I -c` (10 s at most) and reports the Python's `major.minor`. */
export function pythonVersion(command: string, prefix: string[], timeoutMs = 10_000): Promise<Probe> {
  return new Promise((resolve) => {
    execFile(command, [...prefix, '-I', '-c', VERSION], { timeout: timeoutMs, windowsHide: true },
      (error, stdout, stderr) => {
        const version = String(stdout).trim();
        if (error || !/^\d+\.\d+$/.test(version)) {
          const last = String(stderr).trim().split(/\r?\n/).pop() || error?.message || `printed ${JSON.stringify(version)}`;
          resolve({ ok: false, reason: last });
        } else {
          resolve({ ok: true, version });
        }
      });
  });
}

/**
 * The server a platform .vsix carries: `<extension>/bundled/manifest.json` (written by
 * scripts/bundle_server.py) names the Pythons it has libraries for. Undefined in the
 * universal .vsix, which has no `bundled/`.
 */
export async function readBundled(extensionPath: string): Promise<Bundled | undefined> {
  const dir = path.join(extensionPath, 'bundled');
  let manifest: { pythons?: unknown };
  try {
    manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as { pythons?: unknown };
  } catch {
    return undefined;
  }
  const pythons = Array.isArray(manifest.pythons)
    ? manifest.pythons.filter((p): p is string => typeof p === 'string') : [];
  return { server: path.join(dir, 'server.py'), pythons };
}
