#!/usr/bin/env bash
# What the static (musl) build and its test need, installed unless already there: Rust's
# x86_64-unknown-linux-musl target, musl-gcc (Debian's musl-tools) for the C parts of the
# dependencies (ring), and `file` and `readelf` (binutils) for the test's checks.
set -euo pipefail
rustup target list --installed | grep -qx x86_64-unknown-linux-musl || rustup target add x86_64-unknown-linux-musl
missing=()
command -v musl-gcc >/dev/null || missing+=(musl-tools)
command -v file >/dev/null || missing+=(file)
command -v readelf >/dev/null || missing+=(binutils)
((${#missing[@]})) || exit 0
export DEBIAN_FRONTEND=noninteractive
# Another apt/dpkg may hold the lock: wait for it (up to 10 minutes).
for attempt in $(seq 1 30); do
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    break
  fi
  if [ "$attempt" = 30 ]; then echo "ensure-musl: apt-get kept failing" >&2; exit 1; fi
  sleep 20
done
command -v musl-gcc >/dev/null && command -v file >/dev/null && command -v readelf >/dev/null
