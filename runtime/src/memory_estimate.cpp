#include <synaptogen/runtime/memory_estimate.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace synaptogen {

namespace {
constexpr double bytes_per_neuron = 64.0;  // state, ring-buffer slots, flags, per-neuron row offsets
}

memory_estimate estimate_memory(const network_spec& spec) {
    memory_estimate m;
    for (const auto& p : spec.projections) m.synapses += expected_synapses(spec.layout, p);
    const double n = spec.layout.total();
    m.runtime_bytes = m.synapses * runtime_bytes_per_synapse + n * bytes_per_neuron;
    m.construction_bytes = m.synapses * construction_bytes_per_synapse + n * bytes_per_neuron;
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

void check_memory(const network_spec& spec, const memory_estimate& estimate, std::uint64_t available) {
    if (estimate.peak_bytes() <= static_cast<double>(available)) return;
    source_location where = spec.simulation.origin;
    double largest = -1.0;
    for (const auto& p : spec.projections) {
        const double s = expected_synapses(spec.layout, p);
        if (s > largest) {
            largest = s;
            where = p.origin;
        }
    }
    char msg[400];
    std::snprintf(msg, sizeof msg,
                  "the network needs about %.3g GiB (%.4g synapses; this projection alone %.4g) but the machine "
                  "has %.3g GiB available; expected a network that fits in memory",
                  estimate.peak_bytes() / 1073741824.0, estimate.synapses, largest, available / 1073741824.0);
    throw input_error(where, msg);
}

}  // namespace synaptogen
