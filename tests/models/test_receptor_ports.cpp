// NEST's receptor ports on glif_psc (tau_syn of up to four entries): a projection's port
// decides where its input goes whatever the weight's sign; each port's alpha current against
// its closed form; a port against the same time constant on a one-port neuron; the ring's
// extra channels through every delivery strategy and a checkpoint.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/models/neuron_model.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "runtime/backend_identity.hpp"
#include "test_support.hpp"

using namespace synaptogen;

namespace {

constexpr double dt = 0.1;
// tau_m = 10 ms; V_th far away where single inputs are followed.
const std::string membrane = "g = 10.0, C_m = 100.0, E_L = -70.0, V_reset = -70.0, t_ref = 2.0";
const std::string quiet_glif = membrane + ", V_th = 0.0";

// One glif_psc cell driven by one input spike at 1 ms through one projection per
// (receptor, weight).
std::string one_cell(const std::string& tau_syn, const std::vector<std::pair<int, double>>& inputs) {
    std::string s = "[simulation]\ndt = 0.1\nduration = 30.0\n"
                    "[[population]]\nname = \"in\"\nsize = 1\nmodel = \"spike_source\"\nspike_times = [[1.0]]\n"
                    "[[population]]\nname = \"n\"\nsize = 1\nmodel = \"glif_psc\"\nparameters = { " +
                    quiet_glif + ", tau_syn = " + tau_syn + " }\n";
    for (const auto& [receptor, w] : inputs) {
        s += "[[projection]]\nsource = \"in\"\ntarget = \"n\"\nrule = \"all_to_all\"\ndelay = 1.0\nweight = " +
             std::to_string(w) + "\n";
        if (receptor > 0) s += "receptor = " + std::to_string(receptor) + "\n";
    }
    return s;
}

std::vector<neuron_state> states(const std::string& toml, int steps) {
    const network_spec spec = parse_network(toml, "ports.toml");
    simulation sim(spec, build_static_synapses(spec));
    std::vector<neuron_state> out;
    for (int k = 0; k < steps; ++k) {
        sim.run(1);
        out.push_back(sim.state(1));
    }
    return out;
}

}  // namespace

// Each port's current is an alpha function of its own time constant that peaks at the
// weight, and only the port the projection names receives: port 1 takes a negative weight
// and port 2 a positive one, which sign routing would have swapped.
TEST(receptor_ports, each_port_is_its_own_alpha_current) {
    const double tau[4] = {1.0, 2.0, 3.0, 4.0}, w[4] = {-10.0, 20.0, 30.0, -40.0};
    const auto s = states(one_cell("[1.0, 2.0, 3.0, 4.0]", {{1, w[0]}, {2, w[1]}, {3, w[2]}, {4, w[3]}}), 250);
    auto current = [](const neuron_state& x, int port) {
        return port == 0 ? x.ex : port == 1 ? x.in : port == 2 ? x.ex_3 : x.ex_4;
    };
    auto derivative = [](const neuron_state& x, int port) {
        return port == 0 ? x.dex : port == 1 ? x.din : port == 2 ? x.dex_3 : x.dex_4;
    };
    // The step the input arrives in: the first whose derivative is set (the same for all).
    std::size_t arrival = 0;
    while (arrival < s.size() && derivative(s[arrival], 0) == 0.0) ++arrival;
    ASSERT_LT(arrival, 50u);
    for (int port = 0; port < 4; ++port) {
        EXPECT_NE(derivative(s[arrival], port), 0.0) << "port " << port + 1;
        if (arrival > 0) {
            EXPECT_EQ(derivative(s[arrival - 1], port), 0.0) << "port " << port + 1;
        }
        double peak = 0.0;
        for (std::size_t k = arrival; k < s.size(); ++k) {
            const double t = static_cast<double>(k - arrival) * dt;  // I = w (t/tau) e^(1 - t/tau)
            const double expected = w[port] * (t / tau[port]) * std::exp(1.0 - t / tau[port]);
            EXPECT_NEAR(current(s[k], port), expected, 1e-9 * std::fabs(w[port])) << "port " << port + 1 << ", step " << k;
            if (std::fabs(current(s[k], port)) > std::fabs(peak)) peak = current(s[k], port);
        }
        EXPECT_NEAR(peak, w[port], 1e-9 * std::fabs(w[port])) << "the alpha current peaks at the weight";
    }
}

// V driven through port 3 (tau 3 ms) of a four-port cell follows V of a one-port cell with
// tau_syn = [3.0]: the port's propagators act on V as the first port's do.
TEST(receptor_ports, a_port_acts_on_V_as_a_one_port_cell) {
    const auto four = states(one_cell("[1.0, 2.0, 3.0, 4.0]", {{3, 150.0}}), 250);
    const auto one = states(one_cell("[3.0]", {{0, 150.0}}), 250);
    double largest = 0.0;
    for (std::size_t k = 0; k < four.size(); ++k) {
        EXPECT_NEAR(four[k].v, one[k].v, 1e-12) << "step " << k;
        largest = std::max(largest, four[k].v);
    }
    EXPECT_GT(largest, 1.0) << "the input moves V by more than a millivolt";
}

// A recurrent glif network on four ports with distributed delays: the same spikes and the
// same whole state (ring channels included) on every backend and delivery strategy, and a
// run resumed from a checkpoint equals the straight run. Twice: with weights per synapse,
// and with the projections leaving each population agreeing on their weight, so that the
// store keeps one weight per source while a row spans several ports.
TEST(receptor_ports, four_channels_through_every_delivery_and_a_checkpoint) {
    for (const bool row_weights : {false, true}) {
        SCOPED_TRACE(row_weights ? "one weight per source" : "weights per synapse");
        const std::string toml =
            "[simulation]\ndt = 0.1\nduration = 200.0\nseed = 7\n"
            "[[population]]\nname = \"E\"\nsize = 160\nmodel = \"glif_psc\"\n"
            "parameters = { " + membrane + ", V_th = -55.0, tau_syn = [2.0, 5.0, 1.0, 8.0] }\n"
            "[[population]]\nname = \"I\"\nsize = 40\nmodel = \"glif_psc\"\n"
            "parameters = { " + membrane + ", V_th = -55.0, tau_syn = [2.0, 5.0, 1.0, 8.0] }\n"
            "[[stimulus]]\ntype = \"poisson\"\ntarget = \"E\"\nrate = 9000.0\nweight = 40.0\n"
            "[[stimulus]]\ntype = \"poisson\"\ntarget = \"I\"\nrate = 9000.0\nweight = 40.0\n"
            "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"fixed_indegree\"\nindegree = 20\nweight = 30.0\nreceptor = 1\n"
            "delay = { distribution = \"uniform\", low = 0.5, high = 3.0 }\n"
            "[[projection]]\nsource = \"E\"\ntarget = \"I\"\nrule = \"fixed_probability\"\np = 0.1\nweight = " +
            std::string(row_weights ? "30.0" : "25.0") + "\nreceptor = 3\n"
            "delay = 1.5\n"
            "[[projection]]\nsource = \"I\"\ntarget = \"E\"\nrule = \"fixed_indegree\"\nindegree = 10\nweight = -60.0\nreceptor = 4\n"
            "delay = { distribution = \"uniform\", low = 0.5, high = 2.0 }\n"
            "[[projection]]\nsource = \"I\"\ntarget = \"I\"\nrule = \"fixed_probability\"\np = 0.2\nweight = " +
            std::string(row_weights ? "-60.0" : "-40.0") + "\n"
            "delay = 1.0\n"
            "[[record]]\nspikes = \"all\"\n";
        const network_spec spec = parse_network(toml, "ports.toml");
        EXPECT_EQ(simulation(spec, build_static_synapses(spec), {"serial"}).info().row_weights, row_weights);
        using synaptogen::testing::expect_identical_runs;
        const run_options serial{"serial", delivery_kind::automatic};
        for (const run_options& o : {run_options{"openmp", delivery_kind::partitioned}, run_options{"openmp", delivery_kind::atomic},
                                     run_options{"serial", delivery_kind::atomic}})
            expect_identical_runs(spec, serial, o, 100);

        const auto straight = synaptogen::testing::run_to_end(spec, serial);
        simulation first(spec, build_static_synapses(spec), serial);
        first.run(1000);
        const simulation_state half = first.save_state();
        EXPECT_EQ(half.ring.size() % (4 * spec.layout.total()), 0u) << "four channels per neuron in the checkpoint";
        simulation second(spec, build_static_synapses(spec), {"openmp", delivery_kind::partitioned});
        second.restore_state(half);
        second.run(spec.simulation.steps() - 1000);
        const simulation_state end = second.save_state();
        EXPECT_EQ(end.spikes, straight.state.spikes);
        EXPECT_TRUE(end.neuron_state == straight.state.neuron_state);
    }
}

// The receptor key: a port the target has, on a model that has ports, for a synapse that
// acts through them.
TEST(receptor_ports, the_receptor_key_is_checked) {
    auto error_of = [](const std::string& toml) {
        return synaptogen::testing::error_of([&] { parse_network(toml, "bad.toml"); });
    };
    const auto three = error_of(one_cell("[1.0, 2.0]", {{3, 10.0}}));
    EXPECT_EQ(three.where().field, "projection[0].receptor");
    EXPECT_NE(std::string(three.what()).find("has 2 receptor ports"), std::string::npos) << three.what();
    const auto five = error_of(one_cell("[1.0, 2.0, 3.0, 4.0]", {{5, 10.0}}));
    EXPECT_EQ(five.where().field, "projection[0].receptor");
    const std::string iaf = "[simulation]\ndt = 0.1\n[[population]]\nname = \"a\"\nsize = 2\nmodel = \"iaf_psc_alpha\"\n"
                            "[[projection]]\nsource = \"a\"\ntarget = \"a\"\nrule = \"all_to_all\"\nweight = 1.0\nreceptor = 1\n";
    const auto no_ports = error_of(iaf);
    EXPECT_NE(std::string(no_ports.what()).find("iaf_psc_alpha has no receptor ports"), std::string::npos) << no_ports.what();
}
