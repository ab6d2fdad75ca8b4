#!/usr/bin/env bash
# Builds the .deb from the release binary `make build` made: generates the man pages and the
# bash, zsh and fish completions with that binary, then packages (cargo deb --no-build).
# Prints the path of the .deb. Needs cargo-deb (tests/scripts/ensure-packaging-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
target=$(realpath -m "${CARGO_TARGET_DIR:-target}")
bin=$target/release/planet-bq
[[ -x $bin ]] || { echo "build-deb: $bin missing: run make build first" >&2; exit 1; }
gen=$target/release/packaging
rm -rf "$gen" && mkdir -p "$gen/man" "$gen/completions"
# An empty environment, so that nothing of the builder's (INFLUXDB_URL, ...) can reach the files.
env -i "$bin" man --dir "$gen/man"
# Debian compresses man pages; cargo-deb does it only for files that are not build products.
gzip -9n "$gen"/man/*.1
env -i "$bin" completions bash >"$gen/completions/planet-bq.bash"
env -i "$bin" completions zsh >"$gen/completions/_planet-bq"
env -i "$bin" completions fish >"$gen/completions/planet-bq.fish"
out=$target/debian
# --strip: the release profile keeps line tables for backtraces, which would make the binary six
# times bigger (cargo-deb keeps debug info when the profile asks for it).
cargo deb -p planet-bq --no-build --strip --output "$out" -q >&2
# cargo deb names the file <name>_<version>-<revision>_<arch>.deb; print the newest one.
ls -t "$out"/planet-bq_*.deb | head -1
