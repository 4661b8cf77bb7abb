#pragma once
// The generational loop (docs/evolution.md): evaluate, select, vary, over genomes that are
// connectomes of one network. A generation makes its offspring from the ranked population
// (oneTBB, one task per offspring: variation is independent per child), evaluates them one
// at a time with all threads given to the evaluator's Kokkos kernels, and keeps the
// survivors. Every random draw is keyed by (seed, generation, offspring index), so a run
// resumed from any generation's state reaches the same genomes and fitness.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <synaptogen/evolution/fitness.hpp>
#include <synaptogen/graph/random.hpp>
#include <synaptogen/models/evolution.hpp>

namespace synaptogen {

struct evolution_progress {
    std::uint32_t generation = 0;       // being evaluated
    std::size_t done = 0, total = 0;    // evaluations of this generation
    std::uint64_t evaluations = 0;      // of this process so far
};

struct evolution_observer {
    // After every generation's survivors are chosen (generation 0: the evaluated seed
    // population): the place to checkpoint.
    std::function<void(const evolution_state&)> on_generation;
    std::function<void(const evolution_progress&)> on_evaluation;  // after each evaluation
    std::function<bool()> should_stop;  // polled between evaluations; true: return early
};

// The network's own connectome (drawn by its rules; an [lm] null applied), the genome an
// evolution starts from, and whether its weights are initial weights (a language model's
// are unless its init is "written").
std::pair<connectome, bool> seed_genome(const network_spec& spec);

// Generation 0, not yet evaluated: the seed genome (id 0) and population - 1 mutants of it
// (the [evolution.mutation] edits; copies where there are none).
evolution_state initial_state(const evolution_spec& ev, const connectome& seed, bool written_weights);

// Runs from `state` (a fresh initial_state or a resumed checkpoint) to ev.generations.
// Returns false if should_stop ended it early (the state is the last completed generation).
// spread_over_ranks: under mpirun, rank r evaluates every size-th individual of a
// generation and the ranks then share their results, so every rank holds the state a
// single process reaches (fitness is a function of the genome); a stop on one rank stops all.
bool run_evolution(const evolution_spec& ev, evolution_state& state, fitness_evaluator& fitness,
                   const evolution_observer& observer = {}, bool spread_over_ranks = false);

// --- the parts, for tests and other loops -------------------------------------------------

// The lineage record of an individual (its fitness as it stands).
lineage_entry lineage_record(const individual& x);

// Offspring made (and evaluated) per generation: population - elite for truncation and
// tournament, `offspring` for plus and comma.
std::size_t offspring_per_generation(const evolution_spec& ev);

// The best of a state's population; throws input_error if it holds none.
const individual& best_individual(const evolution_state& state);

// Indices of the population best first: by fitness, then by id (a total order).
std::vector<std::size_t> rank_by_fitness(const std::vector<individual>& population);

// One parent index for selection `ev.selection` from a population ranked best first.
std::size_t select_parent(const evolution_spec& ev, const std::vector<individual>& ranked, counter_rng& rng);

// Applies the mutation operators to a genome; appends what it did to `log` ("add 2; flip 1").
void mutate(const mutation_spec& m, connectome& genome, counter_rng& rng, std::string& log);

// Offspring `index` of generation `generation` from a population ranked best first: parent
// selection, crossover, pruning with its reset, mutation. Not evaluated.
individual make_offspring(const evolution_spec& ev, const std::vector<individual>& ranked, std::uint32_t generation,
                          std::uint32_t index, std::uint64_t id);

}  // namespace synaptogen
