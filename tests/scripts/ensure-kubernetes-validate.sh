#!/usr/bin/env bash
# kubernetes-validate (the Kubernetes API's JSON schemas, bundled: checks manifests offline) in a
# venv under /var/tmp, unless it is already there. Prints the path of the command.
set -euo pipefail
VERSION=1.37.0
venv=${PLANET_BQ_KUBE_VENV:-/var/tmp/planet-bq-kubernetes-validate}
bin=$venv/bin/kubernetes-validate
if ! { [[ -x $bin ]] && "$venv/bin/pip" show kubernetes-validate 2>/dev/null | grep -qx "Version: $VERSION"; }; then
  py=$(command -v python3 || true)
  if [[ -z $py ]] || ! "$py" -c 'import venv, ensurepip' 2>/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null
    py=$(command -v python3)
  fi
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "kubernetes-validate==$VERSION" >&2
fi
echo "$bin"
