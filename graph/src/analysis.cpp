#include <synaptogen/graph/analysis.hpp>

#include <algorithm>
#include <numeric>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/property_map/property_map.hpp>

namespace synaptogen {

namespace {

degree_summary summarise(std::vector<edge_index> d) {
    degree_summary s;
    if (d.empty()) return s;
    s.mean = static_cast<double>(std::accumulate(d.begin(), d.end(), edge_index(0))) / d.size();
    std::sort(d.begin(), d.end());
    auto at = [&](double q) { return d[std::min(d.size() - 1, static_cast<std::size_t>(q * (d.size() - 1) + 0.5))]; };
    s.min = d.front();
    s.max = d.back();
    s.median = at(0.5);
    s.p90 = at(0.9);
    s.p99 = at(0.99);
    return s;
}

}  // namespace

graph_statistics analyse_graph(const synapse_table& t, std::size_t top_hubs, std::size_t clustering_sample) {
    graph_statistics g;
    const neuron_id n = t.n_neurons;
    g.nodes = n;
    g.synapses = t.size();
    std::vector<edge_index> in(n, 0), out(n, 0);
    // Distinct ordered pairs without self-loops, sorted: the simple directed graph.
    std::vector<std::pair<neuron_id, neuron_id>> pairs;
    pairs.reserve(t.size());
    for (neuron_id s = 0; s < n; ++s)
        for (edge_index e = t.row_map[s]; e < t.row_map[s + 1]; ++e) {
            ++out[s];
            ++in[t.target[e]];
            if (t.target[e] == s) ++g.self_loops;
            else pairs.emplace_back(s, t.target[e]);
        }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    g.connected_pairs = pairs.size();
    std::size_t reciprocal = 0;
    for (const auto& [a, b] : pairs) reciprocal += std::binary_search(pairs.begin(), pairs.end(), std::make_pair(b, a));
    g.reciprocity = pairs.empty() ? 0.0 : static_cast<double>(reciprocal) / pairs.size();
    g.in_degree = summarise(in);
    g.out_degree = summarise(out);

    // Strong components on the directed graph (Boost's CSR graph, built from sorted pairs).
    using directed = boost::compressed_sparse_row_graph<boost::directedS>;
    const directed dg(boost::edges_are_sorted, pairs.begin(), pairs.end(), n);
    std::vector<std::size_t> component(n);
    g.strong_components = n == 0 ? 0 : boost::strong_components(dg, boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, dg)));
    auto largest = [&](std::size_t count) {
        std::vector<std::size_t> size(count, 0);
        for (auto c : component) ++size[c];
        return size.empty() ? std::size_t(0) : *std::max_element(size.begin(), size.end());
    };
    g.largest_strong_component = largest(g.strong_components);

    // Weak components on the undirected simple graph.
    std::vector<std::pair<neuron_id, neuron_id>> undirected_pairs;
    undirected_pairs.reserve(pairs.size());
    for (const auto& [a, b] : pairs) undirected_pairs.emplace_back(std::min(a, b), std::max(a, b));
    std::sort(undirected_pairs.begin(), undirected_pairs.end());
    undirected_pairs.erase(std::unique(undirected_pairs.begin(), undirected_pairs.end()), undirected_pairs.end());
    using undirected = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
    undirected ug(undirected_pairs.begin(), undirected_pairs.end(), n);
    g.weak_components = n == 0 ? 0 : boost::connected_components(ug, component.data());
    g.largest_weak_component = largest(g.weak_components);

    // Clustering: Boost's all_clustering_coefficients looks every neighbour pair up as an
    // edge, which is cubic in the degree (hours for Brunel's 2,500 neighbours), so the
    // local coefficient is counted here by marking v's neighbours and scanning theirs
    // (quadratic; tests compare it with Boost's on a small graph). Exact when that is at
    // most ~2e8 steps, else the mean over clustering_sample evenly spaced neurons.
    double work = 0.0;
    for (neuron_id v = 0; v < n; ++v) work += static_cast<double>(boost::degree(v, ug)) * boost::degree(v, ug);
    std::vector<neuron_id> sample(n);
    std::iota(sample.begin(), sample.end(), 0);
    if (work > 2e8 && n > clustering_sample) {
        for (std::size_t i = 0; i < clustering_sample; ++i) sample[i] = static_cast<neuron_id>(i * n / clustering_sample);
        sample.resize(clustering_sample);
    }
    g.clustering_nodes = sample.size();
    std::vector<char> mark(n, 0);
    double sum = 0.0;
    for (neuron_id v : sample) {
        const auto [first, last] = boost::adjacent_vertices(v, ug);
        const double d = static_cast<double>(boost::degree(v, ug));
        if (d < 2) continue;
        for (auto u = first; u != last; ++u) mark[*u] = 1;
        edge_index links = 0;
        for (auto u = first; u != last; ++u)
            for (auto [w, w_end] = boost::adjacent_vertices(*u, ug); w != w_end; ++w) links += mark[*w];
        for (auto u = first; u != last; ++u) mark[*u] = 0;
        sum += static_cast<double>(links) / (d * (d - 1));  // each link seen twice
    }
    g.mean_clustering = sample.empty() ? 0.0 : sum / sample.size();

    std::vector<neuron_id> order(n);
    std::iota(order.begin(), order.end(), 0);
    const std::size_t k = std::min<std::size_t>(top_hubs, n);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](neuron_id a, neuron_id b) {
        return in[a] + out[a] != in[b] + out[b] ? in[a] + out[a] > in[b] + out[b] : a < b;
    });
    for (std::size_t i = 0; i < k; ++i) {
        g.hubs.push_back(order[i]);
        g.hub_degree.push_back(in[order[i]] + out[order[i]]);
    }
    return g;
}

}  // namespace synaptogen
