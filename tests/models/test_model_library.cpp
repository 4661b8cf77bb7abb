// The model library against independent references: closed forms where the dynamics are
// linear (to 1e-9, relative to the excursion), an independent fine-step RK4 of the same
// ODE where they are not, and the firing patterns the original papers name.
#include <cmath>
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "test_support.hpp"

using namespace synaptogen;

namespace {

std::string header(double duration, double dt = 0.1) {
    return "[simulation]\ndt = " + std::to_string(dt) + "\nduration = " + std::to_string(duration) + "\n";
}

std::string pop_toml(const std::string& name, const std::string& model, const std::string& params, int size = 1) {
    return "[[population]]\nname = \"" + name + "\"\nsize = " + std::to_string(size) + "\nmodel = \"" + model +
           "\"\nparameters = { " + params + " }\n";
}

const std::string record_all = "[[record]]\nspikes = \"all\"\n";

simulation make_sim(const network_spec& spec) { return simulation(spec, build_static_synapses(spec)); }

// Spike times [ms] (end-of-step stamps) of neuron `gid` over `steps` steps.
// (The population must record spikes: the spec needs [[record]] spikes.)
std::vector<double> spike_times(simulation& sim, std::uint64_t steps, double dt, neuron_id gid = 0) {
    std::vector<double> t;
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) {
        for (std::size_t k = 0; k < b.size(); ++k)
            if (b.neuron[k] == gid) t.push_back((b.step[k] + 1) * dt);
    };
    sim.run(steps, obs);
    return t;
}

// Classical RK4 of y' = f(y) with a fine step and a spike/reset rule, independent of the
// library: the reference for the nonlinear models.
struct reference_neuron {
    std::function<std::array<double, 2>(const std::array<double, 2>&)> f;
    std::function<bool(std::array<double, 2>&)> spike_and_reset;  // true on a spike
};
std::vector<double> reference_spikes(const reference_neuron& n, std::array<double, 2> y, double T, double h) {
    std::vector<double> out;
    const long steps = std::lround(T / h);
    for (long k = 0; k < steps; ++k) {
        auto add = [](std::array<double, 2> a, const std::array<double, 2>& b, double s) {
            a[0] += s * b[0];
            a[1] += s * b[1];
            return a;
        };
        const auto k1 = n.f(y), k2 = n.f(add(y, k1, h / 2)), k3 = n.f(add(y, k2, h / 2)), k4 = n.f(add(y, k3, h));
        for (int i = 0; i < 2; ++i) y[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
        if (n.spike_and_reset(y)) out.push_back((k + 1) * h);
    }
    return out;
}

std::vector<double> intervals(const std::vector<double>& t) {
    std::vector<double> isi;
    for (std::size_t k = 1; k < t.size(); ++k) isi.push_back(t[k] - t[k - 1]);
    return isi;
}

}  // namespace

// Alpha current I(t) = w e s/tau_s exp(-s/tau_s) (peak w at s = tau_s) gives
// V(t) - E_L = w e/(tau_s C) exp(-s/tau_m) (1 - exp(-a s)(1 + a s)) / a^2, a = 1/tau_s - 1/tau_m.
TEST(iaf_psc_alpha, psp_matches_the_alpha_convolution) {
    const double tau_m = 10.0, tau_s = 2.0, C = 250.0, w = 150.0, dt = 0.1;
    const std::string p = "tau_m = 10.0, C_m = 250.0, E_L = -70.0, V_th = -55.0, V_reset = -70.0, t_ref = 2.0";
    const network_spec spec = parse_network(
        header(60.0) + pop_toml("src", "spike_source", "") + "spike_times = [[5.0]]\n" +
            pop_toml("n", "iaf_psc_alpha", p + ", tau_syn_ex = 2.0") +
            "[[projection]]\nsource = \"src\"\ntarget = \"n\"\nrule = \"one_to_one\"\nweight = 150.0\ndelay = 1.0\n",
        "alpha.toml");
    simulation sim = make_sim(spec);
    // The source fires in the step ending at 5.0 ms; the input lands 1.0 ms later, at the
    // end of the step ending at 6.0 ms: s = t - 6.0.
    const double a = 1.0 / tau_s - 1.0 / tau_m;
    double peak_i = 0.0;
    for (int step = 1; step <= 600; ++step) {
        sim.run(1);
        const double s = step * dt - 6.0;
        const double v = s < 1e-9 ? 0.0 : w * std::exp(1.0) / (tau_s * C) * std::exp(-s / tau_m) * (1.0 - std::exp(-a * s) * (1.0 + a * s)) / (a * a);
        const double i = s < 1e-9 ? 0.0 : w * std::exp(1.0) * s / tau_s * std::exp(-s / tau_s);
        const neuron_state st = sim.state(1);
        EXPECT_NEAR(st.v, v, 1e-9) << "t = " << step * dt;
        EXPECT_NEAR(st.ex, i, 1e-9 * w) << "t = " << step * dt;
        peak_i = std::max(peak_i, st.ex);
    }
    EXPECT_NEAR(peak_i, w, 1e-9 * w);  // peak at s = tau_s, a grid point
}

// tau_syn == tau_m is the singular case of the closed-form propagators; the limit is
// V = w/C s exp(-s/tau) for an exponential current.
TEST(iaf_psc_exp, equal_time_constants_take_the_limit) {
    const std::string p = "tau_m = 5.0, C_m = 250.0, E_L = 0.0, V_th = 15.0, V_reset = 0.0, t_ref = 2.0, tau_syn_ex = 5.0";
    const network_spec spec = parse_network(
        header(40.0) + pop_toml("src", "spike_source", "") + "spike_times = [[1.0]]\n" + pop_toml("n", "iaf_psc_exp", p) +
            "[[projection]]\nsource = \"src\"\ntarget = \"n\"\nrule = \"one_to_one\"\nweight = 100.0\ndelay = 1.0\n",
        "limit.toml");
    simulation sim = make_sim(spec);
    for (int step = 1; step <= 400; ++step) {
        sim.run(1);
        const double s = step * 0.1 - 2.0;
        const double v = s < 1e-9 ? 0.0 : 100.0 / 250.0 * s * std::exp(-s / 5.0);
        EXPECT_NEAR(sim.state(1).v, v, 1e-9) << step;
    }
}

// Constant conductances make V relax exactly: with DC only, V(t) - E_L = I/g_L (1 - exp(-t g_L/C)).
TEST(iaf_cond_exp, dc_relaxation_is_exact) {
    const network_spec spec = parse_network(
        header(100.0) + pop_toml("n", "iaf_cond_exp", "C_m = 200.0, g_L = 10.0, E_L = -60.0, V_th = -50.0, V_reset = -60.0, I_e = 80.0"),
        "cond.toml");
    simulation sim = make_sim(spec);
    for (int step = 1; step <= 1000; ++step) {
        sim.run(1);
        const double t = step * 0.1, exact = 8.0 * (1.0 - std::exp(-t * 10.0 / 200.0));
        EXPECT_NEAR(sim.state(0).v, exact, 1e-9 * 8.0) << t;
    }
}

// A conductance pulse: g(t) = w exp(-s/tau) exactly; V against an RK4 reference of
// C V' = -g_L V + g(t) (E_ex - V) at h = 1e-4 ms. Exponential Euler holds g over a step,
// so its error is first order in dt: below 2 % of the peak at dt = 0.1 ms and about
// half that at 0.05 ms.
TEST(iaf_cond_exp, conductance_psp_converges_to_the_reference) {
    const double C = 200.0, gL = 10.0, E_ex = 60.0, tau = 5.0, w = 6.0;  // E_ex relative to E_L = -60
    auto reference = [&](double s) {
        double v = 0.0, h = 1e-4;
        auto f = [&](double t, double x) { return (-gL * x + w * std::exp(-t / tau) * (E_ex - x)) / C; };
        for (double t = 0.0; t < s - h / 2; t += h) {
            const double k1 = f(t, v), k2 = f(t + h / 2, v + h / 2 * k1), k3 = f(t + h / 2, v + h / 2 * k2), k4 = f(t + h, v + h * k3);
            v += h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
        }
        return v;
    };
    double error_at[2] = {0.0, 0.0};
    const double dts[2] = {0.1, 0.05};
    for (int r = 0; r < 2; ++r) {
        const double dt = dts[r];
        const network_spec spec = parse_network(
            header(30.0, dt) + pop_toml("src", "spike_source", "") + "spike_times = [[1.0]]\n" +
                pop_toml("n", "iaf_cond_exp", "C_m = 200.0, g_L = 10.0, E_L = -60.0, V_th = -50.0, V_reset = -60.0, E_ex = 0.0, tau_syn_ex = 5.0") +
                "[[projection]]\nsource = \"src\"\ntarget = \"n\"\nrule = \"one_to_one\"\nweight = 6.0\ndelay = 1.0\n",
            "cond_psp.toml");
        simulation sim = make_sim(spec);
        double peak = 0.0;
        const int steps = static_cast<int>(std::lround(30.0 / dt));
        for (int step = 1; step <= steps; ++step) {
            sim.run(1);
            const double s = step * dt - 2.0;
            const neuron_state st = sim.state(1);
            EXPECT_NEAR(st.ex, s < -1e-9 ? 0.0 : w * std::exp(-s / tau), 1e-9 * w);
            if (s > 0 && std::fmod(s + 1e-9, 1.0) < 2e-9) {  // every ms
                error_at[r] = std::max(error_at[r], std::fabs(st.v - reference(s)));
                peak = std::max(peak, st.v);
            }
        }
        EXPECT_GT(peak, 1.0);
        EXPECT_LT(error_at[r], 0.02 * peak) << "dt = " << dt;
    }
    EXPECT_LT(error_at[1], 0.6 * error_at[0]);  // first order
}

// Izhikevich (2003) with I = 10: first spike time against RK4 of the same ODE (h = 1e-4 ms),
// then the firing patterns of Fig. 2 for each named parameter set.
TEST(izhikevich, first_spike_matches_the_rk4_reference) {
    const double I = 10.0, a = 0.02, b = 0.2, c = -65.0, d = 8.0;
    reference_neuron ref;
    ref.f = [&](const std::array<double, 2>& y) {
        return std::array<double, 2>{0.04 * y[0] * y[0] + 5 * y[0] + 140 - y[1] + I, a * (b * y[0] - y[1])};
    };
    ref.spike_and_reset = [&](std::array<double, 2>& y) {
        if (y[0] < 30.0) return false;
        y[0] = c;
        y[1] += d;
        return true;
    };
    const auto expected = reference_spikes(ref, {c, b * c}, 100.0, 1e-4);
    ASSERT_GE(expected.size(), 3u);
    const network_spec spec = parse_network(header(100.0, 0.01) + pop_toml("n", "izhikevich", "I_e = 10.0") + record_all, "izh.toml");
    simulation sim = make_sim(spec);
    const auto got = spike_times(sim, 10000, 0.01);
    ASSERT_GE(got.size(), 3u);
    // Forward Euler at 0.01 ms: spike times within 0.15 ms of the reference for the first three.
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(got[k], expected[k], 0.15) << k;
}

TEST(izhikevich, named_parameter_sets_fire_their_published_patterns) {
    auto run = [](const std::string& preset) {
        const network_spec spec = parse_network(header(500.0) + pop_toml("n", "izhikevich", "I_e = 10.0") +
                                                    "preset = \"" + preset + "\"\n" + record_all,
                                                "izh.toml");
        simulation sim = make_sim(spec);
        return spike_times(sim, 5000, 0.1);
    };
    // Regular spiking: adaptation, the interval grows from the first to the steady one.
    const auto rs = intervals(run("regular_spiking"));
    ASSERT_GE(rs.size(), 5u);
    EXPECT_GT(rs.back(), 1.5 * rs.front());
    // Fast spiking: little adaptation and a higher rate than regular spiking.
    const auto fs = intervals(run("fast_spiking"));
    ASSERT_GE(fs.size(), 5u);
    EXPECT_LT(fs.back(), 1.3 * fs[1]);
    EXPECT_GT(fs.size(), rs.size());
    // Chattering: bursts: intervals are bimodal, short (< 10 ms) within and long (> 20 ms) between.
    const auto ch = intervals(run("chattering"));
    const auto short_isi = std::count_if(ch.begin(), ch.end(), [](double x) { return x < 10.0; });
    const auto long_isi = std::count_if(ch.begin(), ch.end(), [](double x) { return x > 20.0; });
    EXPECT_GE(short_isi, 2 * long_isi);
    EXPECT_GE(long_isi, 3);
    // Intrinsically bursting: an initial burst (first interval short), then regular spiking with long intervals.
    const auto ib = intervals(run("intrinsically_bursting"));
    ASSERT_GE(ib.size(), 4u);
    EXPECT_LT(ib.front(), 10.0);
    EXPECT_GT(ib.back(), 3.0 * ib.front());
}

// AdEx with Brette & Gerstner's parameters (NEST defaults, V_peak = 0) and I = 2000 pA:
// spike times against RK4 of the same ODE (h = 1e-3 ms), and adaptation.
TEST(adex, spike_times_match_the_rk4_reference_and_adapt) {
    const double C = 281.0, gL = 30.0, EL = -70.6, VT = -50.4, DT = 2.0, tw = 144.0, a = 4.0, b = 80.5, Vr = -60.0, I = 2000.0;
    reference_neuron ref;
    ref.f = [&](const std::array<double, 2>& y) {
        const double v = std::min(y[0], 0.0);  // V capped at V_peak in the derivatives, as NEST does
        return std::array<double, 2>{(-gL * (v - EL) + gL * DT * std::exp((v - VT) / DT) - y[1] + I) / C, (a * (v - EL) - y[1]) / tw};
    };
    ref.spike_and_reset = [&](std::array<double, 2>& y) {
        if (y[0] < 0.0) return false;
        y[0] = Vr;
        y[1] += b;
        return true;
    };
    const auto expected = reference_spikes(ref, {EL, 0.0}, 300.0, 1e-3);
    ASSERT_GE(expected.size(), 20u);
    // On a grid a spike is registered, and V reset, at the end of the step that crosses
    // V_peak: up to dt late, and the delay accumulates over spikes. At dt = 0.01 ms the first
    // ten spikes stay within 0.1 ms of the reference; at dt = 0.1 ms every interval is within
    // 0.2 ms of the reference's and the spike count within one.
    std::vector<double> got;
    for (double dt : {0.01, 0.1}) {
        const network_spec spec = parse_network(header(300.0, dt) + pop_toml("n", "adex", "I_e = 2000.0") + record_all, "adex.toml");
        simulation sim = make_sim(spec);
        got = spike_times(sim, std::lround(300.0 / dt), dt);
        ASSERT_GE(got.size(), 20u);
        EXPECT_NEAR(static_cast<double>(got.size()), static_cast<double>(expected.size()), 1.0);
        if (dt < 0.05)
            for (std::size_t k = 0; k < 10; ++k) EXPECT_NEAR(got[k], expected[k], 0.1) << k;
        else
            for (std::size_t k = 1; k < 20; ++k) EXPECT_NEAR(got[k] - got[k - 1], expected[k] - expected[k - 1], 0.2) << k;
    }
    const auto isi = intervals(got);
    EXPECT_GT(isi.back(), 1.5 * isi.front());  // spike-triggered adaptation
}

// Graded neuron: C dV/dt = -g_L (V - E_L) + I, exact; never spikes.
TEST(graded, dc_relaxation_is_exact_and_silent) {
    const network_spec spec =
        parse_network(header(300.0) + pop_toml("n", "graded", "C_m = 1.0, g_L = 0.01, E_L = -35.0, I_e = 0.2") +
                          "[[record]]\nspikes = \"all\"\n",
                      "graded.toml");
    simulation sim = make_sim(spec);
    for (int step = 1; step <= 3000; ++step) {
        sim.run(1);
        const double t = step * 0.1, exact = 20.0 * (1.0 - std::exp(-t * 0.01));
        EXPECT_NEAR(sim.state(0).v, exact, 1e-9 * 20.0) << t;
    }
    EXPECT_EQ(sim.spike_count(), 0u);
}

// Rate units: tau dr/dt = -r + f(gain I), r(t) = f(gain I) (1 - exp(-t/tau)) from r = 0.
TEST(rate_units, relax_to_their_activation) {
    for (const auto& [model, f] : std::vector<std::pair<std::string, double>>{
             {"rate_relu", 1.5}, {"rate_tanh", std::tanh(1.5)}, {"rate_sigmoid", 1.0 / (1.0 + std::exp(-1.5))}}) {
        const network_spec spec = parse_network(header(50.0) + pop_toml("r", model, "tau_m = 10.0, I_e = 0.75, gain = 2.0"), "rate.toml");
        simulation sim = make_sim(spec);
        for (int step = 1; step <= 500; ++step) {
            sim.run(1);
            EXPECT_NEAR(sim.state(0).v, f * (1.0 - std::exp(-step * 0.1 / 10.0)), 1e-12) << model << " " << step;
        }
    }
}

// Two rate units in a chain: the second follows tau r2' = -r2 + relu(w r1) with r1 from
// above; at steady state r2 = w r1. A negative weight silences it (relu).
TEST(rate_units, connections_carry_the_rate) {
    const network_spec spec = parse_network(
        header(400.0) + pop_toml("a", "rate_relu", "tau_m = 10.0, I_e = 2.0") + pop_toml("b", "rate_relu", "tau_m = 20.0") +
            pop_toml("c", "rate_relu", "tau_m = 20.0, I_e = 1.0") +
            "[[projection]]\nsource = \"a\"\ntarget = \"b\"\nrule = \"one_to_one\"\nweight = 0.5\n"
            "[[projection]]\nsource = \"a\"\ntarget = \"c\"\nrule = \"one_to_one\"\nweight = -3.0\n",
        "chain.toml");
    simulation sim = make_sim(spec);
    sim.run(4000);
    EXPECT_NEAR(sim.state(0).v, 2.0, 1e-9);
    EXPECT_NEAR(sim.state(1).v, 1.0, 1e-6);
    EXPECT_NEAR(sim.state(2).v, 0.0, 1e-6);  // relu(1 - 3 * 2) = 0
}

// Two passive cells joined by a gap junction g_c, current I into cell 0. Equilibrium:
//   g_L V0 = I + g_c (V1 - V0),  g_L V1 = g_c (V0 - V1)   (V relative to E_L)
//   => V0 = I (g_L + g_c) / (g_L (g_L + 2 g_c)),  V1 = I g_c / (g_L (g_L + 2 g_c)).
// The scheme's fixed point is the exact equilibrium, so the bound is tight.
TEST(gap_junctions, two_coupled_cells_reach_the_analytic_equilibrium) {
    // Weights are stored in single precision: the reference uses g_c as stored.
    const double gL = 0.01, gc = static_cast<double>(0.02f), I = 0.3;
    const network_spec spec = parse_network(
        header(4000.0) + pop_toml("a", "graded", "C_m = 1.0, g_L = 0.01, E_L = -35.0, I_e = 0.3") +
            pop_toml("b", "graded", "C_m = 1.0, g_L = 0.01, E_L = -35.0") +
            "[[projection]]\nsource = \"a\"\ntarget = \"b\"\nrule = \"one_to_one\"\nsynapse = \"gap_junction\"\nweight = 0.02\n",
        "gap.toml");
    simulation sim = make_sim(spec);
    sim.run(40000);
    const double v0 = I * (gL + gc) / (gL * (gL + 2 * gc)), v1 = I * gc / (gL * (gL + 2 * gc));
    EXPECT_NEAR(sim.state(0).v, v0, 1e-9 * v0);
    EXPECT_NEAR(sim.state(1).v, v1, 1e-9 * v0);
}

// Gap junctions between spiking cells: the coupling current g (V_j - V_i) drives an iaf
// cell. Cell 1 (no input) settles at the equilibrium of the linear pair while cell 0 is
// held subthreshold by DC (same formula, with g_L = C/tau_m).
TEST(gap_junctions, couple_integrate_and_fire_cells) {
    const double C = 250.0, tau = 10.0, gL = C / tau, gc = 5.0, I = 300.0;  // 5.0 is exact in float
    const std::string p = "tau_m = 10.0, C_m = 250.0, E_L = -70.0, V_th = -40.0, V_reset = -70.0";
    const network_spec spec = parse_network(
        header(300.0) + pop_toml("a", "iaf_psc_delta", p + ", I_e = 300.0") + pop_toml("b", "iaf_psc_delta", p) +
            "[[projection]]\nsource = \"a\"\ntarget = \"b\"\nrule = \"one_to_one\"\nsynapse = \"gap_junction\"\nweight = 5.0\n",
        "gap_iaf.toml");
    simulation sim = make_sim(spec);
    sim.run(3000);
    const double v0 = I * (gL + gc) / (gL * (gL + 2 * gc)), v1 = I * gc / (gL * (gL + 2 * gc));
    EXPECT_NEAR(sim.state(0).v, v0, 1e-6 * v0);
    EXPECT_NEAR(sim.state(1).v, v1, 1e-6 * v0);
}

// Graded synapse: a presynaptic graded cell held at V_pre by DC drives the postsynaptic
// cell with g s(V_pre) (E_rev - V). Equilibrium: V = (g_L E_L + g s E_rev) / (g_L + g s).
TEST(graded_synapses, postsynaptic_equilibrium_follows_the_sigmoid) {
    const double gL = 0.01, EL = -35.0, g = 0.05, E_rev = 0.0, V_half = -30.0, slope = 4.0;
    const double V_pre = EL + 0.08 / gL;  // I_e = 0.08 pA
    const network_spec spec = parse_network(
        header(5000.0) + pop_toml("pre", "graded", "C_m = 1.0, g_L = 0.01, E_L = -35.0, I_e = 0.08") +
            pop_toml("post", "graded", "C_m = 1.0, g_L = 0.01, E_L = -35.0") +
            "[[projection]]\nsource = \"pre\"\ntarget = \"post\"\nrule = \"one_to_one\"\nsynapse = \"graded\"\nweight = 0.05\n"
            "graded = { E_rev = 0.0, V_half = -30.0, V_slope = 4.0 }\n",
        "graded_syn.toml");
    simulation sim = make_sim(spec);
    sim.run(50000);
    const double s = 1.0 / (1.0 + std::exp(-(V_pre - V_half) / slope));
    const double V = (gL * EL + g * s * E_rev) / (gL + g * s);
    EXPECT_NEAR(sim.state(0).v + EL, V_pre, 1e-6);
    EXPECT_NEAR(sim.state(1).v + EL, V, 1e-6);
    EXPECT_GT(V, EL + 5.0);  // the synapse really depolarised the cell
}

// Spike sources replay their trains: each given time on the grid comes back as the stamp
// of the output spike (end of step), unchanged.
TEST(spike_sources, replay_the_given_times_exactly) {
    const network_spec spec = parse_network(header(20.0) + pop_toml("s", "spike_source", "", 2) +
                                                "spike_times = [[0.1, 2.5, 7.3], [3.0, 19.9]]\n[[record]]\nspikes = \"all\"\n",
                                            "src.toml");
    const auto spikes = synaptogen::testing::run_network(spec);
    ASSERT_EQ(spikes.neuron.size(), 5u);
    const std::vector<double> expected_t = {0.1, 2.5, 3.0, 7.3, 19.9};
    const std::vector<neuron_id> expected_n = {0, 0, 1, 0, 1};
    for (std::size_t k = 0; k < 5; ++k) {
        EXPECT_NEAR((spikes.step[k] + 1) * 0.1, expected_t[k], 1e-9);
        EXPECT_EQ(spikes.neuron[k], expected_n[k]);
    }
}

// Step current: V follows the exact piecewise relaxation (iaf_psc_delta, threshold far away).
TEST(stimuli, step_current_follows_the_piecewise_solution) {
    const network_spec spec = parse_network(
        header(60.0) + pop_toml("n", "iaf_psc_delta", "tau_m = 10.0, C_m = 250.0, E_L = 0.0, V_th = 100.0, V_reset = 0.0") +
            "[[stimulus]]\ntype = \"step_current\"\ntarget = \"n\"\ntimes = [10.0, 30.0]\nvalues = [250.0, -125.0]\n",
        "step.toml");
    simulation sim = make_sim(spec);
    for (int step = 1; step <= 600; ++step) {
        sim.run(1);
        const double t = step * 0.1;
        // R I = 10 mV from 10 ms, -5 mV from 30 ms.
        double v = 0.0;
        if (t > 10.0 + 1e-9) v = 10.0 * (1.0 - std::exp(-(std::min(t, 30.0) - 10.0) / 10.0));
        if (t > 30.0 + 1e-9) v = -5.0 + (v + 5.0) * std::exp(-(t - 30.0) / 10.0);
        EXPECT_NEAR(sim.state(0).v, v, 1e-9 * 10.0) << t;
    }
}

// Noise current mean + std xi per step: V is the AR(1) process V' = P22 V + P20 (mean + std xi),
// stationary mean R mean and variance P20^2 std^2 / (1 - P22^2). 4000 neurons, one sample
// each after 10 tau: the mean within 4 standard errors, the variance within 10 %.
TEST(stimuli, noise_current_has_the_stated_statistics) {
    const double tau = 10.0, C = 250.0, mean = 100.0, sd = 500.0, dt = 0.1;
    const network_spec spec = parse_network(
        header(100.0) + pop_toml("n", "iaf_psc_delta", "tau_m = 10.0, C_m = 250.0, E_L = 0.0, V_th = 1000.0, V_reset = 0.0", 4000) +
            "[[stimulus]]\ntype = \"noise\"\ntarget = \"n\"\nmean = 100.0\nstd = 500.0\n",
        "noise.toml");
    simulation sim = make_sim(spec);
    sim.run(1000);
    double s = 0.0, s2 = 0.0;
    for (neuron_id i = 0; i < 4000; ++i) {
        const double v = sim.state(i).v;
        s += v;
        s2 += v * v;
    }
    const double P22 = std::exp(-dt / tau), P20 = tau / C * (1.0 - P22);
    const double var = P20 * P20 * sd * sd / (1.0 - P22 * P22);
    const double m = s / 4000, v = s2 / 4000 - m * m;
    EXPECT_NEAR(m, tau / C * mean, 4.0 * std::sqrt(var / 4000));
    EXPECT_NEAR(v, var, 0.1 * var);
}

// Poisson sources: each neuron spikes in a step with probability rate dt, independently:
// the count over 2,000 neurons x 10,000 steps is binomial (mean 20,000, sd 141; bound 4 sd),
// and intervals are geometric (CV = sqrt(1 - p) = 0.9995; bound 0.95-1.05).
TEST(spike_sources, poisson_sources_fire_at_their_rate) {
    const network_spec spec = parse_network(header(1000.0) + pop_toml("p", "poisson_source", "rate = 10.0", 2000) + record_all,
                                            "poisson.toml");
    const auto spikes = synaptogen::testing::run_network(spec);
    EXPECT_NEAR(static_cast<double>(spikes.neuron.size()), 20000.0, 4 * 141.0);
    std::vector<std::vector<double>> times(2000);
    for (std::size_t k = 0; k < spikes.neuron.size(); ++k) times[spikes.neuron[k]].push_back(spikes.step[k] * 0.1);
    double s = 0, s2 = 0, n = 0;
    for (const auto& t : times)
        for (double x : intervals(t)) {
            s += x;
            s2 += x * x;
            ++n;
        }
    const double mean = s / n, cv = std::sqrt(s2 / n - mean * mean) / mean;
    EXPECT_NEAR(cv, 1.0, 0.05);
}
