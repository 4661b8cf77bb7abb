// Determinism is a contract: the same file and seed give bit-identical spikes for any
// thread count, backend, delivery strategy and repetition; another seed gives others.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <synaptogen/io/spike_file.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>

#include "test_support.hpp"
#include "runtime/backend_identity.hpp"

using namespace synaptogen;
using synaptogen::testing::run_network;
using synaptogen::testing::small_brunel;

namespace {

network_spec brunel_spec(std::uint64_t seed, const std::string& model = "iaf_psc_delta") {
    return parse_network(small_brunel(2000, 200.0, seed, model), "small_brunel.toml");
}

}  // namespace

class determinism : public ::testing::TestWithParam<std::string> {};

TEST_P(determinism, backends_and_delivery_strategies_agree_bit_for_bit) {
    const network_spec spec = brunel_spec(11, GetParam());
    const auto reference = run_network(spec, {"serial", delivery_kind::automatic});
    ASSERT_GT(reference.neuron.size(), 1000u);  // a network that actually fires
    EXPECT_TRUE(reference == run_network(spec, {"openmp", delivery_kind::partitioned}));
    EXPECT_TRUE(reference == run_network(spec, {"openmp", delivery_kind::atomic}));
    EXPECT_TRUE(reference == run_network(spec, {"serial", delivery_kind::atomic}));
    // Switching between all threads and one every few steps (what a run beside a busy
    // neighbour does) keeps the bits.
    EXPECT_TRUE(reference == run_network(spec, {"openmp", delivery_kind::partitioned, thread_use::alternating}));
    EXPECT_TRUE(reference == run_network(spec, {"openmp", delivery_kind::atomic, thread_use::alternating}));
}

TEST_P(determinism, repeated_runs_are_identical_and_seeds_matter) {
    const auto a = run_network(brunel_spec(11, GetParam()));
    const auto b = run_network(brunel_spec(11, GetParam()));
    const auto c = run_network(brunel_spec(12, GetParam()));
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a == c);
}

INSTANTIATE_TEST_SUITE_P(models, determinism, ::testing::Values("iaf_psc_delta", "iaf_psc_exp"));

// A projection whose weight is one constant keeps no weight per synapse: where the
// projections leaving each population agree, the store holds one weight per source
// (4 bytes per synapse instead of 8). The same synapses with their weights listed one by
// one must give the same spikes under every delivery strategy, and the memory estimate
// must count what the engine allocates.
TEST(determinism, one_weight_per_source_gives_the_spikes_of_per_synapse_weights) {
    const std::string text = small_brunel(2000, 200.0, 7, "iaf_psc_exp");
    const network_spec spec = parse_network(text, "row.toml");
    auto listed = [&] {  // the same parts, each weight stored per synapse
        synapse_parts parts = build_static_synapses(spec);
        for (projection_part& part : parts.projections) {
            EXPECT_TRUE(part.constant_weight);
            EXPECT_FALSE(part.by_target);
            draw_deferred_values(part);  // the drawn delays
            for (synapse_chunk& ch : part.chunks) ch.weight.assign(ch.target.size(), part.weight);
            part.constant_weight = false;
        }
        return parts;
    };
    auto run = [&](synapse_parts&& parts, const run_options& options) {
        simulation sim(spec, std::move(parts), options);
        synaptogen::testing::spike_list out;
        sim.run(spec.simulation.steps(), synaptogen::testing::collecting(out));
        return std::make_pair(sim.info(), out);
    };
    const auto [each, reference] = run(listed(), {"serial", delivery_kind::automatic});
    ASSERT_GT(reference.neuron.size(), 1000u);
    EXPECT_FALSE(each.row_weights);
    EXPECT_DOUBLE_EQ(each.bytes_per_synapse, 8.0);
    for (const run_options& o : {run_options{"serial", delivery_kind::automatic}, run_options{"openmp", delivery_kind::partitioned},
                                 run_options{"openmp", delivery_kind::atomic}, run_options{"serial", delivery_kind::atomic}}) {
        const auto [row, spikes] = run(build_static_synapses(spec), o);
        EXPECT_TRUE(row.row_weights);
        EXPECT_EQ(row.synapses, each.synapses);
        EXPECT_DOUBLE_EQ(row.bytes_per_synapse, 4.0);
        EXPECT_TRUE(spikes == reference) << o.backend << " " << to_string(o.delivery);
        // The listed weights on this strategy too (the reference is serial).
        EXPECT_TRUE(run(listed(), o).second == reference) << o.backend << " " << to_string(o.delivery);
    }
    // The estimate counts 4 bytes per synapse, plus one weight per neuron.
    const memory_estimate m = estimate_memory(spec);
    network_spec drawn = spec;
    for (auto& p : drawn.projections) p.weight.kind = distribution_kind::normal;  // sd 0: the same numbers
    EXPECT_NEAR(estimate_memory(drawn).runtime_bytes - m.runtime_bytes, 4.0 * m.synapses - 4.0 * 2000, 1e-6 * m.synapses);

    // E -> I with another weight than E -> E: E's synapses need their own weights again.
    std::string mixed = text;
    const std::size_t ei = mixed.find("target = \"I\"\nrule = \"fixed_probability\"\np = 0.1\nweight = 52.000000");
    ASSERT_NE(ei, std::string::npos);
    mixed.replace(mixed.find("52.000000", ei), 9, "60.0");
    const network_spec disagree = parse_network(mixed, "mixed.toml");
    const lowering_info d = simulation(disagree, build_static_synapses(disagree), {"serial"}).info();
    EXPECT_FALSE(d.row_weights);
    EXPECT_DOUBLE_EQ(d.bytes_per_synapse, 8.0);
    EXPECT_DOUBLE_EQ(estimate_memory(disagree).runtime_bytes, estimate_memory(drawn).runtime_bytes);
}

// Partitioned delivery of static synapses happens at arrival time (rows ordered by delay,
// a one-slot ring), atomic delivery at emission time (a ring of d_max slots). A checkpoint
// holds the input still in flight in ring form either way, so a run can stop under one
// and continue under the other, and still match the uninterrupted run spike for spike.
TEST(determinism, checkpoints_carry_input_in_flight_between_delivery_timings) {
    const network_spec spec = brunel_spec(5, "iaf_psc_exp");  // delays 8-20 steps
    const auto reference = run_network(spec, {"serial", delivery_kind::automatic});
    ASSERT_GT(reference.neuron.size(), 1000u);
    const std::uint64_t steps = spec.simulation.steps(), first = steps / 2 + 3;
    const run_options arrival{"openmp", delivery_kind::partitioned}, emission{"openmp", delivery_kind::atomic};
    std::vector<std::int64_t> saved_ring[2];
    for (int k = 0; k < 4; ++k) {
        const run_options& before = k % 2 ? emission : arrival;
        const run_options& after = k / 2 ? emission : arrival;
        synaptogen::testing::spike_list out;
        run_observer obs;
        obs.on_spikes = [&](spike_batch&& b) {
            out.step.insert(out.step.end(), b.step.begin(), b.step.end());
            out.neuron.insert(out.neuron.end(), b.neuron.begin(), b.neuron.end());
        };
        simulation a(spec, build_static_synapses(spec), before);
        EXPECT_EQ(a.info().arrival_delivery, &before == &arrival);
        a.run(first, obs);
        const simulation_state state = a.save_state();
        saved_ring[k % 2] = state.ring;
        simulation b(spec, build_static_synapses(spec), after);
        b.restore_state(state);
        b.run(steps - first, obs);
        EXPECT_TRUE(out == reference) << "stopped " << (k % 2 ? "emission" : "arrival") << ", continued "
                                      << (k / 2 ? "emission" : "arrival");
    }
    // Input was in flight at the checkpoint, and both timings saved the same ring.
    EXPECT_GT(std::count_if(saved_ring[0].begin(), saved_ring[0].end(), [](std::int64_t x) { return x != 0; }), 100);
    EXPECT_EQ(saved_ring[0], saved_ring[1]);
}

// Thread counts are fixed per process (Kokkos initialises once), so this test runs the
// program itself with --threads 1 and 2 and compares the HDF5 datasets.
TEST(determinism, one_and_two_threads_write_identical_spike_files) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("synaptogen_det_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path file = dir / "net.toml", features = dir / "features.toml";
    std::ofstream(file) << small_brunel(3000, 300.0, 5);
    std::ofstream(features) << synaptogen::testing::feature_network(100.0, 4);
    auto run_file = [&](const fs::path& net, const std::string& name, const std::string& flags) {
        const std::string cmd = std::string(SYNAPTOGEN_EXE) + " run " + net.string() + " --out " + (dir / name).string() +
                                " --no-progress --log-level warn " + flags + " > /dev/null";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
        return read_spike_file((dir / name / "spikes.h5").string());
    };
    auto run = [&](const std::string& name, const std::string& flags) { return run_file(file, name, flags); };
    // Every model and synapse model: one thread and two give the same spikes.
    const auto f1 = run_file(features, "f1", "--threads 1"), f2 = run_file(features, "f2", "--threads 2");
    ASSERT_EQ(f1.size(), 9u);
    for (const auto& [pop, s] : f1) {
        EXPECT_EQ(s.timestamps, f2.at(pop).timestamps) << pop;
        EXPECT_EQ(s.node_ids, f2.at(pop).node_ids) << pop;
    }
    const auto t1 = run("t1", "--threads 1");
    const auto t2 = run("t2", "--threads 2");
    const auto serial = run("serial", "--threads 2 --backend serial");
    const auto seed = run("seed", "--threads 2 --seed 6");
    ASSERT_EQ(t1.size(), 2u);
    for (const auto& [pop, s] : t1) {
        EXPECT_GT(s.node_ids.size(), 100u) << pop;
        EXPECT_EQ(s.sorting, "by_time");
        EXPECT_EQ(s.timestamps, t2.at(pop).timestamps) << pop;
        EXPECT_EQ(s.node_ids, t2.at(pop).node_ids) << pop;
        EXPECT_EQ(s.timestamps, serial.at(pop).timestamps) << pop;
        EXPECT_EQ(s.node_ids, serial.at(pop).node_ids) << pop;
        EXPECT_NE(s.node_ids, seed.at(pop).node_ids) << pop;
    }
    fs::remove_all(dir);
}

// Every model, synapse model and stimulus in one network: spikes and plastic weights are
// identical for every backend and delivery strategy, and repeat exactly.
TEST(determinism, every_model_and_plasticity_rule_agrees_across_backends) {
    const network_spec spec = parse_network(synaptogen::testing::feature_network(150.0, 3), "features.toml");
    auto run = [&](const run_options& o) {
        simulation sim(spec, build_static_synapses(spec), o);
        synaptogen::testing::spike_list out;
        sim.run(spec.simulation.steps(), synaptogen::testing::collecting(out));
        EXPECT_FALSE(sim.info().arrival_delivery);  // STDP synapses are delivered at emission time
        return std::make_pair(out, sim.save_state());
    };
    const auto [spikes, state] = run({"serial", delivery_kind::automatic});
    // Every spiking population fires.
    std::vector<std::size_t> per_population(spec.layout.count(), 0);
    for (neuron_id i : spikes.neuron) ++per_population[spec.layout.population_of(i)];
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        if (is_spiking(spec.models[p].model)) {
            EXPECT_GT(per_population[p], 0u) << spec.layout[p].name;
        }
    for (const run_options& o : {run_options{"openmp", delivery_kind::partitioned}, run_options{"openmp", delivery_kind::atomic},
                                 run_options{"serial", delivery_kind::atomic}, run_options{"serial", delivery_kind::automatic}}) {
        const auto [other_spikes, other_state] = run(o);
        EXPECT_TRUE(spikes == other_spikes) << o.backend << " " << to_string(o.delivery);
        EXPECT_EQ(state.neuron_state, other_state.neuron_state) << o.backend << " " << to_string(o.delivery);
        // Input still in flight at the end, in ring-buffer form whatever the delivery timing.
        EXPECT_EQ(state.ring, other_state.ring) << o.backend << " " << to_string(o.delivery);
        // Saved in the table's order, whatever the partitioning: equal synapse by synapse.
        EXPECT_EQ(state.plastic_weights, other_state.plastic_weights) << o.backend << " " << to_string(o.delivery);
    }
    // STDP did change weights.
    auto w = state.plastic_weights;
    EXPECT_GT(std::count_if(w.begin(), w.end(), [](float x) { return x != 30.0f && x != 25.0f; }), 100);
}

// The examples (noise, gap junctions, STDP, conductances, DC input...) end in the same state
// bit for bit with partitioned delivery on one thread and atomic delivery on two: the
// contract a GPU run is held to as well (test_gpu.cpp).
class example_identity : public ::testing::TestWithParam<synaptogen::testing::identity_case> {};

TEST_P(example_identity, serial_and_openmp_atomic_end_in_the_same_state) {
    const auto& c = GetParam();
    const network_spec spec = synaptogen::testing::example_spec(c.example, c.duration_ms,
                                                                c.scale > 0 ? std::optional<double>(c.scale) : std::nullopt);
    synaptogen::testing::expect_identical_runs(spec, {"serial", delivery_kind::automatic},
                                               {"openmp", delivery_kind::atomic}, c.min_spikes);
}

INSTANTIATE_TEST_SUITE_P(examples, example_identity, ::testing::ValuesIn(synaptogen::testing::identity_cases),
                         synaptogen::testing::identity_case_name);
