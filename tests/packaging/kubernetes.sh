#!/usr/bin/env bash
# deploy/kubernetes/ against the Kubernetes API schemas (offline, strict: unknown fields are
# errors), for the oldest version the manifests need (CronJob timeZone is stable since 1.27) and
# the newest kubernetes-validate knows; then what the manifests promise beyond the schemas.
set -euo pipefail
cd "$(dirname "$0")/../.."
validate=$(bash tests/scripts/ensure-kubernetes-validate.sh)
venv_python=$(dirname "$validate")/python
for version in 1.27.0 1.37.0; do
  "$validate" --strict --quiet -k "$version" deploy/kubernetes/*.yaml
  echo "ok: deploy/kubernetes/*.yaml valid for Kubernetes $version"
done
"$venv_python" tests/packaging/kubernetes.py deploy/kubernetes
