#!/usr/bin/env bash
# Starts and stops a throwaway local-bigquery emulator on loopback, for tests.
#
#   tests/scripts/bq-emulator.sh start DIR [PROJECT]   prints "http://127.0.0.1:PORT" once it answers;
#                                                      DIR/grpc-port holds the Storage Write API port
#   tests/scripts/bq-emulator.sh stop DIR              stops it (by its PID file) and removes DIR
#
# Installed by tests/scripts/ensure-bq-emulator.sh (same PLANET_BQ_EMULATOR_DIR). The project
# defaults to test-project.
set -euo pipefail
cmd=${1:?usage: bq-emulator.sh start|stop DIR [PROJECT]}
dir=${2:?usage: bq-emulator.sh start|stop DIR [PROJECT]}
project=${3:-test-project}
root=${PLANET_BQ_EMULATOR_DIR:-/var/tmp/planet-bq-bq-emulator}

# shellcheck source=daemon-lib.sh
source "$(dirname "$0")/daemon-lib.sh"

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
  # The Storage Write API (gRPC) listens on its own port: the suite reads it from here.
  echo "$grpc_port" >"$dir/grpc-port"
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "$url/bigquery/v2/projects/$project/datasets"; then
      echo "$url"
      exit 0
    fi
    kill -0 "$(cat "$dir/emulator.pid")" 2>/dev/null || break
    sleep 0.1
  done
  give_up "the BigQuery emulator did not answer within 60 s" "$dir/emulator.log" "$dir/emulator.pid"
  ;;
stop)
  stop_server "$dir/emulator.pid" "$dir"
  ;;
*)
  echo "usage: bq-emulator.sh start|stop DIR [PROJECT]" >&2
  exit 2
  ;;
esac
