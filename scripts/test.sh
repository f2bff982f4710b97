#!/usr/bin/env bash
# The whole test suite: install what it needs, then lint, type-check and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh

echo "== ruff"
.venv/bin/ruff check src tests examples bench
.venv/bin/ruff format --check src tests examples bench
echo "== mypy"
.venv/bin/mypy
echo "== pytest"
set +e
.venv/bin/pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "error: pytest collected no tests; the suite must never pass empty" >&2
  exit 1
fi
exit "$status"
