#pragma once
// Helpers shared by tests: build and run a network given as TOML text.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/graph/synapse_table.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

namespace synaptogen::testing {

// A fresh temporary folder per test, removed afterwards; file() writes a fixture into it.
class temp_dir_test : public ::testing::Test {
protected:
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("synaptogen_test_" + std::to_string(::getpid()) + "_" +
                                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    void SetUp() override { std::filesystem::create_directories(dir); }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::string file(const std::string& name, const std::string& text) {
        const std::filesystem::path p = dir / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
};

// The input_error that fn() throws (a test failure if it throws none).
template <class Fn>
input_error error_of(Fn fn) {
    try {
        fn();
    } catch (const input_error& e) {
        return e;
    }
    ADD_FAILURE() << "no input_error";
    return input_error({}, "");
}

// Runs the synaptogen program with `args` (output discarded); its exit code.
inline int run_synaptogen(const std::string& args) {
    const std::string cmd = std::string(SYNAPTOGEN_EXE) + " " + args + " --log-level error > /dev/null 2>&1";
    return WEXITSTATUS(std::system(cmd.c_str()));
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// ../shared/data, or $SYNAPTOGEN_SHARED_DATA; empty if neither exists (tests then skip).
inline std::filesystem::path shared_data() {
    if (const char* env = std::getenv("SYNAPTOGEN_SHARED_DATA")) return env;
    const auto p = std::filesystem::path(SYNAPTOGEN_SOURCE_DIR) / ".." / "shared" / "data";
    return std::filesystem::exists(p) ? p : std::filesystem::path();
}

// All spikes of a run as (step, neuron) pairs in emission order.
struct spike_list {
    std::vector<step_t> step;
    std::vector<neuron_id> neuron;
    bool operator==(const spike_list& o) const { return step == o.step && neuron == o.neuron; }
};

// An observer that appends every spike to `out`.
inline run_observer collecting(spike_list& out) {
    run_observer obs;
    obs.on_spikes = [&out](spike_batch&& b) {
        out.step.insert(out.step.end(), b.step.begin(), b.step.end());
        out.neuron.insert(out.neuron.end(), b.neuron.begin(), b.neuron.end());
    };
    return obs;
}

inline spike_list run_network(const network_spec& spec, const run_options& options = {}) {
    simulation sim(spec, build_static_synapses(spec), options);
    spike_list out;
    sim.run(spec.simulation.steps(), collecting(out));
    return out;
}

// A small Brunel-like network (N neurons, fixed probability 0.1) as TOML text.
inline std::string small_brunel(int n, double duration_ms, std::uint64_t seed, const std::string& model = "iaf_psc_delta") {
    const int ne = n * 4 / 5, ni = n - ne;
    const std::string params =
        model == "iaf_psc_delta"
            ? "{ tau_m = 20.0, C_m = 250.0, E_L = 0.0, V_th = 20.0, V_reset = 10.0, t_ref = 2.0 }"
            : "{ tau_m = 20.0, C_m = 250.0, E_L = 0.0, V_th = 20.0, V_reset = 10.0, t_ref = 2.0, tau_syn_ex = 0.5, tau_syn_in = 0.5 }";
    const double j = model == "iaf_psc_delta" ? 0.1 : 52.0;  // [mV] jump, or [pA] giving a similar PSP
    std::string s = "[simulation]\ndt = 0.1\nduration = " + std::to_string(duration_ms) + "\nseed = " + std::to_string(seed) + "\n";
    s += "[[population]]\nname = \"E\"\nsize = " + std::to_string(ne) + "\nmodel = \"" + model + "\"\nparameters = " + params +
         "\ninitial = { V_m = { distribution = \"uniform\", low = 0.0, high = 20.0 } }\n";
    s += "[[population]]\nname = \"I\"\nsize = " + std::to_string(ni) + "\nmodel = \"" + model + "\"\nparameters = " + params + "\n";
    for (const char* src : {"E", "I"})
        for (const char* tgt : {"E", "I"}) {
            s += "[[projection]]\nsource = \"" + std::string(src) + "\"\ntarget = \"" + tgt +
                 "\"\nrule = \"fixed_probability\"\np = 0.1\nweight = " + std::to_string(src[0] == 'E' ? j : -5 * j) +
                 "\ndelay = { distribution = \"uniform\", low = 0.8, high = 2.0 }\n";
        }
    for (const char* tgt : {"E", "I"})
        s += "[[stimulus]]\ntype = \"poisson\"\ntarget = \"" + std::string(tgt) +
             "\"\nrate = 20.0\nsources = 1000\nweight = " + std::to_string(j) + "\n";
    s += "[[record]]\nspikes = \"all\"\n";
    return s;
}

}  // namespace synaptogen::testing

namespace synaptogen::testing {

// One network with every neuron model, synapse model and stimulus kind, and a drawn
// per-neuron parameter (cond's V_th), for determinism and checkpoint tests. Fires at a few
// to tens of Hz.
inline std::string feature_network(double duration_ms, std::uint64_t seed) {
    std::string s = "[simulation]\ndt = 0.1\nduration = " + std::to_string(duration_ms) + "\nseed = " + std::to_string(seed) + "\n";
    const std::string lif = "tau_m = 10.0, C_m = 250.0, E_L = -65.0, V_th = -50.0, V_reset = -65.0, t_ref = 2.0";
    s += "[[population]]\nname = \"alpha\"\nsize = 400\nmodel = \"iaf_psc_alpha\"\nparameters = { " + lif + ", tau_syn_ex = 1.0, tau_syn_in = 2.0 }\n"
         "initial = { V_m = { distribution = \"uniform\", low = -65.0, high = -50.0 } }\n";
    s += "[[population]]\nname = \"cond\"\nsize = 300\nmodel = \"iaf_cond_exp\"\nparameters = { C_m = 200.0, g_L = 10.0, E_L = -60.0, V_th = { distribution = \"normal\", mean = -50.0, sd = 1.0, min = -55.0, max = -45.0 }, V_reset = -60.0, t_ref = 5.0, tau_syn_ex = 5.0, tau_syn_in = 10.0, E_in = -80.0 }\n";
    s += "[[population]]\nname = \"izh\"\nsize = 150\nmodel = \"izhikevich\"\npreset = \"fast_spiking\"\n";
    s += "[[population]]\nname = \"adex\"\nsize = 100\nmodel = \"adex\"\n";
    s += "[[population]]\nname = \"graded\"\nsize = 40\nmodel = \"graded\"\n";
    s += "[[population]]\nname = \"rate\"\nsize = 30\nmodel = \"rate_tanh\"\nparameters = { tau_m = 5.0, I_e = 0.2 }\n";
    s += "[[population]]\nname = \"src\"\nsize = 3\nmodel = \"spike_source\"\nspike_times = [[5.0, 15.0, 25.0], [7.5], [1.0, 2.0, 3.0, 4.0]]\n";
    s += "[[population]]\nname = \"glif\"\nsize = 60\nmodel = \"glif_psc\"\nparameters = { I_e = 300.0, spike_dependent_threshold = true, "
         "after_spike_currents = true, adapting_threshold = true, tau_syn = [1.0, 3.0] }\n"
         "initial = { V_m = { distribution = \"uniform\", low = -78.85, high = -55.0 } }\n";
    s += "[[population]]\nname = \"if1\"\nsize = 50\nmodel = \"intfire1\"\nparameters = { tau = 8.0, refrac = 3.0 }\n";
    auto proj = [&](const std::string& src, const std::string& tgt, const std::string& rest) {
        s += "[[projection]]\nsource = \"" + src + "\"\ntarget = \"" + tgt + "\"\n" + rest + "\n";
    };
    proj("alpha", "alpha", "rule = \"fixed_probability\"\np = 0.1\nweight = 30.0\ndelay = { distribution = \"uniform\", low = 0.5, high = 3.0 }\n"
                           "synapse = \"stdp\"\nstdp = { w_max = 60.0, A_plus = 0.05, A_minus = 0.06, pairing = \"nearest\" }");
    proj("cond", "alpha", "rule = \"fixed_indegree\"\nindegree = 20\nweight = 25.0\nsynapse = \"stdp\"\n"
                          "stdp = { w_max = 50.0, A_plus = 0.02, A_minus = 0.02, rule = \"multiplicative\" }");
    proj("alpha", "cond", "rule = \"fixed_indegree\"\nindegree = 40\nweight = 1.5\ndelay = 1.0");
    proj("izh", "alpha", "rule = \"fixed_indegree\"\nindegree = 20\nweight = -60.0\ndelay = 0.8");
    proj("izh", "cond", "rule = \"fixed_indegree\"\nindegree = 20\nweight = -4.0\ndelay = 0.8");
    proj("alpha", "izh", "rule = \"fixed_indegree\"\nindegree = 40\nweight = 0.6\ndelay = 1.2");
    proj("izh", "izh", "rule = \"fixed_indegree\"\nindegree = 2\nweight = 0.3\nsynapse = \"gap_junction\"");
    proj("alpha", "adex", "rule = \"fixed_indegree\"\nindegree = 30\nweight = 40.0\ndelay = 1.0");
    proj("graded", "graded", "rule = \"fixed_probability\"\np = 0.2\nweight = 0.02\nsynapse = \"graded\"\ngraded = { E_rev = 0.0, V_half = -34.0, V_slope = 3.0 }");
    proj("graded", "graded", "rule = \"fixed_probability\"\np = 0.1\nweight = 0.01\nsynapse = \"gap_junction\"");
    proj("alpha", "graded", "rule = \"fixed_indegree\"\nindegree = 10\nweight = 0.5\ndelay = 2.0");
    proj("rate", "rate", "rule = \"fixed_probability\"\np = 0.3\nweight = { distribution = \"normal\", mean = 0.0, sd = 0.5 }");
    proj("src", "alpha", "rule = \"all_to_all\"\nweight = 200.0\ndelay = 1.0");
    proj("src", "alpha", "rule = \"explicit\"\nedges = [[0, 0], [1, 1], [2, 2]]\nweight = 100.0\nsynapse = \"stdp\"\nname = \"plastic\"\n"
                         "stdp = { w_max = 300.0, A_plus = 0.1, A_minus = 0.1 }");
    proj("alpha", "glif", "rule = \"fixed_indegree\"\nindegree = 20\nweight = 60.0\ndelay = 1.0");
    proj("izh", "glif", "rule = \"fixed_indegree\"\nindegree = 10\nweight = -40.0\ndelay = 1.5");
    proj("glif", "alpha", "rule = \"fixed_indegree\"\nindegree = 5\nweight = 30.0\ndelay = 1.0");
    proj("alpha", "if1", "rule = \"fixed_indegree\"\nindegree = 20\nweight = 0.15\ndelay = 1.0");
    proj("if1", "cond", "rule = \"fixed_indegree\"\nindegree = 5\nweight = 1.0\ndelay = 2.0");
    auto stim = [&](const std::string& rest) { s += "[[stimulus]]\n" + rest + "\n"; };
    stim("type = \"poisson\"\ntarget = \"alpha\"\nrate = 8.0\nsources = 1000\nweight = 20.0");
    stim("type = \"poisson\"\ntarget = \"cond\"\nrate = 8.0\nsources = 500\nweight = 1.0");
    stim("type = \"poisson\"\ntarget = \"izh\"\nrate = 10.0\nsources = 400\nweight = 0.5");
    stim("type = \"noise\"\ntarget = \"cond\"\nmean = 50.0\nstd = 100.0");
    stim("type = \"step_current\"\ntarget = \"adex\"\ntimes = [0.0, 20.0]\nvalues = [400.0, 700.0]");
    stim("type = \"dc\"\ntarget = \"graded\"\namplitude = 0.1\nstart = 5.0");
    stim("type = \"poisson\"\ntarget = \"if1\"\nrate = 10.0\nsources = 200\nweight = 0.1");
    s += "[[record]]\nspikes = \"all\"\n";
    s += "[[record]]\npopulation = \"adex\"\nvariable = \"w\"\nneurons = [0, 1]\nevery = 10\n";
    s += "[[record]]\npopulation = \"glif\"\nvariable = \"threshold\"\nneurons = [0, 1]\nevery = 10\n";
    s += "[[record]]\nprojection = \"plastic\"\nsynapses = [[0, 0]]\nevery = 5\n";
    return s;
}

}  // namespace synaptogen::testing
