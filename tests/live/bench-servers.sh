# What the live benchmarks share, sourced with the benchmark's name: a work directory, a real
# influxd (auth on) and the local-bigquery emulator, all removed on exit, and the release
# planet-bq ($PLANET_BQ_BIN to use a given binary). Sets root, work, scripts, bin, influx, bq.
#
#   source tests/live/bench-servers.sh NAME
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$(pwd)
work=$root/tests/.work/$1-$$
mkdir -p "$work"
scripts=$root/tests/scripts
cleanup() {
  bash "$scripts/influxd.sh" stop "$work/influxd" || true
  bash "$scripts/bq-emulator.sh" stop "$work/bq" || true
  rm -rf "$work"
}
trap cleanup EXIT

bin=${PLANET_BQ_BIN:-$(cargo build -q --release -p planet-bq --message-format=json | jq -r 'select(.executable != null) | .executable' | tail -1)}
influx=$(bash "$scripts/influxd.sh" start "$work/influxd" --auth)
bq=$(bash "$scripts/bq-emulator.sh" start "$work/bq" test-project)
