#!/usr/bin/python3
"""Plot a run of examples/celegans_touch.toml: touch receptors, command interneurons, motor neurons.

    python3 scripts/plot_celegans_touch.py out/celegans_touch [-o out/celegans_touch/touch.png]

Reads the run's manifest (run.json) for the description file, follows its `include` to the
imported network for the cell names, and plots every V_m report of the run. Prints, per
recorded cell class, the mean potential before the stimulus and its mean change during the
last 200 ms of the stimulus.
"""
import argparse
import json
import os
import re
import tomllib

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def description(path):
    """The TOML file and, following `include`, the cell names and stimuli it describes."""
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    names, stimuli = {}, []
    if "include" in doc:
        names, stimuli = description(os.path.join(os.path.dirname(path), doc["include"]))
    for p in doc.get("population", []):
        if "cell_names" in p:
            names[p["name"]] = p["cell_names"]
    return names, stimuli + doc.get("stimulus", [])


def cell_class(name):
    """VB10 -> VB, PLML -> PLM, AVAL -> AVA: the class, without number or side."""
    m = re.fullmatch(r"([A-Z]+?)(\d+)", name)
    if m:
        return m.group(1)
    return name[:-1] if len(name) == 4 and name[-1] in "LR" else name


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", help="the --out folder of the run")
    ap.add_argument("-o", "--output", help="image (default: RUN/touch.png)")
    args = ap.parse_args()
    with open(os.path.join(args.run, "run.json")) as f:
        manifest = json.load(f)
    names, stimuli = description(manifest["file"])
    start = min(s.get("start", 0.0) for s in stimuli)
    stop = max(s.get("stop", manifest["duration_ms"]) for s in stimuli)

    traces = {}  # cell name -> (t, V)
    for out in manifest["outputs"]:
        with h5py.File(out, "r") as f:
            if "report" not in f:
                continue
            for pop, g in f["report"].items():
                t0, t1, dt = g["mapping/time"][:]
                data = g["data"][:]
                t = t0 + dt * np.arange(data.shape[0])
                shown = t >= start / 2  # the network settles from rest within ~50 ms; not shown
                for col, node in enumerate(g["mapping/node_ids"][:]):
                    traces[names[pop][node]] = (t[shown], data[shown, col])

    def change(cells):
        before, during = [], []
        for c in cells:
            t, v = traces[c]
            before.append(v[(t >= start - 200) & (t < start)].mean())
            during.append(v[(t >= stop - 200) & (t < stop)].mean() - before[-1])
        return np.mean(before), np.mean(during)

    classes = {}
    for c in traces:
        classes.setdefault(cell_class(c), []).append(c)
    print(f"stimulus {start:g}-{stop:g} ms; mean V_m before it and its change in the last 200 ms of it")
    print(f"{'class':8s} {'cells':>5s} {'V before [mV]':>14s} {'change [mV]':>12s}")
    for k, cells in classes.items():
        b, d = change(cells)
        print(f"{k:8s} {len(cells):5d} {b:14.2f} {d:+12.3f}")

    fig, ax = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    for c in [c for c in ("PLML", "PLMR", "ALML", "AVM") if c in traces]:
        ax[0].plot(*traces[c], lw=1, label=c)
    ax[0].set_ylabel("V_m [mV]")
    ax[0].set_title("touch receptors (PLM stimulated)")
    for c in [c for c in ("PVCL", "AVBL", "AVAL", "AVDL") if c in traces]:
        t, v = traces[c]
        ax[1].plot(t, v - v[(t >= start - 200) & (t < start)].mean(), lw=1, label=c)
    ax[1].set_ylabel("ΔV_m [mV]")
    ax[1].set_title("command interneurons: forward (PVC, AVB), backward (AVA, AVD)")
    for k in ("VB", "DB", "VA", "DA", "VD", "DD", "AS"):
        if k not in classes:
            continue
        t = traces[classes[k][0]][0]
        mean = np.mean([traces[c][1] for c in classes[k]], axis=0)
        ax[2].plot(t, mean - mean[(t >= start - 200) & (t < start)].mean(), lw=1.2,
                   ls="-" if k.endswith("B") else "--" if k.endswith("A") else ":", label=f"{k} ({len(classes[k])})")
    ax[2].set_ylabel("mean ΔV_m [mV]")
    ax[2].set_title("ventral-cord motor neurons: forward (B), backward (A), GABAergic (D)")
    ax[2].set_xlabel("time [ms]")
    for a in ax:
        a.axvspan(start, stop, color="0.9", zorder=0)
        a.legend(loc="upper right", fontsize=8, ncol=2)
    fig.tight_layout()
    path = args.output or os.path.join(args.run, "touch.png")
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
