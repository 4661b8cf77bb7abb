#include <synaptogen/models/neuron_model.hpp>

#include <cmath>

namespace synaptogen {

const char* to_string(neuron_model_kind k) {
    switch (k) {
    case neuron_model_kind::iaf_psc_delta: return "iaf_psc_delta";
    case neuron_model_kind::iaf_psc_exp: return "iaf_psc_exp";
    }
    return "?";
}

std::vector<std::string> neuron_model_names() { return {"iaf_psc_delta", "iaf_psc_exp"}; }

bool parse_neuron_model(const std::string& name, neuron_model_kind& out) {
    if (name == "iaf_psc_delta") out = neuron_model_kind::iaf_psc_delta;
    else if (name == "iaf_psc_exp") out = neuron_model_kind::iaf_psc_exp;
    else return false;
    return true;
}

std::vector<std::string> parameter_names(neuron_model_kind k) {
    std::vector<std::string> names = {"tau_m", "C_m", "t_ref", "E_L", "V_th", "V_reset", "I_e"};
    if (k == neuron_model_kind::iaf_psc_delta) names.push_back("V_min");
    if (k == neuron_model_kind::iaf_psc_exp) {
        names.push_back("tau_syn_ex");
        names.push_back("tau_syn_in");
    }
    return names;
}

bool set_parameter(neuron_parameters& p, neuron_model_kind k, const std::string& name, double value) {
    if (name == "tau_m") p.tau_m = value;
    else if (name == "C_m") p.C_m = value;
    else if (name == "t_ref") p.t_ref = value;
    else if (name == "E_L") p.E_L = value;
    else if (name == "V_th") p.V_th = value;
    else if (name == "V_reset") p.V_reset = value;
    else if (name == "I_e") p.I_e = value;
    else if (name == "V_min" && k == neuron_model_kind::iaf_psc_delta) p.V_min = value;
    else if (name == "tau_syn_ex" && k == neuron_model_kind::iaf_psc_exp) p.tau_syn_ex = value;
    else if (name == "tau_syn_in" && k == neuron_model_kind::iaf_psc_exp) p.tau_syn_in = value;
    else return false;
    return true;
}

std::vector<parameter_problem> check_parameters(const neuron_parameters& p, neuron_model_kind k, double) {
    std::vector<parameter_problem> out;
    auto positive = [&](const char* name, double v, const char* unit) {
        if (!(v > 0.0) || !std::isfinite(v))
            out.push_back({name, std::string("expected a positive, finite value in ") + unit});
    };
    positive("tau_m", p.tau_m, "ms");
    positive("C_m", p.C_m, "pF");
    if (!(p.t_ref >= 0.0)) out.push_back({"t_ref", "expected a value >= 0 ms"});
    if (k == neuron_model_kind::iaf_psc_exp) {
        positive("tau_syn_ex", p.tau_syn_ex, "ms");
        positive("tau_syn_in", p.tau_syn_in, "ms");
    }
    if (!(p.V_reset < p.V_th)) out.push_back({"V_reset", "expected V_reset < V_th"});
    return out;
}

namespace {
// Voltage response over one step to a synaptic current that decays with tau_syn
// (NEST's propagator_32). The tau_syn == tau_m limit is taken explicitly.
double propagator_32(double tau_syn, double tau_m, double C, double h) {
    if (std::fabs(tau_m - tau_syn) < 1e-10 * tau_m)
        return h / C * std::exp(-h / tau_m);
    const double P32 = tau_syn * tau_m / (C * (tau_m - tau_syn));
    return P32 * (std::exp(-h / tau_m) - std::exp(-h / tau_syn));
}
}  // namespace

neuron_constants make_constants(const neuron_parameters& p, neuron_model_kind k, double dt) {
    neuron_constants c;
    c.kind = k;
    c.P22 = std::exp(-dt / p.tau_m);
    c.P20 = -p.tau_m / p.C_m * std::expm1(-dt / p.tau_m);
    c.P11ex = std::exp(-dt / p.tau_syn_ex);
    c.P11in = std::exp(-dt / p.tau_syn_in);
    c.P21ex = propagator_32(p.tau_syn_ex, p.tau_m, p.C_m, dt);
    c.P21in = propagator_32(p.tau_syn_in, p.tau_m, p.C_m, dt);
    c.I_e = p.I_e;
    c.theta = p.V_th - p.E_L;
    c.reset = p.V_reset - p.E_L;
    c.v_min = p.V_min - p.E_L;
    c.ref_steps = static_cast<std::int32_t>(std::lround(p.t_ref / dt));
    return c;
}

}  // namespace synaptogen
