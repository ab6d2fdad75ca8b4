#!/usr/bin/env bash
# Rust components the checks need: rustfmt, clippy, the wasm32 target (core must build for it).
set -euo pipefail
installed=$(rustup component list --installed 2>/dev/null || true)
for c in rustfmt clippy; do
  grep -q "^$c" <<<"$installed" || rustup component add "$c"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
