// The extension's settings as a typed, defaulted object. No `vscode` import: the caller
// passes a getter, so this is unit-tested with node alone.

export const SECTION = 'uvIndexGuard';

export type Trace = 'off' | 'messages' | 'verbose';

/** As ruff-vscode's: the environment's server first, or only the one the extension carries. */
export type ImportStrategy = 'fromEnvironment' | 'useBundled';

export interface Settings {
  /** Run the language server at all. */
  enable: boolean;
  /** `uvIndexGuard.path`: the `uv-index-guard` executable, tried first ('' = skip). */
  path: string;
  /** `uvIndexGuard.interpreter`: a Python with the package, run as `-m uv_index_guard lsp`. */
  interpreter: string;
  /** `uvIndexGuard.importStrategy`: `useBundled` skips the environment (steps 1 to 4). */
  importStrategy: ImportStrategy;
  /** `uvIndexGuard.trace.server`, read by vscode-languageclient itself. */
  trace: Trace;
  /** The settings the server reads (SERVER_KEYS), as `initializationOptions`. */
  server: Record<string, unknown>;
}

export const DEFAULTS: Readonly<Settings> = Object.freeze({
  enable: true,
  path: '',
  interpreter: '',
  importStrategy: 'fromEnvironment',
  trace: 'off',
  server: {},
});

/** Settings the client consumes; they are not forwarded to the server. */
export const CLIENT_KEYS = ['enable', 'path', 'interpreter', 'importStrategy', 'trace'] as const;

/**
 * Settings the server reads (see docs/editors/README.md): sent as `initializationOptions`,
 * and read again by the server through `workspace/configuration` when they change, so a
 * change needs no restart. Every other key is not forwarded.
 */
export const SERVER_KEYS = ['severity', 'ignore', 'hover', 'codeLens'] as const;

/** Changing one of these restarts the server (trace is applied by the client live). */
export const RESTART_KEYS = ['enable', 'path', 'interpreter', 'importStrategy'] as const;

const TRACES: readonly string[] = ['off', 'messages', 'verbose'];
const STRATEGIES: readonly string[] = ['fromEnvironment', 'useBundled'];

/**
 * Reads the settings from `section`, the plain object VS Code returns for the `uvIndexGuard`
 * configuration section. A value of the wrong type is reported in `problems` and replaced by
 * its default.
 */
export function readSettings(section: Record<string, unknown>, problems: string[] = []): Settings {
  const take = <T>(key: string, ok: (v: unknown) => v is T, fallback: T, value = section[key]): T => {
    if (value === undefined || value === null) {
      return fallback;
    }
    if (ok(value)) {
      return value;
    }
    problems.push(`${SECTION}.${key}: expected ${describe(fallback)}, got ${JSON.stringify(value)}; using the default`);
    return fallback;
  };
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
  const isTrace = (v: unknown): v is Trace => typeof v === 'string' && TRACES.includes(v);
  const isStrategy = (v: unknown): v is ImportStrategy => typeof v === 'string' && STRATEGIES.includes(v);
  const trace = section.trace as Record<string, unknown> | undefined;
  const server: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    const value = section[key];
    if (value !== undefined && typeof value !== 'function') {
      server[key] = value;
    }
  }
  return {
    enable: take('enable', isBoolean, DEFAULTS.enable),
    path: take('path', isString, DEFAULTS.path).trim(),
    interpreter: take('interpreter', isString, DEFAULTS.interpreter).trim(),
    importStrategy: take('importStrategy', isStrategy, DEFAULTS.importStrategy),
    trace: take('trace.server', isTrace, DEFAULTS.trace,
      typeof trace === 'object' && trace !== null ? trace.server : undefined),
    server,
  };
}

function describe(value: unknown): string {
  for (const choices of [TRACES, STRATEGIES]) {
    if (typeof value === 'string' && choices.includes(value)) {
      return choices.map((t) => JSON.stringify(t)).join(' | ');
    }
  }
  return `a ${typeof value}`;
}

/** What the server gets as `initializationOptions`: the settings it reads, camelCase. */
export function initializationOptions(settings: Settings): Record<string, unknown> {
  return { ...settings.server };
}

/**
 * Whether going from `before` to `after` needs a server restart: only for the settings that
 * choose the server. The server's own settings reach the running server (it is sent
 * `workspace/didChangeConfiguration` and asks for them with `workspace/configuration`).
 */
export function needsRestart(before: Settings, after: Settings): boolean {
  return RESTART_KEYS.some((key) => before[key] !== after[key]);
}

export interface PathVariables {
  home: string;
  workspaceFolder?: string;
}

/**
 * Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` in a path setting, and
 * makes a relative path absolute against the workspace folder. Returns undefined when the
 * value names a variable it cannot fill (e.g. `${workspaceFolder}` with no folder open).
 */
export function expandPath(value: string, vars: PathVariables,
                           env: Record<string, string | undefined> = {},
                           isAbsolute: (p: string) => boolean = (p) => p.startsWith('/'),
                           join: (a: string, b: string) => string = (a, b) => `${a.replace(/\/+$/, '')}/${b}`,
): string | undefined {
  let missing = false;
  let out = value.replace(/\$\{(userHome|workspaceFolder|env:([A-Za-z_][A-Za-z0-9_]*))\}/g,
    (_, name: string, envName?: string) => {
      const filled = envName !== undefined ? env[envName]
        : name === 'userHome' ? vars.home : vars.workspaceFolder;
      if (filled === undefined) {
        missing = true;
        return '';
      }
      return filled;
    });
  if (missing) {
    return undefined;
  }
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = vars.home + out.slice(1);
  }
  if (!isAbsolute(out)) {
    if (vars.workspaceFolder === undefined) {
      return undefined;
    }
    out = join(vars.workspaceFolder, out);
  }
  return out;
}
