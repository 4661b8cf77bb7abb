// exp_portable against libm: the same function to within an ulp, over the whole range the
// models use and densely near 0, where membrane relaxations live.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/graph/portable_math.hpp>

using namespace synaptogen;

namespace {
// Distance in units in the last place between two positive doubles.
std::int64_t ulps(double a, double b) {
    std::int64_t ia, ib;
    std::memcpy(&ia, &a, 8);
    std::memcpy(&ib, &b, 8);
    return ia > ib ? ia - ib : ib - ia;
}
}  // namespace

TEST(portable_math, exp_is_within_one_ulp_of_libm) {
    std::mt19937_64 gen(1);
    std::int64_t worst = 0;
    for (auto [lo, hi] : {std::pair{-708.0, 709.0}, std::pair{-1.0, 1.0}, std::pair{-1e-6, 1e-6}}) {
        std::uniform_real_distribution<double> x(lo, hi);
        for (int k = 0; k < 1000000; ++k) {
            const double v = x(gen);
            worst = std::max(worst, ulps(exp_portable(v), std::exp(v)));
        }
    }
    EXPECT_LE(worst, 1);
    EXPECT_EQ(exp_portable(0.0), 1.0);
    EXPECT_EQ(exp_portable(-1000.0), exp_portable(-708.0));  // clamped, finite, positive
    EXPECT_GT(exp_portable(-1000.0), 0.0);
    EXPECT_TRUE(std::isfinite(exp_portable(1000.0)));
}

TEST(portable_math, tanh_and_sigmoid_follow_from_exp) {
    for (double x = -30.0; x <= 30.0; x += 0.01) {
        EXPECT_NEAR(tanh_portable(x), std::tanh(x), 4e-16 + 1e-15 * std::fabs(std::tanh(x))) << x;
        EXPECT_NEAR(sigmoid_portable(x), 1.0 / (1.0 + std::exp(-x)), 1e-15) << x;
    }
    EXPECT_EQ(tanh_portable(0.0), 0.0);
    EXPECT_EQ(sigmoid_portable(0.0), 0.5);
}

TEST(portable_math, log_is_within_two_ulps_of_libm) {
    std::mt19937_64 gen(2);
    std::int64_t worst = 0;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int k = 0; k < 1000000; ++k) {
        // Uniform draws (what Box-Muller feeds it) and a wide log-uniform range.
        const double u = unit(gen) + 1e-300;
        const double w = std::exp(1400.0 * unit(gen) - 700.0);
        for (double x : {u, w}) {
            const double a = log_portable(x), b = std::log(x);
            if (std::fabs(b) < 1e-3) EXPECT_NEAR(a, b, 4e-19 + 4e-16 * std::fabs(b)) << x;
            else worst = std::max(worst, ulps(std::fabs(a), std::fabs(b)));
        }
    }
    EXPECT_LE(worst, 2);
    EXPECT_EQ(log_portable(1.0), 0.0);
    EXPECT_EQ(log_portable(2.0), std::log(2.0));
}

TEST(portable_math, cos_2pi_matches_libm) {
    std::mt19937_64 gen(3);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int k = 0; k < 1000000; ++k) {
        const double u = unit(gen);
        ASSERT_NEAR(cos_2pi_portable(u), std::cos(6.283185307179586 * u), 1e-15) << u;
    }
    EXPECT_EQ(cos_2pi_portable(0.0), 1.0);
    EXPECT_EQ(cos_2pi_portable(0.25), 0.0);
    EXPECT_EQ(cos_2pi_portable(0.5), -1.0);
    EXPECT_EQ(cos_2pi_portable(0.75), 0.0);
    EXPECT_NEAR(cos_2pi_portable(0.125), std::sqrt(0.5), 2e-16);
}

TEST(portable_math, normal_draws_have_unit_moments) {
    std::mt19937_64 gen(4);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const int n = 1000000;
    double sum = 0.0, sum2 = 0.0, sum4 = 0.0;
    for (int k = 0; k < n; ++k) {
        const double u1 = unit(gen) + 1e-300, u2 = unit(gen);
        const double z = normal_portable(u1, u2);
        sum += z;
        sum2 += z * z;
        sum4 += z * z * z * z;
    }
    // Standard errors for n = 1e6: mean 0.001, variance 0.0014, fourth moment 0.0096; 5 sigma.
    EXPECT_NEAR(sum / n, 0.0, 0.005);
    EXPECT_NEAR(sum2 / n, 1.0, 0.007);
    EXPECT_NEAR(sum4 / n, 3.0, 0.05);
}

TEST(portable_math, log_factorial_matches_lgamma) {
    for (int k = 0; k <= 2000; ++k) {
        const double expected = std::lgamma(k + 1.0);
        EXPECT_NEAR(log_factorial_portable(k), expected, 1e-15 * std::max(1.0, expected)) << k;
    }
    EXPECT_EQ(log_factorial_portable(0), 0.0);
    EXPECT_EQ(log_factorial_portable(1), 0.0);
}

// The int64 -> double conversion the neuron update uses instead of the cast (which AVX2
// cannot vectorise) gives the cast's value bit for bit: around 0, around every power of
// two where rounding starts (2^53 and up, ties included), at the extremes, and at random.
TEST(portable_math, int64_to_double_equals_the_cast) {
    std::vector<std::int64_t> xs = {0, 1, -1, 2, -2, 0x7FFFFFFF, -0x7FFFFFFF - 1, 0x80000000ll, -0x80000000ll, 0xFFFFFFFFll,
                                    0x100000000ll, -0x100000000ll, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (int b = 31; b < 63; ++b)
        for (std::int64_t d = -3; d <= 3; ++d) {
            xs.push_back((std::int64_t(1) << b) + d);
            xs.push_back(-(std::int64_t(1) << b) + d);
            xs.push_back((std::int64_t(1) << b) + (std::int64_t(1) << (b > 53 ? b - 53 : 0)) * d);  // ties
        }
    std::uint64_t z = 0x9E3779B97F4A7C15ull;
    for (int k = 0; k < 200000; ++k) {  // splitmix64, at every magnitude
        z += 0x9E3779B97F4A7C15ull;
        std::uint64_t r = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        r = (r ^ (r >> 27)) * 0x94D049BB133111EBull;
        r ^= r >> 31;
        xs.push_back(static_cast<std::int64_t>(r >> (k % 64)) * (k % 2 ? -1 : 1));
    }
    for (std::int64_t x : xs) {
        const double a = int64_to_double(x), b = static_cast<double>(x);
        ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << x << ": " << a << " vs " << b;
    }
}
