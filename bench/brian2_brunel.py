#!/usr/bin/env python3
"""Brunel (2000) model A in Brian2's C++ standalone mode: the reference for bench/run_brunel.py.

Same network as bench/brunel_network.py writes for Synaptogen: N_E = 0.8 N, N_I = 0.2 N LIF
neurons with delta synapses (tau_m = 20 ms, theta = 20 mV, V_reset = 10 mV, E_L = 0,
t_ref = 2 ms, V(0) = 0), J = 0.1 mV, g = 5, D = 1.5 ms, C_E = 1000 external Poisson sources
at 20 Hz each, dt = 0.1 ms.

Input that arrives while a neuron is refractory is discarded, as in Synaptogen's (and NEST's)
iaf_psc_delta. In Brian2 `(unless refractory)` only stops the integration of dv/dt; it does
not block direct increments of v, neither from Synapses' on_pre nor from PoissonInput (whose
code is just `v += binomial()*weight`). Both therefore multiply their jump by
int(not_refractory), which Brian2 maintains whenever `refractory` is set; PoissonInput
accepts such a string weight and evaluates it per neuron.

Prints one JSON line on stdout (everything else goes to stderr). Timings:
  construction_s  wall time from just before the first synapse is created to the end of the
                  network run, minus simulation_s: synapse creation plus the spike-queue
                  set-up Brian2 does before the first step. Measured with clock_gettime
                  calls inserted into main.cpp (device.insert_code). With
                  --fixed-k-method arrays, the numpy time that draws the synapses is added.
  simulation_s    sum of the profiled code-object times (profile=True), which Brian2 takes
                  with omp_get_wtime around every code object of the time-step loop; that
                  is the loop's wall time less its (negligible) scheduling overhead.
                  Brian2 2.5.1's own device._last_run_time is not used: it comes from
                  std::clock(), i.e. CPU time summed over the OpenMP threads.
  compile_s       `make` time for the generated project (small when --build-dir is reused
                  and only the seed changed).
  wall_s          this script from start to end (import, code generation, compilation,
                  run, analysis).
  peak_rss_bytes  ru_maxrss of the standalone binary alone: /usr/bin/time (or, without
                  it, a small os.wait4 wrapper) set as run_cmd_unix. Linux carries the RSS
                  of the process that forked the binary into its ru_maxrss, so a thin C
                  launcher is preferred: with the Python wrapper the floor is ~10 MB.

Needs Brian2 (Debian: python3-brian), numpy and g++. Example:
    python3 bench/brian2_brunel.py --n 12500 --connectivity fixed_p --threads 2
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings

# Model constants; keep in step with bench/brunel_network.py.
EPSILON = 0.1
C_E = 1000
C_I = 250
J_MV = 0.1
G = 5.0
DELAY_MS = 1.5
NU_EXT_HZ = 20.0
DT_MS = 0.1

# Where the standalone binary's peak RSS (in KiB) is written, relative to the project.
MAXRSS_FILE = "results/bench_maxrss_kb.txt"

# Fallback launcher without /usr/bin/time: wait4 on the binary's pid gives its rusage alone,
# whereas RUSAGE_CHILDREN in this script would also count the compiler processes.
RUSAGE_WRAPPER = f"""
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:])
_, status, ru = os.wait4(p.pid, 0)
with open('{MAXRSS_FILE}', 'w') as f:
    f.write(str(ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""

# Wall-clock stamps written into main.cpp (which already includes <time.h> and <fstream>).
TIMER_START = "struct timespec _bench_t0; clock_gettime(CLOCK_MONOTONIC, &_bench_t0);"
TIMER_STOP = """{
    struct timespec _bench_t1; clock_gettime(CLOCK_MONOTONIC, &_bench_t1);
    std::ofstream _bench_f("results/bench_construct_and_run_s.txt");
    _bench_f.precision(9);
    _bench_f << (_bench_t1.tv_sec - _bench_t0.tv_sec) + 1e-9 * (_bench_t1.tv_nsec - _bench_t0.tv_nsec) << std::endl;
}"""


def add_standalone_arguments(ap) -> None:
    """--threads, --seed and --build-dir, as every Brian2 script of bench/ takes them."""
    ap.add_argument("--threads", type=int, default=2, help="OpenMP threads (default 2)")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--build-dir", "--standalone", default=None,
                    help="standalone project folder; reuse it to skip recompiling unchanged code "
                         "(default: a fresh temporary folder)")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12500, help="number of neurons (default 12500)")
    ap.add_argument("--connectivity", choices=("fixed_p", "fixed_k"), default="fixed_p")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    add_standalone_arguments(ap)
    ap.add_argument("--fixed-k-method", choices=("generator", "arrays"), default="generator",
                    help="fixed_k construction: Brian2's generator syntax inside the binary "
                         "(default; synapses numbered by target), or numpy index arrays sorted by "
                         "source (synapses of a source contiguous)")
    ap.add_argument("--no-synapses", action="store_true",
                    help="memory baseline: same neurons, input and recording, no recurrent synapses")
    return ap.parse_args(argv)


def isi_statistics(spike_index, spike_step, n_first, n_last, duration_steps, dt_s):
    """Rate [Hz] and mean CV of the ISIs over neurons in [n_first, n_last) with >= 3 spikes.

    Uses the population std (ddof = 0) and integer steps, as Synaptogen's run.json does.
    """
    import numpy as np

    sel = (spike_index >= n_first) & (spike_index < n_last)
    idx = spike_index[sel] - n_first
    step = spike_step[sel]
    size = n_last - n_first
    rate = idx.size / (size * duration_steps * dt_s)
    order = np.lexsort((step, idx))
    idx, step = idx[order], step[order]
    same = idx[1:] == idx[:-1]
    isi = (step[1:] - step[:-1])[same].astype(np.float64) * dt_s
    owner = idx[1:][same]
    count = np.bincount(owner, minlength=size)
    total = np.bincount(owner, weights=isi, minlength=size)
    total_sq = np.bincount(owner, weights=isi * isi, minlength=size)
    ok = count >= 2  # >= 3 spikes
    if not ok.any():
        return rate, 0.0
    mean = total[ok] / count[ok]
    var = np.maximum(total_sq[ok] / count[ok] - mean * mean, 0.0)
    return rate, float(np.mean(np.sqrt(var) / mean))


def main(argv=None) -> int:
    t_start = time.perf_counter()
    args = parse_args(argv)

    # Brian2 (and the pythran it pulls in) warn about numpy deprecations on import.
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    import numpy as np
    import brian2 as b2
    from brian2 import Hz, ms, mV

    build_dir = os.path.abspath(args.build_dir or tempfile.mkdtemp(prefix="brian2-brunel-"))
    b2.prefs.logging.file_log = False
    b2.prefs.logging.console_log_level = "WARNING"
    b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = args.threads
    if os.access("/usr/bin/time", os.X_OK):
        launcher = ["/usr/bin/time", "-f", "%M", "-o", MAXRSS_FILE]
    else:
        launcher = [sys.executable, "-c", RUSAGE_WRAPPER]
    b2.prefs.devices.cpp_standalone.run_cmd_unix = launcher + ["./main"]
    b2.defaultclock.dt = DT_MS * ms
    b2.seed(args.seed)

    n = args.n
    n_e = int(round(0.8 * n))
    n_i = n - n_e
    ns = {"tau_m": 20 * ms, "theta": 20 * mV, "V_r": 10 * mV, "J": J_MV * mV, "g": G}

    # 'exact' integrates the linear leak analytically, as Synaptogen's propagators do.
    neurons = b2.NeuronGroup(n, "dv/dt = -v / tau_m : volt (unless refractory)", threshold="v > theta",
                             reset="v = V_r", refractory=2 * ms, method="exact", namespace=ns)
    neurons.v = 0 * mV
    external = b2.PoissonInput(neurons, "v", N=C_E, rate=NU_EXT_HZ * Hz, weight="J * int(not_refractory)")
    spikes = b2.SpikeMonitor(neurons)
    objects = [neurons, external, spikes]

    b2.device.insert_code("main", TIMER_START)
    projections = []
    python_connect_s = 0.0
    if not args.no_synapses:
        # Two Synapses objects (from E and from I onto everyone), as in Brian2's own Brunel
        # example; the subgroup offsets make autapses i == j (E) and j == i + N_E (I).
        exc = b2.Synapses(neurons[:n_e], neurons, on_pre="v_post += J * int(not_refractory_post)",
                          delay=DELAY_MS * ms, namespace=ns, name="exc")
        inh = b2.Synapses(neurons[n_e:], neurons, on_pre="v_post += -g * J * int(not_refractory_post)",
                          delay=DELAY_MS * ms, namespace=ns, name="inh")
        if args.connectivity == "fixed_p":
            # sample(N_post, p=...) skips geometrically through each row: no N^2 loop.
            exc.connect(condition="i != j", p=EPSILON)
            inh.connect(condition="j != i + N_E", p=EPSILON, namespace={"N_E": n_e})
        elif args.fixed_k_method == "generator":
            # Generator over targets j: C sources drawn uniformly with replacement (multapses
            # allowed). For the target's own population the draw is an offset in
            # [1, N_pre - 1] from the target itself, modulo N_pre, which is uniform over all
            # other sources: exact in-degree, no autapses, no rejection loop.
            # Brian2 numbers synapses in creation order, i.e. by target here, so the
            # synapses of one source end up scattered through the arrays.
            same = "int(j < N_pre)"
            exc.connect(i=f"({same} * (j + 1) + int(rand() * (N_pre - {same}))) % N_pre for _ in range(C)",
                        namespace={"C": C_E})
            same = "int(j >= N_E)"
            inh.connect(i=f"({same} * (j - N_E + 1) + int(rand() * (N_pre - {same}))) % N_pre for _ in range(C)",
                        namespace={"C": C_I, "N_E": n_e})
        else:
            # The same draw in numpy, handed over as index arrays sorted by source, so that
            # each source's synapses are contiguous as with fixed_p. The time spent here, in
            # Python, is added to construction_s.
            t0 = time.perf_counter()
            rng = np.random.default_rng(args.seed)
            targets = np.arange(n, dtype=np.int32)
            for proj, first, n_pre, c in ((exc, 0, n_e, C_E), (inh, n_e, n_i, C_I)):
                own = (targets >= first) & (targets < first + n_pre)  # target in the source population
                draw = rng.integers(0, n_pre - own.astype(np.int64)[:, None], size=(n, c))
                src = np.where(own[:, None], (targets[:, None] - first + 1 + draw) % n_pre, draw)
                src = src.astype(np.int32).ravel()
                order = np.argsort(src, kind="stable")
                proj.connect(i=src[order], j=np.repeat(targets, c)[order])
                del src, order, draw
            python_connect_s = time.perf_counter() - t0
        projections = [exc, inh]
        objects += projections

    net = b2.Network(*objects)
    net.run(args.duration * ms, profile=True, namespace=ns)
    b2.device.insert_code("main", TIMER_STOP)

    # The compiler and the binary write to fd 1; keep stdout for the JSON line alone.
    sys.stdout.flush()
    saved_stdout = os.dup(1)
    os.dup2(2, 1)
    try:
        b2.device.build(directory=build_dir, compile=True, run=True, with_output=False)
    finally:
        sys.stdout.flush()
        os.dup2(saved_stdout, 1)
        os.close(saved_stdout)

    results = os.path.join(build_dir, "results")
    with open(os.path.join(results, "bench_construct_and_run_s.txt")) as f:
        construct_and_run_s = float(f.read())
    with open(os.path.join(build_dir, MAXRSS_FILE)) as f:
        maxrss_kb = int(f.read().split()[-1])
    profile = {name: float(t) for name, t in net.profiling_info}  # seconds
    simulation_s = sum(profile.values())

    dt_s = DT_MS * 1e-3
    spike_index = np.asarray(spikes.i[:], dtype=np.int64)
    spike_step = np.rint(np.asarray(spikes.t_[:]) / dt_s).astype(np.int64)
    duration_steps = int(round(args.duration / DT_MS))
    rate_e, cv_e = isi_statistics(spike_index, spike_step, 0, n_e, duration_steps, dt_s)
    rate_i, cv_i = isi_statistics(spike_index, spike_step, n_e, n, duration_steps, dt_s)

    # Synaptic events as Synaptogen counts them: every emitted spike times its out-degree.
    synapses = 0
    events = 0
    for proj, first, size in zip(projections, (0, n_e), (n_e, n_i)):
        out_degree = np.bincount(np.asarray(proj.i[:]), minlength=size)
        synapses += int(out_degree.sum())
        src = spike_index[(spike_index >= first) & (spike_index < first + size)] - first
        events += int(out_degree[src].sum())

    row = {
        "simulator": "brian2",
        "brian2": b2.__version__,
        "n": n,
        "connectivity": "none" if args.no_synapses else args.connectivity,
        "duration_ms": args.duration,
        "threads": args.threads,
        "seed": args.seed,
        "synapses": synapses,
        "spikes": int(spike_index.size),
        "synaptic_events": events,
        "rate_e_hz": rate_e,
        "rate_i_hz": rate_i,
        "cv_isi_e": cv_e,
        "cv_isi_i": cv_i,
        "construction_s": construct_and_run_s - simulation_s + python_connect_s,
        "python_connect_s": python_connect_s,
        "fixed_k_method": args.fixed_k_method if args.connectivity == "fixed_k" else None,
        "simulation_s": simulation_s,
        "compile_s": b2.device.timers["compile"]["make"],
        "binary_wall_s": b2.device.timers["run_binary"],
        "wall_s": time.perf_counter() - t_start,
        "peak_rss_bytes": maxrss_kb * 1024,
        "profile_s": profile,
        "build_dir": build_dir,
    }
    print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
