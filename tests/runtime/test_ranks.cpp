// How a distributed run splits its neurons (rank_bounds), and the one-rank world a process
// started without mpirun sees. The distributed runs themselves are tested under mpirun by
// tests/cli/mpi.sh (same spikes at 1-4 ranks, mixed backends, checkpoints, failures).
#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/ranks.hpp>
#include <synaptogen/runtime/simulation.hpp>

using namespace synaptogen;

namespace {
network_spec two_populations(int dense_in_degree) {
    const std::string text = R"([simulation]
dt = 0.1
duration = 1.0
[[population]]
name = "A"
size = 1024
model = "iaf_psc_delta"
[[population]]
name = "B"
size = 1024
model = "iaf_psc_delta"
[[projection]]
source = "B"
target = "A"
rule = "fixed_indegree"
indegree = )" + std::to_string(dense_in_degree) + "\nweight = 0.1\ndelay = 1.5\n";
    return parse_network(text, "two.toml");
}
}  // namespace

TEST(ranks, even_bounds_are_whole_blocks_covering_every_neuron_once) {
    const network_spec spec = two_populations(10);
    for (int r : {1, 2, 3, 4, 7, 64}) {
        const auto b = rank_bounds(spec, r, rank_partition::even);
        ASSERT_EQ(b.size(), static_cast<std::size_t>(r) + 1);
        EXPECT_EQ(b.front(), 0u);
        EXPECT_EQ(b.back(), 2048u);
        for (int k = 0; k < r; ++k) {
            EXPECT_LE(b[k], b[k + 1]);
            if (k + 1 < r) {
                EXPECT_EQ(b[k + 1] % 64, 0u) << r << " ranks, bound " << k + 1;
            }
            EXPECT_NEAR(double(b[k + 1] - b[k]), 2048.0 / r, 64.0) << r << " ranks, rank " << k;
        }
    }
}

// Balanced: a neuron weighs 4,000 (its update) plus its expected incoming synapses. With A's
// neurons at 4,000 + 5,000 and B's at 4,000, half the work ends at A neuron 739.6, rounded
// to the block boundary 768.
TEST(ranks, balanced_bounds_give_dense_targets_fewer_neurons_per_rank) {
    const network_spec spec = two_populations(5000);
    const auto b = rank_bounds(spec, 2, rank_partition::balanced);
    EXPECT_EQ(b, (std::vector<neuron_id>{0, 768, 2048}));
    EXPECT_EQ(rank_bounds(spec, 2, rank_partition::even), (std::vector<neuron_id>{0, 1024, 2048}));
}

TEST(ranks, a_process_without_a_launcher_is_one_rank_owning_everything) {
    const ranks& w = ranks::world();
    EXPECT_EQ(w.size(), 1);
    EXPECT_EQ(w.rank(), 0);
    EXPECT_FALSE(w.distributed());
    std::vector<int> counts;
    EXPECT_EQ(w.all_gather(std::vector<std::uint32_t>{3, 1, 4}, &counts), (std::vector<std::uint32_t>{3, 1, 4}));
    EXPECT_EQ(counts, std::vector<int>{3});
    EXPECT_EQ(w.sum(std::uint64_t{5}), 5u);
    run_options o;
    o.distributed = true;  // asked for, but there is one rank: the whole network
    const neuron_range all = owned_neurons(two_populations(10), o);
    EXPECT_EQ(all.first, 0u);
    EXPECT_TRUE(all.contains(2047));
}
