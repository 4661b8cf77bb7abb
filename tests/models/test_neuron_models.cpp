// Single neurons against closed-form solutions. Exact integration makes the simulated
// membrane equal to the analytic one at every grid point up to rounding, so the bound
// is 1e-9 relative (to the excursion from rest, the stricter choice).
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "test_support.hpp"

using namespace synaptogen;

namespace {

const std::string neuron_params = "tau_m = 10.0, C_m = 250.0, E_L = -70.0, V_th = -55.0, V_reset = -70.0, t_ref = 2.0";

network_spec one_neuron(const std::string& model, double i_e, const std::string& extra_params = "") {
    return parse_network("[simulation]\ndt = 0.1\nduration = 100.0\n[[population]]\nname = \"n\"\nsize = 1\nmodel = \"" +
                             model + "\"\nparameters = { " + neuron_params + ", I_e = " + std::to_string(i_e) +
                             extra_params + " }\n[[record]]\nspikes = \"all\"\n",
                         "one_neuron.toml");
}

simulation make_sim(const network_spec& spec) {
    return simulation(spec, build_static_synapses(spec));
}

// Spike times [ms] of a run.
std::vector<double> spike_times(simulation& sim, std::uint64_t steps, double dt) {
    std::vector<double> t;
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) {
        for (auto s : b.step) t.push_back((s + 1) * dt);
    };
    sim.run(steps, obs);
    return t;
}

}  // namespace

class subthreshold_dc : public ::testing::TestWithParam<std::string> {};

// tau dV/dt = -(V - E_L) + R I  =>  V(t) - E_L = R I (1 - exp(-t/tau)), R = tau/C.
TEST_P(subthreshold_dc, membrane_follows_the_exponential_relaxation) {
    const double tau = 10.0, C = 250.0, I = 300.0, dt = 0.1;  // R I = 12 mV < 15 mV to threshold
    simulation sim = make_sim(one_neuron(GetParam(), I));
    for (int step = 1; step <= 1000; ++step) {
        sim.run(1);
        const double t = step * dt;
        const double exact = tau / C * I * (1.0 - std::exp(-t / tau));
        EXPECT_NEAR(sim.state(0).v, exact, 1e-9 * exact) << "t = " << t;
    }
}

INSTANTIATE_TEST_SUITE_P(models, subthreshold_dc, ::testing::Values("iaf_psc_delta", "iaf_psc_exp"));

class suprathreshold_dc : public ::testing::TestWithParam<std::string> {};

// With R I = 20 mV and theta - E_L = 15 mV, V crosses threshold after
// t* = -tau ln(1 - theta/(R I)) = 10 ln 4 ms. On the grid the spike is registered at the
// end of the step in which V crosses: the first multiple of dt >= t*. After a spike V is
// held at reset (= E_L) for t_ref, then the same trajectory repeats: period t_ref + that.
TEST_P(suprathreshold_dc, spikes_at_the_analytic_crossing_times) {
    const double tau = 10.0, C = 250.0, I = 500.0, dt = 0.1, t_ref = 2.0, theta = 15.0;
    const double t_star = -tau * std::log(1.0 - theta / (tau / C * I));
    const double first = std::ceil(t_star / dt - 1e-9) * dt;
    simulation sim = make_sim(one_neuron(GetParam(), I));
    const auto t = spike_times(sim, 1000, dt);
    ASSERT_EQ(t.size(), static_cast<std::size_t>(std::floor((100.0 - first) / (first + t_ref))) + 1);
    for (std::size_t k = 0; k < t.size(); ++k) EXPECT_NEAR(t[k], first + k * (first + t_ref), 1e-9 * t[k]) << k;
}

INSTANTIATE_TEST_SUITE_P(models, suprathreshold_dc, ::testing::Values("iaf_psc_delta", "iaf_psc_exp"));

namespace {

// A driver neuron that spikes exactly once (DC from 0 to 14 ms crosses threshold at
// 13.9 ms, then stops) connected to a silent target with the given weight and delay.
network_spec driven_pair(const std::string& model, double weight, double delay, const std::string& target_extra) {
    return parse_network(
        "[simulation]\ndt = 0.1\nduration = 100.0\n"
        "[[population]]\nname = \"driver\"\nsize = 1\nmodel = \"iaf_psc_delta\"\nparameters = { " + neuron_params + " }\n"
        "[[population]]\nname = \"target\"\nsize = 1\nmodel = \"" + model + "\"\nparameters = { " + neuron_params +
            target_extra + " }\n"
        "[[projection]]\nsource = \"driver\"\ntarget = \"target\"\nrule = \"one_to_one\"\nweight = " + std::to_string(weight) +
            "\ndelay = " + std::to_string(delay) + "\n"
        "[[stimulus]]\ntype = \"dc\"\ntarget = \"driver\"\namplitude = 500.0\nstop = 14.0\n"
        "[[record]]\nspikes = \"all\"\n",
        "pair.toml");
}

}  // namespace

// Delta synapse: the PSP jumps by w at arrival and relaxes with tau_m:
// V(t) - E_L = w exp(-(t - t_a)/tau_m) for t >= t_a.
TEST(iaf_psc_delta, psp_is_a_jump_then_exponential_decay) {
    // Weights are stored in single precision (8 bytes a synapse), so the reference uses
    // the weight as stored: 0.7 becomes 0.699999988...
    const double tau = 10.0, dt = 0.1, w = static_cast<double>(0.7f);
    simulation sim = make_sim(driven_pair("iaf_psc_delta", 0.7, 1.5, ""));
    // Driver spikes in step 138 (t = 13.9 ms); the input is added in step 138 + 15 = 153,
    // so V holds w at the end of that step, t_a = 15.4 ms.
    const double t_arrival = 15.4;
    for (int step = 1; step <= 1000; ++step) {
        sim.run(1);
        const double t = step * dt;
        const double exact = t < t_arrival - 1e-9 ? 0.0 : w * std::exp(-(t - t_arrival) / tau);
        EXPECT_NEAR(sim.state(1).v, exact, 1e-9 * w) << "t = " << t;
    }
}

// Exponential current: I(t) = w exp(-(t - t_a)/tau_s) from t_a on, and
// V(t) - E_L = w/C * tau_s tau_m / (tau_m - tau_s) * (exp(-(t-t_a)/tau_m) - exp(-(t-t_a)/tau_s)).
TEST(iaf_psc_exp, psp_matches_the_difference_of_exponentials) {
    const double tau_m = 10.0, tau_s = 2.0, C = 250.0, w = 150.0, dt = 0.1;
    simulation sim = make_sim(driven_pair("iaf_psc_exp", w, 1.5, ", tau_syn_ex = 2.0, tau_syn_in = 5.0"));
    const double t_arrival = 15.4;
    double peak = 0.0;
    for (int step = 1; step <= 1000; ++step) {
        sim.run(1);
        const double t = step * dt, s = t - t_arrival;
        const double v = s < -1e-9 ? 0.0 : w / C * tau_s * tau_m / (tau_m - tau_s) * (std::exp(-s / tau_m) - std::exp(-s / tau_s));
        const double i = s < -1e-9 ? 0.0 : w * std::exp(-s / tau_s);
        const neuron_state st = sim.state(1);
        EXPECT_NEAR(st.v, v, 1e-9 * 0.5) << "t = " << t;  // 0.5 mV: about the peak
        EXPECT_NEAR(st.ex, i, 1e-9 * w) << "t = " << t;
        peak = std::max(peak, st.v);
    }
    EXPECT_GT(peak, 0.3);  // the PSP really happened
}

// Inhibitory input goes to the inhibitory current with its own time constant.
TEST(iaf_psc_exp, negative_weights_use_the_inhibitory_time_constant) {
    const double tau_i = 5.0, w = -100.0, dt = 0.1;
    simulation sim = make_sim(driven_pair("iaf_psc_exp", w, 1.0, ", tau_syn_ex = 2.0, tau_syn_in = 5.0"));
    const double t_arrival = 14.9;
    for (int step = 1; step <= 600; ++step) {
        sim.run(1);
        const double s = step * dt - t_arrival;
        const double i = s < -1e-9 ? 0.0 : w * std::exp(-s / tau_i);
        EXPECT_NEAR(sim.state(1).in, i, 1e-9 * 100.0) << step;
        EXPECT_EQ(sim.state(1).ex, 0.0);
    }
}

// Input arriving while refractory is discarded by iaf_psc_delta: a driver spike that
// lands inside the target's refractory period leaves V at reset.
TEST(iaf_psc_delta, input_during_refractoriness_is_discarded) {
    // Target and driver both spike at 13.9 ms (same DC); delay 1.0 ms < t_ref = 2 ms.
    network_spec spec = driven_pair("iaf_psc_delta", 5.0, 1.0, "");
    spec.stimuli.push_back(spec.stimuli[0]);
    spec.stimuli.back().population = 1;
    simulation sim = make_sim(spec);
    sim.run(150);  // to 15.0 ms: past the arrival at 14.9 ms, still refractory until 15.9 ms
    EXPECT_EQ(sim.state(1).v, 0.0);  // V_reset - E_L
    EXPECT_GT(sim.state(1).refractory, 0);
}

// Trace records sample after steps 0, k, 2k, ...: row r holds the state at (r k + 1) dt,
// as absolute V_m (E_L added back). Checked against the analytic DC relaxation.
TEST(traces, sample_the_membrane_every_k_steps_at_the_documented_times) {
    network_spec spec = one_neuron("iaf_psc_delta", 300.0);
    trace_record_spec r;
    r.population = 0;
    r.variable = "V_m";
    r.neurons = {0};
    r.every = 7;
    spec.traces.push_back(r);
    simulation sim = make_sim(spec);
    std::vector<double> values;
    std::uint64_t expected_first_row = 0;
    run_observer obs;
    obs.on_traces = [&](trace_batch&& b) {
        EXPECT_EQ(b.first_row, expected_first_row);
        EXPECT_EQ(b.columns, 1u);
        expected_first_row += b.values.size();
        values.insert(values.end(), b.values.begin(), b.values.end());
    };
    sim.run(1000, obs);
    ASSERT_EQ(values.size(), 143u);  // steps 0, 7, ..., 994
    for (std::size_t row = 0; row < values.size(); ++row) {
        const double t = (row * 7 + 1) * 0.1;
        const double exact = -70.0 + 10.0 / 250.0 * 300.0 * (1.0 - std::exp(-t / 10.0));
        EXPECT_NEAR(values[row], exact, 1e-9 * 12.0) << "t = " << t;
    }
}
