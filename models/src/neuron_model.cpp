#include <synaptogen/models/neuron_model.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace synaptogen {

namespace {

struct model_name {
    neuron_model_kind kind;
    const char* name;
};
constexpr model_name model_names[] = {
    {neuron_model_kind::iaf_psc_delta, "iaf_psc_delta"}, {neuron_model_kind::iaf_psc_exp, "iaf_psc_exp"},
    {neuron_model_kind::iaf_psc_alpha, "iaf_psc_alpha"}, {neuron_model_kind::iaf_cond_exp, "iaf_cond_exp"},
    {neuron_model_kind::izhikevich, "izhikevich"},       {neuron_model_kind::adex, "adex"},
    {neuron_model_kind::graded, "graded"},               {neuron_model_kind::rate_relu, "rate_relu"},
    {neuron_model_kind::rate_tanh, "rate_tanh"},         {neuron_model_kind::rate_sigmoid, "rate_sigmoid"},
    {neuron_model_kind::spike_source, "spike_source"},   {neuron_model_kind::poisson_source, "poisson_source"},
};

// One parameter of one model: its field, unit and the constraint check_parameters applies.
enum class constraint { any, positive, non_negative };
struct parameter_info {
    const char* name;
    double neuron_parameters::*field;
    const char* unit;
    constraint check;
};

#define SYNAPTOGEN_P(name, unit, check) parameter_info { #name, &neuron_parameters::name, unit, constraint::check }
const std::vector<parameter_info>& parameter_table(neuron_model_kind k) {
    static const std::vector<parameter_info> membrane = {
        SYNAPTOGEN_P(C_m, "pF", positive),  SYNAPTOGEN_P(tau_m, "ms", positive), SYNAPTOGEN_P(t_ref, "ms", non_negative),
        SYNAPTOGEN_P(E_L, "mV", any),       SYNAPTOGEN_P(V_th, "mV", any),       SYNAPTOGEN_P(V_reset, "mV", any),
        SYNAPTOGEN_P(I_e, "pA", any)};
    auto with = [](std::vector<parameter_info> base, std::initializer_list<parameter_info> more) {
        base.insert(base.end(), more);
        return base;
    };
    static const std::vector<parameter_info> delta = with(membrane, {SYNAPTOGEN_P(V_min, "mV", any)});
    static const std::vector<parameter_info> current =
        with(membrane, {SYNAPTOGEN_P(tau_syn_ex, "ms", positive), SYNAPTOGEN_P(tau_syn_in, "ms", positive)});
    static const std::vector<parameter_info> cond = {
        SYNAPTOGEN_P(C_m, "pF", positive),         SYNAPTOGEN_P(g_L, "nS", positive),
        SYNAPTOGEN_P(t_ref, "ms", non_negative),   SYNAPTOGEN_P(E_L, "mV", any),
        SYNAPTOGEN_P(V_th, "mV", any),             SYNAPTOGEN_P(V_reset, "mV", any),
        SYNAPTOGEN_P(I_e, "pA", any),              SYNAPTOGEN_P(E_ex, "mV", any),
        SYNAPTOGEN_P(E_in, "mV", any),             SYNAPTOGEN_P(tau_syn_ex, "ms", positive),
        SYNAPTOGEN_P(tau_syn_in, "ms", positive)};
    static const std::vector<parameter_info> izh = {
        SYNAPTOGEN_P(a, "1/ms", any), SYNAPTOGEN_P(b, "", any),      SYNAPTOGEN_P(c, "mV", any),
        SYNAPTOGEN_P(d, "pA", any),   SYNAPTOGEN_P(V_th, "mV", any), SYNAPTOGEN_P(I_e, "pA", any),
        SYNAPTOGEN_P(V_min, "mV", any)};
    static const std::vector<parameter_info> adex = {
        SYNAPTOGEN_P(C_m, "pF", positive),       SYNAPTOGEN_P(g_L, "nS", positive),
        SYNAPTOGEN_P(t_ref, "ms", non_negative), SYNAPTOGEN_P(E_L, "mV", any),
        SYNAPTOGEN_P(V_th, "mV", any),           SYNAPTOGEN_P(V_reset, "mV", any),
        SYNAPTOGEN_P(V_peak, "mV", any),         SYNAPTOGEN_P(Delta_T, "mV", positive),
        SYNAPTOGEN_P(tau_w, "ms", positive),     SYNAPTOGEN_P(a, "nS", any),
        SYNAPTOGEN_P(b, "pA", any),              SYNAPTOGEN_P(I_e, "pA", any),
        SYNAPTOGEN_P(tau_syn_ex, "ms", positive), SYNAPTOGEN_P(tau_syn_in, "ms", positive)};
    static const std::vector<parameter_info> graded = {SYNAPTOGEN_P(C_m, "pF", positive), SYNAPTOGEN_P(g_L, "nS", positive),
                                                       SYNAPTOGEN_P(E_L, "mV", any), SYNAPTOGEN_P(I_e, "pA", any)};
    static const std::vector<parameter_info> rate = {SYNAPTOGEN_P(tau_m, "ms", positive), SYNAPTOGEN_P(I_e, "", any),
                                                     SYNAPTOGEN_P(gain, "", any)};
    static const std::vector<parameter_info> poisson = {SYNAPTOGEN_P(rate, "Hz", non_negative)};
    static const std::vector<parameter_info> none;
    switch (k) {
    case neuron_model_kind::iaf_psc_delta: return delta;
    case neuron_model_kind::iaf_psc_exp:
    case neuron_model_kind::iaf_psc_alpha: return current;
    case neuron_model_kind::iaf_cond_exp: return cond;
    case neuron_model_kind::izhikevich: return izh;
    case neuron_model_kind::adex: return adex;
    case neuron_model_kind::graded: return graded;
    case neuron_model_kind::rate_relu:
    case neuron_model_kind::rate_tanh:
    case neuron_model_kind::rate_sigmoid: return rate;
    case neuron_model_kind::spike_source: return none;
    case neuron_model_kind::poisson_source: return poisson;
    }
    return none;
}
#undef SYNAPTOGEN_P

const parameter_info* find_parameter(neuron_model_kind k, const std::string& name) {
    for (const auto& p : parameter_table(k))
        if (name == p.name) return &p;
    return nullptr;
}

struct state_info {
    const char* name;
    state_slot slot;
    const char* unit;
};

std::vector<state_info> state_table(neuron_model_kind k) {
    switch (k) {
    case neuron_model_kind::iaf_psc_delta:
    case neuron_model_kind::graded: return {{"V_m", state_slot::v, "mV"}};
    case neuron_model_kind::iaf_psc_exp:
    case neuron_model_kind::iaf_psc_alpha:
        return {{"V_m", state_slot::v, "mV"}, {"I_syn_ex", state_slot::ex, "pA"}, {"I_syn_in", state_slot::in, "pA"}};
    case neuron_model_kind::iaf_cond_exp:
        return {{"V_m", state_slot::v, "mV"}, {"g_ex", state_slot::ex, "nS"}, {"g_in", state_slot::in, "nS"}};
    case neuron_model_kind::izhikevich: return {{"V_m", state_slot::v, "mV"}, {"U_m", state_slot::adapt, "pA"}};
    case neuron_model_kind::adex:
        return {{"V_m", state_slot::v, "mV"}, {"w", state_slot::adapt, "pA"}, {"I_syn_ex", state_slot::ex, "pA"},
                {"I_syn_in", state_slot::in, "pA"}};
    case neuron_model_kind::rate_relu:
    case neuron_model_kind::rate_tanh:
    case neuron_model_kind::rate_sigmoid: return {{"rate", state_slot::v, "1"}};
    case neuron_model_kind::spike_source:
    case neuron_model_kind::poisson_source: return {};
    }
    return {};
}

// exp(A) of a 3x3 matrix by scaling and squaring with a Taylor series: the propagators of
// the linear models, accurate to rounding and free of the tau_syn == tau_m singularity of
// the closed forms.
using mat3 = std::array<std::array<double, 3>, 3>;
mat3 multiply(const mat3& x, const mat3& y) {
    mat3 z{};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            for (int k = 0; k < 3; ++k) z[i][j] += x[i][k] * y[k][j];
    return z;
}
mat3 expm(mat3 a) {
    double norm = 0.0;
    for (const auto& row : a)
        for (double x : row) norm = std::max(norm, std::fabs(x));
    int squarings = 0;
    while (norm > 0.125) {
        norm *= 0.5;
        ++squarings;
    }
    const double scale = std::ldexp(1.0, -squarings);
    for (auto& row : a)
        for (double& x : row) x *= scale;
    mat3 result{}, term{};
    for (int i = 0; i < 3; ++i) result[i][i] = term[i][i] = 1.0;
    for (int n = 1; n <= 20; ++n) {
        term = multiply(term, a);
        for (auto& row : term)
            for (double& x : row) x /= n;
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) result[i][j] += term[i][j];
    }
    for (int s = 0; s < squarings; ++s) result = multiply(result, result);
    return result;
}

// One synaptic channel of the alpha/exp models: state (dI/dt, I, V) over one step h.
// Returns {P11 = exp(-h/tau), dI->I, dI->V, I->V}.
std::array<double, 4> channel_propagators(double tau_syn, double tau_m, double C, double h) {
    const mat3 a = {{{-h / tau_syn, 0.0, 0.0}, {h, -h / tau_syn, 0.0}, {0.0, h / C, -h / tau_m}}};
    const mat3 p = expm(a);
    return {std::exp(-h / tau_syn), p[1][0], p[2][0], p[2][1]};
}

}  // namespace

const char* to_string(neuron_model_kind k) {
    for (const auto& m : model_names)
        if (m.kind == k) return m.name;
    return "?";
}

std::vector<std::string> neuron_model_names() {
    std::vector<std::string> out;
    for (const auto& m : model_names) out.push_back(m.name);
    return out;
}

bool parse_neuron_model(const std::string& name, neuron_model_kind& out) {
    for (const auto& m : model_names)
        if (name == m.name) {
            out = m.kind;
            return true;
        }
    return false;
}

bool is_rate_model(neuron_model_kind k) {
    return k == neuron_model_kind::rate_relu || k == neuron_model_kind::rate_tanh || k == neuron_model_kind::rate_sigmoid;
}
bool is_spiking(neuron_model_kind k) { return !is_rate_model(k) && k != neuron_model_kind::graded; }
bool has_separate_synaptic_channels(neuron_model_kind k) {
    return k == neuron_model_kind::iaf_psc_exp || k == neuron_model_kind::iaf_psc_alpha ||
           k == neuron_model_kind::iaf_cond_exp || k == neuron_model_kind::adex;
}
bool has_membrane_potential(neuron_model_kind k) {
    return !is_rate_model(k) && k != neuron_model_kind::spike_source && k != neuron_model_kind::poisson_source;
}

neuron_parameters default_parameters(neuron_model_kind k) {
    neuron_parameters p;  // NEST's iaf_psc_* defaults
    switch (k) {
    case neuron_model_kind::iaf_cond_exp:  // NEST's iaf_cond_exp
        p.g_L = 16.6667;
        p.V_reset = -60.0;
        p.tau_syn_ex = 0.2;
        p.tau_syn_in = 2.0;
        break;
    case neuron_model_kind::izhikevich:  // regular spiking, NEST's izhikevich
        p.a = 0.02;
        p.b = 0.2;
        p.c = -65.0;
        p.d = 8.0;
        p.V_th = 30.0;
        break;
    case neuron_model_kind::adex:  // NEST's aeif_psc_exp (Brette & Gerstner 2005, Table 1)
        p.C_m = 281.0;
        p.g_L = 30.0;
        p.t_ref = 0.0;
        p.E_L = -70.6;
        p.V_th = -50.4;
        p.V_reset = -60.0;
        p.V_peak = 0.0;
        p.Delta_T = 2.0;
        p.tau_w = 144.0;
        p.a = 4.0;
        p.b = 80.5;
        p.tau_syn_ex = 0.2;
        p.tau_syn_in = 2.0;
        break;
    case neuron_model_kind::graded:  // Kunert, Shlizerman & Kutz 2014: C = 1 pF, G_c = 10 pS, E_c = -35 mV
        p.C_m = 1.0;
        p.g_L = 0.01;
        p.E_L = -35.0;
        break;
    default: break;
    }
    return p;
}

std::vector<std::string> parameter_names(neuron_model_kind k) {
    std::vector<std::string> out;
    for (const auto& p : parameter_table(k)) out.push_back(p.name);
    return out;
}

std::string parameter_unit(neuron_model_kind k, const std::string& name) {
    const parameter_info* p = find_parameter(k, name);
    return p ? p->unit : "";
}

bool set_parameter(neuron_parameters& p, neuron_model_kind k, const std::string& name, double value) {
    const parameter_info* info = find_parameter(k, name);
    if (!info) return false;
    p.*(info->field) = value;
    return true;
}

bool get_parameter(const neuron_parameters& p, neuron_model_kind k, const std::string& name, double& value) {
    const parameter_info* info = find_parameter(k, name);
    if (!info) return false;
    value = p.*(info->field);
    return true;
}

std::vector<std::string> preset_names(neuron_model_kind k) {
    if (k != neuron_model_kind::izhikevich) return {};
    return {"regular_spiking", "intrinsically_bursting", "chattering", "fast_spiking", "low_threshold_spiking"};
}

bool apply_preset(neuron_parameters& p, neuron_model_kind k, const std::string& name) {
    if (k != neuron_model_kind::izhikevich) return false;
    struct preset {
        const char* name;
        double a, b, c, d;
    };
    // Izhikevich (2003), Fig. 2.
    static const preset presets[] = {{"regular_spiking", 0.02, 0.2, -65.0, 8.0},
                                     {"intrinsically_bursting", 0.02, 0.2, -55.0, 4.0},
                                     {"chattering", 0.02, 0.2, -50.0, 2.0},
                                     {"fast_spiking", 0.1, 0.2, -65.0, 2.0},
                                     {"low_threshold_spiking", 0.02, 0.25, -65.0, 2.0}};
    for (const auto& q : presets)
        if (name == q.name) {
            p.a = q.a;
            p.b = q.b;
            p.c = q.c;
            p.d = q.d;
            return true;
        }
    return false;
}

std::vector<parameter_problem> check_parameters(const neuron_parameters& p, neuron_model_kind k, double) {
    std::vector<parameter_problem> out;
    for (const auto& info : parameter_table(k)) {
        const double v = p.*(info.field);
        const std::string unit = *info.unit ? std::string(" ") + info.unit : std::string();
        if (info.check == constraint::positive && !(v > 0.0 && std::isfinite(v)))
            out.push_back({info.name, "expected a positive, finite value" + (unit.empty() ? "" : " in" + unit)});
        else if (info.check == constraint::non_negative && !(v >= 0.0 && std::isfinite(v)))
            out.push_back({info.name, "expected a value >= 0" + unit});
        else if (info.check == constraint::any && !std::isfinite(v) && std::string(info.name) != "V_min")
            out.push_back({info.name, "expected a finite value"});
    }
    switch (k) {
    case neuron_model_kind::iaf_psc_delta:
    case neuron_model_kind::iaf_psc_exp:
    case neuron_model_kind::iaf_psc_alpha:
    case neuron_model_kind::iaf_cond_exp:
        if (!(p.V_reset < p.V_th)) out.push_back({"V_reset", "expected V_reset < V_th"});
        break;
    case neuron_model_kind::adex:
        if (!(p.V_peak > p.V_th)) out.push_back({"V_peak", "expected V_peak > V_th"});
        if (!(p.V_reset < p.V_peak)) out.push_back({"V_reset", "expected V_reset < V_peak"});
        break;
    case neuron_model_kind::izhikevich:
        if (!(p.c < p.V_th)) out.push_back({"c", "expected the reset c below the cut-off V_th"});
        break;
    default: break;
    }
    return out;
}

std::vector<std::string> state_variable_names(neuron_model_kind k) {
    std::vector<std::string> out;
    for (const auto& s : state_table(k)) out.push_back(s.name);
    return out;
}

bool find_state_variable(neuron_model_kind k, const std::string& name, state_slot& slot) {
    for (const auto& s : state_table(k))
        if (name == s.name) {
            slot = s.slot;
            return true;
        }
    return false;
}

std::string state_variable_unit(neuron_model_kind k, const std::string& name) {
    for (const auto& s : state_table(k))
        if (name == s.name) return s.unit;
    return "";
}

neuron_state resting_state(const neuron_parameters& p, neuron_model_kind k) {
    neuron_state s;
    if (k == neuron_model_kind::izhikevich) {
        s.v = p.c;
        s.adapt = p.b * p.c;
    }
    return s;
}

neuron_constants make_constants(const neuron_parameters& p, neuron_model_kind k, double dt) {
    neuron_constants c;
    c.kind = k;
    c.h = dt;
    const bool absolute = k == neuron_model_kind::izhikevich || is_rate_model(k);
    c.e_l = absolute ? 0.0 : p.E_L;
    c.P22 = std::exp(-dt / p.tau_m);
    c.P20 = -p.tau_m / p.C_m * std::expm1(-dt / p.tau_m);
    const auto ex = channel_propagators(p.tau_syn_ex, p.tau_m, p.C_m, dt);
    const auto in = channel_propagators(p.tau_syn_in, p.tau_m, p.C_m, dt);
    c.P11ex = ex[0];
    c.Pdiex = ex[1];
    c.P31ex = ex[2];
    c.P21ex = ex[3];
    c.P11in = in[0];
    c.Pdiin = in[1];
    c.P31in = in[2];
    c.P21in = in[3];
    c.alpha_ex = std::exp(1.0) / p.tau_syn_ex;
    c.alpha_in = std::exp(1.0) / p.tau_syn_in;
    c.I_e = p.I_e;
    c.theta = (k == neuron_model_kind::adex ? p.V_peak : p.V_th) - c.e_l;
    c.reset = p.V_reset - c.e_l;
    c.v_min = std::isfinite(p.V_min) ? p.V_min - c.e_l : -std::numeric_limits<double>::max();
    c.inv_C = 1.0 / p.C_m;
    c.g_L = p.g_L;
    c.E_ex = p.E_ex - c.e_l;
    c.E_in = p.E_in - c.e_l;
    c.Delta_T = p.Delta_T;
    c.V_T = p.V_th - c.e_l;
    c.inv_tau_w = 1.0 / p.tau_w;
    c.a = p.a;
    c.b = p.b;
    c.c = p.c;
    c.d = p.d;
    c.gain = p.gain;
    c.substeps = std::max(1, static_cast<int>(std::ceil(dt / 0.05 - 1e-9)));
    c.ref_steps = static_cast<std::int32_t>(std::lround(p.t_ref / dt));
    const double p_spike = p.rate * 1e-3 * dt;  // at most one spike per step
    c.spike_threshold = p_spike >= 1.0 ? ~0ull : static_cast<std::uint64_t>(std::ldexp(p_spike, 64));
    return c;
}

}  // namespace synaptogen
