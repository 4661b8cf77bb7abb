#!/usr/bin/env python3
"""A network simulated on 1 and on 2 threads, alone and beside one busy neighbour process (a
single-threaded CPU burner, as a package install or another user's job on a shared
machine), with the default settings (--thread-use adaptive), with every thread always
(--thread-use all) and with OMP_WAIT_POLICY=passive; prints the median simulate time of
each configuration and the steps the run took on one thread (issue 20's "busy neighbour" target: 2 threads no
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


def run(exe, net, out, threads, env, args):
    subprocess.run([exe, "run", net, "--out", str(out), "--no-progress", "--threads", str(threads)] + args, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    m = json.loads((out / "run.json").read_text())
    return m["timings_s"]["simulate"], m["counts"]["spikes"], m.get("steps_on_one_thread", 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--exe", default=str(ROOT / "build" / "apps" / "synaptogen"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("net", nargs="?", default=str(ROOT / "examples" / "brunel.toml"))
    args = ap.parse_args()
    configs = []  # (threads, neighbour, extra env, extra arguments)
    for neighbour in (False, True):
        for threads in (1, 2):
            configs.append((threads, neighbour, {}, []))
        configs.append((2, neighbour, {}, ["--thread-use", "all"]))
        configs.append((2, neighbour, {"OMP_WAIT_POLICY": "passive"}, ["--thread-use", "all"]))
    times = {i: [] for i in range(len(configs))}
    narrow = {i: [] for i in range(len(configs))}
    spikes = set()
    with tempfile.TemporaryDirectory() as work:
        for r in range(args.repeats):
            for i, (threads, neighbour, extra, extra_args) in enumerate(configs):
                env = dict(os.environ, **extra)
                burner = subprocess.Popen([sys.executable, "-c", BURNER]) if neighbour else None
                try:
                    t, n, one = run(args.exe, args.net, Path(work) / f"{i}_{r}", threads, env, extra_args)
                finally:
                    if burner:
                        burner.kill()
                        burner.wait()
                times[i].append(t)
                narrow[i].append(one)
                spikes.add(n)
    print(f"{Path(args.net).name}: simulate [s], median of {args.repeats}; spikes {sorted(spikes)}")
    print(f"{'neighbour':>10} {'threads':>8} {'settings':>40} {'simulate s':>11} {'steps on 1 thread':>18}")
    for i, (threads, neighbour, extra, extra_args) in enumerate(configs):
        label = " ".join([f"{k}={v}" for k, v in extra.items()] + extra_args) or "default"
        print(f"{'yes' if neighbour else 'no':>10} {threads:>8} {label:>40} {statistics.median(times[i]):>11.2f}"
              f" {statistics.median(narrow[i]):>18.0f}")
    return 0 if len(spikes) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
