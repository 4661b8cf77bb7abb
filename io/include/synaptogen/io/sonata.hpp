#pragma once
// SONATA circuits (github.com/AllenInstitute/sonata, docs/sonata.md): import a circuit of
// point neurons and static synapses into a network_spec, load a SONATA simulation, and
// export a network as a circuit plus a TOML file that reproduces the run.
//
// Import maps each node population to one Synaptogen population (one model per
// population; parameters that differ between its node types or nodes become per-neuron
// values), and each edge group of each edge population to one projection
// with an explicit edge list. Anything the circuit says that Synaptogen cannot honour
// (biophysical models, mixed models in one population, receptor ports it cannot map) is an
// input_error naming the file and the key or dataset, never silently dropped.
//
// All HDF5 calls happen on the calling thread (Debian's HDF5 is not thread-safe).
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/graph/synapse_table.hpp>
#include <synaptogen/models/network_spec.hpp>

namespace synaptogen {

// Reads circuit_config.json (or any config with "networks", e.g. a simulation config that
// holds its circuit inline) and appends its populations, models and projections to `spec`.
// spec.simulation.dt must be set: parameters and delays are checked against it. `where`
// is what pointed at the circuit (a TOML key, a JSON key), for messages about the file
// as a whole.
void import_sonata_circuit(const std::string& circuit_config_path, network_spec& spec, const source_location& where);

// Sets the spike trains of the spike_source (virtual) populations of `spec` from a SONATA
// spike file (/spikes/<population>/{timestamps, node_ids}): each such population takes the
// group of its own name; populations without a group fire no spikes. The old layout
// /spikes/{timestamps, gids} is taken when exactly one population is virtual. Spikes from
// node ids outside the population are dropped with one warning.
void read_sonata_input_spikes(const std::string& spike_file, network_spec& spec, const source_location& where);

// Reads simulation_config.json: the run, the circuit ("network" or inline "networks"),
// spike and current-clamp inputs, outputs and membrane reports; or bmtk's top-level
// config.json, {"network": circuit config, "simulation": simulation config}. Keys other
// tools write without effect here are named in one warning (docs/sonata.md).
network_spec load_sonata_simulation(const std::string& simulation_config_path);

// What a SONATA simulation sets up, as `synaptogen validate` lists it.
struct sonata_summary {
    std::string target_simulator;  // as written; "" if none
    struct node_type {
        std::string population;
        std::int64_t id = 0;
        std::size_t nodes = 0;
        std::string model_template, dynamics_params;  // as written ("" if none)
    };
    std::vector<node_type> node_types;
    std::vector<std::string> varied;  // per population: "<population>: <parameters that differ between its nodes>"
    std::vector<std::string> edge_populations;  // "<name>: <source> -> <target>, <n> edges (<synapse model>)"
    std::vector<std::string> inputs, reports;   // one line each
    std::vector<std::string> ignored;           // keys and columns accepted without effect
};
network_spec load_sonata_simulation(const std::string& simulation_config_path, sonata_summary& summary);

// Writes out_dir/circuit_config.json, out_dir/network/ (nodes, node types, edges with
// both index groups, edge types), out_dir/components/point_neuron_models/*.json,
// out_dir/inputs/spikes.h5 (the trains of spike_source populations, if any) and
// out_dir/network.toml, which runs the same simulation. `table` holds the static synapses
// of `spec` (runtime's build_static_synapses); every other synapse model (STDP, gap
// junctions, graded, rate) is built here and written as its own edge population with a
// "synaptogen:<model>" edge type whose dynamics_params (components/synaptic_models/) hold
// the rule's parameters and the projection's name. Throws input_error for population
// names that cannot name files; files appear only once all are written.
void export_sonata(const network_spec& spec, const synapse_table& table, const std::string& out_dir);

}  // namespace synaptogen
