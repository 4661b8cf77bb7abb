// synaptogen evolve CONFIG | report RUN | controls CONFIG | compare CONFIG (docs/evolution.md).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <synaptogen/evolution/controls.hpp>
#include <synaptogen/evolution/evolution_run.hpp>
#include <synaptogen/io/checkpoint_file.hpp>
#include <synaptogen/io/evolution_checkpoint.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/ranks.hpp>
#include <synaptogen/runtime/language_model.hpp>

#include "commands.hpp"

namespace synaptogen::app {

namespace fs = std::filesystem;

namespace {

// A genome given on the command line (an evolution checkpoint: its best individual) or the
// network's own connectome.
std::pair<connectome, bool> chosen_genome(const network_spec& spec, const std::string& genome_file) {
    if (genome_file.empty()) return seed_genome(spec);
    const evolution_checkpoint c = read_evolution_checkpoint(genome_file);
    const individual& best = best_individual(c.state);
    if (best.genome.projections.size() != spec.projections.size())
        throw input_error({genome_file, 0, "--genome"}, "its genomes have " + std::to_string(best.genome.projections.size()) +
                                                            " projections; " + spec.source_file + " has " +
                                                            std::to_string(spec.projections.size()));
    return {best.genome, best.written_weights};
}

std::string projection_name(const network_spec& spec, std::size_t q) {
    if (q < spec.synapses.size() && !spec.synapses[q].name.empty()) return spec.synapses[q].name;
    const auto& p = spec.projections[q];
    return spec.layout[p.source].name + "->" + spec.layout[p.target].name;
}


}  // namespace

int evolve_command(const evolve_options& options) {
    // Under mpirun every rank evaluates a share of each generation (run_evolution) and holds
    // the whole state; rank 0 prints and writes the checkpoint and summary.
    const ranks& world = ranks::world();
    const bool lead = world.rank() == 0;
    evolve_options o = options;
    if (!lead) {
        o.progress = false;
        if (!std::freopen("/dev/null", "w", stdout)) throw std::runtime_error("cannot silence rank " + std::to_string(world.rank()));
    }
    network_spec spec = load_with_overrides(o);
    check_ranks_agree(spec, "evolve generations " + (o.generations ? std::to_string(*o.generations) : std::string("-")) +
                                " seed " + (o.seed ? std::to_string(*o.seed) : std::string("-")) +
                                " resume " + (o.resume ? "yes" : "no") + " out " + o.out_dir);
    if (!spec.evolution)
        throw input_error({spec.source_file, 0, "evolution"}, "no [evolution] table: nothing to evolve (docs/evolution.md)");
    evolution_spec ev = *spec.evolution;
    if (o.generations) ev.generations = *o.generations;
    if (o.seed) ev.seed = *o.seed;
    const int threads = spec.simulation.thread_count();
    kokkos_session kokkos(threads, spec.simulation.backend);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, threads);

    const fs::path out = o.out_dir;
    const std::string ckpt_path = (out / "evolution.h5").string();
    if (lead) {
        fs::create_directories(out);
        fs::remove(out / "summary.json");  // an older summary must not vouch for this run
    }
    evolution_checkpoint ckpt;
    ckpt.config_file = fs::absolute(spec.source_file).string();
    ckpt.config_hash = description_hash(spec.source_text);
    ckpt.seed = ev.seed;

    auto fitness = make_fitness_evaluator(spec, {spec.simulation.backend});
    ckpt.fitness = fitness->describe();
    evolution_state state;
    if (o.resume) {
        const evolution_checkpoint c = read_evolution_checkpoint(ckpt_path);
        if (c.config_hash != ckpt.config_hash || c.seed != ev.seed)
            throw input_error({ckpt_path, 0, "--resume"},
                              "this run was started from another description or seed (" + c.config_file + ", seed " +
                                  std::to_string(c.seed) + "); expected one written by synaptogen evolve " +
                                  spec.source_file + " with seed " + std::to_string(ev.seed));
        state = c.state;
        std::printf("resumed     %s after generation %u (%zu evaluations so far)\n", ckpt_path.c_str(), state.generation,
                    state.lineage.size());
    } else {
        auto [genome, written] = seed_genome(spec);
        state = initial_state(ev, genome, written);
    }
    const connectome& seed = state.population.front().genome;
    std::printf("Synaptogen %s evolution: %s\n", version_string().c_str(), spec.source_file.c_str());
    std::printf("  genome      %llu edges in %zu projections over %u neurons\n",
                static_cast<unsigned long long>(seed.size()), seed.projections.size(), spec.layout.total());
    std::printf("  loop        %u generations of %u (%s selection, %llu evaluations each), seed %llu\n", ev.generations,
                ev.population, to_string(ev.selection), static_cast<unsigned long long>(offspring_per_generation(ev)),
                static_cast<unsigned long long>(ev.seed));
    std::printf("  fitness     %s (%s; lower is better), evaluated one at a time on %d thread%s%s\n", to_string(ev.fitness.kind),
                fitness->describe().c_str(), threads, threads == 1 ? "" : "s",
                world.distributed() ? (" on each of " + std::to_string(world.size()) + " ranks").c_str() : "");
    std::printf("  checkpoint  %s (every generation)\n", ckpt_path.c_str());
    std::fflush(stdout);

    const bool tty = isatty(fileno(stderr));
    const auto t_start = std::chrono::steady_clock::now();
    auto last_print = t_start;
    const std::uint64_t total_evals =
        (state.generation == 0 && state.lineage.empty() ? ev.population : 0) +
        static_cast<std::uint64_t>(ev.generations > state.generation ? ev.generations - state.generation : 0) *
            offspring_per_generation(ev);
    evolution_observer obs;
    obs.on_evaluation = [&](const evolution_progress& p) {
        if (!o.progress) return;
        const bool last_of_gen = p.done == p.total;
        if (!(seconds_since(last_print) > (tty ? 1.0 : 10.0) || last_of_gen)) return;
        last_print = std::chrono::steady_clock::now();
        const double rate = double(p.evaluations) / std::max(seconds_since(t_start), 1e-9);
        const double eta = double(total_evals - std::min<std::uint64_t>(total_evals, p.evaluations)) / std::max(rate, 1e-9);
        // Best of the run so far, and the mean of this generation's evaluations.
        double best = std::nan(""), sum = 0.0;
        std::size_t n = 0;
        for (const lineage_entry& l : state.lineage) {
            if (!(l.fitness >= best)) best = l.fitness;
            if (l.born == p.generation) sum += l.fitness, ++n;
        }
        std::fprintf(stderr, "%sgeneration %u/%u  evaluation %zu/%zu  best %.4f  mean %.4f  %.3f evaluations/s  ETA %s%s",
                     tty ? "\r" : "", p.generation, ev.generations, p.done, p.total, best, n ? sum / double(n) : std::nan(""),
                     rate, format_duration(eta).c_str(), tty ? "   " : "\n");
    };
    nlohmann::json generations = nlohmann::json::array();
    obs.on_generation = [&](const evolution_state& s) {
        ckpt.state = s;
        if (lead) write_evolution_checkpoint(ckpt_path, ckpt);
        const individual& best = best_individual(s);
        double mean = 0.0;
        for (const auto& x : s.population) mean += x.fitness;
        mean /= static_cast<double>(s.population.size());
        if (tty && o.progress) std::fprintf(stderr, "\n");
        std::printf("generation %u  best %.4f (id %llu, %llu edges)  mean %.4f  %s\n", s.generation, best.fitness,
                    static_cast<unsigned long long>(best.id), static_cast<unsigned long long>(best.genome.size()), mean,
                    best.operators.c_str());
        std::fflush(stdout);
        generations.push_back({{"generation", s.generation}, {"best", best.fitness}, {"mean", mean}, {"best_id", best.id},
                               {"best_edges", best.genome.size()}});
    };
    run_evolution(ev, state, *fitness, obs, true);
    const double seconds = seconds_since(t_start);
    const individual& best = best_individual(state);
    edge_index seed_edges = 0;  // individual 0 is the seed network's connectome
    for (auto e : state.lineage.front().edges) seed_edges += e;
    std::printf("  final best  id %llu, fitness %.4f, %llu edges (%.1f%% of the seed's)\n", static_cast<unsigned long long>(best.id),
                best.fitness, static_cast<unsigned long long>(best.genome.size()),
                100.0 * double(best.genome.size()) / std::max<double>(1.0, double(seed_edges)));
    std::printf("  time        %.1f s, %zu evaluations in the run\n", seconds, state.lineage.size());
    nlohmann::json j;
    j["config"] = spec.source_file;
    j["seed"] = ev.seed;
    j["threads"] = threads;
    j["fitness"] = fitness->describe();
    j["generations"] = generations;
    j["evaluations"] = state.lineage.size();
    j["seconds_this_process"] = seconds;
    j["best"] = {{"id", best.id}, {"fitness", best.fitness}, {"edges", best.genome.size()}};
    std::vector<edge_index> per;
    for (const auto& e : best.genome.projections) per.push_back(e.size());
    j["best"]["edges_per_projection"] = per;
    if (world.distributed()) j["ranks"] = world.size();
    if (lead) write_file_atomically((out / "summary.json").string(), j.dump(2) + "\n");
    std::printf("  summary     %s\n", (out / "summary.json").string().c_str());
    std::printf("  report      synaptogen evolve report %s\n", out.string().c_str());
    return 0;
}

int evolve_report_command(const evolve_report_options& o) {
    const fs::path run = o.run;
    const std::string path = fs::is_directory(run) ? (run / "evolution.h5").string() : o.run;
    const evolution_checkpoint c = read_evolution_checkpoint(path);
    const evolution_state& s = c.state;
    // Projection names from the description where it is still there.
    std::unique_ptr<network_spec> spec;
    if (fs::exists(c.config_file)) spec = std::make_unique<network_spec>(load_network_file(c.config_file));
    const individual& best = best_individual(s);
    std::printf("Evolution run %s\n", path.c_str());
    std::printf("  config      %s%s\n", c.config_file.c_str(), spec ? "" : " (gone)");
    std::printf("  fitness     %s (lower is better), seed %llu\n", c.fitness.c_str(), static_cast<unsigned long long>(c.seed));
    std::printf("  progress    generation %u, %zu evaluations\n\n", s.generation, s.lineage.size());
    std::printf("%10s %6s %10s %10s %10s %12s\n", "generation", "evals", "best", "mean", "best so far", "edges (best)");
    double so_far = std::nan("");
    const fs::path dir = (fs::is_directory(run) ? run : run.parent_path()) / "report";
    fs::create_directories(dir);
    for (std::uint32_t g = 0; g <= s.generation; ++g) {
        double b = std::nan(""), sum = 0.0;
        std::size_t n = 0;
        edge_index edges = 0;
        for (const auto& l : s.lineage) {
            if (l.born != g) continue;
            if (!(l.fitness >= b)) {
                b = l.fitness;
                edges = 0;
                for (auto e : l.edges) edges += e;
            }
            sum += l.fitness;
            ++n;
        }
        if (n == 0) continue;
        so_far = std::isnan(so_far) ? b : std::min(so_far, b);
        std::printf("%10u %6zu %10.4f %10.4f %10.4f %12llu\n", g, n, b, sum / double(n), so_far, static_cast<unsigned long long>(edges));
    }
    // The best's ancestry, back to the seed.
    std::map<std::uint64_t, const lineage_entry*> by_id;
    for (const auto& l : s.lineage) by_id[l.id] = &l;
    std::printf("\nancestry of the final population's best (id %llu):\n", static_cast<unsigned long long>(best.id));
    for (std::int64_t id = static_cast<std::int64_t>(best.id); id >= 0;) {
        const auto it = by_id.find(static_cast<std::uint64_t>(id));
        if (it == by_id.end()) break;
        const lineage_entry& l = *it->second;
        edge_index edges = 0;
        for (auto e : l.edges) edges += e;
        std::printf("  id %-6llu generation %-4u fitness %.4f  edges %-8llu %s%s\n", static_cast<unsigned long long>(l.id), l.born,
                    l.fitness, static_cast<unsigned long long>(edges), l.operators.c_str(),
                    l.parent_b >= 0 ? (" (x " + std::to_string(l.parent_b) + ")").c_str() : "");
        id = l.parent_a;
    }
    // Tables for the plots: the lineage, and the final best's degrees against its nulls.
    {
        std::ofstream f(dir / "lineage.csv");
        f << "id,born,parent_a,parent_b,fitness,operators";
        const std::size_t np = s.lineage.empty() ? 0 : s.lineage.front().edges.size();
        for (std::size_t q = 0; q < np; ++q) f << "," << (spec ? projection_name(*spec, q) : "projection_" + std::to_string(q));
        f << "\n";
        for (const auto& l : s.lineage) {
            f << l.id << "," << l.born << "," << l.parent_a << "," << l.parent_b << "," << l.fitness << ",\"" << l.operators << "\"";
            for (auto e : l.edges) f << "," << e;
            f << "\n";
        }
    }
    {
        std::ofstream f(dir / "degrees.csv");
        f << "graph,projection,direction,neuron,degree\n";
        for (control_kind k : {control_kind::connectome, control_kind::random, control_kind::degree_preserving}) {
            const control ctl = make_control(k, best.genome, best.written_weights, c.seed);
            for (std::size_t q = 0; q < ctl.graph.projections.size(); ++q) {
                const edge_set& e = ctl.graph.projections[q];
                const std::string name = spec ? projection_name(*spec, q) : "projection_" + std::to_string(q);
                const auto in = e.in_degrees(), outd = e.out_degrees();
                for (std::size_t i = 0; i < in.size(); ++i) f << to_string(k) << "," << name << ",in," << i << "," << in[i] << "\n";
                for (std::size_t i = 0; i < outd.size(); ++i) f << to_string(k) << "," << name << ",out," << i << "," << outd[i] << "\n";
            }
        }
    }
    std::printf("\n  tables      %s/lineage.csv, degrees.csv\n", dir.string().c_str());
    if (!o.plots) return 0;
    // Debian's python3 first (python3-matplotlib), then whatever python3 is on PATH.
    const std::string script = std::string(SYNAPTOGEN_SOURCE_DIR) + "/scripts/plot_evolution.py";
    std::fflush(stdout);
    bool plotted = false;
    for (const char* python : {"/usr/bin/python3", "python3"}) {
        const std::string probe = std::string(python) + " -c 'import matplotlib' > /dev/null 2>&1";
        if (!fs::exists(script) || std::system(probe.c_str()) != 0) continue;
        plotted = std::system((std::string(python) + " '" + script + "' '" + dir.string() + "'").c_str()) == 0;
        break;
    }
    if (!plotted) {
        spdlog::warn("plots not written: {} needs python3 with matplotlib (Debian python3-matplotlib)", script);
        return 0;
    }
    std::printf("  plots       %s/fitness.png, edges.png, degrees.png\n", dir.string().c_str());
    return 0;
}

int evolve_controls_command(const evolve_controls_options& o) {
    const network_spec spec = load_with_overrides(o);
    auto [genome, written] = chosen_genome(spec, o.genome);
    const fs::path out = o.out_dir;
    fs::create_directories(out);
    std::printf("controls of %s%s (%llu edges), seed %llu\n", o.genome.empty() ? spec.source_file.c_str() : o.genome.c_str(),
                o.genome.empty() ? "" : " (best genome)", static_cast<unsigned long long>(genome.size()),
                static_cast<unsigned long long>(spec.simulation.seed));
    for (control_kind k : {control_kind::connectome, control_kind::random, control_kind::degree_preserving,
                           control_kind::sign_shuffled, control_kind::dense}) {
        const control ctl = make_control(k, genome, written, spec.simulation.seed, o.swaps_per_edge);
        evolution_checkpoint c;
        c.config_file = fs::absolute(spec.source_file).string();
        c.config_hash = description_hash(spec.source_text);
        c.seed = spec.simulation.seed;
        c.fitness = "not evaluated";
        individual x;
        x.genome = ctl.graph;
        x.written_weights = ctl.written_weights;
        x.operators = to_string(k);
        x.fitness = std::nan("");
        c.state.population.push_back(x);
        c.state.lineage.push_back(lineage_record(x));
        c.state.next_id = 1;
        const std::string path = (out / (std::string(to_string(k)) + ".h5")).string();
        write_evolution_checkpoint(path, c);
        std::printf("  %-18s %10llu edges", to_string(k), static_cast<unsigned long long>(ctl.graph.size()));
        if (k == control_kind::degree_preserving)
            std::printf(", %llu double-edge swaps made of %llu asked", static_cast<unsigned long long>(ctl.swaps),
                        static_cast<unsigned long long>(ctl.swap_attempts_target));
        std::printf("  -> %s\n", path.c_str());
    }
    std::printf("each file is a genome: synaptogen run|inspect|export FILE.h5, or evolve compare --genome FILE.h5\n");
    return 0;
}

int evolve_compare_command(const evolve_compare_options& o) {
    network_spec spec = load_with_overrides(o);
    const int threads = spec.simulation.thread_count();
    kokkos_session kokkos(threads, spec.simulation.backend);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, threads);
    auto [genome, written] = chosen_genome(spec, o.genome);
    std::vector<control_kind> kinds;
    for (const auto& n : o.controls) kinds.push_back(parse_control(n, {"--controls", 0, ""}));
    const fs::path out = o.out_dir;
    fs::create_directories(out);
    const bool language = spec.language != nullptr;
    if (!language && !spec.evolution)
        throw input_error({spec.source_file, 0, "evolution.fitness"},
                          "compare needs a language model ([lm]) or an [evolution.fitness] to evaluate");
    std::vector<double> points = o.points;
    if (points.empty()) points = {1.0};
    for (double p : points)
        if (!(p >= 0.0 && p <= 1.0)) throw input_error({"--points", 0, ""}, "expected fractions of the budget in [0, 1]");
    std::printf("compare %s%s: %zu controls x %u seeds, %s\n", o.genome.empty() ? spec.source_file.c_str() : o.genome.c_str(),
                o.genome.empty() ? "" : " (best genome)", kinds.size(), o.seeds,
                language ? "held-out bits per byte after training" : "fitness");
    nlohmann::json runs = nlohmann::json::array();
    for (control_kind k : kinds) {
        for (std::uint32_t s = 1; s <= o.seeds; ++s) {
            const auto t0 = std::chrono::steady_clock::now();
            network_spec seeded = spec;
            seeded.simulation.seed = s;  // the inner loop's initialisation and data order, and the null's draw
            const control ctl = make_control(k, genome, written, s, o.swaps_per_edge);
            nlohmann::json r = {{"control", to_string(k)}, {"seed", s}, {"edges", ctl.graph.size()}};
            if (k == control_kind::degree_preserving) r["swaps"] = ctl.swaps;
            if (language) {
                const language_curve c = train_language_curve(seeded, ctl.graph, ctl.written_weights, o.train,
                                                              o.tokens.value_or(0), o.eval_bytes.value_or(0), points,
                                                              {spec.simulation.backend});
                r["fraction"] = c.fraction;
                r["tokens"] = c.tokens;
                r["bits_per_byte"] = c.bits_per_byte;
                std::printf("  %-18s seed %u  %10llu edges  bpb", to_string(k), s, static_cast<unsigned long long>(ctl.graph.size()));
                for (double b : c.bits_per_byte) std::printf(" %.4f", b);
            } else {
                auto fitness = make_fitness_evaluator(seeded, {spec.simulation.backend});
                const double f = fitness->evaluate(ctl.graph, ctl.written_weights).fitness;
                r["fitness"] = f;
                std::printf("  %-18s seed %u  %10llu edges  fitness %.4f", to_string(k), s,
                            static_cast<unsigned long long>(ctl.graph.size()), f);
            }
            const double secs = seconds_since(t0);
            r["seconds"] = secs;
            std::printf("  (%.1f s)\n", secs);
            std::fflush(stdout);
            runs.push_back(r);
        }
    }
    nlohmann::json j;
    j["config"] = spec.source_file;
    j["genome"] = o.genome;
    j["threads"] = threads;
    j["runs"] = runs;
    write_file_atomically((out / "compare.json").string(), j.dump(2) + "\n");
    std::printf("  results     %s\n", (out / "compare.json").string().c_str());
    return 0;
}

}  // namespace synaptogen::app
