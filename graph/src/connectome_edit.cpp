#include <synaptogen/graph/connectome_edit.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_set>

#include <synaptogen/graph/errors.hpp>

namespace synaptogen {

namespace {

std::uint64_t pair_key(neuron_id s, neuron_id t) { return (static_cast<std::uint64_t>(s) << 32) | t; }

// Edits have no file behind them: the operation goes where the field would.
[[noreturn]] void fail(const char* operation, const std::string& problem) {
    throw input_error(source_location{"", 0, operation}, problem);
}

// Inserts one edge keeping the row sorted (after any equal targets: multapse order).
void insert_edge(edge_set& e, neuron_id s, neuron_id t, float w) {
    const auto first = e.target.begin() + static_cast<std::ptrdiff_t>(e.row_map[s]);
    const auto last = e.target.begin() + static_cast<std::ptrdiff_t>(e.row_map[s + 1]);
    const auto at = static_cast<std::ptrdiff_t>(std::upper_bound(first, last, t) - e.target.begin());
    e.target.insert(e.target.begin() + at, t);
    e.weight.insert(e.weight.begin() + at, w);
    for (neuron_id r = s + 1; r <= e.n_sources; ++r) ++e.row_map[r];
}

void erase_edge(edge_set& e, edge_index k) {
    e.target.erase(e.target.begin() + static_cast<std::ptrdiff_t>(k));
    e.weight.erase(e.weight.begin() + static_cast<std::ptrdiff_t>(k));
    for (neuron_id r = 0; r < e.n_sources; ++r)
        if (e.row_map[r + 1] > k) --e.row_map[r + 1];
}

// An absent, allowed pair with `fixed` as one endpoint and a moved end other than `current`
// (where multapses are allowed, drawing the current end again would move nothing), or false
// after 64 draws.
bool draw_new_endpoint(const edge_set& e, counter_rng& rng, neuron_id fixed, bool fixed_is_source, neuron_id current,
                       neuron_id& out) {
    for (int attempt = 0; attempt < 64; ++attempt) {
        const neuron_id c = static_cast<neuron_id>(rng.below(fixed_is_source ? e.n_targets : e.n_sources));
        if (c == current) continue;
        const neuron_id s = fixed_is_source ? fixed : c, t = fixed_is_source ? c : fixed;
        if (!e.allowed(s, t)) continue;
        if (!e.allow_multapses && e.find(s, t) != e.size()) continue;
        out = c;
        return true;
    }
    return false;
}

}  // namespace

std::uint64_t allowed_pairs(const edge_set& e) {
    std::uint64_t n = static_cast<std::uint64_t>(e.n_sources) * e.n_targets;
    if (!e.allow_autapses && e.source_population == e.target_population) n -= std::min(e.n_sources, e.n_targets);
    return n;
}

double density(const edge_set& e) {
    const std::uint64_t n = allowed_pairs(e);
    return n == 0 ? 0.0 : static_cast<double>(e.size()) / static_cast<double>(n);
}

bool add_random_edge(edge_set& e, counter_rng& rng, float weight) {
    if (e.n_sources == 0 || e.n_targets == 0) return false;
    for (int attempt = 0; attempt < 64; ++attempt) {
        const auto s = static_cast<neuron_id>(rng.below(e.n_sources));
        const auto t = static_cast<neuron_id>(rng.below(e.n_targets));
        if (!e.allowed(s, t)) continue;
        if (!e.allow_multapses && e.find(s, t) != e.size()) continue;
        insert_edge(e, s, t, weight);
        return true;
    }
    return false;
}

bool remove_random_edge(edge_set& e, counter_rng& rng) {
    if (e.size() == 0) return false;
    erase_edge(e, rng.below(e.size()));
    return true;
}

bool rewire_random_target(edge_set& e, counter_rng& rng) {
    if (e.size() == 0) return false;
    const edge_index k = rng.below(e.size());
    const neuron_id s = static_cast<neuron_id>(std::upper_bound(e.row_map.begin(), e.row_map.end(), k) - e.row_map.begin() - 1);
    neuron_id t = 0;
    if (!draw_new_endpoint(e, rng, s, true, e.target[k], t)) return false;
    const float w = e.weight[k];
    erase_edge(e, k);
    insert_edge(e, s, t, w);
    return true;
}

bool rewire_random_source(edge_set& e, counter_rng& rng) {
    if (e.size() == 0) return false;
    const edge_index k = rng.below(e.size());
    const neuron_id t = e.target[k];
    const neuron_id old_source =
        static_cast<neuron_id>(std::upper_bound(e.row_map.begin(), e.row_map.end(), k) - e.row_map.begin() - 1);
    neuron_id s = 0;
    if (!draw_new_endpoint(e, rng, t, false, old_source, s)) return false;
    const float w = e.weight[k];
    erase_edge(e, k);
    insert_edge(e, s, t, w);
    return true;
}

bool flip_random_sign(edge_set& e, counter_rng& rng) {
    if (e.size() == 0) return false;
    float& w = e.weight[rng.below(e.size())];
    w = -w;
    return true;
}

edge_index perturb_weights(edge_set& e, counter_rng& rng, double sigma, double fraction) {
    edge_index n = 0;
    for (float& w : e.weight) {
        if (rng.uniform() >= fraction) continue;
        w = static_cast<float>(w * std::exp(sigma * rng.normal()));
        ++n;
    }
    return n;
}

std::size_t pick_projection(const connectome& c, counter_rng& rng, bool by_pairs) {
    std::vector<std::uint64_t> weight(c.projections.size());
    for (std::size_t q = 0; q < weight.size(); ++q) {
        const edge_set& e = c.projections[q];
        // Adds: the pairs still free (all allowed ones where multapses are allowed).
        const std::uint64_t taken = e.allow_multapses ? 0 : std::min<std::uint64_t>(e.size(), allowed_pairs(e));
        weight[q] = by_pairs ? allowed_pairs(e) - taken : e.size();
    }
    const std::uint64_t total = std::accumulate(weight.begin(), weight.end(), std::uint64_t{0});
    if (total == 0) return c.projections.size();
    std::uint64_t x = rng.below(total);
    for (std::size_t q = 0; q < weight.size(); ++q) {
        if (x < weight[q]) return q;
        x -= weight[q];
    }
    return weight.size() - 1;
}

connectome crossover(const connectome& a, const connectome& b, counter_rng& rng) {
    if (a.projections.size() != b.projections.size())
        fail("crossover", "the parents have different numbers of projections");
    connectome child;
    for (std::size_t q = 0; q < a.projections.size(); ++q) {
        const edge_set& x = a.projections[q];
        const edge_set& y = b.projections[q];
        if (x.n_sources != y.n_sources || x.n_targets != y.n_targets)
            fail("crossover", "projection " + std::to_string(q) + " connects different neuron sets in the two parents");
        edge_set c = x;
        std::vector<edge_set::triple> out;
        // Walk both rows in target order; multapses pair up by their order within a target.
        for (neuron_id s = 0; s < x.n_sources; ++s) {
            edge_index i = x.row_map[s], j = y.row_map[s];
            const edge_index i1 = x.row_map[s + 1], j1 = y.row_map[s + 1];
            while (i < i1 || j < j1) {
                if (j == j1 || (i < i1 && x.target[i] < y.target[j])) {
                    if (rng.below(2) == 0) out.push_back({s, x.target[i], x.weight[i]});
                    ++i;
                } else if (i == i1 || y.target[j] < x.target[i]) {
                    if (rng.below(2) == 0) out.push_back({s, y.target[j], y.weight[j]});
                    ++j;
                } else {
                    out.push_back({s, x.target[i], rng.below(2) == 0 ? x.weight[i] : y.weight[j]});
                    ++i;
                    ++j;
                }
            }
        }
        c.assign(std::move(out));
        child.projections.push_back(std::move(c));
    }
    return child;
}

std::vector<edge_index> prune_smallest(connectome& c, double fraction, prune_scope scope) {
    if (!(fraction >= 0.0 && fraction <= 1.0)) fail("prune", "the fraction must be in [0, 1]");
    std::vector<edge_index> removed(c.projections.size(), 0);
    // (|w|, projection, edge): position breaks ties, so the order is total and reproducible.
    struct ranked {
        float magnitude;
        std::size_t projection;
        edge_index edge;
        bool operator<(const ranked& o) const {
            if (magnitude != o.magnitude) return magnitude < o.magnitude;
            if (projection != o.projection) return projection < o.projection;
            return edge < o.edge;
        }
    };
    // NaN ranks as the largest magnitude (last to go): the order must stay a strict weak one.
    auto magnitude = [](float w) { return std::isnan(w) ? std::numeric_limits<float>::infinity() : std::fabs(w); };
    std::vector<std::vector<bool>> drop(c.projections.size());
    for (std::size_t q = 0; q < c.projections.size(); ++q) drop[q].assign(c.projections[q].size(), false);
    auto mark_smallest = [&](std::vector<ranked>& r) {
        const auto k = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(r.size())));
        if (k == 0) return;
        // nth_element leaves the k smallest before position k (in some order).
        std::nth_element(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(k - 1), r.end());
        for (std::size_t i = 0; i < k; ++i) drop[r[i].projection][r[i].edge] = true;
    };
    if (scope == prune_scope::global) {
        std::vector<ranked> r;
        r.reserve(c.size());
        for (std::size_t q = 0; q < c.projections.size(); ++q)
            for (edge_index e = 0; e < c.projections[q].size(); ++e)
                r.push_back({magnitude(c.projections[q].weight[e]), q, e});
        mark_smallest(r);
    } else {
        for (std::size_t q = 0; q < c.projections.size(); ++q) {
            std::vector<ranked> r;
            r.reserve(c.projections[q].size());
            for (edge_index e = 0; e < c.projections[q].size(); ++e)
                r.push_back({magnitude(c.projections[q].weight[e]), q, e});
            mark_smallest(r);
        }
    }
    for (std::size_t q = 0; q < c.projections.size(); ++q)
        removed[q] = c.projections[q].retain([&](edge_index e) { return !drop[q][e]; });
    return removed;
}

void reset_to_sign(connectome& c, float magnitude) {
    for (auto& p : c.projections)
        for (float& w : p.weight) w = std::signbit(w) ? -magnitude : magnitude;
}

void rewind_weights(connectome& c, const connectome& earlier) {
    if (c.projections.size() != earlier.projections.size())
        fail("rewind", "the connectomes have different numbers of projections");
    for (std::size_t q = 0; q < c.projections.size(); ++q) {
        edge_set& x = c.projections[q];
        const edge_set& y = earlier.projections[q];
        if (x.n_sources != y.n_sources || x.n_targets != y.n_targets)
            fail("rewind", "projection " + std::to_string(q) + " connects different neuron sets in the two connectomes");
        for (neuron_id s = 0; s < x.n_sources; ++s) {
            // Both rows sorted by target with multapses in order: a merge walk matches them.
            edge_index j = y.row_map[s];
            for (edge_index i = x.row_map[s]; i < x.row_map[s + 1]; ++i) {
                while (j < y.row_map[s + 1] && y.target[j] < x.target[i]) ++j;
                if (j == y.row_map[s + 1] || y.target[j] != x.target[i])
                    fail("rewind", "edge " + std::to_string(s) + " -> " + std::to_string(x.target[i]) + " of projection " +
                                          std::to_string(q) + " is not in the earlier connectome");
                x.weight[i] = y.weight[j++];
            }
        }
    }
}

void randomize_edges(edge_set& e, counter_rng& rng) {
    const edge_index m = e.size();
    if (m > allowed_pairs(e) && !e.allow_multapses)
        fail("random null", "more edges than allowed pairs in a projection without multapses");
    // Without one allowed pair the draws below would never end.
    if (m > 0 && allowed_pairs(e) == 0) fail("random null", "edges in a projection that allows no pair");
    std::vector<float> w = e.weight;
    // Fisher-Yates: the weights in a random order onto the new edges.
    for (edge_index i = m; i > 1; --i) std::swap(w[i - 1], w[rng.below(i)]);
    std::vector<edge_set::triple> out;
    out.reserve(m);
    std::unordered_set<std::uint64_t> present;
    const bool dense = !e.allow_multapses && m * 2 > allowed_pairs(e);
    if (dense) {
        // Many edges: draw which pairs are absent instead (a partial shuffle of all pairs).
        std::vector<std::uint64_t> pairs;
        for (neuron_id s = 0; s < e.n_sources; ++s)
            for (neuron_id t = 0; t < e.n_targets; ++t)
                if (e.allowed(s, t)) pairs.push_back(pair_key(s, t));
        for (edge_index i = 0; i < m; ++i) std::swap(pairs[i], pairs[i + rng.below(pairs.size() - i)]);
        for (edge_index i = 0; i < m; ++i)
            out.push_back({static_cast<neuron_id>(pairs[i] >> 32), static_cast<neuron_id>(pairs[i] & 0xFFFFFFFFu), w[i]});
    } else {
        while (out.size() < m) {
            const auto s = static_cast<neuron_id>(rng.below(e.n_sources));
            const auto t = static_cast<neuron_id>(rng.below(e.n_targets));
            if (!e.allowed(s, t)) continue;
            if (!e.allow_multapses && !present.insert(pair_key(s, t)).second) continue;
            out.push_back({s, t, w[out.size()]});
        }
    }
    e.assign(std::move(out));
}

void shuffle_signs(edge_set& e, counter_rng& rng) {
    const edge_index m = e.size();
    std::vector<bool> negative(m);
    for (edge_index i = 0; i < m; ++i) negative[i] = std::signbit(e.weight[i]);
    for (edge_index i = m; i > 1; --i) {
        const edge_index j = rng.below(i);
        const bool t = negative[i - 1];
        negative[i - 1] = negative[j];
        negative[j] = t;
    }
    for (edge_index i = 0; i < m; ++i) e.weight[i] = negative[i] ? -std::fabs(e.weight[i]) : std::fabs(e.weight[i]);
}

void make_dense(edge_set& e, float weight) {
    std::vector<edge_set::triple> out;
    out.reserve(allowed_pairs(e));
    for (neuron_id s = 0; s < e.n_sources; ++s) {
        edge_index k = e.row_map[s];
        for (neuron_id t = 0; t < e.n_targets; ++t) {
            while (k < e.row_map[s + 1] && e.target[k] < t) ++k;
            if (!e.allowed(s, t)) continue;
            out.push_back({s, t, k < e.row_map[s + 1] && e.target[k] == t ? e.weight[k] : weight});
        }
    }
    e.assign(std::move(out));
}

}  // namespace synaptogen
