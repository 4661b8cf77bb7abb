#pragma once
// Evolution checkpoints (docs/evolution.md): the state after a completed generation, in one
// HDF5 file written as <path>.part and renamed (a kill at any moment leaves the previous
// generation's file intact). Layout:
//   /evolution                      attributes format, config_file, config_hash, seed,
//                                   generation, next_id, fitness (what it measures)
//   /evolution/population/<i>/      attributes id, born, parent_a, parent_b (-1: none as
//                                   int64 datasets), written_weights; string operators;
//                                   dataset fitness; genome/ (connectome_h5.hpp), and
//                                   trained/, rewound/ where the evaluation gave them
//   /evolution/lineage/             id, born, parent_a, parent_b, fitness, edges
//                                   (rows x projections), operators (one string per line)
#include <cstdint>
#include <string>

#include <synaptogen/models/evolution.hpp>

namespace synaptogen {

struct evolution_checkpoint {
    std::string config_file;        // absolute path of the evolution's description
    std::uint64_t config_hash = 0;  // description_hash of its text (includes too)
    std::uint64_t seed = 0;
    std::string fitness;            // what fitness measures (the evaluator's description)
    evolution_state state;
};

void write_evolution_checkpoint(const std::string& path, const evolution_checkpoint& c);
// Throws input_error naming `path` if it is missing or not an evolution checkpoint.
evolution_checkpoint read_evolution_checkpoint(const std::string& path);
bool is_evolution_checkpoint(const std::string& path);

}  // namespace synaptogen
