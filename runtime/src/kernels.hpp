#pragma once
// The per-step kernels of the simulation, as named functors (each reused every step).
// All are written for any Kokkos memory space: Views and scalars only, no virtual calls.
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include <Kokkos_Core.hpp>

#include <synaptogen/graph/ids.hpp>
#include <synaptogen/graph/random.hpp>
#include <synaptogen/models/neuron_model.hpp>
#include <synaptogen/models/synapse_model.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "synapse_packing.hpp"

namespace synaptogen {

// A stimulus lowered for the device, on the neurons [first, last) during steps [start, stop):
// Poisson input (counts into the ring buffer's current slot), or a current (DC, step
// current, noise) added in gather_input.
struct stimulus_term {
    stimulus_kind kind = stimulus_kind::poisson;
    neuron_id first = 0, last = 0;
    step_t start = 0, stop = 0;
    double lambda = 0.0;  // expected spikes per step, all sources together
    double exp_minus_lambda = 1.0;
    std::int64_t weight_fixed = 0;
    int channel = 0;      // 0 excitatory, 1 inhibitory
    double amplitude = 0.0;  // [pA] DC; noise mean
    double std = 0.0;        // [pA] noise
    std::uint32_t key = 0;   // stimulus number: keys its random stream
    std::uint32_t key32 = 0; // Philox2x32 key of the table path
    std::uint32_t table_offset = 0, table_size = 0;  // Poisson inversion table (size 0: PTRS); step current schedule
    std::uint32_t table_fast = 0;  // leading entries that hold all but < 2^-10 of the mass
};


// `#pragma omp simd` where the host compiler understands it; GPU compilers see nothing.
#if defined(_OPENMP) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#define SYNAPTOGEN_SIMD _Pragma("omp simd")
#else
#define SYNAPTOGEN_SIMD
#endif

// Adds one step of one Poisson stimulus to the current ring-buffer slot. A work item
// covers `Lanes` consecutive neurons: on the host (Lanes = 16) the lane loops vectorise,
// since Philox and the table inversion, written as a count of thresholds <= u, are
// branch-free integer arithmetic; on GPUs Lanes is 1 and each thread takes one neuron.
// Each neuron's count depends only on (seed, stimulus, neuron, step): any blocking gives
// the same numbers.
template <class Mem, int Lanes>
struct add_poisson_input {
    Kokkos::View<std::uint64_t*, Mem> tables;
    Kokkos::View<std::int64_t*, Mem> ring;
    stimulus_term term;
    std::size_t ring_offset;  // start of this step's slot and the stimulus' channel
    step_t step;
    std::uint64_t seed;

    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t block) const {
        const neuron_id i0 = term.first + static_cast<neuron_id>(block * Lanes);
        const neuron_id left = term.last - i0;
        const int lanes = left < static_cast<neuron_id>(Lanes) ? static_cast<int>(left) : Lanes;
        std::int64_t* out = ring.data() + ring_offset + i0;
        if (term.table_size == 0) {  // large means: Hörmann's PTRS, one neuron at a time
            for (int l = 0; l < lanes; ++l) {
                counter_rng rng(seed, stream_purpose::poisson_input, i0 + l, step, term.key);
                out[l] += static_cast<std::int64_t>(poisson(rng, term.lambda, term.exp_minus_lambda)) * term.weight_fixed;
            }
            return;
        }
        const std::uint64_t* thresholds = tables.data() + term.table_offset;
        if (lanes < Lanes) {  // the population's last, partial block
            for (int l = 0; l < lanes; ++l)
                out[l] += static_cast<std::int64_t>(poisson_from_table(random_bits64(term.key32, i0 + l, step),
                                                                       thresholds, term.table_size)) *
                          term.weight_fixed;
            return;
        }
        std::uint64_t u[Lanes];
        std::int64_t count[Lanes];
        SYNAPTOGEN_SIMD
        for (int l = 0; l < Lanes; ++l) {
            u[l] = random_bits64(term.key32, i0 + l, step);
            count[l] = 0;
        }
        // Vector search through the likely counts; the rare lane beyond them finishes alone.
        for (std::uint32_t t = 0; t < term.table_fast; ++t) {
            const std::uint64_t threshold = thresholds[t];
            SYNAPTOGEN_SIMD
            for (int l = 0; l < Lanes; ++l) count[l] += u[l] >= threshold ? 1 : 0;
        }
        const std::uint64_t last_fast = thresholds[term.table_fast - 1];
        for (int l = 0; l < Lanes; ++l)
            if (u[l] >= last_fast) count[l] = poisson_from_table(u[l], thresholds, term.table_size);
        SYNAPTOGEN_SIMD
        for (int l = 0; l < Lanes; ++l) out[l] += count[l] * term.weight_fixed;
    }
};

// A block of the update kernel whose neurons are not all of one parameter group.
inline constexpr std::uint32_t mixed_group = ~std::uint32_t(0);

// Continuous couplings (gap junctions, graded synapses, rate connections), CSR by target:
// each target sums its own row in a fixed order, so no atomics and no order effects.
struct coupling_kind_params {
    synapse_kind kind = synapse_kind::gap_junction;
    double E_rev = 0.0, V_half = 0.0, inv_V_slope = 1.0;  // graded
    std::uint32_t output = 0;  // the row of coupling_outputs::outputs the coupling reads
    // A coupling adds wx gain_I to the current and w gain_Gw + wx gain_Gx to the
    // conductance (wx = w times its output): gap (1, 1, 0), graded (E_rev, 0, 1), rate
    // (1, 0, 0). Products with 1 and sums with 0 are exact, so these are the sums of the
    // kinds' own formulas, without a branch on the kind (kinds interleave within a row, and
    // the branch's mispredictions were most of gather_input's time).
    double gain_I = 1.0, gain_Gw = 0.0, gain_Gx = 0.0;
};

// What couplings read of each source neuron, once per step instead of once per coupling,
// as rows of one array: 0 the absolute potential (gap junctions), 1 the rate (rate
// couplings), then for each distinct (V_half, V_slope) of the graded projections the
// activation s(V) (an exp each: per neuron instead of per synapse). One array lets a
// coupling read its input without a branch on its kind.
template <class Mem, int Lanes>
struct coupling_outputs {
    // An enum, not static constexpr members: CUDA device code cannot use those by reference.
    enum : std::uint32_t { potential_row = 0, rate_row = 1, first_activation_row = 2 };
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> state;
    Kokkos::View<std::uint32_t*, Mem> group;
    Kokkos::View<neuron_constants*, Mem> constants;
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> outputs;          // [row][neuron]
    Kokkos::View<double*, Mem> V_half, inv_V_slope;                    // [activation]
    std::size_t n;

    // A work item covers Lanes neurons: the exp of the activation vectorises on the host.
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t block) const {
        const std::size_t j0 = block * Lanes, count = j0 + Lanes <= n ? Lanes : n - j0;
        for (std::size_t l = 0; l < count; ++l) {
            outputs(potential_row, j0 + l) = state(0, j0 + l) + constants(group(j0 + l)).e_l;
            outputs(rate_row, j0 + l) = state(0, j0 + l);
        }
        const double* __restrict__ v = &outputs(potential_row, j0);
        for (std::size_t a = 0; a < V_half.extent(0); ++a) {
            const double half = V_half(a), inv_slope = inv_V_slope(a);
            double* __restrict__ out = &outputs(first_activation_row + a, j0);
            if (count == static_cast<std::size_t>(Lanes)) {
                SYNAPTOGEN_SIMD
                for (int l = 0; l < Lanes; ++l) out[l] = sigmoid_portable((v[l] - half) * inv_slope);
            } else {
                for (std::size_t l = 0; l < count; ++l) out[l] = sigmoid_portable((v[l] - half) * inv_slope);
            }
        }
    }
};

// Computes each neuron's external current and coupling conductance for this step from
// the start-of-step state: current stimuli (DC, step, noise) and couplings.
template <class Mem>
struct gather_input {
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> state;
    Kokkos::View<std::uint32_t*, Mem> group;  // parameter group of each neuron
    Kokkos::View<neuron_constants*, Mem> constants;
    Kokkos::View<stimulus_term*, Mem> currents;
    Kokkos::View<double*, Mem> schedule;  // step currents: (step, value) pairs
    Kokkos::View<edge_index*, Mem> row_map;
    Kokkos::View<neuron_id*, Mem> source;
    Kokkos::View<float*, Mem> weight;
    Kokkos::View<std::uint16_t*, Mem> kind;
    Kokkos::View<coupling_kind_params*, Mem> params;
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> outputs;     // coupling_outputs' of this step
    Kokkos::View<double*, Mem> i_ext, g_ext;
    step_t step;
    std::uint64_t seed;
    int n_currents;

    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t i) const {
        double I = 0.0, G = 0.0;
        for (int k = 0; k < n_currents; ++k) {
            const stimulus_term& s = currents(k);
            if (i < s.first || i >= s.last || step < s.start || step >= s.stop) continue;
            if (s.kind == stimulus_kind::dc) {
                I += s.amplitude;
            } else if (s.kind == stimulus_kind::noise) {
                counter_rng rng(seed, stream_purpose::noise_current, static_cast<std::uint32_t>(i), step, s.key);
                I += s.amplitude + s.std * rng.normal();
            } else {  // step current: the last change at or before this step
                double value = 0.0;
                for (std::uint32_t c = 0; c < s.table_size; ++c) {
                    if (schedule(2 * (s.table_offset + c)) > static_cast<double>(step)) break;
                    value = schedule(2 * (s.table_offset + c) + 1);
                }
                I += value;
            }
        }
        if (row_map.extent(0) > 0) {
            // Gap junction: g (V_j - V_i) = g V_j - g V_i. Graded: g s(V_j) (E - V_i). Rate:
            // w r_j. Through the kind's gains (coupling_kind_params), each sum as written.
            for (edge_index e = row_map(i); e < row_map(i + 1); ++e) {
                const coupling_kind_params& p = params(kind(e));
                const double w = weight(e);
                const double wx = w * outputs(p.output, source(e));  // g V_j, g s(V_j), w r_j
                I += wx * p.gain_I;
                G += w * p.gain_Gw + wx * p.gain_Gx;
            }
        }
        i_ext(i) = I;
        g_ext(i) = G;
    }
};

// Reads: ring slot `slot` (then zeroes it), external input, state. Writes: state, spiked(i).
// Each neuron is independent: no ordering between iterations is needed. Poisson input
// is already in the slot (add_poisson_input runs first).
template <class Mem, int Lanes>
struct update_neurons {
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> state;  // [slot][neuron]
    Kokkos::View<std::int32_t*, Mem> refractory;
    Kokkos::View<std::uint32_t*, Mem> group;        // parameter group of each neuron
    Kokkos::View<std::uint32_t*, Mem> block_group;  // of each block of Lanes neurons, or mixed_group
    Kokkos::View<neuron_constants*, Mem> constants;
    Kokkos::View<std::int64_t*, Mem> ring;
    Kokkos::View<double*, Mem> i_ext, g_ext;  // empty: no external input in this network
    Kokkos::View<std::uint8_t*, Mem> spiked;
    neuron_id n;
    std::uint32_t slot;
    std::uint32_t channels;  // of the ring, per neuron: 2, or up to 4 with receptor ports
    double inv_scale;
    step_t step;

    // A work item covers Lanes neurons. Blocks of one parameter group (nearly all: a
    // homogeneous population is one group) share one set of constants and vectorise on the
    // host; others go neuron by neuron.
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t block) const {
        const std::size_t i0 = block * Lanes;
        const std::size_t end = i0 + Lanes < n ? i0 + Lanes : n;
        const std::uint32_t g = block_group(block);
        if (Lanes > 1 && end - i0 == static_cast<std::size_t>(Lanes) && g != mixed_group) {
            const neuron_constants c = constants(g);
            if (i_ext.extent(0) > 0) return vector_block<true>(i0, c);
            return vector_block<false>(i0, c);
        }
        for (std::size_t i = i0; i < end; ++i)
            advance<true, neuron_model_kind::iaf_psc_delta, true, 1>(i, constants(group(i)));
    }

    // One block of Lanes neurons of one population, with or without external input (a
    // compile-time choice: a runtime one turns the loads into masked ones).
    template <bool External>
    KOKKOS_FORCEINLINE_FUNCTION void vector_block(const std::size_t i0, const neuron_constants& c) const {
        switch (c.kind) {
        case neuron_model_kind::iaf_psc_delta: return advance<false, neuron_model_kind::iaf_psc_delta, External, Lanes>(i0, c);
        case neuron_model_kind::iaf_psc_exp: return advance<false, neuron_model_kind::iaf_psc_exp, External, Lanes>(i0, c);
        case neuron_model_kind::iaf_psc_alpha: return advance<false, neuron_model_kind::iaf_psc_alpha, External, Lanes>(i0, c);
        case neuron_model_kind::iaf_cond_exp: return advance<false, neuron_model_kind::iaf_cond_exp, External, Lanes>(i0, c);
        case neuron_model_kind::graded: return advance<false, neuron_model_kind::graded, External, Lanes>(i0, c);
        default:  // the nonlinear and rare models go one by one
            for (std::size_t i = i0; i < i0 + Lanes; ++i) advance<true, neuron_model_kind::iaf_psc_delta, true, 1>(i, c);
        }
    }

    // Advances neurons [i0, i0 + Count) of one population: of model Model, or of the model
    // the constants name when Dispatch. Raw non-aliasing pointers let the host compiler vectorise.
    template <bool Dispatch, neuron_model_kind Model, bool External, int Count>
    KOKKOS_FORCEINLINE_FUNCTION void advance(const std::size_t i0, const neuron_constants& c) const {
        const std::size_t ex = (static_cast<std::size_t>(slot) * channels) * n + i0;
        double* __restrict__ pv = &state(0, i0);
        double* __restrict__ pex = &state(1, i0);
        double* __restrict__ pin = &state(2, i0);
        double* __restrict__ pdex = &state(3, i0);
        double* __restrict__ pdin = &state(4, i0);
        double* __restrict__ padapt = &state(5, i0);
        double* __restrict__ pasc2 = &state(6, i0);  // glif_psc's slots, touched by it alone
        double* __restrict__ pths = &state(7, i0);
        double* __restrict__ pthv = &state(8, i0);
        double* __restrict__ pthr = &state(9, i0);
        double* __restrict__ pascs = &state(10, i0);
        double* __restrict__ pex3 = &state(11, i0);  // glif_psc's receptor ports 3 and 4
        double* __restrict__ pdex3 = &state(12, i0);
        double* __restrict__ pex4 = &state(13, i0);
        double* __restrict__ pdex4 = &state(14, i0);
        std::int32_t* __restrict__ pref = &refractory(i0);
        std::int64_t* __restrict__ acc_ex = &ring(ex);
        std::int64_t* __restrict__ acc_in = &ring(ex + n);
        const bool external = External && i_ext.extent(0) > 0;
        const double* __restrict__ pi = external ? &i_ext(i0) : nullptr;
        const double* __restrict__ pg = external ? &g_ext(i0) : nullptr;
        std::uint8_t* __restrict__ pspiked = &spiked(i0);
        // Touch only the slots the model uses: the update is memory-bound.
        constexpr bool synaptic = Dispatch || (Model != neuron_model_kind::iaf_psc_delta && Model != neuron_model_kind::graded);
        constexpr bool alpha = Dispatch || Model == neuron_model_kind::iaf_psc_alpha;
        constexpr bool adapting = Dispatch;
        const bool glif = Dispatch && c.kind == neuron_model_kind::glif_psc;
        const bool ports = glif && channels > 2;  // channels 2 and 3 only reach glif_psc's ports 3 and 4
        std::int64_t* __restrict__ acc_3 = ports ? &ring(ex + 2 * static_cast<std::size_t>(n)) : nullptr;
        std::int64_t* __restrict__ acc_4 = ports && channels > 3 ? &ring(ex + 3 * static_cast<std::size_t>(n)) : nullptr;
        // Spike flags go through 32-bit lanes and are narrowed to bytes in a second loop: a
        // byte store in this loop makes GCC pick 16-byte vectors (16 byte lanes), i.e. two
        // doubles per instruction; without it the doubles use full-width vectors.
        std::int32_t fired_lanes[Count];
        SYNAPTOGEN_SIMD
        for (int l = 0; l < Count; ++l) {
            neuron_state st;
            st.v = pv[l];
            if (synaptic) {
                st.ex = pex[l];
                st.in = pin[l];
            }
            if (alpha) {
                st.dex = pdex[l];
                st.din = pdin[l];
            }
            if (adapting) st.adapt = padapt[l];
            if (glif) {
                st.asc_2 = pasc2[l];
                st.th_spike = pths[l];
                st.th_voltage = pthv[l];
                st.threshold = pthr[l];
                st.asc_sum = pascs[l];
                st.ex_3 = pex3[l];
                st.dex_3 = pdex3[l];
                st.ex_4 = pex4[l];
                st.dex_4 = pdex4[l];
            }
            st.refractory = pref[l];
            neuron_input x;
            x.in_ex = int64_to_double(acc_ex[l]) * inv_scale;
            x.in_in = int64_to_double(acc_in[l]) * inv_scale;
            if (ports) {
                x.in_3 = int64_to_double(acc_3[l]) * inv_scale;
                x.in_4 = acc_4 ? int64_to_double(acc_4[l]) * inv_scale : 0.0;
                acc_3[l] = 0;
                if (acc_4) acc_4[l] = 0;
            }
            if constexpr (External) {
                x.i_ext = external ? pi[l] : 0.0;
                x.g_ext = external ? pg[l] : 0.0;
            }
            bool fired;
            if constexpr (Dispatch) {
                if (c.kind == neuron_model_kind::poisson_source)
                    fired = random_bits64(c.key32, static_cast<std::uint32_t>(i0 + l), step) < c.spike_threshold;
                else
                    fired = step_neuron(c, st, x);
            } else if constexpr (Model == neuron_model_kind::iaf_psc_delta) fired = step_iaf_psc_delta(c, st, x);
            else if constexpr (Model == neuron_model_kind::iaf_psc_exp) fired = step_iaf_psc_exp(c, st, x);
            else if constexpr (Model == neuron_model_kind::iaf_psc_alpha) fired = step_iaf_psc_alpha(c, st, x);
            else if constexpr (Model == neuron_model_kind::graded) fired = step_graded(c, st, x);
            else fired = step_iaf_cond_exp(c, st, x);
            pv[l] = st.v;
            if (synaptic) {
                pex[l] = st.ex;
                pin[l] = st.in;
            }
            if (alpha) {
                pdex[l] = st.dex;
                pdin[l] = st.din;
            }
            if (adapting) padapt[l] = st.adapt;
            if (glif) {
                pasc2[l] = st.asc_2;
                pths[l] = st.th_spike;
                pthv[l] = st.th_voltage;
                pthr[l] = st.threshold;
                pascs[l] = st.asc_sum;
                pex3[l] = st.ex_3;
                pdex3[l] = st.dex_3;
                pex4[l] = st.ex_4;
                pdex4[l] = st.dex_4;
            }
            pref[l] = st.refractory;
            fired_lanes[l] = fired ? 1 : 0;
        }
        for (int l = 0; l < Count; ++l) pspiked[l] = static_cast<std::uint8_t>(fired_lanes[l]);
        for (int l = 0; l < Count; ++l) acc_ex[l] = acc_in[l] = 0;
    }
};

// Spike sources: marks the neurons scheduled for this step, entries [begin, end) of the
// time-sorted schedule.
template <class Mem>
struct emit_scheduled {
    Kokkos::View<neuron_id*, Mem> neurons;
    Kokkos::View<std::uint8_t*, Mem> spiked;
    std::size_t begin;
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t k) const { spiked(neurons(begin + k)) = 1; }
};

// Reads spiked; writes the ids of spiking neurons to spikes[0, count) in ascending order,
// and appends them to the spike batch that leaves the device every few steps
// (batch_spikes[offsets(k), offsets(k + 1))). The count stays on the device
// (counts(count_slot)): the kernels after it read it there, so a step needs no host round
// trip. A work item covers a block of `block` flags and skips 8 silent ones at a time:
// spikes are rare (0.2-0.4 % of neurons per step in the benchmarks), and one scan item per
// neuron cost as much as delivering them.
template <class Mem>
struct compact_spikes {
    static constexpr std::size_t block = 64;
    Kokkos::View<std::uint8_t*, Mem> spiked;
    Kokkos::View<neuron_id*, Mem> spikes;
    std::size_t n;
    Kokkos::View<std::uint32_t*, Mem> counts;
    std::size_t count_slot;
    Kokkos::View<neuron_id*, Mem> batch_spikes;
    Kokkos::View<std::size_t*, Mem> offsets;
    std::size_t k;  // this step's index in the batch

    static std::size_t blocks(std::size_t n) { return (n + block - 1) / block; }
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t b, std::uint32_t& offset, const bool final) const {
        const std::size_t first = b * block, last = first + block < n ? first + block : n;
        const std::size_t base = final ? offsets(k) : 0;
        for (std::size_t i = first; i < last; i += 8) {
            if (i + 8 <= last) {
                std::uint64_t word;
                copy_bytes(&word, &spiked(i), 8);
                if (word == 0) continue;
            }
            for (std::size_t j = i; j < i + 8 && j < last; ++j)
                if (spiked(j)) {
                    if (final) {
                        spikes(offset) = static_cast<neuron_id>(j);
                        batch_spikes(base + offset) = static_cast<neuron_id>(j);
                    }
                    ++offset;
                }
        }
        if (final && last == n) {  // the last block knows the total
            counts(count_slot) = offset;
            offsets(k + 1) = base + offset;
        }
    }
};

// Index of a synapse's ring-buffer cell.
KOKKOS_INLINE_FUNCTION std::size_t ring_index(std::uint32_t word, float w, const packing& pk, neuron_id n,
                                              step_t step, std::uint32_t slot_mask) {
    const neuron_id target = word & pk.target_mask;
    const std::uint32_t delay = (word >> pk.target_bits) & pk.delay_mask;
    const std::size_t slot = (step + delay) & slot_mask;
    const std::uint32_t channel = pk.port_bits > 0 ? word >> (32 - pk.port_bits) : (pk.split_channels && w < 0.0f ? 1u : 0u);
    return (slot * pk.channels + channel) * static_cast<std::size_t>(n) + target;
}

KOKKOS_INLINE_FUNCTION std::int64_t to_fixed(float w, double scale) {
    return static_cast<std::int64_t>(static_cast<double>(w) * scale);
}

// STDP parameters of one plastic projection, lowered: trace decays per step and the
// rule's constants (synapse_model.hpp).
struct stdp_constants {
    double decay_plus = 0.0, decay_minus = 0.0;  // exp(-dt/tau)
    double A_plus = 0.0, A_minus = 0.0;
    double w_min = 0.0, w_max = 0.0;
    bool multiplicative = false;
    bool nearest = false;
};

KOKKOS_INLINE_FUNCTION float clip_weight(double w, const stdp_constants& c) {
    return static_cast<float>(w < c.w_min ? c.w_min : (w > c.w_max ? c.w_max : w));
}

// A set of synapses on the device, CSR by source with one row map per partition (a
// contiguous target range); plastic stores add what STDP needs.
template <class Mem>
struct synapse_store {
    Kokkos::View<edge_index**, Kokkos::LayoutRight, Mem> row_map;  // [partition][source]
    Kokkos::View<neuron_id*, Mem> entries;    // target | delay << target_bits [| channel in the top bits]
    Kokkos::View<float*, Mem> values;         // weights; empty when row_weight holds them
    Kokkos::View<float*, Mem> row_weight;     // static stores whose sources each have one weight: per source
    // Plastic stores only:
    Kokkos::View<std::uint16_t*, Mem> rule;       // index into stdp_constants, per synapse
    Kokkos::View<edge_index*, Mem> in_row_map;    // CSR by target over...
    Kokkos::View<edge_index*, Mem> in_edges;      // ...synapse indices
    Kokkos::View<neuron_id*, Mem> in_sources;     // and their sources
    Kokkos::View<stdp_constants*, Mem> rules;
    Kokkos::View<double***, Kokkos::LayoutRight, Mem> traces;          // [rule][0 pre, 1 post][neuron]
};

// What both delivery strategies read and write for the current step.
template <class Mem>
struct delivery_target {
    synapse_store<Mem> store;
    Kokkos::View<neuron_id*, Mem> spikes;
    Kokkos::View<std::int64_t*, Mem> ring;
    packing pk;
    neuron_id n;
    step_t step;
    std::uint32_t slot_mask;
    double scale;

    // Delivers synapse e; for plastic synapses the spike then depresses it by the target's
    // post trace (the spike is transmitted with the weight it found).
    // Whether the store keeps one weight per source (row_weight) instead of one per synapse.
    KOKKOS_INLINE_FUNCTION bool by_row() const { return store.row_weight.extent(0) > 0; }
    KOKKOS_INLINE_FUNCTION std::int64_t& cell(const edge_index e, const float w) const {
        return ring(ring_index(store.entries(e), w, pk, n, step, slot_mask));
    }
    // The row of `src` from begin to end. Static stores may keep one weight per source
    // (row_weight) instead of one per synapse: the same value, so the same sums.
    template <bool Plastic, bool Atomic>
    KOKKOS_INLINE_FUNCTION void deliver_row(const neuron_id src, const edge_index begin, const edge_index end) const {
        if (!Plastic && by_row()) {
            const float w = store.row_weight(src);
            const std::int64_t x = to_fixed(w, scale);
            for (edge_index e = begin; e < end; ++e) add<Atomic>(cell(e, w), x);
            return;
        }
        for (edge_index e = begin; e < end; ++e) deliver<Plastic, Atomic>(e);
    }
    template <bool Plastic, bool Atomic>
    KOKKOS_INLINE_FUNCTION void deliver(const edge_index e) const {
        const float w = store.values(e);
        add<Atomic>(cell(e, w), to_fixed(w, scale));
        if constexpr (Plastic) depress(e, w);  // each synapse belongs to one spike's row: no race
    }
    template <bool Atomic>
    KOKKOS_INLINE_FUNCTION static void add(std::int64_t& to, const std::int64_t x) {
        if constexpr (Atomic)
            Kokkos::atomic_add(&to, x);
        else
            to += x;
    }
    KOKKOS_INLINE_FUNCTION void depress(const edge_index e, const float w) const {
        const std::uint16_t r = store.rule(e);
        const stdp_constants& c = store.rules(r);
        const neuron_id target = store.entries(e) & pk.target_mask;
        const double x_post = store.traces(r, 1, target);
        const double f = c.multiplicative ? (w - c.w_min) : c.w_max;
        store.values(e) = clip_weight(w - c.A_minus * f * x_post, c);
    }
};

// One work item per partition: partition p walks every spike's row restricted to its own
// targets, so no two items write the same cell and plain adds suffice.
template <class Mem, bool Plastic>
struct deliver_partitioned {
    delivery_target<Mem> d;
    Kokkos::View<const std::uint32_t*, Mem> counts;  // counts(slot): this step's spikes
    std::size_t slot;

    KOKKOS_INLINE_FUNCTION void operator()(const int p) const {
        const std::uint32_t n_spikes = counts(slot);
        for (std::uint32_t k = 0; k < n_spikes; ++k) {
            const neuron_id src = d.spikes(k);
            d.template deliver_row<Plastic, false>(src, d.store.row_map(p, src), d.store.row_map(p, src + 1));
        }
    }
};

// Hints the host cache to fetch [p, p + bytes), at most 1 kB (hardware prefetchers take
// longer runs); GPUs ignore it.
KOKKOS_INLINE_FUNCTION void prefetch(const void* p, std::size_t bytes) {
#if !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
    for (std::size_t b = 0; b < bytes && b < 1024; b += 64) __builtin_prefetch(static_cast<const char*>(p) + b);
#else
    (void)p;
    (void)bytes;
#endif
}

// Delivery at arrival time, one work item per partition. Rows are ordered by delay and
// group_start says where each delay begins, so at step `now` every spike emitted at
// now - d delivers exactly its synapses of delay d - all into the ring slot of `now`,
// which stays in cache, instead of into d_max slots spread over many megabytes. The sums
// are integers, so the result is the emission-time result bit for bit.
// `flush` instead delivers everything still pending (delay >= now - j) into the slots it
// is due in: that turns the history into ring-buffer form, which is what checkpoints store.
template <class Mem>
struct deliver_arrivals {
    delivery_target<Mem> d;                              // d.spikes and d.step are unused
    Kokkos::View<const neuron_id*, Mem> history;         // [history slot][neuron]
    Kokkos::View<const std::uint32_t*, Mem> history_count;
    Kokkos::View<const std::uint32_t*, Mem> group_start;  // [partition][source][delay - d_min], within the row
    std::uint32_t history_mask, d_min, d_max;
    step_t now;
    bool flush;

    // The (spike, delay) groups of one step, walked in order: (age, k) is the k-th spike
    // of step now - age.
    struct group {
        edge_index begin = 0, end = 0;
        step_t emitted = 0;
        neuron_id source = 0;
    };
    struct cursor {
        std::uint32_t age, k;
    };
    KOKKOS_INLINE_FUNCTION bool next(const int p, cursor& c, group& g) const {
        for (; c.age <= d_max && c.age <= now; ++c.age, c.k = 0) {
            const step_t j = now - c.age;
            const std::size_t h = j & history_mask;
            if (c.k >= history_count(h)) continue;
            const std::size_t n = d.n, groups = d_max - d_min + 1;
            const std::uint32_t lo = c.age < d_min ? d_min : c.age;
            const neuron_id src = history(h * n + c.k++);
            const edge_index row = d.store.row_map(p, src), row_end = d.store.row_map(p, src + 1);
            const std::size_t at = (static_cast<std::size_t>(p) * n + src) * groups + (lo - d_min);
            g.begin = row + group_start(at);
            g.end = flush || lo == d_max ? row_end : row + group_start(at + 1);
            g.emitted = j;
            g.source = src;
            return true;
        }
        return false;
    }

    KOKKOS_INLINE_FUNCTION void operator()(const int p) const {
        // Groups are short (tens of synapses) and scattered over gigabytes: fetch a few
        // groups ahead of the one being delivered, or every group starts with cache misses.
        constexpr unsigned ahead = 8;  // a power of two
        const bool by_row = d.by_row();
        group queue[ahead];
        cursor c{flush ? 1u : d_min, 0u};
        unsigned head = 0, tail = 0;
        auto fill = [&]() {
            while (tail - head < ahead && next(p, c, queue[tail % ahead])) {
                const group& g = queue[tail++ % ahead];
                prefetch(&d.store.entries(g.begin), (g.end - g.begin) * sizeof(neuron_id));
                if (!by_row) prefetch(&d.store.values(g.begin), (g.end - g.begin) * sizeof(float));
            }
        };
        for (fill(); head != tail; fill()) {
            const group g = queue[head++ % ahead];
            if (flush) {  // a group of several delays
                for (edge_index e = g.begin; e < g.end; ++e) {
                    const float w = by_row ? d.store.row_weight(g.source) : d.store.values(e);
                    d.ring(ring_index(d.store.entries(e), w, d.pk, d.n, g.emitted, d.slot_mask)) += to_fixed(w, d.scale);
                }
                continue;
            }
            // One delay per group, so one ring slot: only the target and the channel vary.
            if (g.begin == g.end) continue;
            const packing pk = d.pk;
            const std::size_t n = d.n;
            const std::uint32_t delay = (d.store.entries(g.begin) >> pk.target_bits) & pk.delay_mask;
            std::int64_t* const slot = &d.ring(((g.emitted + delay) & d.slot_mask) * pk.channels * n);
            if (by_row && pk.port_bits == 0) {  // one weight, so one channel too
                const float w = d.store.row_weight(g.source);
                const std::int64_t x = to_fixed(w, d.scale);
                std::int64_t* const channel = slot + (pk.split_channels && w < 0.0f ? n : 0);
                for (edge_index e = g.begin; e < g.end; ++e) channel[d.store.entries(e) & pk.target_mask] += x;
            } else if (pk.port_bits == 0) {
                const std::size_t inhibitory = pk.split_channels ? n : 0;
                for (edge_index e = g.begin; e < g.end; ++e) {
                    const float w = d.store.values(e);
                    slot[(w < 0.0f ? inhibitory : 0) + (d.store.entries(e) & pk.target_mask)] += to_fixed(w, d.scale);
                }
            } else {
                const unsigned shift = 32 - pk.port_bits;
                for (edge_index e = g.begin; e < g.end; ++e) {
                    const neuron_id word = d.store.entries(e);
                    const float w = by_row ? d.store.row_weight(g.source) : d.store.values(e);
                    slot[(word >> shift) * n + (word & pk.target_mask)] += to_fixed(w, d.scale);
                }
            }
        }
    }
};

// to(i) += from(i).
template <class Mem>
struct add_into {
    Kokkos::View<std::int64_t*, Mem> to;
    Kokkos::View<const std::int64_t*, Mem> from;
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t i) const { to(i) += from(i); }
};

// One team per spike (a fixed league strides over this step's spikes, whose count stays
// on the device); its threads share the row and add atomically. Integer atomics keep the
// sum independent of their order.
template <class Mem, class Policy, bool Plastic>
struct deliver_atomic {
    delivery_target<Mem> d;
    Kokkos::View<const std::uint32_t*, Mem> counts;
    std::size_t slot;

    KOKKOS_INLINE_FUNCTION void operator()(const typename Policy::member_type& team) const {
        const std::uint32_t n_spikes = counts(slot);
        const auto league = static_cast<std::uint32_t>(team.league_size());
        for (auto k = static_cast<std::uint32_t>(team.league_rank()); k < n_spikes; k += league) {
            const neuron_id src = d.spikes(k);
            const edge_index begin = d.store.row_map(0, src), end = d.store.row_map(0, src + 1);
            if (!Plastic && d.by_row()) {
                const float w = d.store.row_weight(src);
                const std::int64_t x = to_fixed(w, d.scale);
                Kokkos::parallel_for(Kokkos::TeamThreadRange(team, begin, end),
                                     [&](const edge_index e) { Kokkos::atomic_add(&d.cell(e, w), x); });
            } else {
                Kokkos::parallel_for(Kokkos::TeamThreadRange(team, begin, end),
                                     [&](const edge_index e) { d.template deliver<Plastic, true>(e); });
            }
        }
    }
};

// STDP potentiation: every spiking neuron strengthens its incoming plastic synapses by the
// sources' pre traces. A synapse has one target, which is in the spike list at most once.
// Work items stride over the step's spikes (their count is on the device).
template <class Mem>
struct potentiate {
    synapse_store<Mem> store;
    Kokkos::View<neuron_id*, Mem> spikes;
    Kokkos::View<const std::uint32_t*, Mem> counts;
    std::size_t slot, stride;
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t first) const {
        for (std::size_t k = first; k < counts(slot); k += stride) potentiate_one(spikes(k));
    }
    KOKKOS_INLINE_FUNCTION void potentiate_one(const neuron_id t) const {
        for (edge_index j = store.in_row_map(t); j < store.in_row_map(t + 1); ++j) {
            const edge_index e = store.in_edges(j);
            const std::uint16_t r = store.rule(e);
            const stdp_constants& c = store.rules(r);
            const double w = store.values(e);
            const double f = c.multiplicative ? (c.w_max - w) : c.w_max;
            store.values(e) = clip_weight(w + c.A_plus * f * store.traces(r, 0, store.in_sources(j)), c);
        }
    }
};

// After both STDP passes: x <- (x + spike) decay (all-to-all) or (spike ? 1 : x) decay (nearest).
template <class Mem>
struct advance_traces {
    Kokkos::View<double***, Kokkos::LayoutRight, Mem> traces;
    Kokkos::View<stdp_constants*, Mem> rules;
    Kokkos::View<std::uint8_t*, Mem> spiked;
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t i) const {
        const double s = spiked(i) ? 1.0 : 0.0;
        for (std::size_t r = 0; r < rules.extent(0); ++r) {
            const stdp_constants& c = rules(r);
            for (int side = 0; side < 2; ++side) {
                const double x = traces(r, side, i);
                const double bumped = c.nearest ? (s > 0.0 ? 1.0 : x) : x + s;
                traces(r, side, i) = bumped * (side == 0 ? c.decay_plus : c.decay_minus);
            }
        }
    }
};

// Samples one state variable of chosen neurons (or weights of chosen synapses) into a
// device buffer of `capacity` rows; drained to the host when full or at the end of a run.
template <class Mem>
struct trace_recorder {
    Kokkos::View<edge_index*, Mem> ids;  // neuron ids, or synapse indices for weights
    Kokkos::View<double**, Kokkos::LayoutRight, Mem> buffer;
    Kokkos::View<double*, Mem> offsets;  // per item: E_L for potentials stored relative to it
    int slot = 0;          // state slot; -1 for weights
    std::uint32_t every = 1;
    std::size_t capacity = 0;
    std::size_t rows_buffered = 0;
    std::uint64_t rows_drained = 0;

    // `offset[j]` is added to item j's samples (empty: nothing is added).
    trace_recorder(const std::vector<edge_index>& items, int slot_, const std::vector<double>& offset,
                   std::uint32_t every_steps)
        : slot(slot_), every(every_steps) {
        ids = Kokkos::View<edge_index*, Mem>("trace_ids", items.size());
        offsets = Kokkos::View<double*, Mem>("trace_offsets", items.size());
        auto h = Kokkos::create_mirror_view(ids);
        auto h_off = Kokkos::create_mirror_view(offsets);
        for (std::size_t j = 0; j < items.size(); ++j) {
            h(j) = items[j];
            h_off(j) = offset.empty() ? 0.0 : offset[j];
        }
        Kokkos::deep_copy(ids, h);
        Kokkos::deep_copy(offsets, h_off);
        capacity = std::max<std::size_t>(1, (1u << 20) / std::max<std::size_t>(1, items.size()));
        capacity = std::min<std::size_t>(capacity, 4096);
        buffer = Kokkos::View<double**, Kokkos::LayoutRight, Mem>("trace_buffer", capacity, items.size());
    }

    template <class Exec>
    void sample(const Kokkos::View<double**, Kokkos::LayoutRight, Mem>& state, const Kokkos::View<float*, Mem>& weights) {
        auto ids_ = ids;
        auto buf = buffer;
        auto off = offsets;
        const std::size_t row = rows_buffered;
        const int s = slot;
        Kokkos::parallel_for("sample_trace", Kokkos::RangePolicy<Exec>(0, ids.extent(0)), KOKKOS_LAMBDA(const std::size_t j) {
            buf(row, j) = s < 0 ? static_cast<double>(weights(ids_(j))) : state(s, ids_(j)) + off(j);
        });
        ++rows_buffered;
    }

    trace_batch drain() {
        auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), buffer);
        trace_batch out;
        out.first_row = rows_drained;
        out.columns = ids.extent(0);
        out.values.reserve(rows_buffered * out.columns);
        for (std::size_t r = 0; r < rows_buffered; ++r)
            for (std::size_t j = 0; j < out.columns; ++j) out.values.push_back(h(r, j));
        rows_drained += rows_buffered;
        rows_buffered = 0;
        return out;
    }
};

}  // namespace synaptogen
