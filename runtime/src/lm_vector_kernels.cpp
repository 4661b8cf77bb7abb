#include "lm_vector_kernels.hpp"

#include <cmath>
#include <vector>

#include <synaptogen/graph/portable_math.hpp>
#include <synaptogen/models/language.hpp>

namespace synaptogen::lm_detail {

namespace {
constexpr std::uint32_t lag_bit = 1u << 31, index_mask = (1u << 30) - 1;  // as in lm_engine.hpp

// A fixed-order sum of n floats (n a multiple of 16): 16 partial sums, then halves pairwise.
KOKKOS_INLINE_FUNCTION float dot(const float* __restrict x, const float* __restrict y, std::size_t n) {
    float acc[16] = {};
    for (std::size_t k = 0; k < n; k += 16)
        for (int i = 0; i < 16; ++i) acc[i] += x[k + i] * y[k + i];
    for (int i = 0; i < 8; ++i) acc[i] += acc[i + 8];
    for (int i = 0; i < 4; ++i) acc[i] += acc[i + 4];
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}
KOKKOS_INLINE_FUNCTION float sum(const float* __restrict x, std::size_t n) {
    float acc[16] = {};
    for (std::size_t k = 0; k < n; k += 16)
        for (int i = 0; i < 16; ++i) acc[i] += x[k + i];
    for (int i = 0; i < 8; ++i) acc[i] += acc[i + 8];
    for (int i = 0; i < 4; ++i) acc[i] += acc[i + 4];
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}
}  // namespace

template <class Exec>
void lm_weight_gradients(lm_floats<Exec> grad, lm_floats<Exec> act, lm_floats<Exec> dz, lm_indices<Exec> source,
                         lm_indices<Exec> target, std::uint64_t first, std::uint64_t last, std::size_t cols,
                         std::size_t lanes) {
    const std::size_t n = cols - lanes;
    Kokkos::parallel_for("lm weight gradient", Kokkos::RangePolicy<Exec>(first, last), KOKKOS_LAMBDA(const std::size_t e) {
        const std::uint32_t t = target(e);
        const float* d = dz.data() + std::size_t(t & index_mask) * cols + lanes;
        const float* a = act.data() + std::size_t(source(e)) * cols + ((t & lag_bit) ? 0 : lanes);
        grad(e) = dot(d, a, n);
    });
}

template <class Exec>
void lm_bias_gradients(lm_floats<Exec> grad, lm_floats<Exec> dz, std::uint64_t bias0, std::uint32_t units,
                       std::size_t cols, std::size_t lanes) {
    const std::size_t n = cols - lanes;
    Kokkos::parallel_for("lm bias gradient", Kokkos::RangePolicy<Exec>(0, units), KOKKOS_LAMBDA(const std::uint32_t u) {
        grad(bias0 + u) = sum(dz.data() + std::size_t(u) * cols + lanes, n);
    });
}

template <class Exec>
void lm_softmax_loss(lm_floats<Exec> act, lm_floats<Exec> dz, lm_ints<Exec> targets, lm_floats<Exec> loss,
                     std::uint32_t o0, int L, int TT, int ticks, int cols, int group, float scale) {
    constexpr int max_group = 64;
    const int chunks = L / group;
    Kokkos::parallel_for("lm loss", Kokkos::RangePolicy<Exec>(0, std::size_t(TT) * chunks), KOKKOS_LAMBDA(const std::size_t w) {
        const int t = static_cast<int>(w / chunks);
        const int lane0 = static_cast<int>(w % chunks) * group;
        const std::size_t col = std::size_t(t + 1) * L + lane0;
        float* __restrict d = dz.data() + std::size_t(o0) * cols + col;
        const float* __restrict z = act.data() + std::size_t(o0) * cols + col;
        if ((t % ticks) != ticks - 1) {
            for (std::uint32_t o = 0; o < lm_vocabulary; ++o)
                for (int i = 0; i < group; ++i) d[std::size_t(o) * cols + i] = 0.0f;
            return;
        }
        const int token = t / ticks;
        const std::int32_t* y = targets.data() + std::size_t(token) * L + lane0;
        double mx[max_group], sum[max_group];
        for (int i = 0; i < group; ++i) {
            mx[i] = -1e300;
            sum[i] = 0.0;
        }
        for (std::uint32_t o = 0; o < lm_vocabulary; ++o)
            for (int i = 0; i < group; ++i) {
                const double v = z[std::size_t(o) * cols + i];
                mx[i] = v > mx[i] ? v : mx[i];
            }
        for (std::uint32_t o = 0; o < lm_vocabulary; ++o)
            for (int i = 0; i < group; ++i) {
                const double e = exp_portable(double(z[std::size_t(o) * cols + i]) - mx[i]);
                d[std::size_t(o) * cols + i] = static_cast<float>(e);
                sum[i] += e;
            }
        for (int i = 0; i < group; ++i) {
            const std::int32_t yi = y[i];
            loss(std::size_t(token) * L + lane0 + i) =
                yi < 0 ? 0.0f
                       : static_cast<float>(log_portable(sum[i]) + mx[i] - double(z[std::size_t(yi) * cols + i]));
        }
        for (std::uint32_t o = 0; o < lm_vocabulary; ++o)
            for (int i = 0; i < group; ++i) {
                const std::int32_t yi = y[i];
                const float p = static_cast<float>(double(d[std::size_t(o) * cols + i]) / sum[i]);
                d[std::size_t(o) * cols + i] = yi < 0 ? 0.0f : (p - (std::int32_t(o) == yi ? 1.0f : 0.0f)) * scale;
            }
    });
}

template <class Exec>
double lm_gradient_norm2(lm_floats<Exec> grad, lm_doubles<Exec> part) {
    const std::size_t n = grad.extent(0);
    Kokkos::parallel_for("lm gradient norm", Kokkos::RangePolicy<Exec>(0, part.extent(0)), KOKKOS_LAMBDA(const std::size_t b) {
        const std::size_t lo = b * lm_norm_block, hi = lo + lm_norm_block < n ? lo + lm_norm_block : n;
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t i = lo;
        const float* __restrict gp = grad.data();
        for (; i + 8 <= hi; i += 8)
            for (int j = 0; j < 8; ++j) acc[j] += double(gp[i + j]) * double(gp[i + j]);
        for (; i < hi; ++i) acc[0] += double(gp[i]) * double(gp[i]);
        double s = 0.0;
        for (int j = 0; j < 8; ++j) s += acc[j];
        part(b) = s;
    });
    auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), part);
    double s = 0.0;
    for (std::size_t b = 0; b < h.extent(0); ++b) s += h(b);
    return s;
}

template <class Exec>
void lm_adam(lm_floats<Exec> w, lm_floats<Exec> grad, lm_floats<Exec> m, lm_floats<Exec> v, std::uint64_t weights,
             double lr, std::uint64_t step, double beta1, double beta2, double eps, double weight_decay,
             double grad_scale) {
    const float b1 = float(beta1), b2 = float(beta2), e = float(eps), gs = float(grad_scale);
    const float step_size = float(lr / (1.0 - std::pow(beta1, double(step))));
    const float bc2_sqrt = float(std::sqrt(1.0 - std::pow(beta2, double(step))));
    const float decay = float(1.0 - lr * weight_decay);
    // Chunks of contiguous parameters through restrict pointers, so that the loop vectorises;
    // a chunk lies wholly among the edge weights (decayed) or the biases (not): one launch.
    constexpr std::size_t chunk = 2048;
    const std::size_t n = w.extent(0);
    const std::size_t weight_chunks = (weights + chunk - 1) / chunk;
    const std::size_t chunks = weight_chunks + (n - weights + chunk - 1) / chunk;
    Kokkos::parallel_for("lm adam", Kokkos::RangePolicy<Exec>(0, chunks), KOKKOS_LAMBDA(const std::size_t c) {
        const bool is_weight = c < weight_chunks;
        const std::size_t lo = is_weight ? c * chunk : weights + (c - weight_chunks) * chunk;
        const std::size_t end = is_weight ? weights : n;
        const std::size_t hi = lo + chunk < end ? lo + chunk : end;
        const float dec = is_weight ? decay : 1.0f;
        float* __restrict wp = w.data();
        float* __restrict mp = m.data();
        float* __restrict vp = v.data();
        const float* __restrict gp = grad.data();
        for (std::size_t i = lo; i < hi; ++i) {
            const float gi = gp[i] * gs;
            const float mi = b1 * mp[i] + (1.0f - b1) * gi;
            const float vi = b2 * vp[i] + (1.0f - b2) * gi * gi;
            mp[i] = mi;
            vp[i] = vi;
            wp[i] = wp[i] * dec - step_size * mi / (std::sqrt(vi) / bc2_sqrt + e);
        }
    });
}

#define SYNAPTOGEN_LM_OPTIMIZER(Exec)                                                                       \
    template void lm_softmax_loss<Exec>(lm_floats<Exec>, lm_floats<Exec>, lm_ints<Exec>, lm_floats<Exec>,          \
                                        std::uint32_t, int, int, int, int, int, float);                           \
    template void lm_weight_gradients<Exec>(lm_floats<Exec>, lm_floats<Exec>, lm_floats<Exec>, lm_indices<Exec>, \
                                            lm_indices<Exec>, std::uint64_t, std::uint64_t, std::size_t, std::size_t); \
    template void lm_bias_gradients<Exec>(lm_floats<Exec>, lm_floats<Exec>, std::uint64_t, std::uint32_t, std::size_t, \
                                          std::size_t);                                                              \
    template double lm_gradient_norm2<Exec>(lm_floats<Exec>, lm_doubles<Exec>);                            \
    template void lm_adam<Exec>(lm_floats<Exec>, lm_floats<Exec>, lm_floats<Exec>, lm_floats<Exec>,        \
                                std::uint64_t, double, std::uint64_t, double, double, double, double, double);
#ifdef KOKKOS_ENABLE_SERIAL
SYNAPTOGEN_LM_OPTIMIZER(Kokkos::Serial)
#endif
#ifdef KOKKOS_ENABLE_OPENMP
SYNAPTOGEN_LM_OPTIMIZER(Kokkos::OpenMP)
#endif
#ifdef KOKKOS_ENABLE_CUDA
SYNAPTOGEN_LM_OPTIMIZER(Kokkos::Cuda)
#endif
#ifdef KOKKOS_ENABLE_HIP
SYNAPTOGEN_LM_OPTIMIZER(Kokkos::Experimental::HIP)
#endif
#undef SYNAPTOGEN_LM_OPTIMIZER

}  // namespace synaptogen::lm_detail
