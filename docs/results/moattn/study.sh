#!/usr/bin/env bash
# The momentum-attention study, run from the repository root:
#   bash docs/results/moattn/study.sh lm          # language models on Brown: train, perplexity, eval
#   bash docs/results/moattn/study.sh emergence   # the emergence lab, quick preset, 3 seeds
#   bash docs/results/moattn/study.sh emergence_paper_cpu_32   # paper-cpu shape, 32 labels, 3 seeds
# ICLAB may name another launcher (e.g. ICLAB="java -jar iclab-cli/target/iclab.jar"); results go to runs/moattn.
set -euo pipefail
ICLAB="${ICLAB:-./iclab}"
# `iclab perplexity` and `iclab eval` have no --threads: PyTorch would start one intra-op thread per
# core, and on a shared, loaded machine every small forward then waits on its thread barrier (a
# Brown-test pass: minutes instead of seconds). One thread, through the launcher's JVM options
# (with ICLAB="java -jar ...", add -Dai.djl.pytorch.num_threads=1 to it yourself). Training already
# runs with --threads 1, so this changes nothing there.
export ICLAB_JAVA_OPTS="${ICLAB_JAVA_OPTS:--Xmx12g -Dai.djl.pytorch.num_threads=1}"
brown=../shared/data/brown
wiki=../shared/data/wikitext2
runs=(standard-seed1 momentum0.5-seed1 momentum0.9-seed1 standard-seed2 momentum0.5-seed2 momentum0.9-seed2)

train() { # name: standard-seedS or momentumETA-seedS
  local name="$1" seed="${1##*-seed}" variant="${1%-seed*}" flags
  if [ "$variant" = standard ]; then flags="--attention standard"; else
    flags="--attention momentum --momentum-eta ${variant#momentum}"; fi
  local out=runs/moattn/lm/$name
  [ -f "$out/model.safetensors" ] && return
  $ICLAB pretrain --arch llama --layers 2 --hidden 128 --heads 4 --context 256 \
    --tokenizer ../shared/models/tinystories-656k \
    --data $brown/brown.train.txt --valid $brown/brown.valid.txt \
    --steps 800 --batch-size 8 --lr 2e-3 --warmup-steps 50 --eval-every 200 --eval-windows 0 \
    --threads 1 $flags --seed "$seed" --out "$out" --json > "$out.train.json"
}

perplexities() {
  local out=runs/moattn/lm/$1 split
  # Brown valid perplexity over all its windows is in each run's metrics.jsonl (last step).
  for split in brown-test:$brown/brown.test.txt wikitext2-valid:$wiki/wiki.valid.tokens wikitext2-test:$wiki/wiki.test.tokens; do
    local file="$out/perplexity-${split%%:*}.json"
    [ -s "$file" ] || { $ICLAB perplexity --model "$out" --data "${split#*:}" --max-length 256 \
      --stride 256 --json > "$file.tmp" && mv "$file.tmp" "$file"; }
  done
}

evaluations() {
  local out=runs/moattn/lm/$1 task
  for task in sst2 sst5 mr subj agnews cb; do
    [ -f "$out/eval-$task/summary.json" ] || $ICLAB eval --model "$out" --task "$task" \
      --shots 0,4 --seeds 1 --limit 100 --out "$out/eval-$task" > /dev/null
  done
}

lm() {
  mkdir -p runs/moattn/lm
  for r in "${runs[@]}"; do train "$r"; done
  for r in "${runs[@]}"; do perplexities "$r"; done
  for r in "${runs[@]}"; do evaluations "$r"; done
}

emergence() {
  $ICLAB emergence --preset quick --sweep attention=standard,momentum --sweep seed=1,2,3 \
    --threads 1 --out runs/moattn/emergence-quick
}

# The paper-cpu shape (interleaved tokens, loss on every label) with 32 shared labels and a constant
# rate, the setting of docs/results/emergence/paper-cpu/ in which ICL emerges within 2,000 steps.
emergence_paper_cpu_32() {
  $ICLAB emergence --preset paper-cpu --labels 32 --lr-schedule constant --eval-every 50 \
    --sweep attention=standard,momentum --sweep seed=1,2,3 --threads 1 --out runs/moattn/emergence-paper-cpu
}

"$@"
