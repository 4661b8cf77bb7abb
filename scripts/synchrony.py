#!/usr/bin/python3
"""Mean pairwise correlation of binned spike counts per population of a SONATA spike file.

  scripts/synchrony.py SPIKES.h5 [--bin 5] [--from 200]
"""
import argparse

import h5py
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spikes")
    ap.add_argument("--bin", type=float, default=5.0, help="bin width [ms]")
    ap.add_argument("--from", dest="t0", type=float, default=200.0, help="ignore spikes before [ms]")
    a = ap.parse_args()
    with h5py.File(a.spikes, "r") as f:
        for name, g in f["spikes"].items():
            t, ids = g["timestamps"][:], g["node_ids"][:]
            keep = t >= a.t0
            t, ids = t[keep], ids[keep]
            if len(t) == 0:
                print(f"{name}: no spikes")
                continue
            n = int(ids.max()) + 1
            bins = np.arange(a.t0, t.max() + a.bin, a.bin)
            counts = np.zeros((n, len(bins) - 1))
            for i in range(n):
                counts[i], _ = np.histogram(t[ids == i], bins)
            active = counts.std(axis=1) > 0
            c = np.corrcoef(counts[active])
            mean_r = (c.sum() - np.trace(c)) / (c.shape[0] * (c.shape[0] - 1))
            rate = len(t) / n / ((t.max() - a.t0) * 1e-3)
            print(f"{name}: {n} neurons, {rate:.1f} Hz, mean pairwise correlation of {a.bin:g} ms counts {mean_r:.3f}")


if __name__ == "__main__":
    main()
