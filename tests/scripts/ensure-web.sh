#!/usr/bin/env bash
# What the page's build and browser tests need: Debian's Chromium (never a Playwright browser
# download), a CJK font (the test browser has none, so Japanese hostgroup names would be empty
# boxes) and the npm packages of web/ (Cytoscape.js, its dagre layout, uPlot) and tests/web/
# (playwright-core).
set -euo pipefail
cd "$(dirname "$0")/../.."
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK-* >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
for dir in web tests/web; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
done
