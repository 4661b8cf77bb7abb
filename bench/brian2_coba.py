#!/usr/bin/python3
"""COBA (Vogels & Abbott 2005; Brette et al. 2007 benchmark 1) in Brian2, mirroring
examples/coba.toml: same neurons, connectivity rule, weights and drive; forward Euler as in
Brian2's own benchmark. Prints rates per population as JSON.

  bench/brian2_coba.py --n 4000 --seed 1 [--standalone DIR] [--threads 2]
"""
import argparse
import json
import time

from brian2 import (NeuronGroup, Synapses, SpikeMonitor, Network, defaultclock, device, prefs, seed as b2seed,
                    set_device, ms, mV, nS, pF)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=1000.0)
    ap.add_argument("--standalone", default="")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if a.standalone:
        set_device("cpp_standalone", directory=a.standalone, build_on_run=False)
        prefs.devices.cpp_standalone.openmp_threads = a.threads
    else:
        prefs.codegen.target = "numpy"
    b2seed(a.seed)
    defaultclock.dt = 0.1 * ms
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El, Ee, Ei = -50 * mV, -60 * mV, -60 * mV, 0 * mV, -80 * mV
    eqs = """dv/dt = (ge*(Ee-v) + gi*(Ei-v) - (v-El) + 20*mV)/taum : volt (unless refractory)
             dge/dt = -ge/taue : 1
             dgi/dt = -gi/taui : 1"""
    t0 = time.time()
    P = NeuronGroup(a.n, eqs, threshold="v>Vt", reset="v=Vr", refractory=5 * ms, method="euler")
    P.v = "Vr + rand()*(Vt-Vr)"
    ne = a.n * 4 // 5
    Pe, Pi = P[:ne], P[ne:]
    p = 80.0 / a.n
    Ce = Synapses(Pe, P, on_pre="ge += 0.6")
    Ci = Synapses(Pi, P, on_pre="gi += 6.7")
    Ce.connect(p=p)
    Ci.connect(p=p)
    me, mi = SpikeMonitor(Pe), SpikeMonitor(Pi)
    net = Network(P, Ce, Ci, me, mi)
    net.run(a.duration * ms)
    if a.standalone:
        device.build(directory=a.standalone, compile=True, run=True)
    out = {"n": a.n, "seed": a.seed, "synapses": int(len(Ce) + len(Ci)),
           "rate_E_hz": me.num_spikes / ne / (a.duration / 1000.0),
           "rate_I_hz": mi.num_spikes / (a.n - ne) / (a.duration / 1000.0), "wall_s": time.time() - t0}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
