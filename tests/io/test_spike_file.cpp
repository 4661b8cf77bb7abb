// SONATA spike files: layout, round trip, and that an abandoned file never looks complete.
#include <filesystem>

#include <gtest/gtest.h>

#include <synaptogen/io/background_writer.hpp>
#include <synaptogen/io/spike_file.hpp>

using namespace synaptogen;
namespace fs = std::filesystem;

namespace {
fs::path temp_file(const std::string& name) {
    return fs::temp_directory_path() / ("synaptogen_" + std::to_string(::getpid()) + "_" + name);
}
}  // namespace

TEST(spike_file, round_trip_in_the_sonata_layout) {
    population_layout l;
    l.add("E", 4);
    l.add("I", 2);
    l.add("X", 3);
    const fs::path path = temp_file("spikes.h5");
    {
        spike_file_writer w(path.string(), l, {true, true, false}, 0.1);
        w.append({0, 0, 3, 9}, {1, 5, 7, 3});  // neuron 7 belongs to X: not recorded
        w.append({10}, {4});
        w.commit();
        EXPECT_EQ(w.written(), 4u);
    }
    const auto s = read_spike_file(path.string());
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s.at("E").node_ids, (std::vector<std::uint64_t>{1, 3}));
    ASSERT_EQ(s.at("E").timestamps.size(), 2u);
    EXPECT_DOUBLE_EQ(s.at("E").timestamps[0], 0.1);  // step 0 ends at 0.1 ms
    EXPECT_DOUBLE_EQ(s.at("E").timestamps[1], 1.0);
    EXPECT_EQ(s.at("I").node_ids, (std::vector<std::uint64_t>{1, 0}));  // local ids
    EXPECT_DOUBLE_EQ(s.at("I").timestamps[1], 1.1);
    EXPECT_EQ(s.at("E").sorting, "by_time");
    fs::remove(path);
}

TEST(spike_file, an_uncommitted_file_leaves_nothing_behind) {
    population_layout l;
    l.add("E", 4);
    const fs::path path = temp_file("abandoned.h5");
    {
        spike_file_writer w(path.string(), l, {true}, 0.1);
        w.append({0}, {1});
        EXPECT_TRUE(fs::exists(path.string() + ".part"));
    }
    EXPECT_FALSE(fs::exists(path));
    EXPECT_FALSE(fs::exists(path.string() + ".part"));
}

TEST(background_writer, runs_tasks_in_order_and_reports_failures) {
    std::vector<int> order;
    {
        background_writer w(2);
        for (int i = 0; i < 100; ++i) w.post([&order, i] { order.push_back(i); });
        w.finish();
    }
    ASSERT_EQ(order.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
    background_writer failing;
    failing.post([] { throw std::runtime_error("disk full"); });
    EXPECT_THROW(failing.finish(), std::runtime_error);
}
