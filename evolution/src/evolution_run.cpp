#include <synaptogen/evolution/evolution_run.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include <cstring>

#include <tbb/parallel_for.h>

#include <synaptogen/runtime/language_model.hpp>
#include <synaptogen/runtime/ranks.hpp>

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

// Evaluations travel between ranks as bytes: the fitness and the trained and rewound
// connectomes (the genome itself every rank made alike).
struct byte_writer {
    std::vector<char>& out;
    template <class T>
    void put(const T& x) {
        const char* p = reinterpret_cast<const char*>(&x);
        out.insert(out.end(), p, p + sizeof(T));
    }
    template <class T>
    void put(const std::vector<T>& v) {
        put<std::uint64_t>(v.size());
        const char* p = reinterpret_cast<const char*>(v.data());
        out.insert(out.end(), p, p + v.size() * sizeof(T));
    }
    void put(const connectome& c) {
        put<std::uint64_t>(c.projections.size());
        for (const edge_set& e : c.projections) {
            put<std::uint64_t>(e.source_population);
            put<std::uint64_t>(e.target_population);
            put(e.n_sources);
            put(e.n_targets);
            put(e.row_map);
            put(e.target);
            put(e.weight);
            put<std::uint8_t>(e.allow_autapses);
            put<std::uint8_t>(e.allow_multapses);
        }
    }
};

struct byte_reader {
    const char* at;
    template <class T>
    T get() {
        T x;
        std::memcpy(&x, at, sizeof(T));
        at += sizeof(T);
        return x;
    }
    template <class T>
    void get(std::vector<T>& v) {
        v.resize(get<std::uint64_t>());
        std::memcpy(v.data(), at, v.size() * sizeof(T));
        at += v.size() * sizeof(T);
    }
    void get(connectome& c) {
        c.projections.resize(get<std::uint64_t>());
        for (edge_set& e : c.projections) {
            e.source_population = get<std::uint64_t>();
            e.target_population = get<std::uint64_t>();
            e.n_sources = get<neuron_id>();
            e.n_targets = get<neuron_id>();
            get(e.row_map);
            get(e.target);
            get(e.weight);
            e.allow_autapses = get<std::uint8_t>();
            e.allow_multapses = get<std::uint8_t>();
        }
    }
};

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

std::pair<connectome, bool> seed_genome(const network_spec& spec) {
    connectome c = build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
    if (spec.language) {
        apply_language_null(spec, *spec.language, c);
        return {std::move(c), spec.language->init == weight_init_kind::written};
    }
    return {std::move(c), true};
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
                   const evolution_observer& observer, bool spread_over_ranks) {
    evolution_progress progress;
    const ranks& world = ranks::world();
    // Rank r evaluates individuals r, r + size, ... of those waiting; then every rank takes
    // every result, and the lineage grows in the order one process would have evaluated.
    auto evaluate_spread = [&](std::vector<individual>& xs, std::uint32_t generation) {
        std::vector<std::size_t> waiting;
        for (std::size_t i = 0; i < xs.size(); ++i)
            if (!xs[i].evaluated) waiting.push_back(i);
        progress.generation = generation;
        progress.done = 0;
        progress.total = waiting.size();
        std::vector<char> mine;
        byte_writer w{mine};
        bool stop = false;
        w.put<std::uint8_t>(0);  // the stop flag, set below
        for (std::size_t j = world.rank(); j < waiting.size(); j += world.size()) {
            if (observer.should_stop && observer.should_stop()) {
                stop = true;
                break;
            }
            const individual& x = xs[waiting[j]];
            evaluation e = fitness.evaluate(x.genome, x.written_weights);
            w.put<std::uint64_t>(j);
            w.put(e.fitness);
            w.put<std::uint8_t>(e.has_trained);
            w.put<std::uint8_t>(e.has_rewound);
            if (e.has_trained) w.put(e.trained);
            if (e.has_rewound) w.put(e.rewound);
            ++progress.done;
            ++progress.evaluations;
            if (observer.on_evaluation) observer.on_evaluation(progress);
        }
        mine[0] = stop ? 1 : 0;
        std::vector<int> sizes;
        const std::vector<char> all = world.all_gather(mine, &sizes);
        bool any_stop = false;
        std::size_t received = 0;
        for (std::size_t r = 0, base = 0; r < sizes.size(); base += sizes[r], ++r) {
            byte_reader in{all.data() + base};
            any_stop = in.get<std::uint8_t>() != 0 || any_stop;
            while (in.at < all.data() + base + sizes[r]) {
                individual& x = xs[waiting[in.get<std::uint64_t>()]];
                x.fitness = in.get<double>();
                const bool trained = in.get<std::uint8_t>(), rewound = in.get<std::uint8_t>();
                x.trained = connectome{};
                x.rewound = connectome{};
                if (trained) in.get(x.trained);
                if (rewound) in.get(x.rewound);
                x.evaluated = true;
                ++received;
            }
        }
        if (any_stop) {  // as one process stopped between evaluations: nothing of this round counts
            for (std::size_t i : waiting) xs[i].evaluated = false;
            return false;
        }
        if (received != waiting.size()) throw internal_error("evaluations lost between ranks");
        for (std::size_t i : waiting) state.lineage.push_back(lineage_record(xs[i]));
        return true;
    };
    auto evaluate_all = [&](std::vector<individual>& xs, std::uint32_t generation) {
        if (spread_over_ranks && world.distributed()) return evaluate_spread(xs, generation);
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
