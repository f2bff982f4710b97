#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine of this kind; idempotent and quiet when done.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]" 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/python -c "import heady, fastmcp, pytest" >/dev/null

# Services: Redis and PostgreSQL on loopback (normally running; start them if not).
if command -v redis-cli >/dev/null && ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
fi
if command -v pg_ctlcluster >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
fi

# Node tooling for third-party MCP servers and clients (npx): cache the packages once.
export npm_config_yes=true
for pkg in @modelcontextprotocol/server-memory@2026.8.31 @modelcontextprotocol/server-filesystem@2026.8.31; do
  npm exec --yes --package="$pkg" -- true >/dev/null 2>&1 </dev/null || echo "warning: could not pre-fetch $pkg" >&2
done
# mcp-remote: the bridge `heady config clients` puts in Claude Desktop entries (tests run it).
npm exec --yes --package=mcp-remote@0.15 -- true >/dev/null 2>&1 </dev/null || echo "warning: could not pre-fetch mcp-remote@0.15" >&2

# Node 22 and the official MCP conformance suite (tests/conformance), project-local in .tools/.
bash scripts/install-node.sh
# The MCP Inspector CLI: a non-Python client the gateway tests drive (tests/gateway/test_inspector.py).
npm exec --yes --package=@modelcontextprotocol/inspector@0.15.0 -- true >/dev/null 2>&1 </dev/null || echo "warning: could not pre-fetch @modelcontextprotocol/inspector@0.15.0" >&2
