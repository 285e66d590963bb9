// Packages the extension with vsce (run by `npm run package` / `npm run package:platform`,
// after the typecheck and the production bundle):
//
//   node scripts/package.mjs                      dist/uv-index-guard.vsix, the universal
//                                                 client-only build (finds the server in the
//                                                 environment)
//   node scripts/package.mjs --target linux-x64   dist/uv-index-guard-linux-x64.vsix, with the
//                                                 server and its dependencies for that platform
//                                                 and Python 3.10 to 3.13 in bundled/
//
// Targets: linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64. The bundle is written by
// scripts/bundle_server.py (run with $UIG_PYTHON, else python3; it needs uv: $UV, PATH or
// `python -m uv`), and removed again afterwards, so the universal build never carries one.
// Then `vsce ls` lists what the .vsix holds, and the list is checked (no sources, no
// node_modules; LICENSE, icon, README and CHANGELOG present).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let target;
if (args[0] === '--target') {
  target = args[1]; // bundle_server.py knows the targets and refuses any other
  if (!target) {
    console.error('error: --target needs a target (linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64)');
    process.exit(2);
  }
} else if (args.length) {
  console.error(`error: unexpected arguments ${args.join(' ')}; usage: package.mjs [--target TARGET]`);
  process.exit(2);
}

function run(command, commandArgs, options = {}) {
  console.error(`+ ${command} ${commandArgs.join(' ')}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} exited ${result.status ?? result.signal}`);
  }
  return result;
}

const vsce = join(root, 'node_modules', '.bin', 'vsce');
const bundled = join(root, 'bundled');
const out = join(root, 'dist', target ? `uv-index-guard-${target}.vsix` : 'uv-index-guard.vsix');
mkdirSync(dirname(out), { recursive: true });
rmSync(bundled, { recursive: true, force: true });
try {
  if (target) {
    run(process.env.UIG_PYTHON || 'python3', ['scripts/bundle_server.py', '--target', target, '--out', bundled]);
  }
  const listed = spawnSync(vsce, ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) {
    throw new Error(`vsce ls exited ${listed.status}: ${listed.stderr}`);
  }
  checkListing(listed.stdout.split('\n').filter(Boolean));
  run(vsce, ['package', '--no-dependencies', ...(target ? ['--target', target] : []), '--out', out]);
} finally {
  rmSync(bundled, { recursive: true, force: true });
}
console.error(`${out}: ${(statSync(out).size / 1e6).toFixed(1)} MB`);

function checkListing(files) {
  const problems = [];
  for (const needed of ['package.json', 'dist/extension.js', 'README.md', 'CHANGELOG.md', 'LICENSE', 'images/icon.png']) {
    if (!files.includes(needed)) {
      problems.push(`${needed} is missing`);
    }
  }
  for (const file of files) {
    if (/(^|\/)node_modules\//.test(file) && !file.startsWith('bundled/')) {
      problems.push(`${file}: node_modules are bundled by esbuild, not shipped`);
    } else if (!file.startsWith('bundled/') && /\.(ts|map)$/.test(file)) {
      problems.push(`${file}: sources and source maps stay out`);
    } else if (/(^|\/)__pycache__\//.test(file)) {
      problems.push(`${file}: compiled on the user's machine, not shipped`);
    }
  }
  const server = files.includes('bundled/server.py') && files.includes('bundled/manifest.json');
  if (Boolean(target) !== server) {
    problems.push(target ? 'bundled/server.py or bundled/manifest.json is missing' : 'the universal build carries bundled/');
  }
  if (problems.length) {
    throw new Error(`vsce ls: ${problems.join('; ')}`);
  }
  console.error(`vsce ls: ${files.length} files, checked`);
}
