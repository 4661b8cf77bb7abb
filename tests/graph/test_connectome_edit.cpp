// Edits of the explicit connectome (connectome_edit.hpp): mutation operators, crossover,
// generational pruning and the null models, on edge sets built by hand so that every count
// is exact. Random operators are run over many streams; the one statistical check (crossover's
// 1/2) states its tolerance.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/graph/connectome_edit.hpp>
#include <synaptogen/graph/errors.hpp>
#include <synaptogen/graph/random.hpp>

using namespace synaptogen;

namespace {

using triple = edge_set::triple;
using pair_t = std::pair<neuron_id, neuron_id>;

counter_rng rng_for(std::uint32_t a, std::uint32_t b = 0, std::uint64_t seed = 1234) {
    return counter_rng(seed, stream_purpose::connectivity, a, b);
}

edge_set make_set(std::size_t source_pop, std::size_t target_pop, neuron_id ns, neuron_id nt, bool autapses,
                  bool multapses, std::vector<triple> edges = {}) {
    edge_set e;
    e.source_population = source_pop;
    e.target_population = target_pop;
    e.n_sources = ns;
    e.n_targets = nt;
    e.allow_autapses = autapses;
    e.allow_multapses = multapses;
    e.assign(std::move(edges));
    return e;
}

// m distinct allowed pairs (or any allowed pairs with multapses) drawn by a counter_rng,
// with distinct magnitudes ((i + 1) / 1000, a third of them negative).
edge_set random_set(neuron_id n_s, neuron_id n_t, edge_index m, bool recurrent, bool autapses, bool multapses,
                    std::uint32_t stream, float scale = 1.0f) {
    edge_set e = make_set(0, recurrent ? 0 : 1, n_s, n_t, autapses, multapses);
    counter_rng rng = rng_for(900, stream);
    std::set<pair_t> present;
    std::vector<triple> out;
    while (out.size() < m) {
        const auto s = static_cast<neuron_id>(rng.below(n_s));
        const auto t = static_cast<neuron_id>(rng.below(n_t));
        if (!e.allowed(s, t)) continue;
        if (!multapses && !present.insert({s, t}).second) continue;
        const float mag = scale * static_cast<float>(out.size() + 1) / 1000.0f;
        out.push_back({s, t, rng.below(3) == 0 ? -mag : mag});
    }
    e.assign(std::move(out));
    return e;
}

// The structural invariants every operator keeps.
void expect_valid(const edge_set& e) {
    ASSERT_EQ(e.row_map.size(), static_cast<std::size_t>(e.n_sources) + 1);
    ASSERT_EQ(e.row_map.front(), 0u);
    ASSERT_EQ(e.row_map.back(), e.size());
    ASSERT_EQ(e.weight.size(), e.target.size());
    for (neuron_id s = 0; s < e.n_sources; ++s) {
        ASSERT_LE(e.row_map[s], e.row_map[s + 1]);
        for (edge_index k = e.row_map[s]; k < e.row_map[s + 1]; ++k) {
            EXPECT_LT(e.target[k], e.n_targets);
            if (k + 1 < e.row_map[s + 1]) {
                EXPECT_LE(e.target[k], e.target[k + 1]) << "row " << s << " not sorted by target";
                if (!e.allow_multapses) {
                    EXPECT_NE(e.target[k], e.target[k + 1]) << "duplicate edge " << s;
                }
            }
            if (!e.allow_autapses && e.source_population == e.target_population) {
                EXPECT_NE(e.target[k], s) << "self-loop at " << s;
            }
        }
    }
}

std::multiset<pair_t> pairs_of(const edge_set& e) {
    std::multiset<pair_t> p;
    for (const triple& t : e.triples()) p.insert({t.source, t.target});
    return p;
}

std::multiset<std::tuple<neuron_id, neuron_id, float>> edges_of(const edge_set& e) {
    std::multiset<std::tuple<neuron_id, neuron_id, float>> p;
    for (const triple& t : e.triples()) p.insert({t.source, t.target, t.weight});
    return p;
}

// Without multapses: (source, target) -> weight.
std::map<pair_t, float> edge_map(const edge_set& e) {
    std::map<pair_t, float> m;
    for (const triple& t : e.triples()) m[{t.source, t.target}] = t.weight;
    return m;
}

std::vector<float> sorted_weights(const edge_set& e) {
    std::vector<float> w = e.weight;
    std::sort(w.begin(), w.end());
    return w;
}

template <class T>
std::multiset<T> minus(const std::multiset<T>& a, const std::multiset<T>& b) {
    std::multiset<T> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
    return out;
}

bool same_edges(const edge_set& a, const edge_set& b) {
    return a.row_map == b.row_map && a.target == b.target && a.weight == b.weight;
}

}  // namespace

// --- edge_set helpers --------------------------------------------------------------------------

TEST(connectome_edit, allowed_pairs_and_density) {
    EXPECT_EQ(allowed_pairs(make_set(0, 0, 10, 10, true, false)), 100u);
    EXPECT_EQ(allowed_pairs(make_set(0, 0, 10, 10, false, false)), 90u);
    // The autapse rule only matters within one population.
    EXPECT_EQ(allowed_pairs(make_set(0, 1, 10, 10, false, false)), 100u);
    EXPECT_EQ(allowed_pairs(make_set(0, 1, 7, 3, false, false)), 21u);
    const edge_set e = random_set(10, 10, 45, true, false, false, 1);
    EXPECT_DOUBLE_EQ(density(e), 0.5);
    EXPECT_DOUBLE_EQ(density(make_set(0, 1, 0, 5, true, true)), 0.0);
}

TEST(connectome_edit, assign_rejects_endpoints_outside_the_projection) {
    edge_set e = make_set(0, 1, 3, 4, true, false);
    EXPECT_THROW(e.assign({{3, 0, 1.0f}}), input_error);
    EXPECT_THROW(e.assign({{0, 4, 1.0f}}), input_error);
    e.assign({{2, 3, 1.0f}, {0, 1, 2.0f}});
    EXPECT_EQ(e.size(), 2u);
    EXPECT_EQ(e.row_map, (std::vector<edge_index>{0, 1, 1, 2}));
}

// --- add / remove ------------------------------------------------------------------------------

TEST(connectome_edit, add_random_edge_adds_one_allowed_absent_edge) {
    const edge_set original = random_set(20, 20, 100, true, false, false, 2);
    for (std::uint32_t trial = 0; trial < 200; ++trial) {
        edge_set e = original;
        counter_rng rng = rng_for(1, trial);
        ASSERT_TRUE(add_random_edge(e, rng, 0.25f));
        ASSERT_EQ(e.size(), original.size() + 1);
        expect_valid(e);
        // The old edges all stay (with their weights) and exactly one new one has the given weight.
        const auto added = minus(edges_of(e), edges_of(original));
        ASSERT_EQ(added.size(), 1u);
        EXPECT_TRUE(minus(edges_of(original), edges_of(e)).empty());
        const auto [s, t, w] = *added.begin();
        EXPECT_EQ(w, 0.25f);
        EXPECT_NE(s, t);
        EXPECT_EQ(original.find(s, t), original.size()) << "added an edge already present";
    }
}

TEST(connectome_edit, add_random_edge_with_multapses_may_repeat_a_pair) {
    // Every pair present: with multapses the add still succeeds (a second synapse).
    edge_set e = make_set(0, 1, 2, 2, true, true, {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}});
    counter_rng rng = rng_for(2);
    ASSERT_TRUE(add_random_edge(e, rng, 3.0f));
    EXPECT_EQ(e.size(), 5u);
    expect_valid(e);
}

TEST(connectome_edit, add_random_edge_on_a_full_projection_fails_and_changes_nothing) {
    for (bool autapses : {true, false}) {
        edge_set e = make_set(0, 0, 8, 8, autapses, false);
        make_dense(e, 1.0f);
        ASSERT_EQ(e.size(), autapses ? 64u : 56u);
        const edge_set before = e;
        for (std::uint32_t trial = 0; trial < 20; ++trial) {
            counter_rng rng = rng_for(3, trial);
            EXPECT_FALSE(add_random_edge(e, rng, 2.0f));
        }
        EXPECT_TRUE(same_edges(e, before));
    }
    edge_set empty = make_set(0, 1, 0, 5, true, false);
    counter_rng rng = rng_for(3, 99);
    EXPECT_FALSE(add_random_edge(empty, rng, 1.0f));
}

TEST(connectome_edit, remove_random_edge_removes_one_of_the_edges) {
    const edge_set original = random_set(15, 25, 120, false, true, true, 3);
    for (std::uint32_t trial = 0; trial < 200; ++trial) {
        edge_set e = original;
        counter_rng rng = rng_for(4, trial);
        ASSERT_TRUE(remove_random_edge(e, rng));
        ASSERT_EQ(e.size(), original.size() - 1);
        expect_valid(e);
        EXPECT_TRUE(minus(edges_of(e), edges_of(original)).empty()) << "the survivors are not a subset";
        EXPECT_EQ(minus(edges_of(original), edges_of(e)).size(), 1u);
    }
    // Down to nothing, then false.
    edge_set e = make_set(0, 1, 2, 2, true, false, {{0, 1, 1}, {1, 0, 2}});
    counter_rng rng = rng_for(4, 1000);
    EXPECT_TRUE(remove_random_edge(e, rng));
    EXPECT_TRUE(remove_random_edge(e, rng));
    EXPECT_FALSE(remove_random_edge(e, rng));
    EXPECT_EQ(e.size(), 0u);
    EXPECT_EQ(e.row_map, (std::vector<edge_index>{0, 0, 0}));
}

// --- rewiring ----------------------------------------------------------------------------------

TEST(connectome_edit, rewire_random_target_moves_one_target_and_keeps_out_degrees) {
    for (bool multapses : {false, true}) {
        const edge_set original = random_set(20, 20, 150, true, false, multapses, 5);
        edge_index made = 0;
        for (std::uint32_t trial = 0; trial < 200; ++trial) {
            edge_set e = original;
            counter_rng rng = rng_for(5, trial);
            if (!rewire_random_target(e, rng)) continue;
            ++made;
            ASSERT_EQ(e.size(), original.size());
            expect_valid(e);
            EXPECT_EQ(e.out_degrees(), original.out_degrees());
            EXPECT_EQ(sorted_weights(e), sorted_weights(original));
            // One edge s -> t (weight w) became s -> t' (same weight), t' != t.
            const auto gone = minus(edges_of(original), edges_of(e));
            const auto came = minus(edges_of(e), edges_of(original));
            ASSERT_EQ(gone.size(), 1u);
            ASSERT_EQ(came.size(), 1u);
            EXPECT_EQ(std::get<0>(*gone.begin()), std::get<0>(*came.begin()));
            EXPECT_NE(std::get<1>(*gone.begin()), std::get<1>(*came.begin()));
            EXPECT_EQ(std::get<2>(*gone.begin()), std::get<2>(*came.begin()));
        }
        // A row of 150/20 edges out of 19 allowed targets leaves room: all draws succeed.
        EXPECT_EQ(made, 200u) << "multapses " << multapses;
    }
}

TEST(connectome_edit, rewire_random_source_moves_one_source_and_keeps_in_degrees) {
    for (bool multapses : {false, true}) {
        const edge_set original = random_set(20, 20, 150, true, false, multapses, 6);
        edge_index made = 0;
        for (std::uint32_t trial = 0; trial < 200; ++trial) {
            edge_set e = original;
            counter_rng rng = rng_for(6, trial);
            if (!rewire_random_source(e, rng)) continue;
            ++made;
            ASSERT_EQ(e.size(), original.size());
            expect_valid(e);
            EXPECT_EQ(e.in_degrees(), original.in_degrees());
            EXPECT_EQ(sorted_weights(e), sorted_weights(original));
            const auto gone = minus(edges_of(original), edges_of(e));
            const auto came = minus(edges_of(e), edges_of(original));
            ASSERT_EQ(gone.size(), 1u);
            ASSERT_EQ(came.size(), 1u);
            EXPECT_NE(std::get<0>(*gone.begin()), std::get<0>(*came.begin()));
            EXPECT_EQ(std::get<1>(*gone.begin()), std::get<1>(*came.begin()));
            EXPECT_EQ(std::get<2>(*gone.begin()), std::get<2>(*came.begin()));
        }
        EXPECT_EQ(made, 200u) << "multapses " << multapses;
    }
}

TEST(connectome_edit, rewire_fails_when_no_other_endpoint_is_free) {
    // Every source already reaches every target: no free target for any edge.
    edge_set full = make_set(0, 1, 4, 3, true, false);
    make_dense(full, 1.0f);
    const edge_set before = full;
    for (std::uint32_t trial = 0; trial < 20; ++trial) {
        counter_rng rng = rng_for(7, trial);
        EXPECT_FALSE(rewire_random_target(full, rng));
        EXPECT_FALSE(rewire_random_source(full, rng));
    }
    EXPECT_TRUE(same_edges(full, before));
    // One target, multapses allowed: "moving" to the same target is no move.
    edge_set one = make_set(0, 1, 3, 1, true, true, {{0, 0, 1}, {0, 0, 2}, {2, 0, 3}});
    counter_rng rng = rng_for(7, 100);
    EXPECT_FALSE(rewire_random_target(one, rng));
    edge_set empty = make_set(0, 1, 3, 3, true, false);
    EXPECT_FALSE(rewire_random_target(empty, rng));
    EXPECT_FALSE(rewire_random_source(empty, rng));
}

// --- weights -----------------------------------------------------------------------------------

TEST(connectome_edit, flip_random_sign_negates_exactly_one_weight) {
    const edge_set original = random_set(10, 10, 40, true, true, false, 8);
    for (std::uint32_t trial = 0; trial < 100; ++trial) {
        edge_set e = original;
        counter_rng rng = rng_for(8, trial);
        ASSERT_TRUE(flip_random_sign(e, rng));
        EXPECT_EQ(e.target, original.target);
        EXPECT_EQ(e.row_map, original.row_map);
        int changed = 0;
        for (edge_index k = 0; k < e.size(); ++k) {
            if (e.weight[k] == original.weight[k]) continue;
            ++changed;
            EXPECT_EQ(e.weight[k], -original.weight[k]);
        }
        EXPECT_EQ(changed, 1);
    }
    edge_set empty = make_set(0, 1, 2, 2, true, false);
    counter_rng rng = rng_for(8, 1000);
    EXPECT_FALSE(flip_random_sign(empty, rng));
}

TEST(connectome_edit, perturb_weights_all_none_and_zero) {
    edge_set original = random_set(12, 12, 80, true, true, false, 9);
    for (edge_index k = 0; k < original.size(); k += 10) original.weight[k] = 0.0f;  // 8 zero weights
    {
        edge_set e = original;
        counter_rng rng = rng_for(9, 0);
        EXPECT_EQ(perturb_weights(e, rng, 0.1, 1.0), e.size());
        EXPECT_EQ(e.target, original.target);
        for (edge_index k = 0; k < e.size(); ++k) {
            if (original.weight[k] == 0.0f) {
                EXPECT_EQ(e.weight[k], 0.0f) << k;
            } else {
                EXPECT_NE(e.weight[k], original.weight[k]) << k;
                // Log-normal: the sign is kept and the factor is exp(0.1 N) (within 8 sigma here).
                EXPECT_EQ(std::signbit(e.weight[k]), std::signbit(original.weight[k])) << k;
                const double factor = e.weight[k] / original.weight[k];
                EXPECT_GT(factor, std::exp(-0.8)) << k;
                EXPECT_LT(factor, std::exp(0.8)) << k;
            }
        }
    }
    {
        edge_set e = original;
        counter_rng rng = rng_for(9, 1);
        EXPECT_EQ(perturb_weights(e, rng, 0.1, 0.0), 0u);
        EXPECT_TRUE(same_edges(e, original));
    }
    {
        // fraction 1/2 over 80 edges x 50 streams: 2000 expected, 4 sigma = 4 * sqrt(4000 / 4) ~ 126.
        edge_index n = 0;
        for (std::uint32_t trial = 0; trial < 50; ++trial) {
            edge_set e = original;
            counter_rng rng = rng_for(9, 10 + trial);
            const edge_index made = perturb_weights(e, rng, 0.1, 0.5);
            edge_index changed = 0;
            for (edge_index k = 0; k < e.size(); ++k) changed += e.weight[k] != original.weight[k];
            EXPECT_LE(changed, made);  // zero weights count as drawn but do not change
            n += made;
        }
        EXPECT_NEAR(static_cast<double>(n), 2000.0, 4.0 * std::sqrt(4000.0 * 0.25));
    }
}

// --- picking a projection -----------------------------------------------------------------------

TEST(connectome_edit, pick_projection_weights_by_edges_or_free_pairs) {
    connectome c;
    c.projections.push_back(make_set(0, 1, 5, 5, true, false));              // no edges
    c.projections.push_back(random_set(10, 10, 25, false, true, false, 10));  // 25 edges, 75 free
    c.projections.push_back(random_set(10, 10, 75, false, true, false, 11));  // 75 edges, 25 free
    edge_set full = make_set(0, 1, 4, 4, true, false);
    make_dense(full, 1.0f);
    c.projections.push_back(full);  // 16 edges, none free
    const int draws = 4000;
    std::vector<int> by_edges(4, 0), by_pairs(4, 0);
    counter_rng rng = rng_for(10);
    for (int i = 0; i < draws; ++i) {
        ++by_edges[pick_projection(c, rng, false)];
        ++by_pairs[pick_projection(c, rng, true)];
    }
    EXPECT_EQ(by_edges[0], 0);
    EXPECT_EQ(by_pairs[3], 0);
    // by edges: 25 / 116, 75 / 116, 16 / 116; by pairs: 25 / 125, 75 / 125, 25 / 125, 0. 4 sigma each.
    auto near = [&](int count, double p) {
        EXPECT_NEAR(count, draws * p, 4.0 * std::sqrt(draws * p * (1 - p))) << p;
    };
    near(by_edges[1], 25.0 / 116);
    near(by_edges[2], 75.0 / 116);
    near(by_edges[3], 16.0 / 116);
    near(by_pairs[0], 25.0 / 125);
    near(by_pairs[1], 75.0 / 125);
    near(by_pairs[2], 25.0 / 125);
    // Nothing to pick: the number of projections.
    connectome none;
    none.projections.push_back(make_set(0, 1, 3, 3, true, false));
    EXPECT_EQ(pick_projection(none, rng, false), 1u);
}

// --- crossover ---------------------------------------------------------------------------------

TEST(connectome_edit, crossover_of_identical_parents_is_the_parent) {
    connectome p;
    p.projections.push_back(random_set(20, 20, 90, true, false, false, 12));
    p.projections.push_back(random_set(8, 30, 60, false, true, true, 13));  // with multapses
    for (std::uint32_t trial = 0; trial < 10; ++trial) {
        counter_rng rng = rng_for(12, trial);
        const connectome child = crossover(p, p, rng);
        ASSERT_EQ(child.projections.size(), 2u);
        for (std::size_t q = 0; q < 2; ++q) {
            EXPECT_TRUE(same_edges(child.projections[q], p.projections[q])) << q;
            EXPECT_EQ(child.projections[q].n_sources, p.projections[q].n_sources);
            EXPECT_EQ(child.projections[q].allow_multapses, p.projections[q].allow_multapses);
        }
    }
}

TEST(connectome_edit, crossover_keeps_shared_edges_and_half_of_the_others) {
    edge_index only_one = 0, inherited = 0, shared = 0, from_a = 0;
    for (std::uint32_t trial = 0; trial < 12; ++trial) {
        connectome a, b;
        // Independent parents of density 0.3: about 9% of pairs shared, 42% in one parent only.
        a.projections.push_back(random_set(50, 50, 750, true, false, false, 100 + trial));
        b.projections.push_back(random_set(50, 50, 750, true, false, false, 200 + trial));
        // Tell the parents' weights apart on shared edges.
        for (float& w : b.projections[0].weight) w += 10.0f;
        counter_rng rng = rng_for(13, trial);
        const connectome child = crossover(a, b, rng);
        const edge_set& c = child.projections[0];
        expect_valid(c);
        const auto ma = edge_map(a.projections[0]), mb = edge_map(b.projections[0]), mc = edge_map(c);
        ASSERT_EQ(mc.size(), c.size());
        for (const auto& [pr, w] : mc) {
            const bool in_a = ma.count(pr) != 0, in_b = mb.count(pr) != 0;
            ASSERT_TRUE(in_a || in_b) << "an edge neither parent has";
            if (in_a && in_b) {
                EXPECT_TRUE(w == ma.at(pr) || w == mb.at(pr));
            } else {
                EXPECT_EQ(w, in_a ? ma.at(pr) : mb.at(pr));
            }
        }
        for (const auto& [pr, w] : ma) {
            if (mb.count(pr)) {
                ++shared;
                ASSERT_EQ(mc.count(pr), 1u) << "a shared edge was not inherited";
                from_a += mc.at(pr) == w;
            } else {
                ++only_one;
                inherited += mc.count(pr);
            }
        }
        for (const auto& [pr, w] : mb) {
            if (ma.count(pr)) continue;
            ++only_one;
            inherited += mc.count(pr);
        }
    }
    // Each one-parent edge is a fair coin: 4 sigma = 4 * sqrt(n / 4) (n ~ 11000 here: ~2%).
    ASSERT_GT(only_one, 8000u);
    EXPECT_NEAR(static_cast<double>(inherited), only_one / 2.0, 4.0 * std::sqrt(only_one / 4.0));
    // A shared edge's weight comes from either parent, also a fair coin.
    ASSERT_GT(shared, 1500u);
    EXPECT_NEAR(static_cast<double>(from_a), shared / 2.0, 4.0 * std::sqrt(shared / 4.0));
}

TEST(connectome_edit, crossover_pairs_multapses_by_order) {
    // a: 0->1 twice, b: 0->1 three times. Two pairs are shared (always inherited); the third is
    // b's alone.
    connectome a, b;
    a.projections.push_back(make_set(0, 1, 1, 2, true, true, {{0, 1, 1}, {0, 1, 2}}));
    b.projections.push_back(make_set(0, 1, 1, 2, true, true, {{0, 1, 1}, {0, 1, 2}, {0, 1, 3}}));
    int three = 0;
    for (std::uint32_t trial = 0; trial < 100; ++trial) {
        counter_rng rng = rng_for(14, trial);
        const edge_set c = crossover(a, b, rng).projections[0];
        ASSERT_TRUE(c.size() == 2 || c.size() == 3);
        EXPECT_EQ(c.weight[0], 1.0f);
        EXPECT_EQ(c.weight[1], 2.0f);
        three += c.size() == 3;
    }
    EXPECT_GT(three, 20);
    EXPECT_LT(three, 80);
}

TEST(connectome_edit, crossover_rejects_mismatched_parents) {
    connectome a, b, c;
    a.projections.push_back(random_set(10, 10, 20, true, false, false, 15));
    b.projections.push_back(random_set(10, 11, 20, false, false, false, 16));
    c.projections.push_back(a.projections[0]);
    c.projections.push_back(a.projections[0]);
    counter_rng rng = rng_for(15);
    EXPECT_THROW(crossover(a, b, rng), input_error);
    EXPECT_THROW(crossover(a, c, rng), input_error);
}

// --- pruning -----------------------------------------------------------------------------------

namespace {

// The edges left after removing the k smallest |w| of each list (ties: the first goes first).
std::vector<edge_index> smallest_positions(const std::vector<float>& w, std::size_t k) {
    std::vector<edge_index> order(w.size());
    for (edge_index i = 0; i < w.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](edge_index x, edge_index y) { return std::fabs(w[x]) < std::fabs(w[y]); });
    order.resize(k);
    std::sort(order.begin(), order.end());
    return order;
}

std::vector<triple> without(const edge_set& e, const std::vector<edge_index>& drop) {
    std::vector<triple> t = e.triples(), out;
    for (edge_index i = 0; i < t.size(); ++i)
        if (!std::binary_search(drop.begin(), drop.end(), i)) out.push_back(t[i]);
    return out;
}

bool same_triples(const std::vector<triple>& a, const std::vector<triple>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].source != b[i].source || a[i].target != b[i].target || a[i].weight != b[i].weight) return false;
    return true;
}

}  // namespace

TEST(connectome_edit, prune_per_projection_removes_the_smallest_magnitudes) {
    connectome c;
    c.projections.push_back(random_set(20, 20, 100, true, false, false, 20));
    c.projections.push_back(random_set(10, 15, 37, false, true, true, 21));
    c.projections.push_back(make_set(0, 1, 4, 4, true, false));  // empty
    // Shuffle the magnitudes so that the smallest are spread over the rows.
    for (auto& p : c.projections) {
        counter_rng rng = rng_for(20, static_cast<std::uint32_t>(p.size()));
        for (edge_index i = p.size(); i > 1; --i) std::swap(p.weight[i - 1], p.weight[rng.below(i)]);
    }
    const connectome before = c;
    const auto removed = prune_smallest(c, 0.2, prune_scope::projection);
    // round(0.2 * 100) = 20, round(0.2 * 37) = round(7.4) = 7, 0.
    EXPECT_EQ(removed, (std::vector<edge_index>{20, 7, 0}));
    for (std::size_t q = 0; q < 3; ++q) {
        const edge_set& p = before.projections[q];
        expect_valid(c.projections[q]);
        const auto drop = smallest_positions(p.weight, removed[q]);
        EXPECT_TRUE(same_triples(c.projections[q].triples(), without(p, drop))) << q;
    }
}

TEST(connectome_edit, prune_breaks_ties_by_position) {
    // Positions (CSR order): 0:0->0 0.5, 1:0->2 -0.1, 2:1->1 0.1, 3:1->3 0.1, 4:2->0 0.9, 5:3->3 -0.1.
    connectome c;
    c.projections.push_back(make_set(
        0, 1, 4, 4, true, false,
        {{3, 3, -0.1f}, {2, 0, 0.9f}, {1, 3, 0.1f}, {0, 2, -0.1f}, {1, 1, 0.1f}, {0, 0, 0.5f}}));
    connectome half = c;
    EXPECT_EQ(prune_smallest(half, 0.5, prune_scope::projection), (std::vector<edge_index>{3}));
    EXPECT_TRUE(same_triples(half.projections[0].triples(), {{0, 0, 0.5f}, {2, 0, 0.9f}, {3, 3, -0.1f}}));
    // All equal: the first k go, k = round(0.3 * 10) = 3.
    connectome flat;
    std::vector<triple> t;
    for (neuron_id s = 0; s < 10; ++s) t.push_back({s, 9 - s, s % 2 ? -1.0f : 1.0f});
    flat.projections.push_back(make_set(0, 1, 10, 10, true, false, t));
    EXPECT_EQ(prune_smallest(flat, 0.3, prune_scope::projection), (std::vector<edge_index>{3}));
    const auto kept = flat.projections[0].triples();
    ASSERT_EQ(kept.size(), 7u);
    EXPECT_EQ(kept.front().source, 3u);
    // Global ties: the earlier projection goes first. 8 edges, round(0.25 * 8) = 2.
    connectome two;
    two.projections.push_back(make_set(0, 1, 2, 2, true, false, {{0, 0, 1}, {1, 1, -1}}));
    two.projections.push_back(make_set(0, 1, 3, 2, true, false, {{0, 1, 1}, {1, 0, 1}, {2, 0, 1}, {2, 1, -1}}));
    two.projections.push_back(make_set(0, 1, 2, 1, true, false, {{0, 0, 1}, {1, 0, 1}}));
    connectome g = two;
    EXPECT_EQ(prune_smallest(g, 0.25, prune_scope::global), (std::vector<edge_index>{2, 0, 0}));
    g = two;
    EXPECT_EQ(prune_smallest(g, 0.5, prune_scope::global), (std::vector<edge_index>{2, 2, 0}));
    EXPECT_TRUE(same_triples(g.projections[1].triples(), {{2, 0, 1}, {2, 1, -1}}));
    // Half-way rounds away from zero: round(0.5 * 5) = 3.
    connectome five;
    five.projections.push_back(random_set(5, 5, 5, false, true, false, 22));
    EXPECT_EQ(prune_smallest(five, 0.5, prune_scope::projection), (std::vector<edge_index>{3}));
}

TEST(connectome_edit, prune_global_ranks_across_projections) {
    connectome c;
    c.projections.push_back(random_set(20, 20, 100, true, false, false, 23, 0.01f));  // |w| <= 0.001
    c.projections.push_back(random_set(20, 20, 100, true, false, false, 24, 1.0f));   // |w| >= 0.001
    c.projections.push_back(random_set(20, 20, 50, true, false, false, 25, 100.0f));  // |w| >= 0.1
    connectome g = c;
    // 250 edges, round(0.3 * 250) = 75: all from the small-weight projection.
    EXPECT_EQ(prune_smallest(g, 0.3, prune_scope::global), (std::vector<edge_index>{75, 0, 0}));
    EXPECT_TRUE(same_triples(g.projections[0].triples(),
                             without(c.projections[0], smallest_positions(c.projections[0].weight, 75))));
    g = c;
    // round(0.7 * 250) = 175: projection 0 entirely, then the 75 smallest of projection 1 (the
    // scales meet only at |w| = 0.001, which does not change what goes).
    EXPECT_EQ(prune_smallest(g, 0.7, prune_scope::global), (std::vector<edge_index>{100, 75, 0}));
    EXPECT_TRUE(same_triples(g.projections[1].triples(),
                             without(c.projections[1], smallest_positions(c.projections[1].weight, 75))));
    // Per projection the same fraction takes from each.
    g = c;
    EXPECT_EQ(prune_smallest(g, 0.3, prune_scope::projection), (std::vector<edge_index>{30, 30, 15}));
}

TEST(connectome_edit, prune_fraction_zero_one_and_invalid) {
    connectome c;
    c.projections.push_back(random_set(20, 20, 100, true, false, false, 26));
    c.projections.push_back(random_set(5, 5, 3, false, true, false, 27));
    for (prune_scope scope : {prune_scope::projection, prune_scope::global}) {
        connectome g = c;
        EXPECT_EQ(prune_smallest(g, 0.0, scope), (std::vector<edge_index>{0, 0}));
        EXPECT_TRUE(same_edges(g.projections[0], c.projections[0]));
        EXPECT_TRUE(same_edges(g.projections[1], c.projections[1]));
        EXPECT_EQ(prune_smallest(g, 1.0, scope), (std::vector<edge_index>{100, 3}));
        EXPECT_EQ(g.size(), 0u);
        expect_valid(g.projections[0]);
        EXPECT_THROW(prune_smallest(g, 1.5, scope), input_error);
        EXPECT_THROW(prune_smallest(g, -0.1, scope), input_error);
        EXPECT_THROW(prune_smallest(g, std::nan(""), scope), input_error);
    }
}

TEST(connectome_edit, prune_ranks_nan_weights_last) {
    connectome c;
    c.projections.push_back(random_set(10, 10, 40, true, false, false, 28));
    const float nan = std::numeric_limits<float>::quiet_NaN();
    c.projections[0].weight[3] = nan;
    c.projections[0].weight[17] = nan;
    const edge_set before = c.projections[0];
    EXPECT_EQ(prune_smallest(c, 0.95, prune_scope::global), (std::vector<edge_index>{38}));
    ASSERT_EQ(c.projections[0].size(), 2u);
    EXPECT_TRUE(std::isnan(c.projections[0].weight[0]));
    EXPECT_TRUE(std::isnan(c.projections[0].weight[1]));
    EXPECT_EQ(c.projections[0].triples()[0].target, before.triples()[3].target);
}

TEST(connectome_edit, successive_prunes_follow_the_rounding_sequence) {
    connectome c;
    c.projections.push_back(random_set(50, 50, 1000, true, false, false, 29));
    edge_index m = 1000;
    for (int round = 0; round < 6; ++round) {
        const auto k = static_cast<edge_index>(std::llround(0.2 * static_cast<double>(m)));
        EXPECT_EQ(prune_smallest(c, 0.2, prune_scope::projection), (std::vector<edge_index>{k})) << round;
        m -= k;
        EXPECT_EQ(c.size(), m);
        expect_valid(c.projections[0]);
    }
    // 1000 -> 800 -> 640 -> 512 -> 410 -> 328 -> 262.
    EXPECT_EQ(m, 262u);
    // Each round removed the smallest: what is left are the 262 largest magnitudes.
    const auto& w = c.projections[0].weight;
    const float smallest_kept = std::fabs(*std::min_element(w.begin(), w.end(), [](float x, float y) {
        return std::fabs(x) < std::fabs(y);
    }));
    EXPECT_FLOAT_EQ(smallest_kept, 739.0f / 1000.0f);
}

TEST(connectome_edit, reset_to_sign_keeps_only_the_sign) {
    connectome c;
    c.projections.push_back(make_set(0, 1, 2, 3, true, false,
                                     {{0, 0, 0.3f}, {0, 1, -2.0f}, {0, 2, 0.0f}, {1, 0, -0.5f}, {1, 2, 7.0f}}));
    c.projections.push_back(make_set(0, 0, 2, 2, true, false, {{1, 1, -1e-9f}}));
    const connectome before = c;
    reset_to_sign(c, 0.25f);
    EXPECT_EQ(c.projections[0].weight, (std::vector<float>{0.25f, -0.25f, 0.25f, -0.25f, 0.25f}));
    EXPECT_EQ(c.projections[1].weight, (std::vector<float>{-0.25f}));
    EXPECT_EQ(c.projections[0].target, before.projections[0].target);
    EXPECT_EQ(c.projections[0].row_map, before.projections[0].row_map);
}

TEST(connectome_edit, rewind_gives_survivors_their_earlier_weights) {
    connectome early;
    early.projections.push_back(random_set(20, 20, 120, true, false, false, 30));
    early.projections.push_back(random_set(6, 9, 30, false, true, true, 31));  // multapses
    // "Training": every weight changes; then prune.
    connectome late = early;
    for (auto& p : late.projections)
        for (float& w : p.weight) w = w * 3.0f + 1.0f;
    prune_smallest(late, 0.4, prune_scope::global);
    const connectome pruned = late;
    rewind_weights(late, early);
    for (std::size_t q = 0; q < 2; ++q) {
        const edge_set& x = late.projections[q];
        EXPECT_EQ(x.target, pruned.projections[q].target);
        EXPECT_EQ(x.row_map, pruned.projections[q].row_map);
        // Every survivor's weight is the earlier weight of that (source, target).
        const auto earlier_edges = edges_of(early.projections[q]);
        for (const triple& t : x.triples())
            EXPECT_EQ(earlier_edges.count({t.source, t.target, t.weight}), 1u) << q;
    }
    // Without multapses the match is exact per edge.
    const auto em = edge_map(early.projections[0]);
    for (const triple& t : late.projections[0].triples()) EXPECT_EQ(t.weight, em.at({t.source, t.target}));
}

TEST(connectome_edit, rewind_rejects_edges_the_earlier_connectome_lacks) {
    connectome early, late;
    early.projections.push_back(make_set(0, 1, 3, 3, true, true, {{0, 1, 1}, {2, 2, 2}}));
    late.projections.push_back(make_set(0, 1, 3, 3, true, true, {{0, 1, 5}, {1, 0, 6}}));
    EXPECT_THROW(rewind_weights(late, early), input_error);
    // One multapse more than earlier: also absent.
    late.projections[0].assign({{0, 1, 5}, {0, 1, 6}});
    EXPECT_THROW(rewind_weights(late, early), input_error);
    // Other sizes or projection counts.
    connectome bigger;
    bigger.projections.push_back(make_set(0, 1, 4, 3, true, true, {{0, 1, 1}}));
    connectome one;
    one.projections.push_back(make_set(0, 1, 3, 3, true, true, {{0, 1, 1}}));
    EXPECT_THROW(rewind_weights(bigger, one), input_error);
    EXPECT_THROW(rewind_weights(one, bigger), input_error);
    connectome two = one;
    two.projections.push_back(one.projections[0]);
    EXPECT_THROW(rewind_weights(one, two), input_error);
}

// --- null models -------------------------------------------------------------------------------

TEST(connectome_edit, randomize_edges_keeps_count_and_weights) {
    struct shape {
        neuron_id ns, nt;
        edge_index m;
        bool recurrent, autapses, multapses;
    };
    const std::vector<shape> shapes = {
        {40, 40, 300, true, false, false},   // sparse
        {20, 20, 342, true, false, false},   // 90% of the 380 allowed pairs
        {20, 20, 380, true, false, false},   // every allowed pair
        {10, 10, 90, false, false, false},   // two populations: the diagonal is allowed
        {5, 5, 60, true, false, true},       // more edges than pairs, multapses
        {30, 12, 200, false, true, true},    // multapses, sparse
    };
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const shape& sh = shapes[i];
        const edge_set original = random_set(sh.ns, sh.nt, sh.m, sh.recurrent, sh.autapses, sh.multapses,
                                             static_cast<std::uint32_t>(40 + i));
        edge_set e = original;
        counter_rng rng = rng_for(40, static_cast<std::uint32_t>(i));
        randomize_edges(e, rng);
        EXPECT_EQ(e.size(), sh.m) << i;
        expect_valid(e);
        EXPECT_EQ(sorted_weights(e), sorted_weights(original)) << i;
        if (sh.m < allowed_pairs(original)) {
            EXPECT_NE(pairs_of(e), pairs_of(original)) << i;
        }
        if (sh.m == allowed_pairs(original) && !sh.multapses) {
            EXPECT_EQ(pairs_of(e), pairs_of(original)) << i;
        }
    }
    // Too many edges for the pairs, without multapses.
    edge_set over = make_set(0, 1, 2, 2, true, true, {{0, 0, 1}, {0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}});
    over.allow_multapses = false;
    counter_rng rng = rng_for(41);
    EXPECT_THROW(randomize_edges(over, rng), input_error);
    // No allowed pair at all (a one-neuron population without autapses), multapses or not.
    edge_set none = make_set(0, 0, 1, 1, true, true, {{0, 0, 1}});
    none.allow_autapses = false;
    EXPECT_THROW(randomize_edges(none, rng), input_error);
}

TEST(connectome_edit, randomize_edges_is_close_to_uniform_over_pairs) {
    // 4x4 without autapses: 12 pairs, 3 edges each time; each pair is present with
    // probability 1/4. 3000 draws: 750 expected per pair, 4 sigma = 4 * sqrt(3000 * 3 / 16) = 95.
    std::map<pair_t, int> hits;
    const edge_set original = random_set(4, 4, 3, true, false, false, 50);
    for (std::uint32_t trial = 0; trial < 3000; ++trial) {
        edge_set e = original;
        counter_rng rng = rng_for(50, trial);
        randomize_edges(e, rng);
        for (const auto& p : pairs_of(e)) ++hits[p];
    }
    EXPECT_EQ(hits.size(), 12u);
    for (const auto& [p, n] : hits) EXPECT_NEAR(n, 750, 95) << p.first << "->" << p.second;
    // The dense branch (more than half the pairs): 10 of 12, each present with probability 5/6.
    hits.clear();
    const edge_set dense = random_set(4, 4, 10, true, false, false, 51);
    for (std::uint32_t trial = 0; trial < 3000; ++trial) {
        edge_set e = dense;
        counter_rng rng = rng_for(51, trial);
        randomize_edges(e, rng);
        for (const auto& p : pairs_of(e)) ++hits[p];
    }
    EXPECT_EQ(hits.size(), 12u);
    for (const auto& [p, n] : hits) EXPECT_NEAR(n, 2500, 4.0 * std::sqrt(3000.0 * 5 / 36)) << p.first << "->" << p.second;
}

TEST(connectome_edit, shuffle_signs_permutes_signs_only) {
    const edge_set original = random_set(30, 30, 400, true, false, false, 60);
    edge_index negative = 0;
    for (float w : original.weight) negative += std::signbit(w);
    ASSERT_GT(negative, 50u);
    edge_set e = original;
    counter_rng rng = rng_for(60);
    shuffle_signs(e, rng);
    EXPECT_EQ(e.target, original.target);
    EXPECT_EQ(e.row_map, original.row_map);
    edge_index negative_after = 0, moved = 0;
    for (edge_index k = 0; k < e.size(); ++k) {
        EXPECT_EQ(std::fabs(e.weight[k]), std::fabs(original.weight[k])) << k;
        negative_after += std::signbit(e.weight[k]);
        moved += std::signbit(e.weight[k]) != std::signbit(original.weight[k]);
    }
    EXPECT_EQ(negative_after, negative);
    EXPECT_GT(moved, 0u);
}

TEST(connectome_edit, make_dense_fills_every_allowed_pair) {
    for (bool autapses : {true, false}) {
        const edge_set original = random_set(10, 10, 30, true, autapses, false, 70);
        edge_set e = original;
        make_dense(e, 0.125f);
        EXPECT_EQ(e.size(), autapses ? 100u : 90u);
        EXPECT_EQ(e.size(), allowed_pairs(e));
        EXPECT_DOUBLE_EQ(density(e), 1.0);
        expect_valid(e);
        const auto before = edge_map(original);
        edge_index fresh = 0;
        for (const triple& t : e.triples()) {
            const auto it = before.find({t.source, t.target});
            if (it != before.end()) {
                EXPECT_EQ(t.weight, it->second);
            } else {
                EXPECT_EQ(t.weight, 0.125f);
                ++fresh;
            }
        }
        EXPECT_EQ(fresh, e.size() - 30);
    }
    // Two populations with autapses off: the diagonal is still a pair. Multapses collapse to
    // one edge with the first one's weight; a forbidden self-loop goes.
    edge_set two = make_set(0, 1, 3, 3, false, true, {{1, 1, 5.0f}, {1, 1, 6.0f}});
    make_dense(two, 0.0f);
    EXPECT_EQ(two.size(), 9u);
    EXPECT_EQ(two.weight[two.find(1, 1)], 5.0f);
    edge_set self = make_set(0, 0, 3, 3, true, false, {{2, 2, 4.0f}, {0, 1, 3.0f}});
    self.allow_autapses = false;
    make_dense(self, 1.0f);
    EXPECT_EQ(self.size(), 6u);
    EXPECT_EQ(self.find(2, 2), self.size());
    EXPECT_EQ(self.weight[self.find(0, 1)], 3.0f);
    expect_valid(self);
}
