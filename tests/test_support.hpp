#pragma once
// Helpers shared by tests: build and run a network given as TOML text.
#include <string>
#include <vector>

#include <synaptogen/graph/synapse_table.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

namespace synaptogen::testing {

// All spikes of a run as (step, neuron) pairs in emission order.
struct spike_list {
    std::vector<step_t> step;
    std::vector<neuron_id> neuron;
    bool operator==(const spike_list& o) const { return step == o.step && neuron == o.neuron; }
};

inline spike_list run_network(const network_spec& spec, const run_options& options = {}) {
    simulation sim(spec, build_static_synapses(spec),
                   options);
    spike_list out;
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) {
        out.step.insert(out.step.end(), b.step.begin(), b.step.end());
        out.neuron.insert(out.neuron.end(), b.neuron.begin(), b.neuron.end());
    };
    sim.run(spec.simulation.steps(), obs);
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
