#pragma once
// The language model's kernels, written once against Kokkos (docs/language.md).
//
// Layout. Units are the neurons of the non-input populations, numbered population by
// population. Activations, gradients and the input drive are [unit][column] with
// column = (tick + 1) * lanes + lane: each unit's row holds every tick of a block, lanes
// contiguous, so a kernel's inner loop runs over `lane_block` contiguous lanes and the
// weight gradient of an edge is one dot product over the whole block. Slot 0 (the first
// `lanes` columns) holds the state carried in from the previous block (stream encoding).
//
// Edges. Each projection's weights are parameters in connectome order (CSR by source).
// The forward pass pulls over each unit's incoming edges (CSR by target: source unit,
// parameter index, lag); the backward pass pulls over each unit's outgoing edges (CSR by
// source). Both are index lists into the one parameter array, built on the host once, so
// no kernel scatters into shared memory and no float atomics are needed. The input
// population is one-hot: its edges are pushed per active input into the input drive, and
// their gradients are pulled per active input over the columns where it was active.
//
// Determinism. Every output value is written by one thread, summing in a fixed order
// (edges in CSR order, lanes in blocks of `lane_block`), so results do not depend on the
// number of threads.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <Kokkos_Core.hpp>

#include <synaptogen/graph/portable_math.hpp>
#include <synaptogen/models/language.hpp>

#include "lm_vector_kernels.hpp"

// A loop over the lanes of a block (activations, gathers, stores), unrolled completely.
// This file is compiled without GCC's loop vectoriser, which would vectorise the loops over
// edges around such loops with gathers; the edge loops themselves use lanes32 below.
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__) || defined(__clang__)
#define SYNAPTOGEN_UNROLLED _Pragma("unroll")
#elif defined(__CUDACC__)
#define SYNAPTOGEN_UNROLLED  // nvcc's host pass: GCC would not know nvcc's pragma, nvcc not GCC's
#elif defined(__GNUC__)
#define SYNAPTOGEN_UNROLLED _Pragma("GCC unroll 64")
#else
#define SYNAPTOGEN_UNROLLED
#endif
#define SYNAPTOGEN_LANES(i) SYNAPTOGEN_UNROLLED for (int i = 0; i < lane_block; ++i)

namespace synaptogen::lm_detail {

inline constexpr int lane_block = 32;                // lanes per kernel iteration (a multiple of 16, lm_vector_kernels); lanes are padded to it
inline constexpr std::uint32_t lag_bit = 1u << 31;   // an edge that reads the previous tick
inline constexpr std::uint32_t input_bit = 1u << 30; // a weight whose source is the input population
inline constexpr std::uint32_t index_mask = input_bit - 1;

// The graph as index lists (host), built once from the connectome and the plan.
struct host_graph {
    std::uint32_t units = 0, inputs = 0, slots = 1;  // slots: active inputs per token (context)
    std::uint64_t weights = 0;                       // edge parameters; biases follow
    std::vector<std::uint32_t> unit_first;            // per population (inputs: 0, unused)
    std::vector<std::uint32_t> unit_count;            // per population (inputs: 0)
    std::vector<std::uint64_t> in_row, out_row, input_row;  // CSR row maps
    std::vector<std::uint32_t> in_source, in_param;   // by target: source unit | lag_bit, parameter
    std::vector<std::uint32_t> out_target, out_param; // by source: target unit | lag_bit, parameter
    std::vector<std::uint32_t> input_target, input_param;  // input neuron -> target unit, parameter
    std::vector<std::uint32_t> weight_source, weight_target;  // per weight: source (unit or input), target | bits
    std::uint64_t recurrent_edges = 0, immediate_edges = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> unit_weight_ranges;  // [first, last) of non-input weights
};

// One block of work: `tokens` tokens on `lanes` lanes, `ticks` network steps each.
struct block_shape {
    int lanes = lane_block;
    int tokens = 1;
    int ticks = 1;
    int total_ticks() const { return tokens * ticks; }
    int columns() const { return (total_ticks() + 1) * lanes; }
};

KOKKOS_INLINE_FUNCTION float activate(activation_kind k, float z) {
    switch (k) {
    case activation_kind::relu: return z > 0.0f ? z : 0.0f;
    case activation_kind::tanh: return static_cast<float>(tanh_portable(z));
    case activation_kind::sigmoid: return static_cast<float>(sigmoid_portable(z));
    default: return z;
    }
}

// d activation / d z, from the activation itself.
KOKKOS_INLINE_FUNCTION float activation_slope(activation_kind k, float a) {
    switch (k) {
    case activation_kind::relu: return a > 0.0f ? 1.0f : 0.0f;
    case activation_kind::tanh: return 1.0f - a * a;
    case activation_kind::sigmoid: return a * (1.0f - a);
    default: return 1.0f;
    }
}

// 32 lanes as one value for the edge loops of the forward and backward passes. Host-only
// builds use GCC/Clang vector types of the target's widest float register (16 floats with
// AVX-512, else 8: GCC lowers a vector wider than the hardware's piecewise, and on AVX2 it
// turned 16-float operations into scalar ones, 4x slower); GPU builds a plain array, one
// thread's registers. All compute a + w * x lane by lane (no fused multiply-add), so every
// backend and register width rounds alike.
#if defined(__GNUC__) && !defined(__CUDACC__) && !defined(__HIPCC__)
#if defined(__AVX512F__)
constexpr int lane_vector_floats = 16;
#else
constexpr int lane_vector_floats = 8;
#endif
typedef float lane_vector __attribute__((vector_size(lane_vector_floats * sizeof(float))));
constexpr int lane_vectors = 32 / lane_vector_floats;
struct lanes32 {
    lane_vector part[lane_vectors];
};
inline lanes32 lanes_splat(float x) {
    lanes32 r;
    for (int k = 0; k < lane_vectors; ++k) r.part[k] = lane_vector{} + x;
    return r;
}
inline lanes32 lanes_load(const float* p) {
    lanes32 r;
    std::memcpy(&r.part, p, sizeof(r.part));
    return r;
}
inline void lanes_store(float* p, const lanes32& a) { std::memcpy(p, &a.part, sizeof(a.part)); }
inline lanes32 lanes_madd(const lanes32& a, float w, const lanes32& x) {
    lanes32 r;
    for (int k = 0; k < lane_vectors; ++k) r.part[k] = a.part[k] + w * x.part[k];
    return r;
}
#else
struct lanes32 {
    float v[lane_block];
};
KOKKOS_INLINE_FUNCTION lanes32 lanes_splat(float x) {
    lanes32 r;
    SYNAPTOGEN_LANES(i) r.v[i] = x;
    return r;
}
KOKKOS_INLINE_FUNCTION lanes32 lanes_load(const float* p) {
    lanes32 r;
    SYNAPTOGEN_LANES(i) r.v[i] = p[i];
    return r;
}
KOKKOS_INLINE_FUNCTION void lanes_store(float* p, const lanes32& a) { SYNAPTOGEN_LANES(i) p[i] = a.v[i]; }
KOKKOS_INLINE_FUNCTION lanes32 lanes_madd(const lanes32& a, float w, const lanes32& x) {
    lanes32 r;
    SYNAPTOGEN_LANES(i) r.v[i] = a.v[i] + w * x.v[i];
    return r;
}
#endif
static_assert(lane_block == 32, "lanes32 holds one lane block");

template <class Exec>
struct lm_engine {
    using mem = typename Exec::memory_space;
    template <class T>
    using view = Kokkos::View<T, Kokkos::LayoutRight, mem>;
    using policy = Kokkos::RangePolicy<Exec>;

    host_graph g;
    std::vector<activation_kind> activation;  // per population
    std::vector<std::size_t> order;            // non-input populations, forward order
    std::vector<std::uint32_t> pop_units;      // per population: units (0 for the input)
    std::size_t output_population = 0;
    bool input_feeds_units = false;

    view<float*> d_params, d_grad, d_m, d_v;
    view<float*> d_in_weight;  // the weights of d_in_param in by-target order, for the forward pass
    view<std::uint64_t*> d_in_row, d_out_row, d_input_row;
    view<std::uint32_t*> d_in_source, d_in_param, d_out_target, d_out_param, d_input_target, d_input_param;
    view<std::uint32_t*> d_weight_source, d_weight_target;
    view<float*> d_act, d_dz, d_drive;       // [unit][column], capacity grows on demand
    view<float*> d_carried[3];               // [unit][lane]: training, evaluation, generation state
    view<std::int32_t*> d_inputs, d_targets; // [token][lane][slot], [token][lane]
    view<float*> d_loss;                     // [token][lane]
    view<std::uint32_t*> d_active, d_occ_col, d_prev_active;  // input gradient: active inputs and their columns
    view<std::uint64_t*> d_occ_row;
    view<double*> d_partial;                 // gradient norm, per block of parameters
    std::size_t prev_active_count = 0;
    std::uint64_t edge_visits = 0;

    lm_engine(host_graph graph, std::vector<activation_kind> act, std::vector<std::size_t> ord,
              std::size_t output, const std::vector<float>& params)
        : g(std::move(graph)), activation(std::move(act)), order(std::move(ord)), output_population(output) {
        pop_units = g.unit_count;
        d_params = upload<float>("lm params", params);
        d_grad = view<float*>("lm grad", params.size());
        d_m = view<float*>("lm adam m", params.size());
        d_v = view<float*>("lm adam v", params.size());
        d_in_row = upload<std::uint64_t>("lm in_row", g.in_row);
        d_out_row = upload<std::uint64_t>("lm out_row", g.out_row);
        d_input_row = upload<std::uint64_t>("lm input_row", g.input_row);
        d_in_source = upload<std::uint32_t>("lm in_source", g.in_source);
        d_in_param = upload<std::uint32_t>("lm in_param", g.in_param);
        d_out_target = upload<std::uint32_t>("lm out_target", g.out_target);
        d_out_param = upload<std::uint32_t>("lm out_param", g.out_param);
        d_input_target = upload<std::uint32_t>("lm input_target", g.input_target);
        d_input_param = upload<std::uint32_t>("lm input_param", g.input_param);
        d_weight_source = upload<std::uint32_t>("lm weight_source", g.weight_source);
        d_weight_target = upload<std::uint32_t>("lm weight_target", g.weight_target);
        input_feeds_units = !g.input_target.empty();
        d_in_weight = view<float*>("lm forward weights", g.in_param.size());
        refresh_forward_weights();
        d_partial = view<double*>("lm norm partials", (params.size() + lm_norm_block - 1) / lm_norm_block);
    }

    template <class T>
    static view<T*> upload(const char* label, const std::vector<T>& h) {
        view<T*> d(Kokkos::view_alloc(std::string(label), Kokkos::WithoutInitializing), h.size());
        Kokkos::View<const T*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>> hv(h.data(), h.size());
        Kokkos::deep_copy(d, hv);
        return d;
    }
    template <class T>
    static std::vector<T> download(const view<T*>& d) {
        std::vector<T> h(d.extent(0));
        Kokkos::View<T*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>> hv(h.data(), h.size());
        Kokkos::deep_copy(hv, d);
        return h;
    }
    template <class T>
    static void put(view<T*>& d, const char* label, const std::vector<T>& h) {
        if (d.extent(0) < h.size()) d = view<T*>(Kokkos::view_alloc(std::string(label), Kokkos::WithoutInitializing), h.size());
        Kokkos::View<const T*, Kokkos::HostSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>> hv(h.data(), h.size());
        Kokkos::deep_copy(Kokkos::subview(d, std::make_pair(std::size_t(0), h.size())), hv);
    }

    void ensure_capacity(const block_shape& s) {
        const std::size_t n = std::size_t(g.units) * s.columns();
        if (d_act.extent(0) < n) {
            d_act = view<float*>("lm activations", n);
            d_dz = view<float*>("lm gradients", n);
            d_drive = view<float*>("lm input drive", n);
        }
    }

    view<float*>& carried(int slot, int lanes) {
        view<float*>& c = d_carried[slot];
        if (c.extent(0) != std::size_t(g.units) * lanes) c = view<float*>("lm carried state", std::size_t(g.units) * lanes);
        return c;
    }

    // Unit range of population p: [first, first + count).
    std::uint32_t first_unit(std::size_t p) const { return g.unit_first[p]; }

    // The forward pass reads each unit's incoming weights contiguously: a by-target copy of
    // the parameters, refreshed whenever they change.
    void refresh_forward_weights() {
        auto w = d_in_weight;
        auto par = d_in_param;
        auto params = d_params;
        Kokkos::parallel_for("lm forward weights", policy(0, w.extent(0)), KOKKOS_LAMBDA(const std::size_t e) { w(e) = params(par(e)); });
    }

    // Forward pass over a block; the inputs and targets must be uploaded. Slot 0 is the
    // carried state `state` (or zero if state < 0). Returns (loss sum in nats, predictions).
    // With backward, fills d_grad for every parameter; with carry, writes the last tick's
    // activations back into the carried state.
    void run(const block_shape& s, int state, bool backward, std::uint64_t loss_count,
             const std::vector<std::uint32_t>& active, const std::vector<std::uint32_t>& occ_col,
             const std::vector<std::uint64_t>& occ_row) {
        ensure_capacity(s);
        const int L = s.lanes, TT = s.total_ticks(), ticks = s.ticks, cols = s.columns();
        const std::uint32_t U = g.units;
        auto act = d_act;
        auto dz = d_dz;
        auto drive = d_drive;
        auto params = d_params;
        // Slot 0: the carried state or zero (read only by recurrent edges).
        if (g.recurrent_edges > 0 || state >= 0) {
            const bool has_state = state >= 0;
            auto c = has_state ? carried(state, L) : view<float*>();
            Kokkos::parallel_for("lm slot0", policy(0, U), KOKKOS_LAMBDA(const std::uint32_t u) {
                for (int b = 0; b < L; ++b) act(std::size_t(u) * cols + b) = has_state ? c(std::size_t(u) * L + b) : 0.0f;
            });
        }
        // Input drive: each column block pushes its active inputs' edges, slot by slot.
        if (input_feeds_units) {
            auto inputs = d_inputs;
            auto row = d_input_row;
            auto tgt = d_input_target;
            auto par = d_input_param;
            const int K = static_cast<int>(g.slots);
            const int blocks = TT * L / lane_block;
            Kokkos::parallel_for("lm input drive", policy(0, blocks), KOKKOS_LAMBDA(const int blk) {
                SYNAPTOGEN_LANES(i) {
                    const int c = blk * lane_block + i, tick = c / L, lane = c % L, token = tick / ticks;
                    // The drive is [column][unit]: a column's targets are contiguous.
                    const std::size_t d0 = std::size_t(L + c) * U;
                    for (std::uint32_t u = 0; u < U; ++u) drive(d0 + u) = 0.0f;
                    for (int k = 0; k < K; ++k) {
                        const std::int32_t in = inputs((std::size_t(token) * L + lane) * K + k);
                        if (in < 0) continue;
                        for (std::uint64_t e = row(in); e < row(in + 1); ++e) drive(d0 + tgt(e)) += params(par(e));
                    }
                }
            });
        }
        // Forward, tick by tick, population by population.
        const std::uint64_t bias0 = g.weights;
        for (int t = 0; t < TT; ++t) {
            for (std::size_t p : order) {
                const std::uint32_t u0 = first_unit(p), n = units_of(p);
                const activation_kind f = activation[p];
                auto row = d_in_row;
                auto src = d_in_source;
                auto win = d_in_weight;
                const bool feeds = input_feeds_units;
                const int chunks = L / lane_block;
                Kokkos::parallel_for("lm forward", policy(0, std::size_t(n) * chunks), KOKKOS_LAMBDA(const std::size_t w) {
                    const std::uint32_t u = u0 + static_cast<std::uint32_t>(w / chunks);
                    const int col = (t + 1) * L + static_cast<int>(w % chunks) * lane_block;
                    lanes32 acc = lanes_splat(params(bias0 + u));
                    if (feeds) {
                        float x[lane_block];  // the drive is [column][unit]: a gather
                        SYNAPTOGEN_LANES(i) x[i] = drive(std::size_t(col + i) * U + u);
                        acc = lanes_madd(acc, 1.0f, lanes_load(x));
                    }
                    for (std::uint64_t e = row(u); e < row(u + 1); ++e) {
                        const std::uint32_t s_ = src(e);
                        const std::size_t a0 = std::size_t(s_ & index_mask) * cols + col - ((s_ & lag_bit) ? L : 0);
                        acc = lanes_madd(acc, win(e), lanes_load(&act(a0)));
                    }
                    float* out = &act(std::size_t(u) * cols + col);
                    lanes_store(out, acc);
                    if (f != activation_kind::identity)
                        SYNAPTOGEN_LANES(i) out[i] = activate(f, out[i]);
                });
            }
        }
        loss(s, loss_count);
        if (backward) backward_pass(s, active, occ_col, occ_row);
        if (state >= 0) {
            auto c = carried(state, L);
            Kokkos::parallel_for("lm carry", policy(0, U), KOKKOS_LAMBDA(const std::uint32_t u) {
                for (int b = 0; b < L; ++b) c(std::size_t(u) * L + b) = act(std::size_t(u) * cols + std::size_t(TT) * L + b);
            });
        }
        edge_visits = std::uint64_t(TT) * (g.immediate_edges + g.recurrent_edges) * (backward ? 2 : 1) +
                      (backward ? g.immediate_edges + g.recurrent_edges : 0);
    }

    std::uint32_t units_of(std::size_t p) const { return pop_units[p]; }

    // Softmax cross-entropy at the last tick of every token; writes the output's dz
    // (zero at other ticks) scaled by 1 / loss_count, and each prediction's loss [nats].
    void loss(const block_shape& s, std::uint64_t loss_count) {
        const int L = s.lanes, TT = s.total_ticks(), ticks = s.ticks, cols = s.columns();
        const std::uint32_t o0 = first_unit(output_population);
        auto act = d_act;
        auto dz = d_dz;
        auto targets = d_targets;
        auto lossv = d_loss;
        const float scale = loss_count ? static_cast<float>(1.0 / double(loss_count)) : 0.0f;
        lm_softmax_loss<Exec>(act, dz, targets, lossv, o0, L, TT, ticks, cols, lane_block, scale);
    }

    void backward_pass(const block_shape& s, const std::vector<std::uint32_t>& active,
                       const std::vector<std::uint32_t>& occ_col, const std::vector<std::uint64_t>& occ_row) {
        const int L = s.lanes, TT = s.total_ticks(), cols = s.columns();
        auto act = d_act;
        auto dz = d_dz;
        auto params = d_params;
        auto grad = d_grad;
        // dz of the hidden units, ticks backwards, populations in reverse order.
        for (int t = TT - 1; t >= 0; --t) {
            for (auto it = order.rbegin(); it != order.rend(); ++it) {
                const std::size_t p = *it;
                if (p == output_population) continue;
                const std::uint32_t u0 = first_unit(p), n = units_of(p);
                const activation_kind f = activation[p];
                auto row = d_out_row;
                auto tgt = d_out_target;
                auto par = d_out_param;
                const int chunks = L / lane_block;
                const bool has_next = t + 1 < TT;
                Kokkos::parallel_for("lm backward", policy(0, std::size_t(n) * chunks), KOKKOS_LAMBDA(const std::size_t w) {
                    const std::uint32_t u = u0 + static_cast<std::uint32_t>(w / chunks);
                    const int col = (t + 1) * L + static_cast<int>(w % chunks) * lane_block;
                    lanes32 acc = lanes_splat(0.0f);
                    for (std::uint64_t e = row(u); e < row(u + 1); ++e) {
                        const std::uint32_t t_ = tgt(e);
                        const bool lag = (t_ & lag_bit) != 0;
                        if (lag && !has_next) continue;  // truncated: the next tick is in the next block
                        const std::size_t d0 = std::size_t(t_ & index_mask) * cols + col + (lag ? L : 0);
                        acc = lanes_madd(acc, params(par(e)), lanes_load(&dz(d0)));
                    }
                    const std::size_t a0 = std::size_t(u) * cols + col;
                    float sum[lane_block];
                    lanes_store(sum, acc);
                    SYNAPTOGEN_LANES(i) dz(a0 + i) = sum[i] * activation_slope(f, act(a0 + i));
                });
            }
        }
        // Weight gradients of edges between units: one dot product over the block.
        {
            for (const auto& [first, last] : g.unit_weight_ranges)
                lm_weight_gradients<Exec>(grad, act, dz, d_weight_source, d_weight_target, first, last, cols, L);
            lm_bias_gradients<Exec>(grad, dz, g.weights, g.units, cols, L);
        }
        // Input edges: rows active last time are zeroed, then each active row is summed over
        // the columns where its input was on (ascending), by one thread per row.
        if (input_feeds_units) {
            auto row = d_input_row;
            auto tgt = d_input_target;
            auto par = d_input_param;
            if (prev_active_count) {
                auto prev = d_prev_active;
                Kokkos::parallel_for("lm input gradient reset", policy(0, prev_active_count), KOKKOS_LAMBDA(const std::size_t a) {
                    const std::uint32_t in = prev(a);
                    for (std::uint64_t e = row(in); e < row(in + 1); ++e) grad(par(e)) = 0.0f;
                });
            }
            put(d_active, "lm active inputs", active);
            put(d_occ_col, "lm active columns", occ_col);
            put(d_occ_row, "lm active rows", occ_row);
            auto act_in = d_active;
            auto ocol = d_occ_col;
            auto orow = d_occ_row;
            Kokkos::parallel_for("lm input gradient", policy(0, active.size()), KOKKOS_LAMBDA(const std::size_t a) {
                const std::uint32_t in = act_in(a);
                for (std::uint64_t k = orow(a); k < orow(a + 1); ++k) {
                    const std::size_t c = ocol(k);
                    const bool first = k == orow(a);
                    for (std::uint64_t e = row(in); e < row(in + 1); ++e) {
                        const float d = dz(std::size_t(tgt(e)) * cols + c);
                        grad(par(e)) = first ? d : grad(par(e)) + d;
                    }
                }
            });
            // Remember which rows hold gradients, to zero them next time.
            put(d_prev_active, "lm previous active inputs", active);
            prev_active_count = active.size();
        }
    }

    // Gradient norm and Adam: elementwise loops over every parameter, in lm_vector_kernels.cpp
    // (compiled with GCC's loop vectoriser, which these simple loops need).
    double gradient_norm2() { return lm_gradient_norm2<Exec>(d_grad, d_partial); }
    void adam(double lr, std::uint64_t step, double beta1, double beta2, double eps, double weight_decay,
              double grad_scale) {
        lm_adam<Exec>(d_params, d_grad, d_m, d_v, g.weights, lr, step, beta1, beta2, eps, weight_decay, grad_scale);
        refresh_forward_weights();
    }

    // Logits of the last tick of lane `lane` (generation).
    std::vector<float> last_logits(const block_shape& s, int lane) {
        const int cols = s.columns();
        const std::size_t col = std::size_t(s.total_ticks()) * s.lanes + lane;
        const std::uint32_t o0 = first_unit(output_population);
        view<float*> out("lm logits", lm_vocabulary);
        auto act = d_act;
        Kokkos::parallel_for("lm logits", policy(0, lm_vocabulary), KOKKOS_LAMBDA(const std::uint32_t o) {
            out(o) = act(std::size_t(o0 + o) * cols + col);
        });
        return download(out);
    }
};

}  // namespace synaptogen::lm_detail
