#include <synaptogen/models/neuron_model.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
    {neuron_model_kind::glif_psc, "glif_psc"},           {neuron_model_kind::intfire1, "intfire1"},
};

// One parameter of one model: its field, unit and the constraint check_parameters applies.
// A switch is 0 or 1.
enum class constraint { any, positive, non_negative, switch_, ports };
struct parameter_info {
    const char* name;
    double neuron_parameters::*field;
    const char* unit;
    constraint check;
};

#define SYNAPTOGEN_P(name, unit, check) parameter_info { #name, &neuron_parameters::name, unit, constraint::check }
// A model's own name for a shared field (glif_psc's g is g_L).
#define SYNAPTOGEN_PF(name, field, unit, check) parameter_info { #name, &neuron_parameters::field, unit, constraint::check }
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
    // The decay rates and fractions that only matter with their mechanism on are checked
    // then, in check_parameters (as NEST does).
    static const std::vector<parameter_info> glif = {
        SYNAPTOGEN_PF(g, g_L, "nS", positive),          SYNAPTOGEN_P(E_L, "mV", any),
        SYNAPTOGEN_P(V_th, "mV", any),                  SYNAPTOGEN_P(C_m, "pF", positive),
        SYNAPTOGEN_P(t_ref, "ms", positive),            SYNAPTOGEN_P(V_reset, "mV", any),
        SYNAPTOGEN_P(I_e, "pA", any),                   SYNAPTOGEN_P(th_spike_add, "mV", any),
        SYNAPTOGEN_P(th_spike_decay, "1/ms", any),      SYNAPTOGEN_P(voltage_reset_fraction, "", any),
        SYNAPTOGEN_P(voltage_reset_add, "mV", any),     SYNAPTOGEN_P(th_voltage_index, "1/ms", any),
        SYNAPTOGEN_P(th_voltage_decay, "1/ms", any),    SYNAPTOGEN_P(asc_init_1, "pA", any),
        SYNAPTOGEN_P(asc_init_2, "pA", any),            SYNAPTOGEN_P(asc_decay_1, "1/ms", any),
        SYNAPTOGEN_P(asc_decay_2, "1/ms", any),         SYNAPTOGEN_P(asc_amps_1, "pA", any),
        SYNAPTOGEN_P(asc_amps_2, "pA", any),            SYNAPTOGEN_P(asc_r_1, "", any),
        SYNAPTOGEN_P(asc_r_2, "", any),                 SYNAPTOGEN_P(tau_syn_ex, "ms", positive),
        SYNAPTOGEN_P(tau_syn_in, "ms", positive),       SYNAPTOGEN_P(spike_dependent_threshold, "", switch_),
        SYNAPTOGEN_P(after_spike_currents, "", switch_), SYNAPTOGEN_P(adapting_threshold, "", switch_),
        SYNAPTOGEN_P(tau_syn_3, "ms", positive),        SYNAPTOGEN_P(tau_syn_4, "ms", positive),
        SYNAPTOGEN_P(receptor_ports, "", ports)};
    static const std::vector<parameter_info> intfire = {SYNAPTOGEN_PF(tau, tau_m, "ms", positive),
                                                        SYNAPTOGEN_PF(refrac, t_ref, "ms", non_negative)};
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
    case neuron_model_kind::glif_psc: return glif;
    case neuron_model_kind::intfire1: return intfire;
    }
    return none;
}
#undef SYNAPTOGEN_P
#undef SYNAPTOGEN_PF

// Few digits (at least 6) that read back as the same double, for messages.
std::string number_text(double x) {
    char buf[32];
    for (int digits = 6; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*g", digits, x);
        if (std::strtod(buf, nullptr) == x) break;
    }
    return buf;
}

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
    case neuron_model_kind::glif_psc:  // NEST's recordables, I_syn split by channel as iaf_psc_alpha
        return {{"V_m", state_slot::v, "mV"},
                {"threshold", state_slot::threshold, "mV"},
                {"threshold_spike", state_slot::th_spike, "mV"},
                {"threshold_voltage", state_slot::th_voltage, "mV"},
                {"ASCurrents_sum", state_slot::asc_sum, "pA"},
                {"ASCurrents_1", state_slot::adapt, "pA"},
                {"ASCurrents_2", state_slot::asc_2, "pA"},
                {"I_syn_ex", state_slot::ex, "pA"},
                {"I_syn_in", state_slot::in, "pA"},
                {"I_syn_3", state_slot::ex_3, "pA"},
                {"I_syn_4", state_slot::ex_4, "pA"}};
    case neuron_model_kind::intfire1: return {{"m", state_slot::v, "1"}};
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

// glif_psc's constants; a mechanism that is off keeps the neutral defaults of neuron_constants.
void make_glif_constants(const neuron_parameters& p, double h, neuron_constants& c) {
    c.reset = p.V_reset - p.E_L;
    if (p.spike_dependent_threshold == 1.0) {
        c.reset_fraction = p.voltage_reset_fraction;
        c.reset = p.voltage_reset_add;
        c.th_spike_step = std::exp(-p.th_spike_decay * h);
        c.th_spike_spike = std::exp(-p.th_spike_decay * p.t_ref);
        c.th_spike_add = p.th_spike_add;
    }
    if (p.after_spike_currents == 1.0) {
        auto one = [&](double k, double r, double amp, double& step, double& mean, double& spike, double& amp_out) {
            step = std::exp(-k * h);
            mean = -std::expm1(-k * h) / (k * h);
            spike = r * std::exp(-k * p.t_ref);
            amp_out = amp;
        };
        one(p.asc_decay_1, p.asc_r_1, p.asc_amps_1, c.asc_step_1, c.asc_mean_1, c.asc_spike_1, c.asc_amp_1);
        one(p.asc_decay_2, p.asc_r_2, p.asc_amps_2, c.asc_step_2, c.asc_mean_2, c.asc_spike_2, c.asc_amp_2);
    }
    if (p.adapting_threshold == 1.0) {
        const double a = p.th_voltage_index, b = p.th_voltage_decay, rate_v = p.g_L / p.C_m;
        c.th_v_step = std::exp(-b * h);
        c.th_v_ratio = a / b;
        // a (e^(-rate_v h) - e^(-b h))/(b - rate_v), written to stay accurate as b -> rate_v (limit a h e^(-b h)).
        const double d = b - rate_v;
        c.th_v_cross = d == 0.0 ? a * h * std::exp(-rate_v * h) : a * std::exp(-rate_v * h) * -std::expm1(-d * h) / d;
    }
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
           k == neuron_model_kind::iaf_cond_exp || k == neuron_model_kind::adex || k == neuron_model_kind::glif_psc;
}
bool has_membrane_potential(neuron_model_kind k) {
    // intfire1's m is no potential: an artificial cell takes events only.
    return !is_rate_model(k) && k != neuron_model_kind::spike_source && k != neuron_model_kind::poisson_source &&
           k != neuron_model_kind::intfire1;
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
    case neuron_model_kind::glif_psc:  // NEST's glif_psc.cpp, Parameters_(); the th_*, voltage_reset_* and asc_* defaults are the struct's
        p.g_L = 9.43;
        p.E_L = -78.85;
        p.V_th = -51.68;
        p.C_m = 58.72;
        p.t_ref = 3.75;
        p.V_reset = -78.85;  // E_L
        p.tau_syn_ex = 2.0;
        p.tau_syn_in = 2.0;
        break;
    case neuron_model_kind::intfire1:  // NEURON's intfire1.mod
        p.tau_m = 10.0;
        p.t_ref = 5.0;
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

bool is_switch_parameter(neuron_model_kind k, const std::string& name) {
    const parameter_info* info = find_parameter(k, name);
    return info && info->check == constraint::switch_;
}

std::vector<std::string> list_parameter_names(neuron_model_kind k) {
    if (k != neuron_model_kind::glif_psc) return {};
    return {"asc_init", "asc_decay", "asc_amps", "asc_r", "tau_syn"};
}

bool set_list_parameter(neuron_parameters& p, neuron_model_kind k, const std::string& name, const std::vector<double>& values,
                        std::string& error) {
    const auto names = list_parameter_names(k);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
        error = std::string("the model ") + to_string(k) + " has no list parameter '" + name + "'";
        return false;
    }
    if (name == "tau_syn") {  // NEST: one time constant per receptor port
        if (values.empty() || values.size() > static_cast<std::size_t>(max_receptor_ports)) {
            error = "expected 1 to " + std::to_string(max_receptor_ports) +
                    " time constants [ms], one per receptor port (1: both channels; 2: excitatory, inhibitory), got " +
                    std::to_string(values.size());
            return false;
        }
        p.tau_syn_ex = values[0];
        p.tau_syn_in = values.size() > 1 ? values[1] : values[0];
        if (values.size() > 2) p.tau_syn_3 = values[2];
        if (values.size() > 3) p.tau_syn_4 = values[3];
        p.receptor_ports = static_cast<double>(values.size());
        return true;
    }
    // Every Allen GLIF model has two after-spike currents.
    if (values.empty() && p.after_spike_currents == 0.0) return true;
    if (values.size() != 2) {
        error = "expected 2 values (the two after-spike currents), or none while after_spike_currents is false; got " +
                std::to_string(values.size());
        return false;
    }
    double neuron_parameters::*fields[2] = {&neuron_parameters::asc_init_1, &neuron_parameters::asc_init_2};
    if (name == "asc_decay") fields[0] = &neuron_parameters::asc_decay_1, fields[1] = &neuron_parameters::asc_decay_2;
    if (name == "asc_amps") fields[0] = &neuron_parameters::asc_amps_1, fields[1] = &neuron_parameters::asc_amps_2;
    if (name == "asc_r") fields[0] = &neuron_parameters::asc_r_1, fields[1] = &neuron_parameters::asc_r_2;
    p.*fields[0] = values[0];
    p.*fields[1] = values[1];
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
        else if (info.check == constraint::ports && !(v >= 1.0 && v <= max_receptor_ports && v == std::floor(v)))
            out.push_back({info.name, "expected 1 to " + std::to_string(max_receptor_ports) + " receptor ports, got " + number_text(v)});
        else if (info.check == constraint::switch_ && v != 0.0 && v != 1.0)
            out.push_back({info.name, "expected true or false (1 or 0)"});
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
    case neuron_model_kind::glif_psc: {
        // NEST's checks, each where its mechanism is on.
        if (!(p.V_reset < p.V_th)) out.push_back({"V_reset", "expected V_reset < V_th"});
        const bool R = p.spike_dependent_threshold == 1.0, ASC = p.after_spike_currents == 1.0,
                   A = p.adapting_threshold == 1.0;
        if (A && !(R && ASC))
            out.push_back({"adapting_threshold",
                           "adapting_threshold needs spike_dependent_threshold and after_spike_currents: the five GLIF "
                           "models are LIF (none), LIF_R (spike_dependent_threshold), LIF_ASC (after_spike_currents), "
                           "LIF_R_ASC (both) and LIF_R_ASC_A (all three), as in NEST"});
        if (R) {
            if (!(p.th_spike_decay > 0.0)) out.push_back({"th_spike_decay", "expected th_spike_decay > 0 (1/ms)"});
            if (!(p.voltage_reset_fraction >= 0.0 && p.voltage_reset_fraction <= 1.0))
                out.push_back({"voltage_reset_fraction", "expected voltage_reset_fraction in [0, 1]"});
        }
        if (ASC) {
            auto pair = [](double x, double y) { return "[" + number_text(x) + ", " + number_text(y) + "]"; };
            if (!(p.asc_decay_1 > 0.0 && p.asc_decay_2 > 0.0))
                out.push_back({"asc_decay", "expected asc_decay > 0 (1/ms), got " + pair(p.asc_decay_1, p.asc_decay_2)});
            if (!(p.asc_r_1 >= 0.0 && p.asc_r_1 <= 1.0 && p.asc_r_2 >= 0.0 && p.asc_r_2 <= 1.0))
                out.push_back({"asc_r", "expected asc_r in [0, 1], got " + pair(p.asc_r_1, p.asc_r_2)});
        }
        if (A && !(p.th_voltage_decay > 0.0)) out.push_back({"th_voltage_decay", "expected th_voltage_decay > 0 (1/ms)"});
        break;
    }
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
    if (k == neuron_model_kind::glif_psc) {
        if (p.after_spike_currents == 1.0) {
            s.adapt = p.asc_init_1;
            s.asc_2 = p.asc_init_2;
            s.asc_sum = p.asc_init_1 + p.asc_init_2;  // NEST's initial ASCurrents_sum
        }
        s.threshold = p.V_th - p.E_L;
    }
    return s;
}

neuron_constants make_constants(const neuron_parameters& p, neuron_model_kind k, double dt) {
    neuron_constants c;
    c.kind = k;
    c.h = dt;
    const bool absolute = k == neuron_model_kind::izhikevich || is_rate_model(k) || k == neuron_model_kind::intfire1;
    c.e_l = absolute ? 0.0 : p.E_L;
    const bool glif = k == neuron_model_kind::glif_psc;
    const double tau_m = glif ? p.C_m / p.g_L : p.tau_m;
    c.P22 = std::exp(-dt / tau_m);
    c.P20 = -tau_m / p.C_m * std::expm1(-dt / tau_m);
    const auto ex = channel_propagators(p.tau_syn_ex, tau_m, p.C_m, dt);
    const auto in = channel_propagators(p.tau_syn_in, tau_m, p.C_m, dt);
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
    if (glif) {  // ports 3 and 4 (without input they stay at zero and add nothing)
        const auto p3 = channel_propagators(p.tau_syn_3, tau_m, p.C_m, dt), p4 = channel_propagators(p.tau_syn_4, tau_m, p.C_m, dt);
        c.P11_3 = p3[0], c.Pdi_3 = p3[1], c.P31_3 = p3[2], c.P21_3 = p3[3], c.alpha_3 = std::exp(1.0) / p.tau_syn_3;
        c.P11_4 = p4[0], c.Pdi_4 = p4[1], c.P31_4 = p4[2], c.P21_4 = p4[3], c.alpha_4 = std::exp(1.0) / p.tau_syn_4;
    }
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
    if (glif) make_glif_constants(p, dt, c);
    if (k == neuron_model_kind::intfire1) {
        c.theta = 1.0;
        c.reset = c.ref_steps > 0 ? 2.0 : 0.0;  // NEURON's m while refractory; 0 at once if refrac rounds to no step
    }
    const double p_spike = p.rate * 1e-3 * dt;  // at most one spike per step
    c.spike_threshold = p_spike >= 1.0 ? ~0ull : static_cast<std::uint64_t>(std::ldexp(p_spike, 64));
    return c;
}

}  // namespace synaptogen
