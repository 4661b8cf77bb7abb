#pragma once
// Language-model checkpoints (docs/language.md): the trained graph (each projection's
// edges), every parameter with Adam's moments, the step and the data position, in one
// HDF5 file written as <path>.part and renamed, so a kill mid-write leaves the previous
// checkpoint intact. Layout:
//   /lm                     attributes format, config_file, config_hash, step, tokens, seed
//   /lm/parameters, adam_m, adam_v    float, edge weights (connectome order) then biases
//   /lm/carried, lane_position        stream encoding: hidden state and lane positions
//   /lm/graph/<q>/row_map, target     projection q, CSR by source over local ids
// The network description is referred to by path and checked by the hash of its text.
#include <cstdint>
#include <string>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/models/language.hpp>
#include <synaptogen/models/network_spec.hpp>

namespace synaptogen {

struct lm_checkpoint {
    std::string config_file;        // the description trained (absolute path)
    std::uint64_t config_hash = 0;  // description_hash of its text (includes too)
    std::uint64_t seed = 0;
    connectome graph;               // edges and trained weights
    lm_state state;
};

void write_lm_checkpoint(const std::string& path, const lm_checkpoint& c);
// Throws input_error naming `path` if it is missing or not a language-model checkpoint.
lm_checkpoint read_lm_checkpoint(const std::string& path);
bool is_lm_checkpoint(const std::string& path);

// The network a checkpoint was trained from, with each projection replaced by its trained
// edges (explicit edges with their weights): what inspect and export work on. Throws
// input_error if the description is gone or its text changed since the checkpoint.
network_spec lm_checkpoint_network(const lm_checkpoint& c, const std::string& checkpoint_path);
// Loads and checks the description of a checkpoint (the same errors).
network_spec lm_checkpoint_description(const lm_checkpoint& c, const std::string& checkpoint_path);

}  // namespace synaptogen
