"""Networks written by bmtk itself (Debian's python3-bmtk): its NetworkBuilder writes the
nodes and edges, its PoissonSpikeGenerator the input spikes, and its create_environment the
configs, exactly as a bmtk user's build script does; then `synaptogen run` runs each config.

The replicas of scripts/sonata_examples follow the layouts of the public examples with our
own h5py writer; here the writer is bmtk's, so what bmtk puts into files (its column
order, dtypes, index groups, edge sorting, config keys and manifests) is what is read.

  /usr/bin/python3 scripts/bmtk_written.py [--exe build/apps/synaptogen] [--out DIR] [--tstop MS]

Networks (small; connectivity and parameters in the style of bmtk's examples):
  point_glifs   bmtk examples/point_450glifs in small: glif_psc cells (LIF_ASC, four receptor
                ports, receptor_type 1-4 in the synapse files) and iaf_psc_alpha cells in one
                population v1, a virtual population lgn with Poisson input, nsyns per edge;
                split configs (config.circuit.json + config.simulation.json)
  point_ei      a NEST-style E/I network of iaf_psc_alpha node types with per-edge syn_weight
                and delay as edge properties; a combined config.json
Exit status: 0 when every network ran, 1 otherwise, 77 when bmtk is not installed.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

try:
    from bmtk.builder import NetworkBuilder
    from bmtk.utils.create_environment import create_environment
    from bmtk.utils.reports.spike_trains import PoissonSpikeGenerator
except ImportError as e:  # pragma: no cover - the environment decides
    print(f"bmtk_written: bmtk is not installed ({e}); apt-get install python3-bmtk", file=sys.stderr)
    sys.exit(77)

ROOT = Path(__file__).resolve().parent.parent
SEED = 11


def environment(base, **kwargs):
    """bmtk's create_environment writes its configs into the working directory."""
    here = os.getcwd()
    os.chdir(base)
    try:
        create_environment("pointnet", base_dir=".", network_dir="network", components_dir="components",
                           output_dir="output", overwrite=True, run_script=False, include_examples=False, **kwargs)
    finally:
        os.chdir(here)


def write_json(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


def n_connections(src, trg, prob=0.1, min_syns=1, max_syns=5):
    """bmtk examples' rule: no autapses, else with probability prob a random nsyns."""
    if src.node_id == trg.node_id:
        return None
    return 0 if np.random.uniform() > prob else np.random.randint(min_syns, max_syns)


GLIF = {  # Allen cell 593618144's LIF_ASC fit, as in point_450glifs (four receptor ports)
    "V_m": -69.4755859375, "V_th": -46.40370561385434, "g": 5.875377136608159, "E_L": -69.4755859375,
    "C_m": 58.60769058316611, "t_ref": 2.6000000000000005, "V_reset": -69.4755859375, "asc_init": [0.0, 0.0],
    "asc_decay": [0.1, 0.3], "asc_amps": [-36.93387266, -65.30848816], "tau_syn": [5.5, 8.5, 2.8, 5.8],
    "spike_dependent_threshold": False, "after_spike_currents": True, "adapting_threshold": False}
IAF_EXC = {"I_e": 0.0, "tau_m": 44.9, "C_m": 239.0, "t_ref": 3.0, "E_L": -78.0, "V_th": -43.0, "V_reset": -55.0}
IAF_INH = {"I_e": 0.0, "tau_m": 22.2, "C_m": 180.0, "t_ref": 3.0, "E_L": -82.0, "V_th": -35.0, "V_reset": -50.0}


def build_point_glifs(base, tstop):
    np.random.seed(SEED)
    comps = base / "components"
    write_json(comps / "point_neuron_models" / "593618144_glif_lif_asc_psc.json", GLIF)
    write_json(comps / "point_neuron_models" / "IntFire1_exc_point.json", IAF_EXC)
    write_json(comps / "point_neuron_models" / "IntFire1_inh_point.json", IAF_INH)
    for name, receptor in {"e2e.json": 1, "e2i.json": 2, "i2e.json": 3, "i2i.json": 4}.items():
        write_json(comps / "synaptic_models" / name, {"receptor_type": receptor})
    write_json(comps / "synaptic_models" / "instantaneousExc.json", {})
    write_json(comps / "synaptic_models" / "LGN_to_GLIF.json", {"receptor_type": 1})

    v1 = NetworkBuilder("v1")
    v1.add_nodes(N=40, model_type="point_process", model_template="nest:glif_psc", model_name="Scnn1a", ei="e",
                 dynamics_params="593618144_glif_lif_asc_psc.json", x=np.random.uniform(0, 100, 40))
    v1.add_nodes(N=10, model_type="point_process", model_template="nest:glif_psc", model_name="PV", ei="i",
                 dynamics_params="593618144_glif_lif_asc_psc.json", x=np.random.uniform(0, 100, 10))
    v1.add_nodes(N=20, model_type="point_process", model_template="nest:iaf_psc_alpha", model_name="LIF_exc", ei="e",
                 dynamics_params="IntFire1_exc_point.json")
    v1.add_nodes(N=10, model_type="point_process", model_template="nest:iaf_psc_alpha", model_name="LIF_inh", ei="i",
                 dynamics_params="IntFire1_inh_point.json")
    glif_e, glif_i = {"model_name": "Scnn1a"}, {"model_name": "PV"}
    lif = {"model_template": "nest:iaf_psc_alpha"}
    for src, trg, w, params in [(glif_e, glif_e, 20.0, "e2e.json"), (glif_e, glif_i, 25.0, "e2i.json"),
                                (glif_i, glif_e, -30.0, "i2e.json"), (glif_i, glif_i, -30.0, "i2i.json")]:
        v1.add_edges(source=src, target=trg, connection_rule=n_connections, syn_weight=w, delay=2.0,
                     dynamics_params=params, model_template="static_synapse")
    for ei, w in [("e", 40.0), ("i", -60.0)]:  # the iaf cells take receptor 0 (no synapse-file port)
        v1.add_edges(source={"ei": ei}, target=lif, connection_rule=n_connections, syn_weight=w, delay=2.0,
                     dynamics_params="instantaneousExc.json", model_template="static_synapse")
    v1.build()
    v1.save_nodes(output_dir=str(base / "network"))
    v1.save_edges(output_dir=str(base / "network"))

    lgn = NetworkBuilder("lgn")
    lgn.add_nodes(N=30, model_type="virtual", ei="e")
    lgn.add_edges(source=lgn.nodes(), target=v1.nodes(model_template="nest:glif_psc"), connection_rule=n_connections,
                  connection_params={"prob": 0.5}, syn_weight=30.0, delay=2.0, dynamics_params="LGN_to_GLIF.json",
                  model_template="static_synapse")
    lgn.add_edges(source=lgn.nodes(), target=v1.nodes(model_template="nest:iaf_psc_alpha"), connection_rule=n_connections,
                  connection_params={"prob": 0.5}, syn_weight=60.0, delay=2.0, dynamics_params="instantaneousExc.json",
                  model_template="static_synapse")
    lgn.build()
    lgn.save_nodes(output_dir=str(base / "network"))
    lgn.save_edges(output_dir=str(base / "network"))

    psg = PoissonSpikeGenerator(population="lgn", seed=SEED)
    psg.add(node_ids=range(30), firing_rate=15.0, times=(0.0, tstop / 1000.0))
    (base / "inputs").mkdir(parents=True, exist_ok=True)
    psg.to_sonata(str(base / "inputs" / "lgn_spikes.h5"))

    environment(base, split_configs=True, tstop=tstop, dt=0.1, spikes_inputs=[("lgn", "inputs/lgn_spikes.h5")],
                report_vars=["V_m"], report_nodes=[0, 45])
    return base / "config.pointnet.json"


def build_point_ei(base, tstop):
    np.random.seed(SEED + 1)
    comps = base / "components"
    write_json(comps / "point_neuron_models" / "exc.json", dict(IAF_EXC, I_e=200.0))
    write_json(comps / "point_neuron_models" / "inh.json", dict(IAF_INH, I_e=120.0))
    write_json(comps / "synaptic_models" / "static.json", {})
    net = NetworkBuilder("internal")
    net.add_nodes(N=80, pop_name="exc", ei="e", model_type="point_process", model_template="nest:iaf_psc_alpha",
                  dynamics_params="exc.json")
    net.add_nodes(N=20, pop_name="inh", ei="i", model_type="point_process", model_template="nest:iaf_psc_alpha",
                  dynamics_params="inh.json")
    for ei, w in [("e", 10.0), ("i", -40.0)]:
        cm = net.add_edges(source={"ei": ei}, target=net.nodes(), connection_rule=n_connections,
                           dynamics_params="static.json", model_template="static_synapse")
        # per-edge properties, as bmtk's examples set weights and delays by rule
        cm.add_properties("syn_weight", rule=lambda s, t, w=w: w * np.random.uniform(0.5, 1.5), dtypes=float)
        cm.add_properties("delay", rule=lambda s, t: np.random.uniform(1.0, 3.0), dtypes=float)
    net.build()
    net.save(output_dir=str(base / "network"))
    environment(base, split_configs=False, tstop=tstop, dt=0.1)
    return base / "config.pointnet.json"


NETWORKS = [("point_glifs", build_point_glifs), ("point_ei", build_point_ei)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--exe", default=str(ROOT / "build" / "apps" / "synaptogen"))
    ap.add_argument("--out", default=str(ROOT / "out" / "bmtk_written"))
    ap.add_argument("--tstop", type=float, default=500.0)
    args = ap.parse_args()
    out = Path(args.out)
    failed = []
    for name, build in NETWORKS:
        base = out / name
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        config = build(base, args.tstop)
        cmd = [args.exe, "run", str(config), "--out", str(base / "synaptogen"), "--no-progress"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        print(f"== {name}: {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
        manifest = base / "synaptogen" / "run.json"
        if proc.returncode != 0 or not manifest.exists():
            failed.append(name)
            continue
        pops = json.loads(manifest.read_text()).get("populations", [])
        spikes = {p["name"]: p.get("spikes", 0) for p in pops if p.get("recorded", True)}
        print(f"   spikes per population: {spikes}")
        if not any(spikes.values()):
            print(f"   {name}: no spikes")
            failed.append(name)
    print("bmtk-written networks: " + ("all ran" if not failed else "FAILED: " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
