#include <synaptogen/runtime/memory_estimate.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace synaptogen {

namespace {
constexpr double bytes_per_neuron = 184.0;  // fifteen state slots, ring-buffer slots, flags, row offsets
}

// Device bytes per synapse by synapse model: static 8 (target|delay, weight; 4 with one
// weight per source, see one_weight_per_source); STDP adds a
// rule index and an index by target (2 + 8 + 4); continuous couplings are stored by target
// (source, weight, kind: 10), gap junctions in both directions.
double runtime_bytes(synapse_kind k) {
    switch (k) {
    case synapse_kind::static_synapse: return runtime_bytes_per_synapse;
    case synapse_kind::stdp: return runtime_bytes_per_synapse + 14.0;
    case synapse_kind::gap_junction: return 20.0;
    case synapse_kind::graded:
    case synapse_kind::rate: return 10.0;
    }
    return runtime_bytes_per_synapse;
}

// Host bytes per synapse of a projection while generated, before packing
// (graph/synapse_table.hpp: synapse_chunk): the target; drawn weights and delays are drawn
// while packing. fixed_indegree stores nothing (its columns are drawn twice while packing).
double generated_bytes(const projection_spec& p) {
    if (p.rule == connection_rule_kind::fixed_indegree) return 0.0;
    if (p.rule == connection_rule_kind::explicit_edges) return 10.0;
    return 4.0;
}

// Whether static synapses keep one weight per source and none each (synapse_packing.hpp:
// row_weight): every static projection has one constant weight, and those leaving one
// population agree.
bool one_weight_per_source(const network_spec& spec) {
    std::vector<std::optional<float>> weight(spec.layout.count());
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        const projection_spec& p = spec.projections[k];
        if (projection_kind(spec, k) != synapse_kind::static_synapse || expected_synapses(spec.layout, p) == 0.0) continue;
        if (p.rule == connection_rule_kind::explicit_edges || p.weight.kind != distribution_kind::constant) return false;
        const float w = static_cast<float>(p.weight.value);
        // Bitwise, as packing compares: -0.0 and 0.0 take different ring channels.
        if (weight[p.source] && std::memcmp(&*weight[p.source], &w, sizeof w) != 0) return false;
        weight[p.source] = w;
    }
    return true;
}

memory_estimate estimate_memory(const network_spec& spec) {
    memory_estimate m;
    double bytes = 0.0, generated = 0.0, largest = 0.0;
    const bool row_weights = one_weight_per_source(spec);
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        const double s = expected_synapses(spec.layout, spec.projections[k]);
        const synapse_kind kind = k < spec.synapses.size() ? spec.synapses[k].kind : synapse_kind::static_synapse;
        m.synapses += s;
        bytes += s * (kind == synapse_kind::static_synapse && row_weights ? runtime_bytes_per_synapse_row_weight
                                                                          : runtime_bytes(kind));
        generated += s * generated_bytes(spec.projections[k]);
        largest = std::max(largest, s * generated_bytes(spec.projections[k]));
    }
    const double n = spec.layout.total();
    // A population with drawn parameters holds one set of constants per neuron (and, while
    // lowering, one parameter set per neuron on the host); given values share theirs.
    double own_constants = 0.0;
    for (std::size_t p = 0; p < spec.models.size(); ++p)
        if (draws_parameters(spec.models[p])) own_constants += spec.layout[p].size;
    m.runtime_bytes = bytes + n * (bytes_per_neuron + (row_weights ? sizeof(float) : 0)) + own_constants * sizeof(neuron_constants);
    // GPUs deliver at emission time into a ring of 2^k >= max delay + 1 slots, two 8-byte
    // channels per neuron (or one per receptor port) (host backends deliver at arrival time into one slot). Normal and
    // lognormal delays count up to 6 sd (their tail is redrawn only above 65535 steps).
    double max_delay_steps = 1.0;
    for (const auto& p : spec.projections) {
        if (p.edges_have_delays) continue;
        const distribution& d = p.delay;
        double longest = d.upper_bound();
        if (d.kind == distribution_kind::normal) longest = std::min(longest, d.mean + 6.0 * d.sd);
        if (d.kind == distribution_kind::lognormal) longest = std::min(longest, std::exp(d.mean + 6.0 * d.sd));
        max_delay_steps = std::max(max_delay_steps, std::round(longest / spec.simulation.dt));
    }
    double slots = 1.0;
    while (slots < max_delay_steps + 1.0) slots *= 2.0;
    // Plus the spike batch that leaves the device every few steps.
    const double batch_ids = n * spike_batch_steps(spec.layout.total());
    // Receptor ports add channels (one per port, at least two).
    std::uint32_t channels = 2;
    for (const auto& syn : spec.synapses) channels = std::max(channels, syn.receptor);
    m.device_bytes = m.runtime_bytes + n * slots * 8.0 * channels + 4.0 * batch_ids;
    // Packing frees the generated chunks as the packed store fills (one projection's
    // worth is returned to the system at a time).
    m.construction_bytes = std::max(generated, bytes) + largest + n * bytes_per_neuron +
                           own_constants * (sizeof(neuron_constants) + sizeof(neuron_parameters));
    return m;
}

std::uint64_t available_memory_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("MemAvailable:", 0) == 0) {
            std::istringstream s(line.substr(13));
            std::uint64_t kib = 0;
            s >> kib;
            return kib * 1024;
        }
    }
    return ~0ull;  // unknown: do not refuse
}

namespace {

// The largest projection, where a too-large network is reported.
std::pair<source_location, double> largest_projection(const network_spec& spec) {
    source_location where = spec.simulation.origin;
    double largest = -1.0;
    for (const auto& p : spec.projections) {
        const double s = expected_synapses(spec.layout, p);
        if (s > largest) {
            largest = s;
            where = p.origin;
        }
    }
    return {where, largest};
}

}  // namespace

void check_memory(const network_spec& spec, const memory_estimate& estimate, std::uint64_t available) {
    if (estimate.peak_bytes() <= static_cast<double>(available)) return;
    const auto [where, largest] = largest_projection(spec);
    char msg[400];
    std::snprintf(msg, sizeof msg,
                  "the network needs about %.3g GiB (%.4g synapses; this projection alone %.4g) but the machine "
                  "has %.3g GiB available; expected a network that fits in memory",
                  estimate.peak_bytes() / 1073741824.0, estimate.synapses, largest, available / 1073741824.0);
    throw input_error(where, msg);
}

void check_device_memory(const network_spec& spec, const memory_estimate& estimate, const device_info& device) {
    if (estimate.device_bytes <= static_cast<double>(device.free_bytes)) return;
    const auto [where, largest] = largest_projection(spec);
    char msg[600];
    std::snprintf(msg, sizeof msg,
                  "the network needs about %.3g GiB on the device (%.4g synapses; this projection alone %.4g) but "
                  "%s device %d (%s) has %.3g GiB free of %.3g GiB; expected a network that fits in device memory "
                  "(or a host backend, or more devices)",
                  estimate.device_bytes / 1073741824.0, estimate.synapses, largest, device.backend.c_str(), device.id,
                  device.name.c_str(), device.free_bytes / 1073741824.0, device.total_bytes / 1073741824.0);
    throw input_error(where, msg);
}

}  // namespace synaptogen
