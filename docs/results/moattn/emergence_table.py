"""Prints the MoAttn emergence table of a sweep folder: python3 emergence_table.py SWEEP [STEP,...]"""
import glob, json, os, sys

sweep = sys.argv[1]
steps = [int(s) for s in sys.argv[2].split(",")] if len(sys.argv) > 2 else [250, 500, 750, 1000]
print("| attention | seed | first step with holdout ICL >= 0.9 | ICL at step " + " / ".join(map(str, steps))
      + " | final ICL | final IWL | final 0-shot IWL |")
print("|---|---|---|---|---|---|---|")
for run in sorted(glob.glob(os.path.join(sweep, "attention=*"))):
    name = dict(kv.split("=") for kv in os.path.basename(run).split(","))
    lines = [json.loads(l) for l in open(os.path.join(run, "metrics.jsonl"))]
    by_step = {l["step"]: l for l in lines}
    first = next((l["step"] for l in lines if l["icl_acc"] >= 0.9), None)
    at = " / ".join("%.2f" % by_step[s]["icl_acc"] if s in by_step else "-" for s in steps)
    last = lines[-1]
    print(f"| {name['attention']} | {name['seed']} | {first if first is not None else 'not reached'} | {at} "
          f"| {last['icl_acc']:.3f} | {last['iwl_acc']:.3f} | {last['iwl_zero_shot_acc']:.3f} |")
