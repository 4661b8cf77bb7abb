// Counter-based streams and the two Poisson samplers, against the Poisson distribution.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/graph/random.hpp>

using namespace synaptogen;

namespace {

// Pearson chi-square of observed counts against Poisson(lambda) probabilities, with all
// categories of expected count < 5 merged into the last one. Returns (statistic, dof).
std::pair<double, int> chi_square(const std::vector<std::uint64_t>& observed, double lambda, std::uint64_t n) {
    double stat = 0.0, p = std::exp(-lambda), cum_p = 0.0;
    std::uint64_t cum_obs = 0;
    int dof = -1;
    for (std::size_t k = 0; k < observed.size(); ++k) {
        if (n * p < 5.0 && k > lambda) break;
        stat += (observed[k] - n * p) * (observed[k] - n * p) / (n * p);
        cum_p += p;
        cum_obs += observed[k];
        ++dof;
        p *= lambda / (k + 1);
    }
    const double rest_p = 1.0 - cum_p, rest_obs = static_cast<double>(n - cum_obs);
    if (n * rest_p > 1e-9) {
        stat += (rest_obs - n * rest_p) * (rest_obs - n * rest_p) / (n * rest_p);
        ++dof;
    }
    return {stat, dof};
}

}  // namespace

TEST(random, streams_are_named_not_sequential) {
    counter_rng a(42, stream_purpose::connectivity, 3, 4), b(42, stream_purpose::connectivity, 3, 4);
    counter_rng c(42, stream_purpose::connectivity, 3, 5), d(43, stream_purpose::connectivity, 3, 4);
    for (int i = 0; i < 10; ++i) {
        const auto x = a.next_u32();
        EXPECT_EQ(x, b.next_u32());
        EXPECT_NE(x, c.next_u32());
        EXPECT_NE(x, d.next_u32());
    }
    EXPECT_EQ(random_bits64(5, 1, 2), random_bits64(5, 1, 2));
    EXPECT_NE(random_bits64(5, 1, 2), random_bits64(5, 2, 1));
    EXPECT_NE(derive_key32(1, stream_purpose::poisson_input, 1), derive_key32(2, stream_purpose::poisson_input, 1));
}

TEST(random, uniform_is_in_the_open_unit_interval_with_the_right_moments) {
    counter_rng r(1, stream_purpose::initial_state, 0, 0);
    double sum = 0, sq = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        const double u = r.uniform();
        ASSERT_GT(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
        sq += u * u;
    }
    // mean 1/2 (sd of the mean 0.00065), variance 1/12
    EXPECT_NEAR(sum / n, 0.5, 0.004);
    EXPECT_NEAR(sq / n - (sum / n) * (sum / n), 1.0 / 12, 0.002);
}

TEST(random, below_is_uniform_over_its_range) {
    counter_rng r(9, stream_purpose::connectivity, 0, 0);
    std::vector<std::uint64_t> counts(7, 0);
    const std::uint64_t n = 70000;
    for (std::uint64_t i = 0; i < n; ++i) ++counts[r.below(7)];
    double stat = 0;
    for (auto c : counts) stat += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
    EXPECT_LT(stat, 22.46);  // chi-square, 6 dof, p = 0.001
}

// The table sampler used for Poisson input, for the means the benchmarks use.
class poisson_table : public ::testing::TestWithParam<double> {};

TEST_P(poisson_table, matches_the_poisson_distribution) {
    const double lambda = GetParam();
    const auto table = poisson_inversion_table(lambda);
    ASSERT_FALSE(table.empty());
    EXPECT_EQ(table.back(), ~0ull);
    for (std::size_t k = 1; k < table.size(); ++k) EXPECT_GE(table[k], table[k - 1]);
    const std::uint64_t n = 400000;
    std::vector<std::uint64_t> counts(200, 0);
    for (std::uint64_t i = 0; i < n; ++i) {
        const auto k = poisson_from_table(random_bits64(77, static_cast<std::uint32_t>(i), 0), table.data(),
                                          static_cast<std::uint32_t>(table.size()));
        ++counts[std::min<std::size_t>(k, 199)];
    }
    const auto [stat, dof] = chi_square(counts, lambda, n);
    // Critical value at p = 0.0001 by the Wilson-Hilferty approximation.
    const double z = 3.719, crit = dof * std::pow(1 - 2.0 / (9 * dof) + z * std::sqrt(2.0 / (9 * dof)), 3);
    EXPECT_LT(stat, crit) << "lambda " << lambda << ", dof " << dof;
}

INSTANTIATE_TEST_SUITE_P(means, poisson_table, ::testing::Values(0.01, 0.32, 2.0, 9.5, 40.0));

TEST(random, ptrs_poisson_for_large_means) {
    for (double lambda : {12.0, 150.0, 3000.0}) {
        counter_rng r(5, stream_purpose::poisson_input, 1, 2);
        const int n = 100000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; ++i) {
            const double k = poisson(r, lambda, std::exp(-lambda));
            sum += k;
            sq += k * k;
        }
        const double mean = sum / n, var = sq / n - mean * mean;
        // sd of the mean: sqrt(lambda/n); of the variance about lambda*sqrt(2/n)
        EXPECT_NEAR(mean, lambda, 5 * std::sqrt(lambda / n)) << lambda;
        EXPECT_NEAR(var, lambda, 5 * lambda * std::sqrt(2.0 / n) + 0.05) << lambda;
    }
}

// A stream can be left and re-entered: position() after any number of draws, then seek()
// on a fresh generator, continues with the same words.
TEST(random, seek_continues_a_stream_where_position_left_it) {
    for (std::uint64_t skip : {0u, 1u, 3u, 4u, 5u, 8u, 13u, 1001u}) {
        counter_rng a(42, stream_purpose::connectivity, 3, 9);
        for (std::uint64_t k = 0; k < skip; ++k) a.next_u32();
        EXPECT_EQ(a.position(), skip);
        counter_rng b(42, stream_purpose::connectivity, 3, 9);
        b.seek(a.position());
        EXPECT_EQ(b.position(), skip);
        for (int k = 0; k < 11; ++k) ASSERT_EQ(a.next_u32(), b.next_u32()) << "skip " << skip << ", word " << k;
        EXPECT_EQ(a.normal(), b.normal());
    }
}
