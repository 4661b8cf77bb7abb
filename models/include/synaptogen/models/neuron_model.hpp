#pragma once
// The neuron models. Units throughout: mV, ms, pF, nS, pA (nS * mV = pA, pA / pF = mV/ms).
// Each model is one branch-free step function over a neuron_state; the per-population
// constants (propagators, parameters) are computed once on the host.
//
// Integration (docs/models.md has the equations):
//   iaf_psc_delta, iaf_psc_exp, iaf_psc_alpha, graded, rate: linear between inputs, integrated
//     exactly (propagators from the matrix exponential, Rotter & Diesmann 1999); input
//     currents are held constant over a step.
//   iaf_cond_exp: exponential Euler (conductances held at their start-of-step value, V then
//     relaxes exactly), conductances decay exactly.
//   izhikevich: forward Euler in dt, u updated from the old v (NEST's consistent scheme).
//   adex: classical RK4 on (V, w) in substeps of at most 0.05 ms, synaptic currents held
//     over a step; V is capped at V_peak inside the derivatives (NEST's aeif models do the
//     same), so the exponential stays finite and w sees no overshoot.
//   glif_psc: NEST's scheme: V and the alpha currents exact, the after-spike currents enter
//     V as their exact mean over the step, the threshold components decay exactly.
//   intfire1: exact (m only decays between inputs).
// Potentials are stored relative to E_L (resting state exactly 0) except for izhikevich,
// rate units and intfire1, whose variables are absolute. Inside a step, exp/tanh/sigmoid are the
// portable ones (portable_math.hpp): every backend computes the same bits.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/portability.hpp>
#include <synaptogen/graph/portable_math.hpp>

namespace synaptogen {

enum class neuron_model_kind : std::uint8_t {
    iaf_psc_delta,
    iaf_psc_exp,
    iaf_psc_alpha,
    iaf_cond_exp,
    izhikevich,
    adex,
    graded,
    rate_relu,
    rate_tanh,
    rate_sigmoid,
    spike_source,
    poisson_source,
    glif_psc,
    intfire1,
};

// Names as written in description files, and the reverse lookup.
const char* to_string(neuron_model_kind k);
bool parse_neuron_model(const std::string& name, neuron_model_kind& out);
std::vector<std::string> neuron_model_names();
bool is_rate_model(neuron_model_kind k);
// Whether the model emits spikes (graded neurons and rate units do not).
bool is_spiking(neuron_model_kind k);
// Whether the model keeps excitatory and inhibitory synaptic input apart (separate currents
// or conductances); the others add both to one input.
bool has_separate_synaptic_channels(neuron_model_kind k);
// Whether the model has a membrane potential (and can take gap junctions / graded synapses).
bool has_membrane_potential(neuron_model_kind k);

// Every parameter of every model; each model reads the ones parameter_names() lists.
// Defaults depend on the model: use default_parameters().
struct neuron_parameters {
    double C_m = 250.0;        // [pF] membrane capacitance
    double tau_m = 10.0;       // [ms] membrane time constant (iaf_psc_*), unit time constant (rate)
    double g_L = 16.6667;      // [nS] leak conductance (iaf_cond_exp, adex, graded)
    double t_ref = 2.0;        // [ms] refractory period
    double E_L = -70.0;        // [mV] resting potential
    double V_th = -55.0;       // [mV] threshold (adex: V_T of the exponential; izhikevich: spike cut-off)
    double V_reset = -70.0;    // [mV] reset potential
    double I_e = 0.0;          // [pA] constant input current (rate: constant input)
    double V_min = -1e300;     // [mV] lower bound of V (iaf_psc_delta, izhikevich)
    double tau_syn_ex = 2.0;   // [ms] excitatory synaptic time constant
    double tau_syn_in = 2.0;   // [ms] inhibitory synaptic time constant
    double E_ex = 0.0;         // [mV] excitatory reversal potential (iaf_cond_exp)
    double E_in = -85.0;       // [mV] inhibitory reversal potential (iaf_cond_exp)
    double Delta_T = 2.0;      // [mV] slope factor (adex)
    double tau_w = 144.0;      // [ms] adaptation time constant (adex)
    double a = 4.0;            // adex: [nS] subthreshold adaptation; izhikevich: recovery rate [1/ms]
    double b = 80.5;           // adex: [pA] spike-triggered adaptation; izhikevich: sensitivity of u
    double c = -65.0;          // [mV] izhikevich reset of v
    double d = 8.0;            // izhikevich: increment of u at a spike
    double V_peak = 0.0;       // [mV] spike detection (adex)
    double gain = 1.0;         // rate units: slope of the activation
    double rate = 10.0;        // [Hz] poisson_source
    // glif_psc (Teeter et al. 2018; NEST's names). Its `g` is g_L; intfire1's `tau` is tau_m
    // and `refrac` t_ref. NEST's two-element lists are stored as _1/_2 (set_list_parameter).
    double th_spike_add = 0.37;            // [mV] jump of the spike component of the threshold
    double th_spike_decay = 0.009;         // [1/ms] its decay rate b_s
    double voltage_reset_fraction = 0.2;   // f_v: V_reset = E_L + f_v (V - E_L) + voltage_reset_add
    double voltage_reset_add = 18.51;      // [mV]
    double th_voltage_index = 0.005;       // [1/ms] a_v, V -> voltage component of the threshold
    double th_voltage_decay = 0.09;        // [1/ms] b_v, its decay rate
    double asc_init_1 = 0.0, asc_init_2 = 0.0;         // [pA] initial after-spike currents
    double asc_decay_1 = 0.003, asc_decay_2 = 0.1;     // [1/ms] their decay rates k_j
    double asc_amps_1 = -9.18, asc_amps_2 = -198.94;   // [pA] added at a spike
    double asc_r_1 = 1.0, asc_r_2 = 1.0;               // fraction kept at a spike
    // The three mechanism switches (0 or 1; JSON/TOML true and false map to 1 and 0).
    double spike_dependent_threshold = 0.0;  // the "R" of LIF_R: threshold jump and voltage reset rule
    double after_spike_currents = 0.0;       // the "ASC"
    double adapting_threshold = 0.0;         // the "A": voltage-dependent threshold
    // NEST's receptor ports, one per entry of tau_syn: ports 1 and 2 have tau_syn_ex and
    // tau_syn_in, ports 3 and 4 these. Set by the tau_syn list (its length), as in NEST,
    // whose default is one port. Input without a port goes to ports 1 and 2 by its sign.
    double tau_syn_3 = 2.0, tau_syn_4 = 2.0;  // [ms]
    double receptor_ports = 1.0;
};
inline constexpr int max_receptor_ports = 4;

neuron_parameters default_parameters(neuron_model_kind k);

// Parameter names a model accepts (for the parser, its suggestions and SONATA export).
std::vector<std::string> parameter_names(neuron_model_kind k);
// Unit of a parameter as documented ("mV", "ms", "1/ms", "" for dimensionless).
std::string parameter_unit(neuron_model_kind k, const std::string& name);
// Sets / reads a parameter by name; false if the model has no such parameter.
bool set_parameter(neuron_parameters& p, neuron_model_kind k, const std::string& name, double value);
bool get_parameter(const neuron_parameters& p, neuron_model_kind k, const std::string& name, double& value);
// NEST's list-valued parameters of glif_psc: asc_init, asc_decay, asc_amps, asc_r (2 values,
// or none while after_spike_currents is off) and tau_syn (one time constant per receptor
// port, 1 to 4; input without a port goes by its sign to ports 1 and 2, so 1 value serves
// both channels and 2 are excitatory, inhibitory). Apply after the scalar parameters, since
// an empty list depends on the switch. False, with `error` saying why, for another name or
// length.
std::vector<std::string> list_parameter_names(neuron_model_kind k);
bool set_list_parameter(neuron_parameters& p, neuron_model_kind k, const std::string& name, const std::vector<double>& values,
                        std::string& error);
// Whether a parameter is a switch (0 or 1), which description files may write as true/false.
bool is_switch_parameter(neuron_model_kind k, const std::string& name);
// Named parameter sets: izhikevich has regular_spiking, fast_spiking, chattering,
// intrinsically_bursting (Izhikevich 2003, Fig. 2) and low_threshold_spiking.
std::vector<std::string> preset_names(neuron_model_kind k);
bool apply_preset(neuron_parameters& p, neuron_model_kind k, const std::string& name);

// Empty if the parameters are physically possible; else what is wrong and which name.
struct parameter_problem {
    std::string name;
    std::string what;
};
std::vector<parameter_problem> check_parameters(const neuron_parameters& p, neuron_model_kind k, double dt);

// State variables: recordable and initialisable names, and where each lives. The slots
// after `adapt` are glif_psc's; new slots go at the end, so that older checkpoints (fewer
// slots) still load.
enum class state_slot : std::uint8_t {
    v, ex, in, dex, din, adapt, asc_2, th_spike, th_voltage, threshold, asc_sum, ex_3, dex_3, ex_4, dex_4
};
inline constexpr int state_slots = 15;
// Whether a slot holds a potential relative to neuron_constants::e_l: V, glif_psc's threshold.
inline constexpr bool relative_to_e_l(state_slot s) { return s == state_slot::v || s == state_slot::threshold; }
std::vector<std::string> state_variable_names(neuron_model_kind k);
// False if the model has no such variable. The v slot holds V - E_L where the model stores
// potentials relative to E_L (neuron_constants::e_l is what to add back).
bool find_state_variable(neuron_model_kind k, const std::string& name, state_slot& slot);
std::string state_variable_unit(neuron_model_kind k, const std::string& name);

// Per-population constants of one step of length dt.
struct neuron_constants {
    neuron_model_kind kind = neuron_model_kind::iaf_psc_delta;
    double e_l = 0.0;     // E_L, the origin of the stored potential (0 where stored absolute)
    double h = 0.0;       // dt [ms]
    // Linear membranes: V' = P22 V + P20 I + synaptic terms.
    double P22 = 0.0;     // exp(-dt/tau_m)
    double P20 = 0.0;     // tau_m/C_m (1 - P22): constant current -> voltage over one step
    double P11ex = 0.0;   // exp(-dt/tau_syn_ex): decay of a synaptic current/conductance
    double P11in = 0.0;
    double P21ex = 0.0;   // synaptic current -> voltage over one step
    double P21in = 0.0;
    double P31ex = 0.0;   // iaf_psc_alpha: dI/dt -> voltage
    double P31in = 0.0;
    double Pdiex = 0.0;   // iaf_psc_alpha: dI/dt -> I over one step (dt exp(-dt/tau))
    double Pdiin = 0.0;
    double alpha_ex = 0.0;  // iaf_psc_alpha: e / tau_syn, so that weight w peaks at w pA
    double alpha_in = 0.0;
    // glif_psc's receptor ports 3 and 4, alpha currents as ports 1 (ex) and 2 (in).
    double P11_3 = 0.0, Pdi_3 = 0.0, P31_3 = 0.0, P21_3 = 0.0, alpha_3 = 0.0;
    double P11_4 = 0.0, Pdi_4 = 0.0, P31_4 = 0.0, P21_4 = 0.0, alpha_4 = 0.0;
    double I_e = 0.0;     // [pA]
    double theta = 0.0;   // threshold relative to e_l (adex: V_peak)
    double reset = 0.0;
    double v_min = 0.0;
    // Conductance-based and nonlinear models.
    double inv_C = 0.0;   // 1/C_m [1/pF]
    double g_L = 0.0;
    double E_ex = 0.0;    // relative to e_l
    double E_in = 0.0;
    double Delta_T = 0.0;
    double V_T = 0.0;     // relative to e_l
    double inv_tau_w = 0.0;
    double a = 0.0, b = 0.0, c = 0.0, d = 0.0;
    double gain = 1.0;
    // glif_psc, over one step h unless said otherwise. A mechanism that is off gets neutral
    // values (decay 1, jumps 0), so one step function serves all five variants.
    double reset_fraction = 0.0;  // V_reset = reset_fraction V_start + reset (relative)
    double th_spike_step = 1.0;   // exp(-b_s h)
    double th_spike_spike = 1.0;  // exp(-b_s t_ref): the decay over the refractory period, applied at the spike
    double th_spike_add = 0.0;
    double asc_step_1 = 1.0, asc_step_2 = 1.0;    // exp(-k_j h)
    double asc_mean_1 = 0.0, asc_mean_2 = 0.0;    // (1 - exp(-k_j h))/(k_j h): mean of a decaying current over h
    double asc_spike_1 = 1.0, asc_spike_2 = 1.0;  // r_j exp(-k_j t_ref)
    double asc_amp_1 = 0.0, asc_amp_2 = 0.0;      // [pA]
    double th_v_step = 1.0;   // exp(-b_v h)
    double th_v_ratio = 0.0;  // a_v/b_v: theta_v at rest per mV of V
    double th_v_cross = 0.0;  // a_v (exp(-g h/C) - exp(-b_v h))/(b_v - g/C): V's relaxation -> theta_v
    std::int32_t substeps = 1;  // adex
    // poisson_source: spikes when 64 random bits keyed (key32, neuron, step) fall below this.
    std::uint64_t spike_threshold = 0;
    std::uint32_t key32 = 0;    // set by the engine from the seed and the population
    std::int32_t ref_steps = 0;
};

neuron_constants make_constants(const neuron_parameters& p, neuron_model_kind k, double dt);

// The state of one neuron; what each slot means depends on the model:
//   v      membrane potential (relative to E_L; izhikevich absolute) or the rate
//   ex/in  excitatory/inhibitory synaptic current [pA] or conductance [nS]
//   dex/din  iaf_psc_alpha: their time derivatives [pA/ms]
//   adapt  izhikevich u, adex w, glif_psc's first after-spike current [pA]
//   glif_psc: asc_2 its second after-spike current [pA]; th_spike, th_voltage the spike and
//   voltage components of the threshold [mV]; threshold their sum plus V_th (relative to
//   E_L); asc_sum the after-spike current that drove V over the last integrated step (NEST's
//   ASCurrents_sum, the mean over that step) [pA]
struct neuron_state {
    double v = 0.0;
    double ex = 0.0;
    double in = 0.0;
    double dex = 0.0;
    double din = 0.0;
    double adapt = 0.0;
    double asc_2 = 0.0;
    double th_spike = 0.0;
    double th_voltage = 0.0;
    double threshold = 0.0;
    double asc_sum = 0.0;
    double ex_3 = 0.0, dex_3 = 0.0, ex_4 = 0.0, dex_4 = 0.0;
    std::int32_t refractory = 0;  // steps left
};

// The state a neuron starts in unless initial values are given: at rest (V = E_L, no
// synaptic input), izhikevich at v = c, u = b c, glif_psc with its after-spike currents at
// asc_init and its threshold at V_th.
neuron_state resting_state(const neuron_parameters& p, neuron_model_kind k);
SYNAPTOGEN_HD double& slot_ref(neuron_state& s, state_slot slot) {
    switch (slot) {
    case state_slot::v: return s.v;
    case state_slot::ex: return s.ex;
    case state_slot::in: return s.in;
    case state_slot::dex: return s.dex;
    case state_slot::din: return s.din;
    case state_slot::adapt: return s.adapt;
    case state_slot::asc_2: return s.asc_2;
    case state_slot::th_spike: return s.th_spike;
    case state_slot::th_voltage: return s.th_voltage;
    case state_slot::threshold: return s.threshold;
    case state_slot::asc_sum: return s.asc_sum;
    case state_slot::ex_3: return s.ex_3;
    case state_slot::dex_3: return s.dex_3;
    case state_slot::ex_4: return s.ex_4;
    case state_slot::dex_4: return s.dex_4;
    }
    return s.v;
}

// Input to one step of one neuron:
//   in_ex, in_in  spike input arriving this step, in the model's synaptic unit ([mV] jumps for
//                 iaf_psc_delta, izhikevich, graded; [pA] for current synapses; [nS] for
//                 iaf_cond_exp; the rate input for rate units); in_in <= 0
//   i_ext         external current [pA]: stimuli plus the sum over couplings of g_k E_k
//   g_ext         total coupling conductance [nS]: the coupling current is i_ext - g_ext V
//                 (V absolute). For rate units i_ext is the continuous input and g_ext is 0.
//   in_3, in_4    glif_psc: input on receptor ports 3 and 4 [pA] (ports 1, 2 are in_ex, in_in)
struct neuron_input {
    double in_ex = 0.0;
    double in_in = 0.0;
    double in_3 = 0.0, in_4 = 0.0;
    double i_ext = 0.0;
    double g_ext = 0.0;
};

// One step of each model; true if the neuron spikes in this step. Written with selects
// instead of branches so that a loop over one population vectorises (constants are read
// into locals first: a load inside a select becomes a masked load the vectoriser refuses).
SYNAPTOGEN_HD_FORCEINLINE bool threshold_and_reset(const neuron_constants& c, neuron_state& s) {
    const double reset = c.reset;
    const std::int32_t ref_steps = c.ref_steps;
    const bool fired = s.v >= c.theta;
    s.v = fired ? reset : s.v;
    s.refractory = fired ? ref_steps : s.refractory;
    return fired;
}

// External current at the start-of-step potential (relative V).
SYNAPTOGEN_HD_FORCEINLINE double external_current(const neuron_constants& c, const neuron_state& s, const neuron_input& x) {
    return c.I_e + x.i_ext - x.g_ext * (s.v + c.e_l);
}

// iaf_psc_delta: tau_m dV/dt = -V + R I; a spike of weight w makes V jump by w [mV].
// Input arriving while refractory is discarded (NEST's and Brunel's convention).
SYNAPTOGEN_HD_FORCEINLINE bool step_iaf_psc_delta(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const bool active = s.refractory == 0;
    const double v_min = c.v_min;
    double v = c.P22 * s.v + c.P20 * external_current(c, s, x) + (x.in_ex + x.in_in);
    v = v < v_min ? v_min : v;
    s.v = active ? v : s.v;
    s.refractory = active ? 0 : s.refractory - 1;
    return threshold_and_reset(c, s);
}

// iaf_psc_exp: tau_m dV/dt = -V + R (I_ex + I_in + I); tau_syn dI_syn/dt = -I_syn.
SYNAPTOGEN_HD_FORCEINLINE bool step_iaf_psc_exp(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const bool active = s.refractory == 0;
    const double v = c.P22 * s.v + c.P21ex * s.ex + c.P21in * s.in + c.P20 * external_current(c, s, x);
    s.v = active ? v : s.v;
    s.refractory = active ? 0 : s.refractory - 1;
    s.ex = c.P11ex * s.ex + x.in_ex;
    s.in = c.P11in * s.in + x.in_in;
    return threshold_and_reset(c, s);
}

// iaf_psc_alpha: as iaf_psc_exp with alpha-shaped currents, I(t) = w e (t/tau) exp(-t/tau), peak w at t = tau.
SYNAPTOGEN_HD_FORCEINLINE bool step_iaf_psc_alpha(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const bool active = s.refractory == 0;
    const double v = c.P22 * s.v + c.P31ex * s.dex + c.P21ex * s.ex + c.P31in * s.din + c.P21in * s.in +
                     c.P20 * external_current(c, s, x);
    s.v = active ? v : s.v;
    s.refractory = active ? 0 : s.refractory - 1;
    s.ex = c.Pdiex * s.dex + c.P11ex * s.ex;
    s.dex = c.P11ex * s.dex + c.alpha_ex * x.in_ex;
    s.in = c.Pdiin * s.din + c.P11in * s.in;
    s.din = c.P11in * s.din + c.alpha_in * x.in_in;
    return threshold_and_reset(c, s);
}

// iaf_cond_exp: C dV/dt = -g_L V - g_ex (V - E_ex) - g_in (V - E_in) + I; conductances
// decay exponentially; a spike of weight w adds |w| nS to g_ex (w > 0) or g_in (w < 0).
SYNAPTOGEN_HD_FORCEINLINE bool step_iaf_cond_exp(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const bool active = s.refractory == 0;
    const double G = c.g_L + s.ex + s.in + x.g_ext;
    const double I = c.I_e + x.i_ext - x.g_ext * c.e_l + s.ex * c.E_ex + s.in * c.E_in;
    const double v_inf = I / G;
    const double v = v_inf + (s.v - v_inf) * exp_portable(-c.h * G * c.inv_C);
    s.v = active ? v : s.v;
    s.refractory = active ? 0 : s.refractory - 1;
    s.ex = c.P11ex * s.ex + x.in_ex;
    s.in = c.P11in * s.in - x.in_in;
    return threshold_and_reset(c, s);
}

// Izhikevich (2003): v' = 0.04 v^2 + 5 v + 140 - u + I, u' = a (b v - u); at v >= V_th
// (30 mV): v = c, u += d. Spikes make v jump by w [mV].
SYNAPTOGEN_HD_FORCEINLINE bool step_izhikevich(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const double v0 = s.v, u0 = s.adapt;
    const double I = external_current(c, s, x);
    double v = v0 + c.h * (0.04 * v0 * v0 + 5.0 * v0 + 140.0 - u0 + I) + (x.in_ex + x.in_in);
    const double v_min = c.v_min;
    v = v < v_min ? v_min : v;
    const double u = u0 + c.h * c.a * (c.b * v0 - u0);
    const bool fired = v >= c.theta;
    const double reset = c.c, du = c.d;
    s.v = fired ? reset : v;
    s.adapt = fired ? u + du : u;
    return fired;
}

// AdEx (Brette & Gerstner 2005) with exponential synaptic currents (NEST's aeif_psc_exp):
// C dV/dt = -g_L V + g_L Delta_T exp((V - V_T)/Delta_T) - w + I_ex + I_in + I,
// tau_w dw/dt = a V - w; at V >= V_peak: V = V_reset, w += b, refractory for t_ref.
// Inside the derivatives V is capped at V_peak (as NEST does): the upswing that crosses
// V_peak within a step must not feed an unbounded V into w.
SYNAPTOGEN_HD_FORCEINLINE double adex_dv(const neuron_constants& c, double v, double w, double I) {
    return (-c.g_L * v + c.g_L * c.Delta_T * exp_portable((v - c.V_T) / c.Delta_T) - w + I) * c.inv_C;
}
SYNAPTOGEN_HD_FORCEINLINE double adex_cap(const neuron_constants& c, double v) { return v < c.theta ? v : c.theta; }

SYNAPTOGEN_HD_FORCEINLINE bool step_adex(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const bool active = s.refractory == 0;
    const double I = s.ex + s.in + external_current(c, s, x);
    const double h = c.h / c.substeps;
    const double reset = c.reset;
    double v = active ? s.v : reset, w = s.adapt;
    for (int k = 0; k < c.substeps; ++k) {
        const double v1 = adex_cap(c, v);
        const double k1v = adex_dv(c, v1, w, I), k1w = (c.a * v1 - w) * c.inv_tau_w;
        const double v2 = adex_cap(c, v + 0.5 * h * k1v), w2 = w + 0.5 * h * k1w;
        const double k2v = adex_dv(c, v2, w2, I), k2w = (c.a * v2 - w2) * c.inv_tau_w;
        const double v3 = adex_cap(c, v + 0.5 * h * k2v), w3 = w + 0.5 * h * k2w;
        const double k3v = adex_dv(c, v3, w3, I), k3w = (c.a * v3 - w3) * c.inv_tau_w;
        const double v4 = adex_cap(c, v + h * k3v), w4 = w + h * k3w;
        const double k4v = adex_dv(c, v4, w4, I), k4w = (c.a * v4 - w4) * c.inv_tau_w;
        v += h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
        w += h / 6.0 * (k1w + 2.0 * k2w + 2.0 * k3w + k4w);
    }
    s.v = active ? v : reset;  // clamped at V_reset while refractory, w keeps evolving
    s.adapt = w;
    s.refractory = active ? 0 : s.refractory - 1;
    s.ex = c.P11ex * s.ex + x.in_ex;
    s.in = c.P11in * s.in + x.in_in;
    const bool fired = threshold_and_reset(c, s);
    const double b = c.b;
    s.adapt = fired ? s.adapt + b : s.adapt;
    return fired;
}

// Graded (non-spiking) neuron: C dV/dt = -g_L V + I, with every coupling conductance
// folded into the relaxation (exponential Euler), so strong coupling stays stable.
// Spikes make V jump by w [mV].
SYNAPTOGEN_HD_FORCEINLINE bool step_graded(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const double G = c.g_L + x.g_ext;
    const double I = c.I_e + x.i_ext - x.g_ext * c.e_l;
    const double v_inf = I / G;
    s.v = v_inf + (s.v - v_inf) * exp_portable(-c.h * G * c.inv_C) + (x.in_ex + x.in_in);
    return false;
}

// Rate unit: tau dr/dt = -r + f(gain (I_e + input)), input held over the step (exact).
SYNAPTOGEN_HD_FORCEINLINE double rate_activation(neuron_model_kind k, double x) {
    if (k == neuron_model_kind::rate_relu) return x > 0.0 ? x : 0.0;
    if (k == neuron_model_kind::rate_tanh) return tanh_portable(x);
    return sigmoid_portable(x);
}

SYNAPTOGEN_HD_FORCEINLINE bool step_rate(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const double f = rate_activation(c.kind, c.gain * (c.I_e + x.i_ext + x.in_ex + x.in_in));
    s.v = f + (s.v - f) * c.P22;
    return false;
}

// glif_psc (Teeter et al. 2018, as NEST's glif_psc), V relative to E_L:
//   C_m dV/dt = -g V + I_1 + I_2 + I_ex + I_in + I_e + I_x,   dI_j/dt = -k_j I_j
//   dth_s/dt = -b_s th_s,   dth_v/dt = a_v V - b_v th_v
// spikes when V > V_th + th_s + th_v (strictly, as NEST). Then, for t_ref, V is held and the
// after-spike currents and threshold components are frozen; their decay over t_ref is
// applied at the spike, with the jumps: I_j <- amp_j + r_j exp(-k_j t_ref) I_j,
// th_s <- exp(-b_s t_ref) th_s + th_spike_add. V resets to V_reset, or with the "R"
// mechanism to f_v V_start + voltage_reset_add, V_start being V at the start of the
// spiking step (NEST's v_old). Alpha currents as iaf_psc_alpha, and they keep evolving.
SYNAPTOGEN_HD_FORCEINLINE bool step_glif_psc(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const bool active = s.refractory == 0;
    const double v0 = s.v;
    const double I = external_current(c, s, x);
    // The after-spike currents act on V through their mean over the step, then decay.
    const double asc = c.asc_mean_1 * s.adapt + c.asc_mean_2 * s.asc_2;
    const double asc_1 = c.asc_step_1 * s.adapt, asc_2 = c.asc_step_2 * s.asc_2;
    const double th_s = c.th_spike_step * s.th_spike;
    // Ports 3 and 4 last: without them (zero state) V is bit for bit the two-port sum.
    const double v = c.P22 * v0 + c.P20 * (I + asc) + c.P31ex * s.dex + c.P21ex * s.ex + c.P31in * s.din + c.P21in * s.in +
                     (c.P31_3 * s.dex_3 + c.P21_3 * s.ex_3) + (c.P31_4 * s.dex_4 + c.P21_4 * s.ex_4);
    // th_v exactly for V relaxing from v0 towards beta, synaptic currents left out (as NEST).
    const double beta = (I + asc) / c.g_L;
    const double th_v = c.th_v_ratio * beta + c.th_v_step * (s.th_voltage - c.th_v_ratio * beta) + c.th_v_cross * (v0 - beta);
    const bool fired = active && v > th_s + th_v + c.theta;
    const double reset = c.reset_fraction * v0 + c.reset;
    const double amp_1 = c.asc_amp_1, amp_2 = c.asc_amp_2, th_add = c.th_spike_add;
    s.v = active ? (fired ? reset : v) : v0;
    s.adapt = active ? (fired ? amp_1 + c.asc_spike_1 * asc_1 : asc_1) : s.adapt;
    s.asc_2 = active ? (fired ? amp_2 + c.asc_spike_2 * asc_2 : asc_2) : s.asc_2;
    s.th_spike = active ? (fired ? c.th_spike_spike * th_s + th_add : th_s) : s.th_spike;
    s.th_voltage = active ? th_v : s.th_voltage;
    s.asc_sum = active ? asc : s.asc_sum;
    s.threshold = s.th_spike + s.th_voltage + c.theta;
    const std::int32_t ref_steps = c.ref_steps;
    s.refractory = fired ? ref_steps : (active ? 0 : s.refractory - 1);
    s.ex = c.Pdiex * s.dex + c.P11ex * s.ex;
    s.dex = c.P11ex * s.dex + c.alpha_ex * x.in_ex;
    s.in = c.Pdiin * s.din + c.P11in * s.in;
    s.din = c.P11in * s.din + c.alpha_in * x.in_in;
    s.ex_3 = c.Pdi_3 * s.dex_3 + c.P11_3 * s.ex_3;
    s.dex_3 = c.P11_3 * s.dex_3 + c.alpha_3 * x.in_3;
    s.ex_4 = c.Pdi_4 * s.dex_4 + c.P11_4 * s.ex_4;
    s.dex_4 = c.P11_4 * s.dex_4 + c.alpha_4 * x.in_4;
    return fired;
}

// NEURON's IntFire1: m decays with tau, an input of weight w adds w, and m > 1 (strictly)
// fires. m is then 2 for refrac (NEURON's value of m while refractory), inputs arriving
// meanwhile are discarded, and m is 0 when refrac ends. Currents do not reach it.
SYNAPTOGEN_HD_FORCEINLINE bool step_intfire1(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    const bool active = s.refractory == 0;
    const bool ends = s.refractory == 1;  // the last refractory step: m is 0 at its end
    const double m = c.P22 * s.v + (x.in_ex + x.in_in);
    const bool fired = active && m > c.theta;
    const double reset = c.reset;
    s.v = fired ? reset : (active ? m : (ends ? 0.0 : s.v));
    const std::int32_t ref_steps = c.ref_steps;
    s.refractory = fired ? ref_steps : (active ? 0 : s.refractory - 1);
    return fired;
}

SYNAPTOGEN_HD_FORCEINLINE bool step_neuron(const neuron_constants& c, neuron_state& s, const neuron_input& x) {
    switch (c.kind) {
    case neuron_model_kind::iaf_psc_delta: return step_iaf_psc_delta(c, s, x);
    case neuron_model_kind::iaf_psc_exp: return step_iaf_psc_exp(c, s, x);
    case neuron_model_kind::iaf_psc_alpha: return step_iaf_psc_alpha(c, s, x);
    case neuron_model_kind::iaf_cond_exp: return step_iaf_cond_exp(c, s, x);
    case neuron_model_kind::izhikevich: return step_izhikevich(c, s, x);
    case neuron_model_kind::adex: return step_adex(c, s, x);
    case neuron_model_kind::glif_psc: return step_glif_psc(c, s, x);
    case neuron_model_kind::intfire1: return step_intfire1(c, s, x);
    case neuron_model_kind::graded: return step_graded(c, s, x);
    case neuron_model_kind::rate_relu:
    case neuron_model_kind::rate_tanh:
    case neuron_model_kind::rate_sigmoid: return step_rate(c, s, x);
    case neuron_model_kind::spike_source:    // spikes come from the schedule
    case neuron_model_kind::poisson_source:  // spikes are drawn by the update kernel
        return false;
    }
    return false;
}

}  // namespace synaptogen
