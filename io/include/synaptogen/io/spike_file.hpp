#pragma once
// Spikes in the SONATA spike layout: /spikes/<population>/{timestamps [ms], node_ids}
// with node ids local to the population and `sorting` = by_time on the population group.
// The file is written as <path>.part and renamed to <path> only by commit(), so a run
// that fails never leaves a file that looks complete.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <hdf5.h>

#include <synaptogen/graph/ids.hpp>
#include <synaptogen/graph/population.hpp>

namespace synaptogen {

class spike_file_writer {
public:
    // record[p]: whether population p gets a group. dt converts steps to ms: a spike in
    // step s is stamped (s + 1) * dt, the end of the step.
    spike_file_writer(std::string path, const population_layout& layout, const std::vector<bool>& record, double dt);
    // Continues the spikes that save_to() put into group `name` of the open file `from`
    // (a checkpoint): the new file starts with them.
    spike_file_writer(std::string path, const population_layout& layout, const std::vector<bool>& record, double dt,
                      hid_t from, const std::string& name);
    // Copies the spikes written so far into `to` (an open HDF5 file) as group `name`.
    void save_to(hid_t to, const std::string& name);
    ~spike_file_writer();
    // Spikes in time order (global ids).
    void append(const std::vector<step_t>& steps, const std::vector<neuron_id>& neurons);
    void commit();
    std::uint64_t written() const { return written_; }

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    std::uint64_t written_ = 0;
};

// Spikes of one population as read back from a SONATA spike file.
struct population_spikes {
    std::vector<double> timestamps;
    std::vector<std::uint64_t> node_ids;
    std::string sorting;
};
std::map<std::string, population_spikes> read_spike_file(const std::string& path);
// The same from an open /spikes-like group (one subgroup per population), e.g. a checkpoint's copy.
std::map<std::string, population_spikes> read_spike_groups(hid_t spikes);

}  // namespace synaptogen
