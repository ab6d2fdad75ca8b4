#!/usr/bin/env bash
# What the page's build and browser tests need: Debian's Chromium (never a Playwright browser
# download) and the npm packages of web/ (Cytoscape.js) and tests/web/ (playwright-core).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/chromium ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi
for dir in web tests/web; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
done
