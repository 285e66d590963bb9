#!/usr/bin/env bash
# Installs what the code-server end-to-end test needs; idempotent and cached, so a second
# run takes about a second. Prints the code-server executable's path on its last line.
#
#   Debian packages: chromium (driven by playwright-core), ripgrep, fonts, and the headers
#                    code-server's native modules build against (root or sudo needed once).
#   code-server 4.100.3 (VS Code 1.100.3; the last line that runs on node 20), from npm,
#                    into $UIG_E2E_CACHE/code-server-4.100.3 (default ~/.cache/uv-index-guard-e2e).
#
# Only the npm registry and Debian's archive are used: @vscode/ripgrep's postinstall would
# download ripgrep from GitHub, so it is handed Debian's rg through its download cache.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
RIPGREP_NPM_VERSION=1.15.11   # the @vscode/ripgrep code-server 4.100.3 depends on
RIPGREP_ASSET_VERSION=v13.0.0-10
CACHE=${UIG_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uv-index-guard-e2e}
PREFIX=$CACHE/code-server-$CODE_SERVER_VERSION
BIN=$PREFIX/node_modules/.bin/code-server

log() { echo "setup.sh: $*" >&2; }

# -- Debian packages ------------------------------------------------------------------------
packages=(chromium fonts-liberation ripgrep build-essential pkg-config
          libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends \
    "${missing[@]}" >&2
fi

# -- code-server ----------------------------------------------------------------------------
if [ -x "$BIN" ] && [ -f "$PREFIX/.complete" ]; then
  echo "$BIN"
  exit 0
fi

case "$(uname -m)" in
  x86_64) target=x86_64-unknown-linux-musl ;;
  aarch64 | arm64) target=aarch64-unknown-linux-musl ;;
  *) log "error: no ripgrep target for $(uname -m)"; exit 2 ;;
esac
tmp=$CACHE/tmp
rgcache=$tmp/vscode-ripgrep-cache-$RIPGREP_NPM_VERSION
mkdir -p "$rgcache"
asset=$rgcache/ripgrep-$RIPGREP_ASSET_VERSION-$target.tar.gz
if [ ! -s "$asset" ]; then
  rg=$(command -v rg)
  tar -czf "$asset" -C "$(dirname "$rg")" "$(basename "$rg")"
fi

log "npm install code-server@$CODE_SERVER_VERSION into $PREFIX (a few minutes the first time)"
rm -rf "$PREFIX"
mkdir -p "$PREFIX"
echo '{"name": "uv-index-guard-e2e-code-server", "private": true}' >"$PREFIX/package.json"
# unsafe_perm: its postinstall refuses root otherwise; yes: a nested postinstall runs
# `npx node-gyp`; nodedir: node headers from Debian's nodejs, never downloaded.
TMPDIR=$tmp \
  npm_config_unsafe_perm=true \
  npm_config_yes=true \
  npm_config_nodedir=${npm_config_nodedir:-/usr} \
  npm_config_update_notifier=false \
  npm_config_fund=false \
  npm_config_audit=false \
  npm install --prefix "$PREFIX" --no-save --loglevel=error \
  "code-server@$CODE_SERVER_VERSION" >&2
test -x "$BIN"
XDG_CONFIG_HOME=$tmp/xdg-config XDG_DATA_HOME=$tmp/xdg-data "$BIN" --version >&2
touch "$PREFIX/.complete"
echo "$BIN"
