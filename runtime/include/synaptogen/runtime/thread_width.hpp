#pragma once
// All threads or one, chosen while a host run goes, from measured time per step.
//
// On a machine of its own a run is fastest on all its threads. When another process holds
// a core, every barrier of a step waits for a descheduled thread, and one thread is
// faster: Brunel 12,500 beside one CPU burner took 7.6 s on 2 threads and 2.9 s on 1
// (docs/performance.md). The kernels give the same bits on any thread count, so the run
// may switch at any step. It runs windows of steps on its current width and now and then
// one window on the other; a probe that is clearly faster wins, and one that can no longer
// win stops early (a descheduled thread can stall a barrier for tens of milliseconds).
// Probes grow rare while the choice holds (1 window in 257 at most) and frequent again
// after a switch or a sudden slowdown, since neighbours come and go.
#include <algorithm>
#include <cstdint>

namespace synaptogen {

class thread_width {
public:
    // Steps in the next window, and whether to run it on one thread.
    std::uint32_t window() const { return window_; }
    bool narrow() const { return probing_ ? !narrow_ : narrow_; }
    // Whether one thread is the current choice: measured, not the starting guess or a probe.
    bool chose_narrow() const { return narrow_ && !probing_ && decided_; }
    // Whether this window is a probe of the other width.
    bool probing() const { return probing_; }
    // Whether the probe running for `seconds` so far has lost already (end its window).
    bool probe_lost(double seconds) const { return probing_ && seconds > win_margin * last_ * window_; }
    // The wall time of the window just run, `steps` long (fewer for a probe that lost);
    // picks the next.
    void measured(double seconds, std::uint32_t steps) {
        const double per_step = seconds / std::max<std::uint32_t>(steps, 1);
        if (probing_) {
            probing_ = false;
            decided_ = true;
            if (per_step < win_margin * last_) {  // the other width is clearly faster
                narrow_ = !narrow_;
                ++switches_;
                interval_ = first_interval;
                last_ = per_step;
            } else {
                interval_ = std::min(interval_ * 2, max_interval);
            }
            until_probe_ = interval_;
            return;
        }
        // A window much slower than the one before: a neighbour may have arrived (or the
        // network got busier). Probe the other width now, whatever the interval.
        const bool slowed = last_ > 0.0 && per_step > slowdown * last_;
        last_ = per_step;
        // Windows long enough to average over a few scheduler slices.
        if (seconds < min_window_seconds && window_ < max_window) window_ *= 2;
        if (slowed || until_probe_ == 0 || --until_probe_ == 0) probing_ = true;
    }
    unsigned switches() const { return switches_; }

    static constexpr double win_margin = 0.8, slowdown = 1.5;
    static constexpr double min_window_seconds = 0.01;
    static constexpr std::uint32_t first_window = 16, max_window = 8192;
    static constexpr unsigned first_interval = 2, max_interval = 256;

private:
    std::uint32_t window_ = first_window;
    bool narrow_ = true, probing_ = false, decided_ = false;  // start on one thread: cheap to leave, unlike a stalled team
    unsigned interval_ = first_interval, until_probe_ = 1, switches_ = 0;  // the first probe early
    double last_ = 0.0;  // seconds per step of the last window on the current width
};

}  // namespace synaptogen
