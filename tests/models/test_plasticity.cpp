// Pair-based STDP against the analytic rule (synapse_model.hpp): two spike sources with
// given spike times drive one plastic synapse, and the final weight is computed here in
// closed form. Weights are stored in single precision, so the bound is 1e-6 relative.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

using namespace synaptogen;

namespace {

// One pre and one post spike source, one stdp synapse between them.
double final_weight(const std::string& pre_times, const std::string& post_times, double w0, const std::string& stdp,
                    double duration = 100.0) {
    const network_spec spec = parse_network(
        "[simulation]\ndt = 0.1\nduration = " + std::to_string(duration) +
            "\n"
            "[[population]]\nname = \"pre\"\nsize = 1\nmodel = \"spike_source\"\nspike_times = [[" + pre_times + "]]\n"
            "[[population]]\nname = \"post\"\nsize = 1\nmodel = \"spike_source\"\nspike_times = [[" + post_times + "]]\n"
            "[[projection]]\nsource = \"pre\"\ntarget = \"post\"\nrule = \"one_to_one\"\nsynapse = \"stdp\"\nweight = " +
            std::to_string(w0) + "\ndelay = 1.0\nstdp = { " + stdp + " }\n",
        "stdp.toml");
    simulation sim(spec, build_static_synapses(spec));
    sim.run(spec.simulation.steps());
    return sim.synapse_weight(0, 0, 0);
}

const std::string additive = "tau_plus = 20.0, tau_minus = 30.0, A_plus = 0.01, A_minus = 0.02, w_min = 0.0, w_max = 10.0";

}  // namespace

// Pre at 10 ms, post at 15 ms: w += A_plus w_max exp(-5/tau_plus).
TEST(stdp, causal_pair_potentiates_by_the_window) {
    const double w = final_weight("10.0", "15.0", 5.0, additive);
    EXPECT_NEAR(w, 5.0 + 0.01 * 10.0 * std::exp(-5.0 / 20.0), 1e-6 * 5.0);
}

// Post at 10 ms, pre at 15 ms: w -= A_minus w_max exp(-5/tau_minus). The transmission delay
// does not enter: timing is between somatic spikes.
TEST(stdp, anticausal_pair_depresses_by_the_window) {
    const double w = final_weight("15.0", "10.0", 5.0, additive);
    EXPECT_NEAR(w, 5.0 - 0.02 * 10.0 * std::exp(-5.0 / 30.0), 1e-6 * 5.0);
}

// Two pre spikes then a post spike: all-to-all sums both pairings, nearest-neighbour only
// the last pre spike's.
TEST(stdp, all_to_all_sums_pairs_and_nearest_takes_the_last) {
    const double all = final_weight("10.0, 12.0", "20.0", 5.0, additive);
    EXPECT_NEAR(all, 5.0 + 0.1 * (std::exp(-10.0 / 20.0) + std::exp(-8.0 / 20.0)), 1e-6 * 5.0);
    const double nearest = final_weight("10.0, 12.0", "20.0", 5.0, additive + ", pairing = \"nearest\"");
    EXPECT_NEAR(nearest, 5.0 + 0.1 * std::exp(-8.0 / 20.0), 1e-6 * 5.0);
}

// Multiplicative: potentiation scales with (w_max - w), depression with (w - w_min).
// Pre 10, post 15, pre 30: the second pre spike depresses by the post trace exp(-15/tau_minus).
TEST(stdp, multiplicative_rule_scales_with_the_distance_to_the_bounds) {
    const std::string rule = "tau_plus = 20.0, tau_minus = 30.0, A_plus = 0.1, A_minus = 0.2, w_min = 1.0, w_max = 10.0, rule = \"multiplicative\"";
    const double w0 = static_cast<double>(5.0f);
    const double w1 = static_cast<double>(static_cast<float>(w0 + 0.1 * (10.0 - w0) * std::exp(-5.0 / 20.0)));
    const double w2 = w1 - 0.2 * (w1 - 1.0) * std::exp(-15.0 / 30.0);
    EXPECT_NEAR(final_weight("10.0, 30.0", "15.0", 5.0, rule), w2, 1e-6 * 5.0);
}

// Weights stay inside [w_min, w_max]; spikes in the same step do not interact.
TEST(stdp, bounds_clip_and_simultaneous_spikes_do_not_pair) {
    const std::string strong = "tau_plus = 20.0, tau_minus = 20.0, A_plus = 1.0, A_minus = 1.0, w_min = 2.0, w_max = 6.0";
    EXPECT_EQ(final_weight("10.0", "11.0", 5.0, strong), 6.0);
    EXPECT_EQ(final_weight("11.0", "10.0", 5.0, strong), 2.0);
    EXPECT_EQ(final_weight("10.0", "10.0", 5.0, strong), 5.0);
}

// A spike is transmitted with the weight it finds, before its own depression: a target
// neuron sees exactly w0 from the first spike.
TEST(stdp, spike_transmits_the_weight_before_depression) {
    const network_spec spec = parse_network(
        "[simulation]\ndt = 0.1\nduration = 20.0\n"
        "[[population]]\nname = \"post_src\"\nsize = 1\nmodel = \"spike_source\"\nspike_times = [[2.0]]\n"
        "[[population]]\nname = \"pre\"\nsize = 1\nmodel = \"spike_source\"\nspike_times = [[5.0]]\n"
        "[[population]]\nname = \"n\"\nsize = 1\nmodel = \"iaf_psc_delta\"\n"
        "parameters = { tau_m = 10.0, C_m = 250.0, E_L = 0.0, V_th = 100.0, V_reset = 0.0 }\n"
        "[[population]]\nname = \"post\"\nsize = 1\nmodel = \"spike_source\"\nspike_times = [[2.0]]\n"
        "[[projection]]\nsource = \"pre\"\ntarget = \"post\"\nrule = \"one_to_one\"\nsynapse = \"stdp\"\nweight = 4.0\n"
        "stdp = { A_minus = 0.5, w_max = 8.0 }\n"
        "[[projection]]\nsource = \"pre\"\ntarget = \"n\"\nrule = \"one_to_one\"\nsynapse = \"stdp\"\nweight = 4.0\n"
        "stdp = { A_minus = 0.5, w_max = 8.0 }\n",
        "transmit.toml");
    simulation sim(spec, build_static_synapses(spec));
    sim.run(51);  // pre fires in the step ending at 5.0 ms and arrives one step (the default delay) later
    EXPECT_NEAR(sim.state(2).v, 4.0, 1e-12);
    EXPECT_NEAR(sim.synapse_weight(0, 0, 0), 4.0 - 0.5 * 8.0 * std::exp(-3.0 / 20.0), 1e-6 * 4.0);
    EXPECT_EQ(sim.synapse_weight(1, 0, 0), 4.0);  // n has not spiked: no post trace
}
