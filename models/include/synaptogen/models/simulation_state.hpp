#pragma once
// Everything a running simulation needs to continue exactly where it stopped: the
// contents of a checkpoint. runtime/ fills and restores it; io/ writes and reads it.
// Random numbers need no state here: every draw is keyed by (seed, neuron, step).
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/ids.hpp>

namespace synaptogen {

struct simulation_state {
    step_t step = 0;
    std::uint64_t spikes = 0;              // all neurons, so far
    std::uint64_t events = 0;              // synaptic events delivered so far
    std::uint64_t fingerprint = 0;         // of the lowered network; a checkpoint only resumes its own network
    std::uint32_t slots = 0;               // state slots per neuron
    std::vector<double> neuron_state;      // [slot][neuron]
    std::vector<std::int32_t> refractory;  // [neuron]
    std::vector<std::int64_t> ring;        // pending synaptic input, [ring slot][channel][neuron], fixed point
    std::vector<float> plastic_weights;    // plastic synapses by source, projection, generation order
    std::vector<double> traces;            // STDP traces, [projection][pre, post][neuron]
    std::vector<std::uint64_t> trace_rows; // rows already sampled, per trace record
};

}  // namespace synaptogen
