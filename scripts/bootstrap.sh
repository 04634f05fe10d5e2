#!/usr/bin/env bash
# Creates the virtual environment and installs the pinned requirements (Node included), and
# Debian's cairo library, which cairosvg draws the app icons with (portal_app/theming/webapp.py).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /sbin/ldconfig -p 2>/dev/null | grep -q "libcairo.so.2 "; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "Installing libcairo2 from Debian's packages..." >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libcairo2 >&2
fi
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
stamp="$VENV/.requirements-installed"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r requirements.txt
  touch "$stamp"
fi
