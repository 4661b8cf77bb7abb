#pragma once
// What a projection's synapses do, as opposed to where they are (graph/projection.hpp).
//
//   static        a spike adds the weight to the target's synaptic input after the delay
//   stdp          static transmission plus pair-based STDP of the weight
//   gap_junction  electrical coupling, current g (V_j - V_i) into both cells [nS, mV -> pA]
//   graded        continuous chemical transmission (Wicks et al. 1996): current
//                 g s(V_pre) (E_rev - V_post), s(V) = 1 / (1 + exp(-(V - V_half) / V_slope))
//   rate          continuous transmission between rate units: input += w r_pre
#include <cstdint>
#include <string>
#include <vector>

namespace synaptogen {

enum class synapse_kind : std::uint8_t { static_synapse, stdp, gap_junction, graded, rate };

const char* to_string(synapse_kind k);
bool parse_synapse_kind(const std::string& name, synapse_kind& out);
std::vector<std::string> synapse_kind_names();

// Pair-based STDP between somatic spike times, Delta t = t_post - t_pre (the transmission
// delay does not enter the rule). Traces x_pre, x_post decay with tau_plus / tau_minus;
// all_to_all: each spike adds 1 to its trace; nearest: a spike resets it to 1.
//   post spike:  w += A_plus  * F+(w) * x_pre     additive: F+ = w_max;  multiplicative: F+ = w_max - w
//   pre spike:   w -= A_minus * F-(w) * x_post    additive: F- = w_max;  multiplicative: F- = w - w_min
// then w is clipped to [w_min, w_max]. A spike pair in the same step does not interact.
struct stdp_parameters {
    double tau_plus = 20.0;   // [ms]
    double tau_minus = 20.0;  // [ms]
    double A_plus = 0.01;     // dimensionless, relative to F+
    double A_minus = 0.0105;  // dimensionless, relative to F-
    double w_min = 0.0;       // weight units of the target model
    double w_max = 1.0;
    bool multiplicative = false;
    bool nearest = false;     // nearest-neighbour instead of all-to-all pairing
};

struct graded_parameters {
    double E_rev = 0.0;     // [mV] reversal potential
    double V_half = -35.0;  // [mV] presynaptic potential of half activation
    double V_slope = 5.0;   // [mV] slope of the sigmoid
};

// The synapse model of one projection (network_spec::synapses, same order as projections).
struct synapse_spec {
    synapse_kind kind = synapse_kind::static_synapse;
    std::string name;  // optional; lets [[record]] refer to the projection's weights
    // NEST's receptor port of the targets (glif_psc: 1..receptor_ports); 0: none, input goes
    // by its sign to the excitatory or the inhibitory channel.
    std::uint32_t receptor = 0;
    stdp_parameters stdp;
    graded_parameters graded;
};

// Parameter names of a synapse model's rule ("rule" and "pairing" are the STDP strings).
std::vector<std::string> synapse_parameter_names(synapse_kind k);
// Sets a numeric parameter by name; false if the model has no such parameter.
bool set_synapse_parameter(synapse_spec& s, const std::string& name, double value);
bool get_synapse_parameter(const synapse_spec& s, const std::string& name, double& value);
// Empty if the parameters are possible; else what is wrong and which name.
struct synapse_problem {
    std::string name;
    std::string what;
};
std::vector<synapse_problem> check_synapse(const synapse_spec& s);

}  // namespace synaptogen
