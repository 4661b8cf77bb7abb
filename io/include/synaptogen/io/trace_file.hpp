#pragma once
// Traces as a SONATA frame report: /report/<population>/data [frames x neurons],
// /report/<population>/mapping/{node_ids, index_pointers, element_ids, time}.
// Written as <path>.part and renamed by commit(), like spike files.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <hdf5.h>

#include <synaptogen/models/network_spec.hpp>

#include <synaptogen/graph/ids.hpp>

namespace synaptogen {

class trace_file_writer {
public:
    // node_ids are local to `population`; frames are taken every `every` steps of dt,
    // the first at t_start [ms].
    trace_file_writer(std::string path, const std::string& population, const std::vector<neuron_id>& node_ids,
                      double t_start, double dt, std::uint32_t every, const std::string& variable,
                      const std::string& units);
    // Continues a report that save_to() put into group `name` of the open file `from`.
    trace_file_writer(std::string path, hid_t from, const std::string& name);
    // Copies the report written so far into `to` (an open HDF5 file) as group `name`.
    void save_to(hid_t to, const std::string& name);
    ~trace_file_writer();
    void append(const std::vector<double>& rows);  // row-major, node_ids.size() columns
    void commit();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// The report of trace record `record` of `spec` (its population, neurons or the targets of
// its synapses, sampling, variable and unit), as `synaptogen run` writes it to `path`.
std::unique_ptr<trace_file_writer> open_trace_report(const network_spec& spec, std::size_t record, const std::string& path);


}  // namespace synaptogen
