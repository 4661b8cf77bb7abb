#pragma once
// A whole network as the user described it: what io/ parses and runtime/ simulates.
// Plain values, no Kokkos; every part remembers where it was written so that later
// stages (graph construction, memory checks) can still point at the line.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <synaptogen/graph/distribution.hpp>
#include <synaptogen/graph/errors.hpp>
#include <synaptogen/graph/population.hpp>
#include <synaptogen/graph/projection.hpp>
#include <synaptogen/models/language.hpp>
#include <synaptogen/models/neuron_model.hpp>
#include <synaptogen/models/synapse_model.hpp>

namespace synaptogen {

struct simulation_settings {
    double dt = 0.1;           // [ms]
    double duration = 1000.0;  // [ms]
    std::uint64_t seed = 1;
    int threads = 0;           // 0: all cores
    std::string backend;       // "serial", "openmp"; empty: the best available
    source_location origin;
    std::uint64_t steps() const;
    int thread_count() const;  // `threads`, or every core when 0
};

// A state variable's initial value, drawn per neuron, or given per neuron.
struct initial_value {
    std::string variable;  // a state variable of the model (state_variable_names), V_m absolute
    distribution value;    // drawn when `values` is empty
    std::vector<double> values;  // per local id (SONATA node types and per-node datasets)
};

// The spikes of a spike_source population, given as data: neuron[k] (local id) fires at
// time[k] [ms]. Shared because large trains are read once and never copied.
struct spike_trains {
    std::vector<neuron_id> neuron;
    std::vector<double> time;
    std::string file;  // where they came from, for messages ("" if written inline)
};

// A parameter that differs between the neurons of one population: given per neuron (by
// local id: SONATA node types and per-node dynamics_params), or drawn per neuron from its
// own stream. Parameters that do not vary stay in population_model::parameters, so a
// homogeneous population lowers to one set of constants (as GeNN keeps global and
// individual variables apart).
struct parameter_variation {
    std::string parameter;        // a name of parameter_names(model)
    distribution value;           // drawn when `values` is empty
    std::vector<double> values;   // per local id
};

struct population_model {
    neuron_model_kind model = neuron_model_kind::iaf_psc_delta;
    // A population of several models (a SONATA node population whose node types name
    // different spiking point models): each neuron's model by local id, `model` being the
    // first node type's. Empty: every neuron is `model`. Varied parameters then apply to the
    // neurons whose model has them.
    std::vector<neuron_model_kind> neuron_models;
    double full_scale_rate = -1.0;  // [Hz] mean rate at scale 1, for DC compensation (< 0: not given)
    neuron_parameters parameters;   // all neurons' values, less the varied ones
    std::vector<parameter_variation> varied;
    std::vector<initial_value> initial;
    std::shared_ptr<const spike_trains> spikes;  // spike_source only
    std::vector<std::string> cell_names;  // optional, by local id (imported connectomes)
    source_location origin;
};

enum class stimulus_kind { poisson, dc, step_current, noise };

// Poisson: every neuron of the population gets its own `sources` independent Poisson
// trains of `rate` Hz, each spike adding `weight` (the model's synaptic unit).
// DC: a current of `amplitude` pA. Step current: `values[k]` pA from `times[k]` ms on
// (NEST's step_current_generator; 0 before the first time). Noise: Gaussian white current,
// `mean` + `std` N(0,1) pA drawn independently per neuron and step. All active for
// start <= t < stop, on every neuron of the population or the chosen ones.
struct stimulus_spec {
    stimulus_kind kind = stimulus_kind::poisson;
    std::size_t population = 0;
    double rate = 0.0;        // [Hz] per source
    double weight = 0.0;
    std::uint32_t sources = 1;
    double amplitude = 0.0;   // [pA]
    std::vector<double> times;   // [ms], step current
    std::vector<double> values;  // [pA], step current
    double mean = 0.0;        // [pA], noise
    double std = 0.0;         // [pA], noise
    double start = 0.0;       // [ms]
    double stop = 1e300;      // [ms]
    std::vector<neuron_id> neurons;  // local ids, ascending; empty: the whole population
    source_location origin;
};

// A state variable of chosen neurons, or the weights of chosen plastic synapses, every
// `every` steps.
struct trace_record_spec {
    std::string name;        // file stem of the report
    std::size_t population = 0;
    std::string variable = "V_m";    // a state variable of the model, or "weight"
    std::vector<neuron_id> neurons;  // local ids
    bool default_neurons = false;    // not written: the first 10 (after scaling)
    bool weights = false;            // record synapse weights of `projection` instead
    std::size_t projection = 0;
    std::vector<std::pair<neuron_id, neuron_id>> synapses;  // (source, target) local ids
    std::uint32_t every = 1;
    source_location origin;
};

// Down-scaling a network (van Albada, Helias & Diesmann 2015; NEST's microcircuit example):
// population sizes and in-degrees scale by `scale`, weights by 1/sqrt(scale) (which keeps
// the variance of the input), and with `compensate` each population gets the DC current
// that replaces the mean input lost.
struct scaling_spec {
    double scale = 1.0;
    bool compensate = true;
    source_location origin;
};

struct connectome;       // graph/connectome.hpp
struct evolution_spec;  // models/evolution.hpp

struct network_spec {
    std::string source_file;
    std::string source_text;  // the description as written, kept for the run manifest
    simulation_settings simulation;
    population_layout layout;
    std::vector<population_model> models;  // one per population, same order as layout
    std::vector<projection_spec> projections;
    std::vector<synapse_spec> synapses;    // one per projection, same order
    std::vector<stimulus_spec> stimuli;
    std::vector<bool> record_spikes;       // per population
    std::vector<trace_record_spec> traces;
    scaling_spec scaling;                   // as written; apply_scaling() applies it once
    std::shared_ptr<const lm_spec> language;  // an [lm] table: the network is a language model
    std::shared_ptr<const evolution_spec> evolution;  // an [evolution] table: a run over its connectomes
};

// A spike emitted in step s is stamped (s + 1) dt (the end of the step). The inverse, for
// given spike times: t is emitted in the step that ends at or after t (t <= 0: step 0), so
// a recorded stamp replays in the step that recorded it.
step_t spike_time_to_step(double ms, double dt);

// Applies spec.scaling to sizes, rules, weights and Poisson sources, and adds the DC
// compensation; a no-op at scale 1. Throws input_error for what cannot be scaled.
void apply_scaling(network_spec& spec);

// The network with every projection given as the explicit edges (and weights) of `c`, which
// must be over the same projections (the editable connectome lowered back into a spec: the
// simulator builds from it as from any explicit-edge projection). Delays keep each
// projection's delay rule.
network_spec with_connectome(const network_spec& spec, const connectome& c);

// The parameters of one neuron: the population's, with each varied one looked up or drawn
// (stream: seed, neuron_parameter, global id, index of the variation).
neuron_parameters parameters_of(const population_model& m, neuron_id local, neuron_id global, std::uint64_t seed);

// The model of one neuron, and the distinct models of a population (`model` first).
neuron_model_kind model_of(const population_model& m, neuron_id local);
std::vector<neuron_model_kind> models_in(const population_model& m);

// Whether a parameter of the population is drawn per neuron: the engine then gives each
// neuron its own constants (values given per neuron share them by distinct set).
bool draws_parameters(const population_model& m);

// Throws input_error (at m.origin, naming the population, the neuron and the parameter) if
// any neuron's parameters fail check_parameters. `first` is the population's first global id.
void check_neuron_parameters(const population_model& m, const std::string& population, neuron_id first,
                             neuron_id size, std::uint64_t seed, double dt);
// The same for every population of the network, before anything is built.
void check_neuron_parameters(const network_spec& spec);

// Empty if every neuron of `target` (first global id `first`, `size` neurons) that
// projection `p` reaches has receptor port `receptor` (0, no port, always fits); else what is
// wrong (NEST's glif_psc has ports 1..receptor_ports, other models none). In a population of
// mixed models only the reached neurons count: explicit edges name them, rules reach all.
std::string receptor_problem(const population_model& target, const projection_spec& p, std::uint32_t receptor,
                             neuron_id first, neuron_id size, std::uint64_t seed);

// State variables a trace can record.
std::vector<std::string> recordable_variables(neuron_model_kind k);

}  // namespace synaptogen
