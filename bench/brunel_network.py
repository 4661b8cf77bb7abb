#!/usr/bin/env python3
"""Writes a Synaptogen description of Brunel (2000) model A for the benchmarks.

The network is the one of examples/brunel.toml (g = 5, eta = 2, J = 0.1 mV, D = 1.5 ms),
scaled to N neurons (N_E = 0.8 N, N_I = 0.2 N) with one of two connectivities:

  fixed_p  every ordered pair is connected with probability 0.1 (no autapses in E->E and
           I->I), so in-degrees grow with N;
  fixed_k  every neuron receives exactly C_E = 1000 excitatory and C_I = 250 inhibitory
           inputs (sources uniform, multapses allowed, no autapses), so the work per
           neuron stays constant as N grows.

`synapses=False` keeps the same neurons, stimuli and recording but connects nothing
(p = 0 / indegree = 0): the peak memory of such a run is the baseline that per-synapse
memory is measured against. `record=False` records no spikes (for the cost of recording).

Usable as a module (network_toml, write_network) or from the command line:
    python3 bench/brunel_network.py --n 12500 --connectivity fixed_p -o brunel.toml
Standard library only.
"""
from __future__ import annotations

import argparse
import sys

# Model constants shared with brian2_brunel.py; keep the two in step.
EPSILON = 0.1  # connection probability (fixed_p)
C_E = 1000  # excitatory in-degree (fixed_k) and number of external Poisson sources
C_I = 250  # inhibitory in-degree (fixed_k)
J = 0.1  # mV, PSP amplitude
G = 5.0  # relative strength of inhibition
DELAY = 1.5  # ms
NU_EXT = 20.0  # Hz per external source: eta * nu_thr = 2 * theta / (J C_E tau_m)
DT = 0.1  # ms
NEURON = "{ tau_m = 20.0, C_m = 250.0, E_L = 0.0, V_th = 20.0, V_reset = 10.0, t_ref = 2.0 }"

CONNECTIVITIES = ("fixed_p", "fixed_k")


def population_sizes(n: int) -> tuple[int, int]:
    """(N_E, N_I) with N_E = round(0.8 N); brian2_brunel.py uses the same split."""
    n_e = int(round(0.8 * n))
    return n_e, n - n_e


def network_toml(n: int, connectivity: str, duration_ms: float = 1000.0, seed: int = 12345,
                 synapses: bool = True, record: bool = True) -> str:
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, not {connectivity!r}")
    n_e, n_i = population_sizes(n)
    if n_e < 1 or n_i < 1:
        raise ValueError(f"N = {n} is too small for two populations")

    out = [
        f"# Brunel (2000) model A, N = {n} ({n_e} E + {n_i} I), {connectivity}"
        + ("" if synapses else ", no synapses (memory baseline)") + ".",
        "# Written by bench/brunel_network.py.",
        "",
        "[simulation]",
        f"dt = {DT}",
        f"duration = {float(duration_ms)}",
        f"seed = {int(seed)}",
        "",
    ]
    for name, size in (("E", n_e), ("I", n_i)):
        out += ["[[population]]", f'name = "{name}"', f"size = {size}", 'model = "iaf_psc_delta"',
                f"parameters = {NEURON}", ""]

    weights = {"E": J, "I": -G * J}
    indegrees = {"E": C_E, "I": C_I}
    for source in ("E", "I"):
        for target in ("E", "I"):
            out += ["[[projection]]", f'source = "{source}"', f'target = "{target}"']
            if connectivity == "fixed_p":
                out += ['rule = "fixed_probability"', f"p = {EPSILON if synapses else 0.0}"]
            else:
                out += ['rule = "fixed_indegree"', f"indegree = {indegrees[source] if synapses else 0}"]
            out += [f"weight = {weights[source]}", f"delay = {DELAY}"]
            if source == target:
                out.append("autapses = false")
            out.append("")

    for target in ("E", "I"):
        out += ["[[stimulus]]", 'type = "poisson"', f'target = "{target}"', f"rate = {NU_EXT}",
                f"sources = {C_E}", f"weight = {J}", ""]

    if record:
        out += ["[[record]]", 'spikes = "all"', ""]
    return "\n".join(out)


def write_network(path: str, n: int, connectivity: str, duration_ms: float = 1000.0, seed: int = 12345,
                  synapses: bool = True, record: bool = True) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(network_toml(n, connectivity, duration_ms, seed, synapses, record))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=12500, help="number of neurons (default 12500)")
    ap.add_argument("--connectivity", choices=CONNECTIVITIES, default="fixed_p")
    ap.add_argument("--duration", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--no-synapses", action="store_true", help="memory baseline: p = 0 / indegree = 0")
    ap.add_argument("--no-record", action="store_true", help="record no spikes (the cost of recording)")
    ap.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    args = ap.parse_args(argv)
    text = network_toml(args.n, args.connectivity, args.duration, args.seed, not args.no_synapses,
                        not args.no_record)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
