#!/usr/bin/env bash
# Installs InfluxDB 1.x (influxd, influx) from Debian's packages unless already there.
set -euo pipefail
if command -v influxd >/dev/null && command -v influx >/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends influxdb influxdb-client curl >/dev/null
# The package may start a system service listening on every interface; tests start their own.
(systemctl stop influxdb || service influxdb stop || pkill -x influxd) >/dev/null 2>&1 || true
