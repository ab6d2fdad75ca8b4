# Sourced by tests/live/suite.sh (its servers, data and helpers): the three write methods
# (--bq-write-method load | storage-write | insert-all) under re-runs, kill -9 during the write
# and two processes writing the same window at once; then a 24-hour backfill with load and
# with insert-all compared row for row.

grpc="http://127.0.0.1:$(cat "$work/bq/grpc-port")"
bq_count() { # dataset table window-end
  bq_sql "SELECT COUNT(*) FROM \`test-project.$1.$2\` WHERE inventory_date = TIMESTAMP('$3')" | jq -r '.[0]'
}
at_tick() { date -u -d "$1 + 30 second" +%Y-%m-%dT%H:%M:%SZ; }
tables=(traffic:planet_exporter_traffic dependency:planet_exporter_dependency)
# Both tables of a window hold exactly the rows analyze computes, once each.
exactly_once() { # dataset window-end what
  local pair job table
  for pair in "${tables[@]}"; do
    job=${pair%%:*} table=${pair#*:}
    bq_rows "$1" "$table" "inventory_date = TIMESTAMP('$2')" >"$work/got-$1-$job"
    expected "$job" "$2" >"$work/want-$1-$job"
    diff -q "$work/want-$1-$job" "$work/got-$1-$job" >/dev/null \
      || fail "$3: $table of $2 differs from one copy of analyze's rows: $(diff "$work/want-$1-$job" "$work/got-$1-$job" | head -3) ($(wc -l <"$work/got-$1-$job") rows, want $(wc -l <"$work/want-$1-$job"))"
  done
}

for method in load storage-write insert-all; do
  ds=w_${method//-/_}
  m=(--bq-write-method "$method" --bq-dataset-id "$ds")
  [ "$method" = storage-write ] && m+=(--bq-storage-endpoint "$grpc")
  pbq init --bq-dataset-id "$ds" "${common[@]}" >/dev/null 2>&1 || fail "init $ds"

  pbq check "${m[@]}" "${common[@]}" >"$work/$ds-check.out" 2>&1 || fail "check with $method: $(cat "$work/$ds-check.out")"
  grep -q "^ok: write method $method" "$work/$ds-check.out" || fail "check does not report the write method: $(cat "$work/$ds-check.out")"

  # Re-run: the second once writes nothing.
  R=$(hours_before 6)
  for run in 1 2; do
    pbq once all --at "$(at_tick "$R")" --state-file "$work/$ds-rerun.json" "${m[@]}" "${common[@]}" \
      >"$work/$ds-rerun$run.out" 2>&1 || fail "$method once (run $run): $(cat "$work/$ds-rerun$run.out")"
  done
  exactly_once "$ds" "$R" "$method: once twice"
  grep -q "rows_written=0" "$work/$ds-rerun2.out" || fail "$method: the second once wrote rows: $(cat "$work/$ds-rerun2.out")"
  ok "$method: check names the method and its access; once twice leaves one copy of both tables (the second run writes nothing)"

  # kill -9 at points spread over a whole run (timed on a window of its own), then once again.
  T=$(hours_before 7)
  s=$(date +%s%N)
  pbq once all --at "$(at_tick "$T")" --state-file "$work/$ds-time.json" "${m[@]}" "${common[@]}" >"$work/$ds-time.out" 2>&1 \
    || fail "$method timing run: $(cat "$work/$ds-time.out")"
  run_ms=$((($(date +%s%N) - s) / 1000000))
  slow=()
  [ "$method" = insert-all ] && slow=(--bq-insert-batch-rows 5)
  partial=0 absent=0 complete=0
  for i in 1 2 3 4 5; do
    K=$(hours_before $((7 + i)))
    delay_ms=$((run_ms * (i * 2 - 1) / 10))
    "$bin" once all --at "$(at_tick "$K")" --state-file "$work/$ds-kill$i.json" "${m[@]}" "${slow[@]}" "${common[@]}" \
      >"$work/$ds-kill$i.out" 2>&1 &
    kpid=$!
    sleep "$(awk -v ms="$delay_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -9 "$kpid" 2>/dev/null || true
    wait "$kpid" 2>/dev/null || true
    for pair in "${tables[@]}"; do
      job=${pair%%:*} table=${pair#*:}
      n=$(bq_count "$ds" "$table" "$K")
      want=$(expected "$job" "$K" | grep -c . || true)
      if [ "$n" = 0 ]; then absent=$((absent + 1))
      elif [ "$n" = "$want" ]; then complete=$((complete + 1))
      elif [ "$n" -lt "$want" ]; then partial=$((partial + 1))
        [ "$method" = insert-all ] || fail "$method: killed after ${delay_ms} ms, $table of $K holds $n of $want rows (a partial window)"
      else fail "$method: killed after ${delay_ms} ms, $table of $K holds $n rows, more than the $want computed"; fi
    done
    pbq once all --at "$(at_tick "$K")" --state-file "$work/$ds-kill$i.json" "${m[@]}" "${common[@]}" >"$work/$ds-rekill$i.out" 2>&1 \
      || fail "$method: once after kill -9: $(cat "$work/$ds-rekill$i.out")"
    exactly_once "$ds" "$K" "$method: kill -9 after ${delay_ms} ms, then once"
  done
  if [ "$method" = insert-all ]; then
    ok "$method: kill -9 at 5 points of a ${run_ms} ms run: $partial table windows left partial, $absent absent, $complete complete; once completes each with one copy"
  else
    ok "$method: kill -9 at 5 points of a ${run_ms} ms run: never partial ($absent table windows absent, $complete complete); once completes each with one copy"
  fi

  # Two processes, separate state files, the same window at the same moment.
  C=$(hours_before 13)
  "$bin" once all --at "$(at_tick "$C")" --state-file "$work/$ds-c1.json" "${m[@]}" "${common[@]}" >"$work/$ds-c1.out" 2>&1 &
  c1=$!
  "$bin" once all --at "$(at_tick "$C")" --state-file "$work/$ds-c2.json" "${m[@]}" "${common[@]}" >"$work/$ds-c2.out" 2>&1 &
  c2=$!
  wait "$c1" || fail "$method: the first of two concurrent runs failed: $(cat "$work/$ds-c1.out")"
  wait "$c2" || fail "$method: the second of two concurrent runs failed: $(cat "$work/$ds-c2.out")"
  exactly_once "$ds" "$C" "$method: two processes at once"
  ok "$method: two processes writing the same window at once leave one copy of both tables"
done

# A failed load job leaves nothing: the table of dataset "bad" lacks a column.
if pbq once traffic --at "$W" --bq-dataset-id bad --state-file "$work/s-badload.json" "${common[@]}" >"$work/badload.out" 2>&1; then
  fail "a load job into a table missing a column succeeded"; fi
grep -q "load job .* failed; none of its" "$work/badload.out" || fail "failed load job: $(head -c 2000 "$work/badload.out")"
[ "$(bq_sql "SELECT COUNT(*) FROM \`test-project.bad.planet_exporter_traffic\`")" = '["0"]' ] || fail "a failed load job wrote rows"
ok "load into a table that rejects the rows: non-zero exit, the job's error reported, nothing written"

# Recompute a window: DELETE it, then once writes it again at once (no streaming buffer).
for method in load storage-write; do
  ds=w_${method//-/_}
  m=(--bq-write-method "$method" --bq-dataset-id "$ds")
  [ "$method" = storage-write ] && m+=(--bq-storage-endpoint "$grpc")
  R=$(hours_before 6)
  bq_sql "DELETE FROM \`test-project.$ds.planet_exporter_traffic\` WHERE inventory_date = TIMESTAMP('$R')" >/dev/null
  [ "$(bq_count "$ds" planet_exporter_traffic "$R")" = 0 ] || fail "$method: DELETE left rows"
  pbq once traffic --at "$(at_tick "$R")" --state-file "$work/$ds-recompute.json" "${m[@]}" "${common[@]}" >"$work/$ds-recompute.out" 2>&1 \
    || fail "$method: once after DELETE: $(cat "$work/$ds-recompute.out")"
  bq_rows "$ds" planet_exporter_traffic "inventory_date = TIMESTAMP('$R')" >"$work/got-recompute"
  diff -q <(expected traffic "$R") "$work/got-recompute" >/dev/null || fail "$method: recompute after DELETE differs"
done
ok "recompute: DELETE of a window then once writes it again at once, with load and storage-write"

# A 24-hour backfill with load gives the same table as with insert-all.
for method in load insert-all; do
  ds=bf_${method//-/_}
  pbq init --bq-dataset-id "$ds" "${common[@]}" >/dev/null 2>&1 || fail "init $ds"
  pbq backfill traffic --from "$(hours_before 24)" --to "$E" --bq-dataset-id "$ds" --bq-write-method "$method" \
    --state-file "$work/$ds.json" "${common[@]}" >"$work/$ds.out" 2>&1 || fail "backfill with $method: $(tail -5 "$work/$ds.out")"
  bq_rows "$ds" planet_exporter_traffic >"$work/$ds.rows"
done
[ "$(cut -d'"' -f4 <"$work/bf_load.rows" | sort -u | wc -l)" -ge 1 ] || fail "backfill with load wrote nothing"
cmp -s "$work/bf_load.rows" "$work/bf_insert_all.rows" \
  || fail "24-hour backfill: load and insert-all tables differ: $(diff "$work/bf_load.rows" "$work/bf_insert_all.rows" | head -3)"
ok "a 24-hour backfill with load gives the same $(wc -l <"$work/bf_load.rows") traffic rows as with insert-all"
