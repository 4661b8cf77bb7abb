#pragma once
#include <cstdint>

#include <synaptogen/graph/synapse_table.hpp>
#include <synaptogen/models/network_spec.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>

namespace synaptogen {

// What a network will cost before it is built, from expected synapse counts.
struct memory_estimate {
    double synapses = 0.0;
    double runtime_bytes = 0.0;       // state while simulating (host backends)
    double device_bytes = 0.0;        // the same on a GPU: plus a ring buffer of every delay slot
    double construction_bytes = 0.0;  // host peak while building (two host copies of the table)
    double peak_bytes() const { return construction_bytes > runtime_bytes ? construction_bytes : runtime_bytes; }
};

inline constexpr double runtime_bytes_per_synapse = 8.0;      // packed target|delay + float weight
inline constexpr double runtime_bytes_per_synapse_row_weight = 4.0;  // the weight once per source instead

// Steps of spikes the engine keeps on the device between visits of the host (its spike
// batch holds this many steps of n ids): room for every neuron spiking in every step, at
// most 4 Mi ids (16 MiB) unless one step alone needs more, and at most 256 steps.
inline std::uint32_t spike_batch_steps(std::uint64_t n) {
    const std::uint64_t steps = (std::uint64_t(1) << 22) / (n > 0 ? n : 1);
    return static_cast<std::uint32_t>(steps < 1 ? 1 : steps > 256 ? 256 : steps);
}

memory_estimate estimate_memory(const network_spec& spec);

// Memory the machine can give this process now (MemAvailable), in bytes.
std::uint64_t available_memory_bytes();

// Throws input_error, naming the largest projection, if the estimate exceeds `available`.
void check_memory(const network_spec& spec, const memory_estimate& estimate, std::uint64_t available);

// The same for a GPU run: the device state (device_bytes) against the device's free memory.
void check_device_memory(const network_spec& spec, const memory_estimate& estimate, const device_info& device);

}  // namespace synaptogen
