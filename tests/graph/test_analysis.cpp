// Graph statistics on a graph small enough to count by hand.
#include <gtest/gtest.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/clustering_coefficient.hpp>

#include <synaptogen/graph/analysis.hpp>

using namespace synaptogen;

namespace {

// CSR table from (source, target) pairs over n neurons.
synapse_table table_of(neuron_id n, const std::vector<std::pair<neuron_id, neuron_id>>& edges) {
    synapse_table t;
    t.n_neurons = n;
    t.row_map.assign(n + 1, 0);
    for (const auto& [s, d] : edges) ++t.row_map[s + 1];
    for (neuron_id i = 0; i < n; ++i) t.row_map[i + 1] += t.row_map[i];
    std::vector<edge_index> at(t.row_map.begin(), t.row_map.end() - 1);
    t.target.resize(edges.size());
    t.weight.assign(edges.size(), 1.0f);
    t.delay.assign(edges.size(), 1);
    for (const auto& [s, d] : edges) t.target[at[s]++] = d;
    return t;
}

}  // namespace

// 0 <-> 1, the cycle 1 -> 2 -> 3 -> 1, a double synapse 2 -> 3, a self-loop on 4, 5 alone.
// Pairs: 0-1, 1-0, 1-2, 2-3, 3-1 (5; reciprocal: 0-1 and 1-0). Strong components {0,1,2,3},
// {4}, {5}; weak ones the same. Undirected: 0-1, 1-2, 2-3, 1-3: clustering 0, 1/3, 1, 1,
// 0, 0 -> mean 7/18. Degrees (in + out, with multiplicity): 0: 2, 1: 4, 2: 3, 3: 3, 4: 2, 5: 0.
TEST(analysis, counts_by_hand) {
    const auto t = table_of(6, {{0, 1}, {1, 0}, {1, 2}, {2, 3}, {2, 3}, {3, 1}, {4, 4}});
    const graph_statistics g = analyse_graph(t, 3);
    EXPECT_EQ(g.nodes, 6u);
    EXPECT_EQ(g.synapses, 7u);
    EXPECT_EQ(g.connected_pairs, 5u);
    EXPECT_EQ(g.self_loops, 1u);
    EXPECT_DOUBLE_EQ(g.reciprocity, 2.0 / 5.0);
    EXPECT_EQ(g.strong_components, 3u);
    EXPECT_EQ(g.largest_strong_component, 4u);
    EXPECT_EQ(g.weak_components, 3u);
    EXPECT_EQ(g.largest_weak_component, 4u);
    EXPECT_NEAR(g.mean_clustering, 7.0 / 18.0, 1e-12);
    EXPECT_EQ(g.out_degree.max, 2u);
    EXPECT_EQ(g.in_degree.max, 2u);  // 1 (from 0 and 3) and 3 (twice from 2)
    EXPECT_DOUBLE_EQ(g.out_degree.mean, 7.0 / 6.0);
    EXPECT_EQ(g.hubs, (std::vector<neuron_id>{1, 2, 3}));
    EXPECT_EQ(g.hub_degree, (std::vector<edge_index>{4, 3, 3}));
}

// The clustering count against Boost's all_clustering_coefficients on a random graph.
TEST(analysis, clustering_matches_boost) {
    std::vector<std::pair<neuron_id, neuron_id>> edges;
    std::uint64_t x = 12345;
    for (int k = 0; k < 600; ++k) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        edges.emplace_back(static_cast<neuron_id>((x >> 33) % 60), static_cast<neuron_id>((x >> 13) % 60));
    }
    const graph_statistics g = analyse_graph(table_of(60, edges));
    using undirected = boost::adjacency_list<boost::setS, boost::vecS, boost::undirectedS>;
    undirected ug(60);
    for (const auto& [a, b] : edges)
        if (a != b) boost::add_edge(a, b, ug);
    std::vector<double> cc(60);
    const double mean = boost::all_clustering_coefficients(ug, boost::make_iterator_property_map(cc.begin(), boost::get(boost::vertex_index, ug)));
    EXPECT_EQ(g.clustering_nodes, 60u);
    EXPECT_NEAR(g.mean_clustering, mean, 1e-12);
    EXPECT_GT(mean, 0.1);
}
