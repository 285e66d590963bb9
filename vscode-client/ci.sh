#!/usr/bin/env bash
# Everything CI does for the VS Code extension, from a clean checkout:
#   npm ci, typecheck, unit tests (vitest), package the .vsix (esbuild + vsce),
#   install code-server + chromium (e2e/setup.sh, cached), and the end-to-end test.
# tests/test_vscode_client.py runs this. Set UIG_SERVER to the `uv-index-guard` executable the
# end-to-end test should use (default: the one on PATH). Artifacts: e2e/artifacts/.
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

export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
step() { printf '\n== %s (%ss)\n' "$1" "$SECONDS"; }

step "npm ci"
npm ci --no-progress --loglevel=error
step "typecheck"
npm run --silent typecheck
step "unit tests"
npm test
step "package"
npm run package
step "e2e setup"
code_server=$(bash e2e/setup.sh | tail -n 1)
step "e2e"
node e2e/run.mjs --code-server "$code_server" --server "$server"
step "done"
