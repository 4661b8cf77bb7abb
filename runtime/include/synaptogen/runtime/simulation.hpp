#pragma once
// The time-step loop. A simulation lowers a network (spec + synapse table) to Kokkos
// Views on the chosen backend and advances it step by step:
//
//   1. update every neuron (exact propagators; reads this step's ring-buffer slot and draws
//      its Poisson input from a counter-based stream keyed by (seed, neuron, step));
//   2. compact the spiking neurons into an ascending list (parallel scan);
//   3. deliver each spike along its CSR row into the ring buffer slot step + delay;
//   4. hand recorded spikes and trace samples to the observer.
//
// Synaptic input is summed in 64-bit fixed point (weights scaled by 2^k, chosen from the
// largest weight), so the sum is exact and independent of the order of delivery: spikes
// are bit-identical for any thread count and backend. Kokkos types stay behind the pimpl.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <synaptogen/graph/ids.hpp>
#include <synaptogen/graph/synapse_table.hpp>
#include <synaptogen/models/network_spec.hpp>
#include <synaptogen/models/simulation_state.hpp>

namespace synaptogen {

// How spikes are pushed into the ring buffer. Both give identical results (tested).
enum class delivery_kind {
    automatic,    // partitioned on host backends
    partitioned,  // targets split into one range per thread; each thread owns its range, no atomics
    atomic,       // one spike row per team, integer atomics (the GPU strategy)
};

// How a host backend with several threads uses them.
enum class thread_use {
    adaptive,     // all, unless one thread runs the steps faster: another process holds a core
    all,          // always all
    alternating,  // all and one in turn every few steps: for tests of switching
};

// How the neurons of a distributed run are split over ranks: contiguous ranges (the
// update kernels stay vectorised and each rank's ring, history and scans cover one range).
enum class rank_partition {
    balanced,  // equal shares of work: a neuron's update plus its expected incoming synapses
    even,      // equal numbers of neurons
};

struct run_options {
    std::string backend;  // "serial" or "openmp"; empty: the best available
    delivery_kind delivery = delivery_kind::automatic;
    thread_use width = thread_use::adaptive;
    // Split the network over the ranks of ranks::world() (when it has several): each rank
    // builds and updates its own neurons and the synapses onto them, and spikes are
    // exchanged once per minimum delay. The synapses passed in must be this rank's share
    // (build_static_synapses(spec, owned_neurons(spec, options))).
    bool distributed = false;
    rank_partition partition = rank_partition::balanced;
};

// Rank r owns neurons [bounds[r], bounds[r + 1]) (multiples of 64 but the last).
std::vector<neuron_id> rank_bounds(const network_spec& spec, int ranks, rank_partition kind);
// This process's neurons: all of them unless options.distributed and several ranks.
neuron_range owned_neurons(const network_spec& spec, const run_options& options);

// Spikes in (step, neuron) order: within a step ascending by neuron id.
struct spike_batch {
    std::vector<step_t> step;
    std::vector<neuron_id> neuron;
    std::size_t size() const { return neuron.size(); }
};

// Rows of samples of one trace record, row r taken after step (first_row + r) * every.
struct trace_batch {
    std::size_t record = 0;
    std::uint64_t first_row = 0;
    std::size_t columns = 0;
    std::vector<double> values;  // row-major, rows x columns
};

struct run_progress {
    step_t step = 0;
    step_t total = 0;
    double wall_seconds = 0.0;
};

struct run_observer {
    std::function<void(spike_batch&&)> on_spikes;    // recorded populations only
    std::function<void(trace_batch&&)> on_traces;
    std::function<void(const run_progress&)> on_progress;  // about twice a second
    std::function<bool()> should_stop;  // polled every 64 steps; true ends run() early
};

struct lowering_info {
    std::string backend;
    delivery_kind delivery = delivery_kind::automatic;
    int partitions = 1;
    bool arrival_delivery = false;  // static synapses delivered at arrival (rows ordered by delay)
    edge_index synapses = 0;
    std::size_t synapse_bytes = 0;  // device bytes of the per-synapse arrays (target|delay words, weights)
    std::size_t index_bytes = 0;    // device bytes of the per-neuron row offsets (one row map per partition)
    double bytes_per_synapse = 0.0; // synapse_bytes / synapses, measured from the Views: 8, or 4 with one weight per source
    bool row_weights = false;       // static weights stored once per source, not per synapse
    int fixed_point_bits = 0;       // weights are summed as integers in units of 2^-bits
    // Distributed runs: this rank, the ranks, its neurons, the steps between spike
    // exchanges (the minimum delay), and the seconds spent in them (communication and
    // waiting for the slowest rank). Synapse counts and bytes above are this rank's.
    int rank = 0, ranks = 1;
    neuron_range owned;
    std::uint32_t exchange_steps = 0;
    double exchange_seconds = 0.0;
    std::uint64_t exchanges = 0, exchanged_bytes = 0;  // bytes this rank received
    std::uint32_t max_delay_steps = 0;
    edge_index plastic_synapses = 0;  // STDP synapses (own store: weight, rule index, in-edge index)
    std::size_t plastic_bytes = 0;
    edge_index couplings = 0;         // gap-junction directions, graded and rate connections
    std::size_t parameter_groups = 0; // sets of neuron constants: one per homogeneous population,
                                      // one per distinct parameter set of a varied one
};

// The static synapses of a network, as generated parts: every projection whose synapse
// model is static (plastic and continuous projections are built by the simulation
// itself). merge_synapses() turns them into one table, for export and inspection.
// `targets`: only the synapses onto those neurons (a rank's share).
synapse_parts build_static_synapses(const network_spec& spec, neuron_range targets = {});
// The synapse model of projection k (static when the spec lists none).
synapse_kind projection_kind(const network_spec& spec, std::size_t k);

class simulation {
public:
    // Takes the static synapses (build_static_synapses) by value: they are packed into the
    // device layout chunk by chunk and released as they go.
    simulation(const network_spec& spec, synapse_parts synapses, const run_options& options = {});
    ~simulation();
    simulation(const simulation&) = delete;
    simulation& operator=(const simulation&) = delete;

    // Advances n steps from the current one.
    void run(std::uint64_t n_steps, const run_observer& observer = {});

    step_t current_step() const;
    std::uint64_t delivered_events() const;  // synaptic events so far
    std::uint64_t spike_count() const;       // all neurons, recorded or not
    // Steps run on one thread of a multi-threaded host backend (thread_use::adaptive found
    // another process on the cores).
    std::uint64_t steps_on_one_thread() const;
    const lowering_info& info() const;
    // State of one neuron (V relative to E_L). For tests and inspection; copies from the device.
    neuron_state state(neuron_id gid) const;
    // Current weight of the first synapse from source to target (local ids) of plastic
    // projection k; NaN if there is none. Copies from the device.
    double synapse_weight(std::size_t projection, neuron_id source, neuron_id target) const;

    // Checkpoints: everything needed to continue bit-identically; restore() needs a
    // simulation of the same network (checked by fingerprint).
    simulation_state save_state() const;
    void restore_state(const simulation_state& s);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

const char* to_string(delivery_kind k);

}  // namespace synaptogen
