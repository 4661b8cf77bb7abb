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
};

// Target and delay in one 32-bit word: target in the low target_bits, delay above.
struct packing {
    unsigned target_bits = 32;
    std::uint32_t target_mask = 0xFFFFFFFFu;
};

// Reads: ring slot `slot` (then zeroes it), stimuli, state. Writes: state, spiked(i).
// Each neuron is independent: no ordering between iterations is needed.
template <class Mem>
struct update_neurons {
    Kokkos::View<double*, Mem> v, i_ex, i_in;
    Kokkos::View<std::int32_t*, Mem> refractory;
    Kokkos::View<std::uint16_t*, Mem> population;
    Kokkos::View<neuron_constants*, Mem> constants;
    Kokkos::View<stimulus_term*, Mem> stimuli;
    Kokkos::View<std::uint64_t*, Mem> poisson_tables;
    Kokkos::View<std::int64_t*, Mem> ring;
    Kokkos::View<std::uint8_t*, Mem> spiked;
    neuron_id n;
    std::uint32_t slot;
    step_t step;
    std::uint64_t seed;
    double inv_scale;
    int n_stimuli;

    KOKKOS_INLINE_FUNCTION void operator()(const std::size_t i) const {
        const std::size_t ex = (static_cast<std::size_t>(slot) * 2) * n + i;
        const std::size_t in = ex + n;
        std::int64_t acc[2] = {ring(ex), ring(in)};
        ring(ex) = 0;
        ring(in) = 0;
        double i_dc = 0.0;
        for (int k = 0; k < n_stimuli; ++k) {
            const stimulus_term& s = stimuli(k);
            if (i < s.first || i >= s.last || step < s.start || step >= s.stop) continue;
            if (s.poisson) {
                std::uint32_t count;
                if (s.table_size > 0) {
                    count = poisson_from_table(random_bits64(s.key32, static_cast<std::uint32_t>(i), step),
                                               &poisson_tables(s.table_offset), s.table_size);
                } else {
                    counter_rng rng(seed, stream_purpose::poisson_input, static_cast<std::uint32_t>(i), step, s.key);
                    count = poisson(rng, s.lambda, s.exp_minus_lambda);
                }
                acc[s.channel] += static_cast<std::int64_t>(count) * s.weight_fixed;
            } else {
                i_dc += s.amplitude;
            }
        }
        neuron_state st{v(i), i_ex(i), i_in(i), refractory(i)};
        const bool fired = step_neuron(constants(population(i)), st, static_cast<double>(acc[0]) * inv_scale,
                                       static_cast<double>(acc[1]) * inv_scale, i_dc);
        v(i) = st.v;
        i_ex(i) = st.i_ex;
        i_in(i) = st.i_in;
        refractory(i) = st.refractory;
        spiked(i) = fired ? 1 : 0;
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
    return (slot * 2 + (w < 0.0f ? 1 : 0)) * static_cast<std::size_t>(n) + target;
}

KOKKOS_INLINE_FUNCTION std::int64_t to_fixed(float w, double scale) {
    return static_cast<std::int64_t>(static_cast<double>(w) * scale);
}

// One work item per partition: partition p walks every spike's row restricted to its own
// targets, so no two items write the same cell and plain adds suffice.
template <class Mem>
struct deliver_partitioned {
    Kokkos::View<edge_index**, Mem> row_map;
    Kokkos::View<neuron_id*, Mem> entries;
    Kokkos::View<float*, Mem> values;
    Kokkos::View<neuron_id*, Mem> spikes;
    Kokkos::View<std::int64_t*, Mem> ring;
    packing pk;
    std::uint32_t n_spikes;
    neuron_id n;
    step_t step;
    std::uint32_t slot_mask;
    double scale;

    KOKKOS_INLINE_FUNCTION void operator()(const int p) const {
        for (std::uint32_t k = 0; k < n_spikes; ++k) {
            const neuron_id src = spikes(k);
            const edge_index end = row_map(p, src + 1);
            for (edge_index e = row_map(p, src); e < end; ++e) {
                const float w = values(e);
                ring(ring_index(entries(e), w, pk, n, step, slot_mask)) += to_fixed(w, scale);
            }
        }
    }
};

// One team per spike; its threads share the row and add atomically. Integer atomics keep
// the sum independent of their order.
template <class Mem, class Policy>
struct deliver_atomic {
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

    KOKKOS_INLINE_FUNCTION void operator()(const typename Policy::member_type& team) const {
        const neuron_id src = spikes(team.league_rank());
        const edge_index begin = row_map(0, src), end = row_map(0, src + 1);
        Kokkos::parallel_for(Kokkos::TeamThreadRange(team, begin, end), [&](const edge_index e) {
            const float w = values(e);
            Kokkos::atomic_add(&ring(ring_index(entries(e), w, pk, n, step, slot_mask)), to_fixed(w, scale));
        });
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
