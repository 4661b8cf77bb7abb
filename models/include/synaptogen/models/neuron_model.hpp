#pragma once
// Point-neuron models with linear subthreshold dynamics, integrated exactly (Rotter &
// Diesmann 1999): the propagators are computed once on the host from dt, and one step is
// a few multiply-adds. Membrane potentials are stored relative to E_L, as NEST does, so
// the resting state is exactly 0.
//
// iaf_psc_delta:  tau_m dV/dt = -V + R (I_e + I_dc);   a spike of weight w makes V jump by w [mV]
// iaf_psc_exp:    tau_m dV/dt = -V + R (I_ex + I_in + I_e + I_dc)
//                 tau_ex dI_ex/dt = -I_ex;  a spike of weight w > 0 makes I_ex jump by w [pA]
//                 tau_in dI_in/dt = -I_in;  w < 0 goes to I_in
// Both: when V >= V_th the neuron spikes, V is set to V_reset and held for t_ref.
// iaf_psc_delta discards input arriving while refractory (NEST's and Brunel's convention).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/portability.hpp>

namespace synaptogen {

enum class neuron_model_kind : std::uint8_t { iaf_psc_delta, iaf_psc_exp };

// Names as written in description files, and the reverse lookup.
const char* to_string(neuron_model_kind k);
bool parse_neuron_model(const std::string& name, neuron_model_kind& out);
std::vector<std::string> neuron_model_names();

// Parameters in NEST's units and names; defaults are NEST's.
struct neuron_parameters {
    double tau_m = 10.0;       // [ms] membrane time constant
    double C_m = 250.0;        // [pF] membrane capacitance
    double t_ref = 2.0;        // [ms] refractory period
    double E_L = -70.0;        // [mV] resting potential
    double V_th = -55.0;       // [mV] threshold
    double V_reset = -70.0;    // [mV] reset potential
    double I_e = 0.0;          // [pA] constant input current
    double V_min = -1e300;     // [mV] lower bound of V (iaf_psc_delta)
    double tau_syn_ex = 2.0;   // [ms] excitatory synaptic time constant (iaf_psc_exp)
    double tau_syn_in = 2.0;   // [ms] inhibitory synaptic time constant (iaf_psc_exp)
};

// Parameter names a model accepts, for the parser and its "did you mean" suggestions.
std::vector<std::string> parameter_names(neuron_model_kind k);
// Sets a parameter by name; false if the model has no such parameter.
bool set_parameter(neuron_parameters& p, neuron_model_kind k, const std::string& name, double value);
// Empty if the parameters are physically possible; else what is wrong and which name.
struct parameter_problem {
    std::string name;
    std::string what;
};
std::vector<parameter_problem> check_parameters(const neuron_parameters& p, neuron_model_kind k, double dt);

// Per-population constants of one step of length dt.
struct neuron_constants {
    neuron_model_kind kind = neuron_model_kind::iaf_psc_delta;
    double P22 = 0.0;     // exp(-dt/tau_m)
    double P20 = 0.0;     // tau_m/C_m (1 - P22): current -> voltage over one step
    double P11ex = 0.0;   // exp(-dt/tau_syn_ex)
    double P11in = 0.0;
    double P21ex = 0.0;   // synaptic current -> voltage over one step
    double P21in = 0.0;
    double I_e = 0.0;     // [pA]
    double theta = 0.0;   // V_th - E_L
    double reset = 0.0;   // V_reset - E_L
    double v_min = 0.0;   // V_min - E_L
    std::int32_t ref_steps = 0;
};

neuron_constants make_constants(const neuron_parameters& p, neuron_model_kind k, double dt);

// The state of one neuron. V relative to E_L.
struct neuron_state {
    double v = 0.0;      // [mV]
    double i_ex = 0.0;   // [pA]
    double i_in = 0.0;   // [pA]
    std::int32_t refractory = 0;  // steps left
};

// One step of each model. in_ex/in_in: synaptic input arriving this step ([mV] jumps for
// iaf_psc_delta, [pA] jumps for iaf_psc_exp); i_dc: stimulus current [pA]. They return
// true if the neuron spikes in this step. Written with selects instead of branches so
// that a loop over neurons of one population vectorises (constants are read before the
// selects: a load inside a select becomes a masked load the vectoriser refuses).
SYNAPTOGEN_HD bool threshold_and_reset(const neuron_constants& c, neuron_state& s) {
    const double reset = c.reset;
    const std::int32_t ref_steps = c.ref_steps;
    const bool fired = s.v >= c.theta;
    s.v = fired ? reset : s.v;
    s.refractory = fired ? ref_steps : s.refractory;
    return fired;
}

SYNAPTOGEN_HD bool step_iaf_psc_delta(const neuron_constants& c, neuron_state& s, double in_ex, double in_in,
                                      double i_dc) {
    const bool active = s.refractory == 0;
    const double v_min = c.v_min;
    double v = c.P22 * s.v + c.P20 * (c.I_e + i_dc) + (in_ex + in_in);
    v = v < v_min ? v_min : v;
    s.v = active ? v : s.v;  // refractory: input is discarded
    s.refractory = active ? 0 : s.refractory - 1;
    return threshold_and_reset(c, s);
}

SYNAPTOGEN_HD bool step_iaf_psc_exp(const neuron_constants& c, neuron_state& s, double in_ex, double in_in,
                                    double i_dc) {
    const bool active = s.refractory == 0;
    const double v = c.P22 * s.v + c.P21ex * s.i_ex + c.P21in * s.i_in + c.P20 * (c.I_e + i_dc);
    s.v = active ? v : s.v;
    s.refractory = active ? 0 : s.refractory - 1;
    s.i_ex = c.P11ex * s.i_ex + in_ex;
    s.i_in = c.P11in * s.i_in + in_in;
    return threshold_and_reset(c, s);
}

SYNAPTOGEN_HD bool step_neuron(const neuron_constants& c, neuron_state& s, double in_ex, double in_in,
                               double i_dc) {
    return c.kind == neuron_model_kind::iaf_psc_delta ? step_iaf_psc_delta(c, s, in_ex, in_in, i_dc)
                                                      : step_iaf_psc_exp(c, s, in_ex, in_in, i_dc);
}

}  // namespace synaptogen
