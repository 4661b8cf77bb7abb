#!/usr/bin/python3
"""Raster plot and population rate of a SONATA spike file, optionally with traces.

    python3 scripts/plot_spikes.py out/brunel/spikes.h5 -o raster.png [--trace out/brunel/E_V_m.h5]
"""
import argparse

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spikes")
    ap.add_argument("-o", "--output", default="raster.png")
    ap.add_argument("--trace", help="a SONATA frame report to plot below the raster")
    ap.add_argument("--max-neurons", type=int, default=200, help="neurons per population in the raster")
    ap.add_argument("--bin", type=float, default=1.0, help="rate histogram bin [ms]")
    args = ap.parse_args()

    with h5py.File(args.spikes, "r") as f:
        pops = {name: (g["timestamps"][:], g["node_ids"][:]) for name, g in f["spikes"].items()}
    rows = 3 if args.trace else 2
    fig, ax = plt.subplots(rows, 1, figsize=(9, 2.6 * rows), sharex=True)
    offset = 0
    t_max = max((t.max() for t, _ in pops.values() if len(t)), default=1.0)
    bins = np.arange(0.0, t_max + args.bin, args.bin)
    for name, (t, ids) in pops.items():
        keep = ids < args.max_neurons
        ax[0].plot(t[keep], ids[keep] + offset, ".", ms=1, label=name)
        n = ids.max() + 1 if len(ids) else 1
        hist, _ = np.histogram(t, bins)
        ax[1].plot(bins[:-1], hist / (n * args.bin * 1e-3), lw=0.8, label=f"{name} ({len(t) / n / (t_max * 1e-3):.1f} Hz)")
        offset += min(args.max_neurons, n)
    ax[0].set_ylabel("neuron")
    ax[0].legend(loc="upper right", markerscale=8)
    ax[1].set_ylabel("rate [Hz]")
    ax[1].legend(loc="upper right")
    if args.trace:
        with h5py.File(args.trace, "r") as f:
            (pop, g), = f["report"].items()
            data = g["data"][:]
            start, stop, step = g["mapping/time"][:]
            t = start + step * np.arange(data.shape[0])
            for j, nid in enumerate(g["mapping/node_ids"][:]):
                ax[2].plot(t, data[:, j], lw=0.7, label=f"{pop} {nid}")
            ax[2].set_ylabel(g["data"].attrs.get("units", b"").decode() if isinstance(g["data"].attrs.get("units"), bytes) else g["data"].attrs.get("units", ""))
    ax[-1].set_xlabel("time [ms]")
    fig.tight_layout()
    fig.savefig(args.output, dpi=120)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
