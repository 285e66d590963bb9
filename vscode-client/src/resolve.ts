// Finding the language server. No `vscode` import: everything the search needs from the
// editor, the file system or child processes comes in through `Host`, so the order and the
// log lines are unit-tested with node alone.

import { expandPath, Settings } from './settings';

export type Source = 'uvIndexGuard.path' | 'uvIndexGuard.interpreter' | 'Python extension' | 'PATH';

export interface ServerCommand {
  command: string;
  args: string[];
  source: Source;
}

export type Probe = { ok: true; version: string } | { ok: false; reason: string };

export interface Host {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  /** The first workspace folder's path, for `${workspaceFolder}` and relative paths. */
  workspaceFolder?: string;
  isAbsolute(path: string): boolean;
  join(...parts: string[]): string;
  /** A regular file we may execute. */
  isExecutableFile(path: string): Promise<boolean>;
  /** Whether `python` can import `uv_index_guard`, with its version. */
  probePython(python: string): Promise<Probe>;
  /**
   * The interpreter selected in the Python extension: its path, `undefined` when the extension
   * has none selected, or `null` when the extension is not installed.
   */
  pythonExtensionInterpreter(): Promise<string | undefined | null>;
  info(message: string): void;
  warn(message: string): void;
}

export const EXECUTABLE = 'uv-index-guard';
export const MODULE_ARGS = ['-m', 'uv_index_guard', 'lsp'];

export const INSTALL_HINT =
  'Install it from a clone of uv-index-guard (it is not on PyPI yet): ' +
  '`uv tool install ./uv-index-guard` or `pipx install ./uv-index-guard` (or ' +
  '`pip install ./uv-index-guard` into the project\'s virtualenv and select that interpreter), ' +
  'or set `uvIndexGuard.path` to the `uv-index-guard` executable.';

/**
 * Finds the server, in this order, logging each step:
 *
 * 1. `uvIndexGuard.path`: an executable, run as `<path> lsp`;
 * 2. `uvIndexGuard.interpreter`: a Python that has the package, run as `-m uv_index_guard lsp`;
 * 3. the interpreter selected in the Python extension, when installed and it has the package;
 * 4. `uv-index-guard` on PATH (resolved to an absolute path, so the spawn cannot miss it).
 *
 * Returns undefined when none works; the caller tells the user how to install the server.
 */
export async function resolveServer(settings: Settings, host: Host): Promise<ServerCommand | undefined> {
  const vars = { home: host.home, workspaceFolder: host.workspaceFolder };
  const expand = (value: string) => expandPath(value, vars, host.env, host.isAbsolute,
    (a, b) => host.join(a, b));

  // 1. uvIndexGuard.path
  if (settings.path) {
    const path = expand(settings.path);
    if (path === undefined) {
      host.warn(`uvIndexGuard.path: cannot expand ${JSON.stringify(settings.path)} (no workspace folder?); skipped`);
    } else if (await host.isExecutableFile(path)) {
      host.info(`uvIndexGuard.path: using ${path}`);
      return { command: path, args: ['lsp'], source: 'uvIndexGuard.path' };
    } else {
      host.warn(`uvIndexGuard.path: ${path} is not an executable file; skipped`);
    }
  } else {
    host.info('uvIndexGuard.path: not set');
  }

  // 2. uvIndexGuard.interpreter
  if (settings.interpreter) {
    const python = expand(settings.interpreter);
    const found = python === undefined ? undefined : await usablePython(python, 'uvIndexGuard.interpreter', host);
    if (python === undefined) {
      host.warn(`uvIndexGuard.interpreter: cannot expand ${JSON.stringify(settings.interpreter)}; skipped`);
    } else if (found) {
      return found;
    }
  } else {
    host.info('uvIndexGuard.interpreter: not set');
  }

  // 3. the Python extension's interpreter
  let selected: string | undefined | null;
  try {
    selected = await host.pythonExtensionInterpreter();
  } catch (error) {
    host.warn(`Python extension: could not ask for its interpreter (${String(error)}); skipped`);
    selected = undefined;
  }
  if (selected === null) {
    host.info('Python extension: not installed');
  } else if (selected === undefined) {
    host.info('Python extension: no interpreter selected');
  } else {
    const found = await usablePython(selected, 'Python extension', host);
    if (found) {
      return found;
    }
  }

  // 4. PATH
  const onPath = await findOnPath(EXECUTABLE, host);
  if (onPath) {
    host.info(`PATH: using ${onPath}`);
    return { command: onPath, args: ['lsp'], source: 'PATH' };
  }
  host.warn(`PATH: no ${EXECUTABLE} in ${host.env.PATH ?? host.env.Path ?? '(PATH is not set)'}`);
  return undefined;
}

async function usablePython(python: string, source: 'uvIndexGuard.interpreter' | 'Python extension',
                            host: Host): Promise<ServerCommand | undefined> {
  if (!(await host.isExecutableFile(python))) {
    host.warn(`${source}: ${python} is not an executable file; skipped`);
    return undefined;
  }
  const probe = await host.probePython(python);
  if (!probe.ok) {
    host.warn(`${source}: ${python} cannot import uv_index_guard (${probe.reason}); skipped`);
    return undefined;
  }
  host.info(`${source}: using ${python} -m uv_index_guard lsp (uv-index-guard ${probe.version})`);
  return { command: python, args: [...MODULE_ARGS], source };
}

/** The absolute path of `name` on the host's PATH (with PATHEXT on Windows), if any. */
export async function findOnPath(name: string, host: Pick<Host, 'platform' | 'env' | 'join' | 'isExecutableFile'>,
): Promise<string | undefined> {
  const windows = host.platform === 'win32';
  const pathVar = host.env.PATH ?? host.env.Path ?? '';
  const exts = windows
    ? ['', ...(host.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean)]
    : [''];
  for (const dir of pathVar.split(windows ? ';' : ':')) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = host.join(dir, name + ext);
      if (await host.isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** The one notification shown when no server was found. */
export function notFoundMessage(): string {
  return `uv-index-guard: the language server was not found. ${INSTALL_HINT} ` +
    'The uv-index-guard output shows each place that was tried.';
}
