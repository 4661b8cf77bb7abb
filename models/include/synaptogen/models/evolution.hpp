#pragma once
// An evolution run (docs/evolution.md): the outer, generational loop over connectomes of
// one network. Plain values; the parser fills them from an [evolution] table of a network
// file, evolution/ runs them. Fitness is always lower-is-better (bits per byte, an error).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/connectome_edit.hpp>
#include <synaptogen/graph/errors.hpp>
#include <synaptogen/graph/ids.hpp>

namespace synaptogen {

// How the next generation is made from the evaluated one (mu = population, lambda = offspring):
//   truncation  the `elite` best survive unchanged; the other mu - elite are offspring of
//               parents drawn uniformly from the best `truncation` fraction
//   tournament  the same, parents drawn by tournaments of `tournament` individuals
//   plus        (mu + lambda): lambda offspring of uniformly drawn parents; the best mu of
//               parents and offspring together survive
//   comma       (mu, lambda): the best mu of the lambda offspring survive (lambda >= mu)
enum class selection_kind { truncation, tournament, plus, comma };

// What an evaluation measures:
//   language  held-out bits per byte after an inner training budget ([lm] network)
//   rates     relative RMS error of population firing rates against targets
//   response  a behavioural preference: minus (mean depolarisation of `prefer` cells -
//             that of `avoid` cells) in a stimulus window against a baseline window [mV]
enum class fitness_kind { language, rates, response };

// The weights an offspring inherits where pruning does not reset them.
//   genome   the parent's genome weights (what it was born with; Darwinian)
//   trained  the parent's weights after its inner training (Lamarckian)
enum class inherit_kind { genome, trained };

// After pruning, survivors are reset: sign(w) * magnitude (the paper), the weights they had
// at training step `rewind_step` (lottery-ticket rewinding), or kept as trained.
enum class prune_reset_kind { sign, rewind, keep };

struct pruning_spec {
    bool enabled = false;
    double fraction = 0.2;  // of the surviving edges, per projection (or of all, scope global)
    prune_scope scope = prune_scope::projection;
    prune_reset_kind reset = prune_reset_kind::sign;
    double magnitude = 0.02;
    std::uint64_t rewind_step = 0;
    source_location origin;
};

// Mutation operators applied to each offspring: an expected number of each edit (the
// integer part always, the fraction as a probability), on a projection drawn in proportion
// to its edges (adds: to its free pairs). perturb: the fraction of edges whose weight is
// multiplied by exp(perturb_sigma * N(0, 1)).
struct mutation_spec {
    double add = 0.0, remove = 0.0, rewire_target = 0.0, rewire_source = 0.0, flip = 0.0;
    double perturb = 0.0, perturb_sigma = 0.1;
    source_location origin;
};

struct rate_target {
    std::size_t population = 0;
    double rate_hz = 0.0;
};

struct fitness_spec {
    fitness_kind kind = fitness_kind::language;
    // language: training tokens per evaluation (0: [lm.training] tokens) and held-out bytes
    // (0: [lm.training] eval_bytes, then the whole validation file)
    std::uint64_t tokens = 0, eval_bytes = 0;
    // rates and response: simulated time per evaluation (0: [simulation] duration)
    double duration_ms = 0.0;
    std::vector<rate_target> rates;
    // response
    std::size_t response_population = 0;
    std::vector<neuron_id> prefer, avoid;  // local ids in response_population
    double window_start = 0.0, window_stop = 0.0, baseline_start = 0.0, baseline_stop = 0.0;  // [ms]
    source_location origin;
};

struct evolution_spec {
    std::uint32_t generations = 10;
    std::uint32_t population = 8;  // mu
    std::uint32_t offspring = 0;   // lambda (plus, comma); 0: = population
    selection_kind selection = selection_kind::truncation;
    double truncation = 0.5;
    std::uint32_t tournament = 3;
    std::uint32_t elite = 1;
    double crossover = 0.0;  // probability that an offspring has two parents
    inherit_kind inherit = inherit_kind::genome;
    mutation_spec mutation;
    pruning_spec pruning;
    fitness_spec fitness;
    std::uint64_t seed = 0;  // 0: [simulation] seed
    source_location origin;
};

// One genome of a run and what its evaluation gave. `trained` (language fitness) has the
// genome's edges with the weights after inner training; `rewound` the weights at
// pruning.rewind_step. Both are kept only while the individual is in the population.
struct individual {
    std::uint64_t id = 0;
    std::uint32_t born = 0;  // generation
    std::int64_t parent_a = -1, parent_b = -1;
    std::string operators;   // how it was made from its parents, e.g. "prune 20% reset sign"
    connectome genome;
    bool written_weights = false;  // its weights are its initial weights (else the [lm] init draws them)
    bool evaluated = false;
    double fitness = 0.0;
    connectome trained, rewound;
};

// Every individual ever evaluated, in id order: the lineage a report draws.
struct lineage_entry {
    std::uint64_t id = 0;
    std::uint32_t born = 0;
    std::int64_t parent_a = -1, parent_b = -1;
    std::string operators;
    double fitness = 0.0;
    std::vector<edge_index> edges;  // per projection
};

// Everything a run needs to continue bit for bit: the evaluated population of generation
// `generation` and the history. Random draws are keyed by (seed, generation, offspring), so
// no generator state is carried.
struct evolution_state {
    std::uint32_t generation = 0;
    std::uint64_t next_id = 0;
    std::vector<individual> population;
    std::vector<lineage_entry> lineage;
};

const char* to_string(selection_kind k);
const char* to_string(fitness_kind k);

}  // namespace synaptogen
