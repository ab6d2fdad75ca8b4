#!/usr/bin/env bash
# The .deb on this machine: installs it with dpkg, runs the installed binary, checks the unit
# (systemd-analyze verify and the exposure score of its hardening), the environment file, the
# man pages and completions, then purges it and checks nothing is left.
# Usage: tests/packaging/deb.sh PATH.deb
set -euo pipefail
deb=$1
pkg=planet-bq
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

if dpkg -s "$pkg" >/dev/null 2>&1; then
  # A package installed by hand would be replaced and then removed by this test.
  fail "$pkg is already installed on this machine; remove it (dpkg -P $pkg) and run again"
fi
trap 'dpkg -P "$pkg" >/dev/null 2>&1 || true' EXIT

dpkg -i "$deb" >/dev/null
ok "dpkg -i $(basename "$deb")"

version=$(dpkg-deb -f "$deb" Version)
out=$(/usr/bin/planet-bq --version)
[[ $out == "planet-bq ${version%-*}" ]] || fail "/usr/bin/planet-bq --version printed '$out', package is $version"
ok "/usr/bin/planet-bq --version: $out"

unit=/usr/lib/systemd/system/planet-bq.service
[[ -f $unit ]] || fail "$unit missing"
# verify also runs `man planet-bq-run` for Documentation= and checks ExecStart's binary exists.
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
ok "systemd-analyze verify $unit"
drop_in=$(mktemp -d)
trap 'rm -rf "$drop_in"; dpkg -P "$pkg" >/dev/null 2>&1 || true' EXIT
mkdir "$drop_in/planet-bq.service.d"
cp /usr/share/doc/planet-bq/examples/credentials.conf "$drop_in/planet-bq.service.d/"
cp "$unit" "$drop_in/"
systemd-analyze verify "$drop_in/planet-bq.service" || fail "the unit with the credentials.conf drop-in"
ok "systemd-analyze verify with the credentials.conf drop-in"
# The hardening as systemd scores it (0 = most restricted, 10 = none); the unit is at about 1.3.
systemd-analyze security --offline=yes --threshold=20 "$unit" >/dev/null ||
  fail "exposure above 2.0: $(systemd-analyze security --offline=yes "$unit" | tail -1)"
ok "systemd-analyze security: $(systemd-analyze security --offline=yes "$unit" 2>&1 | tail -1 | sed 's/^→ //')"

env_file=/etc/planet-bq/planet-bq.env
[[ $(stat -c '%a %U' "$env_file") == "600 root" ]] || fail "$env_file is $(stat -c '%a %U' "$env_file"), expected 600 root"
dpkg-query --control-show "$pkg" conffiles | grep -qxF "$env_file" || fail "$env_file is not a conffile"
ok "$env_file: conffile, mode 600"

for f in /usr/share/bash-completion/completions/planet-bq /usr/share/zsh/vendor-completions/_planet-bq \
  /usr/share/fish/vendor_completions.d/planet-bq.fish; do
  grep -q "influxdb-addr" "$f" || fail "$f missing or without the flags"
done
bash -c 'source /usr/share/bash-completion/completions/planet-bq && complete -p planet-bq' >/dev/null ||
  fail "the bash completion does not register"
ok "completions for bash, zsh, fish"

for page in planet-bq planet-bq-run planet-bq-once planet-bq-completions; do
  [[ -f /usr/share/man/man1/$page.1.gz ]] || fail "man page $page.1.gz missing"
done
MANWIDTH=80 man -P cat planet-bq-run 2>/dev/null | grep -q "influxdb-addr" || fail "man planet-bq-run does not render the flags"
ok "man pages: $(ls /usr/share/man/man1/planet-bq*.1.gz | wc -l)"

dpkg -P "$pkg" >/dev/null
left=$(dpkg -L "$pkg" 2>/dev/null || true)
[[ -z $left ]] || fail "dpkg still lists files of $pkg"
for f in /usr/bin/planet-bq "$unit" "$env_file" /etc/planet-bq /usr/share/man/man1/planet-bq.1.gz \
  /usr/share/bash-completion/completions/planet-bq; do
  [[ ! -e $f ]] || fail "$f left after dpkg -P"
done
ok "dpkg -P removed everything"
