#include <synaptogen/graph/random.hpp>

#include <cmath>

namespace synaptogen {

std::vector<std::uint64_t> poisson_inversion_table(double lambda) {
    std::vector<std::uint64_t> table;
    if (!(lambda > 0.0) || lambda > max_table_lambda) return table;
    // pmf in long double; upper tails summed from the far end so that small tails keep
    // their precision (1 - F(k) would cancel).
    const int kmax = static_cast<int>(lambda + 40.0 * std::sqrt(lambda) + 40.0);
    std::vector<long double> pmf(kmax + 1);
    pmf[0] = std::exp(-static_cast<long double>(lambda));
    for (int k = 1; k <= kmax; ++k) pmf[k] = pmf[k - 1] * lambda / k;
    std::vector<long double> tail(kmax + 2, 0.0L);  // tail[k] = P(X > k)
    for (int k = kmax; k >= 0; --k) tail[k] = tail[k + 1] + (k + 1 <= kmax ? pmf[k + 1] : 0.0L);
    const long double two64 = 18446744073709551616.0L;
    for (int k = 0; k <= kmax; ++k) {
        const long double missing = tail[k] * two64;  // 2^64 - threshold
        if (missing < 1.0L) {
            table.push_back(~0ull);  // P(X > k) < 2^-64: every u below 2^64 - 1 lands here
            break;
        }
        table.push_back(~0ull - static_cast<std::uint64_t>(missing));
    }
    return table;
}

}  // namespace synaptogen
