// The choice between all threads and one (thread_width.hpp), driven by synthetic step
// costs: an idle machine keeps all threads, a busy neighbour moves the run to one thread,
// and the run comes back when the neighbour leaves.
#include <gtest/gtest.h>

#include <synaptogen/runtime/thread_width.hpp>

using synaptogen::thread_width;

namespace {

// Runs windows with seconds per step `wide` on all threads and `narrow` on one, for
// `steps` steps; returns the steps run on one thread.
std::uint64_t drive(thread_width& t, double wide, double narrow, std::uint64_t steps) {
    std::uint64_t on_one = 0;
    for (std::uint64_t done = 0; done < steps;) {
        const std::uint32_t n = t.window();
        const double per_step = t.narrow() ? narrow : wide;
        // A probe that cannot win stops as soon as it has lost (checked after each step).
        std::uint32_t k = 0;
        while (k < n && !t.probe_lost(per_step * k)) ++k;
        if (t.narrow()) on_one += k;
        t.measured(per_step * k, k);
        done += k;
    }
    return on_one;
}

}  // namespace

TEST(thread_width, an_idle_machine_keeps_all_threads) {
    thread_width t;
    const std::uint64_t steps = 200000;
    const std::uint64_t on_one = drive(t, 1e-4, 1.6e-4, steps);  // 2 threads: 1.6x faster
    EXPECT_LT(on_one, steps / 100) << "probes of one thread cost at most 1 % of the steps";
    EXPECT_FALSE(t.chose_narrow());
    EXPECT_EQ(t.switches(), 1u);  // from the start on one thread to all
}

TEST(thread_width, a_busy_neighbour_moves_the_run_to_one_thread_and_back) {
    thread_width t;
    drive(t, 1e-4, 1.6e-4, 20000);
    ASSERT_FALSE(t.chose_narrow());
    // A neighbour arrives: all threads now take 2.6x as long as one.
    const std::uint64_t steps = 100000;
    const std::uint64_t on_one = drive(t, 2.6e-4, 1e-4, steps);
    EXPECT_TRUE(t.chose_narrow());
    EXPECT_GT(on_one, steps * 98 / 100);
    // It leaves: the next probe of all threads wins, within the longest probe interval.
    const std::uint64_t window = t.window();
    drive(t, 1e-4, 1.6e-4, (thread_width::max_interval + 2) * window);
    EXPECT_FALSE(t.chose_narrow());
}

TEST(thread_width, windows_grow_to_a_measurable_length) {
    thread_width t;
    EXPECT_EQ(t.window(), thread_width::first_window);
    drive(t, 1e-6, 1.6e-6, 100000);  // 1 us per step: windows of at least 10 ms
    EXPECT_GE(t.window() * 1e-6, thread_width::min_window_seconds / 2);
    EXPECT_LE(t.window(), thread_width::max_window);
}

TEST(thread_width, a_probe_stops_once_it_cannot_win) {
    thread_width t;  // starts on one thread; the first window measures it
    t.measured(t.window() * 1e-3, t.window());
    // Now probing all threads: a window of 16 steps at 1 ms would take 16 ms; the probe
    // must beat 0.8 of that, so it has lost at 12.8 ms.
    ASSERT_FALSE(t.narrow());
    EXPECT_FALSE(t.probe_lost(0.8 * 1e-3 * t.window() - 1e-6));
    EXPECT_TRUE(t.probe_lost(0.8 * 1e-3 * t.window() + 1e-6));
}

// The first window runs on one thread as a guess, not a choice: an idle run reports no
// step on one thread.
TEST(thread_width, the_starting_window_is_not_counted_as_chosen) {
    thread_width t;
    EXPECT_TRUE(t.narrow());
    EXPECT_FALSE(t.chose_narrow());
    EXPECT_GT(drive(t, 1e-4, 1.6e-4, 1000), 0u);  // the starting window ran on one thread
    thread_width u;
    std::uint64_t chosen = 0;
    for (int w = 0; w < 200; ++w) {
        const std::uint32_t n = u.window();
        if (u.chose_narrow()) chosen += n;
        u.measured((u.narrow() ? 1.6e-4 : 1e-4) * n, n);
    }
    EXPECT_EQ(chosen, 0u);
}
