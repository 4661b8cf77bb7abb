// synaptogen: simulate spiking networks described in TOML files.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <functional>
#include <map>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/runtime/ranks.hpp>

#include "commands.hpp"

using namespace synaptogen;

namespace {
void add_common(CLI::App* cmd, app::common_options& o) {
    cmd->add_option("FILE", o.file, "network description (TOML, see docs/format.md)")->required();
    cmd->add_option("--threads,-t", o.threads, "threads for construction and simulation (default: the file's, else all cores)")
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--backend,-b", o.backend, "Kokkos backend (those this build and node can run: synaptogen info)")
        ->check(CLI::IsMember({"serial", "openmp", "cuda", "hip"}));
    cmd->add_option("--seed,-s", o.seed, "random seed (overrides [simulation].seed)");
    cmd->add_option("--duration", o.duration, "simulated time in ms (overrides [simulation].duration)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--scale", o.scale, "scale the network down (0, 1]: sizes and in-degrees, see [scaling] in docs/format.md");
}
// The output, model, weights, delays and gap-junction pairs: the same for every importer.
void add_import_options(CLI::App* c, app::import_options& i) {
    arrangement_options& a = i.arrange;
    c->add_option("--out,-o", i.out, "network description to write (TOML); cell names also go to OUT.cells.csv")->required();
    c->add_option("--model", a.model, "neuron model of the cells")->capture_default_str();
    c->add_option("--weight-scale", a.weight_scale, "synaptic weight per unit of the file's weight (the model's unit)")
        ->capture_default_str();
    c->add_option("--gap-weight-scale", a.gap_weight_scale, "gap-junction conductance [nS] per unit of weight")
        ->capture_default_str();
    c->add_option("--delay", a.delay, "delay of spiking chemical synapses [ms]")->check(CLI::PositiveNumber)->capture_default_str();
    c->add_option("--gap-types", a.gap_types, "edge types that are gap junctions")->delimiter(',')->capture_default_str();
    c->add_option("--gap-junctions", a.gap_junctions, "pairs listed in both directions: listed, average or max")
        ->check(CLI::IsMember({"listed", "average", "max"}))
        ->capture_default_str();
}
}  // namespace

namespace {
int dispatch_and_report(const std::function<int()>& dispatch) {
    int code = 0;
    try {
        code = dispatch();
    } catch (const input_error& e) {
        spdlog::error("{}", e.what());
        code = 2;
    } catch (const internal_error& e) {
        spdlog::critical("internal error (please report): {}", e.what());
        code = 3;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        code = 1;
    }
    // A rank that fails ends the job: the others may be waiting for it in a collective.
    if (code != 0 && ranks::world().distributed()) ranks::world().abort(code);
    return code;
}
}  // namespace

int main(int argc, char** argv) {
    ranks::start(argc, argv);  // MPI, when a launcher started this process
    CLI::App cli{"Synaptogen " + app::version_string() + ": simulate spiking neuron/synapse graphs"};
    cli.require_subcommand(1);
    cli.fallthrough();  // --log-level may follow the subcommand
    cli.set_version_flag("--version,-V", app::version_string());
    std::string level = "info";
    const std::map<std::string, spdlog::level::level_enum> levels{
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
        {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"off", spdlog::level::off}};
    cli.add_option("--log-level,-l", level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

    app::run_command_options run;
    CLI::App* run_cmd = cli.add_subcommand("run", "build and simulate a network; write spikes, traces and a manifest");
    add_common(run_cmd, run);
    run_cmd->add_option("--out,-o", run.out_dir, "output folder (created if missing)");
    std::string delivery = "auto";
    run_cmd->add_option("--delivery", delivery, "spike delivery strategy")
        ->check(CLI::IsMember({"auto", "partitioned", "atomic"}));
    std::string thread_use_name = "adaptive";
    run_cmd->add_option("--thread-use", thread_use_name,
                        "adaptive: run on one thread while that is faster, as when another process holds a core "
                        "(the same results); all: always on every thread")
        ->check(CLI::IsMember({"adaptive", "all"}));
    bool no_progress = false;
    run_cmd->add_flag("--no-progress", no_progress, "do not print the progress line");
    run_cmd->add_option("--checkpoint-every", run.checkpoint_every,
                        "write a checkpoint every T ms of simulated time (atomically replacing the last one)")
        ->check(CLI::PositiveNumber);
    run_cmd->add_option("--checkpoint", run.checkpoint_file, "checkpoint file (default: OUT/checkpoint.h5)");
    run_cmd->add_option("--resume", run.resume, "continue the run from this checkpoint (same FILE and options)");
    run_cmd->add_option("--rank-backends", run.rank_backends,
                        "under mpirun: the backend of each rank, e.g. openmp,serial (rank r takes entry r modulo the "
                        "list; docs/cluster.md)")
        ->delimiter(',')
        ->check(CLI::IsMember({"serial", "openmp", "cuda", "hip"}));
    std::string partition = "balanced";
    run_cmd->add_option("--partition", partition,
                        "under mpirun: how neurons are split over ranks: balanced (updates and incoming synapses) or even "
                        "(neuron counts)")
        ->check(CLI::IsMember({"balanced", "even"}));

    app::common_options validate;
    CLI::App* validate_cmd = cli.add_subcommand("validate", "parse and build a network; print its size and memory cost");
    add_common(validate_cmd, validate);

    app::export_options export_sonata;
    CLI::App* export_cmd = cli.add_subcommand("export", "write a network in another format");
    export_cmd->require_subcommand(1);
    CLI::App* export_sonata_cmd =
        export_cmd->add_subcommand("sonata", "write a SONATA circuit and a network.toml that runs it (docs/sonata.md)");
    add_common(export_sonata_cmd, export_sonata);
    export_sonata_cmd->add_option("--out,-o", export_sonata.out_dir, "output folder (created if missing)")->required();

    app::export_options export_graphml;
    CLI::App* export_graphml_cmd =
        export_cmd->add_subcommand("graphml", "write every neuron and synapse as a GraphML graph (Boost.Graph; docs/connectomes.md)");
    add_common(export_graphml_cmd, export_graphml);
    export_graphml_cmd->add_option("--out,-o", export_graphml.out_dir, "GraphML file to write")->required();

    app::inspect_options inspect;
    CLI::App* inspect_cmd = cli.add_subcommand("inspect", "structure of a network's synapse graph: degrees, reciprocity, components, clustering, hubs");
    add_common(inspect_cmd, inspect);
    inspect_cmd->add_flag("--json", inspect.json, "print JSON");
    inspect_cmd->add_option("--hubs", inspect.hubs, "how many hubs to list")->capture_default_str();

    // Option values read in callbacks live as long as the parser (a callback runs after parsing).
    std::string header = "detect", non_neurons = "keep", self_loops = "keep";
    app::import_options import_opts;
    CLI::App* import_cmd = cli.add_subcommand("import", "turn a connectome file into a network description");
    import_cmd->require_subcommand(1);
    CLI::App* import_edgelist_cmd = import_cmd->add_subcommand(
        "edgelist", "a delimited edge list (CSV/TSV; docs/connectomes.md) -> a network file and a cell-name table");
    {
        auto& i = import_opts;
        CLI::App* c = import_edgelist_cmd;
        c->add_option("FILE", i.file, "edge list (source, target, weight, type; any delimiter)")->required();
        c->add_option("--source-column", i.list.source_column, "header name or 1-based position")->capture_default_str();
        c->add_option("--target-column", i.list.target_column, "header name or 1-based position")->capture_default_str();
        c->add_option("--weight-column", i.list.weight_column, "header name or position; empty: weight 1")->capture_default_str();
        c->add_option("--type-column", i.list.type_column, "header name or position; empty: one type")->capture_default_str();
        c->add_option("--delimiter", i.list.delimiter, "field delimiter (default: detected)");
        c->add_option("--header", header, "detect, present or absent")->check(CLI::IsMember({"detect", "present", "absent"}));
        c->add_flag("--normalise-names", i.list.normalise_names, "AS01 -> AS1, VC06 -> VC6 (C. elegans numbering)");
        c->add_option("--edges", i.edges, "where edges go: inline (in the TOML), hdf5 (streamed to OUT.edges.h5), auto (hdf5 above 4 MiB)")
            ->check(CLI::IsMember({"inline", "hdf5", "auto"}))
            ->capture_default_str();
        c->add_option("--population", i.arrange.population, "population name")->capture_default_str();
        add_import_options(c, i);
        c->callback([&i, &header] {
            i.list.header = header == "present" ? header_mode::present : header == "absent" ? header_mode::absent : header_mode::detect;
        });
    }

    app::import_options celegans;
    celegans.arrange.model = "graded";
    celegans.arrange.weight_scale = 0.1;  // Kunert et al. 2014: 100 pS per synapse
    celegans.arrange.gap_weight_scale = 0.1;
    CLI::App* import_celegans_cmd = import_cmd->add_subcommand(
        "celegans", "C. elegans tables (Cook 2019, Varshney 2011, OpenWorm; docs/connectomes.md) -> populations by neuron class");
    {
        auto& i = celegans;
        CLI::App* c = import_celegans_cmd;
        c->add_option("FILE", i.tables, "tables with a type column, format from the header (Cook edge list, NeuronConnect, ...)");
        c->add_option("--chemical", i.chemical, "a (pre, post, count) list or an adjacency matrix (CSV) of chemical synapses");
        c->add_option("--electrical", i.electrical, "the same for gap junctions");
        c->add_option("--cells", i.cells, "cell table: owmeta neurons (neuron,types,neurotransmitters) or Cook's cell groups");
        c->add_option("--non-neurons", non_neurons, "muscles and other cells: keep (population non_neurons) or drop")
            ->check(CLI::IsMember({"keep", "drop"}))
            ->capture_default_str();
        c->add_option("--self-loops", self_loops, "chemical self-loops: keep or drop")
            ->check(CLI::IsMember({"keep", "drop"}))
            ->capture_default_str();
        c->add_option("--excitatory-reversal", i.arrange.excitatory_reversal, "E_rev of graded excitatory synapses [mV]")
            ->capture_default_str();
        c->add_option("--inhibitory-reversal", i.arrange.inhibitory_reversal, "E_rev of graded GABAergic synapses [mV]")
            ->capture_default_str();
        add_import_options(c, i);
        c->callback([&i, &non_neurons, &self_loops] {
            i.arrange.keep_non_neurons = non_neurons == "keep";
            i.arrange.keep_self_loops = self_loops == "keep";
        });
    }

    app::import_options graphml;
    CLI::App* import_graphml_cmd = import_cmd->add_subcommand(
        "graphml", "a GraphML graph (weight and type edge attributes) -> a network file and a cell-name table");
    {
        auto& i = graphml;
        CLI::App* c = import_graphml_cmd;
        c->add_option("FILE", i.file, "GraphML file")->required();
        c->add_option("--weight-key", i.graphml.weight_key, "edge attribute holding the weight (absent: 1)")->capture_default_str();
        c->add_option("--type-key", i.graphml.type_key, "edge attribute holding the synapse type")->capture_default_str();
        c->add_option("--name-key", i.graphml.name_key, "node attribute holding the cell name (default: the node id)");
        c->add_option("--population", i.arrange.population, "population name")->capture_default_str();
        add_import_options(c, i);
    }

    CLI::App* lm_cmd = cli.add_subcommand("lm", "language models that are graphs: train, evaluate, generate (docs/language.md)");
    lm_cmd->require_subcommand(1);
    app::lm_train_options lm_train;
    CLI::App* lm_train_cmd = lm_cmd->add_subcommand("train", "train a network file's [lm] model on its corpus; checkpoint it");
    {
        auto& t = lm_train;
        CLI::App* c = lm_train_cmd;
        c->add_option("CONFIG", t.file, "network description with an [lm] table")->required();
        c->add_option("--threads,-t", t.threads, "threads (default: the file's, else all cores)")->check(CLI::Range(1, 4096));
        c->add_option("--backend,-b", t.backend, "Kokkos backend")->check(CLI::IsMember({"serial", "openmp", "cuda", "hip"}));
        c->add_option("--seed,-s", t.seed, "random seed: initial weights and data order (overrides [simulation].seed)");
        c->add_option("--out,-o", t.out_dir, "output folder (default: out/lm/<CONFIG stem>)");
        c->add_option("--tokens", t.tokens, "training tokens (overrides [lm.training].tokens)");
        c->add_option("--eval-every", t.eval_every, "tokens between held-out evaluations");
        c->add_option("--eval-bytes", t.eval_bytes, "held-out bytes evaluated (0: all)");
        c->add_option("--checkpoint-every", t.checkpoint_every, "write a checkpoint every N tokens (atomically replacing the last)");
        c->add_option("--checkpoint", t.checkpoint_file, "checkpoint file (default: OUT/checkpoint.h5)");
        c->add_option("--resume", t.resume, "continue from this checkpoint (same CONFIG and seed), bit for bit");
    }
    bool lm_no_progress = false;
    lm_train_cmd->add_flag("--no-progress", lm_no_progress, "do not print the progress line");
    app::lm_eval_options lm_eval;
    CLI::App* lm_eval_cmd = lm_cmd->add_subcommand("eval", "bits per byte of a trained model on a text file");
    lm_eval_cmd->add_option("CHECKPOINT", lm_eval.file, "checkpoint written by lm train")->required();
    lm_eval_cmd->add_option("--text", lm_eval.text, "text to evaluate (read as bytes)")->required();
    lm_eval_cmd->add_option("--bytes", lm_eval.bytes, "evaluate only the first N bytes (0: all)");
    lm_eval_cmd->add_option("--threads,-t", lm_eval.threads, "threads")->check(CLI::Range(1, 4096));
    lm_eval_cmd->add_option("--backend,-b", lm_eval.backend, "Kokkos backend")->check(CLI::IsMember({"serial", "openmp", "cuda", "hip"}));
    app::lm_generate_options lm_generate;
    CLI::App* lm_generate_cmd = lm_cmd->add_subcommand("generate", "continue a prompt with bytes sampled from a trained model");
    lm_generate_cmd->add_option("CHECKPOINT", lm_generate.file, "checkpoint written by lm train")->required();
    lm_generate_cmd->add_option("--prompt", lm_generate.prompt, "text to continue");
    lm_generate_cmd->add_option("--bytes,-n", lm_generate.bytes, "bytes to generate")->capture_default_str();
    lm_generate_cmd->add_option("--temperature", lm_generate.temperature, "sampling temperature (0: the most likely byte)")
        ->check(CLI::NonNegativeNumber)->capture_default_str();
    lm_generate_cmd->add_option("--seed,-s", lm_generate.seed, "random seed of the sampling");
    lm_generate_cmd->add_option("--threads,-t", lm_generate.threads, "threads")->check(CLI::Range(1, 4096));
    lm_generate_cmd->add_option("--backend,-b", lm_generate.backend, "Kokkos backend")->check(CLI::IsMember({"serial", "openmp", "cuda", "hip"}));

    // synaptogen evolve CONFIG, and its report / controls / compare subcommands.
    app::evolve_options evolve;
    CLI::App* evolve_cmd = cli.add_subcommand("evolve", "evolve a network's connectome over generations (docs/evolution.md)");
    evolve_cmd->require_subcommand(0, 1);
    evolve_cmd->add_option("CONFIG", evolve.file, "network description with an [evolution] table");
    evolve_cmd->add_option("--out,-o", evolve.out_dir, "run folder (default: out/evolve/<CONFIG stem>)");
    evolve_cmd->add_flag("--resume", evolve.resume, "continue the run in the output folder from its last generation");
    evolve_cmd->add_option("--generations", evolve.generations, "generations (overrides [evolution].generations)");
    evolve_cmd->add_option("--threads,-t", evolve.threads, "threads")->check(CLI::Range(1, 4096));
    evolve_cmd->add_option("--backend,-b", evolve.backend, "Kokkos backend")->check(CLI::IsMember({"serial", "openmp", "cuda", "hip"}));
    evolve_cmd->add_option("--seed,-s", evolve.seed, "seed of the evolution and of the network (overrides [evolution].seed and [simulation].seed)");
    bool evolve_no_progress = false;
    evolve_cmd->add_flag("--no-progress", evolve_no_progress, "do not print the progress line");
    app::evolve_report_options evolve_report;
    CLI::App* evolve_report_cmd = evolve_cmd->add_subcommand("report", "print a run's lineage and write its plots");
    evolve_report_cmd->add_option("RUN", evolve_report.run, "run folder or its evolution.h5")->required();
    bool no_plots = false;
    evolve_report_cmd->add_flag("--no-plots", no_plots, "write the tables only");
    app::evolve_controls_options evolve_controls;
    CLI::App* evolve_controls_cmd = evolve_cmd->add_subcommand(
        "controls", "write a connectome's random, degree-preserving, sign-shuffled and dense controls");
    evolve_controls_cmd->add_option("CONFIG", evolve_controls.file, "network description")->required();
    evolve_controls_cmd->add_option("--genome", evolve_controls.genome, "an evolution checkpoint: use its best genome");
    evolve_controls_cmd->add_option("--out,-o", evolve_controls.out_dir, "output folder")->required();
    evolve_controls_cmd->add_option("--swaps-per-edge", evolve_controls.swaps_per_edge, "double-edge swaps per edge")->capture_default_str();
    evolve_controls_cmd->add_option("--seed,-s", evolve_controls.seed, "seed of the nulls (overrides [simulation].seed)");
    app::evolve_compare_options evolve_compare;
    CLI::App* evolve_compare_cmd = evolve_cmd->add_subcommand("compare", "train or evaluate a connectome against its controls");
    {
        auto& c = evolve_compare;
        CLI::App* a = evolve_compare_cmd;
        a->add_option("CONFIG", c.file, "network description ([lm], or [evolution.fitness] for other networks)")->required();
        a->add_option("--genome", c.genome, "an evolution checkpoint: use its best genome (default: the network's own edges)");
        a->add_option("--out,-o", c.out_dir, "output folder")->required();
        a->add_option("--seeds", c.seeds, "seeds per control")->capture_default_str()->check(CLI::Range(1, 1000));
        a->add_option("--tokens", c.tokens, "training tokens per run (default: [lm.training] tokens)");
        a->add_option("--eval-bytes", c.eval_bytes, "held-out bytes evaluated (default: [lm.training] eval_bytes)");
        a->add_option("--train", c.train, "training text (default: [lm.training] train)");
        a->add_option("--points", c.points, "fractions of the budget at which to evaluate (default: 1)")->delimiter(',');
        a->add_option("--controls", c.controls, "which controls")->delimiter(',')->capture_default_str();
        a->add_option("--swaps-per-edge", c.swaps_per_edge, "double-edge swaps per edge")->capture_default_str();
        a->add_option("--threads,-t", c.threads, "threads")->check(CLI::Range(1, 4096));
        a->add_option("--backend,-b", c.backend, "Kokkos backend")->check(CLI::IsMember({"serial", "openmp", "cuda", "hip"}));
    }

    bool info_json = false;
    CLI::App* info_cmd = cli.add_subcommand("info", "backends compiled in, GPUs found on this node and their memory");
    info_cmd->add_flag("--json", info_json, "print the same as JSON");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = cli.exit(e);
        // A rank that cannot even parse its arguments must not leave the others waiting.
        if (code != 0 && ranks::world().distributed()) ranks::world().abort(code);
        return code;
    }

    auto logger = spdlog::stderr_color_mt("synaptogen");
    spdlog::set_default_logger(logger);
    const ranks& world = ranks::world();
    if (world.distributed()) {
        // Every rank says what went wrong; progress and summaries come from rank 0.
        spdlog::set_pattern("[%l] rank " + std::to_string(world.rank()) + "/" + std::to_string(world.size()) + ": %v");
        spdlog::set_level(world.rank() == 0 ? levels.at(level) : std::max(levels.at(level), spdlog::level::warn));
    } else {
        spdlog::set_pattern("[%l] %v");
        spdlog::set_level(levels.at(level));
    }

    return dispatch_and_report([&]() -> int {
        // Only run and evolve divide their work over ranks; the other commands would write
        // the same files from every rank at once.
        if (world.distributed() && !*run_cmd && !(*evolve_cmd && !*evolve_report_cmd && !*evolve_controls_cmd && !*evolve_compare_cmd)) {
            if (world.rank() != 0) world.barrier();  // one message: rank 0's (its abort ends this wait)
            throw input_error({"mpirun", 0, cli.get_subcommands().front()->get_name()},
                              "this command runs in one process; expected it without mpirun (run and evolve run "
                              "distributed: docs/cluster.md)");
        }
        if (*run_cmd) {
            run.partition = partition == "even" ? rank_partition::even : rank_partition::balanced;
            run.delivery = delivery == "partitioned" ? delivery_kind::partitioned
                           : delivery == "atomic"    ? delivery_kind::atomic
                                                     : delivery_kind::automatic;
            run.width = thread_use_name == "all" ? thread_use::all : thread_use::adaptive;
            run.progress = !no_progress;
            return app::run_command(run);
        }
        if (*lm_train_cmd) {
            lm_train.progress = !lm_no_progress;
            if (lm_train.out_dir.empty())
                lm_train.out_dir = "out/lm/" + std::filesystem::path(lm_train.file).stem().string();
            return app::lm_train_command(lm_train);
        }
        if (*evolve_report_cmd) {
            evolve_report.plots = !no_plots;
            return app::evolve_report_command(evolve_report);
        }
        if (*evolve_controls_cmd) return app::evolve_controls_command(evolve_controls);
        if (*evolve_compare_cmd) return app::evolve_compare_command(evolve_compare);
        if (*evolve_cmd) {
            if (evolve.file.empty()) throw input_error({"evolve", 0, "CONFIG"}, "expected a network file with an [evolution] table");
            evolve.progress = !evolve_no_progress;
            if (evolve.out_dir.empty()) evolve.out_dir = "out/evolve/" + std::filesystem::path(evolve.file).stem().string();
            return app::evolve_command(evolve);
        }
        if (*lm_eval_cmd) return app::lm_eval_command(lm_eval);
        if (*lm_generate_cmd) return app::lm_generate_command(lm_generate);
        if (*export_graphml_cmd) return app::export_graphml_command(export_graphml);
        if (*export_cmd) return app::export_sonata_command(export_sonata);
        if (*import_celegans_cmd) return app::import_celegans_command(celegans);
        if (*import_graphml_cmd) return app::import_graphml_command(graphml);
        if (*import_cmd) return app::import_edgelist_command(import_opts);
        if (*inspect_cmd) return app::inspect_command(inspect);
        if (*info_cmd) return app::info_command(info_json);
        return app::validate_command(validate);
    });
}
