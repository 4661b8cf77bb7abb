#!/usr/bin/env python3
"""Distributed runs against threads on one machine (issue 21; docs/performance.md).

For each configuration (ranks x threads per rank) runs `synaptogen run` REPEATS times and
records the median wall time of the simulation phase, the slowest rank's time inside the
spike exchange (MPI_Allgatherv, waiting for the slowest rank included), construction
times, peak memory per rank, and the bytes each rank received. The spike files of every
configuration are compared with the first one's (they must be identical).

    python3 bench/run_mpi.py --network brunel --n 100000 --configs 1x1,1x2,2x1 --repeats 3 --out bench/results/issue21
    python3 bench/run_mpi.py --network microcircuit --configs 1x2,2x1 --repeats 1 --out bench/results/issue21

Standard library only (plus h5py, if present, for the spike comparison).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import brunel_network  # noqa: E402


def same_spikes(a: Path, b: Path) -> bool | None:
    """Whether two spike files hold the same datasets (scripts/same_datasets); None without a
    Python that has h5py."""
    for py in (sys.executable, "/usr/bin/python3"):
        if subprocess.run([py, "-c", "import h5py"], capture_output=True).returncode == 0:
            same = [py, str(HERE.parent / "scripts/same_datasets"), str(a.parent), str(b.parent), a.name]
            return subprocess.run(same).returncode == 0
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--network", choices=["brunel", "microcircuit"], default="brunel")
    ap.add_argument("--n", type=int, default=100000, help="Brunel: neurons (fixed in-degree, C_E = 1000)")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated ms")
    ap.add_argument("--configs", default="1x1,1x2,2x1", help="RANKSxTHREADS, comma-separated")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--synaptogen", default=str(HERE.parent / "build/apps/synaptogen"))
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    out = Path(args.out)
    raw = out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    if args.network == "brunel":
        net = raw / f"brunel_{args.n}.toml"
        net.write_text(brunel_network.network_toml(args.n, "fixed_k", duration_ms=args.duration))
        extra = []
        label = f"brunel_{args.n}"
    else:
        net = HERE.parent / "examples/microcircuit.toml"
        extra = ["--duration", str(args.duration)]
        label = "microcircuit"
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    results = []
    reference = None
    for config in args.configs.split(","):
        ranks, threads = (int(x) for x in config.split("x"))
        runs = []
        for r in range(args.repeats):
            run_dir = raw / f"{label}_{config}_{r}"
            cmd = [args.synaptogen, "run", str(net), "--threads", str(threads), "--thread-use", "all",
                   "--no-progress", "--out", str(run_dir)] + extra
            if ranks > 1:
                cmd = [args.mpirun, "--oversubscribe", "--bind-to", "core", "-np", str(ranks)] + cmd
            t0 = time.perf_counter()
            with open(raw / f"{label}_{config}_{r}.log", "w") as log:
                rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env).returncode
            wall = time.perf_counter() - t0
            if rc != 0:
                print(f"{config} repeat {r}: exit {rc}", file=sys.stderr)
                return 1
            m = json.loads((run_dir / "run.json").read_text())
            per = m.get("distributed", {}).get("per_rank", [])
            runs.append({
                "wall_s": wall, "simulate_s": m["timings_s"]["simulate"], "connect_s": m["timings_s"]["connect"],
                "lower_s": m["timings_s"]["lower"],
                "exchange_s_max": max((p["exchange_s"] for p in per), default=0.0),
                "exchange_s_rank0": per[0]["exchange_s"] if per else 0.0,
                "received_bytes": per[0]["received_bytes"] if per else 0,
                "exchanges": m.get("distributed", {}).get("exchanges", 0),
                "peak_rss_bytes_per_rank": [p["peak_rss_bytes"] for p in per] or [m["memory"]["peak_rss_bytes"]],
                "synapses": m["counts"]["synapses"], "spikes": m["counts"]["spikes"], "steps": m["steps"],
            })
            spikes = run_dir / "spikes.h5"
            if reference is None:
                reference = spikes
            else:
                runs[-1]["same_spikes_as_first"] = same_spikes(reference, spikes)
            print(f"{label} {config} #{r}: simulate {runs[-1]['simulate_s']:.2f} s, exchange (slowest rank) "
                  f"{runs[-1]['exchange_s_max']:.2f} s, wall {wall:.1f} s", file=sys.stderr)
        med = {k: statistics.median(x[k] for x in runs) for k in ("simulate_s", "exchange_s_max", "connect_s", "lower_s", "wall_s")}
        results.append({"config": config, "ranks": ranks, "threads": threads, "median": med, "runs": runs})
    doc = {"network": label, "duration_ms": args.duration, "machine": platform.processor() or platform.machine(),
           "cores": os.cpu_count(), "results": results}
    (out / f"{label}.json").write_text(json.dumps(doc, indent=2) + "\n")
    print(f"| {label} | config | simulate [s] | exchange, slowest rank [s] | connect [s] | same spikes |")
    for r in results:
        same = all(x.get("same_spikes_as_first", True) for x in r["runs"])
        print(f"| | {r['ranks']} rank x {r['threads']} thread | {r['median']['simulate_s']:.2f} | "
              f"{r['median']['exchange_s_max']:.2f} | {r['median']['connect_s']:.2f} | {same} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
