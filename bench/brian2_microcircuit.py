#!/usr/bin/env python3
"""Potjans & Diesmann (2014) cortical microcircuit in Brian2's C++ standalone mode.

The reference for `bench/run_brunel.py --network microcircuit`. It reads the network from
examples/microcircuit.toml (written by scripts/microcircuit_toml.py; --config for another
copy), the same file Synaptogen runs, so that both sides take their numbers from one place:

- 8 populations of iaf_psc_exp neurons (C_m 250 pF, tau_m 10 ms, E_L = V_reset = -65 mV,
  V_th -50 mV, t_ref 2 ms, tau_syn 0.5 ms), integrated exactly (method='exact': Brian2
  solves the linear system symbolically, as Synaptogen's and NEST's propagators do).
  A spike adds w to I_ex (w > 0) or I_in (w < 0) of its target after the step's update,
  so it moves V from the next step on, as in Synaptogen (docs/models.md). V starts
  normal(mean, sd) per population; the currents start at 0.
- Refractoriness: Synaptogen (like NEST) holds V at V_reset for round(t_ref/dt) = 20 updates
  after the spike step. Brian2 leaves refractoriness once timestep(t - lastspike) >=
  timestep(refractory), and stamps a spike at the start of its step, so it holds V for
  refractory/dt - 1 updates; refractory = t_ref + dt (2.1 ms) gives the same 20 updates.
  The currents keep decaying and accepting input meanwhile, on both sides.
- Connectivity, per projection: exactly `number` synapses, autapses and multapses allowed.
  Synaptogen (and NEST) split the total over the sources multinomially and draw each
  synapse's target uniformly; here numpy draws the multinomial split (seeded with --seed),
  the counts become integer variables of the source neurons (k_<target>), and the binary
  draws the targets: one connect() per target population T with generator syntax
  `j = first_T + int(rand()*N_T) for _ in range(k_T_pre)`. So the count is exact, and the
  synapses are built in C++ like the other Brian2 benchmarks. Two Synapses objects, one
  from all excitatory and one from all inhibitory neurons (the neuron group holds the
  excitatory populations first, then the inhibitory ones).
- Weights: normal(mean, sd) with the TOML's min/max, which Synaptogen enforces by redrawing.
  The binary draws `mean + sd*randn()`, then redraws the synapses outside the bounds a few
  times (`syn.w['w < lo or w > hi'] = ...`), as many passes as make the expected number of
  synapses still outside below 1e-3, and finally clips. For the weights (bounds 10 sd from
  the mean) that is no redraw pass at all; for the delays (min 0.05 ms, 1.93 sd below the
  mean: 2.7 % of the draws) 5 passes at scale 0.05, 7 at full scale. The most common (mean, sd) of an object is set
  for all its synapses, the others (L4E -> L23E's doubled weight) by condition on the
  populations.
- Delays: drawn as above, then rounded to steps as Synaptogen does (half up, at least one
  step): clip(floor(d/dt + 0.5), 1, inf)*dt, which Brian2's spike queue keeps exactly.
- Background: one PoissonInput per population, N = sources, 8 Hz, onto I_ex. PoissonInput
  draws binomial(N, rate*dt) per neuron and step, Synaptogen a Poisson count with the same
  mean (variance 1 - rate*dt = 0.9992 of it).
- Scaling (--scale S, default the TOML's [scaling] scale): reimplemented here from
  apply_scaling() in models/src/network_spec.cpp (docs/models.md#scaling), in the same order
  and arithmetic: sizes max(1, round(N*S)), fixed_total_number round(n*S*S), Poisson
  sources max(1, round(K*S)) (round half to even, as both Python and std::nearbyint do);
  weights (mean, sd, bounds) and Poisson weights x 1/sqrt(S); with compensate, per target
  population the DC current (1 - sqrt(S)) * 1e-3 * sum(w_mean*tau_syn*K*rate) over its
  incoming projections (K = full-scale number / full-scale target size, rate = the source's
  full_scale_rate) and Poisson stimuli (K = sources, rate = the stimulus rate), all at full
  scale. S = 1 changes nothing.
- --no-synapses (the runner's memory baseline): the network as if the TOML had no
  [[projection]] tables, which is what Synaptogen runs for its baseline (the DC
  compensation then makes up for the scaled Poisson input alone, and the neurons fire at
  ~100 Hz), and no SpikeMonitor: Brian2 would keep those spikes in memory (12 B each), where
  Synaptogen streams them to its file. Rates are then null.

Prints one JSON line on stdout (everything else goes to stderr), with the keys and the
measurements of bench/brian2_brunel.py (its docstring says how each time is taken):
construction_s (synapse creation, weight and delay drawing, spike-queue set-up: wall time
inside the binary, plus the numpy time of the multinomial split, python_connect_s),
simulation_s (sum of the profiled code objects of the time-step loop), real_time_factor
(simulation_s per simulated second, warm-up included), compile_s, wall_s, peak_rss_bytes
(of the standalone binary alone), synapses, spikes and synaptic events (spikes x out-degree)
of the whole run, and per-population rates over [--warmup, duration) (a spike of step s
counts when s*dt >= warm-up), in `rates_hz` and as rate_<pop>_hz, plus the pooled
excitatory and inhibitory rates (rate_e_hz, rate_i_hz).

Needs Brian2 (Debian: python3-brian), numpy, g++ and Python >= 3.11 (tomllib). Example:
    /usr/bin/python3 bench/brian2_microcircuit.py --scale 0.1 --threads 2 --build-dir /tmp/b2mc
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time

# This folder: for the shared helpers when run from elsewhere or imported.
BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import brian2_brunel  # noqa: E402  (the Brian2 scripts' options and timers)

DEFAULT_CONFIG = os.path.join(os.path.dirname(BENCH), "examples", "microcircuit.toml")
NEURON_KEYS = ("C_m", "tau_m", "E_L", "V_th", "V_reset", "t_ref", "tau_syn_ex", "tau_syn_in")


def round_even(x: float) -> int:
    """Half to even, as Synaptogen's round_even (std::nearbyint) and NumPy do."""
    return int(round(x))


def _normal(d, where: str) -> dict:
    """A TOML distribution (normal, or a number) as {mean, sd, min, max}."""
    if isinstance(d, (int, float)):
        return {"mean": float(d), "sd": 0.0, "min": -math.inf, "max": math.inf}
    if d.get("distribution") != "normal":
        raise ValueError(f"{where}: expected a normal distribution or a number, not {d!r}")
    return {"mean": float(d["mean"]), "sd": float(d["sd"]), "min": float(d.get("min", -math.inf)),
            "max": float(d.get("max", math.inf))}


def load_network(path: str = DEFAULT_CONFIG, scale: float | None = None, projections: bool = True) -> dict:
    """The microcircuit of the TOML file at `scale` (None: the file's), scaled as Synaptogen does;
    projections=False reads it as if it had no [[projection]] tables.

    Returns {dt, duration, seed, scale, compensate, populations, projections, stimuli}:
    populations: name, size (scaled), full_size, parameters, v0 {mean, sd}, full_scale_rate,
    dc (pA: I_e plus the compensation), excitatory; projections: source, target (indices),
    number (scaled), full_number, weight and delay {mean, sd, min, max} (weights scaled);
    stimuli: target, rate, sources (scaled), weight (scaled). Refuses what it does not mirror.
    """
    import tomllib

    with open(path, "rb") as f:
        spec = tomllib.load(f)
    sim = spec.get("simulation", {})
    scaling = spec.get("scaling", {})
    s = float(scaling.get("scale", 1.0) if scale is None else scale)
    compensate = bool(scaling.get("compensate", True))
    if not 0.0 < s <= 1.0:
        raise ValueError(f"expected a scale in (0, 1], not {s}")

    pops, index = [], {}
    for p in spec["population"]:
        if p.get("model") != "iaf_psc_exp":
            raise ValueError(f"population {p['name']}: only iaf_psc_exp is mirrored, not {p.get('model')}")
        par = p.get("parameters", {})
        missing = [k for k in NEURON_KEYS if k not in par]
        if missing:
            raise ValueError(f"population {p['name']}: parameters {missing} must be written out")
        v0 = _normal(p.get("initial", {}).get("V_m", par["E_L"]), f"population {p['name']} initial V_m")
        index[p["name"]] = len(pops)
        pops.append({"name": p["name"], "full_size": int(p["size"]), "size": int(p["size"]),
                     "parameters": {k: float(par[k]) for k in NEURON_KEYS}, "I_e": float(par.get("I_e", 0.0)),
                     "v0": {"mean": v0["mean"], "sd": v0["sd"]},
                     "full_scale_rate": float(p.get("full_scale_rate", -1.0))})
    projs = []
    for p in spec.get("projection", []) if projections else []:
        where = f"projection {p['source']} -> {p['target']}"
        if p.get("rule") != "fixed_total_number" or not p.get("autapses", True) or not p.get("multapses", True):
            raise ValueError(f"{where}: only fixed_total_number with autapses and multapses is mirrored")
        if p.get("synapse", "static") != "static":
            raise ValueError(f"{where}: only static synapses are mirrored")
        projs.append({"source": index[p["source"]], "target": index[p["target"]], "full_number": int(p["number"]),
                      "number": int(p["number"]), "weight": _normal(p["weight"], where + " weight"),
                      "delay": _normal(p.get("delay", sim.get("dt", 0.1)), where + " delay")})
    stims = []
    for st in spec.get("stimulus", []):
        if st.get("type") != "poisson" or "start" in st or "stop" in st:
            raise ValueError(f"stimulus on {st.get('target')}: only Poisson input over the whole run is mirrored")
        stims.append({"target": index[st["target"]], "rate": float(st["rate"]), "sources": int(st.get("sources", 1)),
                      "weight": float(st["weight"])})
    for pop in pops:
        pop["dc"] = pop["I_e"]

    if s != 1.0:  # models/src/network_spec.cpp apply_scaling(), step by step
        lost = [0.0] * len(pops)

        def charge(target: int, w: float) -> float:  # pA ms per spike (iaf_psc_exp)
            par = pops[target]["parameters"]
            return w * (par["tau_syn_ex"] if w >= 0 else par["tau_syn_in"])

        if compensate:
            for p in projs:
                rate = pops[p["source"]]["full_scale_rate"]
                if rate < 0:
                    raise ValueError(f"population {pops[p['source']]['name']} needs full_scale_rate")
                indegree = float(p["full_number"]) / pops[p["target"]]["full_size"]
                lost[p["target"]] += charge(p["target"], p["weight"]["mean"]) * indegree * rate
            for st in stims:
                lost[st["target"]] += charge(st["target"], st["weight"]) * st["sources"] * st["rate"]
        w_factor = 1.0 / math.sqrt(s)
        for p in projs:
            p["number"] = round_even(p["full_number"] * s * s)
            w = p["weight"]
            w["mean"] *= w_factor
            w["sd"] *= w_factor
            w["min"] = w["min"] * w_factor if w["min"] > -1e299 else w["min"]
            w["max"] = w["max"] * w_factor if w["max"] < 1e299 else w["max"]
        for pop in pops:
            pop["size"] = max(1, round_even(pop["full_size"] * s))
        for st in stims:
            st["sources"] = max(1, round_even(st["sources"] * s))
            st["weight"] *= w_factor
        if compensate:
            for i, pop in enumerate(pops):
                pop["dc"] += 1e-3 * (1.0 - math.sqrt(s)) * lost[i]
    for i, pop in enumerate(pops):
        out = [p["weight"]["mean"] for p in projs if p["source"] == i]
        if any(w >= 0 for w in out) and any(w < 0 for w in out):
            raise ValueError(f"population {pop['name']} has excitatory and inhibitory projections")
        pop["excitatory"] = not out or out[0] >= 0
    return {"dt": float(sim.get("dt", 0.1)), "duration": float(sim.get("duration", 1000.0)),
            "seed": int(sim.get("seed", 1)), "scale": s, "compensate": compensate,
            "populations": pops, "projections": projs, "stimuli": stims}


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default=DEFAULT_CONFIG, help="the network's TOML (default examples/microcircuit.toml)")
    ap.add_argument("--scale", type=float, default=None, help="scale in (0, 1] (default: the file's, 1.0)")
    ap.add_argument("--duration", type=float, default=None, help="simulated ms (default: the file's, 1100)")
    ap.add_argument("--warmup", type=float, default=100.0, help="rates count spikes from this time on, ms (default 100)")
    brian2_brunel.add_standalone_arguments(ap)
    ap.add_argument("--no-synapses", action="store_true",
                    help="memory baseline: the network of the TOML without its [[projection]] tables (the DC "
                         "compensation then makes up for the Poisson input alone) and without the SpikeMonitor")
    return ap.parse_args(argv)


def redraw_passes(d: dict, n: int) -> int:
    """Conditional redraws after the first draw of normal d, so that of n draws fewer than
    1e-3 are expected to remain outside [min, max] (those are then clipped)."""
    if d["sd"] == 0.0:
        return 0
    out = 0.5 * math.erfc((d["mean"] - d["min"]) / d["sd"] / math.sqrt(2)) \
        + 0.5 * math.erfc((d["max"] - d["mean"]) / d["sd"] / math.sqrt(2))
    if out * max(n, 1) < 1e-3:
        return 0
    if out >= 0.5:
        raise ValueError(f"bounds exclude most of {d}")
    return max(0, math.ceil(math.log(1e-3 / max(n, 1)) / math.log(out)) - 1)


def set_normal(syn, var: str, groups: list, unit: str, n: int) -> None:
    """Draws the synaptic variable `var` of every (condition, {mean, sd, min, max}) in groups:
    the first for all synapses, the others where their condition holds; redraws outside the
    bounds (redraw_passes), then clips."""
    for k, (cond, d) in enumerate(groups):
        draw = f"({d['mean']!r} + {d['sd']!r}*randn())*{unit}"
        outside = f"({var} < {d['min']!r}*{unit} or {var} > {d['max']!r}*{unit})"
        if math.isinf(d["min"]):
            outside = f"{var} > {d['max']!r}*{unit}"
        elif math.isinf(d["max"]):
            outside = f"{var} < {d['min']!r}*{unit}"
        if k == 0:
            setattr(syn, var, draw)
        else:
            getattr(syn, var)[cond] = draw
        if math.isinf(d["min"]) and math.isinf(d["max"]):
            continue
        where = outside if k == 0 else f"({cond}) and {outside}"
        for _ in range(redraw_passes(d, n)):
            getattr(syn, var)[where] = draw
        lo = f"-inf*{unit}" if math.isinf(d["min"]) else f"{d['min']!r}*{unit}"
        hi = f"inf*{unit}" if math.isinf(d["max"]) else f"{d['max']!r}*{unit}"
        clip = f"clip({var}, {lo}, {hi})"
        if k == 0:
            setattr(syn, var, clip)
        else:
            getattr(syn, var)[cond] = clip


def main(argv=None) -> int:
    t_start = time.perf_counter()
    args = parse_args(argv)
    net_spec = load_network(args.config, args.scale, projections=not args.no_synapses)
    duration = net_spec["duration"] if args.duration is None else args.duration
    dt = net_spec["dt"]

    import brian2_coba  # noqa: E402  (device set-up, build and RSS)
    import numpy as np

    build_dir = os.path.abspath(args.build_dir or tempfile.mkdtemp(prefix="brian2-microcircuit-"))
    b2 = brian2_coba.standalone_device(build_dir, args.threads, args.seed)
    from brian2 import Hz, ms, mV, pA, pF
    b2.defaultclock.dt = dt * ms

    # Excitatory populations first, then inhibitory: each Synapses object has one source subgroup.
    pops = net_spec["populations"]
    order = [i for i, p in enumerate(pops) if p["excitatory"]] + [i for i, p in enumerate(pops) if not p["excitatory"]]
    first, at = {}, 0
    for i in order:
        first[i] = at
        at += pops[i]["size"]
    n = at
    n_exc = sum(pops[i]["size"] for i in order if pops[i]["excitatory"])

    par = pops[0]["parameters"]
    if any(p["parameters"] != par for p in pops):
        raise ValueError("the populations' neuron parameters differ; this script takes them from the first")
    ns = {"C_m": par["C_m"] * pF, "tau_m": par["tau_m"] * ms, "E_L": par["E_L"] * mV, "V_th": par["V_th"] * mV,
          "V_reset": par["V_reset"] * mV, "tau_syn_ex": par["tau_syn_ex"] * ms, "tau_syn_in": par["tau_syn_in"] * ms,
          "step": dt * ms}
    ref_steps = int(round(par["t_ref"] / dt))  # std::lround in Synaptogen
    counts_vars = "\n".join(f"k_{p['name']} : integer (constant)" for p in pops)
    eqs = f"""dv/dt = (E_L - v)/tau_m + (I_ex + I_in + I_dc)/C_m : volt (unless refractory)
              dI_ex/dt = -I_ex/tau_syn_ex : amp
              dI_in/dt = -I_in/tau_syn_in : amp
              I_dc : amp (constant)
              pop : integer (constant)
              {counts_vars}"""
    neurons = b2.NeuronGroup(n, eqs, threshold="v >= V_th", reset="v = V_reset",
                             refractory=(ref_steps + 1) * dt * ms, method="exact", namespace=ns, name="neurons")
    sub = {i: neurons[first[i]:first[i] + pops[i]["size"]] for i in order}
    objects = [neurons]
    for i in order:
        p = pops[i]
        sub[i].pop = i
        sub[i].v = f"({p['v0']['mean']!r} + {p['v0']['sd']!r}*randn())*mV"
        if p["dc"] != 0.0:
            sub[i].I_dc = p["dc"] * pA
    for st in net_spec["stimuli"]:
        objects.append(b2.PoissonInput(sub[st["target"]], "I_ex" if st["weight"] >= 0 else "I_in", N=st["sources"],
                                       rate=st["rate"] * Hz, weight=st["weight"] * pA))
    # The baseline fires at ~100 Hz without recurrent inhibition: Brian2 would keep those
    # spikes in memory (12 B each) where Synaptogen streams them to its file, so no monitor.
    spikes = None if args.no_synapses else b2.SpikeMonitor(neurons, name="spikes")
    if spikes is not None:
        objects.append(spikes)

    # The multinomial split of each projection's total over its sources (numpy, timed).
    t0 = time.perf_counter()
    out_degree = np.zeros(n, dtype=np.int64)
    projs = [] if args.no_synapses else net_spec["projections"]
    rng = np.random.default_rng(args.seed)
    per_source: dict[tuple[int, int], np.ndarray] = {}
    for p in projs:
        size = pops[p["source"]]["size"]
        counts = rng.multinomial(p["number"], np.full(size, 1.0 / size))
        key = (p["source"], p["target"])
        per_source[key] = per_source.get(key, 0) + counts
        out_degree[first[p["source"]]:first[p["source"]] + size] += counts
    python_connect_s = time.perf_counter() - t0
    for (src, tgt), counts in per_source.items():
        setattr(sub[src], f"k_{pops[tgt]['name']}", counts.astype(np.int32))

    b2.device.insert_code("main", brian2_brunel.TIMER_START)
    synapses = []
    for excitatory, name, current in ((True, "exc", "I_ex"), (False, "inh", "I_in")):
        mine = [p for p in projs if pops[p["source"]]["excitatory"] == excitatory]
        if not mine:
            continue
        lo, hi = (0, n_exc) if excitatory else (n_exc, n)
        syn = b2.Synapses(neurons[lo:hi], neurons, "w : amp (constant)", on_pre=f"{current}_post += w",
                          namespace=ns, name=name)
        for tgt in sorted({p["target"] for p in mine}, key=order.index):
            syn.connect(j=f"{first[tgt]} + int(rand() * {pops[tgt]['size']}) for _ in range(k_{pops[tgt]['name']}_pre)")
        total = sum(p["number"] for p in mine)
        # The most common parameters for all synapses of the object, the others by condition.
        for var, unit in (("w", "pA"), ("delay", "ms")):
            key = "weight" if var == "w" else "delay"
            kinds: dict[tuple, list] = {}
            for p in mine:
                kinds.setdefault(tuple(sorted(p[key].items())), []).append(p)
            ranked = sorted(kinds.values(), key=lambda ps: -sum(p["number"] for p in ps))
            groups = [("True", ranked[0][0][key])]
            for ps in ranked[1:]:
                cond = " or ".join(f"(pop_pre == {p['source']} and pop_post == {p['target']})" for p in ps)
                groups.append((cond, ps[0][key]))
            set_normal(syn, var, groups, unit, total)
        # Whole steps, half up, at least one (Synaptogen's delay_to_steps).
        syn.delay = "clip(floor(delay/step + 0.5), 1, inf)*step"
        synapses.append((syn, total))
        objects.append(syn)

    net = b2.Network(*objects)
    net.run(duration * ms, profile=True, namespace=ns)
    b2.device.insert_code("main", brian2_brunel.TIMER_STOP)
    timing = brian2_coba.build_and_run(b2, build_dir)
    profile = {name: float(t) for name, t in net.profiling_info}  # seconds
    simulation_s = sum(profile.values())

    built = sum(int(syn.N[:]) for syn, _ in synapses)
    expected = sum(total for _, total in synapses)
    if built != expected:
        raise RuntimeError(f"Brian2 built {built} synapses, expected {expected}")

    index = np.asarray(spikes.i[:] if spikes is not None else [], dtype=np.int64)
    step = np.rint(np.asarray(spikes.t_[:] if spikes is not None else []) / (dt * 1e-3)).astype(np.int64)
    steps = int(round(duration / dt))
    warm = min(int(round(args.warmup / dt)), steps)
    window_s = (steps - warm) * dt * 1e-3
    late = index[step >= warm]
    rates, pooled = {}, {True: [0, 0], False: [0, 0]}
    for i in order:
        p = pops[i]
        count = int(np.count_nonzero((late >= first[i]) & (late < first[i] + p["size"])))
        rates[p["name"]] = count / (p["size"] * window_s) if window_s > 0 and spikes is not None else None
        pooled[p["excitatory"]][0] += count
        pooled[p["excitatory"]][1] += p["size"]
    rates = {p["name"]: rates[p["name"]] for p in pops}  # the file's order

    row = {"simulator": "brian2", "brian2": b2.__version__, "n": n, "scale": net_spec["scale"],
           "connectivity": "none" if args.no_synapses else "fixed_total_number", "duration_ms": duration,
           "warmup_ms": warm * dt, "threads": args.threads, "seed": args.seed, "synapses": built,
           "spikes": int(index.size) if spikes is not None else None, "synaptic_events": int(out_degree[index].sum()), "rates_hz": rates,
           **{f"rate_{name}_hz": r for name, r in rates.items()}}
    for pop_kind, key in ((True, "rate_e_hz"), (False, "rate_i_hz")):
        c, size = pooled[pop_kind]
        row[key] = c / (size * window_s) if size and window_s > 0 and spikes is not None else None
    row.update({"construction_s": timing.pop("construct_and_run_s") - simulation_s + python_connect_s,
                "python_connect_s": python_connect_s, "simulation_s": simulation_s,
                "real_time_factor": simulation_s / (duration * 1e-3) if duration > 0 else None, **timing,
                "wall_s": time.perf_counter() - t_start, "dc_pA": {p["name"]: p["dc"] for p in pops},
                "profile_s": profile, "build_dir": build_dir})
    print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
