// exp_portable against libm: the same function to within an ulp, over the whole range the
// models use and densely near 0, where membrane relaxations live.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

#include <synaptogen/models/portable_math.hpp>

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
