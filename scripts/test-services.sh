#!/usr/bin/env bash
# Installs and starts what the test suite needs beyond Python: Debian's Chromium and PostgreSQL, and
# nginx and Redis for the production-shape test (tests/e2e/test_scale_out.py starts its own).
# Prints the PostgreSQL URL for the tests on its last line.
set -euo pipefail
SUDO=""
AS_POSTGRES="runuser -u postgres --"
if [ "$(id -u)" != 0 ]; then
  SUDO="sudo"
  AS_POSTGRES="sudo -u postgres"
fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
  $SUDO pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | grep "^$version main" | grep -q online; then
  $SUDO pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
# A superuser role for the tests: they create and drop one database per test.
$AS_POSTGRES psql -p "$port" -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'portal_test'" | grep -q 1 \
  || $AS_POSTGRES psql -p "$port" -qc "CREATE ROLE portal_test LOGIN SUPERUSER PASSWORD 'portal_test'" >&2
echo "postgresql://portal_test:portal_test@127.0.0.1:$port/postgres"
