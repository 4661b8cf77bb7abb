#include <synaptogen/runtime/simulation.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <cmath>

#include <Kokkos_Core.hpp>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <synaptogen/graph/random.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>
#include <synaptogen/runtime/ranks.hpp>

#include "kernels.hpp"
#include "synapse_packing.hpp"
#include <synaptogen/runtime/thread_width.hpp>

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
    virtual double synapse_weight(std::size_t projection, neuron_id source, neuron_id target) const = 0;
    virtual simulation_state save_state() const = 0;
    virtual void restore_state(const simulation_state& s) = 0;
    step_t step = 0;
    std::uint64_t events = 0;
    std::uint64_t spikes = 0;
    std::uint64_t steps_on_one_thread = 0;  // of a multi-threaded host run (thread_width.hpp)
    lowering_info info;
};

// Smallest k such that |w| * 2^k stays below 2^40 for every weight: 23 bits of headroom
// for sums within one step and slot. Weights within 2^-16 of the largest are exact
// integers; smaller ones are truncated to 2^-k (reported by validate as the resolution).
int fixed_point_bits(double max_abs_weight) {
    if (!(max_abs_weight > 0.0)) return 40;
    int e = 0;
    std::frexp(max_abs_weight, &e);  // max_abs_weight < 2^e
    return std::clamp(40 - e, -60, 200);
}

// Times in ms to steps, rounded, saturating at 4e9 (step_t) for open-ended stimuli.
step_t time_to_step(double ms, double dt) { return static_cast<step_t>(std::min(std::round(ms / dt), 4e9)); }

unsigned bit_width(std::uint64_t x) {
    unsigned b = 0;
    while (x) {
        ++b;
        x >>= 1;
    }
    return b;
}

std::uint64_t fnv1a(std::uint64_t h, std::uint64_t x) {
    for (int b = 0; b < 8; ++b) {
        h ^= (x >> (8 * b)) & 0xFF;
        h *= 1099511628211ull;
    }
    return h;
}

template <class Exec>
class engine final : public engine_base {
    using mem = typename Exec::memory_space;
    // Neurons per work item: vector lanes on the host, one per GPU thread.
    static constexpr int lanes = Kokkos::SpaceAccessibility<Kokkos::HostSpace, mem>::accessible ? 16 : 1;
    // Row-major on every backend: host copies are filled through data() in that order, and
    // [slot][neuron] keeps a slot's neurons contiguous (coalesced on a GPU).
    template <class T>
    using view = Kokkos::View<T, Kokkos::LayoutRight, mem>;
    template <class T>
    using host_view = Kokkos::View<T, Kokkos::LayoutRight, Kokkos::HostSpace>;

public:
    engine(const network_spec& spec, synapse_parts&& parts, const run_options& options, const char* name)
        : seed_(spec.simulation.seed), n_(spec.layout.total()) {
        info.backend = name;
        const bool host = Kokkos::SpaceAccessibility<Kokkos::HostSpace, mem>::accessible;
        info.delivery = options.delivery == delivery_kind::automatic
                            ? (host ? delivery_kind::partitioned : delivery_kind::atomic)
                            : options.delivery;
        // A partition per thread: on a GPU that would be a row map per thread (gigabytes).
        if (!host && info.delivery == delivery_kind::partitioned)
            throw input_error({spec.source_file, 0, "--delivery"},
                              std::string("partitioned delivery is for host backends; the ") + name +
                                  " backend delivers atomically (expected --delivery atomic or auto)");
        info.partitions = info.delivery == delivery_kind::partitioned ? std::max(1, Exec().concurrency()) : 1;
        width_ = can_narrow && Exec().concurrency() > 1 ? options.width : thread_use::all;
        if (options.distributed && ranks::world().distributed()) {
            ranks_ = &ranks::world();
            check_distributable(spec);
            bounds_ = rank_bounds(spec, ranks_->size(), options.partition);
            lo_ = bounds_[ranks_->rank()];
            hi_ = bounds_[ranks_->rank() + 1];
            info.rank = ranks_->rank();
            info.ranks = ranks_->size();
        } else {
            bounds_ = {0, n_};
        }
        info.owned = {lo_, hi_};
        for (const auto& p : spec.projections) {
            projection_source_.push_back(p.source);
            projection_target_.push_back(p.target);
        }
        lower_neurons(spec);
        packing_plan plan = plan_packing(parts, info.partitions);
        synapse_table plastic = build_plastic(spec);
        double max_w = 0.0;  // of the plastic store (packing completes the static store's)
        for (float w : plastic.weight) max_w = std::max(max_w, std::fabs(static_cast<double>(w)));
        for (std::size_t k = 0; k < spec.projections.size(); ++k)
            if (projection_kind(spec, k) == synapse_kind::stdp)
                max_w = std::max({max_w, std::fabs(spec.synapses[k].stdp.w_min), std::fabs(spec.synapses[k].stdp.w_max)});
        lower_synapses(spec, parts, plan, plastic);
        lower_stimuli(spec, std::max(max_w, plan.max_abs_weight));
        lower_couplings(spec);
        lower_schedules(spec);
        lower_records(spec);
        const edge_index all_synapses = ranks_ ? ranks_->sum(info.synapses) : info.synapses;
        fingerprint_ = fnv1a(fnv1a(fnv1a(fnv1a(fnv1a(1469598103934665603ull, n_), all_synapses), info.plastic_synapses),
                                   info.couplings),
                             static_cast<std::uint64_t>(info.fixed_point_bits) ^ (std::uint64_t(slot_mask_) << 32) ^
                                 (seed_ << 8));
    }

    void run(std::uint64_t n_steps, const run_observer& observer) override;
    neuron_state state(neuron_id gid) const override {
        // One value per slot: a column of the row-major state is strided, and Kokkos cannot
        // copy a strided view between device and host.
        neuron_state s;
        for (int k = 0; k < state_slots; ++k)
            Kokkos::deep_copy(slot_ref(s, static_cast<state_slot>(k)), Kokkos::subview(d_state_, k, gid));
        Kokkos::deep_copy(s.refractory, Kokkos::subview(d_refractory_, gid));
        return s;
    }
    double synapse_weight(std::size_t projection, neuron_id source, neuron_id target) const override;
    simulation_state save_state() const override;
    void restore_state(const simulation_state& s) override;

private:
    // The spec is read only while lowering; the engine keeps no reference to it.
    void lower_neurons(const network_spec& spec);
    synapse_table build_plastic(const network_spec& spec);
    void lower_stimuli(const network_spec& spec, double max_weight);
    void lower_synapses(const network_spec& spec, synapse_parts& parts, packing_plan& plan, synapse_table& plastic);
    void lower_couplings(const network_spec& spec);
    void lower_schedules(const network_spec& spec);
    void lower_records(const network_spec& spec);
    void record_traces(step_t s, bool flush, const run_observer& observer);
    template <bool Plastic>
    void deliver(const synapse_store<mem>& store, std::size_t slot, step_t at);
    void drain_spikes(spike_batch& batch);
    // The waiting steps' spikes on the host: offsets (batch_fill_ + 1 of them) and ids.
    std::pair<host_view<std::size_t*>, host_view<neuron_id*>> fetch_batch() const;
    // Accounts for step s's spikes [first, last): their synaptic events (into `event_count`)
    // and, if `record`, the recorded ones into `batch`.
    void account(step_t s, const neuron_id* first, const neuron_id* last, std::uint64_t& event_count, bool record,
                 spike_batch& batch) const;
    void deliver_history(const view<std::int64_t*>& ring, std::uint32_t ring_mask, bool flush) const;
    // Distributed runs (ranks_ set): the refusals, the spike exchange at the end of each
    // window of exchange_steps steps, and state gathered from the neurons' owners.
    void check_distributable(const network_spec& spec) const;
    bool exchange_spikes(spike_batch& batch, bool stop);
    int owner(neuron_id i) const {
        return static_cast<int>(std::upper_bound(bounds_.begin(), bounds_.end(), i) - bounds_.begin()) - 1;
    }
    template <class T>
    void gather_owned(std::vector<T>& values, std::size_t rows) const;

    // Kernel launches of the step loop. A multi-threaded host run may take a window of
    // steps on one thread (thread_width.hpp): the same kernels on Serial, the same bits.
#if defined(KOKKOS_ENABLE_OPENMP) && defined(KOKKOS_ENABLE_SERIAL)
    static constexpr bool can_narrow = std::is_same_v<Exec, Kokkos::OpenMP>;
    using narrow_exec = Kokkos::Serial;
#else
    static constexpr bool can_narrow = false;
    using narrow_exec = Exec;
#endif
    thread_use width_ = thread_use::all;
    thread_width tuner_;
    static constexpr std::uint32_t alternating_window = 7;  // steps (thread_use::alternating)
    bool narrow_ = false;  // this window runs on one thread
    template <class E>
    struct exec_tag {
        using type = E;
    };
    // Calls launch(exec_tag<E>) with this window's execution space E: Exec, or Serial while
    // the run is on one thread.
    template <class Launch>
    void on_current_width(const Launch& launch) const {
        if constexpr (can_narrow)
            if (narrow_) return launch(exec_tag<narrow_exec>());
        launch(exec_tag<Exec>());
    }
    template <class F>
    void for_range(const char* name, std::size_t n, const F& f) const {
        for_span(name, 0, n, f);
    }
    template <class F>
    void for_span(const char* name, std::size_t first, std::size_t last, const F& f) const {
        on_current_width([&](auto tag) {
            Kokkos::parallel_for(name, Kokkos::RangePolicy<typename decltype(tag)::type>(first, last), f);
        });
    }
    // The update blocks of this rank's neurons (bounds are multiples of 64 but the last).
    std::size_t first_block() const { return lo_ / lanes; }
    std::size_t last_block() const { return (hi_ + lanes - 1) / lanes; }
    void check_delays(const network_spec& spec, std::uint32_t max_delay) const;

    std::uint64_t seed_;
    neuron_id n_;
    const ranks* ranks_ = nullptr;       // set in distributed runs
    std::vector<neuron_id> bounds_;      // rank r owns [bounds_[r], bounds_[r + 1])
    neuron_id lo_ = 0, hi_ = n_;         // this rank's neurons
    std::uint64_t local_events_ = 0;     // synaptic events not yet summed over ranks
    std::vector<std::vector<neuron_id>> trace_neurons_;  // neuron of each column, per trace record
    std::uint64_t fingerprint_ = 0;
    view<double**> d_state_;  // [slot][neuron]
    view<std::int32_t*> d_refractory_;
    view<std::uint32_t*> d_group_;         // neuron -> parameter group (index into d_constants_)
    view<std::uint32_t*> d_block_group_;   // update block -> its group, or mixed_group
    view<neuron_constants*> d_constants_;  // per parameter group
    std::vector<stimulus_term> poisson_terms_;  // one add_poisson_input launch each per step
    view<stimulus_term*> d_currents_;
    view<double*> d_schedule_;                  // step currents: (step, value) pairs
    view<std::uint64_t*> d_poisson_tables_;
    view<std::int64_t*> d_ring_;  // [slot][channel][neuron], fixed point
    std::uint32_t slot_mask_ = 0;  // delay slots - 1: the ring's size in checkpoints
    std::uint32_t live_mask_ = 0;  // slots of d_ring_ - 1 (0 with arrival-time delivery)
    view<std::int64_t*> d_pending_;  // after a restore with arrival-time delivery: input still due, in ring form
    step_t pending_until_ = 0;
    double scale_ = 1.0;          // 2^bits
    synapse_store<mem> static_, plastic_;
    std::vector<std::size_t> plastic_rule_of_;  // projection -> STDP rule index (or npos)
    std::vector<std::uint16_t> plastic_tags_;   // rule per plastic synapse, while lowering
    // Device index of each plastic synapse in the order of the host table (by source, then
    // projection, then generation order): checkpoints store weights in this order, which
    // does not depend on the thread count or delivery strategy.
    std::vector<edge_index> plastic_position_;
    std::vector<std::size_t> projection_source_, projection_target_;
    std::vector<neuron_id> pop_first_;

    // Finds plastic synapses by (projection, local source, local target) on a host copy of
    // the plastic store: for weight records and synapse_weight().
    static constexpr edge_index no_synapse = ~edge_index(0);
    struct plastic_lookup {
        const engine& e;
        host_view<edge_index**> rows;
        host_view<neuron_id*> entries;
        host_view<std::uint16_t*> rule;
        explicit plastic_lookup(const engine& eng)
            : e(eng),
              rows(Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), eng.plastic_.row_map)),
              entries(Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), eng.plastic_.entries)),
              rule(Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), eng.plastic_.rule)) {}
        // The first matching synapse, or no_synapse (also for a projection that is not plastic).
        edge_index find(std::size_t projection, neuron_id source, neuron_id target) const {
            if (projection >= e.plastic_rule_of_.size() || e.plastic_rule_of_[projection] == static_cast<std::size_t>(-1))
                return no_synapse;
            const std::size_t r = e.plastic_rule_of_[projection];
            const neuron_id s = source + e.pop_first_[e.projection_source_[projection]];
            const neuron_id g = target + e.pop_first_[e.projection_target_[projection]];
            for (int p = 0; p < e.info.partitions; ++p)
                for (edge_index k = rows(p, s); k < rows(p, s + 1); ++k)
                    if ((entries(k) & e.pack_.target_mask) == g && rule(k) == r) return k;
            return no_synapse;
        }
    };
    packing pack_;
    // Continuous couplings, CSR by target.
    view<edge_index*> d_coupling_rows_;
    view<neuron_id*> d_coupling_sources_;
    view<float*> d_coupling_weights_;
    view<std::uint16_t*> d_coupling_kinds_;
    view<coupling_kind_params*> d_coupling_params_;
    view<double*> d_i_ext_, d_g_ext_;
    view<double**> d_coupling_outputs_;          // coupling_outputs: [row][neuron]
    view<double*> d_V_half_, d_inv_V_slope_;     // [activation]
    bool external_input_ = false;
    // Spike sources: (step, neuron) sorted by step; the device holds the neurons.
    std::vector<step_t> schedule_steps_;
    view<neuron_id*> d_schedule_neurons_;
    view<std::uint8_t*> d_spiked_;
    view<neuron_id*> d_spikes_;  // this step's spikes: a row of d_history_
    // Spikes leave the device in batches of up to batch_steps_ steps, not every step: the
    // step loop runs without a host round trip. Step first_batch_step_ + k spiked
    // batch_spikes[offsets(k), offsets(k + 1)); batch_fill_ steps are waiting.
    view<neuron_id*> d_batch_spikes_;
    view<std::size_t*> d_batch_offsets_;
    std::uint32_t batch_steps_ = 1, batch_fill_ = 0;
    step_t first_batch_step_ = 0;
    // Arrival-time delivery of static synapses (deliver_arrivals): the spikes of the last
    // history_mask + 1 steps, their counts, and where each delay begins in each row. With
    // emission-time delivery the history has one row.
    view<neuron_id*> d_history_;
    view<std::uint32_t*> d_history_count_;
    std::uint32_t history_mask_ = 0, d_min_ = 1, d_max_ = 1;
    view<std::uint32_t*> d_group_start_;
    std::vector<std::uint32_t> out_degree_;
    std::vector<bool> record_neuron_;
    std::vector<trace_recorder<mem>> traces_;
};

template <class Exec>
void engine<Exec>::lower_neurons(const network_spec& spec) {
    const std::size_t n_pop = spec.layout.count();
    const double dt = spec.simulation.dt;
    d_state_ = view<double**>("state", state_slots, n_);
    d_refractory_ = view<std::int32_t*>("refractory", n_);
    d_group_ = view<std::uint32_t*>("parameter_group", n_);
    d_spiked_ = view<std::uint8_t*>("spiked", n_);

    // Parameter groups: a homogeneous population is one group; a population with varied
    // parameters has one group per distinct set (a SONATA node type, or each neuron when
    // drawn from a distribution).
    std::vector<neuron_constants> constants;
    std::vector<neuron_state> group_rest;  // the resting state of each group
    auto h_state = Kokkos::create_mirror_view(d_state_);
    auto h_group = Kokkos::create_mirror_view(d_group_);
    for (std::size_t p = 0; p < n_pop; ++p) {
        const population& pop = spec.layout[p];
        pop_first_.push_back(pop.first);
        const population_model& m = spec.models[p];
        check_neuron_parameters(m, pop.name, pop.first, pop.size, spec.simulation.seed, dt);
        const std::uint32_t key32 =
            derive_key32(spec.simulation.seed, stream_purpose::poisson_source, static_cast<std::uint32_t>(p));
        auto add_group = [&](const neuron_parameters& params, neuron_model_kind kind) {
            neuron_constants c = make_constants(params, kind, dt);
            c.key32 = key32;
            constants.push_back(c);
            group_rest.push_back(resting_state(params, kind));
            return static_cast<std::uint32_t>(constants.size() - 1);
        };
        const bool mixed = !m.neuron_models.empty();
        if (m.varied.empty() && !mixed) {
            const std::uint32_t g = add_group(m.parameters, m.model);
            for (neuron_id i = pop.first; i < pop.first + pop.size; ++i) h_group(i) = g;
        } else if (draws_parameters(m)) {
            // Drawn values: every neuron its own group (two equal draws are not worth a search).
            for (neuron_id local = 0; local < pop.size; ++local)
                h_group(pop.first + local) =
                    add_group(parameters_of(m, local, pop.first + local, spec.simulation.seed), model_of(m, local));
        } else {
            std::map<std::vector<double>, std::uint32_t> groups;  // by the model and the given values
            std::vector<double> key(m.varied.size() + 1);
            for (neuron_id local = 0; local < pop.size; ++local) {
                const neuron_parameters params = parameters_of(m, local, pop.first + local, spec.simulation.seed);
                const neuron_model_kind kind = model_of(m, local);
                key[0] = static_cast<double>(kind);
                for (std::size_t k = 0; k < m.varied.size(); ++k)
                    if (!get_parameter(params, kind, m.varied[k].parameter, key[k + 1])) key[k + 1] = 0.0;
                auto found = groups.find(key);
                if (found == groups.end()) found = groups.emplace(key, add_group(params, kind)).first;
                h_group(pop.first + local) = found->second;
            }
        }
        if (constants.size() > std::numeric_limits<std::uint32_t>::max())
            throw internal_error("more than 2^32 parameter groups");

        // The slot of each initial value for each model of the population; a mixed
        // population's model may lack a variable its other models have (it is left alone).
        const auto kinds = models_in(m);
        std::map<neuron_model_kind, std::vector<std::optional<state_slot>>> slots;
        for (const auto kind : kinds) {
            slots[kind];  // every model has an entry, also without initial values
            for (const auto& init : m.initial) {
                state_slot slot;
                slots[kind].push_back(find_state_variable(kind, init.variable, slot) ? std::optional(slot) : std::nullopt);
            }
        }
        for (std::size_t k = 0; k < m.initial.size(); ++k)
            if (std::none_of(kinds.begin(), kinds.end(), [&](neuron_model_kind kind) { return slots[kind][k].has_value(); }))
                throw input_error(m.origin, "the model has no state variable '" + m.initial[k].variable + "'");
        // Each neuron starts at its own rest and draws its initial values from its own stream.
        tbb::parallel_for(tbb::blocked_range<neuron_id>(pop.first, pop.first + pop.size, 4096), [&](const auto& r) {
            for (neuron_id i = r.begin(); i != r.end(); ++i) {
                const std::uint32_t g = h_group(i);
                neuron_state s = group_rest[g];
                const auto& slot_of = slots.at(constants[g].kind);
                for (std::size_t k = 0; k < m.initial.size(); ++k) {
                    counter_rng rng(spec.simulation.seed, stream_purpose::initial_state, i, static_cast<std::uint32_t>(k));
                    const auto& given = m.initial[k].values;
                    const double x = given.empty() ? m.initial[k].value.draw(rng) : given.at(i - pop.first);
                    if (std::isnan(x) || !slot_of[k]) continue;  // a node given no value starts at its rest
                    slot_ref(s, *slot_of[k]) = relative_to_e_l(*slot_of[k]) ? x - constants[g].e_l : x;
                }
                for (int k = 0; k < state_slots; ++k) h_state(k, i) = slot_ref(s, static_cast<state_slot>(k));
            }
        });
    }
    d_constants_ = view<neuron_constants*>("constants", constants.size());
    auto h_const = Kokkos::create_mirror_view(d_constants_);
    for (std::size_t g = 0; g < constants.size(); ++g) h_const(g) = constants[g];
    // The group of each block of `lanes` neurons the update kernel takes as one work item,
    // or mixed_group: only uniform blocks take the vectorised path.
    d_block_group_ = view<std::uint32_t*>("block_group", (n_ + lanes - 1) / lanes);
    auto h_block = Kokkos::create_mirror_view(d_block_group_);
    for (std::size_t b = 0; b < h_block.extent(0); ++b) {
        const std::size_t first = b * lanes, last = std::min<std::size_t>(first + lanes, n_);
        h_block(b) = h_group(first);
        for (std::size_t i = first + 1; i < last; ++i)
            if (h_group(i) != h_block(b)) h_block(b) = mixed_group;
    }
    info.parameter_groups = constants.size();
    Kokkos::deep_copy(d_state_, h_state);
    Kokkos::deep_copy(d_group_, h_group);
    Kokkos::deep_copy(d_constants_, h_const);
    Kokkos::deep_copy(d_block_group_, h_block);
}

// The STDP projections, built one by one and merged, each synapse tagged with its rule.
template <class Exec>
synapse_table engine<Exec>::build_plastic(const network_spec& spec) {
    std::vector<synapse_table> parts;
    plastic_rule_of_.assign(spec.projections.size(), static_cast<std::size_t>(-1));
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        if (projection_kind(spec, k) != synapse_kind::stdp) continue;
        std::vector<bool> only(spec.projections.size(), false);
        only[k] = true;
        plastic_rule_of_[k] = parts.size();
        parts.push_back(build_synapses(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt, only));
    }
    if (parts.size() > 65535) throw internal_error("more than 65535 plastic projections");
    std::vector<std::uint16_t> tags;
    synapse_table merged = merge_tables(parts, n_, tags);
    plastic_tags_ = std::move(tags);
    return merged;
}

template <class Exec>
void engine<Exec>::lower_stimuli(const network_spec& spec, double max_w) {
    // The fixed-point scale covers every weight that reaches the ring buffer.
    for (const auto& s : spec.stimuli)
        if (s.kind == stimulus_kind::poisson) max_w = std::max(max_w, std::fabs(s.weight));
    info.fixed_point_bits = fixed_point_bits(max_w);
    scale_ = std::ldexp(1.0, info.fixed_point_bits);

    const double dt = spec.simulation.dt;
    std::vector<stimulus_term> currents;
    std::vector<std::uint64_t> tables;
    std::vector<double> schedule;
    for (std::size_t k = 0; k < spec.stimuli.size(); ++k) {
        const stimulus_spec& s = spec.stimuli[k];
        const population& pop = spec.layout[s.population];
        stimulus_term t;
        t.kind = s.kind;
        t.first = pop.first;
        t.last = pop.first + pop.size;
        // A chosen set of neurons becomes one term per run of consecutive ids (same key:
        // the random streams are per neuron, so the split changes no draw).
        std::vector<std::pair<neuron_id, neuron_id>> runs;
        for (neuron_id i : s.neurons) {
            if (!runs.empty() && runs.back().second == pop.first + i) ++runs.back().second;
            else runs.emplace_back(pop.first + i, pop.first + i + 1);
        }
        if (runs.empty()) runs.emplace_back(t.first, t.last);
        // Only this rank's neurons (all in a single process).
        auto add_runs = [&runs, this](stimulus_term term, std::vector<stimulus_term>& to) {
            for (const auto& [first, last] : runs) {
                term.first = std::max(first, lo_);
                term.last = std::min(last, hi_);
                if (term.first < term.last) to.push_back(term);
            }
        };
        t.start = time_to_step(s.start, dt);
        t.stop = time_to_step(s.stop, dt);  // an open end (1e300 ms) becomes the largest step
        t.key = static_cast<std::uint32_t>(k + 1);
        if (s.kind == stimulus_kind::poisson) {
            t.lambda = s.rate * 1e-3 * dt * s.sources;
            t.exp_minus_lambda = std::exp(-t.lambda);
            t.weight_fixed = static_cast<std::int64_t>(s.weight * scale_);
            t.channel = s.weight < 0.0 ? 1 : 0;
            t.key32 = derive_key32(spec.simulation.seed, stream_purpose::poisson_input, t.key);
            const std::vector<std::uint64_t> table = poisson_inversion_table(t.lambda);
            t.table_offset = static_cast<std::uint32_t>(tables.size());
            t.table_size = static_cast<std::uint32_t>(table.size());
            while (t.table_fast < t.table_size && table[t.table_fast] < ~0ull - (~0ull >> 10)) ++t.table_fast;
            t.table_fast = std::min(t.table_fast + 1, t.table_size);
            tables.insert(tables.end(), table.begin(), table.end());
            add_runs(t, poisson_terms_);
            continue;
        }
        t.amplitude = s.kind == stimulus_kind::noise ? s.mean : s.amplitude;
        t.std = s.std;
        if (s.kind == stimulus_kind::step_current) {
            t.table_offset = static_cast<std::uint32_t>(schedule.size() / 2);
            t.table_size = static_cast<std::uint32_t>(s.times.size());
            for (std::size_t c = 0; c < s.times.size(); ++c) {
                schedule.push_back(static_cast<double>(time_to_step(s.times[c], dt)));
                schedule.push_back(s.values[c]);
            }
        }
        add_runs(t, currents);
    }
    external_input_ = !currents.empty();
    host_view<stimulus_term*> h_currents("currents_host", currents.size());
    std::copy(currents.begin(), currents.end(), h_currents.data());
    d_currents_ = Kokkos::create_mirror_view_and_copy(mem(), h_currents);
    host_view<double*> h_schedule("schedule_host", schedule.size());
    std::copy(schedule.begin(), schedule.end(), h_schedule.data());
    d_schedule_ = Kokkos::create_mirror_view_and_copy(mem(), h_schedule);
    host_view<std::uint64_t*> h_tables("poisson_tables_host", std::max<std::size_t>(1, tables.size()));
    std::copy(tables.begin(), tables.end(), h_tables.data());
    d_poisson_tables_ = Kokkos::create_mirror_view_and_copy(mem(), h_tables);
}

template <class Exec>
void engine<Exec>::check_delays(const network_spec& spec, std::uint32_t max_delay) const {
    const unsigned delay_bits = synaptogen::delay_bits(pack_);
    if (delay_bits == 0 || max_delay > pack_.delay_mask)
        throw input_error({spec.source_file, 0, "delay"},
                          "a network of " + std::to_string(n_) + " neurons" +
                              (pack_.port_bits > 0 ? " and " + std::to_string(pack_.channels) + " receptor channels" : "") +
                              " leaves " + std::to_string(delay_bits) +
                              " bits per synapse for delays (at most " + std::to_string((1ull << delay_bits) - 1) +
                              " steps), but a delay of " + std::to_string(max_delay) +
                              " steps was requested; expected shorter delays");
}

template <class Exec>
void engine<Exec>::lower_synapses(const network_spec& spec, synapse_parts& parts, packing_plan& plan,
                                  synapse_table& plastic) {
    const int P = info.partitions;
    info.synapses = plan.synapses;
    info.plastic_synapses = plastic.size();
    pack_.target_bits = std::max(1u, bit_width(n_ > 0 ? n_ - 1 : 0));
    pack_.target_mask = pack_.target_bits >= 32 ? 0xFFFFFFFFu : ((1u << pack_.target_bits) - 1u);
    pack_.split_channels = std::any_of(spec.models.begin(), spec.models.end(), [](const population_model& m) {
        const auto kinds = models_in(m);
        return std::any_of(kinds.begin(), kinds.end(), has_separate_synaptic_channels);
    });
    // Receptor ports: a channel per port, and each synapse's channel in its word.
    std::vector<std::uint32_t> ports(spec.projections.size(), 0), plastic_ports;
    std::uint32_t max_port = 0;
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        ports[k] = spec.synapses[k].receptor;
        max_port = std::max(max_port, ports[k]);
        if (ports[k] == 0) continue;
        const std::size_t t = spec.projections[k].target;
        std::string problem = receptor_problem(spec.models[t], spec.projections[k], ports[k], spec.layout[t].first,
                                               spec.layout[t].size, spec.simulation.seed);
        const synapse_kind kind = spec.synapses[k].kind;
        if (kind != synapse_kind::static_synapse && kind != synapse_kind::stdp)
            problem = std::string(to_string(kind)) + " connections act on no receptor port; expected receptor 0";
        if (!problem.empty()) throw input_error(spec.projections[k].origin, problem);
    }
    if (max_port > 0) {
        pack_.channels = std::max<std::uint32_t>(2, max_port);
        pack_.port_bits = bit_width(pack_.channels - 1);
        for (std::size_t k = 0; k < spec.projections.size(); ++k) {
            if (plastic_rule_of_[k] == static_cast<std::size_t>(-1)) continue;
            plastic_ports.push_back(ports[k]);
            // A channel fixed at packing cannot follow a weight that changes sign.
            const stdp_parameters& q = spec.synapses[k].stdp;
            if (ports[k] == 0 && q.w_min < 0.0 && q.w_max > 0.0)
                throw input_error(spec.projections[k].origin,
                                  "STDP weights between w_min < 0 and w_max > 0 may change sign, which in a network with receptor ports would move them between "
                                      "channels; expected w_min >= 0 or w_max <= 0, or a receptor port");
        }
    }
    const unsigned bits = delay_bits(pack_);
    pack_.delay_mask = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u);

    // The static store, packed straight into the device arrays (their host mirrors: the
    // same memory on host backends) chunk by chunk, so the host never holds a second copy.
    // Packing draws the values that generation deferred: from here on the plan knows the
    // delay range and the largest weight. One weight per source where the parts allow it
    // (4 bytes per synapse instead of 8).
    info.row_weights = !plan.row_weight.empty();
    const bool by_row = info.row_weights;
    static_.entries = view<neuron_id*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "entries"), plan.synapses);
    static_.values = view<float*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "values"), by_row ? 0 : plan.synapses);
    auto h_entries = Kokkos::create_mirror_view(static_.entries);
    auto h_values = Kokkos::create_mirror_view(static_.values);
    fill_packed(parts, plan, pack_, h_entries.data(), by_row ? nullptr : h_values.data(), ports);
    parts = synapse_parts();
    info.max_delay_steps = std::max<std::uint32_t>(plan.max_delay, plastic.max_delay());
    if (ranks_) {
        // What the ranks must agree on: the fixed-point scale (from the largest weight of
        // all), the ring's length (a checkpoint's size) and the steps between exchanges
        // (the smallest delay of all). A rank without synapses has no say in the last.
        plan.max_abs_weight = ranks_->max(plan.max_abs_weight);
        info.max_delay_steps = static_cast<std::uint32_t>(ranks_->max(std::uint64_t{info.max_delay_steps}));
        const std::uint64_t d_min = ranks_->min(plan.synapses > 0 ? plan.min_delay : ~std::uint64_t(0));
        std::uint64_t widest = 0;  // the most neurons a rank owns: the spike batch's width
        for (std::size_t r = 0; r + 1 < bounds_.size(); ++r) widest = std::max<std::uint64_t>(widest, bounds_[r + 1] - bounds_[r]);
        info.exchange_steps = static_cast<std::uint32_t>(std::min<std::uint64_t>(d_min, spike_batch_steps(widest)));
    }
    check_delays(spec, info.max_delay_steps);

    std::uint32_t slots = 1;
    while (slots < info.max_delay_steps + 1u) slots <<= 1;
    slot_mask_ = slots - 1;

    out_degree_.assign(n_, 0);
    const std::size_t stride = static_cast<std::size_t>(n_) + 1;
    for (neuron_id s = 0; s < n_; ++s) {
        for (int p = 0; p < P; ++p)
            out_degree_[s] += static_cast<std::uint32_t>(plan.row_map[p * stride + s + 1] - plan.row_map[p * stride + s]);
        out_degree_[s] += static_cast<std::uint32_t>(plastic.row_map[s + 1] - plastic.row_map[s]);
    }
    auto row_map_to_device = [&](const std::vector<edge_index>& rows) {
        host_view<edge_index**> row_map("row_map_host", P, stride);
        std::copy(rows.begin(), rows.end(), row_map.data());
        return Kokkos::create_mirror_view_and_copy(mem(), row_map);
    };
    auto to_device = [&](packed_store&& h, synapse_store<mem>& d) {
        d.row_map = row_map_to_device(h.row_map);
        d.entries = view<neuron_id*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "entries"), h.entries.size());
        d.values = view<float*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "values"), h.values.size());
        Kokkos::deep_copy(d.entries, host_view<neuron_id*>(h.entries.data(), h.entries.size()));
        Kokkos::deep_copy(d.values, host_view<float*>(h.values.data(), h.values.size()));
    };
    // Arrival-time delivery needs the partitioned strategy and a group table that stays
    // small next to the synapses (P * n * delays offsets).
    if (plan.synapses > 0) {
        d_min_ = plan.min_delay;
        d_max_ = plan.max_delay;
    }
    const double group_bytes = 4.0 * P * n_ * (d_max_ - d_min_ + 1);
    info.arrival_delivery = info.delivery == delivery_kind::partitioned && plan.synapses > 0 && plastic.size() == 0 &&
                            group_bytes <= std::max(64.0 * (1 << 20), 2.0 * static_cast<double>(plan.synapses));
    // At arrival time nothing is written ahead: the ring shrinks to the current slot,
    // which stays in cache (a slot that rotated through d_max planes did not).
    live_mask_ = info.arrival_delivery ? 0 : slot_mask_;
    d_ring_ = view<std::int64_t*>("ring", static_cast<std::size_t>(live_mask_ + 1) * pack_.channels * n_);
    {
        static_.row_map = row_map_to_device(plan.row_map);
        if (by_row) {
            static_.row_weight = view<float*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "row_weight"), n_);
            Kokkos::deep_copy(static_.row_weight, host_view<const float*>(plan.row_weight.data(), plan.row_weight.size()));
        }
        if (info.arrival_delivery) {
            d_group_start_ = view<std::uint32_t*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "group_start"),
                                                  static_cast<std::size_t>(P) * n_ * (d_max_ - d_min_ + 1));
            auto h_groups = Kokkos::create_mirror_view(d_group_start_);
            order_by_delay(plan.row_map.data(), h_entries.data(), by_row ? nullptr : h_values.data(), n_, P, pack_, d_min_,
                           d_max_, h_groups.data());
            Kokkos::deep_copy(d_group_start_, h_groups);
        }
        Kokkos::deep_copy(static_.entries, h_entries);
        Kokkos::deep_copy(static_.values, h_values);
    }
    std::uint32_t history = 1;
    if (info.arrival_delivery)
        while (history < d_max_ + 1u) history <<= 1;
    while (history < info.exchange_steps) history <<= 1;  // a distributed window's spikes wait for delivery
    history_mask_ = history - 1;
    d_history_ = view<neuron_id*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "spike_history"),
                                  static_cast<std::size_t>(history) * n_);
    d_history_count_ = view<std::uint32_t*>("spike_history_count", history);
    d_spikes_ = Kokkos::subview(d_history_, std::make_pair(std::size_t(0), static_cast<std::size_t>(n_)));
    batch_steps_ = ranks_ ? info.exchange_steps : spike_batch_steps(n_);
    d_batch_spikes_ = view<neuron_id*>(Kokkos::view_alloc(Kokkos::WithoutInitializing, "spike_batch"),
                                       static_cast<std::size_t>(batch_steps_) * (hi_ - lo_));
    d_batch_offsets_ = view<std::size_t*>("spike_batch_offsets", batch_steps_ + 1);
    info.synapse_bytes = static_.entries.span() * sizeof(neuron_id) + static_.values.span() * sizeof(float);
    info.index_bytes = static_.row_map.span() * sizeof(edge_index) + d_group_start_.span() * sizeof(std::uint32_t) +
                       static_.row_weight.span() * sizeof(float);
    info.bytes_per_synapse = info.synapses > 0 ? static_cast<double>(info.synapse_bytes) / info.synapses : 0.0;

    // Plastic synapses: the same layout plus the rule per synapse and an index by target.
    packed_store h = pack_store(plastic, plastic_tags_, n_, P, pack_, true, plastic_ports);
    plastic_position_ = std::move(h.position);
    plastic = synapse_table();
    const std::size_t Ep = h.entries.size();
    std::vector<edge_index> in_rows(static_cast<std::size_t>(n_) + 1, 0);
    for (std::size_t e = 0; e < Ep; ++e) ++in_rows[(h.entries[e] & pack_.target_mask) + 1];
    for (neuron_id t = 0; t < n_; ++t) in_rows[t + 1] += in_rows[t];
    std::vector<edge_index> in_edges(Ep), at(in_rows.begin(), in_rows.end() - 1);
    std::vector<neuron_id> in_sources(Ep);
    for (int p = 0; p < P; ++p)
        for (neuron_id s = 0; s < n_; ++s)
            for (edge_index e = h.row_map[p * stride + s]; e < h.row_map[p * stride + s + 1]; ++e) {
                const edge_index j = at[h.entries[e] & pack_.target_mask]++;
                in_edges[j] = e;
                in_sources[j] = s;
            }
    std::vector<stdp_constants> rules;
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        if (plastic_rule_of_[k] == static_cast<std::size_t>(-1)) continue;
        const stdp_parameters& q = spec.synapses[k].stdp;
        stdp_constants c;
        c.decay_plus = std::exp(-spec.simulation.dt / q.tau_plus);
        c.decay_minus = std::exp(-spec.simulation.dt / q.tau_minus);
        c.A_plus = q.A_plus;
        c.A_minus = q.A_minus;
        c.w_min = q.w_min;
        c.w_max = q.w_max;
        c.multiplicative = q.multiplicative;
        c.nearest = q.nearest;
        rules.push_back(c);
    }
    plastic_tags_.clear();
    plastic_tags_.shrink_to_fit();
    auto copy = [](const auto& v, const char* label) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        view<T*> d(Kokkos::view_alloc(Kokkos::WithoutInitializing, std::string(label)), v.size());
        Kokkos::deep_copy(d, host_view<const T*>(v.data(), v.size()));
        return d;
    };
    plastic_.rule = copy(h.tags, "plastic_rule");
    plastic_.in_row_map = copy(in_rows, "plastic_in_rows");
    plastic_.in_edges = copy(in_edges, "plastic_in_edges");
    plastic_.in_sources = copy(in_sources, "plastic_in_sources");
    plastic_.rules = copy(rules, "stdp_rules");
    plastic_.traces = view<double***>("stdp_traces", rules.size(), 2, rules.empty() ? 0 : n_);
    to_device(std::move(h), plastic_);
    info.plastic_bytes = plastic_.entries.span() * 4 + plastic_.values.span() * 4 + plastic_.rule.span() * 2 +
                         plastic_.in_edges.span() * sizeof(edge_index) + plastic_.in_sources.span() * 4;
}

// Gap junctions, graded synapses and rate connections: CSR by target. A gap junction
// listed once couples both cells.
template <class Exec>
void engine<Exec>::lower_couplings(const network_spec& spec) {
    struct edge {
        neuron_id target, source;
        float weight;
        std::uint16_t kind;
    };
    std::vector<edge> edges;
    std::vector<coupling_kind_params> params;
    std::vector<std::pair<double, double>> curves;  // (V_half, 1/V_slope) of the graded projections
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        const synapse_kind kind = projection_kind(spec, k);
        if (kind != synapse_kind::gap_junction && kind != synapse_kind::graded && kind != synapse_kind::rate) continue;
        if (params.size() >= 65535) throw internal_error("more than 65535 coupling projections");
        coupling_kind_params q;
        q.kind = kind;
        q.E_rev = spec.synapses[k].graded.E_rev;
        q.V_half = spec.synapses[k].graded.V_half;
        q.inv_V_slope = 1.0 / spec.synapses[k].graded.V_slope;
        q.gain_I = kind == synapse_kind::graded ? q.E_rev : 1.0;
        q.gain_Gw = kind == synapse_kind::gap_junction ? 1.0 : 0.0;
        q.gain_Gx = kind == synapse_kind::graded ? 1.0 : 0.0;
        using outputs = coupling_outputs<mem, lanes>;
        q.output = kind == synapse_kind::rate ? outputs::rate_row : outputs::potential_row;
        if (kind == synapse_kind::graded) {  // projections with the same curve share its row
            std::uint32_t a = 0;
            while (a < curves.size() && curves[a] != std::pair(q.V_half, q.inv_V_slope)) ++a;
            if (a == curves.size()) curves.emplace_back(q.V_half, q.inv_V_slope);
            q.output = outputs::first_activation_row + a;
        }
        const auto tag = static_cast<std::uint16_t>(params.size());
        params.push_back(q);
        std::vector<bool> only(spec.projections.size(), false);
        only[k] = true;
        const synapse_table t = build_synapses(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt, only);
        for (neuron_id s = 0; s < n_; ++s)
            for (edge_index e = t.row_map[s]; e < t.row_map[s + 1]; ++e) {
                edges.push_back({t.target[e], s, t.weight[e], tag});
                if (kind == synapse_kind::gap_junction) edges.push_back({s, t.target[e], t.weight[e], tag});
            }
    }
    info.couplings = edges.size();
    external_input_ = external_input_ || !edges.empty();
    if (external_input_) {
        d_i_ext_ = view<double*>("i_ext", n_);
        d_g_ext_ = view<double*>("g_ext", n_);
    }
    if (edges.empty()) return;
    // Each target sums its row in a canonical order (by source, then by what the coupling
    // is), so the floating-point sum does not depend on the order of the projections: a
    // network read back from SONATA, whose edge populations come back sorted by name,
    // gives the same bits.
    std::sort(edges.begin(), edges.end(), [&](const edge& a, const edge& b) {
        const coupling_kind_params &pa = params[a.kind], &pb = params[b.kind];
        return std::tie(a.target, a.source, pa.kind, a.weight, pa.E_rev, pa.V_half, pa.inv_V_slope) <
               std::tie(b.target, b.source, pb.kind, b.weight, pb.E_rev, pb.V_half, pb.inv_V_slope);
    });
    host_view<edge_index*> rows("coupling_rows_host", static_cast<std::size_t>(n_) + 1);
    host_view<neuron_id*> sources("coupling_sources_host", edges.size());
    host_view<float*> weights("coupling_weights_host", edges.size());
    host_view<std::uint16_t*> kinds("coupling_kinds_host", edges.size());
    for (std::size_t e = 0; e < edges.size(); ++e) {
        ++rows(edges[e].target + 1);
        sources(e) = edges[e].source;
        weights(e) = edges[e].weight;
        kinds(e) = edges[e].kind;
    }
    for (neuron_id t = 0; t < n_; ++t) rows(t + 1) += rows(t);
    host_view<coupling_kind_params*> h_params("coupling_params_host", params.size());
    std::copy(params.begin(), params.end(), h_params.data());
    d_coupling_outputs_ = view<double**>("coupling_outputs", coupling_outputs<mem, lanes>::first_activation_row + curves.size(), n_);
    host_view<double*> h_half("V_half_host", curves.size()), h_inv("inv_V_slope_host", curves.size());
    for (std::size_t a = 0; a < curves.size(); ++a) std::tie(h_half(a), h_inv(a)) = curves[a];
    d_V_half_ = Kokkos::create_mirror_view_and_copy(mem(), h_half);
    d_inv_V_slope_ = Kokkos::create_mirror_view_and_copy(mem(), h_inv);
    d_coupling_rows_ = Kokkos::create_mirror_view_and_copy(mem(), rows);
    d_coupling_sources_ = Kokkos::create_mirror_view_and_copy(mem(), sources);
    d_coupling_weights_ = Kokkos::create_mirror_view_and_copy(mem(), weights);
    d_coupling_kinds_ = Kokkos::create_mirror_view_and_copy(mem(), kinds);
    d_coupling_params_ = Kokkos::create_mirror_view_and_copy(mem(), h_params);
}

// Spike sources: every given spike time becomes the step that ends at or after it (the
// convention of the spike files Synaptogen writes, so a recorded run replays exactly).
template <class Exec>
void engine<Exec>::lower_schedules(const network_spec& spec) {
    std::vector<std::pair<step_t, neuron_id>> events;
    const double dt = spec.simulation.dt;
    for (std::size_t p = 0; p < spec.layout.count(); ++p) {
        const auto& trains = spec.models[p].spikes;
        if (spec.models[p].model != neuron_model_kind::spike_source || !trains) continue;
        for (std::size_t k = 0; k < trains->time.size(); ++k) {
            const neuron_id i = spec.layout[p].first + trains->neuron[k];
            if (i >= lo_ && i < hi_) events.emplace_back(spike_time_to_step(trains->time[k], dt), i);
        }
    }
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    host_view<neuron_id*> neurons("schedule_neurons_host", events.size());
    schedule_steps_.resize(events.size());
    for (std::size_t k = 0; k < events.size(); ++k) {
        schedule_steps_[k] = events[k].first;
        neurons(k) = events[k].second;
    }
    d_schedule_neurons_ = Kokkos::create_mirror_view_and_copy(mem(), neurons);
}

template <class Exec>
void engine<Exec>::lower_records(const network_spec& spec) {
    record_neuron_.assign(n_, false);
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        if (spec.record_spikes[p]) {
            const population& pop = spec.layout[p];
            std::fill(record_neuron_.begin() + pop.first, record_neuron_.begin() + pop.first + pop.size, true);
        }
    std::optional<plastic_lookup> lookup;  // host copy of the plastic store, made once if needed
    typename view<std::uint32_t*>::HostMirror h_group;
    typename view<neuron_constants*>::HostMirror h_constants;
    for (const auto& t : spec.traces) {
        std::vector<edge_index> items;
        if (t.weights) {
            if (!lookup) lookup.emplace(*this);
            for (const auto& [src, tgt] : t.synapses) {
                const edge_index found = lookup->find(t.projection, src, tgt);
                if (found == no_synapse)
                    throw input_error(t.origin, "projection has no synapse from source " + std::to_string(src) +
                                                    " to target " + std::to_string(tgt) +
                                                    "; expected (source, target) pairs of existing synapses");
                items.push_back(found);
            }
            traces_.emplace_back(items, -1, std::vector<double>(), t.every);
            trace_neurons_.emplace_back();
            continue;
        }
        const population& pop = spec.layout[t.population];
        for (neuron_id local : t.neurons) items.push_back(pop.first + local);
        // One slot for every recorded neuron: a mixed population's models must agree on it.
        const population_model& m = spec.models[t.population];
        state_slot slot = state_slot::v;
        find_state_variable(m.model, t.variable, slot);
        if (!m.neuron_models.empty()) {
            std::optional<state_slot> common;
            for (neuron_id local : t.neurons) {
                state_slot own = slot;
                const neuron_model_kind kind = model_of(m, local);
                const bool has = find_state_variable(kind, t.variable, own);
                if (!has || (common && own != *common))
                    throw input_error(t.origin, "neuron " + std::to_string(local) + " of '" + pop.name + "' is " + to_string(kind) +
                                                    ", which " + (has ? "keeps " + t.variable + " apart from the other recorded neurons' models"
                                                                      : "has no " + t.variable) +
                                                    "; expected a variable of every recorded neuron's model");
                common = own;
            }
            if (common) slot = *common;
        }
        std::vector<double> offsets;  // potentials are stored relative to each neuron's E_L
        if (relative_to_e_l(slot)) {
            if (h_group.extent(0) == 0) {
                h_group = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), d_group_);
                h_constants = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), d_constants_);
            }
            for (edge_index i : items) offsets.push_back(h_constants(h_group(i)).e_l);
        }
        traces_.emplace_back(items, static_cast<int>(slot), offsets, t.every);
        trace_neurons_.emplace_back(items.begin(), items.end());
    }
}

template <class Exec>
void engine<Exec>::record_traces(step_t s, bool flush, const run_observer& observer) {
    for (std::size_t r = 0; r < traces_.size(); ++r) {
        auto& t = traces_[r];
        if (!flush && s % t.every == 0)
            on_current_width([&](auto tag) { t.template sample<typename decltype(tag)::type>(d_state_, plastic_.values); });
        if (t.rows_buffered > 0 && (flush || t.rows_buffered == t.capacity)) {
            trace_batch batch = t.drain();
            batch.record = r;
            if (ranks_) {
                // Every rank sampled every column; a column's owner has its true values.
                // All ranks drain at the same steps, so this collective lines up.
                std::vector<int> counts;
                const std::vector<double> all = ranks_->all_gather(batch.values, &counts);
                const std::size_t size = batch.values.size(), cols = batch.columns;
                for (std::size_t j = 0; j < cols; ++j) {
                    const std::size_t from = static_cast<std::size_t>(owner(trace_neurons_[r][j])) * size;
                    for (std::size_t row = 0; row * cols < size; ++row) batch.values[row * cols + j] = all[from + row * cols + j];
                }
                if (ranks_->rank() != 0) continue;
            }
            if (observer.on_traces) observer.on_traces(std::move(batch));
        }
    }
}

template <class Exec>
template <bool Plastic>
void engine<Exec>::deliver(const synapse_store<mem>& store, std::size_t slot, step_t at) {
    const delivery_target<mem> target{store, d_spikes_, d_ring_, pack_, n_, at, live_mask_, scale_};
    if (info.delivery == delivery_kind::partitioned) {
        for_range("deliver_partitioned", info.partitions, deliver_partitioned<mem, Plastic>{target, d_history_count_, slot});
    } else {
        // Kokkos 3.4 passes a kernel of 512 B or more through constant memory, with a host
        // wait before every launch; keep the per-step kernels well below that.
        static_assert(sizeof(deliver_atomic<mem, Kokkos::TeamPolicy<Exec>, Plastic>) <= 400,
                      "delivery kernel too large for a by-value launch");
        // Enough teams to fill a GPU; each strides over the step's spikes.
        const int league = static_cast<int>(std::min<neuron_id>(std::max<neuron_id>(n_, 1), 2048));
        on_current_width([&](auto tag) {
            using policy = Kokkos::TeamPolicy<typename decltype(tag)::type>;
            Kokkos::parallel_for("deliver_atomic", policy(league, Kokkos::AUTO),
                                 deliver_atomic<mem, policy, Plastic>{target, d_history_count_, slot});
        });
    }
}

// Brings the waiting steps' spikes to the host: counts, delivered events, recorded spikes.
template <class Exec>
void engine<Exec>::drain_spikes(spike_batch& batch) {
    if (batch_fill_ == 0) return;
    const auto [h_offsets, h_spikes] = fetch_batch();
    spikes += h_offsets(batch_fill_);
    for (std::uint32_t k = 0; k < batch_fill_; ++k)
        account(first_batch_step_ + k, h_spikes.data() + h_offsets(k), h_spikes.data() + h_offsets(k + 1), events, true, batch);
    batch_fill_ = 0;
}

template <class Exec>
auto engine<Exec>::fetch_batch() const -> std::pair<host_view<std::size_t*>, host_view<neuron_id*>> {
    auto h_offsets = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), d_batch_offsets_);
    const std::size_t total = h_offsets(batch_fill_);
    auto h_spikes = Kokkos::create_mirror_view_and_copy(
        Kokkos::HostSpace(), Kokkos::subview(d_batch_spikes_, std::make_pair(std::size_t(0), total)));
    return {h_offsets, h_spikes};
}

template <class Exec>
void engine<Exec>::account(step_t s, const neuron_id* first, const neuron_id* last, std::uint64_t& event_count,
                           bool record, spike_batch& batch) const {
    for (const neuron_id* i = first; i != last; ++i) {
        event_count += out_degree_[*i];
        if (record && record_neuron_[*i]) {
            batch.step.push_back(s);
            batch.neuron.push_back(*i);
        }
    }
}

// What one rank cannot do without the others' state every step.
template <class Exec>
void engine<Exec>::check_distributable(const network_spec& spec) const {
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        const synapse_kind kind = projection_kind(spec, k);
        if (kind == synapse_kind::static_synapse) continue;
        throw input_error(spec.projections[k].origin,
                          std::string("a run on ") + std::to_string(ranks_->size()) + " ranks exchanges spikes once per minimum delay, but " +
                              to_string(kind) +
                              (kind == synapse_kind::stdp ? " synapses need every post-synaptic spike at once"
                                                          : " connections couple the cells' state every step") +
                              "; expected static synapses only (or one rank: docs/cluster.md)");
    }
}

// The end of a window: every rank's spikes of the window's steps (each rank sends its own,
// ascending; ranks own ascending ranges, so the concatenation in rank order is the
// ascending list a single process makes), then delivery of the window (emission-time
// delivery; arrival-time delivery reads the history) and the host's counts and records.
// One MPI_Allgatherv per window: every rank needs the spikes of (nearly) every source, as
// with random connectivity, and Alltoallv by target would send most ids to most ranks anyway.
template <class Exec>
bool engine<Exec>::exchange_spikes(spike_batch& batch, bool stop) {
    using clock = std::chrono::steady_clock;
    const std::uint32_t fill = batch_fill_;
    // This rank's message: the stop request, the spike count of each step, the ids.
    std::vector<std::uint32_t> message{stop ? 1u : 0u};
    if (fill > 0) {
        const auto [h_offsets, h_spikes] = fetch_batch();
        const std::size_t total = h_offsets(fill);
        message.reserve(1 + fill + total);
        for (std::uint32_t k = 0; k < fill; ++k) message.push_back(static_cast<std::uint32_t>(h_offsets(k + 1) - h_offsets(k)));
        message.insert(message.end(), h_spikes.data(), h_spikes.data() + total);
    }
    const auto t0 = clock::now();
    std::vector<int> counts;
    const std::vector<std::uint32_t> all = ranks_->all_gather(message, &counts);
    info.exchange_seconds += std::chrono::duration<double>(clock::now() - t0).count();
    ++info.exchanges;
    info.exchanged_bytes += all.size() * sizeof(std::uint32_t);
    batch_fill_ = 0;

    const int R = ranks_->size();
    std::vector<std::size_t> head(R), next(R);  // rank r's header, and its next id
    bool any_stop = false;
    for (std::size_t r = 0, base = 0; r < static_cast<std::size_t>(R); base += counts[r], ++r) {
        head[r] = base;
        next[r] = base + 1 + fill;
        any_stop = any_stop || all[base] != 0;
    }
    const bool records = ranks_->rank() == 0;
    std::vector<neuron_id> row;
    for (std::uint32_t k = 0; k < fill; ++k) {
        const step_t s = first_batch_step_ + k;
        row.clear();
        for (int r = 0; r < R; ++r) {
            const std::uint32_t c = all[head[r] + 1 + k];
            row.insert(row.end(), all.begin() + next[r], all.begin() + next[r] + c);
            next[r] += c;
        }
        spikes += row.size();
        account(s, row.data(), row.data() + row.size(), local_events_, records, batch);
        const std::size_t slot = s & history_mask_;
        const std::size_t at = slot * n_;
        Kokkos::deep_copy(Kokkos::subview(d_history_, std::make_pair(at, at + row.size())),
                          host_view<const neuron_id*>(row.data(), row.size()));
        Kokkos::deep_copy(Kokkos::subview(d_history_count_, slot), static_cast<std::uint32_t>(row.size()));
        if (info.synapses > 0 && !info.arrival_delivery) {
            d_spikes_ = Kokkos::subview(d_history_, std::make_pair(at, at + n_));
            deliver<false>(static_, slot, s);
        }
    }
    return any_stop;
}

// values: `rows` rows of n_ (one value per neuron); each neuron's columns come from its owner.
template <class Exec>
template <class T>
void engine<Exec>::gather_owned(std::vector<T>& values, std::size_t rows) const {
    const std::size_t mine = hi_ - lo_;
    std::vector<char> bytes(rows * mine * sizeof(T));
    for (std::size_t row = 0; row < rows; ++row)
        std::memcpy(bytes.data() + row * mine * sizeof(T), values.data() + row * n_ + lo_, mine * sizeof(T));
    const std::vector<char> all = ranks_->all_gather(bytes);
    std::size_t from = 0;
    for (std::size_t r = 0; r + 1 < bounds_.size(); ++r) {
        const std::size_t count = bounds_[r + 1] - bounds_[r];
        for (std::size_t row = 0; row < rows; ++row, from += count * sizeof(T))
            std::memcpy(values.data() + row * n_ + bounds_[r], all.data() + from, count * sizeof(T));
    }
}

template <class Exec>
void engine<Exec>::deliver_history(const view<std::int64_t*>& ring, std::uint32_t ring_mask, bool flush) const {
    for_range("deliver_arrivals", info.partitions,
                         deliver_arrivals<mem>{{static_, d_spikes_, ring, pack_, n_, step, ring_mask, scale_},
                                               d_history_, d_history_count_, d_group_start_, history_mask_, d_min_,
                                               d_max_, step, flush});
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
    std::size_t scheduled = std::lower_bound(schedule_steps_.begin(), schedule_steps_.end(), step) - schedule_steps_.begin();
    const bool plastic = info.plastic_synapses > 0;
    // Windows of steps on all threads or on one (thread_width.hpp).
    auto window_start = t0;
    std::uint32_t window_left = width_ == thread_use::alternating ? alternating_window : tuner_.window();
    narrow_ = width_ == thread_use::adaptive && tuner_.narrow();
    auto next_window = [&] {
        if (width_ == thread_use::alternating) {
            narrow_ = !narrow_;
            window_left = alternating_window;
            return;
        }
        const auto now = clock::now();
        tuner_.measured(std::chrono::duration<double>(now - window_start).count(), tuner_.window() - window_left);
        window_start = now;
        narrow_ = tuner_.narrow();
        window_left = tuner_.window();
    };

    bool all_stop = false;  // a distributed run: some rank was asked to stop
    for (; step < end; ++step) {
        if (info.arrival_delivery) {
            deliver_history(d_ring_, live_mask_, false);
            if (step < pending_until_) {  // input a restored checkpoint still owes this step
                const std::size_t plane = std::size_t(pack_.channels) * n_;
                const auto due = Kokkos::subview(d_pending_, std::make_pair((step & slot_mask_) * plane, ((step & slot_mask_) + 1) * plane));
                for_range("add_pending", plane, add_into<mem>{d_ring_, due});
                if (step + 1 == pending_until_) d_pending_ = view<std::int64_t*>();
            }
        }
        for (const stimulus_term& t : poisson_terms_) {
            if (step < t.start || step >= t.stop) continue;
            const std::size_t offset = (static_cast<std::size_t>(step & live_mask_) * pack_.channels + t.channel) * n_;
            const std::size_t blocks = (t.last - t.first + lanes - 1) / lanes;
            for_range("add_poisson_input", blocks,
                      add_poisson_input<mem, lanes>{d_poisson_tables_, d_ring_, t, offset, step, seed_});
        }
        if (info.couplings > 0)
            for_range("coupling_outputs", (n_ + lanes - 1) / lanes,
                      coupling_outputs<mem, lanes>{d_state_, d_group_, d_constants_, d_coupling_outputs_, d_V_half_,
                                                   d_inv_V_slope_, n_});
        if (external_input_)
            for_span("gather_input", lo_, hi_,
                                 gather_input<mem>{d_state_, d_group_, d_constants_, d_currents_, d_schedule_,
                                                   d_coupling_rows_, d_coupling_sources_, d_coupling_weights_,
                                                   d_coupling_kinds_, d_coupling_params_, d_coupling_outputs_, d_i_ext_,
                                                   d_g_ext_, step, seed_, static_cast<int>(d_currents_.extent(0))});
        update_neurons<mem, lanes> update{d_state_, d_refractory_, d_group_, d_block_group_, d_constants_, d_ring_,
                                          d_i_ext_,  d_g_ext_,       d_spiked_,     n_,           step & live_mask_,
                                          pack_.channels, 1.0 / scale_, step};
        for_span("update_neurons", first_block(), last_block(), update);
        if (scheduled < schedule_steps_.size() && schedule_steps_[scheduled] == step) {
            std::size_t last = scheduled;
            while (last < schedule_steps_.size() && schedule_steps_[last] == step) ++last;
            for_range("emit_scheduled", last - scheduled, emit_scheduled<mem>{d_schedule_neurons_, d_spiked_, scheduled});
            scheduled = last;
        }

        const std::size_t slot = step & history_mask_;
        const std::size_t row = slot * n_;
        d_spikes_ = Kokkos::subview(d_history_, std::make_pair(row, row + n_));
        if (batch_fill_ == 0) first_batch_step_ = step;
        // This rank's neurons only (all in one process): the others never spike here. The
        // range is never empty, so that its last block writes the step's count.
        const compact_spikes<mem> compact{d_spiked_,      d_spikes_,         hi_,        d_history_count_,
                                          slot,           d_batch_spikes_,   d_batch_offsets_, batch_fill_};
        const std::size_t scan_first = lo_ / compact_spikes<mem>::block;
        const std::size_t scan_last = std::max(compact_spikes<mem>::blocks(hi_), scan_first + 1);
        on_current_width([&](auto tag) {
            Kokkos::parallel_scan("compact_spikes", Kokkos::RangePolicy<typename decltype(tag)::type>(scan_first, scan_last),
                                  compact);
        });
        ++batch_fill_;
        // A distributed run delivers when the window's spikes of every rank are in.
        if (info.synapses > 0 && !info.arrival_delivery && !ranks_) deliver<false>(static_, slot, step);
        if (plastic) {
            deliver<true>(plastic_, slot, step);
            const std::size_t items = std::min<neuron_id>(n_, 65536);
            for_range("potentiate", items, potentiate<mem>{plastic_, d_spikes_, d_history_count_, slot, items});
        }
        if (batch_fill_ == batch_steps_) {
            if (ranks_) {
                // The stop request travels with the spikes, so every rank stops at this step.
                all_stop = exchange_spikes(batch, observer.should_stop && observer.should_stop());
                if (batch.size() >= (1u << 16)) flush_spikes();
            } else {
                drain_spikes(batch);
                if (batch.size() >= (1u << 16)) flush_spikes();
            }
        }
        if (plastic)
            for_range("advance_traces", n_, advance_traces<mem>{plastic_.traces, plastic_.rules, d_spiked_});
        if (!traces_.empty()) record_traces(step, false, observer);
        if (width_ == thread_use::adaptive && tuner_.chose_narrow()) ++steps_on_one_thread;
        // The clock is read per step only while a probe might lose.
        if (width_ != thread_use::all &&
            (--window_left == 0 ||
             (tuner_.probing() && tuner_.probe_lost(std::chrono::duration<double>(clock::now() - window_start).count()))))
            next_window();

        if (all_stop || (!ranks_ && (step & 63) == 63 && observer.should_stop && observer.should_stop())) {
            ++step;
            break;
        }
        if (observer.on_progress && (step & 63) == 0 && info.rank == 0) {
            const auto now = clock::now();
            if (now - last_report > std::chrono::milliseconds(500)) {
                last_report = now;
                observer.on_progress({step, end, std::chrono::duration<double>(now - t0).count()});
            }
        }
    }
    if (ranks_) {
        exchange_spikes(batch, false);  // a window cut short by the end of the run
        events += ranks_->sum(local_events_);
        local_events_ = 0;
    } else {
        drain_spikes(batch);
    }
    flush_spikes();
    record_traces(step, true, observer);
    if (observer.on_progress && info.rank == 0)
        observer.on_progress({step, end, std::chrono::duration<double>(clock::now() - t0).count()});
}

template <class Exec>
double engine<Exec>::synapse_weight(std::size_t projection, neuron_id source, neuron_id target) const {
    const edge_index e = plastic_lookup(*this).find(projection, source, target);
    if (e == no_synapse) return std::nan("");
    float w = 0.0f;
    Kokkos::deep_copy(w, Kokkos::subview(plastic_.values, e));
    return w;
}

template <class Exec>
simulation_state engine<Exec>::save_state() const {
    if (batch_fill_ != 0) throw internal_error("checkpoint with undrained spikes");
    Exec().fence();
    simulation_state s;
    s.step = step;
    s.spikes = spikes;
    s.events = events;
    s.fingerprint = fingerprint_;
    s.slots = state_slots;
    auto copy_out = [](const auto& d, auto& out) {
        auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), d);
        out.assign(h.data(), h.data() + h.span());
    };
    copy_out(d_state_, s.neuron_state);
    copy_out(d_refractory_, s.refractory);
    // Checkpoints store pending input in ring-buffer form, whatever the delivery timing:
    // with arrival-time delivery, what the spike history still owes goes into a ring of
    // the full size, in the slots it is due in (the live slot is empty between steps).
    if (info.arrival_delivery) {
        view<std::int64_t*> ring("ring_checkpoint", static_cast<std::size_t>(slot_mask_ + 1) * pack_.channels * n_);
        if (pending_until_ > step) Kokkos::deep_copy(ring, d_pending_);
        deliver_history(ring, slot_mask_, true);
        copy_out(ring, s.ring);
    } else {
        copy_out(d_ring_, s.ring);
    }
    {
        auto h = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), plastic_.values);
        s.plastic_weights.resize(plastic_position_.size());
        for (std::size_t e = 0; e < plastic_position_.size(); ++e) s.plastic_weights[e] = h(plastic_position_[e]);
    }
    copy_out(plastic_.traces, s.traces);
    if (ranks_) {  // one checkpoint for the whole run, whatever the rank count
        gather_owned(s.neuron_state, state_slots);
        gather_owned(s.refractory, 1);
        if (n_ > 0) gather_owned(s.ring, s.ring.size() / n_);
    }
    for (const auto& t : traces_) {
        if (t.rows_buffered != 0) throw internal_error("checkpoint with undrained trace rows");
        s.trace_rows.push_back(t.rows_drained);
    }
    return s;
}

template <class Exec>
void engine<Exec>::restore_state(const simulation_state& s) {
    auto check = [](bool ok, const std::string& what) {
        if (!ok) throw std::runtime_error("the checkpoint does not match this network: " + what);
    };
    check(s.fingerprint == fingerprint_, "different network, seed or layout (fingerprint)");
    // Checkpoints written before glif_psc's slots (6 of them) lack those: no model of their
    // network uses them, so they start at zero.
    check(s.slots >= 6 && s.slots <= static_cast<std::uint32_t>(state_slots), "different number of state variables");
    check(s.neuron_state.size() == std::size_t{s.slots} * n_, "size of neuron state");
    auto copy_in = [&](const auto& in, const auto& d, const char* what) {
        auto h = Kokkos::create_mirror_view(d);
        check(in.size() == h.span(), std::string("size of ") + what);
        std::copy(in.begin(), in.end(), h.data());
        Kokkos::deep_copy(d, h);
    };
    std::vector<double> neuron_state = s.neuron_state;
    neuron_state.resize(static_cast<std::size_t>(state_slots) * n_, 0.0);
    copy_in(neuron_state, d_state_, "neuron state");
    copy_in(s.refractory, d_refractory_, "refractory counters");
    Kokkos::deep_copy(d_history_count_, 0u);
    if (info.arrival_delivery) {
        // The live ring is one slot: keep what is due later apart and add it step by step.
        d_pending_ = view<std::int64_t*>("ring_pending", static_cast<std::size_t>(slot_mask_ + 1) * pack_.channels * n_);
        copy_in(s.ring, d_pending_, "delay buffers");
        pending_until_ = s.step + slot_mask_ + 1;
    } else {
        copy_in(s.ring, d_ring_, "delay buffers");
    }
    {
        auto h = Kokkos::create_mirror_view(plastic_.values);
        check(s.plastic_weights.size() == plastic_position_.size(), "number of plastic synapses");
        for (std::size_t e = 0; e < plastic_position_.size(); ++e) h(plastic_position_[e]) = s.plastic_weights[e];
        Kokkos::deep_copy(plastic_.values, h);
    }
    copy_in(s.traces, plastic_.traces, "STDP traces");
    check(s.trace_rows.size() == traces_.size(), "number of trace records");
    for (std::size_t r = 0; r < traces_.size(); ++r) {
        traces_[r].rows_drained = s.trace_rows[r];
        traces_[r].rows_buffered = 0;
    }
    step = s.step;
    spikes = s.spikes;
    events = s.events;
    local_events_ = 0;
}

}  // namespace

struct simulation::impl {
    std::unique_ptr<engine_base> engine;
};

namespace {
// The backend when none is asked for: OpenMP, except for a network so small that the fork
// and join of its kernels (about 1 us each, five or more per step) cost more than their
// work, or with one thread: there Serial runs the same kernels without a team, with the
// same bits (a single neuron: 0.2 us per step against 1.2 us on one OpenMP thread).
std::string automatic_backend(const network_spec& spec) {
    const auto compiled = available_backends();
#if defined(KOKKOS_ENABLE_OPENMP) && defined(KOKKOS_ENABLE_SERIAL)
    constexpr neuron_id small_network = 128;  // C. elegans (448 cells) still gains from 2 threads
    if (compiled.front() == "openmp" && (Kokkos::OpenMP::concurrency() <= 1 || spec.layout.total() < small_network))
        return "serial";
#endif
    return compiled.front();
}
}  // namespace

simulation::simulation(const network_spec& spec, synapse_parts synapses, const run_options& options)
    : impl_(std::make_unique<impl>()) {
    const std::string backend = options.backend.empty() ? automatic_backend(spec) : options.backend;
    try {
        require_backend(backend);  // compiled in; for a GPU backend, a device present
    } catch (const std::runtime_error& e) {
        throw input_error({spec.source_file, 0, "backend"}, e.what());
    }
    start_backend(backend);  // a GPU run on a GPU that is not running yet
#ifdef KOKKOS_ENABLE_OPENMP
    if (backend == "openmp") {
        impl_->engine = std::make_unique<engine<Kokkos::OpenMP>>(spec, std::move(synapses), options, "openmp");
        return;
    }
#endif
#ifdef KOKKOS_ENABLE_CUDA
    if (backend == "cuda") {
        impl_->engine = std::make_unique<engine<Kokkos::Cuda>>(spec, std::move(synapses), options, "cuda");
        return;
    }
#endif
#ifdef KOKKOS_ENABLE_HIP
    if (backend == "hip") {
        impl_->engine = std::make_unique<engine<Kokkos::Experimental::HIP>>(spec, std::move(synapses), options, "hip");
        return;
    }
#endif
#ifdef KOKKOS_ENABLE_SERIAL
    if (backend == "serial") {
        impl_->engine = std::make_unique<engine<Kokkos::Serial>>(spec, std::move(synapses), options, "serial");
        return;
    }
#endif
    throw internal_error("backend '" + backend + "' is compiled in but has no engine");
}

simulation::~simulation() = default;
void simulation::run(std::uint64_t n_steps, const run_observer& observer) { impl_->engine->run(n_steps, observer); }
step_t simulation::current_step() const { return impl_->engine->step; }
std::uint64_t simulation::delivered_events() const { return impl_->engine->events; }
std::uint64_t simulation::spike_count() const { return impl_->engine->spikes; }
std::uint64_t simulation::steps_on_one_thread() const { return impl_->engine->steps_on_one_thread; }
const lowering_info& simulation::info() const { return impl_->engine->info; }
neuron_state simulation::state(neuron_id gid) const { return impl_->engine->state(gid); }
double simulation::synapse_weight(std::size_t projection, neuron_id source, neuron_id target) const {
    return impl_->engine->synapse_weight(projection, source, target);
}
simulation_state simulation::save_state() const { return impl_->engine->save_state(); }
void simulation::restore_state(const simulation_state& s) { impl_->engine->restore_state(s); }

synapse_kind projection_kind(const network_spec& spec, std::size_t k) {
    return k < spec.synapses.size() ? spec.synapses[k].kind : synapse_kind::static_synapse;
}

synapse_parts build_static_synapses(const network_spec& spec, neuron_range targets) {
    std::vector<bool> include(spec.projections.size());
    for (std::size_t k = 0; k < include.size(); ++k) include[k] = projection_kind(spec, k) == synapse_kind::static_synapse;
    return generate_synapses(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt, include, targets);
}

std::vector<neuron_id> rank_bounds(const network_spec& spec, int ranks, rank_partition kind) {
    // Work per neuron and step, in synapse units. Fitted to this engine's 2-rank runs
    // (docs/performance.md): an update (with its Poisson input) costs what ~13,000
    // synapses do at the microcircuit's 3 Hz, ~1,200 at Brunel's 37 Hz; 4,000 sits between.
    constexpr double update_cost = 4000.0;
    const population_layout& layout = spec.layout;
    const neuron_id n = layout.total();
    std::vector<double> cost(layout.count(), 1.0);
    if (kind == rank_partition::balanced) {
        for (auto& c : cost) c = update_cost;
        for (const auto& p : spec.projections)
            if (layout[p.target].size > 0) cost[p.target] += expected_synapses(layout, p) / layout[p.target].size;
    }
    double total = 0.0;
    for (std::size_t p = 0; p < layout.count(); ++p) total += cost[p] * layout[p].size;
    std::vector<neuron_id> bounds(static_cast<std::size_t>(ranks) + 1, n);
    bounds[0] = 0;
    std::size_t p = 0;
    double before = 0.0;  // cost of the populations before p
    for (int r = 1; r < ranks; ++r) {
        const double goal = total * r / ranks;
        while (p + 1 < layout.count() && before + cost[p] * layout[p].size < goal) {
            before += cost[p] * layout[p].size;
            ++p;
        }
        const double inside = cost[p] > 0 ? (goal - before) / cost[p] : 0.0;
        const double at = layout[p].first + std::clamp(inside, 0.0, double(layout[p].size));
        // Multiples of 64: whole update blocks (16 lanes) and spike-scan blocks per rank.
        const neuron_id rounded = static_cast<neuron_id>(std::llround(at / 64.0) * 64);
        bounds[r] = std::clamp(rounded, bounds[r - 1], n);
    }
    return bounds;
}

neuron_range owned_neurons(const network_spec& spec, const run_options& options) {
    const ranks& world = ranks::world();
    if (!options.distributed || !world.distributed()) return {};
    const std::vector<neuron_id> b = rank_bounds(spec, world.size(), options.partition);
    return {b[world.rank()], b[world.rank() + 1]};
}

}  // namespace synaptogen
