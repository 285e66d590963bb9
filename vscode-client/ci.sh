#!/usr/bin/env bash
# Everything CI does for the VS Code extension, from a clean checkout:
#   npm ci, typecheck, unit tests (mocha), package the universal .vsix and the platform .vsix of
#   this machine (esbuild + vsce; `vsce ls` checked), install code-server + chromium
#   (e2e/setup.sh, cached), and the end-to-end test twice: the universal .vsix with
#   uvIndexGuard.path naming UIG_SERVER, then the platform .vsix with no server anywhere but
#   its own, on a PATH of only python3 and node.
# tests/test_vscode_client.py runs this. Set UIG_SERVER to the `uv-index-guard` executable the
# first end-to-end run should use (default: the one on PATH); the uv and python beside it build
# the bundle. Artifacts: e2e/artifacts/ and e2e/artifacts/bundled/.
set -euo pipefail
cd "$(dirname "$0")"
# One run at a time per checkout: two `npm ci` in one node_modules break each other.
exec 9<ci.sh
flock 9

server=${UIG_SERVER:-$(command -v uv-index-guard || true)}
if [ -z "$server" ] || [ ! -x "$server" ]; then
  echo "error: no uv-index-guard executable (set UIG_SERVER or install the package)" >&2
  exit 2
fi

bin=$(dirname "$server")
[ -n "${UV:-}" ] || { [ -x "$bin/uv" ] && export UV=$bin/uv; }
[ -n "${UIG_PYTHON:-}" ] || { [ -x "$bin/python" ] && export UIG_PYTHON=$bin/python; }
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=linux-x64 ;;
  Linux-aarch64) target=linux-arm64 ;;
  Darwin-x86_64) target=darwin-x64 ;;
  Darwin-arm64) target=darwin-arm64 ;;
  *) echo "error: no .vsix target for $(uname -sm)" >&2; exit 2 ;;
esac

export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "npm ci"
npm ci --no-progress --loglevel=error
step "typecheck"
npm run --silent typecheck
step "unit tests"
npm test
step "package (universal)"
npm run package
step "package ($target, the server bundled)"
npm run package:platform -- "$target"
step "e2e setup"
code_server=$(bash e2e/setup.sh | tail -n 1)
step "e2e"
node e2e/run.mjs --code-server "$code_server" --server "$server"
step "e2e, the $target .vsix with its bundled server"
node e2e/run.mjs --code-server "$code_server" --bundled --vsix "dist/uv-index-guard-$target.vsix" \
  --python "${UIG_E2E_PYTHON:-/usr/bin/python3}" --artifacts e2e/artifacts/bundled
step "done"
