#pragma once
// Structural statistics of a synapse graph (what `synaptogen inspect` prints), computed
// with Boost.Graph: degrees, reciprocity, weakly and strongly connected components,
// clustering and hubs. Multiple synapses between the same pair count once for reciprocity,
// components and clustering, and each for degrees.
#include <cstdint>
#include <vector>

#include <synaptogen/graph/population.hpp>
#include <synaptogen/graph/synapse_table.hpp>

namespace synaptogen {

struct degree_summary {
    double mean = 0.0;
    edge_index min = 0, max = 0, median = 0, p90 = 0, p99 = 0;
};

struct graph_statistics {
    neuron_id nodes = 0;
    edge_index synapses = 0;          // with multiplicity
    edge_index connected_pairs = 0;   // distinct ordered (source, target), source != target
    edge_index self_loops = 0;        // synapses from a neuron onto itself
    double reciprocity = 0.0;         // share of connected pairs whose reverse pair is connected
    degree_summary in_degree, out_degree;
    std::size_t weak_components = 0, largest_weak_component = 0;
    std::size_t strong_components = 0, largest_strong_component = 0;
    double mean_clustering = 0.0;     // undirected, mean over clustering_nodes (0 below degree 2)
    std::size_t clustering_nodes = 0; // all nodes, or a sample of evenly spaced ones in dense graphs
    std::vector<neuron_id> hubs;      // highest in + out degree first (ties: lower id)
    std::vector<edge_index> hub_degree;
};

graph_statistics analyse_graph(const synapse_table& table, std::size_t top_hubs = 10, std::size_t clustering_sample = 1000);

}  // namespace synaptogen
