// Checkpoint/restore through the program: a run stopped at T (its last checkpoint at T)
// and resumed to the end writes spikes and traces bit-identical to the uninterrupted run,
// for a network with STDP, gap junctions, graded and rate connections, noise and step
// currents, spike sources and most neuron models (testing::feature_network).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/io/spike_file.hpp>

#include "test_support.hpp"

using namespace synaptogen;
namespace fs = std::filesystem;

namespace {

struct scratch {
    fs::path dir = fs::temp_directory_path() / ("synaptogen_ckpt_" + std::to_string(::getpid()));
    scratch() { fs::create_directories(dir); }
    ~scratch() { fs::remove_all(dir); }
};

int run(const std::string& args) {
    const std::string cmd = std::string(SYNAPTOGEN_EXE) + " run " + args + " --no-progress --log-level error > /dev/null 2>&1";
    return WEXITSTATUS(std::system(cmd.c_str()));
}

std::vector<double> report_data(const fs::path& file) {
    h5::handle f = h5::open_file(file.string());
    h5::handle report = h5::open_group(f.get(), "report");
    const auto pops = h5::child_names(report.get());
    h5::handle g = h5::open_group(report.get(), pops.at(0));
    return h5::read_doubles(g.get(), "data");
}

}  // namespace

TEST(checkpoint, resumed_run_is_bit_identical_to_the_uninterrupted_one) {
    scratch s;
    const fs::path net = s.dir / "features.toml";
    std::ofstream(net) << synaptogen::testing::feature_network(150.0, 9);
    ASSERT_EQ(run(net.string() + " --out " + (s.dir / "full").string()), 0);
    // Stop at 90 ms with checkpoints every 40 ms: the last one is at 80 ms.
    ASSERT_EQ(run(net.string() + " --out " + (s.dir / "part").string() + " --duration 90 --checkpoint-every 40"), 0);
    ASSERT_TRUE(fs::exists(s.dir / "part" / "checkpoint.h5"));
    ASSERT_EQ(run(net.string() + " --out " + (s.dir / "resumed").string() + " --resume " + (s.dir / "part" / "checkpoint.h5").string()), 0);

    // Also with another thread count and delivery strategy: the checkpoint does not depend on them.
    ASSERT_EQ(run(net.string() + " --out " + (s.dir / "resumed1").string() + " --threads 1 --delivery atomic --resume " +
                  (s.dir / "part" / "checkpoint.h5").string()),
              0);

    const auto full = read_spike_file((s.dir / "full" / "spikes.h5").string());
    const auto resumed = read_spike_file((s.dir / "resumed" / "spikes.h5").string());
    const auto resumed1 = read_spike_file((s.dir / "resumed1" / "spikes.h5").string());
    ASSERT_EQ(full.size(), resumed.size());
    std::size_t total = 0;
    for (const auto& [pop, spikes] : full) {
        EXPECT_EQ(spikes.timestamps, resumed.at(pop).timestamps) << pop;
        EXPECT_EQ(spikes.node_ids, resumed.at(pop).node_ids) << pop;
        EXPECT_EQ(spikes.timestamps, resumed1.at(pop).timestamps) << pop;
        EXPECT_EQ(spikes.node_ids, resumed1.at(pop).node_ids) << pop;
        total += spikes.node_ids.size();
    }
    EXPECT_GT(total, 1000u);
    for (const char* report : {"adex_w.h5", "plastic_weight.h5"}) {
        const auto a = report_data(s.dir / "full" / report), b = report_data(s.dir / "resumed" / report);
        EXPECT_EQ(a, b) << report;
        EXPECT_GT(a.size(), 10u) << report;
    }
    // The plastic weights really changed over the run (so the test covers STDP state).
    const auto w = report_data(s.dir / "full" / "plastic_weight.h5");
    EXPECT_NE(w.front(), w.back());
}

TEST(checkpoint, refuses_a_checkpoint_of_another_network) {
    scratch s;
    const fs::path a = s.dir / "a.toml", b = s.dir / "b.toml";
    std::ofstream(a) << synaptogen::testing::small_brunel(500, 50.0, 1);
    std::ofstream(b) << synaptogen::testing::small_brunel(500, 50.0, 2);
    ASSERT_EQ(run(a.string() + " --out " + (s.dir / "a").string() + " --checkpoint-every 20"), 0);
    const std::string ckpt = (s.dir / "a" / "checkpoint.h5").string();
    EXPECT_EQ(run(b.string() + " --out " + (s.dir / "b").string() + " --resume " + ckpt), 2);  // other seed in the file
    EXPECT_FALSE(fs::exists(s.dir / "b" / "run.json"));
    EXPECT_EQ(run(a.string() + " --out " + (s.dir / "c").string() + " --seed 5 --resume " + ckpt), 2);
    EXPECT_EQ(run(a.string() + " --out " + (s.dir / "d").string() + " --resume " + a.string()), 2);  // not a checkpoint
    EXPECT_EQ(run(a.string() + " --out " + (s.dir / "e").string() + " --resume " + ckpt), 0);
}

// A checkpoint from before glif_psc's slots holds six state slots per neuron; it restores,
// and the run goes on as the uninterrupted one.
TEST(checkpoint, six_slot_checkpoints_from_before_glif_psc_still_load) {
    const network_spec spec = parse_network(synaptogen::testing::small_brunel(500, 40.0, 3, "iaf_psc_exp"), "brunel.toml");
    simulation full(spec, build_static_synapses(spec));
    full.run(400);
    simulation part(spec, build_static_synapses(spec));
    part.run(200);
    simulation_state old = part.save_state();
    ASSERT_EQ(old.slots, static_cast<std::uint32_t>(state_slots));
    old.slots = 6;
    old.neuron_state.resize(6 * spec.layout.total());  // [slot][neuron]: the first six slots
    simulation resumed(spec, build_static_synapses(spec));
    resumed.restore_state(old);
    resumed.run(200);
    const simulation_state a = full.save_state(), b = resumed.save_state();
    EXPECT_GT(a.spikes, 100u);
    EXPECT_EQ(a.spikes, b.spikes);
    EXPECT_EQ(a.neuron_state, b.neuron_state);
    old.slots = 5;
    EXPECT_THROW(resumed.restore_state(old), std::runtime_error);
}
