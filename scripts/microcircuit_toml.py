#!/usr/bin/env python3
"""Writes examples/microcircuit.toml: the Potjans & Diesmann (2014) cortical microcircuit
with the parameters of NEST's Potjans_2014 example (network_params.py, helpers.py).
Synapse numbers follow NEST: K = log(1 - p) / log(1 - 1/(N_pre N_post)), rounded.

  scripts/microcircuit_toml.py > examples/microcircuit.toml
"""
import math

pops = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
# Connection probabilities, row = target, column = source.
P = [[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
     [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
     [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
     [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
     [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
     [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
     [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
     [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443]]
K_ext = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
V0_mean = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
V0_sd = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
full_rates = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]
w = 87.81  # pA: a 0.15 mV PSP

print("""# The cortical microcircuit of Potjans & Diesmann (2014): 77,169 neurons in 8 populations
# (layers 2/3, 4, 5, 6; excitatory and inhibitory), about 3e8 synapses at full scale.
#
#   T. C. Potjans & M. Diesmann, Cereb. Cortex 24, 785-806 (2014).
#
# Parameters as in NEST's Potjans_2014 example (network_params.py, sim_params.py, helpers.py):
# iaf_psc_exp neurons; per projection a fixed total number of synapses
# K = log(1 - p) / log(1 - 1/(N_pre N_post)) (autapses and multapses allowed); weights normal
# with mean 87.81 pA (a 0.15 mV PSP) and relative sd 0.1, L4E -> L23E doubled, inhibitory x -4;
# delays normal, 1.5 ms (excitatory) / 0.75 ms (inhibitory) with relative sd 0.5, at least
# 0.05 ms; background Poisson input at 8 Hz from K_ext sources per neuron; initial V normal
# per population (NEST's "optimized" V0). Written by scripts/microcircuit_toml.py.
#
# Scale knob: [scaling] scale (or --scale on the command line) shrinks populations and
# in-degrees together, divides weights by sqrt(scale) and adds the DC current that replaces
# the lost mean input (van Albada et al. 2015; NEST's adjust_weights_and_input_to_synapse_scaling),
# using each population's full-scale rate.
#
# Run it:   synaptogen run examples/microcircuit.toml --scale 0.1 --out out/microcircuit
#           (full scale needs about 6 GiB while building and 2.5 GiB while simulating)
# Expected: rates after the first 100 ms (Hz): L23E 0.9, L23I 3.0, L4E 4.4, L4I 5.9, L5E 7.6,
#           L5I 8.6, L6E 1.1, L6I 7.8 at full scale (NEST and Brian2 agree to 1 %);
#           at scale 0.1: 0.4, 2.0, 3.9, 5.0, 6.2-6.6, 7.8, 0.8, 7.0.

[simulation]
dt = 0.1
duration = 1100.0   # 100 ms warm-up + 1 s
seed = 55

[scaling]
scale = 1.0
compensate = true
""")
for i, name in enumerate(pops):
    print(f"""[[population]]
name = "{name}"
size = {N[i]}
model = "iaf_psc_exp"
parameters = {{ C_m = 250.0, tau_m = 10.0, E_L = -65.0, V_th = -50.0, V_reset = -65.0, t_ref = 2.0, tau_syn_ex = 0.5, tau_syn_in = 0.5 }}
initial = {{ V_m = {{ distribution = "normal", mean = {V0_mean[i]}, sd = {V0_sd[i]} }} }}
full_scale_rate = {full_rates[i]}
""")
for t in range(8):
    for s in range(8):
        p = P[t][s]
        if p == 0.0:
            continue
        prod = N[s] * N[t]
        K = round(math.log(1.0 - p) / math.log((prod - 1.0) / prod))
        exc = pops[s].endswith("E")
        mean = w * (2.0 if (s == 2 and t == 0) else 1.0) * (1.0 if exc else -4.0)
        sd = abs(mean) * 0.1
        bound = "min = 0.0" if exc else "max = 0.0"
        d = 1.5 if exc else 0.75
        print(f"""[[projection]]   # p = {p}
source = "{pops[s]}"
target = "{pops[t]}"
rule = "fixed_total_number"
number = {K}
weight = {{ distribution = "normal", mean = {mean:.2f}, sd = {sd:.3f}, {bound} }}
delay = {{ distribution = "normal", mean = {d}, sd = {d / 2}, min = 0.05 }}
""")
for i, name in enumerate(pops):
    print(f"""[[stimulus]]
type = "poisson"
target = "{name}"
rate = 8.0
sources = {K_ext[i]}
weight = {w}
""")
print("""[[record]]
spikes = "all"
""")
