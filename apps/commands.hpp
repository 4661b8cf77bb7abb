#pragma once
// The subcommands of the `synaptogen` program; main.cpp parses flags and calls these.
#include <cstdint>
#include <optional>
#include <string>

#include <synaptogen/io/edge_list.hpp>
#include <synaptogen/models/network_spec.hpp>
#include <synaptogen/runtime/simulation.hpp>

namespace synaptogen::app {

struct common_options {
    std::string file;
    std::optional<int> threads;
    std::optional<std::string> backend;
    std::optional<std::uint64_t> seed;
    std::optional<double> duration;  // [ms]
    std::optional<double> scale;     // replaces [scaling].scale
};

struct run_command_options : common_options {
    std::string out_dir = "out";
    delivery_kind delivery = delivery_kind::automatic;
    bool progress = true;
    double checkpoint_every = 0.0;  // [ms] of simulated time; 0: no checkpoints
    std::string checkpoint_file;    // default: <out_dir>/checkpoint.h5
    std::string resume;             // a checkpoint to continue from
};

struct export_options : common_options {
    std::string out_dir;
};

// synaptogen import edgelist (docs/connectomes.md).
struct import_options {
    std::string file, out;
    edge_list_options list;
    std::string model = "iaf_psc_exp";
    std::string population = "cells";
    double weight_scale = 1.0;      // file weight -> synaptic weight (the model's unit)
    double gap_weight_scale = 1.0;  // file weight -> gap-junction conductance [nS]
    double delay = 1.0;             // [ms], chemical synapses
    std::vector<std::string> gap_types = {"electrical", "gap_junction", "gap", "ej"};
    std::string gap_junctions = "average";  // listed, average or max
};

struct inspect_options : common_options {
    bool json = false;
    std::size_t hubs = 10;
};

int run_command(const run_command_options& o);
int inspect_command(const inspect_options& o);
int import_edgelist_command(const import_options& o);
int validate_command(const common_options& o);
int export_sonata_command(const export_options& o);

// Loads the file and applies the command-line overrides (shared by both commands).
network_spec load_with_overrides(const common_options& o);
int thread_count(const network_spec& spec);
std::string human_bytes(double bytes);
std::string version_string();

}  // namespace synaptogen::app
