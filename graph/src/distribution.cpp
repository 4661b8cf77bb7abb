#include <synaptogen/graph/distribution.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include <boost/random/normal_distribution.hpp>

namespace synaptogen {

double distribution::lower_bound() const {
    switch (kind) {
    case distribution_kind::constant: return value;
    case distribution_kind::uniform: return std::max(low, min);
    case distribution_kind::normal: return min;
    case distribution_kind::lognormal: return std::max(0.0, min);
    }
    return min;
}

double distribution::upper_bound() const {
    switch (kind) {
    case distribution_kind::constant: return value;
    case distribution_kind::uniform: return std::min(high, max);
    case distribution_kind::normal: return max;
    case distribution_kind::lognormal: return max;
    }
    return max;
}

double distribution::draw(counter_rng& rng) const {
    // Boost's ziggurat: about one Philox word per normal, where Box-Muller took four words,
    // a log, a sqrt and a cos (half of the full-scale microcircuit's construction time).
    boost::random::normal_distribution<double> unit;
    auto once = [&]() -> double {
        switch (kind) {
        case distribution_kind::constant: return value;
        case distribution_kind::uniform: return low + (high - low) * rng.uniform();
        case distribution_kind::normal: return mean + sd * unit(rng);
        case distribution_kind::lognormal: return std::exp(mean + sd * unit(rng));
        }
        return value;
    };
    if (kind == distribution_kind::constant) return value;
    // Redraw outside the bounds. The parser rejects bounds that exclude all the mass, so
    // the cap only guards against pathological inputs (e.g. a 10-sigma window).
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const double x = once();
        if (x >= min && x <= max) return x;
    }
    return std::clamp(once(), min, max);
}

std::string distribution::describe() const {
    std::ostringstream s;
    switch (kind) {
    case distribution_kind::constant: s << value; break;
    case distribution_kind::uniform: s << "uniform(" << low << ", " << high << ")"; break;
    case distribution_kind::normal: s << "normal(" << mean << ", " << sd << ")"; break;
    case distribution_kind::lognormal: s << "lognormal(" << mean << ", " << sd << ")"; break;
    }
    return s.str();
}

}  // namespace synaptogen
