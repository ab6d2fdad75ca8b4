#!/usr/bin/env bash
# The live pipeline against real servers on loopback: influxd 1.x with auth on (read-only user
# `reader`) and the local-bigquery emulator. Each check prints "ok - ..." or fails the suite.
#
#   tests/live/suite.sh            (make test-live)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
work=$root/tests/.work/live-$$
mkdir -p "$work"
scripts=$root/tests/scripts
fails=0

cleanup() {
  [ -n "${run_pid:-}" ] && kill "$run_pid" 2>/dev/null || true
  bash "$scripts/influxd.sh" stop "$work/influxd" || true
  bash "$scripts/influxd.sh" stop "$work/influxd-tls" || true
  bash "$scripts/bq-emulator.sh" stop "$work/bq" || true
  if [ "$fails" = 0 ]; then rm -rf "$work"; else echo "kept $work for inspection" >&2; fi
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*" >&2; fails=$((fails + 1)); exit 1; }

echo "# building planet-bq"
# The same cargo invocation as `make unit` (see DEBUG_BIN in the Makefile): no second build of
# the dependencies with other features.
bin=$(cargo test -q --workspace --no-run --message-format=json |
  jq -r 'select(.executable != null and .target.name == "planet-bq" and .target.kind == ["bin"] and .profile.test == false) | .executable' | tail -1)
[ -x "$bin" ] || fail "no planet-bq binary"

influx=$(bash "$scripts/influxd.sh" start "$work/influxd" --auth)
bq=$(bash "$scripts/bq-emulator.sh" start "$work/bq" test-project)
echo "# influxd at $influx, BigQuery emulator at $bq"

# Data over the 26 hours before the current hour, so `run` has windows to catch up on.
E=$(date -u +%Y-%m-%dT%H:00:00Z)
hours_before() { date -u -d "$E - $1 hour" +%Y-%m-%dT%H:%M:%SZ; }
python3 tests/live/gen.py --end "$E" --hours 26 --pairs 300 --edges 400 >"$work/data.lp"
split -l 20000 "$work/data.lp" "$work/part."
for f in "$work"/part.*; do
  curl -sf -u admin:admin-secret -XPOST "$influx/write?db=mothership&precision=s" --data-binary @"$f" \
    || fail "writing test data into influxd"
done
echo "# wrote $(wc -l <"$work/data.lp") points ending at $E"

export INFLUXDB_URL=$influx INFLUXDB_USERNAME=reader INFLUXDB_PASSWORD=reader-secret
common=(--bq-project-id test-project --bq-endpoint "$bq" --retries 1 --retry-delay 10ms --log-disable-colors)
pbq() { "$bin" "$@"; }

# Canonical form of NDJSON rows: keys sorted, lines sorted.
canon() { python3 -c 'import json,sys; print("\n".join(sorted(json.dumps(json.loads(l), sort_keys=True) for l in sys.stdin if l.strip())))'; }
bq_rows() { python3 tests/live/bq.py "$bq" test-project rows "$@"; }
bq_sql() { python3 tests/live/bq.py "$bq" test-project sql "$1"; }
expected() { # job window-end -> rows analyze computes from the data file for that window
  local dir=$work/expected-$1-$2
  "$bin" analyze --at "$2" --out "$dir" "$work/data.lp" 2>/dev/null
  canon <"$dir/$1.ndjson"
}

# --- init and check -----------------------------------------------------------------------
if pbq check --bq-dataset-id planet "${common[@]}" >"$work/check0.out" 2>&1; then fail "check passed before init"; fi
grep -q 'run `planet-bq init`' "$work/check0.out" || fail "check before init does not say the tables are missing: $(cat "$work/check0.out")"
ok "check before init fails and says the tables are missing"
pbq init --bq-dataset-id planet "${common[@]}" >"$work/init.out" 2>&1 || fail "init: $(cat "$work/init.out")"
pbq init --bq-dataset-id planet "${common[@]}" >"$work/init2.out" 2>&1 || fail "second init: $(cat "$work/init2.out")"
pbq check --bq-dataset-id planet "${common[@]}" >"$work/check1.out" 2>&1 || fail "check after init: $(cat "$work/check1.out")"
grep -q "ok: measurement ingress: newest point" "$work/check1.out" || fail "check does not report the newest ingress point"
ok "init creates the schema that check accepts; a second init leaves it alone"
# A token with an org makes check look for a DBRP mapping; a 1.x server has no such API and says so.
INFLUXDB_TOKEN=reader:reader-secret INFLUXDB_ORG=planet pbq check --bq-dataset-id planet "${common[@]}" >"$work/check-dbrp.out" 2>&1 || true
grep -q "note: the server has no v2 DBRP API (HTTP 404" "$work/check-dbrp.out" || fail "check with a token against 1.x: $(cat "$work/check-dbrp.out")"
ok "check with a token and an org against a real 1.x server: no DBRP API, said as a note"
python3 tests/live/bq.py "$bq" test-project sql "SELECT 1" >/dev/null
schema=$(curl -sf "$bq/bigquery/v2/projects/test-project/datasets/planet/tables/planet_exporter_dependency")
echo "$schema" | jq -e '.timePartitioning.field == "inventory_date" and (.clustering.fields | index("local_hostgroup")) != null
  and ([.schema.fields[] | select(.mode == "REQUIRED") | .name] == ["inventory_date","dependency_direction","protocol","local_hostgroup","remote_hostgroup"])' >/dev/null \
  || fail "dependency table schema: $schema"
ok "tables are partitioned on inventory_date, clustered on hostgroups, with the reference's REQUIRED columns"

# --- once = analyze -----------------------------------------------------------------------
W=$(hours_before 3)
state=$work/state.json
pbq once all --at "$(date -u -d "$W + 30 second" +%Y-%m-%dT%H:%M:%SZ)" --bq-dataset-id planet --state-file "$state" "${common[@]}" \
  >"$work/once1.out" 2>&1 || fail "once all: $(cat "$work/once1.out")"
bq_rows planet planet_exporter_traffic "inventory_date = TIMESTAMP('$W')" >"$work/got-traffic"
expected traffic "$W" >"$work/want-traffic"
[ -s "$work/want-traffic" ] || fail "the expected traffic window is empty"
diff -q "$work/want-traffic" "$work/got-traffic" >/dev/null || fail "once traffic rows differ from analyze: $(diff "$work/want-traffic" "$work/got-traffic" | head -5)"
ok "once writes exactly the $(wc -l <"$work/want-traffic") traffic rows analyze computes from the data of the window"
bq_rows planet planet_exporter_dependency "inventory_date = TIMESTAMP('$W')" >"$work/got-dependency"
expected dependency "$W" >"$work/want-dependency"
diff -q "$work/want-dependency" "$work/got-dependency" >/dev/null || fail "once dependency rows differ from analyze: $(diff "$work/want-dependency" "$work/got-dependency" | head -5)"
ok "once writes exactly the $(wc -l <"$work/want-dependency") dependency rows analyze computes"
grep -q "rows_written=$(wc -l <"$work/want-traffic")" "$work/once1.out" || fail "no log line with rows written: $(cat "$work/once1.out")"
ok "one log line per job with window, rows read, rows written and duration"
jq -e --arg w "$W" '.jobs.traffic.last_completed == $w and .jobs.dependency.last_completed == $w' "$state" >/dev/null || fail "state: $(cat "$state")"

pbq once all --at "$W" --bq-dataset-id planet --state-file "$state" "${common[@]}" >"$work/once2.out" 2>&1 || fail "second once: $(cat "$work/once2.out")"
bq_rows planet planet_exporter_traffic "inventory_date = TIMESTAMP('$W')" >"$work/got-traffic2"
bq_rows planet planet_exporter_dependency "inventory_date = TIMESTAMP('$W')" >"$work/got-dependency2"
diff -q "$work/want-traffic" "$work/got-traffic2" >/dev/null && diff -q "$work/want-dependency" "$work/got-dependency2" >/dev/null \
  || fail "a second once changed the tables"
grep -q "rows_written=0" "$work/once2.out" || fail "second once wrote rows: $(cat "$work/once2.out")"
ok "a second once for the same window leaves one copy of each row"

# --- backfill -----------------------------------------------------------------------------
pbq backfill traffic --from "$(hours_before 24)" --to "$E" --bq-dataset-id planet --state-file "$state" "${common[@]}" \
  >"$work/backfill.out" 2>&1 || fail "backfill: $(tail -5 "$work/backfill.out")"
bq_sql "SELECT COUNT(DISTINCT inventory_date), COUNT(*) FROM \`test-project.planet.planet_exporter_traffic\`" >"$work/bf-count"
[ "$(jq -r '.[0]' "$work/bf-count")" = 24 ] || fail "backfill: $(cat "$work/bf-count") distinct windows, expected 24"
dups=$(bq_sql "SELECT inventory_date, traffic_direction, local_hostgroup, local_hostgroup_address, remote_hostgroup, remote_hostgroup_address, COUNT(*) AS n FROM \`test-project.planet.planet_exporter_traffic\` GROUP BY 1,2,3,4,5,6 HAVING COUNT(*) > 1" | wc -l)
[ "$dups" = 0 ] || fail "backfill left $dups duplicated keys"
want_total=0
for h in $(seq 1 24); do
  n=$(expected traffic "$(hours_before $((h - 1)))" | grep -c . || true)
  want_total=$((want_total + n))
done
[ "$(jq -r '.[1]' "$work/bf-count")" = "$want_total" ] || fail "backfill wrote $(jq -r '.[1]' "$work/bf-count") rows, analyze computes $want_total"
ok "backfill over 24 hours writes 24 traffic windows ($want_total rows, the window written by once not duplicated)"
pbq backfill traffic --from "$(hours_before 24)" --to "$E" --bq-dataset-id planet --state-file "$state" "${common[@]}" \
  >"$work/backfill2.out" 2>&1 || fail "backfill again: $(tail -5 "$work/backfill2.out")"
grep -q "resuming the backfill" "$work/backfill2.out" || fail "a repeated backfill does not resume: $(cat "$work/backfill2.out")"
ok "a finished backfill run again resumes after its last window (nothing to do)"

# --- local sink and dry run ---------------------------------------------------------------
pbq once traffic --at "$W" --out "$work/out" --state-file "$work/state-local.json" >"$work/local.out" 2>&1 || fail "once --out: $(cat "$work/local.out")"
pbq once traffic --at "$W" --out "$work/out" --state-file "$work/state-local.json" >>"$work/local.out" 2>&1 || fail "once --out again"
f=$work/out/traffic-$(date -u -d "$W" +%Y%m%dT%H%M%SZ).ndjson
cmp -s "$f" "$work/expected-traffic-$W/traffic.ndjson" || fail "--out file differs from analyze --out"
[ "$(ls -A "$work/out" | wc -l)" = 1 ] || fail "--out holds $(ls -A "$work/out")"
ok "--out writes the same bytes as analyze --out, one file per window, replaced on re-run"
pbq once all --at "$W" --out "$work/out-native" --state-file "$work/state-native.json" >"$work/native.out" 2>&1 || fail "once all --out: $(cat "$work/native.out")"
pbq once all --at "$W" --engine wasm --out "$work/out-wasm" --state-file "$work/state-wasm.json" >"$work/wasm.out" 2>&1 || fail "once --engine wasm: $(cat "$work/wasm.out")"
[ "$(ls "$work/out-native" | wc -l)" = 2 ] || fail "once all --out wrote $(ls "$work/out-native")"
[ -s "$work/out-native/traffic-$(date -u -d "$W" +%Y%m%dT%H%M%SZ).ndjson" ] || fail "native traffic file is empty"
diff -r "$work/out-native" "$work/out-wasm" >/dev/null || fail "once --engine wasm wrote other bytes than --engine native"
ok "once --engine wasm (wasmtime) writes byte-identical tables to --engine native"
pbq once traffic --at "$W" --dry-run >"$work/dry.out" 2>"$work/dry.err" || fail "dry run: $(cat "$work/dry.err")"
[ "$(grep -vc '^#' "$work/dry.out")" = "$(wc -l <"$work/want-traffic")" ] || fail "dry run printed $(grep -vc '^#' "$work/dry.out") rows"
ok "--dry-run prints the rows and writes nothing"

pbq once traffic --at "$(date -u -d "$E + 5 hour" +%Y-%m-%dT%H:%M:%SZ)" --bq-dataset-id planet --state-file "$work/s0.json" "${common[@]}" \
  >"$work/empty.out" 2>&1 || fail "an empty window failed: $(cat "$work/empty.out")"
grep -q "window is empty" "$work/empty.out" || fail "an empty window is not reported: $(cat "$work/empty.out")"
ok "an empty window is not an error: exit 0, nothing written, and it says so"

# --- https with a private certificate authority --------------------------------------------
influx_tls=$(bash "$scripts/influxd.sh" start "$work/influxd-tls" --tls)
ca=$work/influxd-tls/ca.pem
curl -sf --cacert "$ca" -XPOST "$influx_tls/query" --data-urlencode "q=CREATE DATABASE mothership" >/dev/null \
  || fail "creating the database on the https influxd"
# The points of the hour before $W are all the traffic window needs.
awk -v from="$(date -u -d "$W - 1 hour" +%s)" -v to="$(date -u -d "$W" +%s)" '$NF >= from && $NF < to' "$work/data.lp" >"$work/hour.lp"
curl -sf --cacert "$ca" -XPOST "$influx_tls/write?db=mothership&precision=s" --data-binary @"$work/hour.lp" \
  || fail "writing test data into the https influxd"
tls() { INFLUXDB_URL=$influx_tls INFLUXDB_USERNAME='' INFLUXDB_PASSWORD='' pbq once traffic --at "$W" "$@"; }
tls --retries 0 --influxdb-ca-cert "$ca" --out "$work/out-tls" --state-file "$work/state-tls.json" >"$work/tls.out" 2>&1 \
  || fail "once over https with --influxdb-ca-cert: $(cat "$work/tls.out")"
cmp -s "$work/out-tls/traffic-$(date -u -d "$W" +%Y%m%dT%H%M%SZ).ndjson" "$work/expected-traffic-$W/traffic.ndjson" \
  || fail "once over https wrote other rows than analyze"
ok "https InfluxDB with a private CA given by --influxdb-ca-cert: the same rows as analyze"
if tls --retries 3 --out "$work/out-tls2" --state-file "$work/state-tls2.json" >"$work/tls2.out" 2>&1; then
  fail "once over https trusted a certificate of an unknown CA"; fi
grep -q "certificate" "$work/tls2.out" && grep -q -- "--influxdb-ca-cert" "$work/tls2.out" \
  || fail "untrusted certificate: $(cat "$work/tls2.out")"
if grep -q "retrying" "$work/tls2.out"; then fail "a refused certificate was retried: $(cat "$work/tls2.out")"; fi
ok "https InfluxDB with an unknown CA: refused at once (no retry), the error names the certificate and --influxdb-ca-cert"

# --- faults -------------------------------------------------------------------------------
before=$(bq_sql "SELECT COUNT(*) FROM \`test-project.planet.planet_exporter_traffic\`")
if pbq once traffic --at "$W" --influxdb-addr http://127.0.0.1:1 --bq-dataset-id planet --state-file "$work/s1.json" "${common[@]}" >"$work/f1.out" 2>&1; then
  fail "once with InfluxDB down succeeded"; fi
grep -q "could not connect" "$work/f1.out" || fail "InfluxDB down: $(cat "$work/f1.out")"
jq -e '.jobs.traffic.incomplete | to_entries[0].value.error | test("could not connect")' "$work/s1.json" >/dev/null || fail "state does not record the failure"
ok "InfluxDB down: non-zero exit, 'could not connect', window recorded incomplete with its error"
if INFLUXDB_USERNAME=admin INFLUXDB_PASSWORD=admin-secret pbq once traffic --at "$W" --influxdb-database nope --bq-dataset-id planet --state-file "$work/s2.json" "${common[@]}" >"$work/f2.out" 2>&1; then
  fail "once against a missing database succeeded"; fi
grep -q "database not found: nope" "$work/f2.out" || fail "missing database: $(cat "$work/f2.out")"
grep -q 'SELECT MIN' "$work/f2.out" || fail "the error does not name the query"
ok "InfluxDB answering a statement error: non-zero exit, the error and the query named"
if INFLUXDB_PASSWORD=wrong-secret-42 pbq once traffic --at "$W" --bq-dataset-id planet --state-file "$work/s3.json" --log-level debug "${common[@]}" >"$work/f3.out" 2>&1; then
  fail "once with a wrong password succeeded"; fi
grep -q "HTTP 401" "$work/f3.out" || fail "wrong password: $(cat "$work/f3.out")"
if grep -q "wrong-secret-42" "$work/f3.out"; then fail "the password appears in the output"; fi
ok "wrong InfluxDB password: HTTP 401 named, password nowhere in the output"
if pbq once traffic --at "$W" --bq-project-id test-project --bq-dataset-id planet --bq-endpoint http://127.0.0.1:1 --state-file "$work/s4.json" --retries 1 --retry-delay 10ms >"$work/f4.out" 2>&1; then
  fail "once with BigQuery down succeeded"; fi
grep -q "could not connect" "$work/f4.out" || fail "BigQuery down: $(cat "$work/f4.out")"
ok "BigQuery down: non-zero exit, 'could not connect'"
curl -sf -XPOST "$bq/bigquery/v2/projects/test-project/datasets" -H 'content-type: application/json' \
  -d '{"datasetReference":{"projectId":"test-project","datasetId":"bad"}}' >/dev/null
python3 tests/live/bq.py "$bq" test-project create-table bad planet_exporter_traffic \
  '[{"name":"inventory_date","type":"TIMESTAMP","mode":"REQUIRED"},{"name":"traffic_direction","type":"STRING","mode":"REQUIRED"},{"name":"local_hostgroup","type":"STRING","mode":"REQUIRED"},{"name":"local_hostgroup_address","type":"STRING"},{"name":"remote_hostgroup","type":"STRING","mode":"REQUIRED"},{"name":"remote_hostgroup_address","type":"STRING"},{"name":"traffic_bandwidth_bits_min_1h","type":"INTEGER","mode":"REQUIRED"},{"name":"traffic_bandwidth_bits_max_1h","type":"INTEGER","mode":"REQUIRED"}]'
if pbq once traffic --at "$W" --bq-dataset-id bad --bq-write-method insert-all --state-file "$work/s5.json" "${common[@]}" >"$work/f5.out" 2>&1; then
  fail "once into a table rejecting rows succeeded"; fi
grep -q "BigQuery rejected" "$work/f5.out" && grep -q "row 0:" "$work/f5.out" || fail "rejected rows: $(head -c 2000 "$work/f5.out")"
[ "$(bq_sql "SELECT COUNT(*) FROM \`test-project.bad.planet_exporter_traffic\`")" = '["0"]' ] || fail "rows were written into the bad table"
if pbq check --bq-dataset-id bad "${common[@]}" >"$work/f5c.out" 2>&1; then fail "check accepted a table missing a column"; fi
grep -q "column traffic_bandwidth_bits_avg_1h is missing" "$work/f5c.out" || fail "check: $(cat "$work/f5c.out")"
ok "BigQuery rejecting rows (insert-all): non-zero exit, each row's error reported, nothing written; check names the missing column"
[ "$(bq_sql "SELECT COUNT(*) FROM \`test-project.planet.planet_exporter_traffic\`")" = "$before" ] || fail "a failed run changed the table"

# Killed in the middle of a window (insert-all): small insert batches, killed once some rows are in.
pbq init --bq-dataset-id killed "${common[@]}" >/dev/null 2>&1 || fail "init killed"
K=$(hours_before 5)
expected traffic "$K" >"$work/want-killed"
"$bin" once traffic --at "$K" --bq-dataset-id killed --state-file "$work/sk.json" --bq-write-method insert-all --bq-insert-batch-rows 5 "${common[@]}" >"$work/k1.out" 2>&1 &
kpid=$!
count=0
for _ in $(seq 1 600); do
  count=$(bq_sql "SELECT COUNT(*) FROM \`test-project.killed.planet_exporter_traffic\`" | jq -r '.[0]')
  [ "$count" -gt 0 ] && break
  sleep 0.1
done
kill -9 "$kpid" 2>/dev/null || true
wait "$kpid" 2>/dev/null || true
count=$(bq_sql "SELECT COUNT(*) FROM \`test-project.killed.planet_exporter_traffic\`" | jq -r '.[0]')
want=$(wc -l <"$work/want-killed")
if [ "$count" -lt "$want" ]; then
  jq -e '.jobs.traffic.incomplete | length == 1' "$work/sk.json" >/dev/null || fail "killed window not recorded incomplete: $(cat "$work/sk.json")"
  echo "# killed after $count of $want rows"
else
  echo "# note: the run finished before it could be killed ($count rows); the re-run check still applies"
fi
pbq once traffic --at "$K" --bq-dataset-id killed --state-file "$work/sk.json" "${common[@]}" >"$work/k2.out" 2>&1 || fail "re-run after kill: $(cat "$work/k2.out")"
bq_rows killed planet_exporter_traffic >"$work/got-killed"
diff -q "$work/want-killed" "$work/got-killed" >/dev/null || fail "after kill and re-run the rows differ: $(diff "$work/want-killed" "$work/got-killed" | head -5)"
jq -e '.jobs.traffic.incomplete == null' "$work/sk.json" >/dev/null || fail "re-run did not clear the incomplete mark"
ok "insert-all killed mid-window ($count of $want rows in) and run again: every row once, nothing lost"

# --- run: catch-up, metrics, SIGTERM ------------------------------------------------------
jq -n --arg t "$(hours_before 3)" '{jobs: {traffic: {last_completed: $t}}}' >"$work/state-run.json"
"$bin" run --bq-dataset-id planet --state-file "$work/state-run.json" --metrics-listen 127.0.0.1:0 --log-format json \
  "${common[@]}" >"$work/run.out" 2>&1 &
run_pid=$!
for _ in $(seq 1 600); do
  jq -e --arg e "$E" '.jobs.traffic.last_completed == $e' "$work/state-run.json" >/dev/null 2>&1 && break
  kill -0 "$run_pid" 2>/dev/null || fail "run exited: $(cat "$work/run.out")"
  sleep 0.1
done
jq -e --arg e "$E" '.jobs.traffic.last_completed == $e' "$work/state-run.json" >/dev/null || fail "run did not catch up: $(cat "$work/run.out")"
[ "$(grep -c '"message":"window done"' "$work/run.out")" = 3 ] || fail "run caught up $(grep -c '"message":"window done"' "$work/run.out") windows, expected 3"
addr=$(jq -r 'select(.message == "serving Prometheus metrics at /metrics") | .address' "$work/run.out")
metrics=$(curl -sf "http://$addr/metrics")
echo "$metrics" | grep -q 'planet_bq_job_runs_total{job="traffic"} 3' || fail "metrics: $metrics"
echo "$metrics" | grep -q 'planet_bq_job_last_success_timestamp_seconds{job="traffic"}' || fail "metrics: $metrics"
kill -TERM "$run_pid"
rc=0; wait "$run_pid" || rc=$?
run_pid=
[ "$rc" = 0 ] || fail "run exited $rc on SIGTERM"
[ "$(bq_sql "SELECT COUNT(*) FROM \`test-project.planet.planet_exporter_traffic\` WHERE inventory_date = TIMESTAMP('$E')" | jq -r '.[0]')" = "$(expected traffic "$E" | wc -l)" ] \
  || fail "run did not write the newest window"
dups=$(bq_sql "SELECT inventory_date, traffic_direction, local_hostgroup, local_hostgroup_address, remote_hostgroup, remote_hostgroup_address FROM \`test-project.planet.planet_exporter_traffic\` GROUP BY 1,2,3,4,5,6 HAVING COUNT(*) > 1" | wc -l)
[ "$dups" = 0 ] || fail "run duplicated rows already written by backfill"
ok "run catches up the 3 windows missed since its state, serves metrics, exits 0 on SIGTERM, no duplicates"

# SIGTERM while a window is being written: that window completes, no new one starts, exit 0.
pbq init --bq-dataset-id sig "${common[@]}" >/dev/null 2>&1 || fail "init sig"
jq -n --arg t "$(hours_before 4)" '{jobs: {traffic: {last_completed: $t}}}' >"$work/state-sig.json"
"$bin" run --bq-dataset-id sig --state-file "$work/state-sig.json" --bq-insert-batch-rows 20 --log-format json \
  "${common[@]}" >"$work/sig.out" 2>&1 &
run_pid=$!
for _ in $(seq 1 600); do
  [ "$(bq_sql "SELECT COUNT(*) FROM \`test-project.sig.planet_exporter_traffic\`" | jq -r '.[0]')" -gt 0 ] && break
  sleep 0.1
done
kill -TERM "$run_pid"
rc=0; wait "$run_pid" || rc=$?
run_pid=
[ "$rc" = 0 ] || fail "run exited $rc on SIGTERM during a window: $(tail -3 "$work/sig.out")"
jq -e '(.jobs.traffic.incomplete // {}) | length == 0' "$work/state-sig.json" >/dev/null || fail "SIGTERM left a window incomplete: $(cat "$work/state-sig.json")"
done_windows=$(grep -c '"message":"window done"' "$work/sig.out" || true)
[ "$done_windows" -ge 1 ] && [ "$done_windows" -lt 4 ] || fail "SIGTERM: $done_windows windows done"
last=$(jq -r '.jobs.traffic.last_completed' "$work/state-sig.json")
[ "$(bq_sql "SELECT COUNT(*) FROM \`test-project.sig.planet_exporter_traffic\` WHERE inventory_date = TIMESTAMP('$last')" | jq -r '.[0]')" = "$(expected traffic "$last" | wc -l)" ] \
  || fail "the window running at SIGTERM was not completed"
ok "SIGTERM during a window: it completes ($done_windows of 4 windows done), nothing new starts, exit 0"

# --- write methods -------------------------------------------------------------------------
# shellcheck source=write-methods.sh
source tests/live/write-methods.sh

# --- secrets --------------------------------------------------------------------------------
if cat "$work"/*.out | grep -q "reader-secret"; then fail "the InfluxDB password appears in some output"; fi
INFLUXDB_PASSWORD=reader-secret "$bin" run --help | grep -q "reader-secret" && fail "--help shows the password from the environment"
ok "the password appears in no log, error or help output"

echo "# live suite: all checks passed"
