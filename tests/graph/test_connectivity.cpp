// Connection rules: exact counts where the rule fixes them, binomial bounds where it is
// random, and independence from the number of construction threads.
#include <algorithm>
#include <cmath>
#include <set>

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <synaptogen/graph/synapse_table.hpp>

using namespace synaptogen;

namespace {

population_layout two_populations(neuron_id a, neuron_id b) {
    population_layout l;
    l.add("A", a);
    l.add("B", b);
    return l;
}

projection_spec make(std::size_t src, std::size_t tgt, connection_rule_kind rule) {
    projection_spec p;
    p.source = src;
    p.target = tgt;
    p.rule = rule;
    p.weight = distribution::constant_value(1.0);
    p.delay = distribution::constant_value(1.0);
    return p;
}

synapse_table build(const population_layout& l, const projection_spec& p, std::uint64_t seed = 7) {
    return build_synapses(l, {p}, seed, 0.1);
}

// Out-degree of every neuron of population `pop`.
std::vector<edge_index> out_degrees(const synapse_table& t, const population& pop) {
    std::vector<edge_index> d;
    for (neuron_id i = pop.first; i < pop.first + pop.size; ++i) d.push_back(t.row_map[i + 1] - t.row_map[i]);
    return d;
}

bool has_multapses(const synapse_table& t) {
    for (neuron_id i = 0; i < t.n_neurons; ++i) {
        std::set<neuron_id> seen;
        for (edge_index e = t.row_map[i]; e < t.row_map[i + 1]; ++e)
            if (!seen.insert(t.target[e]).second) return true;
    }
    return false;
}

distribution normal_dist(double mean, double sd, double min = -1e300) {
    distribution d;
    d.kind = distribution_kind::normal;
    d.mean = mean;
    d.sd = sd;
    d.min = min;
    return d;
}

bool has_autapses(const synapse_table& t) {
    for (neuron_id i = 0; i < t.n_neurons; ++i)
        for (edge_index e = t.row_map[i]; e < t.row_map[i + 1]; ++e)
            if (t.target[e] == i) return true;
    return false;
}

}  // namespace

TEST(connectivity, all_to_all_counts_every_pair) {
    const auto l = two_populations(30, 40);
    const auto t = build(l, make(0, 1, connection_rule_kind::all_to_all));
    EXPECT_EQ(t.size(), 30u * 40u);
    for (auto d : out_degrees(t, l[0])) EXPECT_EQ(d, 40u);
    for (neuron_id i = 0; i < 30; ++i)  // targets ascending, all in B
        for (edge_index e = t.row_map[i]; e < t.row_map[i + 1]; ++e) EXPECT_EQ(t.target[e], 30 + (e - t.row_map[i]));
}

TEST(connectivity, all_to_all_without_autapses_skips_the_diagonal) {
    const auto l = two_populations(25, 5);
    auto p = make(0, 0, connection_rule_kind::all_to_all);
    p.allow_autapses = false;
    const auto t = build(l, p);
    EXPECT_EQ(t.size(), 25u * 24u);
    EXPECT_FALSE(has_autapses(t));
}

TEST(connectivity, one_to_one_connects_equal_indices) {
    const auto l = two_populations(50, 50);
    const auto t = build(l, make(0, 1, connection_rule_kind::one_to_one));
    ASSERT_EQ(t.size(), 50u);
    for (neuron_id i = 0; i < 50; ++i) EXPECT_EQ(t.target[t.row_map[i]], 50 + i);
}

TEST(connectivity, fixed_indegree_gives_every_target_exactly_k_sources) {
    const auto l = two_populations(500, 300);
    auto p = make(0, 1, connection_rule_kind::fixed_indegree);
    p.number = 37;
    p.allow_multapses = false;
    const auto t = build(l, p);
    EXPECT_EQ(t.size(), 300u * 37u);
    const auto in = t.in_degrees();
    for (neuron_id i = 500; i < 800; ++i) EXPECT_EQ(in[i], 37u);
    EXPECT_FALSE(has_multapses(t));
}

TEST(connectivity, fixed_indegree_within_a_population_without_autapses) {
    const auto l = two_populations(200, 1);
    auto p = make(0, 0, connection_rule_kind::fixed_indegree);
    p.number = 199;  // every other neuron: the dense (selection sampling) path
    p.allow_autapses = false;
    p.allow_multapses = false;
    const auto t = build(l, p);
    EXPECT_EQ(t.size(), 200u * 199u);
    EXPECT_FALSE(has_autapses(t));
    EXPECT_FALSE(has_multapses(t));
}

TEST(connectivity, fixed_indegree_too_large_without_multapses_is_an_input_error) {
    const auto l = two_populations(10, 10);
    auto p = make(0, 1, connection_rule_kind::fixed_indegree);
    p.number = 11;
    p.allow_multapses = false;
    EXPECT_THROW(build(l, p), input_error);
}

TEST(connectivity, fixed_outdegree_gives_every_source_exactly_k_targets) {
    const auto l = two_populations(400, 250);
    auto p = make(0, 1, connection_rule_kind::fixed_outdegree);
    p.number = 25;
    const auto t = build(l, p);
    EXPECT_EQ(t.size(), 400u * 25u);
    for (auto d : out_degrees(t, l[0])) EXPECT_EQ(d, 25u);
    for (auto tg : t.target) EXPECT_GE(tg, 400u);
}

TEST(connectivity, fixed_total_number_makes_exactly_n_synapses) {
    const auto l = two_populations(300, 200);
    auto p = make(0, 1, connection_rule_kind::fixed_total_number);
    p.number = 12345;
    const auto t = build(l, p);
    EXPECT_EQ(t.size(), 12345u);
    // Out-degrees are multinomial(n, 1/300): mean 41.15, sd 6.4; all within 7 sd.
    for (auto d : out_degrees(t, l[0])) EXPECT_LT(std::fabs(d - 12345.0 / 300), 7 * 6.4);
}

TEST(connectivity, fixed_probability_count_within_binomial_bounds) {
    const auto l = two_populations(1000, 800);
    auto p = make(0, 1, connection_rule_kind::fixed_probability);
    p.probability = 0.05;
    const auto t = build(l, p);
    // Binomial(800,000, 0.05): mean 40,000, sd 194.9; a 5-sd band fails once in 1.7 million.
    const double mean = 800000 * 0.05, sd = std::sqrt(800000 * 0.05 * 0.95);
    EXPECT_NEAR(static_cast<double>(t.size()), mean, 5 * sd);
    EXPECT_FALSE(has_multapses(t));
    // Each source's degree is Binomial(800, 0.05): mean 40, sd 6.16. Chi-square-free check:
    // the sample variance of out-degrees within 15% of the binomial variance (1000 samples:
    // the relative sd of a variance estimate is about sqrt(2/999) = 4.5%).
    const auto d = out_degrees(t, l[0]);
    double m = 0, v = 0;
    for (auto x : d) m += x;
    m /= d.size();
    for (auto x : d) v += (x - m) * (x - m);
    v /= d.size() - 1;
    EXPECT_NEAR(v, 800 * 0.05 * 0.95, 0.15 * 800 * 0.05 * 0.95);
}

TEST(connectivity, fixed_probability_extremes) {
    const auto l = two_populations(40, 30);
    auto p = make(0, 1, connection_rule_kind::fixed_probability);
    p.probability = 0.0;
    EXPECT_EQ(build(l, p).size(), 0u);
    p.probability = 1.0;
    EXPECT_EQ(build(l, p).size(), 40u * 30u);
}

TEST(connectivity, explicit_edges_keep_weights_delays_and_order) {
    const auto l = two_populations(3, 3);
    auto p = make(0, 1, connection_rule_kind::explicit_edges);
    p.edges = {{2, 0, 0.5, 1.0}, {0, 1, -1.5, 2.0}, {2, 2, 3.0, 0.3}, {0, 0, 1.0, 1.04}};
    p.edges_have_weights = p.edges_have_delays = true;
    const auto t = build(l, p);
    ASSERT_EQ(t.size(), 4u);
    EXPECT_EQ(t.row_map[1] - t.row_map[0], 2u);  // source 0: listed order (1 then 0)
    EXPECT_EQ(t.target[0], 4u);
    EXPECT_FLOAT_EQ(t.weight[0], -1.5f);
    EXPECT_EQ(t.delay[0], 20u);
    EXPECT_EQ(t.target[1], 3u);
    EXPECT_EQ(t.delay[1], 10u);  // 1.04 ms rounds to 10 steps
    EXPECT_EQ(t.target[2], 3u);  // source 2
    EXPECT_EQ(t.target[3], 5u);
    EXPECT_EQ(t.delay[3], 3u);
}

TEST(connectivity, delays_round_to_whole_steps_and_never_to_zero) {
    EXPECT_EQ(delay_to_steps(1.5, 0.1), 15u);
    EXPECT_EQ(delay_to_steps(0.05, 0.1), 1u);
    EXPECT_EQ(delay_to_steps(0.149, 0.1), 1u);
    EXPECT_EQ(delay_to_steps(0.151, 0.1), 2u);
}

TEST(connectivity, distributions_respect_their_bounds) {
    const auto l = two_populations(200, 200);
    auto p = make(0, 1, connection_rule_kind::fixed_indegree);
    p.number = 50;
    p.weight.kind = distribution_kind::normal;
    p.weight.mean = 1.0;
    p.weight.sd = 2.0;
    p.weight.min = 0.0;
    p.weight.max = 3.0;
    p.delay.kind = distribution_kind::uniform;
    p.delay.low = 0.5;
    p.delay.high = 2.0;
    const auto t = build(l, p);
    for (auto w : t.weight) {
        EXPECT_GE(w, 0.0f);
        EXPECT_LE(w, 3.0f);
    }
    for (auto d : t.delay) {
        EXPECT_GE(d, 5u);
        EXPECT_LE(d, 20u);
    }
}

TEST(connectivity, table_depends_on_seed_not_on_thread_count) {
    const auto l = two_populations(3000, 1000);
    std::vector<projection_spec> ps = {make(0, 1, connection_rule_kind::fixed_indegree),
                                       make(0, 0, connection_rule_kind::fixed_probability),
                                       make(1, 0, connection_rule_kind::fixed_total_number)};
    ps[0].number = 100;
    ps[1].probability = 0.02;
    ps[1].weight.kind = distribution_kind::normal;
    ps[1].weight.sd = 0.5;
    ps[2].number = 50000;
    synapse_table one, two, other_seed;
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
        one = build_synapses(l, ps, 99, 0.1);
    }
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
        two = build_synapses(l, ps, 99, 0.1);
        other_seed = build_synapses(l, ps, 100, 0.1);
    }
    EXPECT_EQ(one.row_map, two.row_map);
    EXPECT_EQ(one.target, two.target);
    EXPECT_EQ(one.weight, two.weight);
    EXPECT_EQ(one.delay, two.delay);
    EXPECT_NE(one.target, other_seed.target);
}

// Normal draws (Boost's ziggurat on the row's Philox stream): moments and the mass within
// one sd, and the mean of a normal truncated at its mean (half-normal: sd * sqrt(2/pi)).
// n = 400,000, so the standard error of the mean is sd / 632; the bounds are 5 of those.
TEST(connectivity, normal_draws_have_the_moments_they_name) {
    distribution d;
    d.kind = distribution_kind::normal;
    d.mean = 2.0;
    d.sd = 3.0;
    const int n = 400000;
    double sum = 0.0, sum2 = 0.0;
    int within = 0;
    counter_rng rng(7, stream_purpose::connectivity, 0, 0);
    for (int i = 0; i < n; ++i) {
        const double x = d.draw(rng);
        sum += x;
        sum2 += x * x;
        within += std::fabs(x - 2.0) < 3.0;
    }
    const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
    EXPECT_NEAR(mean, 2.0, 5 * 3.0 / std::sqrt(n));
    EXPECT_NEAR(sd, 3.0, 5 * 3.0 / std::sqrt(2.0 * n));
    EXPECT_NEAR(static_cast<double>(within) / n, 0.682689, 5 * std::sqrt(0.68 * 0.32 / n));

    d.min = 2.0;  // truncated at the mean
    double half = 0.0;
    for (int i = 0; i < n; ++i) half += d.draw(rng) - 2.0;
    const double expected = 3.0 * std::sqrt(2.0 / M_PI), se = 3.0 * std::sqrt(1.0 - 2.0 / M_PI) / std::sqrt(n);
    EXPECT_NEAR(half / n, expected, 5 * se);
}

// Drawn weights and delays wait in the part until the consumer packs it (the chunk holds
// targets and each row's stream position only), and come out as if drawn with the
// targets: after them in the row's stream, weight then delay per synapse. all_to_all
// draws no targets, so row r's values are the first words of stream (seed, projection, r).
TEST(connectivity, deferred_values_continue_each_rows_stream) {
    const auto l = two_populations(6, 9);
    auto p = make(0, 1, connection_rule_kind::all_to_all);
    p.weight = normal_dist(2.0, 0.5);
    p.delay = normal_dist(1.5, 0.3, 0.1);
    synapse_parts parts = generate_synapses(l, {make(1, 0, connection_rule_kind::all_to_all), p}, 11, 0.1);
    const projection_part& part = parts.projections[1];
    ASSERT_TRUE(part.deferred_values);
    for (const synapse_chunk& ch : part.chunks) {
        EXPECT_TRUE(ch.weight.empty());
        EXPECT_TRUE(ch.delay.empty());
        EXPECT_EQ(ch.resume.size(), ch.count.size());
    }
    EXPECT_FALSE(parts.projections[0].deferred_values);  // constant values: nothing to defer

    const synapse_table t = merge_synapses(std::move(parts));
    for (neuron_id r = 0; r < 6; ++r) {
        counter_rng rng(11, stream_purpose::connectivity, 1, r);
        ASSERT_EQ(t.row_map[r + 1] - t.row_map[r], 9u);
        for (edge_index e = t.row_map[r]; e < t.row_map[r + 1]; ++e) {
            EXPECT_EQ(t.weight[e], static_cast<float>(p.weight.draw(rng))) << "row " << r;
            EXPECT_EQ(t.delay[e], delay_to_steps(p.delay.draw(rng), 0.1)) << "row " << r;
        }
    }
}

// A rule that draws its targets (fixed_probability) keeps the same targets whether its
// values are constant or drawn, and the drawn values do not repeat across rows.
TEST(connectivity, deferred_values_leave_the_targets_alone) {
    const auto l = two_populations(200, 300);
    auto constant = make(0, 1, connection_rule_kind::fixed_probability);
    constant.probability = 0.1;
    auto drawn = constant;
    drawn.weight = normal_dist(2.0, 0.5);
    drawn.delay = normal_dist(1.5, 0.3, 0.1);
    const synapse_table a = build(l, constant), b = build(l, drawn);
    EXPECT_EQ(a.row_map, b.row_map);
    EXPECT_EQ(a.target, b.target);
    std::set<float> distinct(b.weight.begin(), b.weight.end());
    EXPECT_GT(distinct.size(), b.size() * 9 / 10);
}

// A rank's share (generate_synapses with a target range) is exactly the whole table's
// synapses onto those targets, in the same order, with the same weights and delays, for
// every rule: rows drawn by source (whole, then filtered), columns drawn by target (only
// the kept ones), explicit edges. The shares of a split add up to the whole.
TEST(connectivity, a_target_range_keeps_exactly_the_synapses_onto_it) {
    population_layout l;
    l.add("A", 150);
    l.add("B", 230);
    std::vector<projection_spec> ps;
    for (auto rule : {connection_rule_kind::all_to_all, connection_rule_kind::one_to_one, connection_rule_kind::fixed_probability,
                      connection_rule_kind::fixed_indegree, connection_rule_kind::fixed_outdegree,
                      connection_rule_kind::fixed_total_number}) {
        auto p = make(rule == connection_rule_kind::one_to_one ? 1 : 0, 1, rule);
        p.probability = 0.2;
        p.number = rule == connection_rule_kind::fixed_total_number ? 4000 : 17;
        p.weight = normal_dist(2.0, 0.5);
        p.delay = normal_dist(1.5, 0.3, 0.1);
        ps.push_back(p);
    }
    auto within = make(1, 1, connection_rule_kind::fixed_indegree);  // constant values, autapses excluded
    within.number = 9;
    within.allow_autapses = false;
    ps.push_back(within);
    auto listed = make(1, 0, connection_rule_kind::explicit_edges);
    for (neuron_id k = 0; k < 300; ++k) listed.edges.push_back({k % 230, (k * 7) % 150, 0.5 + k, 1.0});
    listed.edges_have_weights = true;
    ps.push_back(listed);

    const synapse_table whole = build_synapses(l, ps, 5, 0.1);
    const std::vector<neuron_id> cuts{0, 64, 149, 192, 320, 380};  // across both populations and inside one
    edge_index total = 0;
    for (std::size_t c = 0; c + 1 < cuts.size(); ++c) {
        const neuron_range r{cuts[c], cuts[c + 1]};
        const synapse_table share = merge_synapses(generate_synapses(l, ps, 5, 0.1, {}, r));
        total += share.size();
        for (neuron_id s = 0; s < whole.n_neurons; ++s) {
            std::vector<std::tuple<neuron_id, float, std::uint16_t>> expected, got;
            for (edge_index e = whole.row_map[s]; e < whole.row_map[s + 1]; ++e)
                if (r.contains(whole.target[e])) expected.emplace_back(whole.target[e], whole.weight[e], whole.delay[e]);
            for (edge_index e = share.row_map[s]; e < share.row_map[s + 1]; ++e)
                got.emplace_back(share.target[e], share.weight[e], share.delay[e]);
            ASSERT_EQ(got, expected) << "source " << s << ", targets [" << r.first << ", " << r.last << ")";
        }
    }
    EXPECT_EQ(total, whole.size());
}
