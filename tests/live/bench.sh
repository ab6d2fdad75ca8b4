#!/usr/bin/env bash
# Timings of the live pipeline for BENCHMARKS.md: one hourly traffic job (5000 service pairs per
# direction) and one dependency job (20000 edges over 7 days), against a real influxd (auth on)
# and the local-bigquery emulator; push-down against raw fetch. Prints a Markdown table.
#
#   tests/live/bench.sh            (make bench-live; PLANET_BQ_BIN to use a given binary)
set -euo pipefail
# shellcheck source=bench-servers.sh
source "$(dirname "$0")/bench-servers.sh" bench
E=2026-11-23T18:00:00Z
python3 tests/live/gen.py --end "$E" --hours 168 --traffic-hours 2 --pairs 5000 --edges 24000 \
  --step-seconds 60 --dependency-samples-per-day 4 >"$work/data.lp"
points=$(wc -l <"$work/data.lp")
split -l 50000 "$work/data.lp" "$work/part."
t0=$(date +%s.%N)
for f in "$work"/part.*; do
  curl -sf -u admin:admin-secret -XPOST "$influx/write?db=mothership&precision=s" --data-binary @"$f"
done
t1=$(date +%s.%N)
echo "# $points points written into influxd in $(python3 -c "print(round($t1 - $t0, 1))") s"

export INFLUXDB_URL=$influx INFLUXDB_USERNAME=reader INFLUXDB_PASSWORD=reader-secret
common=(--bq-project-id test-project --bq-endpoint "$bq" --log-format json --cron-job-timeout-second 3000
  --influxdb-timeout-second 3000 --state-file "$work/state.json")
n=0
echo "| job | mode | rows | answer bytes | InfluxDB (s) | core: parse + aggregate + rows (s) | BigQuery emulator (s) | total wall (s) |"
echo "|---|---|---|---|---|---|---|---|"
measure() { # job mode extra-args...
  local job=$1 mode=$2
  shift 2
  n=$((n + 1))
  "$bin" init --bq-dataset-id "b$n" "${common[@]}" >/dev/null 2>&1
  local s e
  s=$(date +%s.%N)
  "$bin" once "$job" --at "$E" --bq-dataset-id "b$n" "${common[@]}" "$@" >"$work/out-$n" 2>&1
  e=$(date +%s.%N)
  jq -r --arg mode "$mode" --arg wall "$(python3 -c "print($e - $s)")" 'select(.message == "window done") |
    "| \(.job) | \($mode) | \(.rows_read) | \(.bytes_read) | \(.influx_seconds * 100 | round / 100) | \(.core_seconds * 1000 | round / 1000) | \(.sink_seconds * 100 | round / 100) | \($wall | tonumber * 100 | round / 100) |"' "$work/out-$n"
}
# Each mode one query at a time (as the Go tool) and two at once (the default): the answers
# are merged in query order, so the rows must be the same.
measure traffic "pushdown, 1 query at a time" --influxdb-query-mode pushdown --query-concurrency 1   # b1
measure traffic "pushdown, 2 at once" --influxdb-query-mode pushdown --query-concurrency 2           # b2
measure traffic "raw, 1 query at a time" --influxdb-query-mode raw --query-concurrency 1             # b3
measure traffic "raw, 2 at once" --influxdb-query-mode raw --query-concurrency 2                     # b4
measure dependency "pushdown, 1 query at a time" --influxdb-query-mode pushdown --query-concurrency 1 # b5
measure dependency "pushdown, 2 at once" --influxdb-query-mode pushdown --query-concurrency 2         # b6
measure dependency "pushdown, 1d slices, 1 at a time" --influxdb-query-mode pushdown --influxdb-query-slice 1d --query-concurrency 1 # b7
measure dependency "pushdown, 1d slices, 2 at once" --influxdb-query-mode pushdown --influxdb-query-slice 1d --query-concurrency 2   # b8
measure dependency "raw, 2 at once" --influxdb-query-mode raw --query-concurrency 2                  # b9
# Same rows whichever way they were computed?
for pair in "1 2 planet_exporter_traffic" "1 3 planet_exporter_traffic" "1 4 planet_exporter_traffic" \
    "5 6 planet_exporter_dependency" "5 7 planet_exporter_dependency" "5 8 planet_exporter_dependency" \
    "5 9 planet_exporter_dependency"; do
  set -- $pair
  a=$(python3 tests/live/bq.py "$bq" test-project rows "b$1" "$3" | md5sum)
  b=$(python3 tests/live/bq.py "$bq" test-project rows "b$2" "$3" | md5sum)
  [ "$a" = "$b" ] && echo "# datasets b$1 and b$2: identical $3 rows" || echo "# datasets b$1 and b$2: $3 rows DIFFER"
done
# Writing the same rows to local files instead of BigQuery, for the sink's share.
s=$(date +%s.%N)
"$bin" once traffic --at "$E" --out "$work/local" --state-file "$work/state-local.json" --log-format json >"$work/out-local" 2>&1
e=$(date +%s.%N)
jq -r --arg wall "$(python3 -c "print($e - $s)")" 'select(.message == "window done") |
  "# traffic pushdown to --out: sink \(.sink_seconds * 1000 | round / 1000) s, total wall \($wall)"' "$work/out-local"
