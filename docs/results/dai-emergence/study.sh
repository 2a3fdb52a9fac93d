#!/usr/bin/env bash
# The whole Dai-on-emergence study of this folder (issue 13), timed: the bursty and non-bursty
# transformers of the paper-cpu and quick presets, trained through 2,000 steps with their weights
# kept every 100 steps, then `iclab dai --emergence-run` on every kept checkpoint (500 episodes, the
# FT rate searched over 0.01/0.1/1 on 100 other episodes). Two chains run side by side with one
# PyTorch thread each (the machine has 2 cores); each job's console output goes to OUT/logs/.
#
#   docs/results/dai-emergence/study.sh [OUT]     # from the repository root; OUT: runs/dai-emergence
#
# Prints each job's and the whole study's wall time (also appended to OUT/times.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
out="${1:-runs/dai-emergence}"
mkdir -p "$out/logs"
./iclab --version > /dev/null # builds the jar once, before the chains share it

timed() { # NAME COMMAND...: runs COMMAND with its output in the log, records its wall time
  local name="$1" t0=$SECONDS
  shift
  "$@" > "$out/logs/$name.log" 2>&1 || { echo "$name failed: see $out/logs/$name.log" >&2; return 1; }
  echo "$name: $((SECONDS - t0)) s" | tee -a "$out/times.txt"
}

study() { # RUN emergence-options...: trains RUN, then analyses every kept checkpoint
  local run="$1"
  shift
  timed "train-$run" ./iclab emergence "$@" --keep-checkpoints --threads 1 --out "$out/$run"
  timed "dai-$run" ./iclab dai --emergence-run "$out/$run" --episodes 500 \
    --lr-search 0.01,0.1,1 --lr-search-dev 100 --threads 1 --out "$out/dai-$run"
}

start=$SECONDS
(study paper-cpu-bursty --preset paper-cpu &&
  study quick-bursty --preset quick --steps 2000 --eval-every 100) &
first=$!
(study paper-cpu-nonbursty --preset paper-cpu --p-bursty 0 &&
  study quick-nonbursty --preset quick --p-bursty 0 --steps 2000 --eval-every 100) &
second=$!
status=0
wait "$first" || status=1
wait "$second" || status=1
echo "study: $((SECONDS - start)) s (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))" |
  tee -a "$out/times.txt"
exit "$status"
