#!/usr/bin/env python3
"""Markdown tables of an IPT study's summary.json (docs/results/ipt/README.md):
   python3 docs/results/ipt/tables.py runs/ipt-tinystories/summary.json"""
import json
import sys

summary = json.load(open(sys.argv[1]))


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def gap_closed(t, key):
    """Share of PT's gain over the majority class that `key` keeps (None when PT gains < 0.05)."""
    gain = t["pt"] - t["majority"]
    return (t[key] - t["majority"]) / gain if gain >= 0.05 else None


print("| d_I | split | tasks | PT | IST | random decoder | majority | IST/PT | random/PT |"
      " PT > majority + 0.05 | IST's share of PT's gain there | random's share |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for dim, block in sorted(summary["by_intrinsic_dim"].items(), key=lambda kv: int(kv[0])):
    for split in ("train", "test"):
        ts = [t for t in block["tasks"].values() if t["split"] == split]
        learned = [t for t in ts if gap_closed(t, "ist") is not None]
        print("| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %d | %s | %s |" % (
            dim, split, len(ts),
            mean([t["pt"] for t in ts]), mean([t["ist"] for t in ts]),
            mean([t["random_subspace"] for t in ts]), mean([t["majority"] for t in ts]),
            block["relative_performance"][split],
            block["random_subspace_relative_performance"][split],
            len(learned),
            "%.2f" % mean([gap_closed(t, "ist") for t in learned]) if learned else "-",
            "%.2f" % mean([gap_closed(t, "random_subspace") for t in learned]) if learned else "-"))

main = str(summary["intrinsic_dim"])
print()
print("Per task at d_I = %s:" % main)
print()
print("| task | split | PT | IST | random decoder | majority |")
print("|---|---|---|---|---|---|")
for name, t in sorted(summary["by_intrinsic_dim"][main]["tasks"].items(),
                      key=lambda kv: (kv[1]["split"], kv[0])):
    print("| %s | %s | %.3f | %.3f | %.3f | %.3f |" % (
        name, t["split"], t["pt"], t["ist"], t["random_subspace"], t["majority"]))

ablation = summary.get("task_count_ablation")
if ablation:
    full = summary["by_intrinsic_dim"]
    print()
    print("Task-count ablation (MSF on a seeded share of the training tasks; IST on the test tasks):")
    print()
    print("| d_I | share of training tasks | MSF tasks | test IST/PT |")
    print("|---|---|---|---|")
    rows = [(a["intrinsic_dim"], a["train_fraction"], a["train_tasks"],
             a["test_relative_performance"]) for a in ablation.values()]
    for dim in summary["by_intrinsic_dim"]:
        rows.append((int(dim), 1.0, summary["train_tasks"],
                     full[dim]["relative_performance"]["test"]))
    for dim, f, n, rel in sorted(rows):
        print("| %d | %g | %d | %.3f |" % (dim, f, n, rel))
