#!/usr/bin/env bash
# One host of the production shape, in the foreground until Ctrl-C or SIGTERM:
#   1. checks the production settings and applies the database migrations;
#   2. builds the static frontend export for the public address (once per address and source);
#   3. starts BACKENDS backend workers (`reflex run --env prod --backend-only`, Reflex state in
#      Redis), each on its own port from BACKEND_PORT up, with GRANIAN_WORKERS processes each;
#   4. starts the job worker (`python -m portal_app worker`) unless JOB_WORKER=0;
#   5. starts nginx in front (deploy/nginx: TLS, routes, security headers) unless PROXY=0.
# Stopping it stops them all. Several hosts: run this on each behind a load balancer, with the same
# PORTAL_DATABASE_URL, REFLEX_REDIS_URL and PORTAL_SECRET_KEY, and JOB_WORKER=1 wherever you like
# (each job occurrence is claimed in the database). See README, "Production shape".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

: "${PORTAL_DATABASE_URL:?set PORTAL_DATABASE_URL (postgresql://user:pass@host/db)}"
: "${REFLEX_REDIS_URL:?set REFLEX_REDIS_URL (redis://host:6379/0): the workers share Reflex state through it}"
: "${PORTAL_PUBLIC_URL:?set PORTAL_PUBLIC_URL to the https:// address people type}"
export PORTAL_DATABASE_URL REFLEX_REDIS_URL PORTAL_PUBLIC_URL
export PORTAL_ENV=${PORTAL_ENV:-production}

BACKENDS=${BACKENDS:-2}
BACKEND_HOST=${BACKEND_HOST:-127.0.0.1}
BACKEND_PORT=${BACKEND_PORT:-8001}
export GRANIAN_WORKERS=${GRANIAN_WORKERS:-1}   # processes per backend (Reflex's own default: 2 x cores + 1)
JOB_WORKER=${JOB_WORKER:-1}
PROXY=${PROXY:-1}
PROXY_LISTEN=${PROXY_LISTEN:-443}
RUN_DIR=${RUN_DIR:-$ROOT/run}
PY=${PY:-$ROOT/.venv/bin/python}
# nginx appends the visitor's address to X-Forwarded-For; a load balancer in front adds one more hop.
export REFLEX_TRUSTED_PROXY_HOPS=${REFLEX_TRUSTED_PROXY_HOPS:-1}
# The frontend build carries the address its pages connect to: by default the public origin.
origin=$("$PY" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(f"{p.scheme}://{p.netloc}")' "$PORTAL_PUBLIC_URL")
export REFLEX_API_URL=${REFLEX_API_URL:-$origin}
export REFLEX_DEPLOY_URL=${REFLEX_DEPLOY_URL:-$origin}
export REFLEX_USE_NPM=1 REFLEX_CHECK_LATEST_VERSION=false
export PATH="$(dirname "$PY"):$PATH"
mkdir -p "$RUN_DIR"
RUN_DIR=$(cd "$RUN_DIR" && pwd)
STATIC_DIR=${STATIC_DIR:-$RUN_DIR/static}
if [ "${PORTAL_PAYMENTS:-sandbox}" = sandbox ]; then
  # The sandbox plays the card processor; its ledger must be shared by every worker on the host.
  export PORTAL_SANDBOX_LEDGER=${PORTAL_SANDBOX_LEDGER:-$RUN_DIR/sandbox-ledger.sqlite}
fi

"$PY" -c 'from portal_app.config import get_settings; get_settings().check_production_safety()'
"$PY" -m portal_app migrate

# --- the static export, rebuilt when the address or the source changed ------------------------
stamp="$STATIC_DIR/.built-for"
if [ "${REBUILD:-0}" = 1 ] || [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$REFLEX_API_URL" ] \
   || [ -n "$(find portal_app assets rxconfig.py reflex.lock -type f -newer "$stamp" 2>/dev/null | head -n 1)" ]; then
  echo "Building the frontend for $REFLEX_API_URL ..."
  web_dir=${REFLEX_WEB_WORKDIR:-$ROOT/.web}
  "$PY" -m reflex export --frontend-only --no-zip --env prod --loglevel warning
  rm -rf "$STATIC_DIR.new" && cp -a "$web_dir/build/client" "$STATIC_DIR.new"
  rm -rf "$STATIC_DIR" && mv "$STATIC_DIR.new" "$STATIC_DIR"
  echo "$REFLEX_API_URL" > "$stamp"
fi

pids=()
stop() {
  trap - EXIT INT TERM
  touch "$RUN_DIR/stopping"
  for pid_file in "$RUN_DIR"/backend-*.pid; do
    [ -f "$pid_file" ] && kill -TERM "$(cat "$pid_file")" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT INT TERM
rm -f "$RUN_DIR/stopping" "$RUN_DIR"/backend-*.pid

# --- the backend workers ---------------------------------------------------------------------
# Each runs in a session of its own (a signal to one never reaches the others) and is started again
# when it ends for any reason; its open tabs reconnect through nginx to the others meanwhile.
json_flag=()
[ "${PORTAL_LOG_FORMAT:-text}" = json ] && json_flag=(--json)  # Reflex's own lines as JSON too
supervise_backend() {
  local port=$1
  while [ ! -f "$RUN_DIR/stopping" ]; do
    setsid "$PY" -m reflex run --env prod --backend-only --backend-host "$BACKEND_HOST" --backend-port "$port" \
      --loglevel "${LOGLEVEL:-info}" "${json_flag[@]}" >>"$RUN_DIR/backend-$port.log" 2>&1 &
    echo $! > "$RUN_DIR/backend-$port.pid"
    wait $! || true
    [ -f "$RUN_DIR/stopping" ] && break
    if [ ${#json_flag[@]} -gt 0 ]; then
      echo "{\"timestamp\": \"$(date -u +%FT%TZ)\", \"level\": \"warning\", \"logger\": \"run-production\", \"message\": \"backend on port $port ended; starting it again\"}"
    else
      echo "$(date -u +%FT%TZ) backend on port $port ended; starting it again"
    fi >> "$RUN_DIR/backend-$port.log"
    sleep 1
  done
}
upstreams=""
for i in $(seq 0 $((BACKENDS - 1))); do
  port=$((BACKEND_PORT + i))
  supervise_backend "$port" &
  pids+=($!)
  upstreams+="        server $BACKEND_HOST:$port max_fails=1 fail_timeout=10s;"$'\n'
done

if [ "$JOB_WORKER" = 1 ]; then
  "$PY" -m portal_app worker >>"$RUN_DIR/worker.log" 2>&1 &
  pids+=($!)
fi

# --- nginx in front ----------------------------------------------------------------------------
if [ "$PROXY" = 1 ]; then
  : "${TLS_CERT:?set TLS_CERT and TLS_KEY (PEM files) for the proxy, or PROXY=0 to run without it}"
  : "${TLS_KEY:?set TLS_KEY}"
  mkdir -p "$RUN_DIR/nginx" "$RUN_DIR"/nginx-tmp/{body,proxy,fastcgi,uwsgi,scgi}
  ln -sfn "$ROOT/deploy/nginx" "$RUN_DIR/nginx/portal"
  user_line=""
  [ "$(id -u)" = 0 ] && user_line="user ${NGINX_USER:-www-data};"
  UPSTREAMS="$upstreams" USER_LINE="$user_line" LISTEN="$PROXY_LISTEN" TLS_CERT="$TLS_CERT" TLS_KEY="$TLS_KEY" \
  STATIC="$STATIC_DIR" RUN="$RUN_DIR" "$PY" - "$ROOT/deploy/nginx/standalone.conf.in" "$RUN_DIR/nginx/nginx.conf" <<'PYEOF'
import os, sys
text = open(sys.argv[1]).read()
for name, key in [("UPSTREAM_SERVERS", "UPSTREAMS"), ("USER_LINE", "USER_LINE"), ("LISTEN", "LISTEN"),
                  ("TLS_CERT", "TLS_CERT"), ("TLS_KEY", "TLS_KEY"), ("STATIC_DIR", "STATIC"), ("RUN_DIR", "RUN")]:
    text = text.replace(f"@{name}@", os.environ[key].rstrip("\n"))
open(sys.argv[2], "w").write(text)
PYEOF
  nginx -t -q -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf"
  nginx -p "$RUN_DIR/nginx" -c "$RUN_DIR/nginx/nginx.conf" -g "daemon off;" &
  pids+=($!)
  echo $! > "$RUN_DIR/nginx-master.pid"
  echo "Subscriber Portal: $PORTAL_PUBLIC_URL (nginx on $PROXY_LISTEN, $BACKENDS backend workers from port $BACKEND_PORT)"
fi

# Runs until a signal stops it (run it from systemd, or see deploy/compose.yaml for containers).
wait
