// The extension's settings as a typed, defaulted object. No `vscode` import: the caller
// passes a getter, so this is unit-tested with node alone.

export const SECTION = 'uvIndexGuard';

export type Trace = 'off' | 'messages' | 'verbose';

export interface Settings {
  /** Run the language server at all. */
  enable: boolean;
  /** `uvIndexGuard.path`: the `uv-index-guard` executable, tried first ('' = skip). */
  path: string;
  /** `uvIndexGuard.interpreter`: a Python with the package, run as `-m uv_index_guard lsp`. */
  interpreter: string;
  /** `uvIndexGuard.trace.server`, read by vscode-languageclient itself. */
  trace: Trace;
  /** Every other `uvIndexGuard.*` setting, forwarded to the server untouched. */
  server: Record<string, unknown>;
}

export const DEFAULTS: Readonly<Settings> = Object.freeze({
  enable: true,
  path: '',
  interpreter: '',
  trace: 'off',
  server: {},
});

/** Settings the client consumes; they are not forwarded to the server. */
export const CLIENT_KEYS = ['enable', 'path', 'interpreter', 'trace'] as const;

/** Changing one of these restarts the server (trace is applied by the client live). */
export const RESTART_KEYS = ['enable', 'path', 'interpreter'] as const;

const TRACES: readonly string[] = ['off', 'messages', 'verbose'];

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
  const trace = section.trace as Record<string, unknown> | undefined;
  const server: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (!(CLIENT_KEYS as readonly string[]).includes(key) && typeof value !== 'function') {
      server[key] = value;
    }
  }
  return {
    enable: take('enable', isBoolean, DEFAULTS.enable),
    path: take('path', isString, DEFAULTS.path).trim(),
    interpreter: take('interpreter', isString, DEFAULTS.interpreter).trim(),
    trace: take('trace.server', isTrace, DEFAULTS.trace,
      typeof trace === 'object' && trace !== null ? trace.server : undefined),
    server,
  };
}

function describe(value: unknown): string {
  if (typeof value === 'string' && value !== '' && TRACES.includes(value)) {
    return TRACES.map((t) => JSON.stringify(t)).join(' | ');
  }
  return `a ${typeof value}`;
}

/** What the server gets as `initializationOptions`: the settings it reads, camelCase. */
export function initializationOptions(settings: Settings): Record<string, unknown> {
  return { ...settings.server };
}

/** Whether going from `before` to `after` needs a server restart. */
export function needsRestart(before: Settings, after: Settings): boolean {
  return RESTART_KEYS.some((key) => before[key] !== after[key])
    || JSON.stringify(before.server) !== JSON.stringify(after.server);
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
