#!/usr/bin/env bash
# Set up the project and start the field app in web mode with demo data.
# Usage: bash scripts/run.sh [app args...]   (PORT, ANXUN_DATA override the port and data folder)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q -e '.[web,server]'

port="${PORT:-8550}"
data="${ANXUN_DATA:-demo-data}"
echo "安巡 AnXun: starting the field app in web mode at http://127.0.0.1:${port} with its store in ${data}/"
echo "            (demo sites seeded on first run; the central sync endpoint is not part of this release yet)"
exec .venv/bin/python -m app --port "$port" --data "$data" --demo "$@"
