# Shared by the scripts that start and stop a throwaway server for the tests (influxd.sh,
# bq-emulator.sh): sourced, not run.

# A TCP port free on loopback right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# give_up MESSAGE LOG PIDFILE: the server did not come up; say why with its log, stop it, exit 1.
give_up() {
  echo "$1; log: $2" >&2
  cat "$2" >&2 || true
  kill "$(cat "$3")" 2>/dev/null || true
  exit 1
}

# stop_server PIDFILE DIR: stops the server (SIGTERM, then SIGKILL after 5 s) and removes DIR.
stop_server() {
  if [ -f "$1" ]; then
    local pid
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$2"
}
