// `synaptogen run`: build, simulate, write spikes/traces through the background writer,
// then the manifest last (its presence marks a complete run), then print a summary.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <synaptogen/io/background_writer.hpp>
#include <synaptogen/io/checkpoint_file.hpp>
#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/evolution/evolution_run.hpp>
#include <synaptogen/io/evolution_checkpoint.hpp>
#include <synaptogen/io/lm_checkpoint.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/io/sonata.hpp>
#include <synaptogen/io/spike_file.hpp>
#include <synaptogen/io/trace_file.hpp>
#include <synaptogen/runtime/activity_statistics.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>
#include <synaptogen/runtime/ranks.hpp>

#include "commands.hpp"

namespace synaptogen::app {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

std::string version_string() { return SYNAPTOGEN_VERSION; }

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string format_duration(double s) {
    char buf[64];
    if (s < 120) std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 7200) std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
    else std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
    return buf;
}

void write_file_atomically(const std::string& path, const std::string& text) {
    std::ofstream(path + ".part", std::ios::binary) << text;
    std::filesystem::rename(path + ".part", path);
}

std::string human_bytes(double b) {
    const char* unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        ++u;
    }
    char s[32];
    std::snprintf(s, sizeof s, u == 0 ? "%.0f %s" : "%.1f %s", b, unit[u]);
    return s;
}

namespace {
network_spec evolved_network(const std::string& path) {
    const evolution_checkpoint c = read_evolution_checkpoint(path);
    return with_connectome(load_checkpoint_description(c.config_file, c.config_hash, path), best_individual(c.state).genome);
}
}  // namespace

network_spec load_with_overrides(const common_options& o, sonata_summary* summary) {
    const bool sonata = std::filesystem::path(o.file).extension() == ".json";  // a SONATA simulation config
    if (sonata && o.scale) throw input_error({o.file, 0, "--scale"}, "a SONATA circuit's explicit edges cannot be scaled");
    // A trained language model's checkpoint stands for its graph with the trained weights.
    const bool lm_checkpoint_file = !sonata && std::filesystem::path(o.file).extension() == ".h5" && is_lm_checkpoint(o.file);
    if (lm_checkpoint_file && o.scale) throw input_error({o.file, 0, "--scale"}, "a trained language model cannot be scaled");
    // An evolution checkpoint (or a control written by evolve controls) stands for its
    // description with the best genome's edges.
    const bool evolution_file = !sonata && !lm_checkpoint_file && std::filesystem::path(o.file).extension() == ".h5" &&
                                is_evolution_checkpoint(o.file);
    if (evolution_file && o.scale) throw input_error({o.file, 0, "--scale"}, "an evolved connectome cannot be scaled");
    sonata_summary unused;
    network_spec spec = sonata                 ? load_sonata_simulation(o.file, summary ? *summary : unused)
                        : lm_checkpoint_file ? lm_checkpoint_network(read_lm_checkpoint(o.file), o.file)
                        : evolution_file     ? evolved_network(o.file)
                                             : load_network_file(o.file, o.scale);
    if (o.threads) spec.simulation.threads = *o.threads;
    if (o.backend) spec.simulation.backend = *o.backend;
    if (o.seed) spec.simulation.seed = *o.seed;
    if (o.duration) spec.simulation.duration = *o.duration;
    // A backend this build lacks, or a GPU this node lacks: one message before anything
    // is built or written.
    source_location where = spec.simulation.origin;
    where.field = o.backend ? "--backend" : "simulation.backend";
    std::vector<device_info> devices;
    if (!spec.simulation.backend.empty()) {
        try {
            devices = require_backend(spec.simulation.backend);
        } catch (const std::runtime_error& e) {
            throw input_error(where, e.what());
        }
    }
    check_neuron_parameters(spec);  // every neuron's drawn or given parameters, before anything is built
    memory_estimate m = estimate_memory(spec);
    if (o.split_over_ranks && ranks::world().distributed()) {
        const double share = 1.0 / ranks::world().size();
        m.synapses *= share;
        m.runtime_bytes *= share;
        m.device_bytes *= share;
        m.construction_bytes *= share;
    }
    check_memory(spec, m, available_memory_bytes());
    if (!devices.empty()) check_device_memory(spec, m, devices[chosen_device(static_cast<int>(devices.size()))]);
    return spec;
}

namespace {

double current_rss_bytes() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double peak_rss_bytes() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) * 1024.0;
}

// "t = 350.0/1000.0 ms (35%)  rtf 2.31  ETA 1.5 s" on stderr: rewritten in place on a
// terminal, a line every 10 s otherwise (logs).
class progress_line {
public:
    progress_line(double dt, bool enabled) : dt_(dt), enabled_(enabled), tty_(isatty(fileno(stderr))) {}
    void operator()(const run_progress& p) {
        if (!enabled_ || p.total == 0) return;
        const bool done = p.step >= p.total;
        if (!tty_ && !done && p.wall_seconds - last_ < 10.0) return;
        if (!tty_ && done && last_ < 0.0) return;  // short runs: the summary says it all
        last_ = p.wall_seconds;
        const double t = p.step * dt_, total = p.total * dt_;
        const double rtf = t > 0 ? p.wall_seconds / (t * 1e-3) : 0.0;
        const double eta = p.step > 0 ? p.wall_seconds * (p.total - p.step) / p.step : 0.0;
        std::fprintf(stderr, "%st = %.1f/%.1f ms (%3.0f%%)  real-time factor %.2f  ETA %.1f s%s", tty_ ? "\r" : "", t,
                     total, 100.0 * p.step / p.total, rtf, eta, tty_ && !done ? "   " : "\n");
        std::fflush(stderr);
    }

private:
    double dt_;
    bool enabled_, tty_;
    double last_ = -1.0;
};

// Set by SIGINT/SIGTERM: the run stops at the next check, and the unfinished files are
// removed instead of being left to look complete.
std::atomic<int> stop_signal{0};
extern "C" void request_stop(int sig) { stop_signal = sig; }

// What a checkpoint must agree on with the run that resumes it: the description as
// written plus the command-line overrides (all in the spec by now).
std::string checkpoint_key(const network_spec& spec) {
    // Not the backend, threads or delivery strategy: a checkpoint resumes under any of them.
    return spec.source_text + "\n#seed " + std::to_string(spec.simulation.seed) + " dt " + std::to_string(spec.simulation.dt);
}

// The spikes a checkpoint holds, as a batch for the run's statistics.
spike_batch read_spike_group(hid_t file, const std::string& group, const network_spec& spec) {
    spike_batch b;
    h5::handle g = h5::open_group(file, group);
    for (const auto& [name, spikes] : read_spike_groups(g.get())) {
        const auto p = spec.layout.find(name);
        if (!p) continue;
        for (std::size_t k = 0; k < spikes.timestamps.size(); ++k) {
            b.step.push_back(spike_time_to_step(spikes.timestamps[k], spec.simulation.dt));
            b.neuron.push_back(spec.layout[*p].first + static_cast<neuron_id>(spikes.node_ids[k]));
        }
    }
    return b;
}

}  // namespace

// Distributed runs: every rank must build the same network. Compared as hashes before
// anything is built, so a rank with another file, seed or build says so instead of
// exchanging spikes of a different network.
void check_ranks_agree(const network_spec& spec, const std::string& options) {
    const ranks& world = ranks::world();
    if (!world.distributed()) return;
    const std::string what = spec.source_text + "\n#seed " + std::to_string(spec.simulation.seed) + " dt " +
                             number_text(spec.simulation.dt) + "\n#version " + version_string() + "\n#duration " +
                             number_text(spec.simulation.duration) + "\n" + options;
    const std::vector<std::uint64_t> all = world.all_gather(description_hash(what));
    std::string differ;
    int count = 0;
    for (std::size_t r = 1; r < all.size(); ++r)
        if (all[r] != all[0]) differ += (count++ ? ", " : "") + std::to_string(r);
    if (differ.empty()) return;
    if (world.rank() != 0) world.barrier();  // one message: rank 0's (its abort ends this wait)
    throw input_error({spec.source_file, 0, "mpirun"},
                      std::string(count > 1 ? "ranks " : "rank ") + differ + (count > 1 ? " read" : " reads") +
                          " a different description, seed, duration, partition, checkpoint or program version than "
                          "rank 0; expected every rank to run the same file, options and build");
}

namespace {

std::string iso_time_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

}  // namespace

int run_command(const run_command_options& options) {
    const auto t_start = clock_type::now();
    std::signal(SIGINT, request_stop);
    std::signal(SIGTERM, request_stop);
    const ranks& world = ranks::world();
    const bool lead = world.rank() == 0;  // writes every output of the run
    run_command_options o = options;
    if (!o.rank_backends.empty()) o.backend = o.rank_backends[world.rank() % o.rank_backends.size()];
    o.split_over_ranks = true;
    network_spec spec = load_with_overrides(o);
    check_ranks_agree(spec, std::string("partition ") + (o.partition == rank_partition::even ? "even" : "balanced") +
                                " resume " + o.resume + " checkpoint-every " + number_text(o.checkpoint_every));
    const double t_parse = seconds_since(t_start);
    const int threads = spec.simulation.thread_count();
    kokkos_session kokkos(threads, spec.simulation.backend);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, threads);

    // A checkpoint to resume is checked before anything is built.
    std::unique_ptr<checkpoint_reader> checkpoint;
    if (!o.resume.empty()) {
        checkpoint = std::make_unique<checkpoint_reader>(o.resume);
        if (checkpoint->description_hash() != description_hash(checkpoint_key(spec)))
            throw input_error({o.resume, 0, "--resume"},
                              "the checkpoint was written for another description or seed than " +
                                  spec.source_file + "; expected a checkpoint of this run");
    }

    const fs::path out = o.out_dir;
    const fs::path manifest_path = out / "run.json";
    if (lead) {
        fs::create_directories(out);
        fs::remove(manifest_path);  // an older manifest must not vouch for this run's files
    }

    spdlog::info("building {} ({} neurons, {} projections) with {} threads{}", spec.source_file, spec.layout.total(),
                 spec.projections.size(), threads,
                 world.distributed() ? " on each of " + std::to_string(world.size()) + " ranks" : std::string());
    run_options ro;
    ro.backend = spec.simulation.backend;
    ro.delivery = o.delivery;
    ro.width = o.width;
    ro.distributed = world.distributed();
    ro.partition = o.partition;
    auto t0 = clock_type::now();
    synapse_parts table = build_static_synapses(spec, owned_neurons(spec, ro));  // this rank's share
    const double t_connect = seconds_since(t0);
    const edge_index n_synapses = world.sum(table.size());
    t0 = clock_type::now();
    simulation sim(spec, std::move(table), ro);
    const double t_lower = seconds_since(t0);
    const lowering_info& info = sim.info();
    spdlog::info("{} synapses in {:.2f} s, lowered to {} ({} delivery, {} partitions, {:.2f} B/synapse) in {:.2f} s",
                 n_synapses, t_connect, info.backend, to_string(info.delivery), info.partitions, info.bytes_per_synapse,
                 t_lower);

    // Resuming: the checkpoint must come from this description; its state replaces the
    // initial one and its outputs so far start the new files.
    if (checkpoint) {
        try {
            sim.restore_state(checkpoint->state());
        } catch (const std::runtime_error& e) {
            throw input_error({o.resume, 0, "--resume"}, e.what());
        }
        spdlog::info("resuming from {} at t = {} ms", o.resume, checkpoint->state().step * spec.simulation.dt);
    }

    // Files are created here; from now on only the writer thread touches HDF5.
    const bool any_spikes = std::find(spec.record_spikes.begin(), spec.record_spikes.end(), true) != spec.record_spikes.end();
    const fs::path spike_path = out / "spikes.h5";
    std::unique_ptr<spike_file_writer> spikes;
    if (!lead) {
        // Rank 0 writes the run's files: the engine hands spikes and traces to it alone.
    } else if (any_spikes && checkpoint)
        spikes = std::make_unique<spike_file_writer>(spike_path.string(), spec.layout, spec.record_spikes, spec.simulation.dt,
                                                     checkpoint->file(), "outputs/spikes");
    else if (any_spikes)
        spikes = std::make_unique<spike_file_writer>(spike_path.string(), spec.layout, spec.record_spikes, spec.simulation.dt);
    else
        fs::remove(spike_path);
    std::vector<std::unique_ptr<trace_file_writer>> traces;
    std::vector<std::string> outputs;
    for (std::size_t k = 0; k < (lead ? spec.traces.size() : 0); ++k) {
        const trace_record_spec& t = spec.traces[k];
        const fs::path p = out / (t.name + ".h5");
        if (checkpoint) {
            traces.push_back(std::make_unique<trace_file_writer>(p.string(), checkpoint->file(), "outputs/trace_" + std::to_string(k)));
        } else {
            traces.push_back(open_trace_report(spec, k, p.string()));
        }
        outputs.push_back(p.string());
    }
    if (spikes) outputs.insert(outputs.begin(), spike_path.string());

    background_writer writer;
    activity_statistics stats(spec.layout, spec.simulation.dt);
    if (checkpoint && checkpoint->has("outputs/spikes")) stats.add(read_spike_group(checkpoint->file(), "outputs/spikes", spec));
    checkpoint.reset();
    progress_line progress(spec.simulation.dt, o.progress);
    const std::uint64_t steps = spec.simulation.steps();
    const step_t first_step = sim.current_step();
    const std::uint64_t events_at_start = sim.delivered_events();
    if (first_step > steps)
        throw input_error({o.resume, 0, "--resume"}, "the checkpoint is past the end of the run (" +
                                                         number_text(first_step * spec.simulation.dt) + " ms)");
    run_observer observer;
    observer.on_spikes = [&](spike_batch&& b) {
        stats.add(b);
        auto batch = std::make_shared<spike_batch>(std::move(b));
        if (spikes) writer.post([&spikes, batch] { spikes->append(batch->step, batch->neuron); });
    };
    observer.on_traces = [&](trace_batch&& b) {
        auto batch = std::make_shared<trace_batch>(std::move(b));
        writer.post([&traces, batch] { traces[batch->record]->append(batch->values); });
    };
    const auto t_run = clock_type::now();
    observer.on_progress = [&](const run_progress& p) {  // over the whole run, not one checkpoint interval
        progress({p.step - first_step, static_cast<step_t>(steps - first_step), seconds_since(t_run)});
    };
    observer.should_stop = [] { return stop_signal.load() != 0; };

    // Checkpoints every `interval` steps: the state is taken between runs and written, with
    // copies of the outputs so far, by the writer thread (which owns HDF5).
    const fs::path checkpoint_path = o.checkpoint_file.empty() ? out / "checkpoint.h5" : fs::path(o.checkpoint_file);
    const std::uint64_t interval =
        o.checkpoint_every > 0 ? std::max<std::uint64_t>(1, std::llround(o.checkpoint_every / spec.simulation.dt)) : 0;
    const std::uint64_t key = description_hash(checkpoint_key(spec));
    std::size_t checkpoints = 0;
    const double rss_before_run = current_rss_bytes();  // construction's host copies are gone by now
    t0 = clock_type::now();
    // A distributed run stops on every rank at once (the engine agrees on the step), also
    // where the signal reached one rank only: a run that ended early was stopped.
    bool stopped = false;
    while (sim.current_step() < steps && !stopped) {
        const std::uint64_t left = steps - sim.current_step();
        const std::uint64_t n = interval > 0 ? std::min<std::uint64_t>(interval - sim.current_step() % interval, left) : left;
        const step_t planned = static_cast<step_t>(sim.current_step() + n);
        sim.run(n, observer);
        stopped = stop_signal || sim.current_step() < planned;
        if (interval == 0 || sim.current_step() >= steps || stopped) continue;
        auto state = std::make_shared<simulation_state>(sim.save_state());  // collective: every rank takes part
        if (!lead) continue;
        writer.post([&, state] {
            write_checkpoint(checkpoint_path.string(), *state, key, [&](hid_t file) {
                if (spikes) spikes->save_to(file, "outputs/spikes");
                for (std::size_t k = 0; k < traces.size(); ++k) traces[k]->save_to(file, "outputs/trace_" + std::to_string(k));
            });
        });
        ++checkpoints;
    }
    const double t_sim = seconds_since(t0);
    const double rss_after_run = current_rss_bytes();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (stopped) {
        writer.finish();
        // Every rank stopped at the same step: remove the unfinished files before a rank's
        // error ends the job.
        spikes.reset();
        traces.clear();
        world.barrier();
        throw std::runtime_error("interrupted at t = " + number_text(sim.current_step() * spec.simulation.dt) +
                                 " ms; no output was kept" +
                                 (checkpoints > 0 ? "; continue from the last checkpoint with --resume " + checkpoint_path.string()
                                                  : std::string()));
    }
    t0 = clock_type::now();
    writer.post([&] {
        if (spikes) spikes->commit();
        for (auto& t : traces) t->commit();
    });
    writer.finish();
    const double t_write = seconds_since(t0);

    // Each rank's share and its time in spike exchanges (collective); rank 0 reports.
    const std::vector<double> per_rank = world.all_gather(std::vector<double>{
        double(info.owned.first), double(std::min<neuron_id>(info.owned.last, spec.layout.total())), double(info.synapses),
        info.exchange_seconds, t_sim, t_connect, t_lower, peak_rss_bytes(), double(info.exchanged_bytes)});
    std::vector<int> name_sizes;
    const std::vector<char> names = world.all_gather(std::vector<char>(info.backend.begin(), info.backend.end()), &name_sizes);
    if (!lead) return 0;
    nlohmann::json rank_list = nlohmann::json::array();
    constexpr std::size_t fields = 9;
    for (int r = 0, at = 0; r < world.size(); at += name_sizes[r], ++r) {
        const double* f = per_rank.data() + r * fields;
        rank_list.push_back({{"rank", r}, {"backend", std::string(names.begin() + at, names.begin() + at + name_sizes[r])},
                             {"neurons", {f[0], f[1]}}, {"synapses", f[2]}, {"exchange_s", f[3]}, {"simulate_s", f[4]},
                             {"connect_s", f[5]}, {"lower_s", f[6]}, {"peak_rss_bytes", f[7]}, {"received_bytes", f[8]}});
    }

    const double duration = steps * spec.simulation.dt;
    if (checkpoints > 0) spdlog::info("{} checkpoints written to {}", checkpoints, checkpoint_path.string());
    const auto activity = stats.summarize(duration);
    nlohmann::json m;
    m["synaptogen"] = version_string();
    m["kokkos"] = kokkos_description();
    m["started"] = iso_time_now();
    m["file"] = spec.source_file;
    m["config"] = spec.source_text;
    m["seed"] = spec.simulation.seed;
    m["dt_ms"] = spec.simulation.dt;
    m["duration_ms"] = duration;
    m["steps"] = steps;
    m["backend"] = info.backend;
    if (active_device() >= 0) {  // a GPU run: which device
        for (const auto& d : find_devices())
            if (d.id == active_device())
                m["device"] = {{"id", d.id}, {"name", d.name}, {"capability", std::to_string(d.major) + "." + std::to_string(d.minor)},
                               {"memory_bytes", d.total_bytes}};
    }
    m["threads"] = threads;
    m["steps_on_one_thread"] = sim.steps_on_one_thread();
    m["delivery"] = to_string(info.delivery);
    m["partitions"] = info.partitions;
    m["timings_s"] = {{"parse", t_parse}, {"connect", t_connect}, {"lower", t_lower}, {"simulate", t_sim}, {"write", t_write}};
    m["counts"] = {{"neurons", spec.layout.total()}, {"synapses", n_synapses}, {"plastic_synapses", info.plastic_synapses},
                   {"couplings", info.couplings}, {"spikes", sim.spike_count()},
                   {"synaptic_events", sim.delivered_events()}};
    m["memory"] = {{"bytes_per_synapse", info.bytes_per_synapse}, {"synapse_bytes", info.synapse_bytes},
                   {"index_bytes", info.index_bytes}, {"row_weights", info.row_weights}, {"rss_before_run_bytes", rss_before_run},
                   {"rss_after_run_bytes", rss_after_run}, {"peak_rss_bytes", peak_rss_bytes()}};
    m["fixed_point_bits"] = info.fixed_point_bits;
    if (world.distributed()) {
        m["distributed"] = {{"ranks", world.size()}, {"partition", o.partition == rank_partition::even ? "even" : "balanced"},
                            {"exchange_steps", info.exchange_steps}, {"exchanges", info.exchanges},
                            {"collective", "MPI_Allgatherv of spike ids, once per exchange_steps"}, {"per_rank", rank_list}};
    }
    if (!o.resume.empty()) m["resumed_from"] = {{"checkpoint", o.resume}, {"t_ms", first_step * spec.simulation.dt}};
    if (checkpoints > 0) m["checkpoint"] = checkpoint_path.string();
    for (std::size_t p = 0; p < spec.layout.count(); ++p) {
        nlohmann::json pj = {{"name", spec.layout[p].name}, {"size", spec.layout[p].size}, {"recorded", bool(spec.record_spikes[p])}};
        if (spec.record_spikes[p])
            pj.update({{"spikes", activity[p].spikes}, {"rate_hz", activity[p].rate_hz}, {"cv_isi", activity[p].cv_isi}});
        m["populations"].push_back(pj);
    }
    m["outputs"] = outputs;
    write_file_atomically(manifest_path.string(), m.dump(2) + "\n");

    std::printf("Synaptogen %s: %s\n", version_string().c_str(), spec.source_file.c_str());
    std::printf("  neurons     %u in %zu populations\n", spec.layout.total(), spec.layout.count());
    std::printf("  synapses    %llu static (%.2f bytes each on the device: %s, plus %s of row offsets%s)\n",
                static_cast<unsigned long long>(n_synapses), info.bytes_per_synapse,
                human_bytes(static_cast<double>(info.synapse_bytes)).c_str(),
                human_bytes(static_cast<double>(info.index_bytes)).c_str(),
                info.row_weights ? " and one weight per source" : "");
    if (info.plastic_synapses > 0)
        std::printf("              %llu plastic (STDP), %s on the device\n", static_cast<unsigned long long>(info.plastic_synapses),
                    human_bytes(static_cast<double>(info.plastic_bytes)).c_str());
    if (info.couplings > 0)
        std::printf("              %llu continuous couplings (gap junctions, graded, rate)\n",
                    static_cast<unsigned long long>(info.couplings));
    std::printf("  build       %.2f s (connect %.2f s, lower %.2f s), %d threads, %s backend%s\n", t_connect + t_lower,
                t_connect, t_lower, threads, info.backend.c_str(), world.distributed() ? " (rank 0)" : "");
    if (world.distributed()) {
        double most = 0.0;
        for (int r = 0; r < world.size(); ++r) most = std::max(most, per_rank[r * fields + 3]);
        std::printf("  ranks       %d (%s partition), spikes exchanged every %u steps: %llu exchanges, %.2f s on rank 0 (at most "
                    "%.2f s on a rank)\n",
                    world.size(), o.partition == rank_partition::even ? "even" : "balanced", info.exchange_steps,
                    static_cast<unsigned long long>(info.exchanges), info.exchange_seconds, most);
    }
    const double simulated = (steps - first_step) * spec.simulation.dt;  // this invocation's share
    std::printf("  simulate    %.1f ms in %.2f s (real-time factor %.2f), %.3g synaptic events/s%s\n", simulated, t_sim,
                simulated > 0 ? t_sim / (simulated * 1e-3) : 0.0,
                t_sim > 0 ? (sim.delivered_events() - events_at_start) / t_sim : 0.0,
                first_step > 0 ? (" (resumed at " + number_text(first_step * spec.simulation.dt) + " ms)").c_str() : "");
    if (sim.steps_on_one_thread() > 0)
        std::printf("              %.0f %% of the steps on one thread: another process held a core (--thread-use all "
                    "keeps every thread)\n",
                    100.0 * sim.steps_on_one_thread() / std::max<double>(1.0, steps - first_step));
    std::printf("  memory      %s resident while simulating, %s peak (construction)\n",
                human_bytes(rss_after_run).c_str(), human_bytes(peak_rss_bytes()).c_str());
    std::printf("  %-12s %10s %10s %8s\n", "population", "spikes", "rate [Hz]", "CV ISI");
    for (std::size_t p = 0; p < spec.layout.count(); ++p) {
        if (!spec.record_spikes[p]) continue;
        std::printf("  %-12s %10llu %10.2f %8.3f\n", spec.layout[p].name.c_str(),
                    static_cast<unsigned long long>(activity[p].spikes), activity[p].rate_hz, activity[p].cv_isi);
    }
    for (const auto& f : outputs) std::printf("  wrote       %s\n", f.c_str());
    std::printf("  manifest    %s\n", manifest_path.string().c_str());
    return 0;
}

}  // namespace synaptogen::app
