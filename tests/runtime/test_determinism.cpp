// Determinism is a contract: the same file and seed give bit-identical spikes for any
// thread count, backend, delivery strategy and repetition; another seed gives others.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <synaptogen/io/spike_file.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>

#include "test_support.hpp"

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
}

TEST_P(determinism, repeated_runs_are_identical_and_seeds_matter) {
    const auto a = run_network(brunel_spec(11, GetParam()));
    const auto b = run_network(brunel_spec(11, GetParam()));
    const auto c = run_network(brunel_spec(12, GetParam()));
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a == c);
}

INSTANTIATE_TEST_SUITE_P(models, determinism, ::testing::Values("iaf_psc_delta", "iaf_psc_exp"));

// Thread counts are fixed per process (Kokkos initialises once), so this test runs the
// program itself with --threads 1 and 2 and compares the HDF5 datasets.
TEST(determinism, one_and_two_threads_write_identical_spike_files) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("synaptogen_det_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path file = dir / "net.toml";
    std::ofstream(file) << small_brunel(3000, 300.0, 5);
    auto run = [&](const std::string& name, const std::string& flags) {
        const std::string cmd = std::string(SYNAPTOGEN_EXE) + " run " + file.string() + " --out " + (dir / name).string() +
                                " --no-progress --log-level warn " + flags + " > /dev/null";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
        return read_spike_file((dir / name / "spikes.h5").string());
    };
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
