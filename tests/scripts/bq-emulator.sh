#!/usr/bin/env bash
# Starts and stops a throwaway local-bigquery emulator on loopback, for tests.
#
#   tests/scripts/bq-emulator.sh start DIR [PROJECT]   prints "http://127.0.0.1:PORT" once it answers
#   tests/scripts/bq-emulator.sh stop DIR              stops it (by its PID file) and removes DIR
#
# Installed by tests/scripts/ensure-bq-emulator.sh (same PLANET_BQ_EMULATOR_DIR). The project
# defaults to test-project.
set -euo pipefail
cmd=${1:?usage: bq-emulator.sh start|stop DIR [PROJECT]}
dir=${2:?usage: bq-emulator.sh start|stop DIR [PROJECT]}
project=${3:-test-project}
root=${PLANET_BQ_EMULATOR_DIR:-/var/tmp/planet-bq-bq-emulator}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  [ -x "$root/venv/bin/local-bigquery" ] || { echo "emulator not installed: run tests/scripts/ensure-bq-emulator.sh" >&2; exit 1; }
  mkdir -p "$dir/data"
  dir=$(cd "$dir" && pwd)
  port=$(free_port)
  grpc_port=$(free_port)
  # HOME points at the DuckDB extensions copied at install time: nothing is downloaded.
  HOME="$root/home" "$root/venv/bin/local-bigquery" serve --host 127.0.0.1 --port "$port" \
    --grpc-port "$grpc_port" --project "$project" --data-dir "$dir/data" >"$dir/emulator.log" 2>&1 &
  echo $! >"$dir/emulator.pid"
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "$url/bigquery/v2/projects/$project/datasets"; then
      echo "$url"
      exit 0
    fi
    kill -0 "$(cat "$dir/emulator.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "the BigQuery emulator did not answer within 60 s; log: $dir/emulator.log" >&2
  cat "$dir/emulator.log" >&2 || true
  kill "$(cat "$dir/emulator.pid")" 2>/dev/null || true
  exit 1
  ;;
stop)
  if [ -f "$dir/emulator.pid" ]; then
    pid=$(cat "$dir/emulator.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: bq-emulator.sh start|stop DIR [PROJECT]" >&2
  exit 2
  ;;
esac
