#pragma once
// Checkpoint files: a simulation_state plus copies of the outputs recorded so far, in one
// HDF5 file written as <path>.part and renamed, so a crash mid-write leaves the previous
// checkpoint intact. Layout:
//   /state            datasets neuron_state, refractory, ring, plastic_weights, traces, trace_rows
//                     attributes step, spikes, events, fingerprint, slots, description_hash
//   /outputs/spikes   the spike file's /spikes group so far (if spikes are recorded)
//   /outputs/trace_<k>  report k's /report group so far
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <hdf5.h>

#include <synaptogen/models/network_spec.hpp>
#include <synaptogen/models/simulation_state.hpp>

namespace synaptogen {

// Writes the checkpoint; `save_outputs` is called with the open file to copy the outputs in.
void write_checkpoint(const std::string& path, const simulation_state& state, std::uint64_t description_hash,
                      const std::function<void(hid_t file)>& save_outputs);

// An open checkpoint: the state and the file, from which writers continue the outputs.
class checkpoint_reader {
public:
    explicit checkpoint_reader(const std::string& path);
    ~checkpoint_reader();
    const simulation_state& state() const { return state_; }
    std::uint64_t description_hash() const { return description_hash_; }
    hid_t file() const;
    bool has(const std::string& object) const;

private:
    simulation_state state_;
    std::uint64_t description_hash_ = 0;
    struct impl;
    std::unique_ptr<impl> impl_;
};

// A stable 64-bit hash (FNV-1a) of a description's text, to refuse resuming another network.
std::uint64_t description_hash(const std::string& text);

// The network description a checkpoint (`checkpoint_path`) refers to by path and text
// hash (language-model and evolution checkpoints): loaded, or one input_error if the file
// is gone or its text changed since the checkpoint was written.
network_spec load_checkpoint_description(const std::string& config_file, std::uint64_t config_hash,
                                         const std::string& checkpoint_path);

}  // namespace synaptogen
