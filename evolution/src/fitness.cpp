#include <synaptogen/evolution/fitness.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include <synaptogen/runtime/activity_statistics.hpp>
#include <synaptogen/runtime/language_model.hpp>
#include <synaptogen/runtime/simulation.hpp>

namespace synaptogen {

namespace {

// The [lm] of the network as one evaluation trains it: its own budget unless given, no null
// (the genome is the wiring), and written weights where the genome carries inherited ones.
lm_spec evaluation_lm(const network_spec& spec, bool written_weights, std::uint64_t tokens) {
    lm_spec lm = *spec.language;
    if (tokens > 0) lm.training.tokens = tokens;
    if (written_weights) lm.init = weight_init_kind::written;
    lm.degree_preserving_null = false;
    return lm;
}

class language_fitness final : public fitness_evaluator {
public:
    language_fitness(const network_spec& spec, const evaluator_options& options)
        : spec_(spec), options_(options), fs_(spec.evolution->fitness) {
        const lm_spec& lm = *spec.language;
        train_ = read_corpus(lm.training.train_file, lm.training.origin);
        validation_ = read_corpus(lm.training.validation_file, lm.training.origin);
        eval_bytes_ = fs_.eval_bytes ? fs_.eval_bytes : lm.training.eval_bytes;
        rewind_ = spec.evolution->pruning.enabled && spec.evolution->pruning.reset == prune_reset_kind::rewind;
        rewind_step_ = spec.evolution->pruning.rewind_step;
    }

    std::string describe() const override { return "held-out bits per byte"; }

    evaluation evaluate(const connectome& genome, bool written_weights) override {
        const lm_spec lm = evaluation_lm(spec_, written_weights, fs_.tokens);
        language_model m(spec_, lm, genome, {options_.backend});
        evaluation e;
        const std::uint64_t steps = m.total_steps();
        for (std::uint64_t s = 0; s < steps; ++s) {
            if (rewind_ && s == rewind_step_) {
                e.rewound = m.trained_graph();
                e.has_rewound = true;
            }
            m.train_step(train_);
        }
        if (rewind_ && !e.has_rewound) {  // a rewind step at or past the end: the final weights
            e.rewound = m.trained_graph();
            e.has_rewound = true;
        }
        e.fitness = m.evaluate(validation_, eval_bytes_);
        e.trained = m.trained_graph();
        e.has_trained = true;
        return e;
    }

private:
    const network_spec& spec_;
    evaluator_options options_;
    const fitness_spec& fs_;
    std::vector<std::uint8_t> train_, validation_;
    std::uint64_t eval_bytes_ = 0;
    bool rewind_ = false;
    std::uint64_t rewind_step_ = 0;
};

// Runs the network with the genome's edges for the fitness duration.
void simulate(const network_spec& spec, const run_observer& observer, const evaluator_options& options) {
    simulation sim(spec, build_static_synapses(spec), {options.backend});
    sim.run(spec.simulation.steps(), observer);
}

network_spec simulated_network(const network_spec& spec, const connectome& genome) {
    network_spec s = with_connectome(spec, genome);
    const fitness_spec& fs = spec.evolution->fitness;
    if (fs.duration_ms > 0.0) s.simulation.duration = fs.duration_ms;
    s.traces.clear();
    s.record_spikes.assign(s.layout.count(), false);
    return s;
}

class rate_fitness final : public fitness_evaluator {
public:
    rate_fitness(const network_spec& spec, const evaluator_options& options) : spec_(spec), options_(options) {}

    std::string describe() const override { return "relative RMS error of the firing rates"; }

    evaluation evaluate(const connectome& genome, bool) override {
        network_spec s = simulated_network(spec_, genome);
        const fitness_spec& fs = spec_.evolution->fitness;
        for (const rate_target& r : fs.rates) s.record_spikes[r.population] = true;
        activity_statistics stats(s.layout, s.simulation.dt);
        run_observer obs;
        obs.on_spikes = [&](spike_batch&& b) { stats.add(b); };
        simulate(s, obs, options_);
        const auto activity = stats.summarize(static_cast<double>(s.simulation.steps()) * s.simulation.dt);
        double sum = 0.0;
        for (const rate_target& r : fs.rates) {
            const double x = (activity[r.population].rate_hz - r.rate_hz) / r.rate_hz;
            sum += x * x;
        }
        evaluation e;
        e.fitness = std::sqrt(sum / static_cast<double>(fs.rates.size()));
        return e;
    }

private:
    const network_spec& spec_;
    evaluator_options options_;
};

class response_fitness final : public fitness_evaluator {
public:
    response_fitness(const network_spec& spec, const evaluator_options& options) : spec_(spec), options_(options) {}

    std::string describe() const override { return "minus the preferred-over-avoided depolarisation [mV]"; }

    evaluation evaluate(const connectome& genome, bool) override {
        network_spec s = simulated_network(spec_, genome);
        const fitness_spec& fs = spec_.evolution->fitness;
        trace_record_spec r;
        r.name = "response";
        r.population = fs.response_population;
        r.variable = "V_m";
        r.neurons = fs.prefer;
        r.neurons.insert(r.neurons.end(), fs.avoid.begin(), fs.avoid.end());
        r.every = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::lround(1.0 / s.simulation.dt)));  // 1 ms
        s.traces.push_back(r);
        // Per cell: sums over the window and the baseline, and their sample counts.
        const std::size_t n = r.neurons.size();
        std::vector<double> window(n, 0.0), baseline(n, 0.0);
        double nw = 0.0, nb = 0.0;
        const double dt = s.simulation.dt;
        run_observer obs;
        obs.on_traces = [&](trace_batch&& b) {
            const std::size_t rows = b.columns ? b.values.size() / b.columns : 0;
            for (std::size_t i = 0; i < rows; ++i) {
                const double t = static_cast<double>((b.first_row + i + 1) * r.every) * dt;  // after that step
                const bool in_w = t > fs.window_start && t <= fs.window_stop;
                const bool in_b = t > fs.baseline_start && t <= fs.baseline_stop;
                if (!in_w && !in_b) continue;
                (in_w ? nw : nb) += 1.0;
                for (std::size_t c = 0; c < n; ++c) (in_w ? window : baseline)[c] += b.values[i * b.columns + c];
            }
        };
        simulate(s, obs, options_);
        auto mean_change = [&](std::size_t first, std::size_t count) {
            double d = 0.0;
            for (std::size_t c = first; c < first + count; ++c) d += window[c] / nw - baseline[c] / nb;
            return d / static_cast<double>(count);
        };
        evaluation e;
        if (nw == 0.0 || nb == 0.0) {
            e.fitness = std::numeric_limits<double>::infinity();
            return e;
        }
        e.fitness = -(mean_change(0, fs.prefer.size()) - mean_change(fs.prefer.size(), fs.avoid.size()));
        return e;
    }

private:
    const network_spec& spec_;
    evaluator_options options_;
};

}  // namespace

std::unique_ptr<fitness_evaluator> make_fitness_evaluator(const network_spec& spec, const evaluator_options& options) {
    if (!spec.evolution) throw input_error({spec.source_file, 0, "evolution"}, "the network has no [evolution] table");
    switch (spec.evolution->fitness.kind) {
        case fitness_kind::language: return std::make_unique<language_fitness>(spec, options);
        case fitness_kind::rates: return std::make_unique<rate_fitness>(spec, options);
        case fitness_kind::response: return std::make_unique<response_fitness>(spec, options);
    }
    throw internal_error("unknown fitness kind");
}

language_curve train_language_curve(const network_spec& spec, const connectome& genome, bool written_weights,
                                    const std::string& train_file, std::uint64_t tokens, std::uint64_t eval_bytes,
                                    const std::vector<double>& checkpoints, const evaluator_options& options) {
    if (!spec.language) throw input_error({spec.source_file, 0, "lm"}, "the network has no [lm] table");
    const lm_spec lm = evaluation_lm(spec, written_weights, tokens);
    const auto train = read_corpus(train_file.empty() ? lm.training.train_file : train_file, lm.training.origin);
    const auto validation = read_corpus(lm.training.validation_file, lm.training.origin);
    language_model m(spec, lm, genome, {options.backend});
    const std::uint64_t steps = m.total_steps();
    std::vector<double> at = checkpoints;
    std::sort(at.begin(), at.end());
    language_curve curve;
    std::uint64_t s = 0;
    for (double f : at) {
        const auto until = static_cast<std::uint64_t>(std::llround(f * static_cast<double>(steps)));
        for (; s < until; ++s) m.train_step(train);
        curve.fraction.push_back(f);
        curve.tokens.push_back(static_cast<double>(s * m.tokens_per_step()));
        curve.bits_per_byte.push_back(m.evaluate(validation, eval_bytes ? eval_bytes : lm.training.eval_bytes));
    }
    return curve;
}

}  // namespace synaptogen
