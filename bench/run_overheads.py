#!/usr/bin/env python3
"""Thread scaling and the cost of recording spikes, on Brunel (2000) model A.

Two measurements of Synaptogen alone, each as interleaved repeats so that drift of the
machine hits both sides alike:

  scaling    N = 100,000 fixed_k: simulation time with 1 thread and with 2 threads;
             speed-up = median(t1) / median(t2) (target >= 1.8).
  recording  N = 12,500 fixed_p and N = 100,000 fixed_k, 2 threads: simulation time with
             every spike recorded (written to spikes.h5 by the writer thread) and with
             nothing recorded; cost = median(t_rec) / median(t_none) - 1 (target <= 10 %).

Times are run.json's timings_s.simulate (the time-step loop, which includes handing
spikes to the writer). Writes bench/results/overheads.{json,md}. Standard library only;
it reuses the runner's idle wait and measurement (run_brunel.py).

    python3 bench/run_overheads.py                 # about 10 minutes on 2 cores
    python3 bench/run_overheads.py --quick         # N = 2000, 100 ms, 1 repeat: does it start?
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import brunel_network  # noqa: E402
from run_brunel import run_measured, wait_until_idle  # noqa: E402


def run_once(exe: str, toml: Path, out: Path, threads: int, idle: tuple[float, float]) -> dict:
    wait_until_idle(*idle)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "log.txt", "w") as log:
        code, wall, rss, other = run_measured(
            [exe, "run", str(toml), "--threads", str(threads), "--out", str(out), "--no-progress"], log, log)
    if code != 0:
        raise SystemExit(f"synaptogen failed ({code}); see {out / 'log.txt'}")
    m = json.loads((out / "run.json").read_text())
    return {"simulate_s": m["timings_s"]["simulate"], "spikes": m["counts"]["spikes"], "peak_rss": rss,
            "other_cpu_frac": other}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--duration", type=float, default=1000.0)
    ap.add_argument("--synaptogen", default=str(HERE.parent / "build" / "apps" / "synaptogen"))
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--quick", action="store_true", help="N = 2000, 100 ms, 1 repeat, no idle wait")
    ap.add_argument("--idle-threshold", type=float, default=0.1)
    ap.add_argument("--idle-timeout", type=float, default=900.0)
    args = ap.parse_args(argv)
    if args.quick:
        args.repeats, args.duration, args.idle_timeout = 1, 100.0, 0.0
        args.out = str(HERE / "results" / "raw" / "quick")
    scaling_size = (2000, "fixed_k") if args.quick else (100000, "fixed_k")
    recording_sizes = [(2000, "fixed_p")] if args.quick else [(12500, "fixed_p"), (100000, "fixed_k")]
    idle = (args.idle_threshold, args.idle_timeout)

    work = Path(tempfile.mkdtemp(prefix="synaptogen-overheads-"))
    try:
        exe = str(work / "synaptogen")  # a private copy: a rebuild meanwhile cannot mix versions
        shutil.copy2(args.synaptogen, exe)
        rows = []

        def net(n, conn, record):
            path = work / f"brunel_{n}_{conn}_{'rec' if record else 'norec'}.toml"
            if not path.exists():
                brunel_network.write_network(str(path), n, conn, args.duration, 12345, True, record)
            return path

        for r in range(args.repeats):
            n, conn = scaling_size
            for threads in (1, 2):
                res = run_once(exe, net(n, conn, True), work / f"s{r}_{threads}", threads, idle)
                rows.append({"test": "scaling", "n": n, "connectivity": conn, "threads": threads, "record": True,
                             "repeat": r, **res})
                print(f"scaling   N={n} threads={threads} repeat {r}: {res['simulate_s']:.2f} s", flush=True)
            for n, conn in recording_sizes:
                for record in (True, False):
                    res = run_once(exe, net(n, conn, record), work / f"r{r}_{n}_{record}", 2, idle)
                    rows.append({"test": "recording", "n": n, "connectivity": conn, "threads": 2, "record": record,
                                 "repeat": r, **res})
                    print(f"recording N={n} record={record} repeat {r}: {res['simulate_s']:.2f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def median(test, **kv):
        xs = [row["simulate_s"] for row in rows if row["test"] == test and all(row[k] == v for k, v in kv.items())]
        return statistics.median(xs)

    n, conn = scaling_size
    t1, t2 = median("scaling", threads=1), median("scaling", threads=2)
    summary = {"scaling": {"n": n, "connectivity": conn, "t1_s": t1, "t2_s": t2, "speedup": t1 / t2},
               "recording": []}
    for n_r, conn_r in recording_sizes:
        rec, none = median("recording", n=n_r, record=True), median("recording", n=n_r, record=False)
        summary["recording"].append({"n": n_r, "connectivity": conn_r, "record_s": rec, "none_s": none,
                                     "cost": rec / none - 1.0})
    meta = {"machine": platform.node(), "cpu_count": os.cpu_count(), "repeats": args.repeats,
            "duration_ms": args.duration}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "overheads.json").write_text(json.dumps({"meta": meta, "summary": summary, "rows": rows}, indent=1))
    s = summary["scaling"]
    md = [f"# Thread scaling and recording cost (Synaptogen, Brunel model A, {args.duration:g} ms, "
          f"median of {args.repeats})", "",
          "| measurement | N | 1 thread s | 2 threads s | speed-up |", "|---|---:|---:|---:|---:|",
          f"| scaling | {s['n']:,} {s['connectivity']} | {s['t1_s']:.2f} | {s['t2_s']:.2f} | {s['speedup']:.2f} |", "",
          "| measurement | N | all spikes recorded s | nothing recorded s | cost of recording |",
          "|---|---:|---:|---:|---:|"]
    for r in summary["recording"]:
        md.append(f"| recording (2 threads) | {r['n']:,} {r['connectivity']} | {r['record_s']:.2f} | "
                  f"{r['none_s']:.2f} | {100 * r['cost']:+.1f} % |")
    (out / "overheads.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
