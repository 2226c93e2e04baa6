#!/usr/bin/env bash
# Set up the project and start the field app in web mode with demo data.
# Usage: bash scripts/run.sh [app args...]   (PORT, ANXUN_DATA override the port and data folder)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q -e .

exec .venv/bin/python -m app --port "${PORT:-8550}" --data "${ANXUN_DATA:-demo-data}" --demo "$@"
