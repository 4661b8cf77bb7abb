#include <synaptogen/models/network_spec.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/graph/synapse_table.hpp>
#include <synaptogen/models/evolution.hpp>

namespace synaptogen {

std::uint64_t simulation_settings::steps() const {
    return static_cast<std::uint64_t>(std::llround(duration / dt));
}

int simulation_settings::thread_count() const {
    return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

step_t spike_time_to_step(double ms, double dt) {
    const double s = std::ceil(ms / dt - 1e-9) - 1.0;
    return static_cast<step_t>(std::clamp(s, 0.0, 4e9));
}

std::vector<std::string> recordable_variables(neuron_model_kind k) { return state_variable_names(k); }

neuron_parameters parameters_of(const population_model& m, neuron_id local, neuron_id global, std::uint64_t seed) {
    neuron_parameters p = m.parameters;
    for (std::size_t k = 0; k < m.varied.size(); ++k) {
        const parameter_variation& v = m.varied[k];
        double x;
        if (!v.values.empty()) {
            x = v.values.at(local);
        } else {
            counter_rng rng(seed, stream_purpose::neuron_parameter, global, static_cast<std::uint32_t>(k));
            x = v.value.draw(rng);
        }
        set_parameter(p, model_of(m, local), v.parameter, x);  // false where a mixed population's model lacks it
    }
    return p;
}

neuron_model_kind model_of(const population_model& m, neuron_id local) {
    return m.neuron_models.empty() ? m.model : m.neuron_models.at(local);
}

std::vector<neuron_model_kind> models_in(const population_model& m) {
    std::vector<neuron_model_kind> out{m.model};
    for (const auto k : m.neuron_models)
        if (std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    return out;
}

bool draws_parameters(const population_model& m) {
    return std::any_of(m.varied.begin(), m.varied.end(), [](const parameter_variation& v) { return v.values.empty(); });
}

void check_neuron_parameters(const population_model& m, const std::string& population, neuron_id first,
                             neuron_id size, std::uint64_t seed, double dt) {
    for (const auto& v : m.initial)
        if (!v.values.empty() && v.values.size() != size)
            throw input_error(m.origin, "population '" + population + "': " + std::to_string(v.values.size()) +
                                            " initial values of " + v.variable + " for " + std::to_string(size) +
                                            " neurons; expected one per neuron");
    if (!m.neuron_models.empty() && m.neuron_models.size() != size)
        throw input_error(m.origin, "population '" + population + "': " + std::to_string(m.neuron_models.size()) +
                                        " neuron models for " + std::to_string(size) + " neurons; expected one per neuron");
    if (m.varied.empty() && m.neuron_models.empty()) return;
    for (const auto& v : m.varied)
        if (!v.values.empty() && v.values.size() != size)
            throw input_error(m.origin, "population '" + population + "': " + std::to_string(v.values.size()) +
                                            " values of " + v.parameter + " for " + std::to_string(size) +
                                            " neurons; expected one per neuron");
    for (neuron_id i = 0; i < size; ++i) {
        const neuron_parameters p = parameters_of(m, i, first + i, seed);
        const neuron_model_kind k = model_of(m, i);
        const auto problems = check_parameters(p, k, dt);
        if (problems.empty()) continue;
        double value = 0.0;
        get_parameter(p, k, problems[0].name, value);
        throw input_error(m.origin, "population '" + population + "', neuron " + std::to_string(i) + ": " +
                                        problems[0].name + " = " + std::to_string(value) + ": " + problems[0].what);
    }
}

void check_neuron_parameters(const network_spec& spec) {
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        check_neuron_parameters(spec.models[p], spec.layout[p].name, spec.layout[p].first, spec.layout[p].size,
                                spec.simulation.seed, spec.simulation.dt);
}

std::string receptor_problem(const population_model& target, const projection_spec& p, std::uint32_t receptor,
                             neuron_id first, neuron_id size, std::uint64_t seed) {
    if (receptor == 0 || size == 0) return "";
    auto problem = [&](neuron_id i) -> std::string {
        const neuron_model_kind kind = model_of(target, i);
        const std::string who = size > 1 ? "neuron " + std::to_string(i) + " of the target" : std::string("the target");
        if (kind != neuron_model_kind::glif_psc)
            return "receptor " + std::to_string(receptor) + ": " + (target.neuron_models.empty() ? "" : who + " is ") +
                   to_string(kind) + (target.neuron_models.empty() ? "" : ", which") +
                   " has no receptor ports (glif_psc has one per tau_syn entry); expected no receptor";
        const double have = parameters_of(target, i, first + i, seed).receptor_ports;
        if (receptor <= have) return "";
        return "receptor " + std::to_string(receptor) + ": " + who + " has " + std::to_string(static_cast<int>(have)) +
               " receptor port" + (have == 1.0 ? "" : "s") + " (one per tau_syn entry); expected 1.." +
               std::to_string(static_cast<int>(have));
    };
    // Neurons alike in model and ports answer alike: one stands for all.
    const bool alike = target.neuron_models.empty() &&
                       std::none_of(target.varied.begin(), target.varied.end(),
                                    [](const parameter_variation& v) { return v.parameter == "receptor_ports"; });
    if (alike) return problem(0);
    // Otherwise every neuron the projection reaches: explicit edges name theirs.
    std::vector<bool> reached(size, p.rule != connection_rule_kind::explicit_edges);
    for (const auto& e : p.edges)
        if (e.target < size) reached[e.target] = true;
    for (neuron_id i = 0; i < size; ++i)
        if (reached[i])
            if (std::string why = problem(i); !why.empty()) return why;
    return "";
}

namespace {
void scale_distribution(distribution& d, double f) {
    d.value *= f;
    d.low *= f;
    d.high *= f;
    if (d.kind == distribution_kind::lognormal) d.mean += std::log(f);
    else {
        d.mean *= f;
        d.sd *= f;
    }
    if (d.min > -1e299) d.min *= f;
    if (d.max < 1e299) d.max *= f;
    if (f < 0) std::swap(d.min, d.max);
}

double distribution_mean(const distribution& d) {
    switch (d.kind) {
    case distribution_kind::constant: return d.value;
    case distribution_kind::uniform: return 0.5 * (d.low + d.high);
    case distribution_kind::normal: return d.mean;  // of the untruncated distribution
    case distribution_kind::lognormal: return std::exp(d.mean + 0.5 * d.sd * d.sd);
    }
    return 0.0;
}
}  // namespace

// Rounds half to even, as NumPy does: NEST's microcircuit scales its sizes this way.
long long round_even(double x) { return static_cast<long long>(std::nearbyint(x)); }

void apply_scaling(network_spec& spec) {
    const double s = spec.scaling.scale;
    if (s == 1.0) return;
    if (!(s > 0.0 && s <= 1.0)) throw input_error(spec.scaling.origin, "expected a scale in (0, 1]");
    const double w_factor = 1.0 / std::sqrt(s);  // keeps the input fluctuations as at full scale
    // Mean input of each population at full scale [pA, integrated over the synaptic kernel per second].
    const std::size_t n_pop = spec.layout.count();
    std::vector<double> lost(n_pop, 0.0);
    auto charge = [&](std::size_t target, double w) {  // pA ms per spike of weight w
        const population_model& m = spec.models[target];
        const double tau = w >= 0 ? m.parameters.tau_syn_ex : m.parameters.tau_syn_in;
        return m.model == neuron_model_kind::iaf_psc_alpha ? w * tau * std::exp(1.0) : w * tau;
    };
    auto need_current_synapses = [&](std::size_t target, const source_location& where) {
        const neuron_model_kind k = spec.models[target].model;
        if (k != neuron_model_kind::iaf_psc_exp && k != neuron_model_kind::iaf_psc_alpha)
            throw input_error(where, std::string("DC compensation needs current-based synapses (iaf_psc_exp, iaf_psc_alpha); '") +
                                         spec.layout[target].name + "' is " + to_string(k) +
                                         "; set compensate = false in [scaling]");
    };
    for (std::size_t q = 0; q < n_pop; ++q) {  // values given per neuron belong to one size
        const population_model& m = spec.models[q];
        const bool given = std::any_of(m.varied.begin(), m.varied.end(), [](const auto& v) { return !v.values.empty(); }) ||
                           std::any_of(m.initial.begin(), m.initial.end(), [](const auto& v) { return !v.values.empty(); });
        if (given)
            throw input_error(m.origin, "population '" + spec.layout[q].name +
                                            "' has values given per neuron and cannot be scaled; expected scale = 1");
    }
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        projection_spec& p = spec.projections[k];
        if (p.rule == connection_rule_kind::explicit_edges || p.rule == connection_rule_kind::one_to_one)
            throw input_error(p.origin, std::string("a ") + to_string(p.rule) + " projection cannot be scaled; expected scale = 1");
        if (spec.scaling.compensate) {
            need_current_synapses(p.target, p.origin);
            const double rate = spec.models[p.source].full_scale_rate;
            if (rate < 0)
                throw input_error(spec.models[p.source].origin, "population '" + spec.layout[p.source].name +
                                                                    "' needs full_scale_rate (Hz) for the DC compensation of scaling");
            const double indegree = expected_synapses(spec.layout, p) / spec.layout[p.target].size;
            lost[p.target] += charge(p.target, distribution_mean(p.weight)) * indegree * rate;
        }
    }
    for (const auto& st : spec.stimuli)
        if (st.kind == stimulus_kind::poisson && spec.scaling.compensate) {
            need_current_synapses(st.population, st.origin);
            lost[st.population] += charge(st.population, st.weight) * st.sources * st.rate;
        }
    // Now scale. fixed_total_number scales with both population sizes (in-degree x s, targets x s).
    for (auto& p : spec.projections) {
        if (p.rule == connection_rule_kind::fixed_total_number) p.number = static_cast<std::uint64_t>(round_even(p.number * s * s));
        if (p.rule == connection_rule_kind::fixed_indegree || p.rule == connection_rule_kind::fixed_outdegree)
            p.number = static_cast<std::uint64_t>(std::max<long long>(1, round_even(p.number * s)));
        if (spec.scaling.compensate) scale_distribution(p.weight, w_factor);
    }
    population_layout scaled;
    for (std::size_t i = 0; i < n_pop; ++i)
        scaled.add(spec.layout[i].name, static_cast<std::uint64_t>(std::max<long long>(1, round_even(spec.layout[i].size * s))));
    for (auto& t : spec.traces)
        if (t.default_neurons) {
            t.neurons.clear();
            for (neuron_id i = 0; i < std::min<neuron_id>(scaled[t.population].size, 10); ++i) t.neurons.push_back(i);
        }
    for (const auto& t : spec.traces)
        for (neuron_id i : t.neurons)
            if (i >= scaled[t.population].size)
                throw input_error(t.origin, "records neuron " + std::to_string(i) + " but the scaled population '" +
                                                scaled[t.population].name + "' has " + std::to_string(scaled[t.population].size));
    for (const auto& st : spec.stimuli)
        for (neuron_id i : st.neurons)
            if (i >= scaled[st.population].size)
                throw input_error(st.origin, "stimulates neuron " + std::to_string(i) + " but the scaled population '" +
                                                 scaled[st.population].name + "' has " + std::to_string(scaled[st.population].size));
    for (auto& m : spec.models) m.cell_names.clear();  // names belong to the unscaled neurons
    for (std::size_t i = 0; i < n_pop; ++i)
        if (spec.models[i].spikes)
            for (neuron_id j : spec.models[i].spikes->neuron)
                if (j >= scaled[i].size)
                    throw input_error(spec.models[i].origin, "spike trains for neuron " + std::to_string(j) +
                                                                 " do not fit the scaled population");
    spec.layout = scaled;
    std::vector<stimulus_spec> added;
    for (auto& st : spec.stimuli)
        if (st.kind == stimulus_kind::poisson) {
            st.sources = static_cast<std::uint32_t>(std::max<long long>(1, round_even(st.sources * s)));
            if (spec.scaling.compensate) st.weight *= w_factor;
        }
    if (spec.scaling.compensate)
        for (std::size_t i = 0; i < n_pop; ++i) {
            if (lost[i] == 0.0) continue;
            stimulus_spec dc;
            dc.kind = stimulus_kind::dc;
            dc.population = i;
            dc.amplitude = 1e-3 * (1.0 - std::sqrt(s)) * lost[i];  // pA ms/s -> pA
            dc.origin = spec.scaling.origin;
            spec.stimuli.push_back(dc);
        }
}

network_spec with_connectome(const network_spec& spec, const connectome& c) {
    if (c.projections.size() != spec.projections.size())
        throw input_error({spec.source_file, 0, "projection"}, "the connectome has " + std::to_string(c.projections.size()) + " projections; the network has " +
                          std::to_string(spec.projections.size()));
    network_spec out = spec;
    for (std::size_t q = 0; q < out.projections.size(); ++q) {
        projection_spec& p = out.projections[q];
        const edge_set& e = c.projections[q];
        if (e.n_sources != out.layout[p.source].size || e.n_targets != out.layout[p.target].size)
            throw input_error(p.origin, "the connectome's projection " + std::to_string(q) + " connects other neuron counts");
        p.rule = connection_rule_kind::explicit_edges;
        p.edges.clear();
        p.edges.reserve(e.size());
        for (neuron_id s = 0; s < e.n_sources; ++s)
            for (edge_index k = e.row_map[s]; k < e.row_map[s + 1]; ++k) p.edges.push_back({s, e.target[k], e.weight[k], 0.0});
        p.edges_have_weights = true;
        p.edges_have_delays = false;
        p.allow_multapses = e.allow_multapses;
        p.allow_autapses = e.allow_autapses;
    }
    return out;
}

const char* to_string(selection_kind k) {
    switch (k) {
        case selection_kind::truncation: return "truncation";
        case selection_kind::tournament: return "tournament";
        case selection_kind::plus: return "plus";
        case selection_kind::comma: return "comma";
    }
    return "?";
}

const char* to_string(fitness_kind k) {
    switch (k) {
        case fitness_kind::language: return "language";
        case fitness_kind::rates: return "rates";
        case fitness_kind::response: return "response";
    }
    return "?";
}

}  // namespace synaptogen
