#include <synaptogen/runtime/activity_statistics.hpp>

#include <cmath>

namespace synaptogen {

activity_statistics::activity_statistics(const population_layout& layout, double dt_ms)
    : layout_(&layout), dt_(dt_ms), count_(layout.total(), 0), last_(layout.total(), 0),
      isi_sum_(layout.total(), 0.0), isi_sq_(layout.total(), 0.0) {}

void activity_statistics::add(const spike_batch& batch) {
    for (std::size_t k = 0; k < batch.size(); ++k) {
        const neuron_id i = batch.neuron[k];
        const step_t s = batch.step[k];
        if (count_[i] > 0) {
            const double isi = (s - last_[i]) * dt_;
            isi_sum_[i] += isi;
            isi_sq_[i] += isi * isi;
        }
        last_[i] = s;
        ++count_[i];
    }
}

std::vector<population_activity> activity_statistics::summarize(double duration_ms) const {
    std::vector<population_activity> out(layout_->count());
    for (std::size_t p = 0; p < layout_->count(); ++p) {
        const population& pop = (*layout_)[p];
        population_activity& a = out[p];
        double cv_sum = 0.0;
        for (neuron_id i = pop.first; i < pop.first + pop.size; ++i) {
            a.spikes += count_[i];
            if (count_[i] >= 3) {
                const double n = count_[i] - 1;
                const double mean = isi_sum_[i] / n;
                const double var = std::max(0.0, isi_sq_[i] / n - mean * mean);
                cv_sum += std::sqrt(var) / mean;
                ++a.cv_neurons;
            }
        }
        a.rate_hz = pop.size > 0 && duration_ms > 0 ? a.spikes / (pop.size * duration_ms * 1e-3) : 0.0;
        a.cv_isi = a.cv_neurons > 0 ? cv_sum / a.cv_neurons : 0.0;
    }
    return out;
}

}  // namespace synaptogen
