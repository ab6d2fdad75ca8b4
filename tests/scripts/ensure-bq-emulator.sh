#!/usr/bin/env bash
# Installs the local-bigquery emulator (PyPI local-bigquery 0.4.0, Python 3.13) into a venv,
# unless it is already there. Offline-friendly: DuckDB is pinned to 1.5.5 with its extension
# wheels, because DuckDB 2.x downloads extensions at run time.
#
#   tests/scripts/ensure-bq-emulator.sh      prints nothing; exit 0 when ready
#
# PLANET_BQ_EMULATOR_DIR (default /var/tmp/planet-bq-bq-emulator) holds venv/ and home/.
set -euo pipefail
root=${PLANET_BQ_EMULATOR_DIR:-/var/tmp/planet-bq-bq-emulator}
# The live suite reads JSON answers with jq.
if ! command -v jq >/dev/null || ! command -v curl >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends jq curl >/dev/null
fi
venv=$root/venv
home=$root/home
ext=$home/.duckdb/extensions/v1.5.5/linux_amd64
if [ -f "$root/installed" ] && [ -x "$venv/bin/local-bigquery" ]; then exit 0; fi

find_python() {
  for py in "${PYTHON313:-}" /root/.pyenv/versions/3.13.0/bin/python3 python3.13 "$(command -v python3 || true)"; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || continue
    if "$py" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 13) else 1)' 2>/dev/null; then
      echo "$py"
      return 0
    fi
  done
  return 1
}
if ! py=$(find_python); then
  # A fresh Debian (trixie) ships 3.13 as python3; older ones need it from elsewhere.
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
  py=$(find_python) || { echo "local-bigquery needs Python >= 3.13; set PYTHON313=/path/to/python3.13" >&2; exit 1; }
fi
mkdir -p "$root"
# A half-finished install (interrupted pip) is redone from scratch; the stamp marks a whole one.
rm -rf "$venv" "$root/installed"
"$py" -m venv "$venv"
"$venv/bin/pip" install -q local-bigquery==0.4.0
"$venv/bin/pip" install -q --no-deps duckdb==1.5.5 duckdb-extension-icu==1.5.5 duckdb-extension-ducklake==1.5.5 duckdb-extension-spatial==1.5.5
mkdir -p "$ext"
cp "$venv"/lib/python3.*/site-packages/duckdb_extension_*/extensions/v1.5.5/*.duckdb_extension "$ext/"
touch "$root/installed"
