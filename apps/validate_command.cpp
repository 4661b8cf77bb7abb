// `synaptogen validate`: everything `run` does before the first step, then a report.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <tbb/global_control.h>

#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>

#include "commands.hpp"

namespace synaptogen::app {

namespace {

// What a SONATA config sets up: node types per population, edge populations, inputs,
// reports, and every key read without effect.
void print_sonata_summary(const sonata_summary& s) {
    if (s.node_types.empty()) return;
    std::printf("  SONATA      target simulator %s\n", s.target_simulator.empty() ? "(none)" : s.target_simulator.c_str());
    std::printf("  %-12s %10s  %-9s %-24s %s\n", "population", "nodes", "node type", "model_template", "dynamics_params");
    for (const auto& t : s.node_types)
        std::printf("  %-12s %10zu  %-9lld %-24s %s\n", t.population.c_str(), t.nodes, static_cast<long long>(t.id),
                    t.model_template.c_str(), t.dynamics_params.c_str());
    for (const auto& v : s.varied) std::printf("  per node    %s\n", v.c_str());
    for (const auto& e : s.edge_populations) std::printf("  edges       %s\n", e.c_str());
    for (const auto& i : s.inputs) std::printf("  input       %s\n", i.c_str());
    for (const auto& r : s.reports) std::printf("  report      %s\n", r.c_str());
    for (const auto& k : s.ignored) std::printf("  ignored     %s\n", k.c_str());
}

}  // namespace

int validate_command(const common_options& o) {
    sonata_summary sonata;
    network_spec spec = load_with_overrides(o, &sonata);
    const int threads = spec.simulation.thread_count();
    kokkos_session kokkos(threads, spec.simulation.backend);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, threads);
    const memory_estimate estimate = estimate_memory(spec);

    std::printf("%s: valid\n", spec.source_file.c_str());
    std::printf("  simulation  dt %.4g ms, duration %.6g ms (%llu steps), seed %llu\n", spec.simulation.dt,
                spec.simulation.duration, static_cast<unsigned long long>(spec.simulation.steps()),
                static_cast<unsigned long long>(spec.simulation.seed));
    std::printf("  %-12s %10s  %-14s %s\n", "population", "neurons", "model", "parameter groups");
    for (std::size_t p = 0; p < spec.layout.count(); ++p) {
        std::string varied;
        for (const auto& v : spec.models[p].varied) varied += (varied.empty() ? "varies: " : ", ") + v.parameter;
        std::string models;  // a mixed population lists its models with their neuron counts
        for (const auto kind : models_in(spec.models[p])) {
            models += (models.empty() ? "" : " + ") + std::string(to_string(kind));
            const auto& per_neuron = spec.models[p].neuron_models;
            if (!per_neuron.empty()) models += " (" + std::to_string(std::count(per_neuron.begin(), per_neuron.end(), kind)) + ")";
        }
        std::printf("  %-12s %10u  %-14s %s\n", spec.layout[p].name.c_str(), spec.layout[p].size, models.c_str(),
                    varied.empty() ? "uniform" : varied.c_str());
    }
    print_sonata_summary(sonata);

    const auto t0 = std::chrono::steady_clock::now();
    synapse_parts table = build_static_synapses(spec);
    const double t_connect = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  %-24s %-20s %-13s %14s %14s\n", "projection", "rule", "synapse", "synapses", "expected");
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        const auto& p = spec.projections[k];
        const std::string name = spec.layout[p.source].name + " -> " + spec.layout[p.target].name;
        const synapse_kind kind = projection_kind(spec, k);
        const std::string built = kind == synapse_kind::static_synapse ? std::to_string(table.projections[k].size) : "(below)";
        const std::uint32_t port = k < spec.synapses.size() ? spec.synapses[k].receptor : 0;
        const std::string synapse = std::string(to_string(kind)) + (port > 0 ? " port " + std::to_string(port) : "");
        std::printf("  %-24s %-20s %-13s %14s %14.0f\n", name.c_str(), to_string(p.rule), synapse.c_str(), built.c_str(),
                    expected_synapses(spec.layout, p));
    }
    const edge_index n_synapses = table.size();
    simulation sim(spec, std::move(table), run_options{spec.simulation.backend, delivery_kind::automatic});
    const lowering_info& info = sim.info();
    std::printf("  parameters  %zu groups of neuron constants (one per uniform population, one per distinct set of a "
                "varied one)\n", info.parameter_groups);
    std::printf("  static      %llu synapses built in %.2f s\n", static_cast<unsigned long long>(n_synapses), t_connect);
    std::printf("  bytes/synapse %.2f measured on the %s backend (%s in synapse arrays, plus %s of row offsets for "
                "%d delivery partitions)\n",
                info.bytes_per_synapse, info.backend.c_str(), human_bytes(static_cast<double>(info.synapse_bytes)).c_str(),
                human_bytes(static_cast<double>(info.index_bytes)).c_str(), info.partitions);
    if (info.plastic_synapses > 0)
        std::printf("  plastic     %llu STDP synapses, %s on the device (weight, target|delay, rule, index by target)\n",
                    static_cast<unsigned long long>(info.plastic_synapses), human_bytes(static_cast<double>(info.plastic_bytes)).c_str());
    if (info.couplings > 0)
        std::printf("  couplings   %llu continuous connections (gap junctions count in both directions)\n",
                    static_cast<unsigned long long>(info.couplings));
    std::printf("  max delay   %u steps; weights summed in fixed point with 2^-%d resolution\n", info.max_delay_steps,
                info.fixed_point_bits);
    std::printf("  memory      estimate %s at run time, %s peak while building; %s available\n",
                human_bytes(estimate.runtime_bytes).c_str(), human_bytes(estimate.construction_bytes).c_str(),
                human_bytes(static_cast<double>(available_memory_bytes())).c_str());
    // On a GPU the device holds the run-time state (the same layout, 8 B per static synapse).
    const auto devices = find_devices();
    if (devices.empty()) {
        std::printf("  device      a GPU run needs about %s of device memory (no GPU on this node)\n",
                    human_bytes(estimate.device_bytes).c_str());
    } else {
        const device_info& d = devices[chosen_device(static_cast<int>(devices.size()))];
        std::printf("  device      a GPU run needs about %s on %s device %d (%s): %s free of %s%s\n",
                    human_bytes(estimate.device_bytes).c_str(), d.backend.c_str(), d.id, d.name.c_str(),
                    human_bytes(static_cast<double>(d.free_bytes)).c_str(),
                    human_bytes(static_cast<double>(d.total_bytes)).c_str(),
                    estimate.device_bytes <= static_cast<double>(d.free_bytes) ? "" : " - does not fit");
    }
    return 0;
}

}  // namespace synaptogen::app
