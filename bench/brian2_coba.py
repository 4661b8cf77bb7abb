#!/usr/bin/env python3
"""COBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 1) in Brian2's C++ standalone mode.

The reference for `bench/run_brunel.py --network coba`. Brian2's own benchmark script (as in
shared/reference/benchmarks.md), which examples/coba.toml and bench/coba_network.py mirror:
N_E = 0.8 N, N_I = 0.2 N neurons with
    dv/dt = (ge (E_e - v) + gi (E_i - v) - (v - E_L) + 20 mV) / tau_m   (unless refractory)
    dge/dt = -ge / tau_e,  dgi/dt = -gi / tau_i   (conductances in units of g_L)
tau_m = 20 ms, tau_e = 5 ms, tau_i = 10 ms, V_th = -50 mV, V_reset = E_L = -60 mV,
E_e = 0 mV, E_i = -80 mV, t_ref = 5 ms, v(0) uniform in [V_reset, V_th], forward Euler at
dt = 0.1 ms. Every ordered pair is connected with probability p = 80 / N (0.02 at N = 4,000),
autapses allowed (connect(p=p) without a condition); a spike adds 0.6 (E) or 6.7 (I) to ge
or gi of its targets at once (no delay). Synaptogen's iaf_cond_exp integrates the same
equations with exponential Euler and delivers after one step.

Prints one JSON line on stdout (everything else goes to stderr), with the keys and the
measurements of bench/brian2_brunel.py (whose docstring says how each time is taken):
construction_s (synapse creation plus spike-queue set-up, wall time inside the binary),
simulation_s (sum of the profiled code objects of the time-step loop), compile_s, wall_s,
peak_rss_bytes (of the standalone binary alone), rates and CV ISI per population, synapses,
and synaptic events (spikes x out-degree).

Needs Brian2 (Debian: python3-brian), numpy and g++. Example:
    python3 bench/brian2_coba.py --n 32000 --threads 2 --build-dir /tmp/b2coba
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings

# This folder: for the shared helpers when run from elsewhere or imported.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brian2_brunel  # noqa: E402  (isi_statistics, the timers and the RSS launcher)
from brunel_network import population_sizes  # noqa: E402
from coba_network import DT, connection_probability  # noqa: E402

# Model constants; the Synaptogen side is bench/coba_network.py.
TIMES_MS = {"taum": 20.0, "taue": 5.0, "taui": 10.0, "t_ref": 5.0}
POTENTIALS_MV = {"Vt": -50.0, "Vr": -60.0, "El": -60.0, "Ee": 0.0, "Ei": -80.0,
                 "I_drive": 20.0}  # the constant drive: I_e / g_L = 200 pA / 10 nS
W_E = 0.6  # ge jump, in units of g_L (6 nS with g_L = 10 nS)
W_I = 6.7  # gi jump (67 nS)
EQUATIONS = """dv/dt = (ge*(Ee-v) + gi*(Ei-v) - (v-El) + I_drive)/taum : volt (unless refractory)
               dge/dt = -ge/taue : 1
               dgi/dt = -gi/taui : 1"""


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000, help="number of neurons (default 4000)")
    ap.add_argument("--connectivity", choices=("fixed_p",), default="fixed_p",
                    help="the one rule, p = 80/N (accepted for the runner's sake)")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    brian2_brunel.add_standalone_arguments(ap)
    ap.add_argument("--no-synapses", action="store_true",
                    help="memory baseline: same neurons, drive and recording, no synapses")
    return ap.parse_args(argv)


def standalone_device(build_dir: str, threads: int, seed: int):
    """Imports brian2 and sets it up: C++ standalone in build_dir with OpenMP threads, the
    binary run under the RSS launcher, dt and seed. Returns the brian2 module."""
    # Brian2 (and the pythran it pulls in) warn about numpy deprecations on import.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import brian2 as b2

    b2.prefs.logging.file_log = False
    b2.prefs.logging.console_log_level = "WARNING"
    # stdout is for the JSON line alone: Brian2 then runs make with fd 1 and 2 redirected to
    # temporary files (printed only on failure), and with_output=False below sends the
    # binary's stdout to results/stdout.txt.
    b2.prefs.logging.std_redirection = True
    b2.prefs.logging.std_redirection_to_file = True
    b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    rss_file = brian2_brunel.MAXRSS_FILE
    launcher = (["/usr/bin/time", "-f", "%M", "-o", rss_file] if os.access("/usr/bin/time", os.X_OK)
                else [sys.executable, "-c", brian2_brunel.RUSAGE_WRAPPER])
    b2.prefs.devices.cpp_standalone.run_cmd_unix = launcher + ["./main"]
    b2.defaultclock.dt = DT * b2.ms
    b2.seed(seed)
    return b2


def build_and_run(b2, build_dir: str) -> dict:
    """Compiles and runs the project; returns construct_and_run_s (between the inserted
    timers), the peak RSS of the binary, and the compile and binary wall times."""
    b2.device.build(directory=build_dir, compile=True, run=True, with_output=False)
    with open(os.path.join(build_dir, "results", "bench_construct_and_run_s.txt")) as f:
        construct_and_run_s = float(f.read())
    with open(os.path.join(build_dir, brian2_brunel.MAXRSS_FILE)) as f:
        peak_rss_bytes = 1024 * int(f.read().split()[-1])
    return {"construct_and_run_s": construct_and_run_s, "peak_rss_bytes": peak_rss_bytes,
            "compile_s": b2.device.timers["compile"]["make"], "binary_wall_s": b2.device.timers["run_binary"]}


def spike_counts(spikes, sources, n_e: int, n: int, duration_ms: float) -> dict:
    """Spikes, rates and CV ISI per population, synapses and synaptic events (spike x out-degree).

    sources: (Synapses, index of its first source neuron, source population size) triples.
    """
    import numpy as np

    dt_s = DT * 1e-3
    index = np.asarray(spikes.i[:], dtype=np.int64)
    step = np.rint(np.asarray(spikes.t_[:]) / dt_s).astype(np.int64)
    steps = int(round(duration_ms / DT))
    out = {"synapses": 0, "spikes": int(index.size), "synaptic_events": 0}
    for pop, (lo, hi) in (("e", (0, n_e)), ("i", (n_e, n))):
        out[f"rate_{pop}_hz"], out[f"cv_isi_{pop}"] = brian2_brunel.isi_statistics(index, step, lo, hi, steps, dt_s)
    for syn, first, size in sources:
        out_degree = np.bincount(np.asarray(syn.i[:]), minlength=size)
        out["synapses"] += int(out_degree.sum())
        fired = index[(index >= first) & (index < first + size)] - first
        out["synaptic_events"] += int(out_degree[fired].sum())
    return out


def main(argv=None) -> int:
    t_start = time.perf_counter()
    args = parse_args(argv)
    build_dir = os.path.abspath(args.build_dir or tempfile.mkdtemp(prefix="brian2-coba-"))
    b2 = standalone_device(build_dir, args.threads, args.seed)
    ns = {**{k: v * b2.ms for k, v in TIMES_MS.items()}, **{k: v * b2.mV for k, v in POTENTIALS_MV.items()}}
    n = args.n
    n_e, n_i = population_sizes(n)
    p = connection_probability(n)

    neurons = b2.NeuronGroup(n, EQUATIONS, threshold="v > Vt", reset="v = Vr", refractory=ns["t_ref"],
                             method="euler", namespace=ns)
    neurons.v = "Vr + rand() * (Vt - Vr)"
    spikes = b2.SpikeMonitor(neurons)
    objects = [neurons, spikes]

    b2.device.insert_code("main", brian2_brunel.TIMER_START)
    sources = []
    if not args.no_synapses:
        exc = b2.Synapses(neurons[:n_e], neurons, on_pre=f"ge += {W_E}", name="exc")
        inh = b2.Synapses(neurons[n_e:], neurons, on_pre=f"gi += {W_I}", name="inh")
        exc.connect(p=p)  # sample(N_post, p=...) per source: no N^2 loop; autapses allowed
        inh.connect(p=p)
        sources = [(exc, 0, n_e), (inh, n_e, n_i)]
        objects += [exc, inh]

    net = b2.Network(*objects)
    net.run(args.duration * b2.ms, profile=True, namespace=ns)
    b2.device.insert_code("main", brian2_brunel.TIMER_STOP)
    timing = build_and_run(b2, build_dir)
    profile = {name: float(t) for name, t in net.profiling_info}  # seconds
    simulation_s = sum(profile.values())

    row = {"simulator": "brian2", "brian2": b2.__version__, "n": n,
           "connectivity": "none" if args.no_synapses else args.connectivity, "p": 0.0 if args.no_synapses else p,
           "duration_ms": args.duration, "threads": args.threads, "seed": args.seed}
    row.update(spike_counts(spikes, sources, n_e, n, args.duration))
    row.update({"construction_s": timing.pop("construct_and_run_s") - simulation_s, "simulation_s": simulation_s,
                **timing, "wall_s": time.perf_counter() - t_start, "profile_s": profile, "build_dir": build_dir})
    print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
