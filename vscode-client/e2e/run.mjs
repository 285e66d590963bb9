// End-to-end test in real VS Code: code-server 4.100.3 (VS Code 1.100.3) on 127.0.0.1 with
// the built .vsix in a fresh extensions dir, driven by Debian's chromium through
// playwright-core. Passes when the Problems panel shows UIG301 for the line of the index URL
// that embeds a token. Everything it starts runs in one process group that is stopped at
// the end, whatever happens.
//
//   node e2e/run.mjs --code-server BIN --server /abs/path/uv-index-guard [--vsix FILE]
//                    [--artifacts DIR] [--timeout SECONDS]
//   node e2e/run.mjs --code-server BIN --bundled --vsix dist/uv-index-guard-linux-x64.vsix
//                    [--python /usr/bin/python3]
//
// With --bundled the extension must find the server it carries: no `uvIndexGuard.path`, and
// the PATH code-server (and so the extension host) sees holds only `python3` and `node`, no
// uv-index-guard anywhere. PYTHONDONTWRITEBYTECODE is dropped, as on a user's machine, so the
// first start compiles the bundle. The not-found part is left out (there is a Python).
//
// Artifacts (default e2e/artifacts/): problems.png (the page when the diagnostic showed),
// not-found.png (the notification when no server is found), failure.png (on failure), code-server.log, extension.log (the extension's output channel), result.json.
// The last line printed is `E2E_RESULT {json}` with the timings.

import { spawn, spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    'code-server': { type: 'string' },
    server: { type: 'string' },
    bundled: { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    vsix: { type: 'string', default: join(here, '..', 'dist', 'uv-index-guard.vsix') },
    artifacts: { type: 'string', default: join(here, 'artifacts') },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    timeout: { type: 'string', default: '180' },
    keep: { type: 'boolean', default: false },
  },
});

const started = Date.now();
const since = () => Date.now() - started;
const say = (message) => console.log(`[e2e ${(since() / 1000).toFixed(1)}s] ${message}`);
const timeoutMs = Number(args.timeout) * 1000;
const timings = {};

const required = [['--code-server', args['code-server']], args.bundled ? ['--python', args.python] : ['--server', args.server]];
for (const [flag, value] of required) {
  if (!value || !existsSync(value)) {
    console.error(`error: ${flag} ${value ?? '(missing)'}: no such file`);
    process.exit(2);
  }
}
if (!existsSync(args.vsix)) {
  console.error(`error: ${args.vsix} does not exist; run \`npm run package\` first`);
  process.exit(2);
}

const artifacts = resolve(args.artifacts);
mkdirSync(artifacts, { recursive: true });
for (const name of ['problems.png', 'not-found.png', 'lone-file.png', 'failure.png', 'failure.html', 'code-server.log', 'extension.log', 'result.json']) {
  rmSync(join(artifacts, name), { force: true });
}

// -- a fresh code-server home, workspace and browser profile -------------------------------
const root = mkdtempSync(join(tmpdir(), 'uig-e2e-'));
const dirs = {
  userData: join(root, 'user-data'),
  extensions: join(root, 'extensions'),
  xdg: join(root, 'xdg'),
  profile: join(root, 'chromium-profile'),
  workspace: join(root, 'workspace'),
};
Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));
mkdirSync(join(dirs.userData, 'User'), { recursive: true });

// A synthetic GitLab token, made at run time: no token literal is in the repository.
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const token = 'gl' + 'pat-' + Array.from({ length: 20 }, () => alphabet[randomInt(alphabet.length)]).join('');
const pyproject = [
  '[project]',
  'name = "demo"',
  'version = "0.1.0"',
  'dependencies = ["acme-core"]',
  '',
  '[[tool.uv.index]]',
  'name = "acme"',
  `url = "https://__token__:${token}@gitlab.example.com/api/v4/projects/7/packages/pypi/simple"`,
  'explicit = true',
  '',
  '[tool.uv.sources]',
  'acme-core = { index = "acme" }',
  '',
].join('\n');
const urlLine = pyproject.split('\n').findIndex((l) => l.startsWith('url = ')) + 1; // 1-based
writeFileSync(join(dirs.workspace, 'pyproject.toml'), pyproject);
// A CI file beside it: the server checks it against the project's indexes (UIG401 here).
const gitlabCi = 'publish:\n  script:\n    - uv build\n    - uv publish --token $CI_JOB_TOKEN\n';
writeFileSync(join(dirs.workspace, '.gitlab-ci.yml'), gitlabCi);

const result = { ok: false, bundled: args.bundled, urlLine, timings };

const settingsFile = join(dirs.userData, 'User', 'settings.json');
const settings = {
  // Named absolutely: an extension host need not see the PATH of the shell that started
  // code-server (see docs/editors/vscode.md). None with --bundled.
  ...(args.bundled ? {} : { 'uvIndexGuard.path': resolve(args.server) }),
  'uvIndexGuard.trace.server': 'messages',
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
};
writeFileSync(settingsFile, JSON.stringify(settings, null, 2));

const env = {
  ...process.env,
  XDG_CONFIG_HOME: join(dirs.xdg, 'config'),
  XDG_DATA_HOME: join(dirs.xdg, 'data'),
  XDG_CACHE_HOME: join(dirs.xdg, 'cache'),
};
// The extension host must find the server through the setting, not through PATH: no PATH
// entry holds a uv-index-guard (so the not-found case below finds none).
delete env.VIRTUAL_ENV;
env.PATH = (env.PATH ?? '').split(':').filter((d) => d && !existsSync(join(d, 'uv-index-guard'))).join(':');
if (args.bundled) {
  // A PATH of one directory that holds only python3 and node.
  const only = join(root, 'path');
  mkdirSync(only);
  const node = spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(resolve(args.python), join(only, 'python3'));
  symlinkSync(node, join(only, 'node'));
  env.PATH = only;
  // VS Code's server would otherwise take the environment of a login shell (resolveShellEnv),
  // whose PATH is the machine's; VSCODE_CLI=1 is how it knows it was started from a shell.
  env.VSCODE_CLI = '1';
  delete env.PYTHONDONTWRITEBYTECODE;
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  result.path = readdirSync(only);
}

let group; // pid of code-server = id of its process group
let context; // the browser
let exitCode = 1;

async function cleanup() {
  if (context) {
    await context.close().catch(() => {});
    context = undefined;
  }
  if (group) {
    result.stoppedCleanly = await stopGroup(group);
    group = undefined;
  }
  copyExtensionLog();
  if (!args.keep) {
    rmSync(root, { recursive: true, force: true });
  }
}

function alive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the process group, SIGKILL what is left after 5 s; true when nothing remains. */
async function stopGroup(pgid) {
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return true;
  }
  for (let i = 0; i < 50 && alive(pgid); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  if (alive(pgid)) {
    say(`process group ${pgid} still alive after SIGTERM; SIGKILL`);
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch { /* gone */ }
    for (let i = 0; i < 20 && alive(pgid); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return !alive(pgid);
}

function copyExtensionLog() {
  const file = extensionLog();
  if (file) {
    copyFileSync(file, join(artifacts, 'extension.log'));
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    say(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitHealthy(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) {
        return;
      }
    } catch { /* not up yet */ }
    if (!alive(group)) {
      throw new Error('code-server exited; see code-server.log');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`code-server did not answer ${url}`);
}

async function main() {
  const deadline = started + timeoutMs;
  const codeServer = resolve(args['code-server']);
  const common = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];

  say(`installing ${args.vsix}`);
  const install = spawnSync(codeServer, [...common, '--install-extension', resolve(args.vsix)],
    { env, encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) {
    throw new Error(`--install-extension failed (${install.status}): ${install.stdout}${install.stderr}`);
  }
  timings.installMs = since();

  const port = await freePort();
  const log = openSync(join(artifacts, 'code-server.log'), 'w');
  const server = spawn(codeServer, [
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', ...common, dirs.workspace,
  ], { env, detached: true, stdio: ['ignore', log, log] }); // detached: its own process group
  group = server.pid;
  say(`code-server pid/pgid ${group} on 127.0.0.1:${port}`);
  await waitHealthy(`http://127.0.0.1:${port}/healthz`, deadline);
  timings.serverUpMs = since();
  say('code-server answers /healthz');

  context = await chromium.launchPersistentContext(dirs.profile, {
    executablePath: args.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(Math.max(1000, deadline - Date.now()));
  timings.browserUpMs = since();
  timings.gotoMs = since();
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`);
  await page.locator('.monaco-workbench .part.editor').waitFor();
  timings.workbenchMs = since();
  say('workbench loaded');

  // Open pyproject.toml through Quick Open, as a user would.
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
  await page.keyboard.press('Control+P');
  const quickInput = page.locator('.quick-input-widget input');
  await quickInput.waitFor();
  await quickInput.fill('pyproject.toml');
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: 'pyproject.toml' }).waitFor();
  timings.editorMs = since();
  say('pyproject.toml open');

  await page.keyboard.press('Control+Shift+M');
  const panel = page.locator('.markers-panel');
  await panel.waitFor();
  const row = panel.locator('.monaco-list-row', { hasText: 'UIG301' });
  await row.first().waitFor();
  // The row names the line: "[Ln 8, Col 7]".
  await panel.locator('.monaco-list-row', { hasText: new RegExp(`UIG301.*\\[Ln ${urlLine}, Col \\d+\\]`) }).first().waitFor();
  timings.diagnosticMs = since();
  // From opening the workspace (the page) to the diagnostic: the workbench loads, the
  // extension activates and finds the server, the server starts (the first import, too), the
  // file is opened and the Problems panel shows the result.
  timings.openToDiagnosticMs = timings.diagnosticMs - timings.gotoMs;
  timings.fileToDiagnosticMs = timings.diagnosticMs - timings.editorMs;
  const text = await panel.innerText();
  result.problems = text.split('\n').filter((l) => l.trim()).slice(0, 20);
  if (text.includes(token)) {
    throw new Error('the Problems panel shows the token unmasked');
  }
  await row.first().click();
  await page.screenshot({ path: join(artifacts, 'problems.png') });
  say(`Problems panel shows UIG301 on line ${urlLine}; screenshot in ${join(artifacts, 'problems.png')}`);

  // The "Restart server" command, from the Command Palette: a new server comes up and the
  // diagnostic is still there.
  await page.keyboard.press('Control+Shift+P');
  await quickInput.waitFor();
  await quickInput.fill('>uv-index-guard: Restart server');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Restart server' }).first().waitFor();
  await page.keyboard.press('Enter');
  await waitForLog(/finding the server \(the Restart server command\)[\s\S]*server running/, deadline);
  await panel.locator('.monaco-list-row', { hasText: 'UIG301' }).first().waitFor();
  timings.restartMs = since();
  say('Restart server: the server came back and UIG301 is still shown');
  Object.assign(timings, logTimings(readFileSync(extensionLog(), 'utf8')));
  // A setting the server reads, changed in the folder's .vscode/settings.json: the running
  // server is told and asks for it (workspace/configuration, the folder as scopeUri); no
  // restart, and UIG301 goes and comes back.
  const restarts = () => (readFileSync(extensionLog(), 'utf8').match(/finding the server/g) ?? []).length;
  const before = restarts();
  const folderSettings = join(dirs.workspace, '.vscode', 'settings.json');
  mkdirSync(dirname(folderSettings), { recursive: true });
  writeFileSync(folderSettings, JSON.stringify({ 'uvIndexGuard.ignore': ['UIG301'] }, null, 2));
  await panel.locator('.monaco-list-row', { hasText: 'UIG301' }).first().waitFor({ state: 'detached' });
  writeFileSync(folderSettings, '{}\n');
  await panel.locator('.monaco-list-row', { hasText: 'UIG301' }).first().waitFor();
  await waitForLog(/told the server that its settings changed/, deadline);
  if (restarts() !== before) {
    throw new Error('changing uvIndexGuard.ignore restarted the server');
  }
  timings.liveSettingMs = since();
  say('uvIndexGuard.ignore: UIG301 hidden and shown again by the running server');

  // The CI file: opened the same way, its diagnostic in the Problems panel.
  await page.keyboard.press('Control+P');
  await quickInput.waitFor();
  await quickInput.fill('.gitlab-ci.yml');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: '.gitlab-ci.yml' }).first().click();
  await page.locator('.tab.active', { hasText: '.gitlab-ci.yml' }).waitFor();
  await panel.locator('.monaco-list-row', { hasText: /UIG401.*\[Ln 4, Col \d+\]/ }).first().waitFor();
  timings.ciFileMs = since();
  say('.gitlab-ci.yml: UIG401 shown');

  if (args.bundled) {
    await loneFile(page, port);
    result.ok = true;
    return;
  }

  // No server anywhere (a path setting naming nothing, none on PATH, no Python extension):
  // the settings change restarts the server, and one notification says how to install it.
  // Set through the Settings editor, as a user would.
  await page.keyboard.press('Control+Comma');
  await page.locator('.settings-editor').waitFor();
  await page.keyboard.type('uvIndexGuard.path');
  // A machine-overridable setting: in a remote window (code-server is one) it is set on the
  // Remote tab, which overrides the user settings.json value.
  await page.locator('.settings-editor .settings-tabs-widget .action-label', { hasText: 'Remote' }).click();
  const input = page.locator('.settings-editor .setting-item-contents', { hasText: 'executable to run as the language server' })
    .locator('input').first();
  await input.waitFor();
  await input.fill(join(root, 'missing', 'uv-index-guard'));
  await input.press('Tab');
  await page.locator('.notifications-toasts .notification-toast', { hasText: 'language server was not found' }).first().waitFor();
  await waitForLog(/finding the server \(a settings change\)[\s\S]*PATH: no uv-index-guard/, deadline);
  timings.notFoundMs = since();
  await page.waitForTimeout(500); // room for a second, unwanted notification
  result.notifications = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
  if (result.notifications.length !== 1) {
    throw new Error(`expected one notification, got ${JSON.stringify(result.notifications)}`);
  }
  await page.screenshot({ path: join(artifacts, 'not-found.png') });
  say('no server: the install notification is shown');
  result.ok = true;
}

function extensionLog() {
  const found = [];
  const walk = (dir) => {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else if (/uv-index-guard\.log$/.test(entry)) {
        found.push(path);
      }
    }
  };
  // <user-data>/logs/<session>/window1/exthost/output_logging_*/<n>-uv-index-guard.log
  walk(join(dirs.userData, 'logs'));
  return found[0];
}

/**
 * A lone pyproject.toml, opened in a window without a folder (code-server's `openFile`
 * payload, as `code-server FILE` would): the extension activates on the TOML language, not on
 * a workspace, and the diagnostic shows.
 */
async function loneFile(page, port) {
  const dir = join(root, 'lone');
  mkdirSync(dir);
  writeFileSync(join(dir, 'pyproject.toml'), pyproject);
  const payload = JSON.stringify([['openFile', `vscode-remote://127.0.0.1:${port}${join(dir, 'pyproject.toml')}`]]);
  const opened = since();
  await page.goto(`http://127.0.0.1:${port}/?ew=true&payload=${encodeURIComponent(payload)}`);
  await page.locator('.tab.active', { hasText: 'pyproject.toml' }).waitFor();
  await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } }).catch(() => {});
  await page.keyboard.press('Control+Shift+M');
  const panel = page.locator('.markers-panel');
  await panel.waitFor();
  await panel.locator('.monaco-list-row', { hasText: new RegExp(`UIG301.*\\[Ln ${urlLine}, Col \\d+\\]`) }).first().waitFor();
  timings.loneFileToDiagnosticMs = since() - opened;
  const title = await page.title();
  if (title.includes(basename(dirs.workspace))) {
    throw new Error(`the lone file was opened with the workspace folder, not alone (${title})`);
  }
  result.loneFileTitle = title;
  await page.screenshot({ path: join(artifacts, 'lone-file.png') });
  say('a lone pyproject.toml without a folder: UIG301 shown');
}

/**
 * From the extension's output (its lines carry milliseconds): activation to the first
 * diagnostic answer, spawn to `initialize` answered, and the first `didOpen` to its diagnostics.
 */
function logTimings(text) {
  const at = (pattern) => {
    const line = text.split('\n').find((l) => pattern.test(l));
    const stamp = line?.match(/^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d{3})/);
    return stamp ? Date.parse(`${stamp[1]}T${stamp[2]}`) : undefined;
  };
  const activated = at(/ extension .* activated/);
  const spawned = at(/\] starting /);
  const initialized = at(/Received response 'initialize/);
  const opened = at(/Sending notification 'textDocument\/didOpen'/);
  const diagnosed = at(/Received (response 'textDocument\/diagnostic|notification 'textDocument\/publishDiagnostics')/);
  const span = (a, b) => (a === undefined || b === undefined ? undefined : b - a);
  return {
    activationToDiagnosticMs: span(activated, diagnosed),
    spawnToInitializedMs: span(spawned, initialized),
    didOpenToDiagnosticMs: span(opened, diagnosed),
  };
}

async function waitForLog(pattern, deadline) {
  while (Date.now() < deadline) {
    const file = extensionLog();
    if (file && pattern.test(readFileSync(file, 'utf8'))) {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the extension log never matched ${pattern}`);
}

try {
  await main();
  exitCode = 0;
} catch (error) {
  result.error = String(error?.stack ?? error);
  console.error(`error: ${error?.message ?? error}`);
  if (context) {
    const page = context.pages()[0];
    await page?.screenshot({ path: join(artifacts, 'failure.png') }).catch(() => {});
    await page?.content().then((html) => writeFileSync(join(artifacts, 'failure.html'), html)).catch(() => {});
  }
} finally {
  await cleanup();
  if (result.stoppedCleanly === false) {
    console.error('error: processes of the code-server group were still running after SIGKILL');
    exitCode = 1;
  }
  result.totalMs = since();
  writeFileSync(join(artifacts, 'result.json'), JSON.stringify(result, null, 2));
  say(`done in ${(result.totalMs / 1000).toFixed(1)}s; artifacts in ${artifacts}`);
  console.log(`E2E_RESULT ${JSON.stringify({ ok: result.ok, bundled: args.bundled, timings, totalMs: result.totalMs, stoppedCleanly: result.stoppedCleanly })}`);
  process.exit(exitCode);
}
