#pragma once
// The per-step kernels of the simulation, as named functors (each reused every step).
// All are written for any Kokkos memory space: Views and scalars only, no virtual calls.
#include <cstdint>
#include <utility>
#include <vector>

#include <Kokkos_Core.hpp>

#include <synaptogen/graph/ids.hpp>
#include <synaptogen/graph/random.hpp>
#include <synaptogen/models/neuron_model.hpp>
#include <synaptogen/runtime/simulation.hpp>

namespace synaptogen {

// A stimulus lowered for the device: Poisson input (counts into the ring buffer's current
// slot) or a DC current, on the neurons [first, last) during steps [start, stop).
struct stimulus_term {
    bool poisson = true;
    neuron_id first = 0, last = 0;
    step_t start = 0, stop = 0;
    double lambda = 0.0;  // expected spikes per step, all sources together
    double exp_minus_lambda = 1.0;
    std::int64_t weight_fixed = 0;
    int channel = 0;      // 0 excitatory, 1 inhibitory
    double amplitude = 0.0;  // [pA]
    std::uint32_t key = 0;   // stimulus number: keys its random stream (PTRS path)
    std::uint32_t key32 = 0; // Philox2x32 key of the table path
    std::uint32_t table_offset = 0, table_size = 0;  // inversion table; size 0: PTRS
    std::uint32_t table_fast = 0;  // leading entries that hold all but < 2^-10 of the mass
};

// Target and delay in one 32-bit word: target in the low target_bits, delay above.
// Also says whether inhibitory input needs its own ring channel: only models with
// separate synaptic currents do; otherwise every synapse writes channel 0, which halves
// the memory that delivery touches.
struct packing {
    unsigned target_bits = 32;
    std::uint32_t target_mask = 0xFFFFFFFFu;
    bool split_channels = true;
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

// Reads: ring slot `slot` (then zeroes it), DC stimuli, state. Writes: state, spiked(i).
// Each neuron is independent: no ordering between iterations is needed. Poisson input
// is already in the slot (add_poisson_input runs first).
// Which step function advance() calls: fixed for a block of one model, or by the constants.
enum class model_dispatch { psc_delta, psc_exp, by_constants };

template <class Mem, int Lanes>
struct update_neurons {
    Kokkos::View<double*, Mem> v, i_ex, i_in;
    Kokkos::View<std::int32_t*, Mem> refractory;
    Kokkos::View<std::uint16_t*, Mem> population;
    Kokkos::View<neuron_constants*, Mem> constants;
    Kokkos::View<stimulus_term*, Mem> currents;  // DC terms only
    Kokkos::View<std::int64_t*, Mem> ring;
    Kokkos::View<std::uint8_t*, Mem> spiked;
    neuron_id n;
    std::uint32_t slot;
    step_t step;
    double inv_scale;
    int n_currents;

    // A work item covers Lanes neurons. Blocks inside one population (nearly all) share
    // one set of constants and vectorise on the host; others go neuron by neuron.
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t block) const {
        const std::size_t i0 = block * Lanes;
        const std::size_t end = i0 + Lanes < n ? i0 + Lanes : n;
        if (Lanes > 1 && end - i0 == static_cast<std::size_t>(Lanes) && population(end - 1) == population(i0)) {
            const neuron_constants c = constants(population(i0));
            const double i_dc = current(i0);  // DC terms cover whole populations
            if (c.kind == neuron_model_kind::iaf_psc_delta) advance<model_dispatch::psc_delta, Lanes>(i0, c, i_dc);
            else advance<model_dispatch::psc_exp, Lanes>(i0, c, i_dc);
            return;
        }
        for (std::size_t i = i0; i < end; ++i)
            advance<model_dispatch::by_constants, 1>(i, constants(population(i)), current(i));
    }

    // Advances neurons [i0, i0 + Count) of one population. Raw non-aliasing pointers let
    // the host compiler vectorise the loop.
    template <model_dispatch Model, int Count>
    KOKKOS_INLINE_FUNCTION void advance(const std::size_t i0, const neuron_constants& c, const double i_dc) const {
        const std::size_t ex = (static_cast<std::size_t>(slot) * 2) * n + i0;
        double* __restrict__ pv = &v(i0);
        double* __restrict__ pex = &i_ex(i0);
        double* __restrict__ pin = &i_in(i0);
        std::int32_t* __restrict__ pref = &refractory(i0);
        std::int64_t* __restrict__ acc_ex = &ring(ex);
        std::int64_t* __restrict__ acc_in = &ring(ex + n);
        std::uint8_t* __restrict__ pspiked = &spiked(i0);
        SYNAPTOGEN_SIMD
        for (int l = 0; l < Count; ++l) {
            neuron_state st;
            st.v = pv[l];
            st.ex = pex[l];
            st.in = pin[l];
            st.refractory = pref[l];
            neuron_input x;
            x.in_ex = static_cast<double>(acc_ex[l]) * inv_scale;
            x.in_in = static_cast<double>(acc_in[l]) * inv_scale;
            x.i_ext = i_dc;
            bool fired;
            if constexpr (Model == model_dispatch::psc_delta) fired = step_iaf_psc_delta(c, st, x);
            else if constexpr (Model == model_dispatch::psc_exp) fired = step_iaf_psc_exp(c, st, x);
            else fired = step_neuron(c, st, x);
            pv[l] = st.v;
            pex[l] = st.ex;
            pin[l] = st.in;
            pref[l] = st.refractory;
            pspiked[l] = fired ? 1 : 0;
        }
        for (int l = 0; l < Count; ++l) acc_ex[l] = acc_in[l] = 0;
    }

    KOKKOS_INLINE_FUNCTION double current(const std::size_t i) const {
        double i_dc = 0.0;
        for (int k = 0; k < n_currents; ++k) {
            const stimulus_term& s = currents(k);
            if (i >= s.first && i < s.last && step >= s.start && step < s.stop) i_dc += s.amplitude;
        }
        return i_dc;
    }
};

// Reads spiked; writes the ids of spiking neurons to spikes[0, count) in ascending order.
template <class Mem>
struct compact_spikes {
    Kokkos::View<std::uint8_t*, Mem> spiked;
    Kokkos::View<neuron_id*, Mem> spikes;
    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t i, std::uint32_t& offset, const bool final) const {
        if (spiked(i)) {
            if (final) spikes(offset) = static_cast<neuron_id>(i);
            ++offset;
        }
    }
};

// Index of a synapse's ring-buffer cell and its fixed-point weight.
KOKKOS_INLINE_FUNCTION std::size_t ring_index(std::uint32_t word, float w, const packing& pk, neuron_id n,
                                              step_t step, std::uint32_t slot_mask) {
    const neuron_id target = word & pk.target_mask;
    const std::uint32_t delay = word >> pk.target_bits;
    const std::size_t slot = (step + delay) & slot_mask;
    return (slot * 2 + (pk.split_channels && w < 0.0f ? 1 : 0)) * static_cast<std::size_t>(n) + target;
}

KOKKOS_INLINE_FUNCTION std::int64_t to_fixed(float w, double scale) {
    return static_cast<std::int64_t>(static_cast<double>(w) * scale);
}

// What both delivery strategies read and write: the CSR rows (one row map per
// partition), the spike list and the ring buffer, for the current step.
template <class Mem>
struct delivery_target {
    Kokkos::View<edge_index**, Mem> row_map;
    Kokkos::View<neuron_id*, Mem> entries;
    Kokkos::View<float*, Mem> values;
    Kokkos::View<neuron_id*, Mem> spikes;
    Kokkos::View<std::int64_t*, Mem> ring;
    packing pk;
    neuron_id n;
    step_t step;
    std::uint32_t slot_mask;
    double scale;

    KOKKOS_INLINE_FUNCTION std::int64_t& cell(const edge_index e) const {
        return ring(ring_index(entries(e), values(e), pk, n, step, slot_mask));
    }
    KOKKOS_INLINE_FUNCTION std::int64_t amount(const edge_index e) const { return to_fixed(values(e), scale); }
};

// One work item per partition: partition p walks every spike's row restricted to its own
// targets, so no two items write the same cell and plain adds suffice.
template <class Mem>
struct deliver_partitioned {
    delivery_target<Mem> d;
    std::uint32_t n_spikes;

    KOKKOS_INLINE_FUNCTION void operator()(const int p) const {
        for (std::uint32_t k = 0; k < n_spikes; ++k) {
            const neuron_id src = d.spikes(k);
            const edge_index end = d.row_map(p, src + 1);
            for (edge_index e = d.row_map(p, src); e < end; ++e) d.cell(e) += d.amount(e);
        }
    }
};

// One team per spike; its threads share the row and add atomically. Integer atomics keep
// the sum independent of their order.
template <class Mem, class Policy>
struct deliver_atomic {
    delivery_target<Mem> d;

    KOKKOS_INLINE_FUNCTION void operator()(const typename Policy::member_type& team) const {
        const neuron_id src = d.spikes(team.league_rank());
        const edge_index begin = d.row_map(0, src), end = d.row_map(0, src + 1);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, begin, end),
                             [&](const edge_index e) { Kokkos::atomic_add(&d.cell(e), d.amount(e)); });
    }
};

// Samples one state variable of chosen neurons into a device buffer of `capacity` rows;
// drained to the host when full or at the end of a run.
template <class Mem>
struct trace_recorder {
    Kokkos::View<neuron_id*, Mem> ids;
    Kokkos::View<double**, Mem> buffer;
    int variable = 0;      // 0 V_m, 1 I_syn_ex, 2 I_syn_in
    double offset = 0.0;   // E_L for V_m: states hold V relative to E_L
    std::uint32_t every = 1;
    std::size_t capacity = 0;
    std::size_t rows_buffered = 0;
    std::uint64_t rows_drained = 0;

    trace_recorder(const std::vector<neuron_id>& gids, int var, double off, std::uint32_t every_steps)
        : variable(var), offset(off), every(every_steps) {
        ids = Kokkos::View<neuron_id*, Mem>("trace_ids", gids.size());
        auto h = Kokkos::create_mirror_view(ids);
        for (std::size_t j = 0; j < gids.size(); ++j) h(j) = gids[j];
        Kokkos::deep_copy(ids, h);
        capacity = std::max<std::size_t>(1, (1u << 20) / std::max<std::size_t>(1, gids.size()));
        capacity = std::min<std::size_t>(capacity, 4096);
        buffer = Kokkos::View<double**, Mem>("trace_buffer", capacity, gids.size());
    }

    template <class Exec>
    void sample(const Kokkos::View<double*, Mem>& v, const Kokkos::View<double*, Mem>& i_ex,
                const Kokkos::View<double*, Mem>& i_in) {
        auto ids_ = ids;
        auto buf = buffer;
        const std::size_t row = rows_buffered;
        const int var = variable;
        const double off = offset;
        Kokkos::parallel_for("sample_trace", Kokkos::RangePolicy<Exec>(0, ids.extent(0)), KOKKOS_LAMBDA(const std::size_t j) {
            const neuron_id i = ids_(j);
            const double x = var == 0 ? v(i) + off : var == 1 ? i_ex(i) : i_in(i);
            buf(row, j) = x;
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
