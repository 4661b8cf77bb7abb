// Per-neuron parameters: values given per neuron (as SONATA node types and per-node
// dynamics_params give them) and distributions drawn per neuron (TOML). Checked against
// homogeneous runs (identical spikes when the values are uniform), against each neuron's
// own closed-form trajectory when they vary, and for determinism across backends.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "../runtime/backend_identity.hpp"
#include "test_support.hpp"

using namespace synaptogen;
using synaptogen::testing::run_outcome;
using synaptogen::testing::run_to_end;

namespace {

// A small Brunel-like network: one excitatory population of iaf_psc_delta driven by Poisson
// input, 2,000 neurons, so that update blocks of 16 neurons are full.
const std::string recurrent = R"(
[simulation]
dt = 0.1
duration = 200.0
seed = 7
[[population]]
name = "E"
size = 2000
model = "iaf_psc_delta"
parameters = { tau_m = 20.0, C_m = 250.0, E_L = 0.0, V_th = 20.0, V_reset = 10.0, t_ref = 2.0 }
initial = { V_m = { distribution = "uniform", low = 0.0, high = 20.0 } }
[[projection]]
source = "E"
target = "E"
rule = "fixed_indegree"
indegree = 100
weight = 0.1
delay = 1.5
[[stimulus]]
type = "poisson"
target = "E"
rate = 9000.0
weight = 0.1
[[record]]
spikes = "all"
)";

std::size_t find_variation(const population_model& m, const std::string& name) {
    for (std::size_t k = 0; k < m.varied.size(); ++k)
        if (m.varied[k].parameter == name) return k;
    return m.varied.size();
}

}  // namespace

// Two values that never matter (V_min far below any potential) alternate neuron by neuron:
// every update block is mixed and goes neuron by neuron through its own constants. The
// spikes and the whole end state must equal the homogeneous run's bit for bit.
TEST(neuron_parameters, uniform_dynamics_through_per_neuron_groups_equal_the_homogeneous_run) {
    const network_spec plain = parse_network(recurrent, "recurrent.toml");
    network_spec varied = plain;
    parameter_variation v;
    v.parameter = "V_min";
    for (neuron_id i = 0; i < 2000; ++i) v.values.push_back(i % 2 ? -1e300 : -1e299);
    varied.models[0].varied.push_back(v);

    simulation a(plain, build_static_synapses(plain));
    simulation b(varied, build_static_synapses(varied));
    EXPECT_EQ(a.info().parameter_groups, 1u);
    EXPECT_EQ(b.info().parameter_groups, 2u);

    const run_outcome x = run_to_end(plain, {}), y = run_to_end(varied, {});
    ASSERT_GT(x.spikes.step.size(), 1000u) << "a network that fires";
    EXPECT_TRUE(x.spikes == y.spikes);
    EXPECT_TRUE(x.state.neuron_state == y.state.neuron_state);
    EXPECT_TRUE(x.state.refractory == y.state.refractory);
}

// Every neuron gets its own DC (values per neuron): each fires at its own analytic crossing
// t* = -tau ln(1 - theta / (R I)), registered at the first grid point >= t*.
TEST(neuron_parameters, each_neuron_fires_at_its_own_analytic_time) {
    network_spec spec = parse_network(R"(
[simulation]
dt = 0.1
duration = 50.0
[[population]]
name = "n"
size = 40
model = "iaf_psc_delta"
parameters = { tau_m = 10.0, C_m = 250.0, E_L = -70.0, V_th = -55.0, V_reset = -70.0, t_ref = 2.0 }
[[record]]
spikes = "all"
)",
                                      "dc.toml");
    const double tau = 10.0, C = 250.0, theta = 15.0, dt = 0.1;
    parameter_variation v;
    v.parameter = "I_e";
    for (int i = 0; i < 40; ++i) v.values.push_back(400.0 + 25.0 * i);  // R I from 16 to 55 mV
    spec.models[0].varied.push_back(v);
    simulation sim(spec, build_static_synapses(spec));
    std::vector<double> first(40, -1.0);
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) {
        for (std::size_t k = 0; k < b.size(); ++k)
            if (first[b.neuron[k]] < 0) first[b.neuron[k]] = (b.step[k] + 1) * dt;
    };
    sim.run(spec.simulation.steps(), obs);
    for (int i = 0; i < 40; ++i) {
        const double t_star = -tau * std::log(1.0 - theta / (tau / C * v.values[i]));
        EXPECT_NEAR(first[i], std::ceil(t_star / dt - 1e-9) * dt, 1e-9) << "neuron " << i;
    }
}

// tau_m drawn per neuron: below threshold each membrane follows its own
// V(t) = R I (1 - exp(-t / tau_i)) with R = tau_i / C, to rounding.
TEST(neuron_parameters, drawn_time_constants_give_each_neuron_its_own_relaxation) {
    const network_spec spec = parse_network(R"(
[simulation]
dt = 0.1
duration = 30.0
seed = 3
[[population]]
name = "n"
size = 50
model = "iaf_psc_exp"
parameters = { tau_m = { distribution = "normal", mean = 10.0, sd = 2.0, min = 4.0, max = 16.0 }, C_m = 250.0, I_e = 300.0, E_L = -70.0, V_th = -50.0 }
)",
                                            "tau.toml");
    const population_model& m = spec.models[0];
    ASSERT_EQ(m.varied.size(), 1u);
    simulation sim(spec, build_static_synapses(spec));
    EXPECT_EQ(sim.info().parameter_groups, 50u);
    sim.run(300);
    double lo = 1e9, hi = 0;
    for (neuron_id i = 0; i < 50; ++i) {
        const double tau = parameters_of(m, i, i, spec.simulation.seed).tau_m;
        lo = std::min(lo, tau);
        hi = std::max(hi, tau);
        EXPECT_GE(tau, 4.0);
        EXPECT_LE(tau, 16.0);
        const double exact = tau / 250.0 * 300.0 * (1.0 - std::exp(-30.0 / tau));
        EXPECT_NEAR(sim.state(i).v, exact, 1e-9 * exact) << "neuron " << i << ", tau_m " << tau;
    }
    EXPECT_GT(hi - lo, 3.0) << "the draws vary";
}

// Draws follow the distribution (10,000 neurons: the sample mean within 4 standard errors,
// the sample sd within 5%), and are keyed per neuron: the same on every backend and thread count.
TEST(neuron_parameters, draws_follow_the_distribution_and_do_not_depend_on_the_backend) {
    const network_spec spec = parse_network(R"(
[simulation]
dt = 0.1
duration = 100.0
seed = 11
[[population]]
name = "n"
size = 10000
model = "iaf_psc_delta"
parameters = { V_th = { distribution = "normal", mean = -50.0, sd = 1.0 }, I_e = 600.0 }
[[record]]
spikes = "all"
)",
                                            "vth.toml");
    const population_model& m = spec.models[0];
    double sum = 0.0, sum2 = 0.0;
    for (neuron_id i = 0; i < 10000; ++i) {
        const double x = parameters_of(m, i, i, spec.simulation.seed).V_th;
        sum += x;
        sum2 += x * x;
    }
    const double mean = sum / 10000, sd = std::sqrt(sum2 / 10000 - mean * mean);
    EXPECT_NEAR(mean, -50.0, 4.0 * 1.0 / 100.0);
    EXPECT_NEAR(sd, 1.0, 0.05);
    synaptogen::testing::expect_identical_runs(spec, run_options{"serial"}, run_options{"openmp"}, 1000);
}

// Potentials are stored relative to each neuron's E_L; a V_m record adds the neuron's own
// back: at rest every neuron reads its E_L.
TEST(neuron_parameters, voltage_records_are_absolute_per_neuron) {
    network_spec spec = parse_network(R"(
[simulation]
dt = 0.1
duration = 1.0
[[population]]
name = "n"
size = 3
model = "iaf_psc_alpha"
parameters = { E_L = { distribution = "uniform", low = -80.0, high = -60.0 }, V_th = -40.0, V_reset = -81.0 }
[[record]]
variable = "V_m"
population = "n"
neurons = [0, 1, 2]
)",
                                      "el.toml");
    simulation sim(spec, build_static_synapses(spec));
    std::vector<double> last;
    run_observer obs;
    obs.on_traces = [&](trace_batch&& b) { last.assign(b.values.end() - 3, b.values.end()); };
    sim.run(spec.simulation.steps(), obs);
    ASSERT_EQ(last.size(), 3u);
    for (neuron_id i = 0; i < 3; ++i) {
        const double e_l = parameters_of(spec.models[0], i, i, spec.simulation.seed).E_L;
        EXPECT_GE(e_l, -80.0);
        EXPECT_LT(e_l, -60.0);
        EXPECT_DOUBLE_EQ(last[i], e_l) << i;
    }
    EXPECT_NE(last[0], last[1]);
}

// A draw a neuron cannot have is one error naming the population, the neuron and the parameter.
TEST(neuron_parameters, an_impossible_draw_is_one_clear_error) {
    const network_spec spec = parse_network(R"(
[simulation]
dt = 0.1
duration = 10.0
[[population]]
name = "bad"
size = 1000
model = "iaf_psc_delta"
parameters = { tau_m = { distribution = "normal", mean = 2.0, sd = 2.0 } }
)",
                                            "bad.toml");
    try {
        simulation sim(spec, build_static_synapses(spec));
        FAIL() << "expected an input_error";
    } catch (const input_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("bad.toml"), std::string::npos) << what;
        EXPECT_NE(what.find("population 'bad', neuron"), std::string::npos) << what;
        EXPECT_NE(what.find("tau_m"), std::string::npos) << what;
        EXPECT_NE(what.find("positive"), std::string::npos) << what;
    }
    EXPECT_EQ(find_variation(spec.models[0], "tau_m"), 0u);
}
