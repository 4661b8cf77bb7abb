#!/usr/bin/env python3
"""Writes a Synaptogen description of the COBA network for the benchmarks.

COBA is the conductance-based balanced network of Vogels & Abbott (2005) as benchmark 1 of
Brette et al. (2007), with the parameters of examples/coba.toml (and of Brian2's benchmark
script, bench/brian2_coba.py): iaf_cond_exp neurons, C_m = 200 pF, g_L = 10 nS,
E_L = V_reset = -60 mV, V_th = -50 mV, t_ref = 5 ms, I_e = 200 pA, E_ex = 0 mV,
E_in = -80 mV, tau_syn_ex = 5 ms, tau_syn_in = 10 ms, V_m(0) uniform in [-60, -50] mV.
N_E = 0.8 N, N_I = 0.2 N; every ordered pair is connected with probability p = K / N, with
K = 80 (so p = 0.02 at N = 4,000 and the in-degree stays 80 at larger N); weights +6 nS
(excitatory) and -67 nS (inhibitory: opens the E_in conductance), delay one time step.

Autapses are allowed in E->E and I->I, unlike examples/coba.toml: Brian2's benchmark
connects each subgroup to the whole group with `connect(p=p)` and no condition, and the two
sides of the benchmark should build the same network.

`synapses=False` keeps the same neurons, drive and recording but connects nothing (p = 0):
the peak memory of such a run is the baseline that per-synapse memory is measured against.
(Without recurrent input every neuron fires regularly at about 53 Hz.)

Usable as a module (network_toml, write_network, with brunel_network's signature) or from
the command line:
    python3 bench/coba_network.py --n 32000 -o coba.toml
Standard library only.
"""
from __future__ import annotations

import argparse
import sys

from brunel_network import population_sizes

# Model constants shared with brian2_coba.py; keep the two in step.
INDEGREE = 80  # expected in-degree K; p = K / N
DT = 0.1  # ms
W_EX = 6.0  # nS: 0.6 g_L
W_IN = -67.0  # nS: 6.7 g_L, negative = inhibitory conductance
NEURON = {"C_m": 200.0, "g_L": 10.0, "E_L": -60.0, "V_th": -50.0, "V_reset": -60.0, "t_ref": 5.0,
          "I_e": 200.0, "E_ex": 0.0, "E_in": -80.0, "tau_syn_ex": 5.0, "tau_syn_in": 10.0}
INITIAL = {"V_m": {"distribution": "uniform", "low": -60.0, "high": -50.0}}

# One rule: fixed probability K / N (the runner's connectivity column says "fixed_p").
CONNECTIVITIES = ("fixed_p",)


def connection_probability(n: int) -> float:
    return min(1.0, INDEGREE / n)


def toml_value(v) -> str:
    """A TOML value: strings quoted, dicts as inline tables, numbers as Python writes them."""
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return f'"{v}"' if isinstance(v, str) else repr(v)


def table(header: str, **fields) -> list[str]:
    """Lines of a TOML table, e.g. table("[simulation]", dt=0.1), and a blank line."""
    return [header] + [f"{k} = {toml_value(v)}" for k, v in fields.items()] + [""]


def network_toml(n: int, connectivity: str = "fixed_p", duration_ms: float = 1000.0, seed: int = 12345,
                 synapses: bool = True) -> str:
    """The TOML text; connectivity is there for brunel_network's signature (only "fixed_p")."""
    n_e, n_i = population_sizes(n)
    if connectivity not in CONNECTIVITIES or min(n_e, n_i) < 1:
        raise ValueError(f"COBA needs connectivity fixed_p and N >= 3, not {connectivity!r} and N = {n}")
    p = connection_probability(n) if synapses else 0.0

    out = [f"# COBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 1), N = {n} ({n_e} E + {n_i} I), "
           + (f"p = {p:g}" if synapses else "no synapses (memory baseline)") + ".",
           "# Written by bench/coba_network.py.", ""]
    out += table("[simulation]", dt=DT, duration=float(duration_ms), seed=int(seed))
    for name, size in (("E", n_e), ("I", n_i)):
        out += table("[[population]]", name=name, size=size, model="iaf_cond_exp", parameters=NEURON,
                     initial=INITIAL)
    # Autapses allowed (the default), as in Brian2's script; delay = dt (the default).
    for source, weight in (("E", W_EX), ("I", W_IN)):
        for target in ("E", "I"):
            out += table("[[projection]]", source=source, target=target, rule="fixed_probability", p=p,
                         weight=weight)
    out += table("[[record]]", spikes="all")
    return "\n".join(out)


def write_network(path: str, n: int, connectivity: str = "fixed_p", duration_ms: float = 1000.0,
                  seed: int = 12345, synapses: bool = True) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(network_toml(n, connectivity, duration_ms, seed, synapses))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=4000, help="number of neurons (default 4000)")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--no-synapses", action="store_true", help="memory baseline: p = 0")
    ap.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    args = ap.parse_args(argv)
    text = network_toml(args.n, "fixed_p", args.duration, args.seed, not args.no_synapses)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        write_network(args.output, args.n, "fixed_p", args.duration, args.seed, not args.no_synapses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
