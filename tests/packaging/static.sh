#!/usr/bin/env bash
# The static binary of the container image (`make static`), where no image can be built:
# - it has no dynamic dependency (file, ldd and readelf agree);
# - it runs: --version prints the workspace's version;
# - `analyze` of two vectors (default profile, planet-exporter profile) writes their expected
#   tables byte for byte (the tables a real InfluxDB gave, tests/vectors/README.md);
# - rustls and ring work in it: `once traffic` over https, from a real influxd with a private
#   CA (--influxdb-ca-cert), writes the vector's traffic rows;
# - `--engine wasm` is refused with a message (the static build leaves the wasm engine out).
# Usage: tests/packaging/static.sh PATH-TO-STATIC-planet-bq
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
work=$(mktemp -d)
trap 'bash "$root/tests/scripts/influxd.sh" stop "$work/influxd" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

[[ -x $bin ]] || fail "$bin is not there: run make static"
description=$(file -b "$bin")
[[ $description == *"statically linked"* || $description == *"static-pie linked"* ]] || fail "file: $description"
# ldd says "not a dynamic executable" (exit 1) or "statically linked" for a static(-pie) binary.
libs=$(ldd "$bin" 2>&1 || true)
[[ $libs == *"not a dynamic executable"* || $libs == *"statically linked"* ]] || fail "ldd: $libs"
if readelf -d "$bin" | grep -q NEEDED; then fail "readelf: needs $(readelf -d "$bin" | grep NEEDED)"; fi
kind=$(grep -o -e 'static-pie linked' -e 'statically linked' <<<"$description")
ok "static: file says '$kind', ldd says '$(xargs <<<"$libs")', readelf finds no NEEDED library"

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' "$root/Cargo.toml")
out=$("$bin" --version)
[[ $out == "planet-bq $version" ]] || fail "--version printed '$out', the workspace is $version"
ok "--version: $out"

# The vectors' options (options.json) as flags, as host-native/tests/vectors_cli.rs maps them.
check_vector() {
  local name=$1; shift
  local dir=$root/tests/vectors/$name
  "$bin" analyze "$@" --out "$work/$name" "$dir/input.lp" >"$work/$name.log" 2>&1 ||
    fail "analyze $name: $(cat "$work/$name.log")"
  for table in traffic dependency; do
    cmp -s "$dir/$table.ndjson" "$work/$name/$table.ndjson" ||
      fail "analyze $name: $table.ndjson differs from the vector's:
$(diff "$dir/$table.ndjson" "$work/$name/$table.ndjson" | head -20)"
  done
  ok "analyze $name: traffic and dependency tables byte-equal to the vector's ($(wc -l <"$dir/traffic.ndjson") + $(wc -l <"$dir/dependency.ndjson") rows)"
}
opt() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$root/tests/vectors/$1/options.json" "$2"; }
check_vector lp-export --at "$(opt lp-export at)"
check_vector exporter-fleet --profile planet-exporter --at "$(opt exporter-fleet at)" \
  --traffic-window "$(opt exporter-fleet trafficWindow)" --dependency-window "$(opt exporter-fleet dependencyWindow)"

# https through rustls and ring, statically linked: a real influxd with a private CA.
url=$(bash "$root/tests/scripts/influxd.sh" start "$work/influxd" --tls | tail -1)
ca=$work/influxd/ca.pem
curl -sf --cacert "$ca" -XPOST "$url/query" --data-urlencode "q=CREATE DATABASE mothership" >/dev/null ||
  fail "creating the database on the https influxd"
grep -v -e '^#' -e '^CREATE ' -e '^$' "$root/tests/vectors/lp-export/input.lp" >"$work/points.lp"
curl -sf --cacert "$ca" -XPOST "$url/write?db=mothership&precision=ns" --data-binary @"$work/points.lp" ||
  fail "writing the vector's points into the https influxd"
at=$(opt lp-export at)
INFLUXDB_URL=$url INFLUXDB_USERNAME='' INFLUXDB_PASSWORD='' "$bin" once traffic --at "$at" --retries 0 \
  --influxdb-ca-cert "$ca" --out "$work/once" --state-file "$work/state.json" >"$work/once.log" 2>&1 ||
  fail "once traffic over https: $(cat "$work/once.log")"
got=$(ls "$work/once"/traffic-*.ndjson)
cmp -s "$root/tests/vectors/lp-export/traffic.ndjson" "$got" ||
  fail "once over https: other rows than the vector's:
$(diff "$root/tests/vectors/lp-export/traffic.ndjson" "$got" | head -20)"
ok "https (rustls, ring) with a private CA: once traffic from a real influxd writes the vector's traffic rows"

if "$bin" analyze --engine wasm --out "$work/wasm" "$root/tests/vectors/lp-export/input.lp" >"$work/wasm.log" 2>&1; then
  fail "--engine wasm ran in a build without the wasm engine"
fi
grep -q "wasm-engine" "$work/wasm.log" || fail "--engine wasm: unclear refusal: $(cat "$work/wasm.log")"
ok "--engine wasm refused, naming the missing wasm-engine feature"
