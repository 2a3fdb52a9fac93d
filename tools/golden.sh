#!/usr/bin/env bash
# Golden outputs: runs four fixed jobs on the repository's fixtures and prints the SHA-256 of their
# result files, with timing fields removed, so that a refactoring can be checked to change no
# result byte (issue "one experiments layer": eval samples.jsonl and summary.json, a dai --limit 20
# metrics.json, a LoRA tune adapter, a quickstart summary.json).
#
#   tools/golden.sh run OUT            # run the jobs with ./iclab of this checkout into OUT
#   tools/golden.sh compare REV [REV2] # build REV (and REV2, default the working tree) in
#                                      # temporary worktrees, run both, diff the hashes
#
# Same machine for both sides: float32 results can differ in the last bit between CPUs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

normalized_sha() {
  # JSON and JSONL files lose timing keys (seconds, rates, wall clock) before hashing.
  python3 - "$1" "$2" <<'PY'
import hashlib, json, re, sys
path, label = sys.argv[1], sys.argv[2]
timing = re.compile(r"(seconds|elapsed|wall|_per_s|per_second|_s$|timestamp|started|finished)")
def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if not timing.search(k)}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v
data = open(path, "rb").read()
if path.endswith(".json"):
    data = json.dumps(clean(json.loads(data)), sort_keys=True).encode()
elif path.endswith(".jsonl"):
    data = b"\n".join(json.dumps(clean(json.loads(l)), sort_keys=True).encode()
                      for l in data.splitlines() if l.strip())
print(hashlib.sha256(data).hexdigest(), label)
PY
}

run_jobs() {
  local checkout="$1" out="$2"
  # Relative paths: results record paths as given, and both checkouts must record the same.
  local m="fixtures/models/tinystories-656k" data="fixtures/data"
  rm -rf "$out" && mkdir -p "$out"
  cd "$checkout"
  ./iclab eval --model "$m" --task sst2 --data-dir "$data" --shots 0,2 --seeds 1 --limit 20 \
    --out "$out/eval" >/dev/null 2>"$out/eval.log"
  ./iclab dai --model "$m" --task sst2 --data-dir "$data" --shots 2 --ft-lr 5e-4 --seed 1 \
    --limit 20 --out "$out/dai" >/dev/null 2>"$out/dai.log"
  ./iclab tune --model "$m" --method lora --task sst2 --data-dir "$data" --train-limit 8 \
    --seed 1 --out "$out/tune" >/dev/null 2>"$out/tune.log"
  ./iclab quickstart --steps 60 --out "$out/quickstart" >/dev/null 2>"$out/quickstart.log"
  for f in eval/samples.jsonl eval/summary.json dai/metrics.json tune/adapter_model.safetensors \
    quickstart/summary.json; do
    normalized_sha "$out/$f" "$f"
  done
}

case "${1:-}" in
  run)
    mkdir -p "$2"
    run_jobs "$root" "$(cd "$2" && pwd)"
    ;;
  compare)
    rev_a="$2" rev_b="${3:-}"
    tmp="$(mktemp -d)"
    trap 'git -C "$root" worktree remove --force "$tmp/a" >/dev/null 2>&1 || true;
          git -C "$root" worktree remove --force "$tmp/b" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
    git -C "$root" worktree add -q --detach "$tmp/a" "$rev_a"
    if [ -n "$rev_b" ]; then
      git -C "$root" worktree add -q --detach "$tmp/b" "$rev_b"
      side_b="$tmp/b"
    else
      side_b="$root"
    fi
    run_jobs "$tmp/a" "$tmp/out-a" >"$tmp/a.sha"
    run_jobs "$side_b" "$tmp/out-b" >"$tmp/b.sha"
    if diff "$tmp/a.sha" "$tmp/b.sha"; then
      echo "golden outputs identical ($(wc -l <"$tmp/a.sha") files)"
    else
      echo "golden outputs differ" >&2
      exit 1
    fi
    ;;
  *)
    sed -n '2,13p' "$0" >&2
    exit 2
    ;;
esac
