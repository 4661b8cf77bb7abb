#pragma once
#include <cstdint>
#include <functional>
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

// The static synapses as generated, before they are merged into one CSR: what the
// runtime packs straight into its own layout, so that construction never holds two full
// copies of the network. Projections drawn by source keep their rows in chunks, which the
// consumer frees as it packs them; a weight or delay that is constant is stored once, not
// per synapse, and drawn ones are drawn when the consumer asks (each row's stream is
// resumed where its targets ended), so a chunk holds 4 bytes per synapse until it is
// packed into the consumer's 8 (or 4). Projections drawn by target (fixed_indegree) are kept as a recipe: the
// consumer draws each column twice (count, then fill), because transposing stored columns
// would double the peak. merge_synapses(generate_synapses(...)) == build_synapses(...).
struct synapse_chunk {
    std::uint64_t first_row = 0;       // local index of the chunk's first row
    std::vector<std::uint32_t> count;  // synapses per row
    std::vector<neuron_id> target;     // local target of each synapse
    std::vector<float> weight;         // empty: all have the part's constant weight, or deferred
    std::vector<std::uint16_t> delay;  // empty: all have the part's constant delay, or deferred
    std::vector<std::uint64_t> resume; // deferred values: per row, its stream's position after the targets
};

// One column of a by-target projection: its sources (local), weights and delays, in draw order.
struct synapse_column {
    std::vector<neuron_id> source;
    std::vector<float> weight;
    std::vector<std::uint16_t> delay;
};

struct projection_part {
    neuron_id source_first = 0, n_sources = 0;  // global id of local 0, population size
    neuron_id target_first = 0, n_targets = 0;
    edge_index size = 0;                        // synapses
    bool constant_weight = false, constant_delay = false;
    float weight = 0.0f;                        // if constant_weight
    std::uint16_t delay = 1;                    // if constant_delay
    bool by_target = false;
    std::vector<synapse_chunk> chunks;          // by source
    std::uint32_t in_degree = 0;                // by target: synapses per column
    // By target: the columns drawn, [first_column, last_column) (local); all unless the
    // synapses were generated for some targets only. Other columns draw empty.
    neuron_id first_column = 0, last_column = 0;
    std::function<void(std::uint64_t column, synapse_column& out)> draw_column;  // by target; replaces out
    // By source with a drawn weight or delay: the chunks hold targets only, and
    // draw_values(row, resume, count, weight, delay) appends the row's values (weights and
    // delays that are not constant), the same numbers as drawing them with the targets.
    bool deferred_values = false;
    std::function<void(std::uint64_t row, std::uint64_t resume, std::uint32_t count, std::vector<float>& weight,
                       std::vector<std::uint16_t>& delay)>
        draw_values;
};

// Draws a part's deferred values into its chunks (for consumers that want whole chunks).
void draw_deferred_values(projection_part& part);

struct synapse_parts {
    neuron_id n_neurons = 0;
    std::vector<projection_part> projections;  // one per projection spec (empty if not included)
    edge_index size() const;
};

// Global neuron ids [first, last).
struct neuron_range {
    neuron_id first = 0, last = ~neuron_id(0);
    bool contains(neuron_id i) const { return i >= first && i < last; }
};

// `targets` keeps only the synapses onto those neurons: one rank's share of a distributed
// run. Each kept synapse is the same (target, weight, delay) as in the whole table: rows
// drawn by source are drawn whole and filtered; columns drawn by target are drawn only
// where they are kept.
synapse_parts generate_synapses(const population_layout& layout, const std::vector<projection_spec>& projections,
                                std::uint64_t seed, double dt_ms, const std::vector<bool>& include = {},
                                neuron_range targets = {});
synapse_table merge_synapses(synapse_parts&& parts);

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
