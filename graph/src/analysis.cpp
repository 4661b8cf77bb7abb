#include <synaptogen/graph/analysis.hpp>

#include <algorithm>
#include <numeric>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/connected_components.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/property_map/property_map.hpp>
#include <tbb/parallel_sort.h>

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
    tbb::parallel_sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    g.connected_pairs = pairs.size();
    g.in_degree = summarise(in);
    g.out_degree = summarise(out);

    // Strong components on the directed graph (Boost's CSR graph, built from sorted pairs).
    // 32-bit vertex numbers: 4 bytes per stored edge.
    using directed = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                                        boost::no_property, neuron_id, std::size_t>;
    const directed dg(boost::edges_are_sorted, pairs.begin(), pairs.end(), n);
    // Reciprocity: is a in b's (sorted) row? A search within one row stays in cache, where
    // one over all pairs missed at every level.
    std::size_t reciprocal = 0;
    for (const auto& [a, b] : pairs) {
        const auto [first, last] = boost::adjacent_vertices(b, dg);
        reciprocal += std::binary_search(first, last, a);
    }
    g.reciprocity = pairs.empty() ? 0.0 : static_cast<double>(reciprocal) / pairs.size();
    std::vector<std::size_t> component(n);
    g.strong_components = n == 0 ? 0 : boost::strong_components(dg, boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, dg)));
    auto largest = [&](std::size_t count) {
        std::vector<std::size_t> size(count, 0);
        for (auto c : component) ++size[c];
        return size.empty() ? std::size_t(0) : *std::max_element(size.begin(), size.end());
    };
    g.largest_strong_component = largest(g.strong_components);

    // The undirected simple graph as a CSR graph holding both directions of every link
    // (Boost's CSR graph is directed only): connected_components on it finds the weak
    // components, and its rows are the neighbour lists for clustering. About 4 bytes per
    // direction, where an adjacency_list costs several times that.
    std::vector<std::pair<neuron_id, neuron_id>> both;
    both.reserve(2 * pairs.size());
    for (const auto& [a, b] : pairs) {
        both.emplace_back(a, b);
        both.emplace_back(b, a);
    }
    std::vector<std::pair<neuron_id, neuron_id>>().swap(pairs);
    tbb::parallel_sort(both.begin(), both.end());
    both.erase(std::unique(both.begin(), both.end()), both.end());
    const directed ug(boost::edges_are_sorted, both.begin(), both.end(), n);
    std::vector<std::pair<neuron_id, neuron_id>>().swap(both);
    g.weak_components = n == 0 ? 0 : boost::connected_components(ug, boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, ug)));
    g.largest_weak_component = largest(g.weak_components);

    // Clustering: Boost's all_clustering_coefficients looks every neighbour pair up as an
    // edge, which is cubic in the degree (hours for Brunel's 2,500 neighbours), so the
    // local coefficient is counted here by marking v's neighbours and scanning theirs
    // (quadratic; tests compare it with Boost's on a small graph). Exact when that is at
    // most ~2e8 steps, else the mean over evenly spaced neurons: as many as ~2e8 steps
    // allow, at least 100 and at most clustering_sample.
    double work = 0.0;
    for (neuron_id v = 0; v < n; ++v) work += static_cast<double>(boost::out_degree(v, ug)) * boost::out_degree(v, ug);
    std::vector<neuron_id> sample(n);
    std::iota(sample.begin(), sample.end(), 0);
    if (work > 2e8 && n > 100) {  // as many as fit ~2e8 steps, between 100 and clustering_sample
        const double per_node = work / n;
        const std::size_t k = std::min<std::size_t>(
            {n, clustering_sample, std::max<std::size_t>(100, static_cast<std::size_t>(2e8 / per_node))});
        for (std::size_t i = 0; i < k; ++i) sample[i] = static_cast<neuron_id>(i * n / k);
        sample.resize(k);
    }
    g.clustering_nodes = sample.size();
    std::vector<char> mark(n, 0);
    double sum = 0.0;
    for (neuron_id v : sample) {
        const auto [first, last] = boost::adjacent_vertices(v, ug);
        const double d = static_cast<double>(boost::out_degree(v, ug));
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
