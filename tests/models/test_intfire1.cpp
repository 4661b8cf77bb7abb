// intfire1 (NEURON's IntFire1, src/nrnoc/intfire1.mod) through the simulator, driven by spike
// sources: m decays exactly between inputs, m > 1 fires, inputs during refrac are discarded
// and m is 0 afterwards. Weights here are binary fractions, so the inputs are exact.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "test_support.hpp"

using namespace synaptogen;

namespace {

constexpr double dt = 0.1, tau = 10.0;

// One spike source per input (time [ms], weight), each projecting with a 1 ms delay onto
// one intfire1 cell (neuron id = number of inputs): an input at t arrives at t + 1.
network_spec driven(const std::vector<std::pair<double, double>>& inputs, const std::string& params = "") {
    std::string trains, edges;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        trains += (k ? ", [" : "[") + std::to_string(inputs[k].first) + "]";
        edges += (k ? ", [" : "[") + std::to_string(k) + ", 0, " + std::to_string(inputs[k].second) + ", 1.0]";
    }
    return parse_network("[simulation]\ndt = 0.1\nduration = 40.0\n"
                         "[[population]]\nname = \"src\"\nsize = " + std::to_string(inputs.size()) +
                             "\nmodel = \"spike_source\"\nspike_times = [" + trains + "]\n"
                             "[[population]]\nname = \"cell\"\nsize = 1\nmodel = \"intfire1\"\nparameters = { " + params + " }\n"
                             "[[projection]]\nsource = \"src\"\ntarget = \"cell\"\nrule = \"explicit\"\nedges = [" + edges +
                             "]\n[[record]]\nspikes = \"all\"\n",
                         "intfire1.toml");
}

// m after every step [steps], and the steps in which the cell fired.
struct trajectory {
    std::vector<double> m;
    std::vector<step_t> spikes;
};
trajectory run(const network_spec& spec, int steps) {
    simulation sim(spec, build_static_synapses(spec));
    const neuron_id cell = static_cast<neuron_id>(spec.layout.total() - 1);
    trajectory out;
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) {
        for (std::size_t k = 0; k < b.size(); ++k)
            if (b.neuron[k] == cell) out.spikes.push_back(b.step[k]);
    };
    for (int s = 0; s < steps; ++s) {
        sim.run(1, obs);
        out.m.push_back(sim.state(cell).v);
    }
    return out;
}

}  // namespace

// One input of w at t_a: m(t) = w exp(-(t - t_a)/tau), to rounding. The source fires at
// 5 ms, so t_a = 6 ms, the end of step 59.
TEST(intfire1, one_input_decays_exactly) {
    const trajectory r = run(driven({{5.0, 0.625}}), 400);
    EXPECT_TRUE(r.spikes.empty());
    for (int s = 0; s < 400; ++s) {
        const double t = (s + 1) * dt, exact = s < 59 ? 0.0 : 0.625 * std::exp(-(t - 6.0) / tau);
        EXPECT_NEAR(r.m[s], exact, 1e-12) << "t = " << t;
    }
}

// Two inputs of w, d apart: m = w exp(-d/tau) + w after the second, which fires iff that
// exceeds 1, i.e. iff d < tau ln(w/(1 - w)) = 5.108 ms for w = 0.625. The spike is stamped
// at the second arrival.
TEST(intfire1, fires_when_the_decayed_sum_exceeds_one) {
    const trajectory fire = run(driven({{5.0, 0.625}, {10.0, 0.625}}), 200);  // d = 5.0: m = 1.0041
    ASSERT_EQ(fire.spikes.size(), 1u);
    EXPECT_NEAR((fire.spikes[0] + 1) * dt, 11.0, 1e-9);
    const trajectory quiet = run(driven({{5.0, 0.625}, {10.2, 0.625}}), 200);  // d = 5.2: m = 0.9966
    EXPECT_TRUE(quiet.spikes.empty());
    EXPECT_NEAR(quiet.m[111], 0.625 * std::exp(-0.52) + 0.625, 1e-12);  // t = 11.2 ms
    // The comparison is strict, as NEURON's m > 1: exactly 1 does not fire.
    const trajectory one = run(driven({{5.0, 1.0}}), 100);
    EXPECT_TRUE(one.spikes.empty());
    EXPECT_EQ(one.m[59], 1.0);
}

// A spike at 6 ms (input 1.25) starts refrac = 5 ms: m is 2 (NEURON's value) until 11 ms,
// when it becomes 0. The input of 0.75 at 8 ms is discarded: the one at 11.5 ms then leaves
// m at exactly 0.75, below threshold (kept, the first would have made it 1.28).
TEST(intfire1, discards_input_while_refractory_and_restarts_from_zero) {
    const trajectory r = run(driven({{5.0, 1.25}, {7.0, 0.75}, {10.5, 0.75}}), 300);
    ASSERT_EQ(r.spikes, std::vector<step_t>{59});
    for (int s = 59; s < 109; ++s) EXPECT_EQ(r.m[s], 2.0) << "t = " << (s + 1) * dt;
    for (int s = 109; s < 114; ++s) EXPECT_EQ(r.m[s], 0.0) << "t = " << (s + 1) * dt;
    EXPECT_EQ(r.m[114], 0.75);
    EXPECT_NEAR(r.m[200], 0.75 * std::exp(-8.6 / tau), 1e-12);
}

// tau and refrac are parameters [ms]: with refrac = 1 ms the second input, at 8.5 ms, finds
// the cell excitable again (m = 0 from 7 ms).
TEST(intfire1, tau_and_refrac_are_parameters) {
    const trajectory r = run(driven({{5.0, 1.5}, {7.5, 1.5}}, "tau = 4.0, refrac = 1.0"), 200);
    ASSERT_EQ(r.spikes, (std::vector<step_t>{59, 84}));
    EXPECT_EQ(r.m[68], 2.0);  // t = 6.9 ms
    EXPECT_EQ(r.m[69], 0.0);  // t = 7.0 ms: refrac over
    const trajectory d = run(driven({{5.0, 0.5}}, "tau = 4.0"), 200);
    EXPECT_NEAR(d.m[99], 0.5 * std::exp(-4.0 / 4.0), 1e-12);  // t = 10 ms
}

// An artificial cell: no currents, no gap junctions.
TEST(intfire1, takes_no_current) {
    const auto e = synaptogen::testing::error_of([] {
        parse_network("[simulation]\ndt = 0.1\n[[population]]\nname = \"c\"\nsize = 1\nmodel = \"intfire1\"\n"
                      "[[stimulus]]\ntype = \"dc\"\ntarget = \"c\"\namplitude = 10.0\n",
                      "dc.toml");
    });
    EXPECT_NE(std::string(e.what()).find("intfire1 neurons take no current"), std::string::npos) << e.what();
}
