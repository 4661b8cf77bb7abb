#pragma once
// exp and the functions built on it, written out so that every backend computes the same
// bits: libm's exp (host) and CUDA's or HIP's exp (devices) differ in the last place, and
// one ulp in a membrane potential is enough to move a spike. Branch-free, so a loop over
// neurons vectorises (glibc's vector exp needs -ffast-math, which would break determinism).
#include <cstdint>
#include <cstring>

#include <synaptogen/graph/portability.hpp>

namespace synaptogen {

// e^x for double x, within 1 ulp of the correctly rounded value on [-708, 709]; inputs
// beyond are clamped (e^-708 ~ 3e-308 stands in for 0, e^709 for overflow).
// Cody-Waite reduction x = n ln2 + r with |r| <= ln2/2, then a degree-13 Taylor polynomial
// of e^r (truncation error < 2e-17 relative), then the exponent n added to the bits.
SYNAPTOGEN_HD_FORCEINLINE double exp_portable(double x) {
    x = x < -708.0 ? -708.0 : x;
    x = x > 709.0 ? 709.0 : x;
    const double shifter = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
    const double t = x * 1.4426950408889634 + shifter;
    const double n = t - shifter;
    const double r = (x - n * 6.93147180369123816490e-01) - n * 1.90821492927058770002e-10;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // 2^n as a double: n + 1023 in the exponent field (n in [-1022, 1023] after the clamp).
    const std::int64_t bits = (static_cast<std::int64_t>(n) + 1023) << 52;
    double scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// tanh from exp_portable: 1 - 2 / (e^{2x} + 1), exact in the limits and odd up to rounding.
SYNAPTOGEN_HD_FORCEINLINE double tanh_portable(double x) { return 1.0 - 2.0 / (exp_portable(2.0 * x) + 1.0); }

// The logistic function 1 / (1 + e^-x).
SYNAPTOGEN_HD_FORCEINLINE double sigmoid_portable(double x) { return 1.0 / (1.0 + exp_portable(-x)); }

}  // namespace synaptogen
