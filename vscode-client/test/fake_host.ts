import * as path from 'node:path';

import type { Bundled, Host, Probe } from '../src/resolve';

/** A Host over an in-memory file system; records the log. */
export function fakeHost(options: {
  executables?: string[];
  pythons?: Record<string, Probe>;
  pythonExtension?: string | undefined | null | Error;
  env?: Record<string, string | undefined>;
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  /** `major.minor` of each Python (`command` or `command prefix...`) that runs. */
  versions?: Record<string, string>;
  bundled?: Bundled;
} = {}): Host & { lines: string[]; probed: string[] } {
  const executables = new Set(options.executables ?? []);
  const lines: string[] = [];
  const probed: string[] = [];
  const platform = options.platform ?? 'linux';
  const p = platform === 'win32' ? path.win32 : path.posix;
  return {
    lines,
    probed,
    platform,
    env: options.env ?? { PATH: '/usr/bin:/bin' },
    home: platform === 'win32' ? 'C:\\Users\\me' : '/home/me',
    workspaceFolder: options.workspaceFolder,
    isAbsolute: p.isAbsolute,
    join: p.join,
    isExecutableFile: async (file) => executables.has(file),
    probePython: async (python) => {
      probed.push(python);
      return options.pythons?.[python] ?? { ok: false, reason: "ModuleNotFoundError: No module named 'uv_index_guard'" };
    },
    pythonVersion: async (command, prefix) => {
      const key = [command, ...prefix].join(' ');
      probed.push(`version ${key}`);
      const version = options.versions?.[key];
      return version ? { ok: true, version } : { ok: false, reason: `spawn ${command} ENOENT` };
    },
    bundled: options.bundled,
    pythonExtensionInterpreter: async () => {
      probed.push('Python extension');
      if (options.pythonExtension instanceof Error) {
        throw options.pythonExtension;
      }
      return options.pythonExtension === undefined && !('pythonExtension' in options) ? null : options.pythonExtension;
    },
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
  };
}
