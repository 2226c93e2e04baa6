#!/usr/bin/env bash
# Set up the project and run the whole test suite, including the headless-Chromium UI tests.
# Usage: bash scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q -e '.[test]'

if [ ! -x /usr/bin/chromium ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update
        apt-get install -y chromium fonts-noto-cjk
    else
        echo "note: /usr/bin/chromium not found and cannot install it (needs root and apt-get);" \
             "browser tests will be skipped." >&2
    fi
fi

# testpaths comes from [tool.pytest.ini_options] in pyproject.toml.
exec .venv/bin/python -m pytest "$@"
