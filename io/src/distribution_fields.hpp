#pragma once
// The fields of a drawn value, { distribution = "normal", mean = .., sd = .., min = .., max = .. },
// read through either of io's table readers (TOML in network_file.cpp, JSON in sonata.cpp):
// both offer string(key), number(key[, fallback]), fail(key, what) and finish(known).
#include <string>
#include <vector>

#include <synaptogen/graph/distribution.hpp>

namespace synaptogen::detail {

template <class Reader, class Suggest>
distribution read_distribution_fields(Reader& r, Suggest suggest) {
    distribution d;
    const std::string kind = r.string("distribution");
    std::vector<std::string> known = {"distribution", "min", "max"};
    if (kind == "constant") {
        d.kind = distribution_kind::constant;
        d.value = r.number("value");
        known.push_back("value");
    } else if (kind == "uniform") {
        d.kind = distribution_kind::uniform;
        d.low = r.number("low");
        d.high = r.number("high");
        if (!(d.low < d.high)) r.fail("high", "expected high > low");
        known.insert(known.end(), {"low", "high"});
    } else if (kind == "normal" || kind == "lognormal") {
        d.kind = kind == "normal" ? distribution_kind::normal : distribution_kind::lognormal;
        d.mean = r.number("mean");
        d.sd = r.number("sd");
        if (!(d.sd >= 0.0)) r.fail("sd", "expected a standard deviation >= 0");
        known.insert(known.end(), {"mean", "sd"});
    } else {
        r.fail("distribution", "unknown distribution '" + kind + "'" + suggest(kind, {"constant", "uniform", "normal", "lognormal"}));
    }
    d.min = r.number("min", d.min);
    d.max = r.number("max", d.max);
    if (!(d.min <= d.max)) r.fail("max", "expected max >= min");
    if (d.kind == distribution_kind::uniform && (d.high <= d.min || d.low >= d.max))
        r.fail("min", "the bounds exclude every value of the distribution");
    r.finish(known);
    return d;
}

}  // namespace synaptogen::detail
