#!/usr/bin/env bash
# The recorded intrinsic-prompt-tuning study (docs/results/ipt/README.md), from the repository root:
#   docs/results/ipt/study.sh [OUT [OPTIONS...]]   (default runs/ipt-tinystories; resumes when
#   rerun; OPTIONS not given below are added to the command)
# The independent runs go to 2 worker processes of 1 engine thread each (--workers 2 --threads 1,
# for a 2-core machine; the files are those of one process with --threads 1, as recorded); OPTIONS with
# --workers or --threads replace that pair.
# 40 tasks: every class pair of TREC, AG News and SST-5 (31 binary tasks) and 9 whole tasks (sst2,
# sst5, mr, subj, agnews, rte, trec, cr, mpqa; CB's 16 neutral examples and DBpedia's 18-odd rows
# per class are too few for 16 train + 16 dev per class); a seeded 20% of them are held out (--split random); d_I in {1, 3, 5, 10}, 5 the main one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
out="${1:-runs/ipt-tinystories}"
shift || true
parallel=(--workers 2 --threads 1)
for arg in "$@"; do
  case "$arg" in --workers | --workers=* | --threads | --threads=*) parallel=() ;; esac
done
tasks='trec:*,agnews:*,sst5:*,sst2,sst5,mr,subj,agnews,rte,trec,cr,mpqa'
./iclab ipt run --model fixtures/models/tinystories-656k --tasks "$tasks" --split random \
  --test-fraction 0.2 --intrinsic-dim 5,1,3,10 --prompt-length 100 --shots-per-class 16 \
  --steps 100 --seed 1 --data-dir ../shared/data --out "$out" --resume \
  ${parallel[@]+"${parallel[@]}"} "$@"
