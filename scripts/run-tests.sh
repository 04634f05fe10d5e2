#!/usr/bin/env bash
# The README's test command: set up everything on a fresh machine, then run the whole suite
# (unit tests on SQLite and PostgreSQL, then the browser tests against the real app).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [ -z "${PORTAL_TEST_POSTGRES_URL:-}" ]; then
  PORTAL_TEST_POSTGRES_URL=$(bash scripts/test-services.sh | tail -n 1)
  export PORTAL_TEST_POSTGRES_URL
else
  command -v chromium >/dev/null 2>&1 || bash scripts/test-services.sh >/dev/null
fi
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p test-artifacts
start=$(date +%s)
.venv/bin/python -m pytest "$@"
echo "Suite time: $(( $(date +%s) - start ))s"
