#include <synaptogen/graph/connectome.hpp>

#include <algorithm>
#include <string>
#include <unordered_set>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/graph/random.hpp>
#include <synaptogen/graph/synapse_table.hpp>

namespace synaptogen {

std::vector<edge_index> edge_set::in_degrees() const {
    std::vector<edge_index> d(n_targets, 0);
    for (neuron_id t : target) ++d[t];
    return d;
}

std::vector<edge_index> edge_set::out_degrees() const {
    std::vector<edge_index> d(n_sources, 0);
    for (neuron_id s = 0; s < n_sources; ++s) d[s] = row_map[s + 1] - row_map[s];
    return d;
}

edge_index edge_set::find(neuron_id source, neuron_id t) const {
    if (source >= n_sources) return size();
    const auto first = target.begin() + static_cast<std::ptrdiff_t>(row_map[source]);
    const auto last = target.begin() + static_cast<std::ptrdiff_t>(row_map[source + 1]);
    const auto it = std::lower_bound(first, last, t);
    return it != last && *it == t ? static_cast<edge_index>(it - target.begin()) : size();
}

bool edge_set::remove_edge(neuron_id source, neuron_id t) {
    const edge_index e = find(source, t);
    if (e == size()) return false;
    retain([e](edge_index i) { return i != e; });
    return true;
}

std::vector<neuron_id> edge_set::sources() const {
    std::vector<neuron_id> s(size());
    for (neuron_id r = 0; r < n_sources; ++r)
        for (edge_index e = row_map[r]; e < row_map[r + 1]; ++e) s[e] = r;
    return s;
}

bool edge_set::allowed(neuron_id source, neuron_id t) const {
    if (source >= n_sources || t >= n_targets) return false;
    return allow_autapses || source_population != target_population || source != t;
}

void edge_set::assign(std::vector<triple> edges) {
    // An endpoint out of range would write past row_map below.
    for (const triple& t : edges)
        if (t.source >= n_sources || t.target >= n_targets)
            throw input_error(source_location{"", 0, "edges"}, "edge " + std::to_string(t.source) + " -> " +
                                                                   std::to_string(t.target) + " is outside a projection of " +
                                                                   std::to_string(n_sources) + " x " +
                                                                   std::to_string(n_targets) + " neurons");
    std::stable_sort(edges.begin(), edges.end(), [](const triple& a, const triple& b) {
        return a.source != b.source ? a.source < b.source : a.target < b.target;
    });
    row_map.assign(static_cast<std::size_t>(n_sources) + 1, 0);
    target.resize(edges.size());
    weight.resize(edges.size());
    for (std::size_t i = 0; i < edges.size(); ++i) {
        ++row_map[edges[i].source + 1];
        target[i] = edges[i].target;
        weight[i] = edges[i].weight;
    }
    for (neuron_id s = 0; s < n_sources; ++s) row_map[s + 1] += row_map[s];
}

std::vector<edge_set::triple> edge_set::triples() const {
    std::vector<triple> t(size());
    for (neuron_id s = 0; s < n_sources; ++s)
        for (edge_index e = row_map[s]; e < row_map[s + 1]; ++e) t[e] = {s, target[e], weight[e]};
    return t;
}

edge_index connectome::size() const {
    edge_index n = 0;
    for (const auto& p : projections) n += p.size();
    return n;
}

connectome build_connectome(const population_layout& layout, const std::vector<projection_spec>& projections,
                            std::uint64_t seed, double dt_ms) {
    connectome c;
    // One projection at a time: the table of one projection then holds its own edges only,
    // and a projection's edges do not depend on which others are built.
    for (std::size_t q = 0; q < projections.size(); ++q) {
        std::vector<bool> include(projections.size(), false);
        include[q] = true;
        const synapse_table t = build_synapses(layout, projections, seed, dt_ms, include);
        const projection_spec& p = projections[q];
        const population& src = layout[p.source];
        const population& tgt = layout[p.target];
        edge_set e;
        e.source_population = p.source;
        e.target_population = p.target;
        e.allow_autapses = p.allow_autapses;
        e.allow_multapses = p.allow_multapses;
        e.n_sources = src.size;
        e.n_targets = tgt.size;
        e.row_map.assign(src.size + 1, 0);
        e.target.reserve(t.size());
        e.weight.reserve(t.size());
        for (neuron_id s = 0; s < src.size; ++s) {
            const neuron_id g = src.first + s;
            const std::size_t begin = e.target.size();
            for (edge_index k = t.row_map[g]; k < t.row_map[g + 1]; ++k) {
                e.target.push_back(t.target[k] - tgt.first);
                e.weight.push_back(t.weight[k]);
            }
            // Targets ascending within a row (the table orders by target already; a stable
            // sort keeps multapses in draw order).
            std::vector<std::size_t> order(e.target.size() - begin);
            for (std::size_t i = 0; i < order.size(); ++i) order[i] = begin + i;
            std::stable_sort(order.begin(), order.end(),
                             [&](std::size_t a, std::size_t b) { return e.target[a] < e.target[b]; });
            std::vector<neuron_id> ts(order.size());
            std::vector<float> ws(order.size());
            for (std::size_t i = 0; i < order.size(); ++i) {
                ts[i] = e.target[order[i]];
                ws[i] = e.weight[order[i]];
            }
            std::copy(ts.begin(), ts.end(), e.target.begin() + static_cast<std::ptrdiff_t>(begin));
            std::copy(ws.begin(), ws.end(), e.weight.begin() + static_cast<std::ptrdiff_t>(begin));
            e.row_map[s + 1] = e.target.size();
        }
        c.projections.push_back(std::move(e));
    }
    return c;
}

edge_index degree_preserving_shuffle(edge_set& edges, edge_index swaps, std::uint64_t seed, std::uint32_t stream) {
    const edge_index m = edges.size();
    if (m < 2 || swaps == 0) return 0;
    // Flat (source, target) list; swaps exchange targets between two edges.
    std::vector<neuron_id> source(m);
    for (neuron_id s = 0; s < edges.n_sources; ++s)
        for (edge_index e = edges.row_map[s]; e < edges.row_map[s + 1]; ++e) source[e] = s;
    auto key = [&](neuron_id s, neuron_id t) { return (static_cast<std::uint64_t>(s) << 32) | t; };
    std::unordered_set<std::uint64_t> present;
    present.reserve(m * 2);
    for (edge_index e = 0; e < m; ++e) present.insert(key(source[e], edges.target[e]));
    const bool same = edges.source_population == edges.target_population;
    counter_rng rng(seed, stream_purpose::connectivity, 0xD5A9u, stream);
    edge_index made = 0;
    for (edge_index attempt = 0; attempt < 20 * swaps && made < swaps; ++attempt) {
        const edge_index x = rng.below(m), y = rng.below(m);
        const neuron_id a = source[x], b = edges.target[x], c = source[y], d = edges.target[y];
        if (x == y || a == c || b == d) continue;
        if (same && (a == d || c == b)) continue;
        if (present.count(key(a, d)) || present.count(key(c, b))) continue;
        present.erase(key(a, b));
        present.erase(key(c, d));
        present.insert(key(a, d));
        present.insert(key(c, b));
        edges.target[x] = d;
        edges.target[y] = b;
        ++made;
    }
    // Back to targets ascending within each row, weights moving with their edges.
    for (neuron_id s = 0; s < edges.n_sources; ++s) {
        const edge_index b0 = edges.row_map[s], b1 = edges.row_map[s + 1];
        std::vector<std::pair<neuron_id, float>> row;
        for (edge_index e = b0; e < b1; ++e) row.emplace_back(edges.target[e], edges.weight[e]);
        std::stable_sort(row.begin(), row.end(), [](const auto& p, const auto& q) { return p.first < q.first; });
        for (edge_index e = b0; e < b1; ++e) {
            edges.target[e] = row[e - b0].first;
            edges.weight[e] = row[e - b0].second;
        }
    }
    return made;
}

}  // namespace synaptogen
