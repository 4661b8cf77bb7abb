#pragma once
#include <cstdint>
#include <vector>

#include <synaptogen/graph/ids.hpp>
#include <synaptogen/graph/population.hpp>
#include <synaptogen/graph/projection.hpp>

namespace synaptogen {

// All static synapses of a network, CSR by source: the synapses of neuron i are
// [row_map[i], row_map[i+1]). Within a row, synapses are ordered by projection, then by
// target, then by generation order, so the table is a function of (specs, seed) alone.
// This is the host form (10 bytes per synapse); the runtime packs it to 8.
struct synapse_table {
    neuron_id n_neurons = 0;
    std::vector<edge_index> row_map;   // n_neurons + 1
    std::vector<neuron_id> target;     // global id
    std::vector<float> weight;         // [mV] or [pA], by the target's model
    std::vector<std::uint16_t> delay;  // [steps], >= 1
    std::vector<edge_index> projection_size;  // synapses made by each projection

    edge_index size() const { return target.size(); }
    std::uint16_t max_delay() const;
    std::vector<edge_index> in_degrees() const;
};

// Largest delay (in steps) a synapse table may hold.
inline constexpr std::uint32_t max_delay_steps = 65535;

// Rounds a delay in ms to whole steps; values in [dt/2, dt) count as one step.
std::uint32_t delay_to_steps(double delay_ms, double dt_ms);

// Builds every projection with oneTBB. The result depends on (specs, seed, dt) only,
// never on the number of threads. Throws input_error (pointing at the projection) for
// rules that cannot be satisfied, e.g. an in-degree larger than the source population.
// `include` (if not empty) selects projections; the others contribute no synapses but keep
// their index, so a projection's synapses do not depend on which others are built.
synapse_table build_synapses(const population_layout& layout,
                             const std::vector<projection_spec>& projections,
                             std::uint64_t seed, double dt_ms, const std::vector<bool>& include = {});

// Expected number of synapses of one projection (exact where the rule fixes it).
double expected_synapses(const population_layout& layout, const projection_spec& p);

}  // namespace synaptogen
