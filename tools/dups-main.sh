#!/usr/bin/env bash
# Counts the `duplicates` pairs over main code only (every module's src/main, no tests, docs or
# fixtures), the measure of the "one experiments layer" issue: `tools/dups-main.sh [--most N]`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for module in "$root"/iclab-*/; do
  name="$(basename "$module")"
  [ -d "$module/src/main" ] && mkdir -p "$tmp/$name" && cp -r "$module/src/main" "$tmp/$name/"
done
cd "$tmp" && duplicates --seconds 120 "$@"
