#!/usr/bin/env python3
"""A network simulated on 1 and on 2 threads, alone and beside one busy neighbour process (a
single-threaded CPU burner, as a package install or another user's job on a shared
machine), with the default settings and with OMP_WAIT_POLICY=passive; prints the median
simulate time of each configuration (issue 20's "busy neighbour" target: 2 threads no
slower than 1 thread, with the default settings).

    bench/neighbour.py [--exe build/apps/synaptogen] [--repeats 3] [NET.toml]

Runs are interleaved by configuration so that slow drifts hit all alike; timings come from
run.json (timings_s.simulate), spike counts must agree between all runs.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BURNER = "while True: pass"


def run(exe, net, out, threads, env):
    subprocess.run([exe, "run", net, "--out", str(out), "--no-progress", "--threads", str(threads)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    m = json.loads((out / "run.json").read_text())
    return m["timings_s"]["simulate"], m["counts"]["spikes"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--exe", default=str(ROOT / "build" / "apps" / "synaptogen"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("net", nargs="?", default=str(ROOT / "examples" / "brunel.toml"))
    args = ap.parse_args()
    configs = []  # (label, threads, neighbour, extra env)
    for neighbour in (False, True):
        for threads in (1, 2):
            configs.append((threads, neighbour, {}))
        configs.append((2, neighbour, {"OMP_WAIT_POLICY": "passive"}))
    times = {i: [] for i in range(len(configs))}
    spikes = set()
    with tempfile.TemporaryDirectory() as work:
        for r in range(args.repeats):
            for i, (threads, neighbour, extra) in enumerate(configs):
                env = dict(os.environ, **extra)
                burner = subprocess.Popen([sys.executable, "-c", BURNER]) if neighbour else None
                try:
                    t, n = run(args.exe, args.net, Path(work) / f"{i}_{r}", threads, env)
                finally:
                    if burner:
                        burner.kill()
                        burner.wait()
                times[i].append(t)
                spikes.add(n)
    print(f"{Path(args.net).name}: simulate [s], median of {args.repeats}; spikes {sorted(spikes)}")
    print(f"{'neighbour':>10} {'threads':>8} {'settings':>24} {'simulate s':>11}")
    for i, (threads, neighbour, extra) in enumerate(configs):
        label = ", ".join(f"{k}={v}" for k, v in extra.items()) or "default"
        print(f"{'yes' if neighbour else 'no':>10} {threads:>8} {label:>24} {statistics.median(times[i]):>11.2f}")
    return 0 if len(spikes) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
