#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/distribution.hpp>
#include <synaptogen/graph/errors.hpp>
#include <synaptogen/graph/ids.hpp>

namespace synaptogen {

enum class connection_rule_kind {
    all_to_all,
    one_to_one,
    fixed_probability,   // each pair independently with probability p
    fixed_indegree,      // every target gets exactly n sources
    fixed_outdegree,     // every source gets exactly n targets
    fixed_total_number,  // exactly n synapses, endpoints uniform
    explicit_edges,      // a given list of (source, target) pairs
};

const char* to_string(connection_rule_kind k);

struct explicit_edge {
    neuron_id source = 0;  // local index in the source population
    neuron_id target = 0;  // local index in the target population
    double weight = 0.0;   // used when has_weights
    double delay = 0.0;    // [ms], used when has_delays
};

// One set of synapses from a source to a target population, described by a rule.
struct projection_spec {
    std::size_t source = 0;  // population index
    std::size_t target = 0;
    connection_rule_kind rule = connection_rule_kind::all_to_all;
    double probability = 0.0;  // fixed_probability
    std::uint64_t number = 0;  // fixed_indegree / fixed_outdegree / fixed_total_number
    std::vector<explicit_edge> edges;
    bool edges_have_weights = false;
    bool edges_have_delays = false;
    distribution weight = distribution::constant_value(0.0);
    distribution delay = distribution::constant_value(1.0);  // [ms]
    bool allow_autapses = true;   // only meaningful when source == target
    bool allow_multapses = true;
    source_location origin;  // where the projection was written, for errors
};

}  // namespace synaptogen
