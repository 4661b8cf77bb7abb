#pragma once
// The controls every connectome experiment needs (docs/evolution.md): for a connectome, a
// random graph with the same edge count per projection, a degree-preserving null (double-
// edge swaps, every neuron's in- and out-degree kept per projection), a sign-shuffled null
// and the dense network. `evolve controls` writes them; `evolve compare` trains or
// evaluates a connectome against them.
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/evolution/fitness.hpp>
#include <synaptogen/graph/connectome.hpp>

namespace synaptogen {

enum class control_kind { connectome, random, degree_preserving, sign_shuffled, dense };
const char* to_string(control_kind k);
// Parses "connectome", "random", "degree_preserving", "sign_shuffled", "dense"; throws
// input_error naming `field` otherwise.
control_kind parse_control(const std::string& name, const source_location& field);

struct control {
    control_kind kind = control_kind::connectome;
    connectome graph;
    // Whether the weights are initial weights. The dense network is trained from the
    // network's own initialisation (its weights are not inherited from anything).
    bool written_weights = false;
    edge_index swaps = 0, swap_attempts_target = 0;  // degree-preserving: made, asked for
};

// One control of `c`. Draws are keyed by (seed, projection, kind). swaps_per_edge: double-
// edge swaps asked for per edge of each projection (degree_preserving). Dense: new edges
// get the mean weight of their projection's edges (0 where it has none).
control make_control(control_kind kind, const connectome& c, bool written_weights, std::uint64_t seed,
                     double swaps_per_edge = 10.0);

}  // namespace synaptogen
