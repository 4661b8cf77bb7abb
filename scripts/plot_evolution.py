#!/usr/bin/env python3
"""Plots of an evolution run from the tables `synaptogen evolve report RUN` writes.

    python3 scripts/plot_evolution.py RUN/report

fitness.png  every evaluated individual's fitness by the generation it was born in, and the
             best so far (lower is better)
edges.png    edges per projection of the best individual of each generation
degrees.png  in- and out-degree distributions of the final best connectome against a random
             graph with the same edge counts and against its degree-preserving null
"""
import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(folder):
    d = Path(folder)
    with open(d / "lineage.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    projections = [k for k in rows[0].keys() if k not in ("id", "born", "parent_a", "parent_b", "fitness", "operators")]
    by_gen = defaultdict(list)
    for r in rows:
        by_gen[int(r["born"])].append(r)
    gens = sorted(by_gen)

    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [int(r["born"]) for r in rows]
    ys = [float(r["fitness"]) for r in rows]
    ax.scatter(xs, ys, s=10, alpha=0.5, label="individuals")
    best, so_far = [], float("inf")
    for g in gens:
        so_far = min(so_far, min(float(r["fitness"]) for r in by_gen[g]))
        best.append(so_far)
    ax.plot(gens, best, color="C3", label="best so far")
    ax.set_xlabel("generation")
    ax.set_ylabel("fitness (lower is better)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(d / "fitness.png", dpi=120)

    fig, ax = plt.subplots(figsize=(6, 4))
    for p in projections:
        ys = []
        for g in gens:
            b = min(by_gen[g], key=lambda r: (float(r["fitness"]), int(r["id"])))
            ys.append(int(b[p]))
        ax.plot(gens, ys, marker="o", label=p)
    ax.set_xlabel("generation")
    ax.set_ylabel("edges of the generation's best")
    ax.set_yscale("log")
    if len(projections) <= 12:
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(d / "edges.png", dpi=120)

    deg = defaultdict(list)
    with open(d / "degrees.csv", newline="") as f:
        for r in csv.DictReader(f):
            deg[(r["graph"], r["direction"])].append(int(r["degree"]))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    for ax, direction in zip(axes, ("in", "out")):
        for graph, style in (("connectome", "-"), ("random", "--"), ("degree_preserving", ":")):
            v = deg.get((graph, direction), [])
            if not v:
                continue
            top = max(v) + 1
            hist = [0] * top
            for x in v:
                hist[x] += 1
            ax.plot(range(top), [h / len(v) for h in hist], style, label=graph.replace("_", "-"))
        ax.set_xlabel(f"{direction}-degree (all projections)")
        ax.set_ylabel("fraction of neurons")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(d / "degrees.png", dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: plot_evolution.py RUN/report")
    main(sys.argv[1])
