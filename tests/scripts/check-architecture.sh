#!/usr/bin/env bash
# Every path named in the "To add X" table of docs/ARCHITECTURE.md exists (`<name>` placeholders
# stand for new files: their folder must exist).
set -euo pipefail
cd "$(dirname "$0")/../.."
doc=docs/ARCHITECTURE.md
missing=0
table=$(sed -n '/^## To add X/,$p' "$doc" | grep '^|')
for path in $(grep -oE '`[a-z][A-Za-z0-9_./<>-]*`' <<<"$table" | tr -d '`' | grep / | sort -u); do
  case "$path" in
    *'<'*) check=$(dirname "$path") ;;
    *) check=$path ;;
  esac
  if [[ ! -e $check ]]; then
    echo "docs/ARCHITECTURE.md names $path, which does not exist" >&2
    missing=1
  fi
done
exit $missing
