#pragma once
// The editable connectome: per projection, the explicit (source, target) pairs with their
// weights, as a value that evolution and the language trainer change and rebuild from.
// The simulator's synapse table is generated once and packed; this is the form that stays
// editable. An edge is identified by its endpoints within its projection.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <synaptogen/graph/ids.hpp>
#include <synaptogen/graph/population.hpp>
#include <synaptogen/graph/projection.hpp>

namespace synaptogen {

// One projection's edges, CSR by source over local ids: the edges of source s are
// [row_map[s], row_map[s+1]), targets ascending within a row (duplicates allowed where
// the projection allows multapses).
struct edge_set {
    std::size_t source_population = 0, target_population = 0;
    neuron_id n_sources = 0, n_targets = 0;
    std::vector<edge_index> row_map;  // n_sources + 1
    std::vector<neuron_id> target;    // local target of each edge
    std::vector<float> weight;        // one per edge
    bool allow_autapses = true;       // the projection's rules, kept so edits respect them
    bool allow_multapses = true;      // (autapses only matter when source == target population)

    edge_index size() const { return target.size(); }
    std::vector<edge_index> in_degrees() const;
    std::vector<edge_index> out_degrees() const;
    // Removes the edges for which keep(edge) is false; returns how many went.
    template <class Keep>
    edge_index retain(Keep keep);
    // Removes the first edge from source to target; false if there is none.
    bool remove_edge(neuron_id source, neuron_id target);
    // Index of the first edge source -> target, or size() if none.
    edge_index find(neuron_id source, neuron_id target) const;
    // Source of every edge (the CSR rows expanded).
    std::vector<neuron_id> sources() const;
    // Whether source -> target may be an edge here (range, autapse rule), ignoring multapses.
    bool allowed(neuron_id source, neuron_id target) const;
    // Replaces the edges by (source, target, weight) triples in any order; they are sorted
    // by (source, target), stably, so multapses keep their given order. An endpoint outside
    // n_sources x n_targets throws input_error.
    struct triple {
        neuron_id source, target;
        float weight;
    };
    void assign(std::vector<triple> edges);
    std::vector<triple> triples() const;
};

struct connectome {
    std::vector<edge_set> projections;  // one per projection spec, same order
    edge_index size() const;
};

// Draws every projection with the simulator's rules (build_synapses: the same edges and
// weights for the same specs and seed), kept apart by projection.
connectome build_connectome(const population_layout& layout, const std::vector<projection_spec>& projections,
                            std::uint64_t seed, double dt_ms);

// A degree-preserving null of one projection: `swaps` double-edge swaps (a->b, c->d
// becomes a->d, c->b), each accepted only if it creates no duplicate edge and, when the
// projection connects a population to itself, no self-loop. Every source keeps its
// out-degree and every target its in-degree; weights stay with their source row's slot.
// Returns the number of swaps made (attempts are bounded at 20x `swaps`).
edge_index degree_preserving_shuffle(edge_set& edges, edge_index swaps, std::uint64_t seed,
                                     std::uint32_t stream = 0);

template <class Keep>
edge_index edge_set::retain(Keep keep) {
    edge_index out = 0, removed = 0;
    std::vector<edge_index> new_rows(row_map.size(), 0);
    for (neuron_id s = 0; s < n_sources; ++s) {
        for (edge_index e = row_map[s]; e < row_map[s + 1]; ++e) {
            if (keep(e)) {
                target[out] = target[e];
                weight[out] = weight[e];
                ++out;
            } else {
                ++removed;
            }
        }
        new_rows[s + 1] = out;
    }
    target.resize(out);
    weight.resize(out);
    row_map = std::move(new_rows);
    return removed;
}

}  // namespace synaptogen
