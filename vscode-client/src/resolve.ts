// Finding the language server. No `vscode` import: everything the search needs from the
// editor, the file system or child processes comes in through `Host`, so the order and the
// log lines are unit-tested with node alone.

import { expandPath, Settings } from './settings';

export type Source = 'uvIndexGuard.path' | 'uvIndexGuard.interpreter' | 'Python extension' | 'PATH'
  | 'bundled';

export interface ServerCommand {
  command: string;
  args: string[];
  source: Source;
}

/** Nothing works: the one message to show, naming what is missing. */
export interface NotFound {
  notFound: string;
}

export type Resolution = ServerCommand | NotFound;

export function isNotFound(resolution: Resolution): resolution is NotFound {
  return 'notFound' in resolution;
}

export type Probe = { ok: true; version: string } | { ok: false; reason: string };

/** The server a platform .vsix carries (`bundled/`, see scripts/bundle_server.py). */
export interface Bundled {
  /** `bundled/server.py`, run as `python -I server.py`. */
  server: string;
  /** The Pythons it has libraries for, as "3.10", "3.11", ... */
  pythons: string[];
}

/** A Python to try for the bundled server: `command ...prefix -I server.py`. */
export interface PythonCandidate {
  command: string;
  prefix: string[];
  /** Where it came from, for the log ("uvIndexGuard.interpreter", "PATH python3", ...). */
  origin: string;
}

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
  /** The `major.minor` of a Python (`command ...prefix -c ...`), or why it did not run. */
  pythonVersion(command: string, prefix: string[]): Promise<Probe>;
  /** The bundled server, when this is a platform .vsix; undefined for the universal one. */
  bundled?: Bundled;
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
  'Install the extension built for your platform (it carries the server), or install the ' +
  'server from a clone of uv-index-guard (it is not on PyPI yet): ' +
  '`uv tool install ./uv-index-guard` or `pipx install ./uv-index-guard` (or ' +
  '`pip install ./uv-index-guard` into the project\'s virtualenv and select that interpreter), ' +
  'or set `uvIndexGuard.path` to the `uv-index-guard` executable.';

/**
 * Finds the server, in this order, logging each step:
 *
 * 1. `uvIndexGuard.path`: an executable, run as `<path> lsp`;
 * 2. `uvIndexGuard.interpreter`: a Python that has the package, run as `-m uv_index_guard lsp`;
 * 3. the interpreter selected in the Python extension, when installed and it has the package;
 * 4. `uv-index-guard` on PATH (resolved to an absolute path, so the spawn cannot miss it);
 * 5. the bundled server (a platform .vsix), run with the first Python it has libraries for:
 *    `uvIndexGuard.interpreter`, the Python extension's, then `python3`, `python` (and `py -3`
 *    on Windows) on PATH.
 *
 * `importStrategy: "useBundled"` goes to step 5 at once. When nothing works, the result says
 * what is missing: the server (universal .vsix), or a Python to run the bundled one.
 */
export async function resolveServer(settings: Settings, host: Host): Promise<Resolution> {
  const vars = { home: host.home, workspaceFolder: host.workspaceFolder };
  const expand = (value: string) => expandPath(value, vars, host.env, host.isAbsolute,
    (a, b) => host.join(a, b));
  // The Python extension is asked once; steps 3 and 5 both use its answer.
  let asked = false;
  let selected: string | undefined;
  const pythonExtension = async (): Promise<string | undefined> => {
    if (!asked) {
      asked = true;
      try {
        const answer = await host.pythonExtensionInterpreter();
        if (answer === null) {
          host.info('Python extension: not installed');
        } else if (answer === undefined) {
          host.info('Python extension: no interpreter selected');
        } else {
          selected = answer;
        }
      } catch (error) {
        host.warn(`Python extension: could not ask for its interpreter (${String(error)}); skipped`);
      }
    }
    return selected;
  };

  if (settings.importStrategy === 'useBundled') {
    host.info('importStrategy is useBundled: only the bundled server is tried');
    if (settings.path) {
      host.warn('uvIndexGuard.path is ignored with importStrategy useBundled');
    }
    return bundledServer(settings, host, expand, pythonExtension);
  }

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
  const extensionPython = await pythonExtension();
  if (extensionPython !== undefined) {
    const found = await usablePython(extensionPython, 'Python extension', host);
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

  // 5. the bundled server
  return bundledServer(settings, host, expand, pythonExtension);
}

async function bundledServer(settings: Settings, host: Host,
                             expand: (value: string) => string | undefined,
                             pythonExtension: () => Promise<string | undefined>,
): Promise<Resolution> {
  const bundled = host.bundled;
  if (!bundled) {
    host.warn('bundled: this is the universal extension, which carries no server');
    return { notFound: notFoundMessage() };
  }
  const wanted = bundled.pythons;
  const candidates: PythonCandidate[] = [];
  if (settings.interpreter) {
    const python = expand(settings.interpreter);
    if (python !== undefined) {
      candidates.push({ command: python, prefix: [], origin: 'uvIndexGuard.interpreter' });
    }
  }
  const extensionPython = await pythonExtension();
  if (extensionPython !== undefined) {
    candidates.push({ command: extensionPython, prefix: [], origin: 'Python extension' });
  }
  const names = host.platform === 'win32' ? ['python3', 'python', 'py'] : ['python3', 'python'];
  for (const name of names) {
    const found = await findOnPath(name, host);
    if (found) {
      candidates.push({ command: found, prefix: name === 'py' ? ['-3'] : [], origin: `PATH ${name}` });
    }
  }
  const rejected: string[] = [];
  for (const candidate of candidates) {
    const shown = [candidate.command, ...candidate.prefix].join(' ');
    if (!(await host.isExecutableFile(candidate.command))) {
      host.warn(`bundled: ${shown} (${candidate.origin}) is not an executable file; skipped`);
      continue;
    }
    const probe = await host.pythonVersion(candidate.command, candidate.prefix);
    if (!probe.ok) {
      host.warn(`bundled: ${shown} (${candidate.origin}) did not run (${probe.reason}); skipped`);
      rejected.push(`${shown} (did not run)`);
    } else if (!wanted.includes(probe.version)) {
      host.warn(`bundled: ${shown} (${candidate.origin}) is Python ${probe.version}; ` +
        `the bundled server needs ${pythonRange(wanted)}; skipped`);
      rejected.push(`${shown} (Python ${probe.version})`);
    } else {
      host.info(`bundled: using ${shown} (${candidate.origin}, Python ${probe.version}) -I ${bundled.server}`);
      return { command: candidate.command, args: [...candidate.prefix, '-I', bundled.server], source: 'bundled' };
    }
  }
  if (!candidates.length) {
    host.warn(`bundled: no Python found (${names.join(', ')} on PATH, the Python extension, ` +
      'uvIndexGuard.interpreter)');
  }
  return { notFound: noPythonMessage(wanted, rejected, names) };
}

/** "Python 3.10 to 3.13" from ["3.10", ..., "3.13"]. */
export function pythonRange(pythons: string[]): string {
  return pythons.length > 1 ? `Python ${pythons[0]} to ${pythons[pythons.length - 1]}`
    : `Python ${pythons[0] ?? '3'}`;
}

/** The one notification when the bundled server has no Python to run on. */
export function noPythonMessage(pythons: string[], rejected: string[], names: string[]): string {
  const tried = rejected.length ? `found only ${rejected.join(', ')}`
    : `found none (looked for ${names.join(', ')} on PATH and the Python extension's interpreter)`;
  return `uv-index-guard: the bundled language server needs ${pythonRange(pythons)}, and this ` +
    `machine has none that fits: ${tried}. Install ${pythonRange(pythons)} ` +
    '(python.org, your package manager, or `uv python install`) or set `uvIndexGuard.interpreter` ' +
    'to one; the uv-index-guard output shows each place that was tried.';
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
