#pragma once
// Counter-based random numbers (Random123's Philox4x32-10). A stream is named by
// (seed, purpose, a, b): the same name gives the same numbers on any thread, backend or
// rank, which is what makes graph construction and Poisson input independent of the
// thread count. Nothing here keeps state between streams.
#include <cmath>
#include <cstdint>
#include <vector>

#include <synaptogen/graph/portability.hpp>
// Random123 marks its functions __device__ for nvcc only; under hipcc (clang) they would be
// host functions, which kernels cannot call. Its SSE types (unused here) declare host-only
// overloads of the same functions, so they go.
#if defined(__HIP__)
#ifndef R123_CUDA_DEVICE
#define R123_CUDA_DEVICE __host__ __device__
#endif
#ifndef R123_USE_SSE
#define R123_USE_SSE 0
#endif
#endif
#include <Random123/philox.h>

#include <synaptogen/graph/portable_math.hpp>

namespace synaptogen {

// What a stream is used for; the first counter word, so streams never collide.
enum class stream_purpose : std::uint32_t {
    connectivity = 1,  // a = projection, b = row (source or target neuron)
    initial_state = 2, // a = neuron, b = variable
    poisson_input = 3, // a = neuron, b = step; the stimulus index goes into the key
    split = 4,         // a = projection: fixed_total_number's multinomial split
    noise_current = 5, // a = neuron, b = step; the stimulus index goes into the key
    poisson_source = 6, // Philox2x32 key per population; a = neuron, b = step
};

class counter_rng {
public:
    SYNAPTOGEN_HD counter_rng(std::uint64_t seed, stream_purpose purpose, std::uint32_t a,
                              std::uint32_t b, std::uint32_t key_extra = 0) {
        key_.v[0] = static_cast<std::uint32_t>(seed);
        key_.v[1] = static_cast<std::uint32_t>(seed >> 32) ^ (key_extra * 0x9E3779B9u);
        ctr_.v[0] = static_cast<std::uint32_t>(purpose);
        ctr_.v[1] = a;
        ctr_.v[2] = b;
        ctr_.v[3] = 0;
    }

    SYNAPTOGEN_HD std::uint32_t next_u32() {
        if (used_ == 4) {
            out_ = philox4x32(ctr_, key_);
            ++ctr_.v[3];
            used_ = 0;
        }
        return out_.v[used_++];
    }

    // Uniform on the open interval (0, 1) with 53 random bits.
    SYNAPTOGEN_HD double uniform() {
        const std::uint64_t hi = next_u32() >> 5;  // 27 bits
        const std::uint64_t lo = next_u32() >> 6;  // 26 bits
        return (static_cast<double>((hi << 26) | lo) + 0.5) * (1.0 / 9007199254740992.0);
    }

    // Uniform integer in [0, n), n >= 1, without modulo bias (Lemire's method).
    SYNAPTOGEN_HD std::uint64_t below(std::uint64_t n) {
        if (n <= 0xFFFFFFFFull) {
            const std::uint32_t n32 = static_cast<std::uint32_t>(n);
            std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n32;
            std::uint32_t low = static_cast<std::uint32_t>(m);
            if (low < n32) {
                const std::uint32_t threshold = static_cast<std::uint32_t>(-n32) % n32;
                while (low < threshold) {
                    m = static_cast<std::uint64_t>(next_u32()) * n32;
                    low = static_cast<std::uint32_t>(m);
                }
            }
            return m >> 32;
        }
        // Large ranges (host only in practice): rejection on 64 bits.
        const std::uint64_t limit = ~0ull - (~0ull % n);
        std::uint64_t r;
        do {
            r = (static_cast<std::uint64_t>(next_u32()) << 32) | next_u32();
        } while (r >= limit);
        return r % n;
    }

    // Box-Muller, one draw per call (keeps streams simple), in portable arithmetic so that
    // host and device draw the same bits.
    SYNAPTOGEN_HD double normal() {
        const double u1 = uniform();
        const double u2 = uniform();
        return normal_portable(u1, u2);
    }

    // std::UniformRandomBitGenerator, for the host-side std:: distributions.
    using result_type = std::uint32_t;
    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return 0xFFFFFFFFu; }
    SYNAPTOGEN_HD result_type operator()() { return next_u32(); }

private:
    philox4x32_key_t key_;
    philox4x32_ctr_t ctr_;
    philox4x32_ctr_t out_{};
    unsigned used_ = 4;
};

// 64 random bits named by (key, a, b): one Philox2x32-10 block, half the work of
// Philox4x32. For hot paths that need exactly one draw per (neuron, step).
SYNAPTOGEN_HD std::uint64_t random_bits64(std::uint32_t key, std::uint32_t a, std::uint32_t b) {
    philox2x32_ctr_t c = {{a, b}};
    philox2x32_key_t k = {{key}};
    const philox2x32_ctr_t r = philox2x32(c, k);
    return (static_cast<std::uint64_t>(r.v[0]) << 32) | r.v[1];
}

// A 32-bit Philox2x32 key for (seed, purpose, extra): a SplitMix64 finaliser, so seeds
// that differ in any bit give unrelated keys.
SYNAPTOGEN_HD std::uint32_t derive_key32(std::uint64_t seed, stream_purpose purpose, std::uint32_t extra) {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (1 + static_cast<std::uint64_t>(purpose) * 0x100000001ull + extra);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
}

// Poisson-distributed count with mean lambda. exp_minus_lambda = exp(-lambda) is passed
// in because callers draw millions of times with the same mean. Inversion by sequential
// search below lambda = 10 (one uniform, about lambda + 1 steps); above, Hörmann's PTRS
// transformed rejection (W. Hörmann, Insurance: Math. and Econ. 12, 1993), in portable
// arithmetic (portable_math.hpp) so that kernels draw the same counts on every backend.
SYNAPTOGEN_HD std::uint32_t poisson(counter_rng& rng, double lambda, double exp_minus_lambda) {
    if (lambda <= 0.0) return 0;
    if (lambda < 10.0) {
        const double u = rng.uniform();
        double p = exp_minus_lambda;
        double cdf = p;
        std::uint32_t k = 0;
        while (u > cdf && k < 1000u) {
            ++k;
            p *= lambda / k;
            cdf += p;
        }
        return k;
    }
    const double slam = std::sqrt(lambda);
    const double loglam = log_portable(lambda);
    const double b = 0.931 + 2.53 * slam;
    const double a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        const double u = rng.uniform() - 0.5;
        const double v = rng.uniform();
        const double us = 0.5 - std::fabs(u);
        const double k = std::floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr) return static_cast<std::uint32_t>(k);
        if (k < 0.0 || (us < 0.013 && v > us)) continue;
        // Portable logarithms: libm's differ between host and device in the last bits,
        // which could flip this test (and glibc's lgamma writes a global, signgam).
        if (log_portable(v) + log_portable(invalpha) - log_portable(a / (us * us) + b) <=
            -lambda + k * loglam - log_factorial_portable(k))
            return static_cast<std::uint32_t>(k);
    }
}

// Poisson sampling by table inversion: thresholds[k] = floor(P(X <= k) * 2^64), so a
// uniform 64-bit word u maps to the smallest k with u < thresholds[k]: exact up to the
// 2^-64 resolution of u, and a handful of comparisons for small means. The table stops
// where the tail falls below 2^-64; it is empty (use poisson()) above max_table_lambda.
inline constexpr double max_table_lambda = 64.0;
std::vector<std::uint64_t> poisson_inversion_table(double lambda);

SYNAPTOGEN_HD std::uint32_t poisson_from_table(std::uint64_t u, const std::uint64_t* thresholds, std::uint32_t n) {
    std::uint32_t k = 0;
    while (k < n && u >= thresholds[k]) ++k;
    return k;
}

}  // namespace synaptogen
