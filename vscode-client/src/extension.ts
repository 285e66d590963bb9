// The VS Code side: find the server, start vscode-languageclient over stdio, restart it on
// demand or when its settings change. The decisions live in resolve.ts and settings.ts.

import * as os from 'node:os';
import * as path from 'node:path';

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';

import { isExecutableFile, probePython, pythonVersion, readBundled } from './node_host';
import { Bundled, Host, isNotFound, resolveServer, ServerCommand } from './resolve';
import { initializationOptions, needsRestart, readSettings, SECTION, Settings } from './settings';

const CLIENT_ID = 'uvIndexGuard'; // vscode-languageclient reads `uvIndexGuard.trace.server`
const NAME = 'uv-index-guard';
const PYTHON_EXTENSION = 'ms-python.python';

// Config files on disk and in virtual file systems by name; an untitled document when it is
// TOML; CI files on disk.
// The server analyses what it is sent, and offers no action that writes a file for a
// document that is not a `file:` one.
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', pattern: '**/pyproject.toml' },
  { scheme: 'file', pattern: '**/uv.toml' },
  { scheme: 'vscode-vfs', pattern: '**/pyproject.toml' },
  { scheme: 'vscode-vfs', pattern: '**/uv.toml' },
  { scheme: 'untitled', language: 'toml' },
  // CI files: the server checks the UV_INDEX_* variables and uv publish lines in them.
  { scheme: 'file', pattern: '**/.gitlab-ci.{yml,yaml}' },
  { scheme: 'file', pattern: '**/.github/workflows/*.{yml,yaml}' },
  { scheme: 'file', pattern: '**/.env' },
  { scheme: 'file', pattern: '**/.env.*' },
];

let log: vscode.LogOutputChannel;
let client: LanguageClient | undefined;
let current: Settings | undefined;
let queue: Promise<void> = Promise.resolve();
let bundled: Bundled | undefined;

export function activate(context: vscode.ExtensionContext): Promise<void> {
  log = vscode.window.createOutputChannel(NAME, { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(`${CLIENT_ID}.restart`, () => restart('the Restart server command')),
    vscode.commands.registerCommand(`${CLIENT_ID}.showLog`, () => log.show()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(SECTION) || !current) {
        return;
      }
      if (needsRestart(current, settings())) {
        void restart('a settings change');
      } else {
        void settingsChanged();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart('workspace trust')),
    { dispose: () => void stop() },
  );
  void watchPythonInterpreter(context);
  log.info(`${NAME} extension ${context.extension.packageJSON.version} activated`);
  return readBundled(context.extensionPath).then((found) => {
    bundled = found;
    log.info(found ? `bundled server: ${found.server} (Python ${found.pythons.join(', ')})`
      : 'bundled server: none (the universal build)');
    return restart('activation');
  });
}

export function deactivate(): Promise<void> {
  return stop();
}

/**
 * The server's own settings changed: tell the running server, which asks for them again
 * (`workspace/configuration`). Queued behind any restart, and only to a running client, so a
 * notification never goes to a server that is stopping.
 */
function settingsChanged(): Promise<void> {
  queue = queue.then(async () => {
    current = settings();
    const running = client;
    if (!running || !running.isRunning()) {
      return;
    }
    try {
      await running.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
      log.info('told the server that its settings changed');
    } catch (error) {
      log.warn(`workspace/didChangeConfiguration: ${String(error)}`);
    }
  });
  return queue;
}

/** Serialises start/stop so quick successive restarts cannot race; never rejects. */
function restart(reason: string): Promise<void> {
  queue = queue.then(async () => {
    try {
      await stop();
      await start(reason);
    } catch (error) {
      log.error(`restart (${reason}) failed: ${String(error)}`);
    }
  });
  return queue;
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop(2000);
    } catch (error) {
      log.warn(`stopping the server: ${String(error)}`);
    }
  }
}

function settings(): Settings {
  const problems: string[] = [];
  const section = JSON.parse(JSON.stringify(vscode.workspace.getConfiguration(SECTION))) as Record<string, unknown>;
  const result = readSettings(section, problems);
  problems.forEach((p) => log.warn(p));
  return result;
}

async function start(reason: string): Promise<void> {
  current = settings();
  if (!current.enable) {
    log.info('uvIndexGuard.enable is false: the server is not started');
    return;
  }
  log.info(`finding the server (${reason})`);
  const command = await resolveServer(current, host());
  if (isNotFound(command)) {
    const message = command.notFound;
    log.error(message);
    void vscode.window.showErrorMessage(message, 'Open settings', 'Show log').then((choice) => {
      if (choice === 'Open settings') {
        void vscode.commands.executeCommand('workbench.action.openSettings', SECTION);
      } else if (choice === 'Show log') {
        log.show();
      }
    });
    return;
  }
  client = createClient(command, current);
  log.info(`starting ${[command.command, ...command.args].join(' ')} (from ${command.source})`);
  try {
    await client.start();
    const info = client.initializeResult?.serverInfo;
    log.info(`server running: ${info ? `${info.name} ${info.version ?? ''}`.trim() : 'started'}`);
  } catch (error) {
    log.error(`the server did not start: ${String(error)}`);
    void vscode.window.showErrorMessage(
      `uv-index-guard: ${command.command} did not start as a language server (${String(error)}). ` +
      'See the uv-index-guard output.', 'Show log').then((choice) => choice && log.show());
  }
}

function createClient(command: ServerCommand, settings: Settings): LanguageClient {
  // One server for every folder of a multi-root workspace: it finds each file's uv workspace
  // from the file's own path, and asks for each folder's settings (workspace/configuration
  // with the folder as scopeUri). Without a folder (a lone file) it runs in the home directory.
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const serverOptions: ServerOptions = {
    command: command.command,
    args: command.args,
    // No `transport`: TransportKind.stdio would append `--stdio`, which the server rejects.
    options: { cwd: folder?.scheme === 'file' ? folder.fsPath : os.homedir(), env: process.env },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: log,
    traceOutputChannel: log,
    // The server's settings go as initializationOptions; when they change, the server is sent
    // workspace/didChangeConfiguration (settingsChanged, not the client's `synchronize`, which
    // would also send it to a server being restarted) and asks for them with
    // workspace/configuration, so no restart. A change of the settings that choose the server
    // restarts it (needsRestart).
    initializationOptions: initializationOptions(settings),
  };
  return new LanguageClient(CLIENT_ID, NAME, serverOptions, clientOptions);
}

function host(): Host {
  return {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    isAbsolute: path.isAbsolute,
    join: path.join,
    isExecutableFile: (p) => isExecutableFile(p),
    probePython: (p) => probePython(p),
    pythonVersion: (command, prefix) => pythonVersion(command, prefix),
    bundled,
    pythonExtensionInterpreter,
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
  };
}

// -- the Python extension's interpreter (its API, typed as far as we use it) ------------------

interface PythonEnvironmentsApi {
  getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
  resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

async function pythonApi(): Promise<PythonEnvironmentsApi | null> {
  const extension = vscode.extensions.getExtension<{ environments?: PythonEnvironmentsApi }>(PYTHON_EXTENSION);
  if (!extension) {
    return null;
  }
  const api = extension.isActive ? extension.exports : await extension.activate();
  if (!api?.environments) {
    throw new Error(`${PYTHON_EXTENSION} has no environments API`);
  }
  return api.environments;
}

async function pythonExtensionInterpreter(): Promise<string | undefined | null> {
  const environments = await pythonApi();
  if (environments === null) {
    return null;
  }
  const active = environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
  const resolved = await environments.resolveEnvironment(active);
  return resolved?.executable.uri?.fsPath;
}

async function watchPythonInterpreter(context: vscode.ExtensionContext): Promise<void> {
  try {
    const environments = await pythonApi();
    if (environments) {
      context.subscriptions.push(environments.onDidChangeActiveEnvironmentPath(
        () => restart('a change of the Python extension\'s interpreter')));
    }
  } catch (error) {
    log.warn(`Python extension: ${String(error)}`);
  }
}
