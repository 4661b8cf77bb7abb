#pragma once
// The language-model frontend (docs/language.md): which population of a network receives
// byte tokens and how, which one gives next-byte logits, how hidden rate units respond,
// and how the inner (lifetime) loop trains the edge weights and biases. Plain values; the
// parser fills them from an [lm] table, runtime/ trains them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/errors.hpp>

namespace synaptogen {

struct network_spec;

// How bytes reach the input population.
//   window: the K bytes before the predicted one, one-hot per slot: input neuron
//           k * 256 + byte is 1 for slot k (k = 0 the previous byte); K * 256 neurons.
//   stream: one byte per token into 256 one-hot neurons; hidden state carries the past,
//           trained by truncated backpropagation through time.
enum class token_encoding { window, stream };

enum class activation_kind { relu, tanh, sigmoid, identity };
const char* to_string(activation_kind a);

// Initial weights. uniform: U(-b, b) with b = 1/sqrt(fan_in), fan_in the number of source
// neurons a dense layer into the target population would have (PyTorch's nn.Linear);
// signed: the same magnitudes with the sign of each written weight (an imported
// connectome's transmitter signs); written: the weights exactly as the file gives them.
// Biases start at U(-b, b) except with `written` (zero).
enum class weight_init_kind { uniform, signed_uniform, written };

enum class lr_schedule_kind { linear, cosine, constant };

struct lm_training {
    std::string train_file;       // bytes to learn from (path as resolved by the parser)
    std::string validation_file;  // held-out bytes
    std::uint64_t tokens = 373000;     // predicted bytes to train on
    std::uint32_t batch = 64;          // sequences per step
    std::uint32_t unroll = 64;         // stream: tokens per truncated-BPTT window
    double learning_rate = 2e-3;
    double beta1 = 0.9, beta2 = 0.95, epsilon = 1e-8;
    double weight_decay = 0.0;         // decoupled (AdamW), on edge weights only
    double clip = 1.0;                 // global gradient-norm clip; 0 = none
    double warmup = 0.05;              // fraction of steps of linear warm-up
    lr_schedule_kind schedule = lr_schedule_kind::linear;  // after warm-up, down to 0
    std::uint64_t eval_every = 0;      // tokens between held-out evaluations (0: start and end only)
    std::uint64_t eval_bytes = 0;      // held-out bytes evaluated (0: the whole file)
    source_location origin;
};

struct lm_spec {
    std::size_t input = 0;   // population index receiving the tokens
    std::size_t output = 0;  // population index giving 256 logits
    token_encoding encoding = token_encoding::window;
    std::uint32_t context = 16;  // window: bytes of context (the input has context * 256 neurons)
    std::uint32_t ticks = 1;     // stream: network steps per byte (feedback needs one step per hop)
    // Activation per population (input: unused; output: identity): from a rate model
    // (rate_relu, rate_tanh, rate_sigmoid) or from `activation` in [lm] for other models.
    std::vector<activation_kind> activation;
    weight_init_kind init = weight_init_kind::uniform;
    // degree_preserving: before training, every projection given as explicit edges (an
    // imported connectome) is rewired by double-edge swaps, 10 per edge, keeping every
    // neuron's in- and out-degree per projection: the connectome's null model.
    bool degree_preserving_null = false;
    lm_training training;
    source_location origin;
};

// Everything that continues training bit for bit (what a checkpoint holds besides the
// graph): parameters are the edge weights in connectome order, then one bias per neuron of
// the non-input populations in population order.
struct lm_state {
    std::vector<float> parameters, adam_m, adam_v;
    std::uint64_t step = 0;            // optimiser steps taken
    std::uint64_t tokens = 0;          // predicted bytes trained on
    std::vector<float> carried;        // stream: hidden state, [unit][lane]
    std::vector<std::uint64_t> lane_position;  // stream: next predicted byte of each lane
};

// Bytes per token and the vocabulary: byte-level, no tokenizer.
inline constexpr std::uint32_t lm_vocabulary = 256;

// How the graph is evaluated, derived from the populations and projections:
//   order      the non-input populations in the order one step computes them (a
//              topological order of the projections that act within a step; output last)
//   recurrent  per projection: true if it reads its source from the previous step
//              (stream encoding: the projections inside a strongly connected group of
//              populations, self-projections included); false in the window encoding
//   fan_in     per population: source neurons of all projections into it
struct lm_plan {
    std::vector<std::size_t> order;
    std::vector<bool> recurrent;
    std::vector<std::uint64_t> fan_in;
};

// Checks the language model against its network and orders it. Throws input_error (the
// [lm] table's or the projection's line) for: sizes that do not fit the encoding, an
// output or input in the wrong role, a cycle in a window (feed-forward) model, a hidden
// population that nothing reaches from the input or that reaches no output.
lm_plan plan_language_model(const network_spec& spec, const lm_spec& lm);

}  // namespace synaptogen
