#!/usr/bin/env bash
# What the packaging test needs, installed unless already there: cargo-deb (builds the .deb),
# systemd-analyze (checks the unit), man (checks the man page renders).
set -euo pipefail
CARGO_DEB_VERSION=3.8.0
if ! cargo deb --version 2>/dev/null | grep -qF "$CARGO_DEB_VERSION"; then
  # --locked builds what cargo-deb's authors tested; without it if the registry lacks a pinned crate.
  cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked || cargo install cargo-deb --version "$CARGO_DEB_VERSION"
fi
missing=()
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v man >/dev/null || missing+=(man-db)
command -v dpkg-deb >/dev/null || missing+=(dpkg)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
