#pragma once
// What an evolution run selects for (docs/evolution.md). A fitness evaluator turns a genome
// (a connectome of the run's network) into one number, lower is better, and may hand back
// the weights its inner loop trained. Evaluations must be deterministic functions of the
// genome: that is what makes a resumed run equal an uninterrupted one.
//
// New evaluators implement fitness_evaluator and are passed to evolution_run (see
// docs/evolution.md "Writing an evaluator" for a complete example).
#include <memory>
#include <string>
#include <vector>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/models/evolution.hpp>
#include <synaptogen/models/network_spec.hpp>

namespace synaptogen {

struct evaluation {
    double fitness = 0.0;
    // Language: the genome's edges with their weights after training, and at the rewind step.
    bool has_trained = false, has_rewound = false;
    connectome trained, rewound;
};

class fitness_evaluator {
public:
    virtual ~fitness_evaluator() = default;
    // What the number means, for progress lines and reports ("held-out bits per byte").
    virtual std::string describe() const = 0;
    // written_weights: the genome's weights are its initial weights (inherited); otherwise
    // the network's own rule draws them (the [lm] init for a language model).
    virtual evaluation evaluate(const connectome& genome, bool written_weights) = 0;
};

struct evaluator_options {
    std::string backend;  // Kokkos backend for the inner loop; empty: the best available
};

// The evaluator [evolution.fitness] describes: language, rates or response. Reads corpora
// once here (throws input_error for a missing one).
std::unique_ptr<fitness_evaluator> make_fitness_evaluator(const network_spec& spec, const evaluator_options& options = {});

// The language evaluator with an explicit budget, outside an [evolution] table: what
// `evolve compare` and the experiment's inner loop use. Held-out bits per byte after
// training `tokens` tokens (0: the [lm.training] budget) on `train_file` (empty: the [lm]
// one), evaluated on the first `eval_bytes` of the validation file; `checkpoints` are
// fractions of the budget at which held-out bits per byte are also measured.
struct language_curve {
    std::vector<double> fraction, tokens, bits_per_byte;
};
language_curve train_language_curve(const network_spec& spec, const connectome& genome, bool written_weights,
                                    const std::string& train_file, std::uint64_t tokens, std::uint64_t eval_bytes,
                                    const std::vector<double>& checkpoints, const evaluator_options& options = {});

}  // namespace synaptogen
