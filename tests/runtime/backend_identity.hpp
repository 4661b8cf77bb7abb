#pragma once
// Runs one network on two backends (or delivery strategies) and compares everything that
// must be bit-identical: the spikes, and the whole state at the end (potentials, currents,
// refractory counters, input in flight, plastic weights, STDP traces).
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "test_support.hpp"

namespace synaptogen::testing {

struct run_outcome {
    spike_list spikes;
    simulation_state state;
};

inline run_outcome run_to_end(const network_spec& spec, const run_options& options) {
    simulation sim(spec, build_static_synapses(spec), options);
    run_outcome out;
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) {
        out.spikes.step.insert(out.spikes.step.end(), b.step.begin(), b.step.end());
        out.spikes.neuron.insert(out.spikes.neuron.end(), b.neuron.begin(), b.neuron.end());
    };
    sim.run(spec.simulation.steps(), obs);
    out.state = sim.save_state();
    return out;
}

// An example from examples/, shortened to `duration_ms` and optionally scaled down.
inline network_spec example_spec(const std::string& name, double duration_ms, std::optional<double> scale = {}) {
    network_spec spec = load_network_file(std::string(SYNAPTOGEN_SOURCE_DIR) + "/examples/" + name + ".toml", scale);
    spec.simulation.duration = duration_ms;
    return spec;
}

inline void expect_identical_runs(const network_spec& spec, const run_options& a, const run_options& b,
                                  std::size_t min_spikes) {
    const run_outcome x = run_to_end(spec, a), y = run_to_end(spec, b);
    ASSERT_GE(x.spikes.step.size(), min_spikes) << "a network that fires";
    EXPECT_TRUE(x.spikes == y.spikes) << x.spikes.step.size() << " vs " << y.spikes.step.size() << " spikes";
    EXPECT_EQ(x.state.spikes, y.state.spikes);
    EXPECT_EQ(x.state.events, y.state.events);
    EXPECT_EQ(x.state.fingerprint, y.state.fingerprint);
    EXPECT_TRUE(x.state.neuron_state == y.state.neuron_state) << "neuron state differs";
    EXPECT_TRUE(x.state.refractory == y.state.refractory) << "refractory counters differ";
    EXPECT_TRUE(x.state.ring == y.state.ring) << "input in flight differs";
    EXPECT_TRUE(x.state.plastic_weights == y.state.plastic_weights) << "plastic weights differ";
    EXPECT_TRUE(x.state.traces == y.state.traces) << "STDP traces differ";
}

// The examples the identity tests run: what each exercises, its length and scale, and the
// spikes it must at least produce.
struct identity_case {
    const char* example;
    double duration_ms;
    double scale;  // 0: as written
    std::size_t min_spikes;
};
inline const identity_case identity_cases[] = {
    {"brunel", 50.0, 0.0, 1000},        // iaf_psc_delta, Poisson input, 12,500 neurons
    {"coba", 100.0, 0.0, 500},          // conductance-based, exponential currents
    {"gap_junctions", 200.0, 0.0, 100}, // Izhikevich, gap junctions, noise currents
    {"stdp", 1000.0, 0.0, 20},          // STDP synapses and traces
    {"microcircuit", 50.0, 0.02, 30},   // iaf_psc_exp, eight populations, DC and Poisson input
};
inline void PrintTo(const identity_case& c, std::ostream* os) { *os << c.example; }
inline std::string identity_case_name(const ::testing::TestParamInfo<identity_case>& info) {
    return info.param.example;
}

}  // namespace synaptogen::testing
