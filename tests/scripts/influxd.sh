#!/usr/bin/env bash
# Starts and stops a throwaway InfluxDB 1.x server on loopback, for tests.
#
#   tests/scripts/influxd.sh start DIR [--auth] [--tls]
#       prints "http://127.0.0.1:PORT" (https with --tls) once /ping answers
#   tests/scripts/influxd.sh stop DIR    stops it (by its PID file) and removes DIR
#
# Always started with an explicit config: without one influxd listens on every interface.
# With --auth, an admin `admin`/`admin-secret` and a read-only user `reader`/`reader-secret`
# on database `mothership` are created, and the database too.
# With --tls, openssl makes a throwaway certificate authority (DIR/ca.pem) and a certificate
# for 127.0.0.1 signed by it, and influxd serves https only.
set -euo pipefail
usage="usage: influxd.sh start|stop DIR [--auth] [--tls]"
cmd=${1:?$usage}
dir=${2:?$usage}
auth=false
tls=false
for option in "${@:3}"; do
  case "$option" in
  --auth) auth=true ;;
  --tls) tls=true ;;
  *) echo "$usage" >&2; exit 2 ;;
  esac
done

# A CA and a server certificate for 127.0.0.1 signed by it, both valid for a day.
make_certificates() {
  local d=$1
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=planet-bq test CA" \
    -keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 1 \
    -extfile "$d/server.ext" -out "$d/server.pem" 2>/dev/null
}

# shellcheck source=daemon-lib.sh
source "$(dirname "$0")/daemon-lib.sh"

case "$cmd" in
start)
  command -v influxd >/dev/null || { echo "influxd not installed: run tests/scripts/ensure-influxdb.sh" >&2; exit 1; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  http_port=$(free_port)
  rpc_port=$(free_port)
  scheme=http
  curl_tls=()
  if $tls; then
    command -v openssl >/dev/null || { echo "--tls needs openssl" >&2; exit 1; }
    make_certificates "$dir"
    scheme=https
    curl_tls=(--cacert "$dir/ca.pem")
  fi
  cat >"$dir/influxd.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$rpc_port"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$http_port"
  auth-enabled = $auth
  log-enabled = false
  max-row-limit = 0
  https-enabled = $tls
  https-certificate = "$dir/server.pem"
  https-private-key = "$dir/server.key"
[logging]
  level = "warn"
[continuous_queries]
  enabled = false
CONF
  influxd run -config "$dir/influxd.conf" >"$dir/influxd.log" 2>&1 &
  echo $! >"$dir/influxd.pid"
  url="$scheme://127.0.0.1:$http_port"
  for _ in $(seq 1 200); do
    if [ "$(curl -s "${curl_tls[@]}" -o /dev/null -w '%{http_code}' "$url/ping")" = 204 ]; then
      if $auth; then
        q() { curl -sf "${curl_tls[@]}" -o /dev/null "$@" "$url/query"; }
        q --data-urlencode "q=CREATE USER admin WITH PASSWORD 'admin-secret' WITH ALL PRIVILEGES"
        q -u admin:admin-secret --data-urlencode "q=CREATE DATABASE mothership"
        q -u admin:admin-secret --data-urlencode "q=CREATE USER reader WITH PASSWORD 'reader-secret'"
        q -u admin:admin-secret --data-urlencode "q=GRANT READ ON mothership TO reader"
      fi
      echo "$url"
      exit 0
    fi
    sleep 0.05
  done
  give_up "influxd did not answer /ping within 10 s" "$dir/influxd.log" "$dir/influxd.pid"
  ;;
stop)
  stop_server "$dir/influxd.pid" "$dir"
  ;;
*)
  echo "$usage" >&2
  exit 2
  ;;
esac
