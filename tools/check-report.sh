#!/usr/bin/env bash
# Renders report.html files in headless Chromium and checks that every <img> loaded (naturalWidth
# > 0) and that there is at least one. Exit 0 when all pass; 1 (with one line per problem) when an
# image is missing or broken, a page cannot be rendered, or Chromium is not installed.
#
#   tools/check-report.sh DIR...      # each DIR holds a report.html and its PNGs
#   tools/check-report.sh --generate  # runs a small eval (shots x seeds x label variants x
#                                     # calibration) and a tune with dev evaluation on the
#                                     # repository's fixtures with ./iclab, and a 6-cell eval
#                                     # sweep, then checks their reports
#
# The page is copied with its PNGs into a temporary folder and a script is added to the copy (the
# run's own report is not changed) that writes each image's natural width into the DOM once the
# page has loaded; Chromium prints that DOM (--dump-dom). Nothing but file:// is opened.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium" ]; then
  echo "check-report: chromium is not installed (Debian: apt-get install -y chromium)" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

check() {
  local dir="$1" name copy profile dom result
  if [ ! -f "$dir/report.html" ]; then
    echo "check-report: $dir has no report.html" >&2
    return 1
  fi
  name="$(basename "$dir")-$RANDOM"
  copy="$tmp/$name"
  profile="$tmp/$name-profile"
  mkdir -p "$copy" "$profile"
  cp "$dir/report.html" "$copy/"
  find "$dir" -maxdepth 1 -name '*.png' -exec cp {} "$copy/" \;
  python3 - "$copy/report.html" <<'PY'
import sys
path = sys.argv[1]
html = open(path, encoding="utf-8").read()
probe = """<script>
window.addEventListener('load', function () {
  var found = [];
  for (var i = 0; i < document.images.length; i++) {
    var img = document.images[i];
    found.push(img.getAttribute('src') + '=' + (img.complete ? img.naturalWidth : 0));
  }
  var marker = document.createElement('pre');
  marker.id = 'iclab-image-check';
  marker.textContent = 'IMAGES' + 'LOADED[' + found.join(' ') + ']';
  document.body.appendChild(marker);
});
</script>"""
if "</body>" not in html:
    sys.exit("check-report: %s has no </body>" % path)
open(path, "w", encoding="utf-8").write(html.replace("</body>", probe + "</body>", 1))
PY
  dom="$copy.dom"
  if ! timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --allow-file-access-from-files --virtual-time-budget=10000 \
    --dump-dom "file://$copy/report.html" >"$dom" 2>"$copy.err"; then
    echo "check-report: chromium could not render $dir/report.html:" >&2
    tail -5 "$copy.err" >&2
    return 1
  fi
  python3 - "$dom" "$dir/report.html" <<'PY'
import re, sys
dom, page = sys.argv[1], sys.argv[2]
found = re.findall(r"IMAGESLOADED\[([^\]]*)\]", open(dom, encoding="utf-8").read())
if not found:
    sys.exit("check-report: %s: the page's load event never came (no marker in the DOM)" % page)
images = [i.rsplit("=", 1) for i in found[0].split()]
if not images:
    sys.exit("check-report: %s has no images" % page)
broken = [src for src, width in images if int(width) <= 0]
for src in broken:
    print("check-report: %s: image %s did not load" % (page, src), file=sys.stderr)
if broken:
    sys.exit(1)
print("ok %s: %d images loaded (%s)" % (page, len(images), ", ".join("%s %spx" % (s, w) for s, w in images)))
PY
}

if [ "${1:-}" = "--generate" ]; then
  m="fixtures/models/tinystories-656k" data="fixtures/data"
  cd "$root"
  ./iclab eval --model "$m" --task sst2 --data-dir "$data" --shots 0,1,2 --seeds 1,2 \
    --labels gold,random --calibrate none,contextual --limit 8 --out "$tmp/eval" >/dev/null \
    2>"$tmp/eval.log" || { cat "$tmp/eval.log" >&2; exit 1; }
  ./iclab eval --model "$m" --task sst2 --data-dir "$data" --shots 2 --seeds 1 \
    --order permutations --limit 8 --out "$tmp/eval-orders" >/dev/null \
    2>"$tmp/eval-orders.log" || { cat "$tmp/eval-orders.log" >&2; exit 1; }
  ./iclab tune --model "$m" --method lora --task sst2 --data-dir "$data" --train-limit 8 \
    --eval-every 2 --eval-limit 8 --seed 1 --out "$tmp/tune" >/dev/null 2>"$tmp/tune.log" ||
    { cat "$tmp/tune.log" >&2; exit 1; }
  printf 'command: eval\nbase: {model: %s, task: sst2, data_dir: %s, limit: 8}\ngrid: {shots: [0, 1, 2], seeds: [1, 2]}\n' \
    "$root/$m" "$root/$data" >"$tmp/grid.yaml"
  ./iclab sweep "$tmp/grid.yaml" --out "$tmp/sweep" >/dev/null 2>"$tmp/sweep.log" ||
    { cat "$tmp/sweep.log" >&2; exit 1; }
  set -- "$tmp/eval" "$tmp/eval-orders" "$tmp/tune" "$tmp/sweep"
fi
if [ "$#" -eq 0 ]; then
  echo "usage: tools/check-report.sh DIR... | --generate" >&2
  exit 1
fi
status=0
for dir in "$@"; do
  check "$dir" || status=1
done
exit "$status"
