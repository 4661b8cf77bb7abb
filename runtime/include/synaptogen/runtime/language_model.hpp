#pragma once
// A byte-level language model that is a graph (docs/language.md): every trainable
// parameter is an edge weight of the connectome or a bias of a non-input neuron. Forward
// and backward passes are Kokkos kernels over each projection's edges, so their cost is
// proportional to the edges; removing an edge removes its work.
//
// Determinism: every value is computed by one thread in a fixed order (no atomics; sums
// over lanes in fixed lane blocks), so a seed gives the same bits on any thread count.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/models/language.hpp>
#include <synaptogen/models/network_spec.hpp>

namespace synaptogen {

struct lm_options {
    std::string backend;  // "serial", "openmp", ...; empty: the first available
};

// Applies lm.degree_preserving_null to a connectome built from spec; returns the swaps made.
std::uint64_t apply_language_null(const network_spec& spec, const lm_spec& lm, connectome& c);

// The bytes of a file; throws input_error (naming `field`) if it is missing or empty.
std::vector<std::uint8_t> read_corpus(const std::string& path, const source_location& field);

// [lm.training]'s train and validation texts (errors name lm.training.train or .validation),
// and a window context shorter than the training text (else input_error at lm.context).
struct training_corpora {
    std::vector<std::uint8_t> train, validation;
};
training_corpora read_training_corpora(const lm_spec& lm);

class language_model {
public:
    // Builds the trainable graph from the network (its populations and roles) and a
    // connectome over it (edges and written weights). Parameters are initialised from
    // spec.simulation.seed as lm.init says.
    language_model(const network_spec& spec, const lm_spec& lm, connectome graph, const lm_options& options = {});
    ~language_model();
    language_model(const language_model&) = delete;
    language_model& operator=(const language_model&) = delete;

    const lm_spec& spec() const;
    const lm_plan& plan() const;
    std::uint64_t parameter_count() const;
    std::uint64_t weight_count() const;   // edges
    std::string backend() const;

    // The graph with its current (trained) weights; biases per non-input neuron.
    connectome trained_graph() const;
    std::vector<float> biases() const;

    std::uint64_t step() const;  // optimiser steps taken (without copying the state off the device)
    lm_state state() const;
    void restore(const lm_state& s);  // throws input_error if the sizes do not match

    // One optimiser step on the training text: the next batch of the reference data order
    // (window: a shuffled epoch of positions; stream: `batch` contiguous lanes, `unroll`
    // tokens each). Returns the mean training loss in bits per byte.
    double train_step(const std::vector<std::uint8_t>& text);
    // Learning rate of step `step` of `total` (warm-up, then the schedule).
    double learning_rate(std::uint64_t step, std::uint64_t total_steps) const;
    std::uint64_t total_steps() const;      // steps in the token budget
    std::uint64_t tokens_per_step() const;  // predicted bytes per step

    // Mean held-out cross-entropy in bits per byte over the first `bytes` bytes of text
    // (0: all of it): every byte predicted once (its context: the bytes before it).
    double evaluate(const std::vector<std::uint8_t>& text, std::uint64_t bytes = 0);

    // Continues `prompt` by `n` bytes sampled at `temperature` (0: the most likely byte).
    std::string generate(const std::string& prompt, std::uint64_t n, double temperature, std::uint64_t seed);

    // Mean loss [nats] over explicit samples and the gradient of every parameter (tests):
    // window: sample i predicts text[position[i]]; stream: one lane from position[0] for
    // `tokens` tokens from zero state.
    double loss_and_gradient(const std::vector<std::uint8_t>& text, const std::vector<std::uint64_t>& position,
                             std::uint64_t tokens, std::vector<float>* gradient);
    void set_parameters(const std::vector<float>& p);
    std::vector<float> parameters() const;

    // Edge visits of the last forward+backward pass (forward, input-gradient, backward and
    // weight-gradient kernels together): proportional to the edges of the graph.
    std::uint64_t edge_visits() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace synaptogen
