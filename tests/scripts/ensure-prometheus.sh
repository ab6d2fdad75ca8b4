#!/usr/bin/env bash
# Installs Prometheus 2.x (prometheus, promtool) from Debian's packages unless already there.
# The tests run their own prometheus on a loopback port; the packaged service is never wanted.
set -euo pipefail
if command -v prometheus >/dev/null && command -v promtool >/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
# Keep the package's postinst from starting the service (policy-rc.d is honoured by
# invoke-rc.d; an existing one is left alone).
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
# Another apt/dpkg may hold the lock: wait for it (up to 10 minutes).
for attempt in $(seq 1 30); do
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus >/dev/null; then
    break
  fi
  if [ "$attempt" = 30 ]; then echo "ensure-prometheus: apt-get kept failing" >&2; exit 1; fi
  sleep 20
done
# If something started the packaged service anyway, stop it (by its own service manager only).
(systemctl stop prometheus || service prometheus stop) >/dev/null 2>&1 || true
command -v prometheus >/dev/null && command -v promtool >/dev/null
