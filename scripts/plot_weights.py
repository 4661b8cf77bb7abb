#!/usr/bin/python3
"""Weight trajectories and the final weight histogram of a weight report (a SONATA frame
report written by a [[record]] with projection = ...).

    scripts/plot_weights.py out/stdp/input_weights.h5 -o weights.png
"""
import argparse

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report")
    ap.add_argument("-o", "--output", default="weights.png")
    args = ap.parse_args()
    with h5py.File(args.report, "r") as f:
        (name, group), = f["report"].items()
        data = group["data"][:]
        start, stop, step = group["mapping/time"][:]
    t = (start + step * np.arange(data.shape[0])) * 1e-3
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5), gridspec_kw={"width_ratios": [2, 1]})
    ax[0].plot(t, data, lw=0.6, alpha=0.7)
    ax[0].set_xlabel("time [s]")
    ax[0].set_ylabel("weight")
    ax[0].set_title(f"{data.shape[1]} synapses onto {name}")
    ax[1].hist(data[0], bins=20, alpha=0.5, label="start")
    ax[1].hist(data[-1], bins=20, alpha=0.7, label="end")
    ax[1].set_xlabel("weight")
    ax[1].legend()
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
