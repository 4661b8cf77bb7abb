#pragma once
#include <cstdint>
#include <vector>

#include <synaptogen/graph/population.hpp>
#include <synaptogen/runtime/simulation.hpp>

namespace synaptogen {

// Firing statistics of recorded spikes, accumulated batch by batch.
struct population_activity {
    std::uint64_t spikes = 0;
    double rate_hz = 0.0;       // mean over all neurons of the population
    double cv_isi = 0.0;        // mean over neurons with >= 3 spikes of std(ISI)/mean(ISI)
    std::uint64_t cv_neurons = 0;
};

class activity_statistics {
public:
    activity_statistics(const population_layout& layout, double dt_ms);
    void add(const spike_batch& batch);
    // duration_ms: the simulated time the spikes cover.
    std::vector<population_activity> summarize(double duration_ms) const;

private:
    const population_layout* layout_;
    double dt_;
    std::vector<std::uint32_t> count_;
    std::vector<step_t> last_;
    std::vector<double> isi_sum_, isi_sq_;
};

}  // namespace synaptogen
