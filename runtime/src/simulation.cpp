#include <synaptogen/runtime/simulation.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

#include <Kokkos_Core.hpp>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <synaptogen/graph/random.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>

#include "kernels.hpp"

namespace synaptogen {

const char* to_string(delivery_kind k) {
    switch (k) {
    case delivery_kind::automatic: return "automatic";
    case delivery_kind::partitioned: return "partitioned";
    case delivery_kind::atomic: return "atomic";
    }
    return "?";
}

namespace {

// The backend-independent face of an engine<Exec>.
struct engine_base {
    virtual ~engine_base() = default;
    virtual void run(std::uint64_t n_steps, const run_observer& observer) = 0;
    virtual neuron_state state(neuron_id gid) const = 0;
    step_t step = 0;
    std::uint64_t events = 0;
    std::uint64_t spikes = 0;
    lowering_info info;
};

// Smallest k such that |w| * 2^k stays below 2^40 for every weight: 23 bits of headroom
// for sums within one step and slot, and every float weight is an exact integer.
int fixed_point_bits(double max_abs_weight) {
    if (!(max_abs_weight > 0.0)) return 40;
    int e = 0;
    std::frexp(max_abs_weight, &e);  // max_abs_weight < 2^e
    return std::clamp(40 - e, -60, 200);
}

unsigned bit_width(std::uint64_t x) {
    unsigned b = 0;
    while (x) {
        ++b;
        x >>= 1;
    }
    return b;
}

template <class Exec>
class engine final : public engine_base {
    using mem = typename Exec::memory_space;
    // Neurons per Poisson work item: vector lanes on the host, one per GPU thread.
    static constexpr int lanes = Kokkos::SpaceAccessibility<Kokkos::HostSpace, mem>::accessible ? 16 : 1;
    template <class T>
    using view = Kokkos::View<T, mem>;
    template <class T>
    using host_view = Kokkos::View<T, Kokkos::HostSpace>;

public:
    engine(const network_spec& spec, synapse_table&& table, const run_options& options, const char* name)
        : seed_(spec.simulation.seed), n_(spec.layout.total()) {
        info.backend = name;
        const bool host = Kokkos::SpaceAccessibility<Kokkos::HostSpace, mem>::accessible;
        info.delivery = options.delivery == delivery_kind::automatic
                            ? (host ? delivery_kind::partitioned : delivery_kind::atomic)
                            : options.delivery;
        info.partitions = info.delivery == delivery_kind::partitioned ? std::max(1, Exec().concurrency()) : 1;
        lower_neurons(spec);
        lower_stimuli(spec, table);
        lower_synapses(spec, table);
        lower_records(spec);
    }

    void run(std::uint64_t n_steps, const run_observer& observer) override;
    neuron_state state(neuron_id gid) const override {
        neuron_state s;
        s.v = read(d_v_, gid);
        s.ex = read(d_iex_, gid);
        s.in = read(d_iin_, gid);
        s.refractory = read(d_refractory_, gid);
        return s;
    }

private:
    template <class T>
    static T read(const view<T*>& v, neuron_id i) {
        T out;
        Kokkos::deep_copy(out, Kokkos::subview(v, i));
        return out;
    }

    // The spec is read only while lowering; the engine keeps no reference to it.
    void lower_neurons(const network_spec& spec);
    void lower_stimuli(const network_spec& spec, const synapse_table& table);
    void lower_synapses(const network_spec& spec, synapse_table& table);
    void lower_records(const network_spec& spec);
    void record_traces(step_t s, bool flush, const run_observer& observer);

    std::uint64_t seed_;
    neuron_id n_;
    view<double*> d_v_, d_iex_, d_iin_;
    view<std::int32_t*> d_refractory_;
    view<std::uint16_t*> d_population_;
    view<neuron_constants*> d_constants_;
    std::vector<stimulus_term> poisson_terms_;  // one add_poisson_input launch each per step
    view<stimulus_term*> d_currents_;
    view<std::uint64_t*> d_poisson_tables_;
    view<std::int64_t*> d_ring_;  // [slot][channel][neuron], fixed point
    std::uint32_t slot_mask_ = 0;
    double scale_ = 1.0;          // 2^bits
    view<edge_index**> d_row_map_;  // [partition][source]: offsets into entries/values
    view<neuron_id*> d_entries_;    // target | delay << delay_shift
    view<float*> d_values_;         // weights
    packing pack_;
    view<std::uint8_t*> d_spiked_;
    view<neuron_id*> d_spikes_;
    host_view<neuron_id*> h_spikes_;
    std::vector<std::uint32_t> out_degree_;
    std::vector<bool> record_neuron_;
    std::vector<trace_recorder<mem>> traces_;
};

template <class Exec>
void engine<Exec>::lower_neurons(const network_spec& spec) {
    const std::size_t n_pop = spec.layout.count();
    if (n_pop > 65535) throw internal_error("more than 65535 populations");
    d_v_ = view<double*>("v", n_);
    d_iex_ = view<double*>("i_ex", n_);
    d_iin_ = view<double*>("i_in", n_);
    d_refractory_ = view<std::int32_t*>("refractory", n_);
    d_population_ = view<std::uint16_t*>("population", n_);
    d_constants_ = view<neuron_constants*>("constants", n_pop);
    d_spiked_ = view<std::uint8_t*>("spiked", n_);
    d_spikes_ = view<neuron_id*>("spikes", n_);
    h_spikes_ = host_view<neuron_id*>("spikes_host", n_);

    auto h_v = Kokkos::create_mirror_view(d_v_);
    auto h_iex = Kokkos::create_mirror_view(d_iex_);
    auto h_iin = Kokkos::create_mirror_view(d_iin_);
    auto h_pop = Kokkos::create_mirror_view(d_population_);
    auto h_const = Kokkos::create_mirror_view(d_constants_);
    const double dt = spec.simulation.dt;
    for (std::size_t p = 0; p < n_pop; ++p) {
        const population& pop = spec.layout[p];
        const population_model& m = spec.models[p];
        h_const(p) = make_constants(m.parameters, m.model, dt);
        // Initial values: V_m defaults to E_L, currents to 0; each neuron draws from its own stream.
        tbb::parallel_for(tbb::blocked_range<neuron_id>(pop.first, pop.first + pop.size, 4096), [&](const auto& r) {
            for (neuron_id i = r.begin(); i != r.end(); ++i) {
                h_pop(i) = static_cast<std::uint16_t>(p);
                h_v(i) = 0.0;
                h_iex(i) = 0.0;
                h_iin(i) = 0.0;
                for (std::size_t k = 0; k < m.initial.size(); ++k) {
                    counter_rng rng(spec.simulation.seed, stream_purpose::initial_state, i, static_cast<std::uint32_t>(k));
                    const double x = m.initial[k].value.draw(rng);
                    if (m.initial[k].variable == "V_m") h_v(i) = x - m.parameters.E_L;
                    else if (m.initial[k].variable == "I_syn_ex") h_iex(i) = x;
                    else if (m.initial[k].variable == "I_syn_in") h_iin(i) = x;
                }
            }
        });
    }
    Kokkos::deep_copy(d_v_, h_v);
    Kokkos::deep_copy(d_iex_, h_iex);
    Kokkos::deep_copy(d_iin_, h_iin);
    Kokkos::deep_copy(d_population_, h_pop);
    Kokkos::deep_copy(d_constants_, h_const);
}

template <class Exec>
void engine<Exec>::lower_stimuli(const network_spec& spec, const synapse_table& table) {
    // The fixed-point scale covers every weight that reaches the ring buffer or a neuron.
    double max_w = 0.0;
    for (float w : table.weight) max_w = std::max(max_w, std::fabs(static_cast<double>(w)));
    for (const auto& s : spec.stimuli)
        if (s.kind == stimulus_kind::poisson) max_w = std::max(max_w, std::fabs(s.weight));
    info.fixed_point_bits = fixed_point_bits(max_w);
    scale_ = std::ldexp(1.0, info.fixed_point_bits);

    const double dt = spec.simulation.dt;
    // Times in ms to steps, rounded, saturating at 4e9 (step_t) for open-ended stimuli.
    auto to_step = [dt](double ms) { return static_cast<step_t>(std::min(std::round(ms / dt), 4e9)); };
    std::vector<stimulus_term> currents;
    std::vector<std::uint64_t> tables;
    for (std::size_t k = 0; k < spec.stimuli.size(); ++k) {
        const stimulus_spec& s = spec.stimuli[k];
        const population& pop = spec.layout[s.population];
        stimulus_term t;
        t.poisson = s.kind == stimulus_kind::poisson;
        t.first = pop.first;
        t.last = pop.first + pop.size;
        t.start = to_step(s.start);
        t.stop = to_step(s.stop);  // an open end (1e300 ms) becomes the largest step
        t.lambda = s.rate * 1e-3 * dt * s.sources;
        t.exp_minus_lambda = std::exp(-t.lambda);
        t.weight_fixed = static_cast<std::int64_t>(s.weight * scale_);
        t.channel = s.weight < 0.0 ? 1 : 0;
        t.amplitude = s.amplitude;
        t.key = static_cast<std::uint32_t>(k + 1);
        t.key32 = derive_key32(spec.simulation.seed, stream_purpose::poisson_input, t.key);
        if (t.poisson) {
            const std::vector<std::uint64_t> table = poisson_inversion_table(t.lambda);
            t.table_offset = static_cast<std::uint32_t>(tables.size());
            t.table_size = static_cast<std::uint32_t>(table.size());
            while (t.table_fast < t.table_size && table[t.table_fast] < ~0ull - (~0ull >> 10)) ++t.table_fast;
            t.table_fast = std::min(t.table_fast + 1, t.table_size);
            tables.insert(tables.end(), table.begin(), table.end());
            poisson_terms_.push_back(t);
        } else {
            currents.push_back(t);
        }
    }
    host_view<stimulus_term*> h_currents("currents_host", currents.size());
    std::copy(currents.begin(), currents.end(), h_currents.data());
    d_currents_ = Kokkos::create_mirror_view_and_copy(mem(), h_currents);
    host_view<std::uint64_t*> h_tables("poisson_tables_host", std::max<std::size_t>(1, tables.size()));
    std::copy(tables.begin(), tables.end(), h_tables.data());
    d_poisson_tables_ = Kokkos::create_mirror_view_and_copy(mem(), h_tables);
}

// Packs the host CSR into the device layout: for each partition (a contiguous range of
// targets with about equal in-degree sum) a CSR over all sources, stored one partition
// after another. Targets and delays share 32 bits; weights stay float: 8 bytes a synapse.
template <class Exec>
void engine<Exec>::lower_synapses(const network_spec& spec, synapse_table& table) {
    const int P = info.partitions;
    const edge_index E = table.size();
    info.synapses = E;
    info.max_delay_steps = table.max_delay();
    pack_.target_bits = std::max(1u, bit_width(n_ > 0 ? n_ - 1 : 0));
    const unsigned delay_bits = 32 - pack_.target_bits;
    if (pack_.target_bits > 31 || info.max_delay_steps >= (1ull << delay_bits))
        throw input_error({spec.source_file, 0, "delay"},
                          "a network of " + std::to_string(n_) + " neurons leaves " + std::to_string(delay_bits) +
                              " bits per synapse for delays (at most " + std::to_string((1ull << delay_bits) - 1) +
                              " steps), but a delay of " + std::to_string(info.max_delay_steps) +
                              " steps was requested; expected shorter delays");
    pack_.target_mask = pack_.target_bits >= 32 ? 0xFFFFFFFFu : ((1u << pack_.target_bits) - 1u);
    pack_.split_channels = std::any_of(spec.models.begin(), spec.models.end(),
                                       [](const population_model& m) { return m.model != neuron_model_kind::iaf_psc_delta; });

    std::uint32_t slots = 1;
    while (slots < info.max_delay_steps + 1u) slots <<= 1;
    slot_mask_ = slots - 1;
    d_ring_ = view<std::int64_t*>("ring", static_cast<std::size_t>(slots) * 2 * n_);

    // Partition boundaries by in-degree so each thread delivers a similar share.
    std::vector<neuron_id> bound(P + 1, n_);
    bound[0] = 0;
    {
        const std::vector<edge_index> indeg = table.in_degrees();
        edge_index acc = 0;
        int p = 1;
        for (neuron_id t = 0; t < n_ && p < P; ++t) {
            acc += indeg[t];
            while (p < P && acc * P >= E * static_cast<edge_index>(p)) bound[p++] = t + 1;
        }
    }
    auto part_of = [&](neuron_id t) {
        int p = 0;
        while (t >= bound[p + 1]) ++p;
        return p;
    };

    // count[p][src] -> offsets, then fill; both passes parallel over sources.
    host_view<edge_index**> h_row_map("row_map_host", P, static_cast<std::size_t>(n_) + 1);
    tbb::parallel_for(tbb::blocked_range<neuron_id>(0, n_, 1024), [&](const auto& r) {
        for (neuron_id s = r.begin(); s != r.end(); ++s)
            for (edge_index e = table.row_map[s]; e < table.row_map[s + 1]; ++e) ++h_row_map(part_of(table.target[e]), s + 1);
    });
    edge_index base = 0;
    for (int p = 0; p < P; ++p) {
        h_row_map(p, 0) = base;
        for (neuron_id s = 0; s < n_; ++s) h_row_map(p, s + 1) += h_row_map(p, s);
        base = h_row_map(p, n_);
    }
    host_view<neuron_id*> h_entries("entries_host", E);
    host_view<float*> h_values("values_host", E);
    tbb::parallel_for(tbb::blocked_range<neuron_id>(0, n_, 1024), [&](const auto& r) {
        std::vector<edge_index> at(P);
        for (neuron_id s = r.begin(); s != r.end(); ++s) {
            for (int p = 0; p < P; ++p) at[p] = h_row_map(p, s);
            for (edge_index e = table.row_map[s]; e < table.row_map[s + 1]; ++e) {
                const edge_index k = at[part_of(table.target[e])]++;
                h_entries(k) = table.target[e] | (static_cast<neuron_id>(table.delay[e]) << pack_.target_bits);
                h_values(k) = table.weight[e];
            }
        }
    });
    out_degree_.resize(n_);
    for (neuron_id s = 0; s < n_; ++s) out_degree_[s] = static_cast<std::uint32_t>(table.row_map[s + 1] - table.row_map[s]);
    table = synapse_table();  // release the host copy before the device copies are made

    d_row_map_ = Kokkos::create_mirror_view_and_copy(mem(), h_row_map);
    d_entries_ = Kokkos::create_mirror_view_and_copy(mem(), h_entries);
    d_values_ = Kokkos::create_mirror_view_and_copy(mem(), h_values);
    info.synapse_bytes = d_entries_.span() * sizeof(neuron_id) + d_values_.span() * sizeof(float);
    info.index_bytes = d_row_map_.span() * sizeof(edge_index);
    info.bytes_per_synapse = E > 0 ? static_cast<double>(info.synapse_bytes) / E : 0.0;
}

template <class Exec>
void engine<Exec>::lower_records(const network_spec& spec) {
    record_neuron_.assign(n_, false);
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        if (spec.record_spikes[p]) {
            const population& pop = spec.layout[p];
            std::fill(record_neuron_.begin() + pop.first, record_neuron_.begin() + pop.first + pop.size, true);
        }
    for (const auto& t : spec.traces) {
        const population& pop = spec.layout[t.population];
        std::vector<neuron_id> gids;
        for (neuron_id local : t.neurons) gids.push_back(pop.first + local);
        const int variable = t.variable == "V_m" ? 0 : t.variable == "I_syn_ex" ? 1 : 2;
        const double offset = variable == 0 ? spec.models[t.population].parameters.E_L : 0.0;
        traces_.emplace_back(gids, variable, offset, t.every);
    }
}

template <class Exec>
void engine<Exec>::record_traces(step_t s, bool flush, const run_observer& observer) {
    for (std::size_t r = 0; r < traces_.size(); ++r) {
        auto& t = traces_[r];
        if (!flush && s % t.every == 0) t.template sample<Exec>(d_v_, d_iex_, d_iin_);
        if (t.rows_buffered > 0 && (flush || t.rows_buffered == t.capacity)) {
            trace_batch batch = t.drain();
            batch.record = r;
            if (observer.on_traces) observer.on_traces(std::move(batch));
        }
    }
}

template <class Exec>
void engine<Exec>::run(std::uint64_t n_steps, const run_observer& observer) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    auto last_report = t0;
    const step_t end = static_cast<step_t>(step + n_steps);
    spike_batch batch;
    auto flush_spikes = [&] {
        if (batch.size() > 0 && observer.on_spikes) observer.on_spikes(std::move(batch));
        batch = spike_batch();
    };

    for (; step < end; ++step) {
        for (const stimulus_term& t : poisson_terms_) {
            if (step < t.start || step >= t.stop) continue;
            const std::size_t offset = (static_cast<std::size_t>(step & slot_mask_) * 2 + t.channel) * n_;
            const std::size_t blocks = (t.last - t.first + lanes - 1) / lanes;
            Kokkos::parallel_for("add_poisson_input", Kokkos::RangePolicy<Exec>(0, blocks),
                                 add_poisson_input<mem, lanes>{d_poisson_tables_, d_ring_, t, offset, step,
                                                               seed_});
        }
        update_neurons<mem, lanes> update{d_v_, d_iex_, d_iin_, d_refractory_, d_population_, d_constants_,
                                   d_currents_, d_ring_, d_spiked_, n_, step & slot_mask_, step,
                                   1.0 / scale_, static_cast<int>(d_currents_.extent(0))};
        Kokkos::parallel_for("update_neurons", Kokkos::RangePolicy<Exec>(0, (n_ + lanes - 1) / lanes), update);

        std::uint32_t n_spikes = 0;
        Kokkos::parallel_scan("compact_spikes", Kokkos::RangePolicy<Exec>(0, n_),
                              compact_spikes<mem>{d_spiked_, d_spikes_}, n_spikes);
        if (n_spikes > 0) {
            const delivery_target<mem> target{d_row_map_, d_entries_, d_values_, d_spikes_, d_ring_, pack_,
                                              n_, step, slot_mask_, scale_};
            if (info.delivery == delivery_kind::partitioned)
                Kokkos::parallel_for("deliver_partitioned", Kokkos::RangePolicy<Exec>(0, info.partitions),
                                     deliver_partitioned<mem>{target, n_spikes});
            else
                Kokkos::parallel_for("deliver_atomic", Kokkos::TeamPolicy<Exec>(n_spikes, Kokkos::AUTO),
                                     deliver_atomic<mem, Kokkos::TeamPolicy<Exec>>{target});
            Kokkos::deep_copy(Kokkos::subview(h_spikes_, std::make_pair(0u, n_spikes)),
                              Kokkos::subview(d_spikes_, std::make_pair(0u, n_spikes)));
            spikes += n_spikes;
            for (std::uint32_t k = 0; k < n_spikes; ++k) {
                const neuron_id i = h_spikes_(k);
                events += out_degree_[i];
                if (record_neuron_[i]) {
                    batch.step.push_back(step);
                    batch.neuron.push_back(i);
                }
            }
            if (batch.size() >= (1u << 16)) flush_spikes();
        }
        if (!traces_.empty()) record_traces(step, false, observer);

        if ((step & 63) == 63 && observer.should_stop && observer.should_stop()) {
            ++step;
            break;
        }
        if (observer.on_progress && (step & 63) == 0) {
            const auto now = clock::now();
            if (now - last_report > std::chrono::milliseconds(500)) {
                last_report = now;
                observer.on_progress({step, end, std::chrono::duration<double>(now - t0).count()});
            }
        }
    }
    Kokkos::fence();
    flush_spikes();
    record_traces(step, true, observer);
    if (observer.on_progress)
        observer.on_progress({step, end, std::chrono::duration<double>(clock::now() - t0).count()});
}

}  // namespace

struct simulation::impl {
    std::unique_ptr<engine_base> engine;
};

simulation::simulation(const network_spec& spec, synapse_table synapses, const run_options& options)
    : impl_(std::make_unique<impl>()) {
    const auto backends = available_backends();
    const std::string backend = options.backend.empty() ? backends.front() : options.backend;
#ifdef KOKKOS_ENABLE_OPENMP
    if (backend == "openmp") {
        impl_->engine = std::make_unique<engine<Kokkos::OpenMP>>(spec, std::move(synapses), options, "openmp");
        return;
    }
#endif
#ifdef KOKKOS_ENABLE_SERIAL
    if (backend == "serial") {
        impl_->engine = std::make_unique<engine<Kokkos::Serial>>(spec, std::move(synapses), options, "serial");
        return;
    }
#endif
    std::string names;
    for (const auto& b : backends) names += (names.empty() ? "" : ", ") + b;
    throw input_error({spec.source_file, 0, "backend"}, "unknown backend '" + backend + "'; expected one of: " + names);
}

simulation::~simulation() = default;
void simulation::run(std::uint64_t n_steps, const run_observer& observer) { impl_->engine->run(n_steps, observer); }
step_t simulation::current_step() const { return impl_->engine->step; }
std::uint64_t simulation::delivered_events() const { return impl_->engine->events; }
std::uint64_t simulation::spike_count() const { return impl_->engine->spikes; }
const lowering_info& simulation::info() const { return impl_->engine->info; }
neuron_state simulation::state(neuron_id gid) const { return impl_->engine->state(gid); }

}  // namespace synaptogen
