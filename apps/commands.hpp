#pragma once
// The subcommands of the `synaptogen` program; main.cpp parses flags and calls these.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <synaptogen/io/sonata.hpp>
#include <synaptogen/io/connectome.hpp>
#include <synaptogen/io/edge_list.hpp>
#include <synaptogen/io/graphml.hpp>
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
    // The network is split over the ranks of an mpirun (synaptogen run): each holds about
    // 1/ranks of the synapses, so the memory check asks that of each.
    bool split_over_ranks = false;
};

struct run_command_options : common_options {
    std::string out_dir = "out";
    delivery_kind delivery = delivery_kind::automatic;
    thread_use width = thread_use::adaptive;
    bool progress = true;
    double checkpoint_every = 0.0;  // [ms] of simulated time; 0: no checkpoints
    std::string checkpoint_file;    // default: <out_dir>/checkpoint.h5
    std::string resume;             // a checkpoint to continue from
    std::vector<std::string> rank_backends;  // distributed: rank r runs entry r % size
    rank_partition partition = rank_partition::balanced;
};

// Under mpirun: throws (on rank 0, the others wait for its abort) unless every rank read the
// same description, seed, duration, program version and `options` (a command's own).
void check_ranks_agree(const network_spec& spec, const std::string& options);

struct export_options : common_options {
    std::string out_dir;
};

// synaptogen import edgelist | celegans (docs/connectomes.md).
struct import_options {
    std::string file, out;                  // edgelist: the one table
    std::vector<std::string> tables;        // celegans: typed tables (format from the header)
    std::vector<std::string> chemical, electrical;  // celegans: untyped lists and matrices
    std::string cells;                      // celegans: a cell table (owmeta or Cook's groups)
    std::string edges = "auto";             // edgelist: inline (TOML), hdf5 (streamed), auto (by file size)
    edge_list_options list;
    graphml_options graphml;
    arrangement_options arrange;
};

struct inspect_options : common_options {
    bool json = false;
    std::size_t hubs = 10;
};

// synaptogen lm train CONFIG | eval CHECKPOINT | generate CHECKPOINT (docs/language.md).
struct lm_train_options : common_options {
    std::string out_dir;            // default: out/lm/<config stem>
    std::string checkpoint_file;    // default: <out_dir>/checkpoint.h5
    std::string resume;
    std::uint64_t checkpoint_every = 0;  // tokens; 0: only at the end
    std::optional<std::uint64_t> tokens, eval_every, eval_bytes;  // override [lm.training]
    bool progress = true;
};
struct lm_eval_options : common_options {
    std::string text;
    std::uint64_t bytes = 0;  // 0: the whole file
};
struct lm_generate_options : common_options {
    std::string prompt;
    std::uint64_t bytes = 200;
    double temperature = 0.8;
};

// synaptogen evolve CONFIG | report RUN | controls CONFIG | compare CONFIG (docs/evolution.md).
struct evolve_options : common_options {
    std::string out_dir;  // default: out/evolve/<config stem>
    bool resume = false;
    bool progress = true;
    std::optional<std::uint32_t> generations;
};
struct evolve_report_options {
    std::string run;  // a run folder or its evolution.h5
    bool plots = true;
};
struct evolve_controls_options : common_options {
    std::string genome;  // an evolution checkpoint (its best individual); empty: the network's own edges
    std::string out_dir;
    double swaps_per_edge = 10.0;
};
struct evolve_compare_options : common_options {
    std::string genome;
    std::string out_dir;
    std::uint32_t seeds = 3;
    std::optional<std::uint64_t> tokens, eval_bytes;
    std::string train;  // training text; empty: [lm.training] train
    std::vector<double> points;
    std::vector<std::string> controls = {"connectome", "random", "degree_preserving", "sign_shuffled", "dense"};
    double swaps_per_edge = 10.0;
};

int run_command(const run_command_options& o);
int evolve_command(const evolve_options& o);
int evolve_report_command(const evolve_report_options& o);
int evolve_controls_command(const evolve_controls_options& o);
int evolve_compare_command(const evolve_compare_options& o);
int lm_train_command(const lm_train_options& o);
int lm_eval_command(const lm_eval_options& o);
int lm_generate_command(const lm_generate_options& o);
int inspect_command(const inspect_options& o);
int import_edgelist_command(const import_options& o);
int import_celegans_command(import_options o);
int import_graphml_command(const import_options& o);
int export_graphml_command(const export_options& o);
int validate_command(const common_options& o);
int info_command(bool json);
int export_sonata_command(const export_options& o);

// Loads the file and applies the command-line overrides (shared by both commands).
// `summary`: filled when the file is a SONATA simulation config (for validate).
network_spec load_with_overrides(const common_options& o, sonata_summary* summary = nullptr);
std::string human_bytes(double bytes);
std::string version_string();
std::string format_duration(double seconds);  // "42 s", "3.5 min", "1.2 h"
double seconds_since(std::chrono::steady_clock::time_point t);
// Writes `text` to path.part and renames it over `path`: a summary is whole or absent.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace synaptogen::app
