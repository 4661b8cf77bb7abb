#!/usr/bin/env python3
"""Two Synaptogen binaries on the same network files, runs interleaved (A, B, A, B, ...) so
that slow drifts of the machine hit both alike; prints the median of each timing.

    bench/ab_compare.py --a OLD/synaptogen --b NEW/synaptogen --repeats 3 net1.toml [net2.toml ...]

Each run: `synaptogen run FILE --out WORK/<label>_<k> --no-progress` (extra arguments after
--args); timings from run.json (timings_s.connect, timings_s.simulate), spike counts from
counts.spikes, which must agree between A and B for the comparison to mean anything.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def run(exe: str, net: str, out: Path, extra: list[str]) -> dict:
    subprocess.run([exe, "run", net, "--out", str(out), "--no-progress", *extra], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads((out / "run.json").read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--a", required=True, help="baseline binary")
    ap.add_argument("--b", required=True, help="binary to compare")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--work", help="output folder (default: a temporary one)")
    ap.add_argument("--args", nargs=argparse.REMAINDER, default=[], help="more arguments for `synaptogen run`")
    ap.add_argument("networks", nargs="+")
    o = ap.parse_args()
    work = Path(o.work or tempfile.mkdtemp(prefix="ab_compare_"))
    print(f"{'network':32s} {'binary':6s} {'connect s':>10s} {'simulate s':>11s} {'spikes':>10s}")
    for net in o.networks:
        rows = {"A": [], "B": []}
        for r in range(o.repeats):
            for label, exe in (("A", o.a), ("B", o.b)):
                rows[label].append(run(exe, net, work / f"{Path(net).stem}_{label}_{r}", o.args))
        spikes = {label: {d["counts"]["spikes"] for d in runs} for label, runs in rows.items()}
        for label, runs in rows.items():
            connect = statistics.median(d["timings_s"]["connect"] for d in runs)
            simulate = statistics.median(d["timings_s"]["simulate"] for d in runs)
            print(f"{Path(net).name:32s} {label:6s} {connect:10.2f} {simulate:11.2f} {'/'.join(map(str, sorted(spikes[label]))):>10s}")
        if spikes["A"] != spikes["B"]:
            print(f"  spike counts differ between A and B: {spikes}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
