#!/usr/bin/env python3
"""Markdown tables of the context-256 study (docs/results/moattn/README.md) from its run folders:
   python3 docs/results/moattn/tables.py runs/moattn/lm
Reads each run's metrics.jsonl (Brown valid), perplexity-*.json and eval-<task>/ (summary.json;
samples.jsonl for the majority class, the demonstrations that fitted and the predicted labels)."""
import collections
import json
import os
import statistics
import sys

root = sys.argv[1]
runs = ["standard-seed1", "standard-seed2", "momentum0.5-seed1", "momentum0.5-seed2",
        "momentum0.9-seed1", "momentum0.9-seed2"]
variants = {"standard": "standard", "momentum0.5": "η = 0.5", "momentum0.9": "η = 0.9"}
tasks = ["sst2", "sst5", "mr", "subj", "agnews", "cb"]
# Runs whose last step (the cb evaluation) is done.
present = [r for r in runs if os.path.isfile(os.path.join(root, r, "eval-cb", "summary.json"))]


def load(run, name):
    return json.load(open(os.path.join(root, run, name)))


def brown_valid(run):
    rows = [json.loads(line) for line in open(os.path.join(root, run, "metrics.jsonl"))]
    return [r for r in rows if "valid_perplexity" in r][-1]["valid_perplexity"]


def label(run):
    variant, seed = run.rsplit("-seed", 1)
    return "%s, seed %s" % (variants[variant], seed)


print("| run | valid ppl, step 200 | step 400 | step 600 | step 800 | mean train loss, last 50 steps |")
print("|---|---|---|---|---|---|")
for run in present:
    rows = [json.loads(line) for line in open(os.path.join(root, run, "metrics.jsonl"))]
    valid = {r["step"]: r["valid_perplexity"] for r in rows if "valid_perplexity" in r}
    losses = [r["loss"] for r in rows if "loss" in r][-50:]
    print("| %s | %s | %.3f |" % (label(run), " | ".join("%.1f" % valid[s] for s in (200, 400, 600, 800)),
                                 sum(losses) / len(losses)))
print()

print("| run | Brown valid | Brown test | WikiText-2 valid | WikiText-2 test |")
print("|---|---|---|---|---|")
for run in present:
    ppl = [brown_valid(run)] + [load(run, "perplexity-%s.json" % s)["ppl"]
                                for s in ("brown-test", "wikitext2-valid", "wikitext2-test")]
    print("| %s | %s |" % (label(run), " | ".join("%.1f" % p for p in ppl)))
print()


def accuracy(run, task, shots):
    for row in load(run, "eval-%s/summary.json" % task)["rows"]:
        if row["setting"].startswith("shots=%d " % shots):
            return row["accuracy_mean"], row["examples"]
    raise KeyError((run, task, shots))


def samples(run, task):
    return [json.loads(line) for line in open(os.path.join(root, run, "eval-%s/samples.jsonl" % task))]


print("| task | queries | chance | majority | shots | "
      + " | ".join(variants[v] for v in variants) + " | mean demos that fitted |")
print("|---|---|---|---|---|" + "---|" * len(variants) + "---|")
for task in tasks:
    rows = samples(present[0], task)
    zero = [r for r in rows if r["shots"] == 0]
    gold = collections.Counter(r["gold"] for r in zero)
    labels = len(zero[0]["scores"])
    for shots in (0, 4):
        cells = []
        for variant in variants:
            accs = [accuracy(r, task, shots)[0] for r in present if r.startswith(variant + "-")]
            cells.append(" / ".join("%.2f" % a for a in accs) if accs else "-")
        demos = [r["n_demos"] for run in present for r in samples(run, task) if r["shots"] == shots]
        print("| %s | %d | %.2f | %.2f | %d | %s | %.1f |" % (
            task, len(zero), 1 / labels, max(gold.values()) / len(zero), shots, " | ".join(cells),
            statistics.mean(demos)))
print()

print("Share of the most frequent predicted label (all runs' queries, per shots):")
for task in tasks:
    for shots in (0, 4):
        shares = []
        for run in present:
            preds = collections.Counter(r["prediction"] for r in samples(run, task) if r["shots"] == shots)
            shares.append(max(preds.values()) / sum(preds.values()))
        print("  %s %d-shot: %.2f-%.2f" % (task, shots, min(shares), max(shares)))
