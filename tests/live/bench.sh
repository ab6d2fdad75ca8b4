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
measure traffic pushdown --influxdb-query-mode pushdown
measure traffic raw --influxdb-query-mode raw
measure dependency pushdown --influxdb-query-mode pushdown
measure dependency "pushdown, 1d slices" --influxdb-query-mode pushdown --influxdb-query-slice 1d
measure dependency raw --influxdb-query-mode raw
# Same rows whichever way they were computed?
for pair in "1 2 planet_exporter_traffic" "3 5 planet_exporter_dependency" "3 4 planet_exporter_dependency"; do
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
