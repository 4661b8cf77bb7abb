#pragma once
// exp, log and cos, written out so that every backend computes the same
// bits: libm's exp (host) and CUDA's or HIP's exp (devices) differ in the last place, and
// one ulp in a membrane potential is enough to move a spike. Branch-free, so a loop over
// neurons vectorises (glibc's vector exp needs -ffast-math, which would break determinism).
#include <cmath>
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
    // t = 1.5 * 2^52 + n has an ulp of 1, so its bits are the shifter's plus n: integer
    // arithmetic on them gives n without a double -> int64 conversion, which AVX2 lacks (the
    // conversion kept loops over exp from vectorising). The same n, so the same result.
    std::int64_t t_bits;
    copy_bytes(&t_bits, &t, sizeof t_bits);
    const std::int64_t bits = (t_bits - 0x4338000000000000LL + 1023) << 52;  // 0x4338...: bits of 1.5 * 2^52
    double scale;
    copy_bytes(&scale, &bits, sizeof scale);
    return p * scale;
}

// (double)x for a 64-bit integer, correctly rounded like the cast, in operations AVX2 has:
// it has no vector int64 -> double conversion, and that one cast kept the whole neuron
// update from vectorising. x = hi 2^32 + lo with hi signed and lo unsigned 32-bit: each
// becomes a double exactly (from the bits of 2^52 + lo and of 1.5 2^52 + hi), hi 2^32 is
// exact, and the one rounding is that of the final sum, so the result is the cast's.
SYNAPTOGEN_HD_FORCEINLINE double int64_to_double(std::int64_t x) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
    return static_cast<double>(x);  // GPUs convert in hardware: the same value
#else
    const std::uint64_t u = static_cast<std::uint64_t>(x);
    const std::uint64_t lo_bits = (u & 0xFFFFFFFFull) | 0x4330000000000000ull;  // 2^52 + lo
    // hi = x >> 32 as a signed 32-bit value, sign-extended with integer adds (AVX2 has no
    // 64-bit arithmetic shift), then placed in the mantissa of 1.5 2^52.
    const std::int64_t hi = static_cast<std::int64_t>((u >> 32) ^ 0x80000000ull) - 0x80000000ll;
    const std::uint64_t hi_bits = static_cast<std::uint64_t>(hi + 0x4338000000000000ll);
    double lo_d, hi_d;
    copy_bytes(&lo_d, &lo_bits, sizeof lo_d);
    copy_bytes(&hi_d, &hi_bits, sizeof hi_d);
    return (hi_d - 6755399441055744.0) * 4294967296.0 + (lo_d - 4503599627370496.0);
#endif
}

// tanh from exp_portable: 1 - 2 / (e^{2x} + 1), exact in the limits and odd up to rounding.
SYNAPTOGEN_HD_FORCEINLINE double tanh_portable(double x) { return 1.0 - 2.0 / (exp_portable(2.0 * x) + 1.0); }

// The logistic function 1 / (1 + e^-x).
SYNAPTOGEN_HD_FORCEINLINE double sigmoid_portable(double x) { return 1.0 / (1.0 + exp_portable(-x)); }

// ln x for normal positive x (what random draws feed it), within a few ulp of libm.
// x = m 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1) / (m + 1),
// |s| <= 0.172, by its odd series to s^25 (truncation < 1e-19 relative).
SYNAPTOGEN_HD_FORCEINLINE double log_portable(double x) {
    std::uint64_t bits;
    copy_bytes(&bits, &x, sizeof bits);
    int e = static_cast<int>((bits >> 52) & 0x7FF) - 1023;
    bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;  // m in [1, 2)
    double m;
    copy_bytes(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5;  // exact
        ++e;
    }
    const double s = (m - 1.0) / (m + 1.0);
    const double s2 = s * s, r = 2.0 * s;  // ln m = r + r s2 (1/3 + s2/5 + ...)
    double q = 0.04;  // 1/25
    q = q * s2 + 0.043478260869565216;
    q = q * s2 + 0.047619047619047616;
    q = q * s2 + 0.05263157894736842;
    q = q * s2 + 0.058823529411764705;
    q = q * s2 + 0.06666666666666667;
    q = q * s2 + 0.07692307692307693;
    q = q * s2 + 0.09090909090909091;
    q = q * s2 + 0.1111111111111111;
    q = q * s2 + 0.14285714285714285;
    q = q * s2 + 0.2;
    q = q * s2 + 0.3333333333333333;
    // e ln2 in two parts (Cody-Waite), the small terms summed before the large ones.
    return e * 6.93147180369123816490e-01 + (r + (r * s2 * q + e * 1.90821492927058770002e-10));
}

// cos(2 pi u) for u in [0, 1) (the angle of a Box-Muller draw). Quadrant and reflection
// are exact operations on u, so the Taylor series (to a^18 and a^19, truncation < 1e-18)
// only sees angles a in [0, pi/4].
SYNAPTOGEN_HD_FORCEINLINE double cos_2pi_portable(double u) {
    const double t = u * 4.0;  // exact
    const int whole = static_cast<int>(t);
    const int q = whole & 3;
    double f = t - whole;  // exact: the angle within the quadrant, in [0, 1)
    const bool reflect = f > 0.5;
    if (reflect) f = 1.0 - f;  // exact (Sterbenz)
    const double a = f * 1.5707963267948966, a2 = a * a;
    double c = -1.5619206968586225e-16;
    c = c * a2 + 4.779477332387385e-14;
    c = c * a2 - 1.1470745597729725e-11;
    c = c * a2 + 2.08767569878681e-09;
    c = c * a2 - 2.755731922398589e-07;
    c = c * a2 + 2.48015873015873e-05;
    c = c * a2 - 0.001388888888888889;
    c = c * a2 + 0.041666666666666664;
    c = c * a2 - 0.5;
    c = c * a2 + 1.0;
    double sn = -8.22063524662433e-18;
    sn = sn * a2 + 2.8114572543455206e-15;
    sn = sn * a2 - 7.647163731819816e-13;
    sn = sn * a2 + 1.6059043836821613e-10;
    sn = sn * a2 - 2.505210838544172e-08;
    sn = sn * a2 + 2.7557319223985893e-06;
    sn = sn * a2 - 0.0001984126984126984;
    sn = sn * a2 + 0.008333333333333333;
    sn = sn * a2 - 0.16666666666666666;
    sn = sn * a2 + 1.0;
    sn *= a;
    const double cos_theta = reflect ? sn : c, sin_theta = reflect ? c : sn;  // theta = 2 pi u - q pi / 2
    return q == 0 ? cos_theta : q == 1 ? -sin_theta : q == 2 ? -cos_theta : sin_theta;
}

// ln k! for k >= 0 (what Poisson rejection sampling compares against): the product itself
// below 20, Stirling's series with four correction terms above (error < 1e-16 relative).
SYNAPTOGEN_HD_FORCEINLINE double log_factorial_portable(double k) {
    if (k < 20.0) {
        double f = 1.0;
        for (double j = 2.0; j <= k; j += 1.0) f *= j;
        return log_portable(f);
    }
    const double r = 1.0 / k, r2 = r * r;
    const double series = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0))));
    return k * log_portable(k) - k + 0.5 * log_portable(6.283185307179586 * k) + series;
}

// A standard normal draw from two uniforms in (0, 1) (Box-Muller, one of the pair).
SYNAPTOGEN_HD_FORCEINLINE double normal_portable(double u1, double u2) {
    return std::sqrt(-2.0 * log_portable(u1)) * cos_2pi_portable(u2);
}

}  // namespace synaptogen
