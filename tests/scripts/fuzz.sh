#!/usr/bin/env bash
# Runs every cargo-fuzz target of core/fuzz for SECONDS each (default 120), one after another.
#
#   tests/scripts/fuzz.sh [SECONDS] [TARGET...]
#
# The machine has a stable toolchain only: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly
# flags (-Zsanitizer=address). Seeds: small fleets of every format from planet-fleetgen, the
# repository's examples and test vectors when present, and core/tests/fuzz-regressions.
# A crasher lands in core/fuzz/artifacts/<target>/: copy it to core/tests/fuzz-regressions/
# (tests/robustness.rs replays it), fix the bug, and run again.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(line_protocol influx_csv annotated_csv query_json analyzer_chunks)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz
cargo build -q -p planet-fleetgen --bin planet-fleetgen
gen=${CARGO_TARGET_DIR:-target}/debug/planet-fleetgen
for t in "${targets[@]}"; do
  corpus=core/fuzz/corpus/$t
  mkdir -p "$corpus"
  for f in lp lp-export csv json; do
    "$gen" --hostgroups 4 --pairs 6 --duration 1m --format "$f" --chunk-size 3 --out "$corpus/seed-fleet.$f" 2>/dev/null
  done
  cp core/tests/fuzz-regressions/* "$corpus/" 2>/dev/null || true
  { find examples tests/vectors -type f -size -64k 2>/dev/null || true; } | head -50 | while read -r f; do
    cp "$f" "$corpus/seed-$(echo "$f" | tr '/' '_')"
  done
  rm -f "$corpus/README.md"
  echo "== fuzzing $t for ${seconds}s"
  (cd core/fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1)
done
if compgen -G "core/fuzz/artifacts/*/*" >/dev/null; then
  echo "crashers found:" >&2
  ls -l core/fuzz/artifacts/*/* >&2
  exit 1
fi
echo "no crasher"
