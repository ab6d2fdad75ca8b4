#!/usr/bin/env bash
# Write time per window and requests per write method, for BENCHMARKS.md: one traffic window
# (5000 service pairs per direction) and one dependency window (20000 edges over 7 days) from a
# real influxd, written to the local-bigquery emulator with each --bq-write-method; then the
# same window again (the re-run: key check only). Prints a Markdown table.
#
#   tests/live/bench-write.sh      (make bench-write; PLANET_BQ_BIN to use a given binary)
set -euo pipefail
# shellcheck source=bench-servers.sh
source "$(dirname "$0")/bench-servers.sh" bench-write
grpc="http://127.0.0.1:$(cat "$work/bq/grpc-port")"
E=2026-11-23T18:00:00Z
python3 tests/live/gen.py --end "$E" --hours 168 --traffic-hours 2 --pairs 5000 --edges 24000 \
  --step-seconds 60 --dependency-samples-per-day 4 >"$work/data.lp"
split -l 50000 "$work/data.lp" "$work/part."
for f in "$work"/part.*; do
  curl -sf -u admin:admin-secret -XPOST "$influx/write?db=mothership&precision=s" --data-binary @"$f"
done

export INFLUXDB_URL=$influx INFLUXDB_USERNAME=reader INFLUXDB_PASSWORD=reader-secret
common=(--bq-project-id test-project --bq-endpoint "$bq" --log-format json --cron-job-timeout-second 3000
  --influxdb-timeout-second 3000)
echo "| job | method | rows | NDJSON bytes | write, first run (s) | requests | write, re-run (s) | requests |"
echo "|---|---|---|---|---|---|---|---|"
n=0
for job in traffic dependency; do
  for method in load storage-write insert-all; do
    n=$((n + 1))
    "$bin" init --bq-dataset-id "b$n" "${common[@]}" >/dev/null 2>&1
    extra=(--bq-write-method "$method" --bq-dataset-id "b$n" --state-file "$work/state-$n.json")
    [ "$method" = storage-write ] && extra+=(--bq-storage-endpoint "$grpc")
    for run in 1 2; do
      "$bin" once "$job" --at "$E" "${common[@]}" "${extra[@]}" >"$work/out-$n-$run" 2>&1
    done
    rows=$(jq -r 'select(.message == "window done") | .rows_read' "$work/out-$n-1")
    sink1=$(jq -r 'select(.message == "window done") | .sink_seconds * 100 | round / 100' "$work/out-$n-1")
    sink2=$(jq -r 'select(.message == "window done") | .sink_seconds * 100 | round / 100' "$work/out-$n-2")
    # load and storage-write log their requests; insertAll sends the key query plus one request
    # per --bq-insert-batch-rows (2000) rows.
    req=$(jq -r 'select(.message == "BigQuery write") | .requests' "$work/out-$n-1")
    [ -n "$req" ] || req="$((1 + (rows + 1999) / 2000)) (computed)"
    bytes=$("$bin" once "$job" --at "$E" --dry-run 2>/dev/null | grep -v '^#' | wc -c)
    echo "| $job | $method | $rows | $bytes | $sink1 | $req | $sink2 | 1 |"
  done
done
for job in traffic dependency; do
  base=0
  [ "$job" = dependency ] && base=3
  a=$(python3 tests/live/bq.py "$bq" test-project rows "b$((base + 1))" "planet_exporter_$job" | md5sum)
  for k in 2 3; do
    b=$(python3 tests/live/bq.py "$bq" test-project rows "b$((base + k))" "planet_exporter_$job" | md5sum)
    [ "$a" = "$b" ] && echo "# $job: dataset b$((base + k)) holds the same rows as b$((base + 1)) (load)" \
      || echo "# $job: dataset b$((base + k)) holds OTHER rows than b$((base + 1)) (load)"
  done
done
