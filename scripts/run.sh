#!/usr/bin/env bash
# Set up the project, start the central endpoint (SQLite in its own data folder, with a demo
# account) and the field app beside it in web mode, with demo data, signed in: the app syncs at
# start, so a newcomer sees a sync happen. Stopping the app (Ctrl+C) stops the endpoint too.
# Usage: bash scripts/run.sh [app args...]
#   PORT (8550), SYNC_PORT (8765), ANXUN_DATA (demo-data), ANXUN_SERVER_DATA (demo-server)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q -e '.[web,server]'
py=.venv/bin/python

port="${PORT:-8550}"
sync_port="${SYNC_PORT:-8765}"
data="${ANXUN_DATA:-demo-data}"
server_data="${ANXUN_SERVER_DATA:-demo-server}"
user="演示网格员"
password_file="$server_data/demo-password.txt"

# The demo account, once: a 网格员 of every demo grid; its password stays in the server's folder.
if [ ! -f "$password_file" ]; then
    mkdir -p "$server_data"
    password="$("$py" -c 'import secrets; print(secrets.token_urlsafe(12))')"
    read -r -a grids <<< "$("$py" -c 'from app.demo import GRIDS; print(" ".join("--grid " + g for g in GRIDS))')"
    printf '%s\n' "$password" | "$py" -m sync.server --data "$server_data" user add "$user" --role 网格员 "${grids[@]}"
    (umask 077 && printf '%s\n' "$password" > "$password_file")
fi

"$py" -m sync.server --data "$server_data" --port "$sync_port" 2> "$server_data/server.log" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
for _ in $(seq 100); do
    "$py" -c "import socket, sys; socket.create_connection(('127.0.0.1', $sync_port), 0.2)" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { echo "the central endpoint did not start: see $server_data/server.log" >&2; exit 1; }
    sleep 0.1
done

# Demo data on the first run (inspections, hazards in every status, photos), then sign the device in.
if [ ! -f "$data/anxun.db" ]; then
    "$py" -m app.demo "$data"
fi
if ! "$py" -m sync.client --data "$data" status | grep -q '"signed_in": true'; then
    "$py" -m sync.client --data "$data" login --server "http://127.0.0.1:$sync_port" --user "$user" < "$password_file"
fi

echo "安巡 AnXun: central endpoint at http://127.0.0.1:${sync_port} (data in ${server_data}/, log ${server_data}/server.log)"
echo "            field app at http://127.0.0.1:${port} (store in ${data}/), signed in as ${user}; it syncs at start"
echo "            (the demo account's password is in ${password_file})"
"$py" -m app --port "$port" --data "$data" "$@"
