#!/usr/bin/python3
"""Replicas of the public SONATA point-neuron examples, built here and run with synaptogen.

The original example folders (NEST's pynest/examples/sonata_example/300_pointneurons,
AllenInstitute/sonata examples/300_intfire, bmtk examples/point_120cells and
examples/point_450glifs) cannot be downloaded on the machines this project runs on. This
script writes REPLICAS of them: the same folder layout, file names, CSV columns (space
separated, as bmtk writes them), JSON keys and HDF5 layouts as the originals, with the
configs and CSV tables copied from the originals as published.

What is NOT the original:
  * connectivity is random: it follows each example's build_network.py rule (connection
    probabilities, nsyns, weights, delays), drawn with numpy.random.default_rng(0), not
    the edges of the original .h5 files (those are not available), so edge counts and
    spike counts differ from the originals (e.g. NEST's test asserts 18828 spikes of
    'internal' on the original files: ours cannot be compared to that number);
  * input spike trains are Poisson trains drawn here (same seed), at the rates of the
    examples' create_inputs/generate_spikes scripts where known;
  * node positions are drawn uniformly in the examples' column;
  * a few component files of the originals were not available and are invented
    (marked INVENTED below: 473863510_point.json, iaf_psc_delta_{exc,inh}.json,
    487667205_glif_lif_asc_psc.json, IntFire1_{exc,inh}_point.json, the *.json synapse
    files without receptor_type, thalamus_cortex_edge_types.csv, lgn_node_types.csv of
    point_450glifs, NEST's node_sets.json, which its simulation config names but its
    folder lacks: taken from the AllenInstitute/sonata copy of the example).

A fifth example, bmtk_point_glif_2ports, is our own small variant of point_450glifs whose
glif_psc cells have two receptor ports (tau_syn of length 2; receptor_type 1 for
excitatory, 2 for inhibitory edges), the number of synaptic channels Synaptogen's engine has.

Usage (normally through scripts/sonata_examples):
  scripts/sonata_examples [--only NAME] [--tstop MS] [--keep-going] [--threads N]
Outputs: out/sonata_examples/<name>/ (the replica) and <name>/output (the run), a summary
table on stdout and out/sonata_examples/summary.json. Exits non-zero if an example that is
expected to run does not, or one that is expected to be refused is not refused for the
expected reason.
Needs Debian's /usr/bin/python3 (h5py, numpy).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np

SEED = 0
ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------------------
# writers: files as bmtk / NEST's example files lay them out
# ----------------------------------------------------------------------------------------

def write_json(path, obj):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


def write_text(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def write_csv(path, columns, rows):
    """Space-separated table with a header line, as bmtk writes node/edge type files."""
    lines = [" ".join(columns)]
    for row in rows:
        lines.append(" ".join(str(v) for v in row))
    write_text(path, "\n".join(lines) + "\n")


def _sonata_root(f):
    # bmtk marks its files with these two root attributes
    f.attrs["magic"] = np.uint32(0x0A7A)
    f.attrs["version"] = np.array([0, 1], dtype=np.uint32)


# h5py stores a Python str attribute as a variable-length UTF-8 string, so bmtk's and NEST's
# files carry UTF-8 attributes; --ascii-strings (a diagnostic, to see past a reader that
# cannot read them) writes variable-length ASCII instead.
STRING_CSET = "utf-8"


def vlen_str_attr(obj, name, value):
    obj.attrs.create(name, value, dtype=h5py.string_dtype(STRING_CSET))


def write_nodes(path, pop, node_type_ids, groups):
    """/nodes/<pop>/{node_id, node_type_id, node_group_id, node_group_index, <gid>/...}.

    groups: list of (mask over nodes, {dataset name: values for the masked nodes}).
    """
    node_type_ids = np.asarray(node_type_ids)
    n = len(node_type_ids)
    group_id = np.zeros(n, dtype=np.uint32)
    group_index = np.zeros(n, dtype=np.uint64)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        _sonata_root(f)
        g = f.create_group(f"nodes/{pop}")
        for gid, (mask, datasets) in enumerate(groups):
            mask = np.asarray(mask, dtype=bool)
            group_id[mask] = gid
            group_index[mask] = np.arange(mask.sum(), dtype=np.uint64)
            sub = g.create_group(str(gid))
            for name, values in datasets.items():
                sub.create_dataset(name, data=np.asarray(values))
        g.create_dataset("node_id", data=np.arange(n, dtype=np.uint64))
        g.create_dataset("node_type_id", data=node_type_ids.astype(np.uint64))
        g.create_dataset("node_group_id", data=group_id)
        g.create_dataset("node_group_index", data=group_index)


def _ranges(keys, n_nodes):
    """SONATA index for edges grouped by `keys`: node_id_to_range, range_to_edge_id."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    # a new range where the node changes or the edge ids stop being consecutive
    brk = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        brk[1:] = (k[1:] != k[:-1]) | (order[1:] != order[:-1] + 1)
    starts = np.flatnonzero(brk)
    ends = np.append(starts[1:], len(order))
    range_to_edge = np.stack([order[starts], order[ends - 1] + 1], axis=1).astype(np.uint64)
    range_node = k[starts]
    node_to_range = np.zeros((n_nodes, 2), dtype=np.uint64)
    first = np.searchsorted(range_node, np.arange(n_nodes), side="left")
    last = np.searchsorted(range_node, np.arange(n_nodes), side="right")
    node_to_range[:, 0] = first
    node_to_range[:, 1] = last
    return node_to_range, range_to_edge


def write_edges(path, pop, src_pop, trg_pop, n_src, n_trg, src, trg, edge_type_id,
                group, node_population_attr=True):
    """/edges/<pop>/{source_node_id, target_node_id, edge_type_id, edge_group_id,
    edge_group_index, 0/..., indices/...}; edges sorted by target, then source (bmtk)."""
    src = np.asarray(src, dtype=np.uint64)
    trg = np.asarray(trg, dtype=np.uint64)
    order = np.lexsort((src, trg))
    src, trg = src[order], trg[order]
    edge_type_id = np.asarray(edge_type_id)[order]
    m = len(src)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        _sonata_root(f)
        g = f.create_group(f"edges/{pop}")
        d = g.create_dataset("source_node_id", data=src)
        if node_population_attr:
            vlen_str_attr(d, "node_population", src_pop)
        d = g.create_dataset("target_node_id", data=trg)
        if node_population_attr:
            vlen_str_attr(d, "node_population", trg_pop)
        g.create_dataset("edge_type_id", data=edge_type_id.astype(np.uint32))
        g.create_dataset("edge_group_id", data=np.zeros(m, dtype=np.uint32))
        g.create_dataset("edge_group_index", data=np.arange(m, dtype=np.uint64))
        g0 = g.create_group("0")
        for name, values in group.items():
            g0.create_dataset(name, data=np.asarray(values)[order])
        for name, keys, n in (("source_to_target", src, n_src), ("target_to_source", trg, n_trg)):
            node_to_range, range_to_edge = _ranges(keys.astype(np.int64), n)
            ig = g.create_group(f"indices/{name}")
            ig.create_dataset("node_id_to_range", data=node_to_range)
            ig.create_dataset("range_to_edge_id", data=range_to_edge)
    return m


def poisson_trains(rng, n_nodes, rate_hz, t_start_ms, t_stop_ms, precision=3):
    """Poisson spike trains, as (node_ids, timestamps) sorted by time; times in ms."""
    span = (t_stop_ms - t_start_ms) / 1000.0
    counts = rng.poisson(rate_hz * span, size=n_nodes)
    ids = np.repeat(np.arange(n_nodes, dtype=np.uint64), counts)
    ts = np.round(rng.uniform(t_start_ms, t_stop_ms, size=counts.sum()), precision)
    order = np.lexsort((ids, ts))
    return ids[order], ts[order]


def write_spikes(path, pop, ids, ts):
    """The SONATA spike layout bmtk's SpikeTrains.to_sonata writes."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        g = f.create_group(f"spikes/{pop}")
        vlen_str_attr(g, "sorting", "by_time")
        d = g.create_dataset("timestamps", data=np.asarray(ts, dtype=np.float64))
        vlen_str_attr(d, "units", "ms")
        g.create_dataset("node_ids", data=np.asarray(ids, dtype=np.uint64))


def write_spikes_old(path, ids, ts):
    """The old layout (bmtk's PoissonSpikesGenerator.to_hdf5): /spikes/{gids, timestamps},
    no population group, `sorting` a string attribute of /spikes."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        g = f.create_group("spikes")
        vlen_str_attr(g, "sorting", "time")
        g.create_dataset("gids", data=np.asarray(ids, dtype=np.uint64))
        g.create_dataset("timestamps", data=np.asarray(ts, dtype=np.float64))


def positions_columinar(rng, n, center=(0.0, 10.0, 0.0), max_radius=50.0, height=200.0):
    """bmtk.builder.auxi.node_params.positions_columinar: uniform in a vertical cylinder."""
    phi = 2.0 * np.pi * rng.random(n)
    r = max_radius * np.sqrt(rng.random(n))
    x = center[0] + r * np.cos(phi)
    z = center[2] + r * np.sin(phi)
    y = center[1] + height * (rng.random(n) - 0.5)
    return np.column_stack((x, y, z))


def pairs(rng, sources, targets, p, allow_self=True):
    """Independent Bernoulli(p) per (source, target) pair, as bmtk calls the rule per pair."""
    s, t = np.meshgrid(np.asarray(sources), np.asarray(targets), indexing="xy")
    s, t = s.ravel(), t.ravel()
    keep = rng.random(s.size) < p
    if not allow_self:
        keep &= s != t
    return s[keep], t[keep]


# ----------------------------------------------------------------------------------------
# 1. NEST: pynest/examples/sonata_example/300_pointneurons
# ----------------------------------------------------------------------------------------

def build_nest_300_pointneurons(base, top):
    rng = np.random.default_rng(SEED)
    info = {"notes": []}
    write_json(base / "circuit_config.json", {
        "manifest": {
            "$BASE_DIR": "${configdir}",
            "$NETWORK_DIR": "$BASE_DIR/network",
            "$COMPONENTS_DIR": "$BASE_DIR/components",
        },
        "components": {
            "point_neuron_models_dir": "$COMPONENTS_DIR/cell_models",
            "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models",
        },
        "networks": {
            "nodes": [
                {"nodes_file": "$NETWORK_DIR/internal_nodes.h5",
                 "node_types_file": "$NETWORK_DIR/internal_node_types.csv"},
                {"nodes_file": "$NETWORK_DIR/external_nodes.h5",
                 "node_types_file": "$NETWORK_DIR/external_node_types.csv"},
            ],
            "edges": [
                {"edges_file": "$NETWORK_DIR/internal_internal_edges.h5",
                 "edge_types_file": "$NETWORK_DIR/internal_internal_edge_types.csv",
                 "enabled": True},
                {"edges_file": "$NETWORK_DIR/external_internal_edges.h5",
                 "edge_types_file": "$NETWORK_DIR/external_internal_edge_types.csv"},
            ],
        },
        "target_simulator": "NEST",
    })
    write_json(base / "simulation_config.json", {
        "manifest": {
            "$BASE_DIR": ".",
            "$OUTPUT_DIR": "$BASE_DIR/output",
            "$INPUT_DIR": "$BASE_DIR/inputs",
        },
        "run": {"tstop": 1500.0, "dt": 0.01, "nsteps_block": 5000},
        "target_simulator": "NEST",
        "network": "$BASE_DIR/circuit_config.json",
        "conditions": {"celsius": 34.0, "v_init": -80},
        "node_sets_file": "$BASE_DIR/node_sets.json",
        "inputs": {
            "external_spike_trains": {
                "input_type": "spikes",
                "module": "h5",
                "input_file": "$INPUT_DIR/external_spike_trains.h5",
                "node_set": "external",
            }
        },
        "output": {
            "log_file": "log.txt",
            "output_dir": "$OUTPUT_DIR",
            "spikes_file": "spikes.h5",
            "spikes_sort_order": "time",
        },
        "reports": {
            "membrane_potential": {
                "cells": "recorded_cells",
                "variable_name": "V_m",
                "module": "membrane_report",
                "sections": "multimeter_report",
            }
        },
    })
    # NEST's simulation config names $BASE_DIR/node_sets.json, which NEST's folder lacks
    # (NEST does not read node sets); this is the AllenInstitute/sonata copy's file.
    write_json(base / "node_sets.json", {
        "external": {"population": "external"},
        "recorded_cells": {"population": "internal", "node_id": [0, 80, 160, 240, 270]},
    })
    cm = base / "components" / "cell_models"
    write_json(cm / "472363762_point.json", {"I_e": 0.0, "tau_m": 44.9, "C_m": 239.0, "t_ref": 3.0,
                                             "E_L": -78.0, "V_th": -43.0, "V_reset": -55.0})
    # INVENTED: 473863510_point.json is not in NEST's repository copy available here
    write_json(cm / "473863510_point.json", {"I_e": 0.0, "tau_m": 23.6, "C_m": 155.0, "t_ref": 3.0,
                                             "E_L": -78.0, "V_th": -45.0, "V_reset": -52.0})
    write_json(cm / "473863035_point.json", {"I_e": 0.0, "tau_m": 22.1, "C_m": 117.0, "t_ref": 3.0,
                                             "E_L": -78.0, "V_th": -47.0, "V_reset": -50.0})
    write_json(cm / "472912177_point.json", {"I_e": 0.0, "tau_m": 22.2, "C_m": 180.0, "t_ref": 3.0,
                                             "E_L": -82.0, "V_th": -35.0, "V_reset": -50.0})
    write_json(cm / "473862421_point.json", {"I_e": 0.0, "tau_m": 12.5, "C_m": 78.0, "t_ref": 3.0,
                                             "E_L": -73.0, "V_th": -37.0, "V_reset": -55.0})
    info["notes"].append("473863510_point.json invented (not available)")
    sm = base / "components" / "synaptic_models"
    for name in ("ExcToExc.json", "ExcToInh.json", "InhToExc.json", "InhToInh.json"):
        write_json(sm / name, {})

    net = base / "network"
    # the original's row order
    write_csv(net / "internal_node_types.csv",
              ["node_type_id", "ei", "model_template", "model_type", "dynamics_params", "model_name"],
              [[104, "i", "nest:iaf_psc_alpha", "point_process", "473862421_point.json", "PV2"],
               [100, "e", "nest:iaf_psc_alpha", "point_process", "472363762_point.json", "Scnn1a"],
               [101, "e", "nest:iaf_psc_alpha", "point_process", "473863510_point.json", "Rorb"],
               [102, "e", "nest:iaf_psc_alpha", "point_process", "473863035_point.json", "Nr5a1"],
               [103, "i", "nest:iaf_psc_alpha", "point_process", "472912177_point.json", "PV1"]])
    write_csv(net / "external_node_types.csv", ["node_type_id", "model_type", "ei"], [[100, "virtual", "e"]])
    # build_network.py: 80 cells of each e type, 30 of each i type, in type order
    types = np.repeat([100, 101, 102, 103, 104], [80, 80, 80, 30, 30])
    n_int = len(types)
    pos = np.vstack([positions_columinar(rng, c) for c in (80, 80, 80, 30, 30)])
    write_nodes(net / "internal_nodes.h5", "internal", types, [(
        np.ones(n_int, bool),
        {"x": pos[:, 0], "y": pos[:, 1], "z": pos[:, 2],
         "rotation_angle_yaxis": rng.uniform(0.0, 2 * np.pi, n_int)})])
    n_ext = 100
    write_nodes(net / "external_nodes.h5", "external", np.full(n_ext, 100), [(np.ones(n_ext, bool), {})])

    exc = np.flatnonzero(types <= 102)
    inh = np.flatnonzero(types >= 103)
    # internal edges: e->e p 0.2, e->i, i->e, i->i p 0.5; syn_weight per edge, delay from the CSV
    write_csv(net / "internal_internal_edge_types.csv",
              ["edge_type_id", "target_query", "source_query", "delay", "dynamics_params", "model_template"],
              [[100, "ei=='e'", "ei=='e'", 2.0, "ExcToExc.json", "static_synapse"],
               [101, "ei=='i'", "ei=='e'", 2.0, "ExcToInh.json", "static_synapse"],
               [102, "ei=='e'", "ei=='i'", 2.0, "InhToExc.json", "static_synapse"],
               [103, "ei=='i'", "ei=='i'", 2.0, "InhToInh.json", "static_synapse"]])
    S, T, E, W = [], [], [], []
    for et, srcs, trgs, p, w in ((100, exc, exc, 0.2, 2.5), (101, exc, inh, 0.5, 7.0),
                                 (102, inh, exc, 0.5, -7.5), (103, inh, inh, 0.5, -3.0)):
        s, t = pairs(rng, srcs, trgs, p)
        S.append(s); T.append(t); E.append(np.full(len(s), et)); W.append(np.full(len(s), w))
    n_ii = write_edges(net / "internal_internal_edges.h5", "internal_to_internal", "internal", "internal",
                       n_int, n_int, np.concatenate(S), np.concatenate(T), np.concatenate(E),
                       {"syn_weight": np.concatenate(W).astype(np.float64)})
    # external edges: p 0.7, weight 50 (e targets) / 65 (i targets); NO delay anywhere:
    # NEST takes static_synapse's default delay, 1.0 ms
    write_csv(net / "external_internal_edge_types.csv",
              ["edge_type_id", "target_query", "source_query", "dynamics_params", "model_template"],
              [[100, "ei=='e'", "*", "ExcToExc.json", "static_synapse"],
               [101, "ei=='i'", "*", "ExcToInh.json", "static_synapse"]])
    S, T, E, W = [], [], [], []
    for et, trgs, w in ((100, exc, 50.0), (101, inh, 65.0)):
        s, t = pairs(rng, np.arange(n_ext), trgs, 0.7)
        S.append(s); T.append(t); E.append(np.full(len(s), et)); W.append(np.full(len(s), w))
    n_ei = write_edges(net / "external_internal_edges.h5", "external_to_internal", "external", "internal",
                       n_ext, n_int, np.concatenate(S), np.concatenate(T), np.concatenate(E),
                       {"syn_weight": np.concatenate(W).astype(np.float64)})
    # generate_spikes.py: PoissonSpikesGenerator(range(100), 14.0, tstop=3000.0, precision=3)
    ids, ts = poisson_trains(rng, n_ext, 14.0, 0.0, 3000.0)
    write_spikes(base / "inputs" / "external_spike_trains.h5", "external", ids, ts)
    info["edges"] = {"internal_to_internal": n_ii, "external_to_internal": n_ei}
    info["notes"].append(f"edges {n_ii} + {n_ei} = {n_ii + n_ei} (NEST's original: 48432)")
    info["notes"].append(f"external input: {len(ts)} spikes, 14 Hz x 100 nodes over 3000 ms")
    info["sizes"] = {"internal": n_int, "external": n_ext}
    return info


# ----------------------------------------------------------------------------------------
# 2. AllenInstitute/sonata examples/300_intfire (BioNet, NEURON IntFire1)
# ----------------------------------------------------------------------------------------

def build_sonata_300_intfire(base, top):
    rng = np.random.default_rng(SEED)
    info = {"notes": []}
    shared = top / "shared_components"
    write_json(base / "config.json", {"network": "./circuit_config.json",
                                      "simulation": "./simulation_config.json"})
    write_json(base / "circuit_config.json", {
        "manifest": {"$NETWORK_DIR": "./network", "$COMPONENT_DIR": "../shared_components"},
        "components": {
            "morphologies_dir": "$COMPONENT_DIR/morphologies",
            "synaptic_models_dir": "$COMPONENT_DIR/synaptic_models",
            "mechanisms_dir": "$COMPONENT_DIR/mechanisms",
            "point_neuron_models_dir": "$COMPONENT_DIR/point_neuron_models_dir",
        },
        "networks": {
            "nodes": [
                {"nodes_file": "$NETWORK_DIR/v1_nodes.h5", "node_types_file": "$NETWORK_DIR/v1_node_types.csv"},
                {"nodes_file": "$NETWORK_DIR/lgn_nodes.h5", "node_types_file": "$NETWORK_DIR/lgn_node_types.csv"},
                {"nodes_file": "$NETWORK_DIR/tw_nodes.h5", "node_types_file": "$NETWORK_DIR/tw_node_types.csv"},
            ],
            "edges": [
                {"edges_file": "$NETWORK_DIR/v1_v1_edges.h5", "edge_types_file": "$NETWORK_DIR/v1_v1_edge_types.csv"},
                {"edges_file": "$NETWORK_DIR/lgn_v1_edges.h5", "edge_types_file": "$NETWORK_DIR/lgn_v1_edge_types.csv"},
                {"edges_file": "$NETWORK_DIR/tw_v1_edges.h5", "edge_types_file": "$NETWORK_DIR/tw_v1_edge_types.csv"},
            ],
        },
    })
    write_json(base / "simulation_config.json", {
        "manifest": {"$OUTPUT_DIR": "./output", "$INPUT_DIR": "./inputs",
                     "$COMPONENT_DIR": "../shared_components"},
        "run": {"tstop": 3000.0, "dt": 0.1, "dL": 20.0, "spike_threshold": -15,
                "nsteps_block": 5000, "overwrite_output_dir": True},
        "target_simulator": "NEURON",
        "conditions": {"celsius": 34.0, "v_init": -80},
        "inputs": {
            "LGN_spikes": {"input_type": "spikes", "module": "h5",
                           "input_file": "$INPUT_DIR/lgn_spikes.h5", "node_set": "lgn"},
            "TW_spikes": {"input_type": "spikes", "module": "h5",
                          "input_file": "$INPUT_DIR/tw_spikes.h5", "node_set": "tw"},
            "TW_spikes_old": {"input_type": "spikes", "module": "nwb",
                              "input_file": "$INPUT_DIR/tw_spikes.nwb", "node_set": "tw",
                              "trial": "trial_0", "enabled": False},
        },
        "output": {
            "log_file": "$OUTPUT_DIR/log.txt",
            "output_dir": "$OUTPUT_DIR",
            "spikes_file": "$OUTPUT_DIR/spikes.h5",
            "spikes_file_csv": "$OUTPUT_DIR/spikes.csv",
            "spikes_sort_order": "time",
        },
    })
    write_json(base / "node_sets.json", {"LGN": {"population": "lgn"}, "TW": {"population": "tw"}})
    # shared_components beside the example folder (times in SECONDS: BioNet multiplies by 1000)
    write_json(shared / "point_neuron_models_dir" / "IntFire1_exc_1.json",
               {"tau": 0.024, "type": "NEURON_IntFire1", "refrac": 0.003})
    write_json(shared / "point_neuron_models_dir" / "IntFire1_inh_1.json",
               {"tau": 0.007, "type": "NEURON_IntFire1", "refrac": 0.003})
    write_json(shared / "synaptic_models" / "instanteneousExc.json",
               {"level_of_detail": "instantaneous", "sign": 1})
    write_json(shared / "synaptic_models" / "instanteneousInh.json",
               {"level_of_detail": "instantaneous", "sign": -1})
    (shared / "morphologies").mkdir(parents=True, exist_ok=True)   # named by the config; unused
    (shared / "mechanisms").mkdir(parents=True, exist_ok=True)

    net = base / "network"
    write_csv(net / "v1_node_types.csv",
              ["node_type_id", "ei", "location", "model_template", "model_type", "dynamics_params", "model_name"],
              [[100, "e", "VisL4", "nrn:IntFire1", "point_process", "IntFire1_exc_1.json", "LIF_exc"],
               [101, "i", "VisL4", "nrn:IntFire1", "point_process", "IntFire1_inh_1.json", "LIF_inh"]])
    write_csv(net / "lgn_node_types.csv", ["node_type_id", "model_type", "ei", "location", "model_name"],
              [[100, "virtual", "e", "LGN", "tON"], [101, "virtual", "e", "LGN", "tOFF"],
               [102, "virtual", "e", "LGN", "tONOFF"]])
    write_csv(net / "tw_node_types.csv", ["node_type_id", "model_type", "ei", "location", "model_name"],
              [[100, "virtual", "e", "TW", "TW"]])
    v1_types = np.repeat([100, 101], [240, 60])
    n_v1 = len(v1_types)
    write_nodes(net / "v1_nodes.h5", "v1", v1_types, [(np.ones(n_v1, bool), {})])
    lgn_types = np.repeat([100, 101, 102], 30)
    n_lgn = len(lgn_types)
    lgn_pos = np.column_stack((rng.uniform(0.0, 300.0, n_lgn), rng.uniform(0.0, 100.0, n_lgn)))
    write_nodes(net / "lgn_nodes.h5", "lgn", lgn_types, [(np.ones(n_lgn, bool), {"positions": lgn_pos})])
    n_tw = 30
    write_nodes(net / "tw_nodes.h5", "tw", np.full(n_tw, 100), [(np.ones(n_tw, bool), {})])

    exc = np.flatnonzero(v1_types == 100)
    inh = np.flatnonzero(v1_types == 101)
    edge_cols = ["edge_type_id", "target_query", "source_query", "delay", "weight_function",
                 "syn_weight", "dynamics_params"]
    write_csv(net / "v1_v1_edge_types.csv", edge_cols,
              [[100, "model_type=='point_process'&ei=='i'", "ei=='i'", 2.0, "wmax", 0.01, "instanteneousInh.json"],
               [101, "model_type=='point_process'&ei=='e'", "ei=='i'", 2.0, "wmax", 0.15, "instanteneousInh.json"],
               [102, "pop_name=='LIF_inh'", "ei=='e'", 2.0, "wmax", 0.3, "instanteneousExc.json"],
               [103, "pop_name=='LIF_exc'", "ei=='e'", 2.0, "wmax", 0.002, "instanteneousExc.json"]])
    # recurrent_connections (all_to_one): per target, with probability 0.7 every source
    # of the rule connects with nsyns = 10, else none
    S, T, E = [], [], []
    for et, srcs, trgs in ((100, inh, inh), (101, inh, exc), (102, exc, inh), (103, exc, exc)):
        for t in trgs:
            if rng.random() > 0.3:
                S.append(srcs); T.append(np.full(len(srcs), t)); E.append(np.full(len(srcs), et))
    S, T, E = np.concatenate(S), np.concatenate(T), np.concatenate(E)
    n_vv = write_edges(net / "v1_v1_edges.h5", "v1_to_v1", "v1", "v1", n_v1, n_v1, S, T, E,
                       {"nsyns": np.full(len(S), 10, dtype=np.uint16)})
    write_csv(net / "lgn_v1_edge_types.csv", edge_cols,
              [[100, "pop_name=='LIF_exc'", "*", 2.0, "wmax", 0.0045, "instanteneousExc.json"],
               [101, "pop_name=='LIF_inh'", "*", 2.0, "wmax", 0.0015, "instanteneousExc.json"]])
    # select_source_cells: per target, with probability 0.9 the tON and tOFF cells connect
    # (nsyns 10), else the tONOFF cells
    S, T, E = [], [], []
    on_off = np.flatnonzero(lgn_types != 102)
    onoff = np.flatnonzero(lgn_types == 102)
    for et, trgs in ((100, exc), (101, inh)):
        for t in trgs:
            srcs = on_off if rng.random() > 0.1 else onoff
            S.append(srcs); T.append(np.full(len(srcs), t)); E.append(np.full(len(srcs), et))
    S, T, E = np.concatenate(S), np.concatenate(T), np.concatenate(E)
    n_lv = write_edges(net / "lgn_v1_edges.h5", "lgn_to_v1", "lgn", "v1", n_lgn, n_v1, S, T, E,
                       {"nsyns": np.full(len(S), 10, dtype=np.uint16)})
    write_csv(net / "tw_v1_edge_types.csv", edge_cols,
              [[100, "model_name=='LIF_exc'", "*", 2.0, "wmax", 0.01, "instanteneousExc.json"],
               [101, "model_name=='LIF_inh'", "*", 2.0, "wmax", 0.02, "instanteneousExc.json"]])
    # connection_rule=5: every tw cell onto every v1 cell, nsyns 5
    S, T, E = [], [], []
    for et, trgs in ((100, exc), (101, inh)):
        s, t = np.meshgrid(np.arange(n_tw), trgs)
        S.append(s.ravel()); T.append(t.ravel()); E.append(np.full(s.size, et))
    S, T, E = np.concatenate(S), np.concatenate(T), np.concatenate(E)
    n_tv = write_edges(net / "tw_v1_edges.h5", "tw_to_v1", "tw", "v1", n_tw, n_v1, S, T, E,
                       {"nsyns": np.full(len(S), 5, dtype=np.uint16)})
    # inputs: lgn in the population layout, tw in the OLD layout (/spikes/gids)
    lgn_rate, tw_rate = 15.0, 5.0
    ids, ts = poisson_trains(rng, n_lgn, lgn_rate, 0.0, 3000.0)
    write_spikes(base / "inputs" / "lgn_spikes.h5", "lgn", ids, ts)
    ids2, ts2 = poisson_trains(rng, n_tw, tw_rate, 0.0, 3000.0)
    write_spikes_old(base / "inputs" / "tw_spikes.h5", ids2, ts2)
    info["edges"] = {"v1_to_v1": n_vv, "lgn_to_v1": n_lv, "tw_to_v1": n_tv}
    info["notes"].append(f"edges v1_to_v1 {n_vv}, lgn_to_v1 {n_lv}, tw_to_v1 {n_tv} (nsyns 10/10/5)")
    info["notes"].append(f"inputs: lgn {lgn_rate:g} Hz (population layout), tw {tw_rate:g} Hz "
                         "(old /spikes/gids layout)")
    info["sizes"] = {"v1": n_v1, "lgn": n_lgn, "tw": n_tw}
    return info


# ----------------------------------------------------------------------------------------
# 3. bmtk examples/point_120cells
# ----------------------------------------------------------------------------------------

def _bmtk_120_sim_config(extra):
    cfg = {
        "manifest": {
            "$BASE_DIR": "${configdir}",
            "$NETWORK_DIR": "$BASE_DIR/network",
            "$MODELS_DIR": "$BASE_DIR/../point_components",
            "$OUTPUT_DIR": "$BASE_DIR/output",
            "$INPUT_DIR": "$BASE_DIR/inputs",
        },
        "run": {"tstop": 3000.0, "dt": 0.001, "block_run": False, "block_size": 1000.0},
        "inputs": {
            "thalamus_spikes": {"input_type": "spikes", "module": "sonata",
                                "input_file": "$INPUT_DIR/thalamus_spikes.h5", "node_set": "thalamus"}
        },
        "reports": {
            "membrane_potential": {
                "cells": {"population": "cortex", "node_id": [0, 20, 60, 80, 100]},
                "variable_name": "V_m",
                "module": "multimeter_report",
                "sections": "soma",
            }
        },
        "output": {
            "log_file": "log.txt",
            "spikes_file": "spikes.h5",
            "spikes_file_csv": "spikes.csv",
            "output_dir": "$OUTPUT_DIR",
            "overwrite_output_dir": True,
            "quiet_simulator": True,
        },
        "target_simulator": "NEST",
    }
    cfg.update(extra)
    return cfg


def build_bmtk_point_120cells(base, top):
    rng = np.random.default_rng(SEED)
    info = {"notes": []}
    comps = top / "point_components"
    circuit = {
        "components": {
            "point_neuron_models_dir": "$MODELS_DIR/cell_models",
            "synaptic_models_dir": "$MODELS_DIR/synaptic_models",
        },
        "networks": {
            "nodes": [
                {"nodes_file": "$NETWORK_DIR/cortex_nodes.h5", "node_types_file": "$NETWORK_DIR/cortex_node_types.csv"},
                {"nodes_file": "$NETWORK_DIR/thalamus_nodes.h5", "node_types_file": "$NETWORK_DIR/thalamus_node_types.csv"},
            ],
            "edges": [
                {"edges_file": "$NETWORK_DIR/cortex_cortex_edges.h5",
                 "edge_types_file": "$NETWORK_DIR/cortex_cortex_edge_types.csv"},
                {"edges_file": "$NETWORK_DIR/thalamus_cortex_edges.h5",
                 "edge_types_file": "$NETWORK_DIR/thalamus_cortex_edge_types.csv"},
            ],
        },
    }
    write_json(base / "config.circuit.json", dict(
        {"manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network",
                      "$MODELS_DIR": "$BASE_DIR/../point_components"}}, **circuit))
    write_json(base / "config.simulation.json", _bmtk_120_sim_config({"network": "config.circuit.json"}))
    write_json(base / "config.json", _bmtk_120_sim_config(circuit))

    # INVENTED parameter files (not available): plausible iaf_psc_delta cells
    write_json(comps / "cell_models" / "iaf_psc_delta_exc.json",
               {"V_th": -55.0, "V_reset": -70.0, "E_L": -70.0, "tau_m": 20.0, "C_m": 250.0,
                "t_ref": 2.0, "I_e": 0.0})
    write_json(comps / "cell_models" / "iaf_psc_delta_inh.json",
               {"V_th": -55.0, "V_reset": -70.0, "E_L": -70.0, "tau_m": 10.0, "C_m": 250.0,
                "t_ref": 2.0, "I_e": 0.0})
    for name in ("ExcToExc.json", "ExcToInh.json", "InhToExc.json"):
        write_json(comps / "synaptic_models" / name, {})
    info["notes"].append("iaf_psc_delta_{exc,inh}.json, thalamus_cortex_edge_types.csv invented")

    net = base / "network"
    write_csv(net / "cortex_node_types.csv",
              ["node_type_id", "ei", "dynamics_params", "model_type", "model_template", "pop_name"],
              [[100, "e", "iaf_psc_delta_exc.json", "point_neuron", "nest:iaf_psc_delta", "LIF_exc"],
               [101, "i", "iaf_psc_delta_inh.json", "point_neuron", "nest:iaf_psc_delta", "LIF_inh"]])
    write_csv(net / "thalamus_node_types.csv", ["node_type_id", "ei", "pop_name", "model_type"],
              [[100, "e", "input_network", "virtual"]])
    types = np.repeat([100, 101], [100, 20])
    n_cx = len(types)
    pos = np.vstack([positions_columinar(rng, 100), positions_columinar(rng, 20)])
    write_nodes(net / "cortex_nodes.h5", "cortex", types,
                [(np.ones(n_cx, bool), {"x": pos[:, 0], "y": pos[:, 1], "z": pos[:, 2]})])
    n_th = 100
    write_nodes(net / "thalamus_nodes.h5", "thalamus", np.full(n_th, 100), [(np.ones(n_th, bool), {})])

    exc = np.flatnonzero(types == 100)
    inh = np.flatnonzero(types == 101)
    cols = ["edge_type_id", "target_query", "source_query", "syn_weight", "delay", "dynamics_params",
            "model_template"]
    write_csv(net / "cortex_cortex_edge_types.csv", cols,
              [[100, "*", "ei=='e'", 2.0, 1.5, "ExcToInh.json", "static_synapse"],
               [101, "*", "ei=='i'", -1.5, 1.5, "InhToExc.json", "static_synapse"]])
    # random_connections: p 0.1, no self-connections; nsyns = 1 per edge
    S, T, E = [], [], []
    for et, srcs in ((100, exc), (101, inh)):
        s, t = pairs(rng, srcs, np.arange(n_cx), 0.1, allow_self=False)
        S.append(s); T.append(t); E.append(np.full(len(s), et))
    S, T, E = np.concatenate(S), np.concatenate(T), np.concatenate(E)
    n_cc = write_edges(net / "cortex_cortex_edges.h5", "cortex_to_cortex", "cortex", "cortex", n_cx, n_cx,
                       S, T, E, {"nsyns": np.ones(len(S), dtype=np.uint32)}, node_population_attr=False)
    write_csv(net / "thalamus_cortex_edge_types.csv", cols,
              [[100, "*", "*", 4.2, 1.5, "ExcToExc.json", "static_synapse"]])
    s, t = pairs(rng, np.arange(n_th), np.arange(n_cx), 0.1, allow_self=False)
    n_tc = write_edges(net / "thalamus_cortex_edges.h5", "thalamus_to_cortex", "thalamus", "cortex",
                       n_th, n_cx, s, t, np.full(len(s), 100), {"nsyns": np.ones(len(s), dtype=np.uint32)},
                       node_population_attr=False)
    # create_inputs.py: 10 Hz over (0, 3) s, population thalamus
    ids, ts = poisson_trains(rng, n_th, 10.0, 0.0, 3000.0)
    write_spikes(base / "inputs" / "thalamus_spikes.h5", "thalamus", ids, ts)
    info["edges"] = {"cortex_to_cortex": n_cc, "thalamus_to_cortex": n_tc}
    info["notes"].append(f"edges cortex_to_cortex {n_cc}, thalamus_to_cortex {n_tc} "
                         "(no node_population attributes, as bmtk writes them)")
    info["sizes"] = {"cortex": n_cx, "thalamus": n_th}
    return info


# ----------------------------------------------------------------------------------------
# 4. bmtk examples/point_450glifs, and 5. our two-port variant
# ----------------------------------------------------------------------------------------

GLIF_FILES = {
    "593618144_glif_lif_asc_psc.json": {
        "V_m": -69.4755859375, "V_th": -46.40370561385434, "g": 5.875377136608159,
        "E_L": -69.4755859375, "C_m": 58.60769058316611, "t_ref": 2.6000000000000005,
        "V_reset": -69.4755859375, "asc_init": [0.0, 0.0], "asc_decay": [0.1, 0.3],
        "asc_amps": [-36.93387266, -65.30848816], "tau_syn": [5.5, 8.5, 2.8, 5.8],
        "spike_dependent_threshold": False, "after_spike_currents": True, "adapting_threshold": False},
    "480124551_glif_lif_asc_psc.json": {
        "V_m": -73.30062357584633, "V_th": -37.57837016608795, "g": 6.846284605100222,
        "E_L": -73.30062357584633, "C_m": 52.353697808027725, "t_ref": 3.2,
        "V_reset": -73.30062357584633, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1],
        "asc_amps": [-10.17435274, -119.53883788], "tau_syn": [5.5, 8.5, 2.8, 5.8],
        "spike_dependent_threshold": False, "after_spike_currents": True, "adapting_threshold": False},
    "318808427_glif_lif_asc_psc.json": {
        "V_m": -76.1691640218099, "V_th": -40.8824438029048, "g": 3.93819351064843,
        "E_L": -76.1691640218099, "C_m": 68.14035162092856, "t_ref": 2.4000000000000004,
        "V_reset": -76.1691640218099, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1],
        "asc_amps": [-13.00889622, -200.00774016], "tau_syn": [5.5, 8.5, 2.8, 5.8],
        "spike_dependent_threshold": False, "after_spike_currents": True, "adapting_threshold": False},
    "478958894_glif_lif_asc_psc.json": {
        "V_m": -70.45950889587401, "V_th": -44.23152364988978, "g": 9.195230009748064,
        "E_L": -70.45950889587401, "C_m": 81.21058405283176, "t_ref": 1.5,
        "V_reset": -70.45950889587401, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.3],
        "asc_amps": [-4.08182729, -291.97668209], "tau_syn": [5.5, 8.5, 2.8, 5.8],
        "spike_dependent_threshold": False, "after_spike_currents": True, "adapting_threshold": False},
    # INVENTED (not available): a PV cell in the style of the others
    "487667205_glif_lif_asc_psc.json": {
        "V_m": -78.85, "V_th": -51.68, "g": 9.43, "E_L": -78.85, "C_m": 58.72, "t_ref": 3.75,
        "V_reset": -78.85, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1],
        "asc_amps": [-9.18, -198.94], "tau_syn": [5.5, 8.5, 2.8, 5.8],
        "spike_dependent_threshold": False, "after_spike_currents": True, "adapting_threshold": False},
}
GLIF_TYPES = [  # node_type_id, model_name, ei, dynamics_params, count
    (100, "Scnn1a", "e", "593618144_glif_lif_asc_psc.json", 80),
    (101, "Rorb", "e", "480124551_glif_lif_asc_psc.json", 80),
    (102, "Nr5a1", "e", "318808427_glif_lif_asc_psc.json", 80),
    (103, "PV1", "i", "478958894_glif_lif_asc_psc.json", 30),
    (104, "PV2", "i", "487667205_glif_lif_asc_psc.json", 30),
]


def _n_connections(rng, s, t, prob, min_syns=1, max_syns=5):
    """build_network.py's n_connections per pair: 0 for s == t, else with probability
    `prob` randint(min_syns, max_syns) synapses. Returns (src, trg, nsyns) of nonzero pairs."""
    S, T = np.meshgrid(s, t, indexing="xy")
    S, T = S.ravel(), T.ravel()
    hit = (rng.random(S.size) <= prob) & (S != T)
    nsyns = rng.integers(min_syns, max_syns, size=S.size)
    return S[hit], T[hit], nsyns[hit]


def _glif_sim_config():
    return {
        "manifest": {"$BASE_DIR": ".", "$OUTPUT_DIR": "$BASE_DIR/output", "$INPUT_DIR": "$BASE_DIR/inputs"},
        "target_simulator": "NEST",
        "run": {"tstop": 3000.0, "dt": 0.1},
        "inputs": {
            "LGN_spikes": {"input_type": "spikes", "module": "sonata",
                           "input_file": "$INPUT_DIR/lgn_spikes.h5", "node_set": "lgn"}
        },
        "output": {"log_file": "log.txt", "spikes_file": "spikes.h5", "spikes_file_csv": "spikes.csv",
                   "output_dir": "$OUTPUT_DIR", "overwrite_output_dir": True},
        "network": "config.circuit.json",
    }


def _glif_circuit_config(models_dir):
    return {
        "manifest": {"$BASE_DIR": ".", "$NETWORK_DIR": "$BASE_DIR/network",
                     "$MODELS_DIR": "$BASE_DIR/../" + models_dir},
        "components": {"point_neuron_models_dir": "$MODELS_DIR/cell_models",
                       "synaptic_models_dir": "$MODELS_DIR/synaptic_models"},
        "networks": {
            "nodes": [
                {"nodes_file": "$NETWORK_DIR/v1_nodes.h5", "node_types_file": "$NETWORK_DIR/v1_node_types.csv"},
                {"nodes_file": "$NETWORK_DIR/lgn_nodes.h5", "node_types_file": "$NETWORK_DIR/lgn_node_types.csv"},
            ],
            "edges": [
                {"edges_file": "$NETWORK_DIR/v1_v1_edges.h5", "edge_types_file": "$NETWORK_DIR/v1_v1_edge_types.csv"},
                {"edges_file": "$NETWORK_DIR/lgn_v1_edges.h5", "edge_types_file": "$NETWORK_DIR/lgn_v1_edge_types.csv"},
            ],
        },
    }


def build_bmtk_point_450glifs(base, top, two_ports=False):
    rng = np.random.default_rng(SEED)
    info = {"notes": []}
    models_dir = "point_components_2ports" if two_ports else "point_components"
    comps = top / models_dir
    write_json(base / "config.circuit.json", _glif_circuit_config(models_dir))
    write_json(base / "config.simulation.json", _glif_sim_config())

    glif_types = GLIF_TYPES
    if two_ports:
        glif_types = [(tid, name, ei, dp, n // 2) for tid, name, ei, dp, n in GLIF_TYPES]
    for name, params in GLIF_FILES.items():
        params = dict(params)
        if two_ports:
            params["tau_syn"] = params["tau_syn"][:2]   # port 1 excitatory, port 2 inhibitory
        write_json(comps / "cell_models" / name, params)
    sm = comps / "synaptic_models"
    if two_ports:
        receptors = {"e2e.json": 1, "e2i.json": 1, "i2e.json": 2, "i2i.json": 2, "LGN_to_GLIF.json": 1}
    else:
        receptors = {"e2e.json": 1, "e2i.json": 2, "i2e.json": 3, "i2i.json": 4}
        # INVENTED: the files below are not available; iaf_psc_alpha takes receptor 0 (default)
        write_json(sm / "LGN_to_GLIF.json", {})
        write_json(sm / "instanteneousExc.json", {})
        write_json(sm / "instanteneousInh.json", {})
        write_json(sm / "instantaneousExc.json", {})   # lgn_v1_edge_types.csv spells it so
        # INVENTED: iaf_psc_alpha cells standing in for IntFire1 ('LIF_exc', 'LIF_inh')
        write_json(comps / "cell_models" / "IntFire1_exc_point.json",
                   {"I_e": 0.0, "tau_m": 44.9, "C_m": 239.0, "t_ref": 3.0, "E_L": -78.0,
                    "V_th": -43.0, "V_reset": -55.0})
        write_json(comps / "cell_models" / "IntFire1_inh_point.json",
                   {"I_e": 0.0, "tau_m": 22.2, "C_m": 180.0, "t_ref": 3.0, "E_L": -82.0,
                    "V_th": -35.0, "V_reset": -50.0})
        info["notes"].append("487667205 glif, IntFire1_*_point.json, LGN_to_GLIF.json, instan*.json invented")
    for name, receptor in receptors.items():
        write_json(sm / name, {"receptor_type": receptor})

    net = base / "network"
    rows = [[tid, "point_neuron", "nest:glif_psc", name, ei, dp, "inner"] for tid, name, ei, dp, _ in glif_types]
    counts = [n for *_, n in glif_types]
    tids = [tid for tid, *_ in glif_types]
    if not two_ports:
        rows += [[105, "point_neuron", "nest:iaf_psc_alpha", "LIF_exc", "e", "IntFire1_exc_point.json", "outer"],
                 [106, "point_neuron", "nest:iaf_psc_alpha", "LIF_inh", "i", "IntFire1_inh_point.json", "outer"]]
        counts += [75, 75]
        tids += [105, 106]
    write_csv(net / "v1_node_types.csv",
              ["node_type_id", "model_type", "model_template", "model_name", "ei", "dynamics_params", "placement"],
              rows)
    types = np.repeat(tids, counts)
    n_v1 = len(types)
    inner = types <= 104
    n_inner = int(inner.sum())
    pos = np.vstack([positions_columinar(rng, c) for c in counts])
    groups = [(inner, {"x": pos[inner, 0], "y": pos[inner, 1], "z": pos[inner, 2],
                       "rotation_angle_yaxis": rng.uniform(0, 2 * np.pi, n_inner),
                       "rotation_angle_zaxis": rng.uniform(0, 2 * np.pi, n_inner)})]
    if not two_ports:   # bmtk puts nodes with other property columns into node group 1
        outer = ~inner
        groups.append((outer, {"x": pos[outer, 0], "y": pos[outer, 1], "z": pos[outer, 2]}))
    write_nodes(net / "v1_nodes.h5", "v1", types, groups)
    # INVENTED (not available): as bmtk writes a virtual population's node types
    write_csv(net / "lgn_node_types.csv", ["node_type_id", "model_type", "ei"], [[100, "virtual", "e"]])
    n_lgn = 100
    write_nodes(net / "lgn_nodes.h5", "lgn", np.full(n_lgn, 100), [(np.ones(n_lgn, bool), {})])

    ei = np.array(["e" if t in (100, 101, 102, 105) else "i" for t in types])
    e_all, i_all = np.flatnonzero(ei == "e"), np.flatnonzero(ei == "i")
    e_in, i_in = np.flatnonzero((ei == "e") & inner), np.flatnonzero((ei == "i") & inner)
    outer_ids = np.flatnonzero(~inner)
    cols = ["edge_type_id", "target_query", "source_query", "model_template", "syn_weight", "dynamics_params", "delay"]
    et_rows = [[100, "ei=='e'&placement=='inner'", "ei=='e'", "static_synapse", 2.5, "e2e.json", 2.0],
               [101, "ei=='i'&placement=='inner'", "ei=='e'", "static_synapse", 5.0, "e2i.json", 2.0],
               [102, "ei=='e'&placement=='inner'", "ei=='i'", "static_synapse", -6.5, "i2e.json", 2.0],
               [103, "ei=='i'&placement=='inner'", "ei=='i'", "static_synapse", -3.0, "i2i.json", 2.0]]
    rules = [(100, e_all, e_in, 0.2), (101, e_all, i_in, 0.1), (102, i_all, e_in, 0.1), (103, i_all, i_in, 0.2)]
    if not two_ports:
        et_rows += [[104, "placement=='outer'", "ei=='e'", "static_synapse", 3.0, "instanteneousExc.json", 2.0],
                    [105, "placement=='outer'", "ei=='i'", "static_synapse", -4.0, "instanteneousInh.json", 2.0]]
        rules += [(104, e_all, outer_ids, 0.1), (105, i_all, outer_ids, 0.1)]
    write_csv(net / "v1_v1_edge_types.csv", cols, et_rows)
    S, T, E, N = [], [], [], []
    for et, srcs, trgs, p in rules:
        s, t, ns = _n_connections(rng, srcs, trgs, p)
        S.append(s); T.append(t); E.append(np.full(len(s), et)); N.append(ns)
    n_vv = write_edges(net / "v1_v1_edges.h5", "v1_to_v1", "v1", "v1", n_v1, n_v1,
                       np.concatenate(S), np.concatenate(T), np.concatenate(E),
                       {"nsyns": np.concatenate(N).astype(np.uint32)}, node_population_attr=False)
    lgn_rows = [[100, "ei=='e'&placement=='inner'", "*", "static_synapse", 11.0, "LGN_to_GLIF.json", 2.0],
                [101, "ei=='i'&placement=='inner'", "*", "static_synapse", 14.0, "LGN_to_GLIF.json", 2.0]]
    lgn_rules = [(100, e_in), (101, i_in)]
    if not two_ports:
        lgn_rows.append([102, "placement=='outer'", "*", "static_synapse", 13.0, "instantaneousExc.json", 2.0])
        lgn_rules.append((102, outer_ids))
    write_csv(net / "lgn_v1_edge_types.csv", cols, lgn_rows)
    # connection_rule=lambda *_: np.random.randint(0, 5): 0..4 synapses per pair, 0 = no edge
    S, T, E, N = [], [], [], []
    for et, trgs in lgn_rules:
        s, t = np.meshgrid(np.arange(n_lgn), trgs, indexing="xy")
        ns = rng.integers(0, 5, size=s.size)
        hit = ns > 0
        S.append(s.ravel()[hit]); T.append(t.ravel()[hit]); E.append(np.full(hit.sum(), et)); N.append(ns[hit])
    n_lv = write_edges(net / "lgn_v1_edges.h5", "lgn_to_v1", "lgn", "v1", n_lgn, n_v1,
                       np.concatenate(S), np.concatenate(T), np.concatenate(E),
                       {"nsyns": np.concatenate(N).astype(np.uint32)}, node_population_attr=False)
    ids, ts = poisson_trains(rng, n_lgn, 10.0, 0.0, 3000.0)
    write_spikes(base / "inputs" / "lgn_spikes.h5", "lgn", ids, ts)
    info["edges"] = {"v1_to_v1": n_vv, "lgn_to_v1": n_lv}
    info["notes"].append(f"edges v1_to_v1 {n_vv}, lgn_to_v1 {n_lv} (nsyns 1..4); lgn input 10 Hz")
    info["sizes"] = {"v1": n_v1, "lgn": n_lgn}
    return info


def build_bmtk_point_glif_2ports(base, top):
    return build_bmtk_point_450glifs(base, top, two_ports=True)


# ----------------------------------------------------------------------------------------
# running
# ----------------------------------------------------------------------------------------

EXAMPLES = [
    # name, builder, config to run, expectation ("run" or "refused"), what a refusal must name
    ("nest_300_pointneurons", build_nest_300_pointneurons, "simulation_config.json", "run", None),
    ("sonata_300_intfire", build_sonata_300_intfire, "config.json", "run", None),
    ("bmtk_point_120cells", build_bmtk_point_120cells, "config.simulation.json", "run", None),
    ("bmtk_point_450glifs", build_bmtk_point_450glifs, "config.simulation.json", "run", None),
    ("bmtk_point_glif_2ports", build_bmtk_point_glif_2ports, "config.simulation.json", "run", None),
]


def error_line(stderr, stdout):
    lines = [l.strip() for l in (stderr + "\n" + stdout).splitlines() if l.strip()]
    errs = [l for l in lines if "[error]" in l or "error" in l.lower()]
    if errs:
        return errs[-1]
    return lines[-1] if lines else "(no output)"


ABSOLUTE_PATHS = False


def rel(path):
    """A path as a user at the repository root types it (relative when inside it)."""
    path = Path(path)
    if ABSOLUTE_PATHS:
        return str(path)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def run_example(exe, cfg, out, args):
    # run from the repository root with relative paths, as the command is typed by hand
    cmd = [rel(exe), "run", rel(cfg), "--out", rel(out), "--no-progress", "--threads", str(args.threads)]
    if args.tstop is not None:
        cmd += ["--duration", repr(float(args.tstop))]
    for attempt in range(4):
        if not Path(exe).exists():
            proc, wall = None, 0.0
            msg = f"{exe} not found"
        else:
            t0 = time.monotonic()
            try:
                proc = subprocess.run([str(exe)] + cmd[1:], capture_output=True, text=True, cwd=ROOT)
                msg = None
            except OSError as e:   # e.g. 'Text file busy' while the binary is relinked
                proc, msg = None, f"{exe}: {e}"
            wall = time.monotonic() - t0
        if proc is not None and proc.returncode not in (126, 127):
            return cmd, proc, wall
        if attempt < 3:
            print(f"  [{msg or 'binary failed to start'}; waiting 60 s for the relink]", flush=True)
            time.sleep(60)
    return cmd, proc, wall if proc is not None else 0.0


def summarize_run(out_dir, info, duration_ms):
    """Spikes and mean rate per non-virtual population: run.json, else spikes.h5."""
    pops = []
    manifest = out_dir / "run.json"
    if manifest.exists():
        m = json.loads(manifest.read_text())
        for p in m.get("populations", []):
            if p.get("recorded", True):
                pops.append((p["name"], p.get("size"), p.get("spikes"), p.get("rate_hz")))
        if pops:
            return pops
    spikes = out_dir / "spikes.h5"
    if spikes.exists():
        with h5py.File(spikes, "r") as f:
            for name in f.get("spikes", {}):
                n = len(f[f"spikes/{name}/timestamps"])
                size = info.get("sizes", {}).get(name)
                rate = n / (size * duration_ms / 1000.0) if size and duration_ms else None
                pops.append((name, size, n, rate))
    return pops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this example (repeatable; comma lists too)")
    ap.add_argument("--tstop", type=float, metavar="MS",
                    help="simulate MS ms instead of the config's tstop (passed as --duration)")
    ap.add_argument("--keep-going", action="store_true",
                    help="go on after an example fails (the exit status still says so)")
    ap.add_argument("--threads", type=int, default=1, help="threads per run (default 1)")
    ap.add_argument("--out", default="out/sonata_examples", help="output folder (default out/sonata_examples)")
    ap.add_argument("--exe", default=os.environ.get("SYNAPTOGEN_EXE",
                                                    str(Path(os.environ.get("SYNAPTOGEN_BUILD_DIR", ROOT / "build"))
                                                        / "apps" / "synaptogen")))
    ap.add_argument("--build-only", action="store_true", help="write the replicas, run nothing")
    ap.add_argument("--ascii-strings", action="store_true",
                    help="diagnostic: write string attributes as ASCII, not UTF-8 as h5py (bmtk) does")
    ap.add_argument("--absolute-paths", action="store_true",
                    help="diagnostic: give synaptogen absolute config/output paths (default: relative to the repository root)")
    args = ap.parse_args()
    ap_abs = args.absolute_paths
    global STRING_CSET, ABSOLUTE_PATHS
    if args.ascii_strings:
        STRING_CSET = "ascii"
    ABSOLUTE_PATHS = ap_abs

    names = [e[0] for e in EXAMPLES]
    selected = names
    if args.only:
        selected = [n for o in args.only for n in o.split(",") if n]
        unknown = [n for n in selected if n not in names]
        if unknown:
            ap.error(f"unknown example(s) {', '.join(unknown)}; known: {', '.join(names)}")

    top = Path(args.out)
    if not top.is_absolute():
        top = ROOT / top
    top.mkdir(parents=True, exist_ok=True)
    exe = Path(args.exe)
    results = []
    failed = False
    for name, builder, config, expect, must_name in EXAMPLES:
        if name not in selected:
            continue
        base = top / name
        if base.exists():
            shutil.rmtree(base)
        base.mkdir(parents=True)
        print(f"== {name}: building replica in {rel(base)}", flush=True)
        info = builder(base, top)
        for note in info["notes"]:
            print(f"   {note}")
        row = {"example": name, "expect": expect, "config": rel(base / config), "notes": info["notes"]}
        if args.build_only:
            row.update(status="built", ok=True)
            results.append(row)
            continue
        out_dir = base / "output"
        cmd, proc, wall = run_example(exe, base / config, out_dir, args)
        print("   $ " + " ".join(str(c) for c in cmd), flush=True)
        row["wall_s"] = wall
        tstop = json.loads((base / config).read_text()).get("run", {}).get("tstop")
        duration = args.tstop if args.tstop is not None else tstop
        if proc is not None:   # synaptogen's log (warnings name what was ignored)
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / "synaptogen.log").write_text(proc.stdout + proc.stderr)
            row["warnings"] = [l for l in proc.stderr.splitlines() if l.startswith("[warn")]
        if proc is None:
            row.update(status="no binary", error=f"{exe} could not be started", ok=False)
        elif proc.returncode == 0:
            pops = summarize_run(out_dir, info, duration)
            row.update(status="ran", populations=pops, rc=0)
            row["ok"] = expect == "run"
            if expect != "run":
                row["status"] = "ran (expected: refused)"
                row["ok"] = True   # not a failure of the run, but worth a look
        else:
            err = error_line(proc.stderr, proc.stdout)
            row.update(rc=proc.returncode, error=err)
            crashed = proc.returncode < 0 or proc.returncode > 128
            if expect == "refused":
                named = must_name is None or any(w in err for w in must_name)
                row["status"] = "refused (expected)" if named and not crashed else "refused, other reason"
                row["ok"] = named and not crashed
            else:
                row["status"] = "crashed" if crashed else "FAILED"
                row["ok"] = False
        print(f"   -> {row['status']}" + (f": {row['error']}" if "error" in row else ""), flush=True)
        results.append(row)
        if not row["ok"]:
            failed = True
            if not args.keep_going:
                print("   (stopping; --keep-going runs the rest)")
                break

    # the summary table
    print()
    dur = f"{args.tstop:g} ms (--tstop)" if args.tstop is not None else "each config's tstop"
    print(f"SONATA example replicas: simulated {dur}, {args.threads} thread(s), {exe}"
          + (" [--ascii-strings: NOT h5py's UTF-8 attributes]" if args.ascii_strings else "")
          + (" [--absolute-paths]" if args.absolute_paths else ""))
    hdr = f"{'example':<24} {'expect':<8} {'result':<22} {'population':<10} {'neurons':>7} {'spikes':>8} " \
          f"{'rate_Hz':>8} {'wall_s':>7}"
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        wall = f"{r['wall_s']:.2f}" if "wall_s" in r else ""
        pops = r.get("populations") or [("-", None, None, None)]
        for i, (pop, size, spikes, rate) in enumerate(pops):
            first = i == 0
            print(f"{r['example'] if first else '':<24} {r['expect'] if first else '':<8} "
                  f"{r['status'] if first else '':<22} {pop:<10} {'' if size is None else size:>7} "
                  f"{'' if spikes is None else spikes:>8} {'' if rate is None else f'{rate:.2f}':>8} "
                  f"{wall if first else '':>7}")
        if "error" in r:
            print(f"{'':<24} error: {r['error']}")
    (top / "summary.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
