#pragma once
#include <string>

#include <synaptogen/graph/random.hpp>

namespace synaptogen {

enum class distribution_kind { constant, uniform, normal, lognormal };

// A scalar drawn per synapse or per neuron. Draws outside [min, max] are redrawn (as NEST's
// `redraw`), so bounds shape the distribution instead of piling mass on the edges.
struct distribution {
    distribution_kind kind = distribution_kind::constant;
    double value = 0.0;  // constant
    double low = 0.0, high = 1.0;   // uniform on [low, high)
    double mean = 0.0, sd = 1.0;    // normal: of the value; lognormal: of log(value)
    double min = -1e300, max = 1e300;

    static distribution constant_value(double v) {
        distribution d;
        d.value = v;
        return d;
    }
    bool is_constant() const { return kind == distribution_kind::constant; }

    // Smallest and largest value a draw can take (for validation and the fixed-point scale).
    double lower_bound() const;
    double upper_bound() const;

    double draw(counter_rng& rng) const;
    std::string describe() const;
};

}  // namespace synaptogen
