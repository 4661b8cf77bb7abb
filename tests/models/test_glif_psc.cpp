// glif_psc (Teeter et al. 2018, NEST's glif_psc) through the simulator, one neuron under DC,
// against the published equations: closed forms where NEST's scheme is exact (the LIF
// membrane, the threshold's spike component, the after-spike currents; to 1e-9), and a
// fine-step RK4 of the same ODE where it is not (V and the threshold's voltage component
// once after-spike currents flow).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/models/neuron_model.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "test_support.hpp"

using namespace synaptogen;

namespace {

constexpr double dt = 0.1;
// tau_m = C/g = 10 ms, V_th - E_L = 15 mV, t_ref = 20 steps.
constexpr double g = 10.0, C = 100.0, E_L = -70.0, theta = 15.0, t_ref = 2.0;
constexpr int ref_steps = 20;
const std::string lif = "g = 10.0, C_m = 100.0, E_L = -70.0, V_th = -55.0, V_reset = -70.0, t_ref = 2.0";

std::string glif_toml(double duration, const std::string& params, const std::string& extra = "") {
    return "[simulation]\ndt = 0.1\nduration = " + std::to_string(duration) +
           "\n[[population]]\nname = \"n\"\nsize = 1\nmodel = \"glif_psc\"\nparameters = { " + params + " }\n" + extra;
}

// The state after every step, and the steps in which the neuron spiked (a spike sets the
// refractory count to its full length).
struct trajectory {
    std::vector<neuron_state> state;
    std::vector<int> spikes;
};
trajectory run_glif(const std::string& params, int steps) {
    const network_spec spec = parse_network(glif_toml(steps * dt, params), "glif.toml");
    simulation sim(spec, build_static_synapses(spec));
    trajectory out;
    for (int k = 0; k < steps; ++k) {
        sim.run(1);
        out.state.push_back(sim.state(0));
        if (out.state.back().refractory == ref_steps) out.spikes.push_back(k);
    }
    return out;
}

// Exponential decay with jumps at spikes, frozen while refractory: NEST's threshold spike
// component and after-spike currents. x(t) = x_a exp(-k (t - t_a)) from the last anchor
// (t_a, x_a); a spike in step s (ending at t_s) sets x <- add + keep exp(-k t_ref) x(t_s),
// held until t_s + t_ref, the new anchor.
struct frozen_decay {
    double k, add, keep;
    double t_a = 0.0, x_a = 0.0;
    double at(double t) const { return x_a * std::exp(-k * (t - t_a)); }
    void spike(double t_s) {
        x_a = add + keep * std::exp(-k * t_ref) * at(t_s);
        t_a = t_s + t_ref;
    }
};

}  // namespace

// LIF (GLIF 1): C dV/dt = -g (V - E_L) + I_e, V(t) - E_L = I_e/g (1 - exp(-t g/C)), exact on
// the grid. Above threshold it spikes at the first step ending after
// t* = -(C/g) ln(1 - theta g/I_e), resets to V_reset = E_L, is held for t_ref, and repeats.
TEST(glif_psc, lif_relaxes_exactly_and_spikes_at_the_analytic_times) {
    const trajectory sub = run_glif(lif + ", I_e = 120.0", 1000);  // I/g = 12 mV < 15 mV
    ASSERT_TRUE(sub.spikes.empty());
    for (int k = 0; k < 1000; ++k) {
        const double t = (k + 1) * dt, exact = 120.0 / g * (1.0 - std::exp(-t * g / C));
        EXPECT_NEAR(sub.state[k].v, exact, 1e-9 * exact) << "t = " << t;
        EXPECT_EQ(sub.state[k].threshold, theta);  // no mechanism moves it
        EXPECT_EQ(sub.state[k].asc_sum, 0.0);
    }
    const double I = 200.0, t_star = -C / g * std::log(1.0 - theta * g / I);  // 10 ln 4 = 13.86 ms
    const int first = static_cast<int>(std::ceil(t_star / dt)) - 1;           // step 138, ending at 13.9 ms
    const trajectory supra = run_glif(lif + ", I_e = 200.0", 1000);
    ASSERT_EQ(supra.spikes.size(), 6u);
    for (std::size_t n = 0; n < supra.spikes.size(); ++n) {
        EXPECT_EQ(supra.spikes[n], first + static_cast<int>(n) * (first + 1 + ref_steps)) << n;  // ISI 15.9 ms
        EXPECT_EQ(supra.state[supra.spikes[n]].v, 0.0);  // V_reset - E_L
    }
}

// LIF_R (GLIF 2): at a spike the threshold's spike component jumps by th_spike_add (after
// decaying over t_ref), then decays at th_spike_decay; V resets to
// E_L + f_v (V_start - E_L) + voltage_reset_add, V_start being V at the start of the spiking
// step (NEST's rule), is held for t_ref and then relaxes exactly again.
TEST(glif_psc, lif_r_threshold_jumps_and_decays_and_voltage_resets_by_the_rule) {
    const double I = 200.0, add = 5.0, b_s = 0.1, f_v = 0.5, dV = 2.0;
    const trajectory r = run_glif(lif + ", I_e = 200.0, spike_dependent_threshold = true, th_spike_add = 5.0, "
                                        "th_spike_decay = 0.1, voltage_reset_fraction = 0.5, voltage_reset_add = 2.0",
                                  2000);
    ASSERT_GE(r.spikes.size(), 5u);
    frozen_decay th{b_s, add, 1.0};
    double t_v = 0.0, v_a = 0.0;  // anchor of V's relaxation towards I/g
    std::size_t next = 0;
    for (int k = 0; k < 2000; ++k) {
        const double t = (k + 1) * dt;
        const neuron_state& s = r.state[k];
        if (next < r.spikes.size() && r.spikes[next] == k) {
            const double v_start = r.state[k - 1].v;
            EXPECT_DOUBLE_EQ(s.v, f_v * v_start + dV) << "t = " << t;
            th.spike(t);
            t_v = t + t_ref;
            v_a = s.v;
            ++next;
        }
        const bool held = t < t_v + 1e-9;
        const double v = held ? v_a : I / g + (v_a - I / g) * std::exp(-(t - t_v) * g / C);
        const double th_s = held ? th.x_a : th.at(t);
        EXPECT_NEAR(s.v, v, 1e-9 * 20.0) << "t = " << t;
        EXPECT_NEAR(s.th_spike, th_s, 1e-9 * add) << "t = " << t;
        EXPECT_NEAR(s.threshold, theta + th_s, 1e-9 * add) << "t = " << t;
        EXPECT_EQ(s.th_voltage, 0.0);
    }
    // Jumps outlive an interval: the second spike raises the threshold beyond th_spike_add.
    EXPECT_GT(r.state[r.spikes[1]].th_spike, add + 0.5);
}

// LIF_ASC (GLIF 3): each after-spike current I_j decays at k_j and at a spike becomes
// asc_amps_j + asc_r_j exp(-k_j t_ref) I_j, frozen during t_ref. ASCurrents_sum is the exact
// mean of the currents over the last integrated step.
TEST(glif_psc, lif_asc_currents_jump_and_decay) {
    const double amp[2] = {-20.0, -100.0}, k[2] = {0.05, 0.3}, r_keep[2] = {0.5, 1.0};
    const trajectory a = run_glif(lif + ", I_e = 400.0, after_spike_currents = true, asc_init = [0.0, 0.0], "
                                        "asc_amps = [-20.0, -100.0], asc_decay = [0.05, 0.3], asc_r = [0.5, 1.0]",
                                  2000);
    ASSERT_GE(a.spikes.size(), 10u);
    frozen_decay asc[2] = {{k[0], amp[0], r_keep[0]}, {k[1], amp[1], r_keep[1]}};
    double t_free = 0.0, mean_sum = 0.0;
    std::size_t next = 0;
    for (int s = 0; s < 2000; ++s) {
        const double t = (s + 1) * dt;
        const bool active = t > t_free + 1e-9;
        if (active) {  // mean over (t - dt, t] of I_j from its start-of-step value
            mean_sum = 0.0;
            for (int j = 0; j < 2; ++j) mean_sum += asc[j].at(t - dt) * (1.0 - std::exp(-k[j] * dt)) / (k[j] * dt);
        }
        if (next < a.spikes.size() && a.spikes[next] == s) {
            for (auto& c : asc) c.spike(t);
            t_free = t + t_ref;
            EXPECT_EQ(a.state[s].v, 0.0);
            ++next;
        }
        const bool held = t < t_free + 1e-9;
        const neuron_state& st = a.state[s];
        EXPECT_NEAR(st.adapt, held ? asc[0].x_a : asc[0].at(t), 1e-9 * 100.0) << "t = " << t;
        EXPECT_NEAR(st.asc_2, held ? asc[1].x_a : asc[1].at(t), 1e-9 * 100.0) << "t = " << t;
        EXPECT_NEAR(st.asc_sum, mean_sum, 1e-9 * 100.0) << "t = " << t;
        EXPECT_EQ(st.threshold, theta);
    }
    // The slow current outlives an interval: jumps add up beyond one amplitude.
    double lowest = 0.0;
    for (const auto& st : a.state) lowest = std::min(lowest, st.adapt);
    EXPECT_LT(lowest, amp[0] - 1.0);
}

namespace {

// glif_psc's ODE, V relative to E_L, integrated by classical RK4 with steps h, with NEST's
// spike and reset rules applied at the end of each dt step.
struct glif_reference {
    double g, C, I, theta, t_ref;
    double amp[2], k[2], r[2];
    double add, b_s, f_v, dV, a_v, b_v;
    using vec = std::array<double, 5>;  // V, I_1, I_2, th_s, th_v
    vec f(const vec& y) const {
        return {(-g * y[0] + y[1] + y[2] + I) / C, -k[0] * y[1], -k[1] * y[2], -b_s * y[3], a_v * y[0] - b_v * y[4]};
    }
    std::vector<vec> run(int steps, double dt, int substeps, int ref_steps, std::vector<int>& spikes) const {
        vec y{};
        std::vector<vec> out;
        int refractory = 0;
        const double h = dt / substeps;
        for (int s = 0; s < steps; ++s) {
            if (refractory > 0) {
                --refractory;
                out.push_back(y);
                continue;
            }
            const double v_start = y[0];
            for (int n = 0; n < substeps; ++n) {
                auto axpy = [](vec a, const vec& b, double c) {
                    for (int i = 0; i < 5; ++i) a[i] += c * b[i];
                    return a;
                };
                const vec k1 = f(y), k2 = f(axpy(y, k1, h / 2)), k3 = f(axpy(y, k2, h / 2)), k4 = f(axpy(y, k3, h));
                for (int i = 0; i < 5; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
            }
            if (y[0] > theta + y[3] + y[4]) {
                spikes.push_back(s);
                y[0] = f_v * v_start + dV;
                for (int j = 0; j < 2; ++j) y[1 + j] = amp[j] + r[j] * std::exp(-k[j] * t_ref) * y[1 + j];
                y[3] = y[3] * std::exp(-b_s * t_ref) + add;
                refractory = ref_steps;
            }
            out.push_back(y);
        }
        return out;
    }
};

}  // namespace

// LIF_R_ASC_A (GLIF 5) with NEST's default parameters (an Allen cell) and t_ref = 4 ms:
// against RK4 of the ODE, dth_v/dt = a_v (V - E_L) - b_v th_v among them, at h = dt/100.
// NEST's scheme holds each after-spike current at its step mean, which moves V by at most
// 1.5e-4 mV here; th_v, solved exactly for that V, stays within 3e-6 mV (bounds: about 3x).
// The ten spikes fall in the same steps, and th_s and the currents stay exact.
TEST(glif_psc, lif_r_asc_a_voltage_threshold_follows_the_rk4_reference) {
    const std::string params = "I_e = 350.0, t_ref = 4.0, spike_dependent_threshold = true, after_spike_currents = true, "
                               "adapting_threshold = true";
    const neuron_parameters p = default_parameters(neuron_model_kind::glif_psc);
    const int steps = 3000, n_ref = 40;
    glif_reference ref{p.g_L,
                       p.C_m,
                       350.0,
                       p.V_th - p.E_L,
                       4.0,
                       {p.asc_amps_1, p.asc_amps_2},
                       {p.asc_decay_1, p.asc_decay_2},
                       {p.asc_r_1, p.asc_r_2},
                       p.th_spike_add,
                       p.th_spike_decay,
                       p.voltage_reset_fraction,
                       p.voltage_reset_add,
                       p.th_voltage_index,
                       p.th_voltage_decay};
    std::vector<int> ref_spikes;
    const auto expected = ref.run(steps, dt, 100, n_ref, ref_spikes);

    const network_spec spec = parse_network(glif_toml(steps * dt, params), "glif5.toml");
    simulation sim(spec, build_static_synapses(spec));
    std::vector<int> spikes;
    double max_dv = 0.0, max_dth = 0.0, max_th_v = 0.0;
    for (int s = 0; s < steps; ++s) {
        sim.run(1);
        const neuron_state st = sim.state(0);
        if (st.refractory == n_ref) spikes.push_back(s);
        const auto& y = expected[s];
        max_dv = std::max(max_dv, std::fabs(st.v - y[0]));
        max_dth = std::max(max_dth, std::fabs(st.th_voltage - y[4]));
        max_th_v = std::max(max_th_v, std::fabs(y[4]));
        EXPECT_NEAR(st.adapt, y[1], 1e-9 * 200.0) << s;
        EXPECT_NEAR(st.asc_2, y[2], 1e-9 * 200.0) << s;
        EXPECT_NEAR(st.th_spike, y[3], 1e-9) << s;
        EXPECT_NEAR(st.threshold, ref.theta + st.th_spike + st.th_voltage, 1e-12) << s;
    }
    ASSERT_GE(ref_spikes.size(), 5u);
    EXPECT_EQ(spikes, ref_spikes);
    EXPECT_GT(max_th_v, 0.5);  // the voltage component really moved
    EXPECT_LT(max_dv, 5e-4);   // measured 1.5e-4 mV
    EXPECT_LT(max_dth, 1e-5);  // measured 3.0e-6 mV
}

// The recordable threshold is absolute (E_L added back), as NEST's; V_m too.
TEST(glif_psc, records_absolute_threshold_and_potential) {
    network_spec spec = parse_network(
        glif_toml(50.0, lif + ", I_e = 200.0, spike_dependent_threshold = true",
                  "[[record]]\npopulation = \"n\"\nvariable = \"threshold\"\nneurons = [0]\n"
                  "[[record]]\npopulation = \"n\"\nvariable = \"ASCurrents_sum\"\nneurons = [0]\n"),
        "glif_record.toml");
    simulation sim(spec, build_static_synapses(spec));
    std::vector<double> threshold, asc;
    run_observer obs;
    obs.on_traces = [&](trace_batch&& b) {
        std::vector<double>& to = b.record == 0 ? threshold : asc;
        to.insert(to.end(), b.values.begin(), b.values.end());
    };
    std::vector<double> expected;
    for (int s = 0; s < 500; ++s) {
        sim.run(1, obs);
        expected.push_back(sim.state(0).threshold + E_L);
    }
    ASSERT_EQ(threshold.size(), 500u);
    EXPECT_EQ(threshold.front(), -55.0);
    EXPECT_EQ(threshold, expected);
    EXPECT_GT(*std::max_element(threshold.begin(), threshold.end()), -55.0);  // it spiked and the threshold rose
    EXPECT_EQ(asc, std::vector<double>(500, 0.0));
}

// With no mechanism on, and g = C_m/tau_m, glif_psc is iaf_psc_alpha: the same alpha currents
// (tau_syn = [ex, in] split by the weight's sign) give the same V.
TEST(glif_psc, alpha_synapses_match_iaf_psc_alpha) {
    const network_spec spec = parse_network(
        "[simulation]\ndt = 0.1\nduration = 60.0\n"
        "[[population]]\nname = \"src\"\nsize = 2\nmodel = \"spike_source\"\nspike_times = [[5.0, 20.0], [12.0]]\n"
        "[[population]]\nname = \"glif\"\nsize = 1\nmodel = \"glif_psc\"\nparameters = { " + lif + ", tau_syn = [2.0, 5.0] }\n"
        "[[population]]\nname = \"iaf\"\nsize = 1\nmodel = \"iaf_psc_alpha\"\nparameters = { tau_m = 10.0, C_m = 100.0, "
        "E_L = -70.0, V_th = -55.0, V_reset = -70.0, t_ref = 2.0, tau_syn_ex = 2.0, tau_syn_in = 5.0 }\n"
        "[[projection]]\nsource = \"src\"\ntarget = \"glif\"\nrule = \"explicit\"\nedges = [[0, 0, 150.0, 1.0], [1, 0, -80.0, 1.0]]\n"
        "[[projection]]\nsource = \"src\"\ntarget = \"iaf\"\nrule = \"explicit\"\nedges = [[0, 0, 150.0, 1.0], [1, 0, -80.0, 1.0]]\n",
        "alpha.toml");
    simulation sim(spec, build_static_synapses(spec));
    double peak = 0.0, trough = 0.0;
    for (int s = 0; s < 600; ++s) {
        sim.run(1);
        const neuron_state a = sim.state(2), b = sim.state(3);
        EXPECT_NEAR(a.v, b.v, 1e-12) << s;
        EXPECT_EQ(a.ex, b.ex) << s;
        EXPECT_EQ(a.in, b.in) << s;
        peak = std::max(peak, a.v);
        trough = std::min(trough, a.in);
    }
    EXPECT_GT(peak, 1.0);
    EXPECT_LT(trough, -70.0);  // the inhibitory current peaks at -80 pA
}

// NEST's five variants and nothing else; its checks of each mechanism's parameters.
TEST(glif_psc, check_parameters_refuses_what_nest_refuses) {
    const auto k = neuron_model_kind::glif_psc;
    auto problems = [&](double R, double ASC, double A) {
        neuron_parameters p = default_parameters(k);
        p.spike_dependent_threshold = R;
        p.after_spike_currents = ASC;
        p.adapting_threshold = A;
        return check_parameters(p, k, dt);
    };
    for (auto [R, ASC, A] : {std::array{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0}, {1, 1, 1}})
        EXPECT_TRUE(problems(R, ASC, A).empty()) << R << ASC << A;
    for (auto [R, ASC, A] : {std::array{0, 0, 1}, {1, 0, 1}, {0, 1, 1}}) {
        const auto p = problems(R, ASC, A);
        ASSERT_EQ(p.size(), 1u) << R << ASC << A;
        EXPECT_EQ(p[0].name, "adapting_threshold");
        EXPECT_NE(p[0].what.find("LIF_R_ASC_A"), std::string::npos) << p[0].what;
    }
    EXPECT_EQ(problems(0.5, 0, 0).at(0).name, "spike_dependent_threshold");

    neuron_parameters p = default_parameters(k);
    p.after_spike_currents = 1.0;
    p.asc_decay_2 = 0.0;
    p.asc_r_1 = 1.5;
    const auto asc = check_parameters(p, k, dt);
    ASSERT_EQ(asc.size(), 2u);
    EXPECT_EQ(asc[0].name, "asc_decay");
    EXPECT_EQ(asc[1].name, "asc_r");
    p = default_parameters(k);
    p.asc_decay_2 = 0.0;  // unused while after_spike_currents is off, as in NEST
    EXPECT_TRUE(check_parameters(p, k, dt).empty());
    p.V_reset = p.V_th;
    EXPECT_EQ(check_parameters(p, k, dt).at(0).name, "V_reset");
    p = default_parameters(k);
    p.spike_dependent_threshold = 1.0;
    p.voltage_reset_fraction = 1.2;
    EXPECT_EQ(check_parameters(p, k, dt).at(0).name, "voltage_reset_fraction");
    p = default_parameters(k);
    p.t_ref = 0.0;  // NEST: strictly positive
    EXPECT_EQ(check_parameters(p, k, dt).at(0).name, "t_ref");
}

// NEST's list-valued parameters: two after-spike currents (or none while they are off),
// tau_syn one per receptor port (1 to 4; the first two are the sign channels' too).
TEST(glif_psc, list_parameters_take_nest_lists) {
    const auto k = neuron_model_kind::glif_psc;
    neuron_parameters p = default_parameters(k);
    std::string error;
    EXPECT_TRUE(set_list_parameter(p, k, "asc_amps", {-1.0, -2.0}, error));
    EXPECT_EQ(p.asc_amps_1, -1.0);
    EXPECT_EQ(p.asc_amps_2, -2.0);
    EXPECT_EQ(p.receptor_ports, 1.0);  // NEST's default: one port
    EXPECT_TRUE(set_list_parameter(p, k, "tau_syn", {3.0}, error));
    EXPECT_EQ(p.tau_syn_ex, 3.0);
    EXPECT_EQ(p.tau_syn_in, 3.0);
    EXPECT_EQ(p.receptor_ports, 1.0);
    EXPECT_TRUE(set_list_parameter(p, k, "tau_syn", {1.0, 4.0}, error));
    EXPECT_EQ(p.tau_syn_ex, 1.0);
    EXPECT_EQ(p.tau_syn_in, 4.0);
    EXPECT_EQ(p.receptor_ports, 2.0);
    EXPECT_TRUE(set_list_parameter(p, k, "tau_syn", {5.5, 8.5, 2.8, 5.8}, error));
    EXPECT_EQ(p.tau_syn_in, 8.5);
    EXPECT_EQ(p.tau_syn_3, 2.8);
    EXPECT_EQ(p.tau_syn_4, 5.8);
    EXPECT_EQ(p.receptor_ports, 4.0);
    EXPECT_TRUE(set_list_parameter(p, k, "asc_init", {}, error));  // LIF: no after-spike currents
    EXPECT_FALSE(set_list_parameter(p, k, "tau_syn", {1.0, 2.0, 3.0, 4.0, 5.0}, error));
    EXPECT_NE(error.find("got 5"), std::string::npos) << error;
    EXPECT_FALSE(set_list_parameter(p, k, "tau_syn", {}, error));
    EXPECT_FALSE(set_list_parameter(p, k, "asc_decay", {0.1}, error));
    EXPECT_NE(error.find("expected 2 values"), std::string::npos) << error;
    p.after_spike_currents = 1.0;
    EXPECT_FALSE(set_list_parameter(p, k, "asc_r", {}, error));
    EXPECT_FALSE(set_list_parameter(p, k, "V_th", {1.0}, error));
    EXPECT_FALSE(set_list_parameter(p, neuron_model_kind::iaf_psc_alpha, "tau_syn", {1.0}, error));

    // In a network file: lists and true/false, lists applied after the switches.
    const std::string pop = "[simulation]\ndt = 0.1\n[[population]]\nname = \"n\"\nsize = 1\nmodel = \"glif_psc\"\n";
    const network_spec spec = parse_network(pop + "parameters = { asc_amps = [-5.0, -6.0], after_spike_currents = true, "
                                                  "tau_syn = [1.5, 2.5], spike_dependent_threshold = false }\n",
                                            "lists.toml");
    EXPECT_EQ(spec.models[0].parameters.asc_amps_2, -6.0);
    EXPECT_EQ(spec.models[0].parameters.after_spike_currents, 1.0);
    EXPECT_EQ(spec.models[0].parameters.tau_syn_in, 2.5);
    auto error_at = [&](const std::string& params) {
        return synaptogen::testing::error_of([&] { parse_network(pop + "parameters = { " + params + " }\n", "bad.toml"); });
    };
    EXPECT_EQ(error_at("asc_r = [], after_spike_currents = true").where().field, "population[0].parameters.asc_r");
    EXPECT_EQ(error_at("adapting_threshold = true").where().field, "population[0].parameters.adapting_threshold");
    EXPECT_EQ(error_at("tau_syn = [1.0, 2.0, 3.0, 4.0, 5.0]").where().field, "population[0].parameters.tau_syn");
    EXPECT_EQ(error_at("receptor_ports = 5").where().field, "population[0].parameters.receptor_ports");
    EXPECT_EQ(error_at("C_m = true").where().field, "population[0].parameters.C_m");  // only switches take true/false
}
