#!/usr/bin/env bash
# Tools of the WebAssembly builds, installed only when missing: the wasm32 target,
# wasm-bindgen-cli matching the pinned wasm-bindgen crate, and wasm-opt from npm binaryen 132
# (Debian's binaryen 108 silently breaks wasm-bindgen output: never use it).
set -euo pipefail
cd "$(dirname "$0")/../.."
WASM_BINDGEN_VERSION=0.2.130

rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

installed=$(wasm-bindgen --version 2>/dev/null || true)
if [[ "$installed" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  # Without --locked: its lockfile pins a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

command -v node >/dev/null || { apt-get update && apt-get install -y --no-install-recommends nodejs npm; }
if [[ ! -x host-wasm/node_modules/binaryen/bin/wasm-opt ]]; then
  (cd host-wasm && npm install --no-audit --no-fund)
fi
