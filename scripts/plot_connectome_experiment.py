#!/usr/bin/env python3
"""Table and plot of scripts/connectome_experiment: held-out bits per byte of the inherited
connectome and its controls through the inner training budget, mean +- standard error over
every (outer seed, inner seed) run.

    python3 scripts/plot_connectome_experiment.py OUT   # writes OUT/table.md, OUT/inner_curves.png
"""
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

ORDER = ["connectome", "random", "dense", "degree_preserving", "sign_shuffled"]
LABEL = {"connectome": "inherited connectome", "random": "random, equal edges", "dense": "dense",
         "degree_preserving": "degree-preserving null", "sign_shuffled": "sign-shuffled null"}


def mean_se(v):
    m = sum(v) / len(v)
    if len(v) < 2:
        return m, float("nan")
    var = sum((x - m) ** 2 for x in v) / (len(v) - 1)
    return m, math.sqrt(var / len(v))


def main(out):
    out = Path(out)
    runs = defaultdict(list)  # control -> [(outer, run)]
    outers = []
    for d in sorted(out.glob("inner_*")):
        j = json.loads((d / "compare.json").read_text())
        outers.append(d.name)
        for r in j["runs"]:
            runs[r["control"]].append((d.name, r))
    controls = [c for c in ORDER if c in runs]
    fractions = runs[controls[0]][0][1]["fraction"]
    lines = []
    lines.append(f"Held-out bits per byte (first 100,000 bytes of Northanger Abbey), mean ± s.e. over "
                 f"{len(runs[controls[0]])} runs ({len(outers)} outer x {len(runs[controls[0]]) // max(1, len(outers))} inner seeds)")
    lines.append("")
    head = "| network | edges | " + " | ".join(f"{f:g} of budget" for f in fractions) + " |"
    lines.append(head)
    lines.append("|---|---:|" + "---:|" * len(fractions))
    stats = {}
    for c in controls:
        edges = sorted({r["edges"] for _, r in runs[c]})
        cols = []
        stats[c] = []
        for i in range(len(fractions)):
            m, se = mean_se([r["bits_per_byte"][i] for _, r in runs[c]])
            stats[c].append((m, se))
            cols.append(f"{m:.3f} ± {se:.3f}")
        e = f"{edges[0]:,}" if len(edges) == 1 else f"{edges[0]:,}–{edges[-1]:,}"
        lines.append(f"| {LABEL[c]} | {e} | " + " | ".join(cols) + " |")
    # Paired differences against the inherited connectome (same outer run and inner seed).
    if "connectome" in runs:
        lines.append("")
        lines.append("Difference to the inherited connectome at the end of the budget (control − connectome; "
                     "positive: the connectome is better), paired by outer run and inner seed:")
        lines.append("")
        base = {(o, r["seed"]): r["bits_per_byte"][-1] for o, r in runs["connectome"]}
        for c in controls:
            if c == "connectome":
                continue
            d = [r["bits_per_byte"][-1] - base[(o, r["seed"])] for o, r in runs[c] if (o, r["seed"]) in base]
            m, se = mean_se(d)
            lines.append(f"- {LABEL[c]}: {m:+.4f} ± {se:.4f} bits per byte ({len(d)} pairs)")
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot skipped: needs python3-matplotlib")
        return
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    tokens = runs[controls[0]][0][1]["tokens"]
    for c in controls:
        m = [s[0] for s in stats[c]]
        se = [s[1] for s in stats[c]]
        ax.errorbar([t / 1000 for t in tokens], m, yerr=se, marker="o", capsize=3, label=LABEL[c])
    ax.set_xlabel("inner training tokens (thousands)")
    ax.set_ylabel("held-out bits per byte")
    lo = min(s[0] for c in controls for s in stats[c][1:])
    hi = max(s[0] for c in controls for s in stats[c][1:])
    ax.set_ylim(lo - 0.1, hi + 0.3)
    ax.legend(fontsize=8)
    ax.set_title("Inner loop: 373k tokens of Persuasion")
    fig.tight_layout()
    fig.savefig(out / "inner_curves.png", dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot_connectome_experiment.py OUT")
    main(sys.argv[1])
