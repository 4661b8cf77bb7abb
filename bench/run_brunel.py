#!/usr/bin/env python3
"""Brunel (2000) model A, COBA and microcircuit benchmarks: Synaptogen against Brian2's C++ standalone mode.

--network picks the model: brunel (default; Brunel 2000 model A, bench/brunel_network.py and
bench/brian2_brunel.py), coba (Vogels & Abbott 2005 as benchmark 1 of Brette et al. 2007,
bench/coba_network.py and bench/brian2_coba.py) or microcircuit (Potjans & Diesmann 2014:
examples/microcircuit.toml run with --scale, and bench/brian2_microcircuit.py, which reads
the same file). Below, NAME is the network's name.

For the microcircuit --sizes lists scales (default 1.0, the full 77,169 neurons), the default
duration is 1100 ms, and rates count only spikes after --warmup (100 ms): Synaptogen's are
computed from its spikes.h5 (needs h5py, in this interpreter or /usr/bin/python3; without
it the rows carry run.json's whole-run rates and warmup_ms = 0). Its no-synapse baseline
runs the TOML with its [[projection]] tables removed (written to the work folder); Brian2's
(brian2_microcircuit.py --no-synapses) builds the same network, without a SpikeMonitor.

For each network size, runs a no-synapse memory baseline of each simulator once, then
`--repeats` repeats of both simulators interleaved (Synaptogen, Brian2, Synaptogen, ...), so
that slow drifts of the machine hit both alike. Repeat r uses seed `--seed` + r for both.

Writes, under --out (default bench/results):
  NAME.csv, NAME.json  one row per run, baselines included (kind = "baseline")
  NAME.md              medians over the repeats, also printed on stdout
  NAME.png             simulation time and synaptic events/s against N
  raw/                 Synaptogen's run.json and Brian2's JSON line of every run, logs
                       (COBA's file names start with "coba_")

--quick (the smallest size: Brunel N = 2000 fixed_p, COBA N = 4000, microcircuit scale 0.02;
100 ms, the microcircuit 200 ms so that 100 ms follow its warm-up; one repeat, Brian2 only
with --with-brian2) checks that the runner works; it writes under bench/results/raw/quick
unless --out is given.

The runner itself needs only the standard library; the plot needs matplotlib, and Brian2
needs an interpreter with brian2 and numpy. Both are looked for in this interpreter, then in
/usr/bin/python3 (Debian's, where python3-brian installs), or given with --python.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import brian2_microcircuit  # noqa: E402  (needs the path above; imports brian2 only in its main)
import brunel_network  # noqa: E402
import coba_network  # noqa: E402

# What differs between the benchmarks: the module that writes Synaptogen's TOML (its
# write_network and CONNECTIVITIES; the microcircuit runs examples/microcircuit.toml with
# --scale instead), Brian2's script (same options and JSON line), the sizes of a full and of
# a --quick run (the microcircuit's are scales), the prefix of raw file names, and the
# report's titles.
NETWORKS = {
    "brunel": {"module": brunel_network, "brian2": "brian2_brunel.py", "sizes": "12500:fixed_p,100000:fixed_k",
               "quick_sizes": "2000:fixed_p", "tag": "", "title": "Brunel (2000) model A",
               "plot_title": "Brunel model A"},
    "coba": {"module": coba_network, "brian2": "brian2_coba.py", "sizes": "4000,32000", "quick_sizes": "4000",
             "tag": "coba_", "title": "COBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 1)",
             "plot_title": "COBA"},
    "microcircuit": {"module": None, "brian2": "brian2_microcircuit.py", "sizes": "1.0", "quick_sizes": "0.02",
                     "tag": "microcircuit_", "title": "Potjans & Diesmann (2014) cortical microcircuit",
                     "plot_title": "Microcircuit"},
}
MICROCIRCUIT_TOML = REPO / "examples" / "microcircuit.toml"
DEFAULT_SIZES = NETWORKS["brunel"]["sizes"]

# Linux carries the RSS of the process that forks a program into the program's ru_maxrss,
# which Synaptogen reports as its peak. Started from this Python process that adds ~10 MB;
# started from /usr/bin/time (a small C program) about 2 MB, as for Brian2's binary.
LAUNCHER = ["/usr/bin/time", "-f", "", "-o", os.devnull] if os.access("/usr/bin/time", os.X_OK) else []

# Columns of brunel.csv, in order; brunel.json rows carry the same keys.
FIELDS = [
    "kind", "simulator", "program", "n", "connectivity", "repeat", "seed", "duration_ms", "threads",
    "synapses", "spikes", "synaptic_events", "construction_s", "connect_s", "lower_s", "simulation_s",
    "events_per_s", "compile_s", "wall_s", "peak_rss_bytes", "baseline_rss_bytes",
    "bytes_per_synapse", "bytes_per_synapse_rss", "rate_e_hz", "rate_i_hz", "cv_isi_e", "cv_isi_i",
    "other_cpu_frac",
]

# Reads the spikes of each population of Synaptogen's spikes.h5 and prints how many were
# emitted in step `warm` or later (a spike of step s is stamped (s + 1) dt). Run in this
# interpreter or in one with h5py.
SPIKE_COUNT_SCRIPT = """
import json, sys
import h5py, numpy as np
path, dt, warm = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
out = {}
with h5py.File(path, "r") as f:
    for name, group in f["spikes"].items():
        step = np.rint(group["timestamps"][:] / dt).astype(np.int64) - 1
        out[name] = int(np.count_nonzero(step >= warm))
print(json.dumps(out))
"""


def microcircuit_populations() -> list[dict]:
    """The microcircuit's populations at full scale (name, excitatory, full_scale_rate, ...)."""
    return brian2_microcircuit.load_network(str(MICROCIRCUIT_TOML), 1.0)["populations"]


def without_projections(toml_text: str) -> str:
    """The TOML text with its [[projection]] tables left out: the microcircuit's memory
    baseline (same neurons, Poisson input and recording; its DC compensation then makes up
    only for the scaled Poisson input)."""
    out, skip = [], False
    for line in toml_text.splitlines(keepends=True):
        if line.lstrip().startswith("["):  # a table header (the file has no multi-line arrays)
            skip = line.split("#")[0].strip() == "[[projection]]"
        if not skip:
            out.append(line)
    return "# Written by bench/run_brunel.py: the network without its [[projection]] tables.\n" + "".join(out)


def fields_for(network: str) -> list[str]:
    """Columns of NAME.csv: FIELDS, and for the microcircuit its scale, warm-up, real-time
    factor and one rate column per population (over the window after the warm-up)."""
    if network != "microcircuit":
        return FIELDS
    return FIELDS + ["scale", "warmup_ms", "real_time_factor"] + [
        f"rate_{p['name']}_hz" for p in microcircuit_populations()]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_sizes(text: str, network: str = "brunel") -> list[tuple[int, str, float | None]]:
    """"12500:fixed_p,100000:fixed_k" -> [(12500, "fixed_p", None), (100000, "fixed_k", None)];
    for the microcircuit scales, "0.1,1" -> [(7717, "fixed_total_number", 0.1), (77169, ..., 1.0)]."""
    sizes = []
    for item in text.split(","):
        if network == "microcircuit":
            scale = float(item)
            if not 0.0 < scale <= 1.0:
                raise argparse.ArgumentTypeError(f"expected scales in (0, 1] in --sizes, not {item!r}")
            pops = brian2_microcircuit.load_network(str(MICROCIRCUIT_TOML), scale)["populations"]
            sizes.append((sum(p["size"] for p in pops), "fixed_total_number", scale))
            continue
        n, _, conn = item.strip().partition(":")
        conn = conn or "fixed_p"
        if conn not in NETWORKS[network]["module"].CONNECTIVITIES:
            raise argparse.ArgumentTypeError(f"unknown connectivity {conn!r} in --sizes")
        sizes.append((int(n.replace("_", "")), conn, None))
    return sizes


def find_python(module: str, explicit: str | None) -> str | None:
    """An interpreter that can import `module`: --python, this one, or Debian's."""
    candidates = [explicit] if explicit else [sys.executable, "/usr/bin/python3"]
    for exe in candidates:
        if exe and os.path.exists(exe):
            ok = subprocess.run([exe, "-c", f"import {module}"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL).returncode == 0
            if ok:
                return exe
    return None


def cpu_times() -> tuple[float, float] | None:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    total = sum(ticks[:8])  # guest time is already counted in user
    return (total - idle) / hz, total / hz


def wait_until_idle(threshold: float, timeout: float) -> None:
    """Waits (up to timeout s) until other processes use < threshold of the machine's CPUs.

    With 2 threads on 2 cores, anything else running makes OpenMP barriers spin and
    inflates the timings many-fold, so a shared machine has to be quiet first.
    """
    if timeout <= 0:
        return
    deadline = time.monotonic() + timeout
    warned = False
    while True:
        a = cpu_times()
        time.sleep(1.0)
        b = cpu_times()
        if a is None or b is None:
            return
        busy = (b[0] - a[0]) / max(b[1] - a[1], 1e-9)
        if busy < threshold:
            return
        if time.monotonic() > deadline:
            log(f"    machine still {busy:.0%} busy after {timeout:.0f} s; running anyway")
            return
        if not warned:
            log(f"    machine {busy:.0%} busy with other work; waiting up to {timeout:.0f} s for it to go idle")
            warned = True
        time.sleep(4.0)


class Disturbed(Exception):
    """A run was stopped because other processes took the CPUs it was timing on."""


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds used so far by `root` and its live descendants, reaped children included."""
    hz = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()  # the name may contain spaces
        except OSError:
            continue  # exited meanwhile
        children.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = sum(int(x) for x in fields[11:15]) / hz  # utime stime cutime cstime
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def run_measured(cmd: list[str], stdout, stderr, abortable: bool = False,
                 window_s: float = 10.0, abort_share: float = 0.5) -> tuple[int, float, int, float | None]:
    """Runs cmd; returns (exit code, wall s, peak RSS in bytes of the child itself, other_cpu_frac).

    other_cpu_frac is the share of the machine's CPU time during the run that went to
    processes other than cmd and its descendants: a check that the timing was undisturbed.
    With `abortable`, a run during which others hold more than `abort_share` of the CPUs
    for `window_s` is killed and Disturbed raised: oversubscribed OpenMP threads can make
    it 100 times slower, so it is cheaper to start again than to wait.
    """
    before = cpu_times()
    t0 = time.perf_counter()
    # A session of its own, so that the whole tree (Brian2: make, g++, the binary) can be
    # stopped together.
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, start_new_session=True)
    reaped = False
    try:
        samples: list[tuple[float, float, float, float]] = []
        while True:
            # wait4 rather than proc.wait(): it also hands back the child's rusage (which
            # includes its waited-for descendants, e.g. Brian2's compiler and binary).
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                reaped = True
                break
            time.sleep(0.1)
            now = time.monotonic()
            # Look at the machine once a second: scanning /proc costs a few ms of CPU.
            if not abortable or (samples and now - samples[-1][0] < 1.0):
                continue
            machine = cpu_times()
            if machine is None:
                continue
            samples.append((now, machine[0], machine[1], tree_cpu_seconds(proc.pid)))
            while samples[-1][0] - samples[0][0] > window_s:
                samples.pop(0)
            if samples[-1][0] - samples[0][0] >= 0.9 * window_s:
                a, b = samples[0], samples[-1]
                share = max(0.0, (b[1] - a[1]) - (b[3] - a[3])) / max(b[2] - a[2], 1e-9)
                if share > abort_share:
                    raise Disturbed(f"other processes took {share:.0%} of the CPUs for {window_s:.0f} s")
    finally:
        if not reaped:
            os.killpg(proc.pid, signal.SIGKILL)
            os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    after = cpu_times()
    proc.returncode = os.waitstatus_to_exitcode(status)
    other = None
    if before and after and after[1] > before[1]:
        own = usage.ru_utime + usage.ru_stime
        other = max(0.0, (after[0] - before[0]) - own) / (after[1] - before[1])
    return proc.returncode, wall, usage.ru_maxrss * 1024, other


def safe_div(a, b):
    return a / b if a is not None and b else None


class Bench:
    def __init__(self, args):
        self.args = args
        self.net = NETWORKS[args.network]
        self.fields = fields_for(args.network)
        self.rows: list[dict] = []
        self.out = Path(args.out)
        self.raw = self.out / "raw"
        self.raw.mkdir(parents=True, exist_ok=True)
        self.work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix=f"synaptogen-{args.network}-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.baseline_rss: dict[tuple[str, int], int] = {}
        self.h5_python: str | None = None  # an interpreter with h5py, when this one lacks it
        # Run a private copy: the build tree may be rebuilt while the benchmark runs, and all
        # repeats should time the same program (its own code is linked in statically).
        self.exe = self.work / "synaptogen"
        shutil.copy2(args.synaptogen, self.exe)
        with open(self.exe, "rb") as f:
            self.exe_sha256 = hashlib.sha256(f.read()).hexdigest()
        self.exe_version = subprocess.run([str(self.exe), "--version"], capture_output=True, text=True,
                                          check=True).stdout.strip()
        # Identifies what produced a row, so that --resume reuses only rows of the same program.
        self.program = {"synaptogen": "synaptogen-" + self.exe_sha256[:12], "brian2": "brian2-" + args.brian2_version}
        if args.resume:
            self.load_previous()

    def load_previous(self) -> None:
        path = self.out / f"{self.args.stem}.json"
        if not path.exists():
            return
        with open(path) as f:
            old = json.load(f)
        for row in old["rows"]:
            if row.get("program") == self.program[row["simulator"]]:
                self.rows.append({k: row.get(k) for k in self.fields})
                if row["kind"] == "baseline":
                    self.baseline_rss[(row["simulator"], row["n"])] = row["peak_rss_bytes"]
        log(f"resuming: {len(self.rows)} of {len(old['rows'])} earlier rows are from the same programs")

    def done(self, simulator, n, conn, seed, repeat, synapses, scale=None) -> dict | None:
        kind = "run" if synapses else "baseline"
        for r in self.rows:
            if (r["kind"], r["simulator"], r["n"], r["connectivity"], r["repeat"], r["seed"], r["duration_ms"],
                    r["threads"], r.get("scale")) == (kind, simulator, n, conn, repeat, seed, self.args.duration,
                                                      self.args.threads, scale):
                return r
        return None

    # -- Synaptogen -------------------------------------------------------------------
    def backend_args(self) -> list:
        return ["--backend", self.args.backend] if self.args.backend else []

    def synaptogen(self, n, conn, seed, repeat, synapses=True, abortable=False, scale=None) -> dict:
        if self.args.network == "microcircuit":
            return self.synaptogen_microcircuit(n, scale, seed, repeat, synapses, abortable)
        tag = self.net["tag"] + f"synaptogen_n{n}_{conn}_" + (f"r{repeat}" if synapses else "baseline")
        toml = self.work / f"{tag}.toml"
        self.net["module"].write_network(str(toml), n, conn, self.args.duration, seed, synapses)
        run_dir = self.work / tag
        cmd = LAUNCHER + [str(self.exe), "run", str(toml), "--threads", str(self.args.threads),
                          "--out", str(run_dir), "--no-progress"] + self.backend_args()
        manifest, wall, other = self._run_synaptogen(cmd, tag, run_dir, abortable)
        shutil.rmtree(run_dir)  # spike files are large at N = 1e5 and not needed here

        t = manifest["timings_s"]
        pops = {p["name"]: p for p in manifest["populations"]}
        row = {
            "kind": "run" if synapses else "baseline", "simulator": "synaptogen",
            "program": self.program["synaptogen"], "n": n,
            "connectivity": conn, "repeat": repeat, "seed": seed, "duration_ms": self.args.duration,
            "threads": manifest.get("threads", self.args.threads),
            "synapses": manifest["counts"]["synapses"], "spikes": manifest["counts"]["spikes"],
            "synaptic_events": manifest["counts"]["synaptic_events"],
            "construction_s": t["connect"] + t["lower"], "connect_s": t["connect"], "lower_s": t["lower"],
            "simulation_s": t["simulate"], "wall_s": wall,
            "peak_rss_bytes": int(manifest["memory"]["peak_rss_bytes"]),
            "bytes_per_synapse": manifest["memory"]["bytes_per_synapse"] if synapses else None,
            "rate_e_hz": pops["E"]["rate_hz"], "rate_i_hz": pops["I"]["rate_hz"],
            "cv_isi_e": pops["E"]["cv_isi"], "cv_isi_i": pops["I"]["cv_isi"], "other_cpu_frac": other,
        }
        return self._finish(row)

    def _run_synaptogen(self, cmd, tag, run_dir, abortable) -> tuple[dict, float, float | None]:
        """Runs Synaptogen once on an idle machine; (run.json, wall s, other processes' CPU share)."""
        wait_until_idle(self.args.idle_threshold, self.args.idle_timeout)
        with open(self.raw / f"{tag}.log", "w") as logf:
            rc, wall, _, other = run_measured(cmd, logf, subprocess.STDOUT, abortable)
        if rc != 0:
            raise RuntimeError(f"synaptogen failed (exit {rc}); see {self.raw / (tag + '.log')}")
        shutil.copy(run_dir / "run.json", self.raw / f"{tag}.json")
        with open(run_dir / "run.json") as f:
            return json.load(f), wall, other

    def synaptogen_microcircuit(self, n, scale, seed, repeat, synapses=True, abortable=False) -> dict:
        """examples/microcircuit.toml at `scale` (the baseline: a copy without its projections);
        rates over the window after the warm-up, from spikes.h5."""
        tag = self.net["tag"] + f"synaptogen_s{scale:g}_" + (f"r{repeat}" if synapses else "baseline")
        toml = MICROCIRCUIT_TOML
        if not synapses:  # the network brian2_microcircuit.py --no-synapses builds
            toml = self.work / f"{tag}.toml"
            toml.write_text(without_projections(MICROCIRCUIT_TOML.read_text()))
        run_dir = self.work / tag
        cmd = LAUNCHER + [str(self.exe), "run", str(toml), "--scale", repr(scale), "--threads", str(self.args.threads),
                          "--duration", repr(self.args.duration), "--seed", str(seed), "--out", str(run_dir),
                          "--no-progress"] + self.backend_args()
        manifest, wall, other = self._run_synaptogen(cmd, tag, run_dir, abortable)
        dt, steps = manifest["dt_ms"], manifest["steps"]
        warm = min(int(round(self.args.warmup / dt)), steps)
        counts = self.spike_counts_after(run_dir / "spikes.h5", dt, warm)
        shutil.rmtree(run_dir)
        if counts is None:  # no h5py: run.json's rates, over the whole run
            warm = 0
            counts = {p["name"]: p["spikes"] for p in manifest["populations"]}
        window_s = (steps - warm) * dt * 1e-3
        excitatory = {p["name"]: p["excitatory"] for p in microcircuit_populations()}

        t = manifest["timings_s"]
        row = {
            "kind": "run" if synapses else "baseline", "simulator": "synaptogen",
            "program": self.program["synaptogen"], "n": manifest["counts"]["neurons"], "scale": scale,
            "connectivity": "fixed_total_number", "repeat": repeat, "seed": seed, "duration_ms": self.args.duration,
            "warmup_ms": warm * dt, "threads": manifest.get("threads", self.args.threads),
            "synapses": manifest["counts"]["synapses"], "spikes": manifest["counts"]["spikes"],
            "synaptic_events": manifest["counts"]["synaptic_events"],
            "construction_s": t["connect"] + t["lower"], "connect_s": t["connect"], "lower_s": t["lower"],
            "simulation_s": t["simulate"], "real_time_factor": safe_div(t["simulate"], self.args.duration * 1e-3),
            "wall_s": wall, "peak_rss_bytes": int(manifest["memory"]["peak_rss_bytes"]),
            "bytes_per_synapse": manifest["memory"]["bytes_per_synapse"] if synapses else None,
            "other_cpu_frac": other,
        }
        pooled = {True: [0, 0], False: [0, 0]}
        for p in manifest["populations"]:
            c = counts.get(p["name"], 0)
            row[f"rate_{p['name']}_hz"] = safe_div(c, p["size"] * window_s)
            pooled[excitatory[p["name"]]][0] += c
            pooled[excitatory[p["name"]]][1] += p["size"]
        row["rate_e_hz"] = safe_div(pooled[True][0], pooled[True][1] * window_s)
        row["rate_i_hz"] = safe_div(pooled[False][0], pooled[False][1] * window_s)
        return self._finish(row)

    def spike_counts_after(self, h5: Path, dt: float, warm: int) -> dict[str, int] | None:
        """Spikes per population emitted in step `warm` or later, from Synaptogen's spikes.h5:
        with h5py in this interpreter, else in one that has it; None if none has."""
        if importlib.util.find_spec("h5py"):
            cmd = [sys.executable]
        else:
            self.h5_python = self.h5_python or find_python("h5py", None)
            if not self.h5_python:
                log("    no h5py (python3-h5py) here or in /usr/bin/python3: rates over the whole run from run.json")
                return None
            cmd = [self.h5_python]
        out = subprocess.run(cmd + ["-W", "ignore", "-c", SPIKE_COUNT_SCRIPT, str(h5), repr(dt), str(warm)],
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    # -- Brian2 -----------------------------------------------------------------------
    def brian2(self, n, conn, seed, repeat, synapses=True, abortable=False, scale=None) -> dict:
        tag = self.net["tag"] + f"brian2_n{n}_{conn}_" + (f"r{repeat}" if synapses else "baseline")
        # One project folder per network, reused across repeats: only the seed changes, so
        # make recompiles main.cpp alone.
        build_dir = self.work / (self.net["tag"] + f"brian2_n{n}_{conn}" + ("" if synapses else "_baseline"))
        script = self.net["brian2"]
        cmd = [self.args.python_brian2, str(BENCH / script), "--n", str(n),
               "--connectivity", conn, "--duration", str(self.args.duration),
               "--threads", str(self.args.threads), "--seed", str(seed), "--build-dir", str(build_dir)]
        if scale is not None:  # the microcircuit: by scale, rates after the warm-up
            tag = self.net["tag"] + f"brian2_s{scale:g}_" + (f"r{repeat}" if synapses else "baseline")
            build_dir = self.work / (self.net["tag"] + f"brian2_s{scale:g}" + ("" if synapses else "_baseline"))
            cmd = [self.args.python_brian2, str(BENCH / script), "--scale", repr(scale),
                   "--duration", repr(self.args.duration), "--warmup", repr(self.args.warmup),
                   "--threads", str(self.args.threads), "--seed", str(seed), "--build-dir", str(build_dir)]
        if not synapses:
            cmd.append("--no-synapses")
        out_path = self.raw / f"{tag}.json"
        wait_until_idle(self.args.idle_threshold, self.args.idle_timeout)
        with open(out_path, "w") as outf, open(self.raw / f"{tag}.log", "w") as logf:
            rc, wall, _, other = run_measured(cmd, outf, logf, abortable)
        if rc != 0:
            raise RuntimeError(f"{script} failed (exit {rc}); see {self.raw / (tag + '.log')}")
        lines = [ln for ln in out_path.read_text().splitlines() if ln.startswith("{")]
        result = json.loads(lines[-1])
        # The results folder holds every synapse array (GBs at N = 1e5); drop it.
        shutil.rmtree(build_dir / "results", ignore_errors=True)

        row = {k: result.get(k) for k in self.fields if k in result}
        row.update({"kind": "run" if synapses else "baseline", "program": self.program["brian2"],
                    "connectivity": conn, "repeat": repeat, "wall_s": wall, "other_cpu_frac": other})
        return self._finish(row)

    def _finish(self, row: dict) -> dict:
        key = (row["simulator"], row["n"])
        if row["kind"] == "baseline":
            self.baseline_rss[key] = row["peak_rss_bytes"]
        base = self.baseline_rss.get(key)
        row["baseline_rss_bytes"] = base
        if row["kind"] == "run" and base is not None and row["synapses"]:
            row["bytes_per_synapse_rss"] = (row["peak_rss_bytes"] - base) / row["synapses"]
        row["events_per_s"] = safe_div(row.get("synaptic_events"), row.get("simulation_s"))
        row = {k: row.get(k) for k in self.fields}
        self.rows.append(row)
        self.save()
        return row

    def discard(self, row: dict) -> None:
        self.rows = [r for r in self.rows if r is not row]
        self.save()

    def save(self) -> None:
        """Rewritten after every run, so that an interrupted benchmark keeps what it measured."""
        self.rows.sort(key=lambda r: (r["n"], r["connectivity"], r["kind"] != "baseline", r["repeat"],
                                      r["simulator"] != "synaptogen"))
        with open(self.out / f"{self.args.stem}.csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.fields)
            w.writeheader()
            w.writerows(self.rows)
        with open(self.out / f"{self.args.stem}.json", "w") as f:
            json.dump({"meta": self.meta(), "rows": self.rows}, f, indent=1)

    def meta(self) -> dict:
        cpu = ""
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
        except OSError:
            pass
        return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "host_cpu": cpu,
                "cores": os.cpu_count(), "platform": platform.platform(), "threads": self.args.threads,
                "duration_ms": self.args.duration, "repeats": self.args.repeats,
                "synaptogen": self.args.synaptogen, "synaptogen_version": self.exe_version,
                "synaptogen_sha256": self.exe_sha256, "brian2_python": self.args.python_brian2,
                "network": self.args.network,
                **({"warmup_ms": self.args.warmup, "config": str(MICROCIRCUIT_TOML)}
                   if self.args.network == "microcircuit" else {})}


# -- Summary -------------------------------------------------------------------------

def fmt_bytes(b) -> str:
    if b is None:
        return ""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20)):
        if b >= scale:
            return f"{b / scale:.2f} {unit}" if unit == "GiB" else f"{b / scale:.0f} {unit}"
    return f"{b / 1024:.0f} KiB"


def fmt(x, spec: str) -> str:
    return "" if x is None else format(x, spec)


def summarize(rows: list[dict], fields: list[str] = FIELDS) -> list[dict]:
    """Median over the repeats of every numeric field, per (N, connectivity, simulator)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["kind"] == "run":
            groups.setdefault((r["n"], r["connectivity"], r["simulator"]), []).append(r)
    out = []
    for (n, conn, sim), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][2] != "synaptogen")):
        s = {"n": n, "connectivity": conn, "simulator": sim, "repeats": len(rs)}
        for k in fields:
            vals = [r.get(k) for r in rs if isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool)]
            if vals and k not in ("n", "repeat", "seed"):
                s[k] = statistics.median(vals)
        out.append(s)
    # Brian2 / Synaptogen ratios of the medians, on the Brian2 row.
    by_key = {(s["n"], s["connectivity"], s["simulator"]): s for s in out}
    for s in out:
        ref = by_key.get((s["n"], s["connectivity"], "synaptogen"))
        if s["simulator"] == "brian2" and ref:
            s["ratio_construction"] = safe_div(s.get("construction_s"), ref.get("construction_s"))
            s["ratio_simulation"] = safe_div(s.get("simulation_s"), ref.get("simulation_s"))
    return out


def markdown(summary: list[dict], meta: dict, rows: list[dict], network: str = "brunel") -> str:
    if network == "microcircuit":
        return markdown_microcircuit(summary, meta, rows)
    net = NETWORKS[network]
    max_other = max((r["other_cpu_frac"] or 0.0 for r in rows), default=0.0)
    lines = [
        f"# {net['title']}: Synaptogen vs Brian2 C++ standalone",
        "",
        f"{meta['duration_ms']:g} ms simulated at dt = 0.1 ms, {meta['threads']} threads each, "
        f"median of {meta['repeats']} repeats; {meta['host_cpu']} ({meta['cores']} cores), {meta['date']}.",
        f"Synaptogen {meta.get('synaptogen_version', '')} (executable sha256 {meta.get('synaptogen_sha256', '')[:12]})"
        + "".join(f", {p} (C++ standalone, OpenMP)"
                  for p in sorted({r["program"] for r in rows if r["simulator"] == "brian2" and r.get("program")}))
        + ".",
        "",
        "| N | connectivity | simulator | synapses | construction s | simulation s | synaptic events/s "
        "| peak RSS | bytes/synapse (storage) | bytes/synapse (RSS − baseline) | rate E/I Hz | CV ISI E/I "
        "| Brian2/Synaptogen construction | Brian2/Synaptogen simulation |",
        "|---:|:---|:---|" + "---:|" * 11,
    ]
    for s in summary:
        lines.append("| " + " | ".join([
            f"{s['n']:,}", s["connectivity"], s["simulator"], fmt(s.get("synapses"), ",.0f"),
            fmt(s.get("construction_s"), ".2f"), fmt(s.get("simulation_s"), ".2f"),
            fmt(s.get("events_per_s"), ".3g"), fmt_bytes(s.get("peak_rss_bytes")),
            fmt(s.get("bytes_per_synapse"), ".2f"), fmt(s.get("bytes_per_synapse_rss"), ".2f"),
            f"{fmt(s.get('rate_e_hz'), '.2f')} / {fmt(s.get('rate_i_hz'), '.2f')}",
            f"{fmt(s.get('cv_isi_e'), '.3f')} / {fmt(s.get('cv_isi_i'), '.3f')}",
            fmt(s.get("ratio_construction"), ".1f"), fmt(s.get("ratio_simulation"), ".1f"),
        ]) + " |")
    lines += [
        "",
        "- construction: Synaptogen `connect + lower` from run.json; Brian2 synapse creation plus "
        f"spike-queue set-up, wall time measured inside the standalone binary (see bench/{net['brian2']}). "
        "Brian2's compilation is not included.",
        "- simulation: wall time of the time-step loop (Synaptogen `timings_s.simulate`; Brian2 the sum of "
        "its profiled code objects). Synaptic events = spikes × out-degree, counted the same way for both.",
        "- peak RSS: of the simulating process (Synaptogen run.json; Brian2's standalone binary, by /usr/bin/time). "
        "bytes/synapse (storage): Synaptogen's synapse arrays per synapse; (RSS − baseline): peak RSS above "
        "a run of the same neurons and input with no synapses, per synapse.",
        f"- other processes used at most {max_other:.0%} of the machine's CPU time during any run "
        "(column other_cpu_frac of the CSV).",
    ]
    if any(s["connectivity"] == "fixed_k" and s["simulator"] == "brian2" for s in summary):
        lines.append(
            "- Brian2 fixed_k is built inside the binary with generator syntax over the targets, so Brian2 numbers "
            "the synapses by target and a source's synapses lie scattered; this slows its spike delivery. "
            "`bench/brian2_brunel.py --fixed-k-method arrays` builds source-sorted synapses in numpy instead "
            "(faster simulation, slower construction, more memory); see bench/README.md.")
    if network == "coba":
        lines += [
            "- COBA: p = 80/N (0.02 at N = 4,000, in-degree 80 at every N), autapses allowed on both sides as in "
            "Brian2's benchmark script. Brian2 integrates with forward Euler and delivers a spike in the step it is "
            "emitted; Synaptogen's iaf_cond_exp uses exponential Euler and delivers one step later (delay = dt).",
            "- rates over the seeds of the repeats, min–max, E / I Hz: " + "; ".join(
                f"N = {n:,} {sim} {lo_e:.2f}–{hi_e:.2f} / {lo_i:.2f}–{hi_i:.2f}"
                for (n, sim), (lo_e, hi_e, lo_i, hi_i) in rate_ranges(rows).items()) + ".",
        ]
    return "\n".join(lines) + "\n"


def markdown_microcircuit(summary: list[dict], meta: dict, rows: list[dict]) -> str:
    """The microcircuit's report: costs per scale and simulator, then the rates side by side."""
    max_other = max((r["other_cpu_frac"] or 0.0 for r in rows), default=0.0)
    pops = microcircuit_populations()
    brian2_programs = sorted({r["program"] for r in rows if r["simulator"] == "brian2" and r.get("program")})
    lines = [
        f"# {NETWORKS['microcircuit']['title']}: Synaptogen vs Brian2 C++ standalone",
        "",
        f"{meta['duration_ms']:g} ms simulated ({meta.get('warmup_ms', 100.0):g} ms warm-up, then "
        f"{meta['duration_ms'] - meta.get('warmup_ms', 100.0):g} ms) at dt = 0.1 ms, {meta['threads']} threads each, "
        f"median of {meta['repeats']} repeats; {meta['host_cpu']} ({meta['cores']} cores), {meta['date']}.",
        f"Synaptogen {meta.get('synaptogen_version', '')} (executable sha256 {meta.get('synaptogen_sha256', '')[:12]}) "
        "runs examples/microcircuit.toml with --scale"
        + "".join(f", {p} (C++ standalone, OpenMP) runs bench/brian2_microcircuit.py on the same file"
                  for p in brian2_programs) + ".",
        "",
        "| scale | N | simulator | synapses | construction s | simulation s | real-time factor | synaptic events/s "
        "| peak RSS | bytes/synapse (storage) | bytes/synapse (RSS − baseline) "
        "| Brian2/Synaptogen construction | Brian2/Synaptogen simulation |",
        "|---:|---:|:---|" + "---:|" * 10,
    ]
    for s in summary:
        lines.append("| " + " | ".join([
            fmt(s.get("scale"), "g"), f"{s['n']:,}", s["simulator"], fmt(s.get("synapses"), ",.0f"),
            fmt(s.get("construction_s"), ".2f"), fmt(s.get("simulation_s"), ".2f"),
            fmt(s.get("real_time_factor"), ".2f"), fmt(s.get("events_per_s"), ".3g"),
            fmt_bytes(s.get("peak_rss_bytes")), fmt(s.get("bytes_per_synapse"), ".2f"),
            fmt(s.get("bytes_per_synapse_rss"), ".2f"),
            fmt(s.get("ratio_construction"), ".1f"), fmt(s.get("ratio_simulation"), ".1f"),
        ]) + " |")

    # Rates: one column per (scale, simulator), the median and, over several repeats, the range.
    runs = [r for r in rows if r["kind"] == "run"]
    columns = sorted({(r["scale"], r["simulator"]) for r in runs}, key=lambda c: (c[0], c[1] != "synaptogen"))
    windows = sorted({r.get("warmup_ms") for r in runs if r.get("warmup_ms") is not None})
    lines += [
        "",
        "Rates [Hz] after the warm-up (median over the repeats; min–max when there are several), "
        "and NEST's full-scale rates (the TOML's full_scale_rate):",
        "",
        "| population | NEST, scale 1 | " + " | ".join(f"scale {sc:g} {sim}" for sc, sim in columns) + " |",
        "|:---|---:|" + "---:|" * len(columns),
    ]
    for p in pops:
        cells = []
        for sc, sim in columns:
            vals = [r.get(f"rate_{p['name']}_hz") for r in runs if (r["scale"], r["simulator"]) == (sc, sim)]
            vals = [v for v in vals if v is not None]
            cell = fmt(statistics.median(vals), ".2f") if vals else ""
            if len(vals) > 1:
                cell += f" ({min(vals):.2f}–{max(vals):.2f})"
            cells.append(cell)
        lines.append(f"| {p['name']} | {p['full_scale_rate']:.2f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "- construction: Synaptogen `connect + lower` from run.json; Brian2 synapse creation (generator syntax in "
        "the binary from per-source counts split in numpy, whose time is added), weight and delay drawing and "
        "spike-queue set-up, wall time inside the standalone binary. Brian2's compilation is not included.",
        "- simulation: wall time of the time-step loop over the whole run, warm-up included (Synaptogen "
        "`timings_s.simulate`; Brian2 the sum of its profiled code objects); real-time factor = simulation s / "
        f"{meta['duration_ms'] / 1000:g} s simulated. Synaptic events = spikes × out-degree over the whole run, "
        "counted the same way for both.",
        "- peak RSS: of the simulating process. bytes/synapse (storage): Synaptogen's synapse arrays per synapse; "
        "(RSS − baseline): peak RSS above a run of the TOML without its [[projection]] tables, per synapse. That "
        "baseline has the same neurons and Poisson input, and a DC compensation for the scaled Poisson input "
        "alone, so it fires at ~100 Hz; Brian2's (`--no-synapses`, the same network) has no SpikeMonitor, since "
        "Brian2 keeps every spike in memory (12 B each) where Synaptogen streams them to spikes.h5.",
        "- rates: spikes emitted from the end of the warm-up on, per neuron and second of the window. Synaptogen's "
        "from spikes.h5 (run.json's rate_hz covers the whole run), Brian2's from its SpikeMonitor."
        + (" Some rows had no h5py and give whole-run rates (warmup_ms = 0 in the CSV)." if 0.0 in windows else ""),
        "- the two networks differ only where bench/brian2_microcircuit.py says: Brian2's background is "
        "binomial(K_ext, 8 Hz·dt) per step (PoissonInput) where Synaptogen draws a Poisson count of the same mean; "
        "the delay and weight bounds are enforced by a fixed number of conditional redraws, leaving an expected "
        "< 0.001 synapses clipped instead of redrawn; the random streams differ, so the networks are equal in "
        "distribution, not synapse for synapse.",
        f"- other processes used at most {max_other:.0%} of the machine's CPU time during any run "
        "(column other_cpu_frac of the CSV).",
    ]
    return "\n".join(lines) + "\n"


def rate_ranges(rows: list[dict]) -> dict[tuple[int, str], tuple[float, float, float, float]]:
    """(N, simulator) -> (min, max) of the E rate and of the I rate over the repeats."""
    rates: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for r in rows:
        if r["kind"] == "run" and r.get("rate_e_hz") is not None:
            rates.setdefault((r["n"], r["simulator"]), []).append((r["rate_e_hz"], r["rate_i_hz"]))
    return {key: (min(e for e, _ in v), max(e for e, _ in v), min(i for _, i in v), max(i for _, i in v))
            for key, v in sorted(rates.items(), key=lambda kv: (kv[0][0], kv[0][1] != "synaptogen"))}


def plot(rows: list[dict], path: Path, network: str = "brunel") -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    runs = [r for r in rows if r["kind"] == "run"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    style = {"synaptogen": ("C0", "o"), "brian2": ("C1", "s")}
    # The microcircuit's left panel is its real-time factor, and its sizes are labelled by scale.
    micro = network == "microcircuit"
    keys = ("real_time_factor" if micro else "simulation_s", "events_per_s")
    for sim, (color, marker) in style.items():
        rs = [r for r in runs if r["simulator"] == sim]
        if not rs:
            continue
        sizes = sorted({(r["n"], r["connectivity"]) for r in rs})
        for ax, key in zip(axes, keys):
            ax.scatter([r["n"] for r in rs], [r[key] for r in rs], color=color, marker=marker, alpha=0.35, s=18)
            med = [statistics.median(r[key] for r in rs if (r["n"], r["connectivity"]) == sz) for sz in sizes]
            ax.plot([sz[0] for sz in sizes], med, color=color, marker=marker, label=sim)
    ns = sorted({(r["n"], r["connectivity"]) for r in runs})
    scale_of = {r["n"]: r.get("scale") for r in runs}
    ylabels = ("real-time factor (simulation s / simulated s)" if micro else "simulation wall time [s]",
               "synaptic events / s")
    for ax, ylabel in zip(axes, ylabels):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks([n for n, _ in ns])
        ax.set_xticklabels([f"{n:,}\nscale {scale_of[n]:g}" if micro else f"{n:,}\n{c}" for n, c in ns])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        # Labelled ticks at 1, 2, 5 x 10^k: the data often span less than a decade.
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_xlabel("N")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend()
    duration = runs[0]["duration_ms"] if runs else 0
    fig.suptitle(f"{NETWORKS[network]['plot_title']}, {duration:g} ms simulated, {runs[0]['threads'] if runs else ''} threads")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_plot(rows: list[dict], json_path: Path, png_path: Path, python: str | None,
               network: str = "brunel") -> None:
    if importlib.util.find_spec("matplotlib"):
        plot(rows, png_path, network)
    elif python:
        # This interpreter lacks matplotlib: let one that has it redraw from the JSON.
        subprocess.run([python, __file__, "--network", network, "--plot-only", str(json_path),
                        "--plot-to", str(png_path)], check=True)
    else:
        log("matplotlib not found; no plot")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--network", choices=tuple(NETWORKS), default="brunel",
                    help="brunel (Brunel 2000 model A, default), coba (Vogels & Abbott 2005) or microcircuit "
                         "(Potjans & Diesmann 2014); results go to NAME.{csv,json,md,png}")
    ap.add_argument("--sizes", default=None,
                    help=f"N[:fixed_p|fixed_k],... (default {DEFAULT_SIZES}; coba: N,... with p = 80/N, "
                         f"default {NETWORKS['coba']['sizes']}; microcircuit: scales in (0, 1], "
                         f"default {NETWORKS['microcircuit']['sizes']})")
    ap.add_argument("--repeats", type=int, default=None, help="repeats per size (default 3)")
    ap.add_argument("--duration", type=float, default=None,
                    help="simulated ms (default 1000; microcircuit 1100, warm-up included)")
    ap.add_argument("--warmup", type=float, default=100.0,
                    help="microcircuit: rates count the spikes after this many ms (default 100)")
    ap.add_argument("--threads", type=int, default=2, help="threads for both simulators (default 2)")
    ap.add_argument("--seed", type=int, default=12345, help="seed of repeat 0; repeat r uses seed + r")
    ap.add_argument("--quick", action="store_true",
                    help="smallest size (brunel N = 2000 fixed_p, coba N = 4000, microcircuit scale 0.02), "
                         "100 ms (microcircuit 200 ms), 1 repeat, no Brian2 unless --with-brian2")
    ap.add_argument("--with-brian2", action="store_true", help="run Brian2 in --quick mode too")
    ap.add_argument("--no-brian2", action="store_true", help="run Synaptogen only")
    ap.add_argument("--synaptogen", default=str(REPO / "build" / "apps" / "synaptogen"))
    ap.add_argument("--backend", default=None,
                    help="Synaptogen backend (serial, openmp, cuda, hip; default: the build's first, openmp); "
                         "for a GPU: --synaptogen build-cuda/apps/synaptogen --backend cuda")
    ap.add_argument("--python", default=None, help="interpreter with brian2, numpy (and matplotlib)")
    ap.add_argument("--out", default=None, help="results folder (default bench/results; "
                                                 "bench/results/raw/quick with --quick)")
    ap.add_argument("--idle-threshold", type=float, default=0.1,
                    help="before each run, wait until other processes use less than this share of "
                         "the CPUs (default 0.1)")
    ap.add_argument("--idle-timeout", type=float, default=None,
                    help="longest wait for that, in s (default 900; 0 with --quick)")
    ap.add_argument("--retries", type=int, default=None,
                    help="times to redo a run during which other processes took more than "
                         "--idle-threshold of the CPUs, or to restart one they stalled "
                         "(default 4; 0 with --quick)")
    ap.add_argument("--resume", action="store_true",
                    help="keep the rows of an earlier, interrupted invocation (same programs, sizes, "
                         "seeds, duration and threads) and run only what is missing")
    ap.add_argument("--work", default=None, help="scratch folder (default: a temporary one, removed at the end)")
    ap.add_argument("--report-only", action="store_true",
                    help="only redo NAME.md and NAME.png from the NAME.json in --out "
                         "(brunel.md from brunel.json by default)")
    ap.add_argument("--plot-only", metavar="JSON", help=argparse.SUPPRESS)
    ap.add_argument("--plot-to", metavar="PNG", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    args.stem = args.network
    if args.report_only:
        out = Path(args.out or BENCH / "results")
        with open(out / f"{args.stem}.json") as f:
            data = json.load(f)
        md = markdown(summarize(data["rows"], fields_for(args.network)), data["meta"], data["rows"], args.network)
        (out / f"{args.stem}.md").write_text(md)
        print(md)
        write_plot(data["rows"], out / f"{args.stem}.json", out / f"{args.stem}.png",
                   find_python("matplotlib", args.python), args.network)
        return 0

    if args.plot_only:
        with open(args.plot_only) as f:
            plot(json.load(f)["rows"], Path(args.plot_to), args.network)
        return 0

    micro = args.network == "microcircuit"
    if args.quick:
        args.sizes = args.sizes or NETWORKS[args.network]["quick_sizes"]
        args.repeats = args.repeats or 1
        args.duration = args.duration or (200.0 if micro else 100.0)  # the microcircuit: 100 ms after its warm-up
        args.out = args.out or str(BENCH / "results" / "raw" / "quick")
    try:
        args.sizes = parse_sizes(args.sizes or NETWORKS[args.network]["sizes"], args.network)
    except (ValueError, argparse.ArgumentTypeError) as e:
        ap.error(f"--sizes: {e}")
    args.repeats = args.repeats or 3
    args.duration = args.duration or (1100.0 if micro else 1000.0)
    args.out = args.out or str(BENCH / "results")
    if args.idle_timeout is None:
        args.idle_timeout = 0.0 if args.quick else 900.0
    if args.retries is None:
        args.retries = 0 if args.quick else 4
    args.synaptogen = os.path.abspath(args.synaptogen)
    if not os.access(args.synaptogen, os.X_OK):
        ap.error(f"no synaptogen executable at {args.synaptogen}; build it or pass --synaptogen")

    use_brian2 = not args.no_brian2 and (not args.quick or args.with_brian2)
    args.python_brian2 = None
    if use_brian2:
        args.python_brian2 = find_python("brian2", args.python)
        if not args.python_brian2:
            ap.error("no interpreter with brian2 found; pass --python, or --no-brian2")
    plot_python = find_python("matplotlib", args.python)
    args.brian2_version = ""
    if args.python_brian2:
        args.brian2_version = subprocess.run(
            [args.python_brian2, "-W", "ignore", "-c", "import brian2; print(brian2.__version__)"],
            capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]

    bench = Bench(args)
    simulators = [bench.synaptogen] + ([bench.brian2] if use_brian2 else [])
    total = len(args.sizes) * len(simulators) * (1 + args.repeats)
    done = 0

    def step(fn, n, conn, scale, seed, repeat, synapses=True):
        nonlocal done
        done += 1
        what = "baseline" if not synapses else f"repeat {repeat + 1}/{args.repeats}"
        name = fn.__name__
        log(f"[{done}/{total}] {name} N={n} " + (f"scale {scale:g}" if scale is not None else conn) + f" {what} ...")
        row = bench.done(name, n, conn, seed, repeat, synapses, scale)
        if row:
            log("    done before (--resume)")
            return
        for attempt in range(1 + args.retries):
            last = attempt == args.retries
            try:
                row = fn(n, conn, seed, repeat, synapses, abortable=True, scale=scale)
            except Disturbed as e:
                if last:
                    log(f"    stopped: {e}; giving up on this one (fill it in later with --resume)")
                    return
                log(f"    stopped: {e}; starting it again")
                continue
            # Baselines are for memory only, which other processes do not disturb.
            disturbed = synapses and (row["other_cpu_frac"] or 0.0) > args.idle_threshold
            if not disturbed or last:
                break
            log(f"    other processes took {row['other_cpu_frac']:.0%} of the CPUs during the run; repeating it")
            bench.discard(row)
        log(f"    construction {row['construction_s']:.2f} s, simulation {row['simulation_s']:.2f} s, "
            f"rates {fmt(row['rate_e_hz'], '.2f')}/{fmt(row['rate_i_hz'], '.2f')} Hz, peak RSS {fmt_bytes(row['peak_rss_bytes'])}, "
            f"wall {row['wall_s']:.1f} s, other processes {fmt(row['other_cpu_frac'], '.0%')} of the CPUs")

    # Turn a plain `kill` into SystemExit, so that the scratch folder is removed and the
    # running child stopped (run_measured's finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        for n, conn, scale in args.sizes:
            for fn in simulators:
                step(fn, n, conn, scale, args.seed, -1, synapses=False)
            for r in range(args.repeats):
                for fn in simulators:  # interleaved, so slow drifts of the machine hit both
                    step(fn, n, conn, scale, args.seed + r, r)
    finally:
        if not args.work:
            shutil.rmtree(bench.work, ignore_errors=True)

    summary = summarize(bench.rows, bench.fields)
    md = markdown(summary, bench.meta(), bench.rows, args.network)
    (bench.out / f"{args.stem}.md").write_text(md)
    print(md)
    write_plot(bench.rows, bench.out / f"{args.stem}.json", bench.out / f"{args.stem}.png", plot_python,
               args.network)
    log(f"wrote {bench.out}/{args.stem}.{{csv,json,md,png}} and {bench.raw}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
