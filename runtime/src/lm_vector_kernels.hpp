#pragma once
// Adam and the gradient norm of the language model: elementwise passes over every
// parameter (edge weights, then biases). Their own translation unit, compiled with the
// loop vectoriser (lm_engine.hpp's kernels are compiled without it), instantiated for the
// backends of this build in lm_optimizer.cpp.
#include <cstddef>
#include <cstdint>

#include <Kokkos_Core.hpp>

namespace synaptogen::lm_detail {

inline constexpr std::size_t lm_norm_block = 8192;  // parameters per partial sum

template <class Exec>
using lm_floats = Kokkos::View<float*, Kokkos::LayoutRight, typename Exec::memory_space>;
template <class Exec>
using lm_doubles = Kokkos::View<double*, Kokkos::LayoutRight, typename Exec::memory_space>;

template <class Exec>
using lm_indices = Kokkos::View<std::uint32_t*, Kokkos::LayoutRight, typename Exec::memory_space>;

// grad(e) for the edges [first, last) between units: the sum over the block's columns of
// dz(target) * act(source), read one column block earlier (slot `lag`) for recurrent edges.
// Activations and gradients are [unit][column] with `cols` columns; the block's ticks
// are columns [lanes, cols). Summed in 16 interleaved partial sums, then pairwise.
template <class Exec>
void lm_weight_gradients(lm_floats<Exec> grad, lm_floats<Exec> act, lm_floats<Exec> dz, lm_indices<Exec> source,
                         lm_indices<Exec> target, std::uint64_t first, std::uint64_t last, std::size_t cols,
                         std::size_t lanes);
// grad(bias0 + u) = the sum of dz(u) over the block's columns, for every unit u < units.
template <class Exec>
void lm_bias_gradients(lm_floats<Exec> grad, lm_floats<Exec> dz, std::uint64_t bias0, std::uint32_t units,
                       std::size_t cols, std::size_t lanes);

template <class Exec>
using lm_ints = Kokkos::View<std::int32_t*, Kokkos::LayoutRight, typename Exec::memory_space>;

// Softmax cross-entropy at the last tick of every token: the 256 logits of a column are
// act(o0 + o, column). Writes loss(token, lane) [nats] (0 where target < 0) and the
// output's dz = (softmax - one-hot) * scale, zero at other ticks and masked lanes. Works on
// `group` lanes at a time (a runtime value, so that GCC vectorises the lane loops rather
// than the loops over logits around them).
template <class Exec>
void lm_softmax_loss(lm_floats<Exec> act, lm_floats<Exec> dz, lm_ints<Exec> targets, lm_floats<Exec> loss,
                     std::uint32_t o0, int lanes, int total_ticks, int ticks, int cols, int group, float scale);

// Sum of squared gradients in a fixed order: per block of lm_norm_block parameters (in
// double, 8 interleaved partial sums), then the blocks in order on the host.
template <class Exec>
double lm_gradient_norm2(lm_floats<Exec> grad, lm_doubles<Exec> partial);

// Adam (Kingma & Ba 2015) with decoupled weight decay (Loshchilov & Hutter 2019) on the
// first `weights` parameters only, as torch.optim.AdamW computes it; step counts from 1.
template <class Exec>
void lm_adam(lm_floats<Exec> w, lm_floats<Exec> grad, lm_floats<Exec> m, lm_floats<Exec> v, std::uint64_t weights,
             double lr, std::uint64_t step, double beta1, double beta2, double eps, double weight_decay,
             double grad_scale);

}  // namespace synaptogen::lm_detail
