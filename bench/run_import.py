#!/usr/bin/env python3
"""Streaming import of large edge lists: time and peak memory of `synaptogen import edgelist`.

Generates synthetic lists (bench/make_edge_list.cpp: EDGES rows over NODES cells) and imports
each with --edges hdf5 (rows streamed into OUT.edges.h5), measuring wall time and peak
resident memory (/usr/bin/time). Memory should follow the number of cells, not of edges.
Writes bench/results/import.{json,md}. Needs about 25 bytes of disk per edge for the list
and 16 for the HDF5 file.

    python3 bench/run_import.py                       # 10^6, 10^7, 10^8 edges (about 5 minutes)
    python3 bench/run_import.py --quick               # 10^5 and 10^6 edges: does it run?
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS bytes of a command, from GNU time."""
    out = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", *cmd], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    m = re.search(r"TIME ([0-9.]+) ([0-9]+)", out.stderr)
    return float(m.group(1)), int(m.group(2)) * 1024


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synaptogen", default=str(ROOT / "build" / "apps" / "synaptogen"))
    ap.add_argument("--generator", default=str(ROOT / "build" / "bench" / "make_edge_list"))
    ap.add_argument("--nodes", type=int, default=1_000_000, help="distinct cells in every list")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10**6, 10**7, 10**8])
    ap.add_argument("--quick", action="store_true", help="10^5 and 10^6 edges over 10^5 cells")
    ap.add_argument("--work", default=None, help="folder for the generated files (default: a temporary one)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.nodes = [10**5, 10**6], 100_000
    work = Path(args.work or tempfile.mkdtemp(prefix="synaptogen_import_"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        csv = work / f"edges_{n}.csv"
        gen_s, _ = measure([args.generator, "--edges", str(n), "--nodes", str(args.nodes), "-o", str(csv)])
        out = work / f"net_{n}.toml"
        secs, rss = measure([args.synaptogen, "--log-level", "warn", "import", "edgelist", str(csv), "--edges", "hdf5",
                             "-o", str(out)])
        h5 = out.with_suffix(".edges.h5")
        row = {"edges": n, "nodes": args.nodes, "csv_bytes": csv.stat().st_size, "h5_bytes": h5.stat().st_size,
               "import_s": secs, "peak_rss_bytes": rss, "rows_per_s": n / secs, "generate_s": gen_s}
        rows.append(row)
        print(f"{n:>11,} edges: import {secs:6.1f} s ({n / secs / 1e6:5.1f} M rows/s), peak {rss / 2**20:7.1f} MiB, "
              f"csv {row['csv_bytes'] / 2**30:.2f} GiB -> h5 {row['h5_bytes'] / 2**30:.2f} GiB", flush=True)
        for f in (csv, h5, out, out.with_suffix(".cells.csv")):
            f.unlink(missing_ok=True)
    if args.quick:
        return
    outdir = Path(args.out)
    meta = {"machine": platform.node(), "cpu": platform.processor(), "command": "python3 bench/run_import.py", "rows": rows}
    (outdir / "import.json").write_text(json.dumps(meta, indent=1) + "\n")
    lines = ["| edges | cells | CSV | HDF5 | import [s] | M rows/s | peak RSS [MiB] |", "|--:|--:|--:|--:|--:|--:|--:|"]
    for r in rows:
        lines.append(f"| {r['edges']:,} | {r['nodes']:,} | {r['csv_bytes'] / 2**30:.2f} GiB | {r['h5_bytes'] / 2**30:.2f} GiB | "
                     f"{r['import_s']:.1f} | {r['rows_per_s'] / 1e6:.1f} | {r['peak_rss_bytes'] / 2**20:.0f} |")
    (outdir / "import.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
