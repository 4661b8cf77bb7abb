#include <synaptogen/evolution/evolution_run.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include <tbb/parallel_for.h>

namespace synaptogen {

namespace {

// The integer part of x always, the fraction with that probability.
std::uint64_t draw_count(double x, counter_rng& rng) {
    const double whole = std::floor(x);
    return static_cast<std::uint64_t>(whole) + (rng.uniform() < x - whole ? 1 : 0);
}

bool generational(selection_kind k) { return k == selection_kind::truncation || k == selection_kind::tournament; }

std::string percent(double f) {
    std::ostringstream s;
    s << f * 100.0 << "%";
    return s.str();
}

// The weights a parent passes on before pruning: trained ones where pruning or Lamarckian
// inheritance asks for them (and the evaluation trained any).
const connectome& inherited(const evolution_spec& ev, const individual& parent) {
    const bool want_trained = ev.pruning.enabled || ev.inherit == inherit_kind::trained;
    return want_trained && !parent.trained.projections.empty() ? parent.trained : parent.genome;
}

void evaluate(individual& x, fitness_evaluator& fitness, std::vector<lineage_entry>& lineage) {
    evaluation e = fitness.evaluate(x.genome, x.written_weights);
    x.fitness = e.fitness;
    x.evaluated = true;
    x.trained = e.has_trained ? std::move(e.trained) : connectome{};
    x.rewound = e.has_rewound ? std::move(e.rewound) : connectome{};
    lineage.push_back(lineage_record(x));
}

}  // namespace

lineage_entry lineage_record(const individual& x) {
    lineage_entry l;
    l.id = x.id;
    l.born = x.born;
    l.parent_a = x.parent_a;
    l.parent_b = x.parent_b;
    l.operators = x.operators;
    l.fitness = x.fitness;
    for (const auto& p : x.genome.projections) l.edges.push_back(p.size());
    return l;
}

std::size_t offspring_per_generation(const evolution_spec& ev) {
    return generational(ev.selection) ? ev.population - ev.elite : ev.offspring;
}

const individual& best_individual(const evolution_state& state) {
    if (state.population.empty()) throw input_error({}, "the evolution state holds no individuals");
    return state.population[rank_by_fitness(state.population).front()];
}

std::vector<std::size_t> rank_by_fitness(const std::vector<individual>& population) {
    std::vector<std::size_t> order(population.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const double fa = population[a].fitness, fb = population[b].fitness;
        // NaN ranks last; then lower fitness, then lower id.
        if (std::isnan(fa) != std::isnan(fb)) return std::isnan(fb);
        if (fa != fb && !std::isnan(fa)) return fa < fb;
        return population[a].id < population[b].id;
    });
    return order;
}

std::size_t select_parent(const evolution_spec& ev, const std::vector<individual>& ranked, counter_rng& rng) {
    const std::size_t n = ranked.size();
    switch (ev.selection) {
        case selection_kind::truncation: {
            const auto pool = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(ev.truncation * double(n))));
            return rng.below(std::min(pool, n));
        }
        case selection_kind::tournament: {
            // Ranked best first: the winner of a tournament is its smallest index.
            std::size_t best = n;
            for (std::uint32_t k = 0; k < ev.tournament; ++k) best = std::min<std::size_t>(best, rng.below(n));
            return best;
        }
        case selection_kind::plus:
        case selection_kind::comma: return rng.below(n);
    }
    return 0;
}

void mutate(const mutation_spec& m, connectome& genome, counter_rng& rng, std::string& log) {
    auto apply = [&](const char* name, double expected, auto edit) {
        const std::uint64_t n = draw_count(expected, rng);
        std::uint64_t made = 0;
        for (std::uint64_t i = 0; i < n; ++i) made += edit() ? 1 : 0;
        if (made) log += (log.empty() ? "" : "; ") + std::string(name) + " " + std::to_string(made);
    };
    auto on_edges = [&](auto op) {
        return [&genome, &rng, op]() {
            const std::size_t q = pick_projection(genome, rng, false);
            return q < genome.projections.size() && op(genome.projections[q], rng);
        };
    };
    apply("add", m.add, [&]() {
        const std::size_t q = pick_projection(genome, rng, true);
        if (q >= genome.projections.size()) return false;
        edge_set& e = genome.projections[q];
        // A new edge copies the weight of an existing one of its projection (keeps the scale
        // and sign mix of the projection).
        const float w = e.size() ? e.weight[rng.below(e.size())] : 0.0f;
        return add_random_edge(e, rng, w);
    });
    apply("remove", m.remove, on_edges([](edge_set& e, counter_rng& r) { return remove_random_edge(e, r); }));
    apply("rewire_target", m.rewire_target, on_edges([](edge_set& e, counter_rng& r) { return rewire_random_target(e, r); }));
    apply("rewire_source", m.rewire_source, on_edges([](edge_set& e, counter_rng& r) { return rewire_random_source(e, r); }));
    apply("flip", m.flip, on_edges([](edge_set& e, counter_rng& r) { return flip_random_sign(e, r); }));
    if (m.perturb > 0.0) {
        edge_index n = 0;
        for (auto& e : genome.projections) n += perturb_weights(e, rng, m.perturb_sigma, m.perturb);
        if (n) log += (log.empty() ? "" : "; ") + std::string("perturb ") + std::to_string(n);
    }
}

individual make_offspring(const evolution_spec& ev, const std::vector<individual>& ranked, std::uint32_t generation,
                          std::uint32_t index, std::uint64_t id) {
    counter_rng rng(ev.seed, stream_purpose::evolution, generation, index);
    const individual& a = ranked[select_parent(ev, ranked, rng)];
    individual child;
    child.id = id;
    child.born = generation;
    child.parent_a = static_cast<std::int64_t>(a.id);
    std::string log;
    if (ev.crossover > 0.0 && rng.uniform() < ev.crossover) {
        const individual& b = ranked[select_parent(ev, ranked, rng)];
        child.parent_b = static_cast<std::int64_t>(b.id);
        child.genome = crossover(inherited(ev, a), inherited(ev, b), rng);
        child.written_weights = a.written_weights && b.written_weights;
        log = "crossover";
    } else {
        child.genome = inherited(ev, a);
        child.written_weights = a.written_weights;
    }
    if (ev.inherit == inherit_kind::trained && !a.trained.projections.empty()) child.written_weights = true;
    if (ev.pruning.enabled) {
        const pruning_spec& p = ev.pruning;
        prune_smallest(child.genome, p.fraction, p.scope);
        log += (log.empty() ? "" : "; ") + std::string("prune ") + percent(p.fraction);
        switch (p.reset) {
            case prune_reset_kind::sign:
                reset_to_sign(child.genome, static_cast<float>(p.magnitude));
                log += " reset sign";
                break;
            case prune_reset_kind::rewind:
                if (!a.rewound.projections.empty()) rewind_weights(child.genome, a.rewound);
                log += " rewind " + std::to_string(p.rewind_step);
                break;
            case prune_reset_kind::keep: log += " keep"; break;
        }
        child.written_weights = true;
    }
    mutate(ev.mutation, child.genome, rng, log);
    child.operators = log.empty() ? "copy" : log;
    return child;
}

evolution_state initial_state(const evolution_spec& ev, const connectome& seed, bool written_weights) {
    evolution_state s;
    s.population.resize(ev.population);
    for (std::uint32_t i = 0; i < ev.population; ++i) {
        individual& x = s.population[i];
        x.id = i;
        x.genome = seed;
        x.written_weights = written_weights;
        x.operators = "seed";
        if (i > 0) {
            counter_rng rng(ev.seed, stream_purpose::evolution, 0, i);
            std::string log;
            mutate(ev.mutation, x.genome, rng, log);
            x.parent_a = 0;
            x.operators = log.empty() ? "copy" : log;
        }
    }
    s.next_id = ev.population;
    return s;
}

bool run_evolution(const evolution_spec& ev, evolution_state& state, fitness_evaluator& fitness,
                   const evolution_observer& observer) {
    evolution_progress progress;
    auto evaluate_all = [&](std::vector<individual>& xs, std::uint32_t generation) {
        progress.generation = generation;
        progress.done = 0;
        progress.total = 0;
        for (const auto& x : xs) progress.total += x.evaluated ? 0 : 1;
        for (auto& x : xs) {
            if (x.evaluated) continue;
            if (observer.should_stop && observer.should_stop()) return false;
            evaluate(x, fitness, state.lineage);
            ++progress.done;
            ++progress.evaluations;
            if (observer.on_evaluation) observer.on_evaluation(progress);
        }
        return true;
    };
    if (std::any_of(state.population.begin(), state.population.end(), [](const individual& x) { return !x.evaluated; })) {
        if (!evaluate_all(state.population, state.generation)) return false;
        if (observer.on_generation) observer.on_generation(state);
    }
    while (state.generation < ev.generations) {
        const std::uint32_t next = state.generation + 1;
        std::vector<individual> ranked;
        for (std::size_t i : rank_by_fitness(state.population)) ranked.push_back(state.population[i]);
        const std::size_t n_offspring = offspring_per_generation(ev);
        std::vector<individual> candidates(n_offspring);
        tbb::parallel_for(std::size_t{0}, n_offspring, [&](std::size_t i) {
            candidates[i] = make_offspring(ev, ranked, next, static_cast<std::uint32_t>(i), state.next_id + i);
        });
        const std::uint64_t next_id = state.next_id + n_offspring;
        // The state stays the last completed generation until the survivors are chosen; an
        // interrupted generation leaves no trace in it.
        const std::size_t lineage_size = state.lineage.size();
        if (!evaluate_all(candidates, next)) {
            state.lineage.resize(lineage_size);
            return false;
        }
        if (generational(ev.selection))
            candidates.insert(candidates.begin(), ranked.begin(), ranked.begin() + ev.elite);
        else if (ev.selection == selection_kind::plus)
            candidates.insert(candidates.begin(), ranked.begin(), ranked.end());
        std::vector<individual> survivors;
        const std::vector<std::size_t> order = rank_by_fitness(candidates);
        for (std::size_t k = 0; k < ev.population && k < order.size(); ++k) survivors.push_back(std::move(candidates[order[k]]));
        state.population = std::move(survivors);
        state.generation = next;
        state.next_id = next_id;
        if (observer.on_generation) observer.on_generation(state);
    }
    return true;
}

}  // namespace synaptogen
