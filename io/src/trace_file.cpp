#include <synaptogen/io/trace_file.hpp>

#include <filesystem>
#include <stdexcept>

#include <synaptogen/io/hdf5_file.hpp>

namespace synaptogen {

struct trace_file_writer::impl {
    std::string path, part, population;
    h5::handle file, group;
    h5::extendible_dataset data;
    std::size_t columns = 0;
    double t_start = 0.0, frame_dt = 0.0;
    bool committed = false;
};

trace_file_writer::trace_file_writer(std::string path, const std::string& population,
                                     const std::vector<neuron_id>& node_ids, double t_start, double dt,
                                     std::uint32_t every, const std::string& variable, const std::string& units)
    : impl_(std::make_unique<impl>()) {
    impl_->path = path;
    impl_->part = path + ".part";
    impl_->columns = node_ids.size();
    impl_->t_start = t_start;
    impl_->frame_dt = dt * every;
    impl_->population = population;
    std::filesystem::remove(path);
    impl_->file = h5::create_file(impl_->part);
    impl_->group = h5::create_group(impl_->file.get(), "report/" + population);
    impl_->data = h5::extendible_dataset(impl_->group.get(), "data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, node_ids.size(),
                                         std::max<std::size_t>(1, std::min<std::size_t>(1024, (1 << 18) / std::max<std::size_t>(1, node_ids.size()))));
    h5::write_string_attribute(impl_->data.id(), "units", units);
    h5::write_string_attribute(impl_->data.id(), "variable_name", variable);
    h5::handle mapping = h5::create_group(impl_->group.get(), "mapping");
    std::vector<std::uint64_t> ids(node_ids.begin(), node_ids.end()), pointers(node_ids.size() + 1);
    std::vector<std::uint32_t> elements(node_ids.size(), 0);
    for (std::size_t i = 0; i < pointers.size(); ++i) pointers[i] = i;  // one element (the soma) per node
    h5::write_vector(mapping.get(), "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, ids.data(), ids.size());
    h5::write_vector(mapping.get(), "index_pointers", H5T_STD_U64LE, H5T_NATIVE_UINT64, pointers.data(), pointers.size());
    h5::write_vector(mapping.get(), "element_ids", H5T_STD_U32LE, H5T_NATIVE_UINT32, elements.data(), elements.size());
}

trace_file_writer::trace_file_writer(std::string path, hid_t from, const std::string& name)
    : impl_(std::make_unique<impl>()) {
    impl_->path = path;
    impl_->part = path + ".part";
    std::filesystem::remove(path);
    impl_->file = h5::create_file(impl_->part);
    h5::copy_object(from, name, impl_->file.get(), "report");
    h5::handle report = h5::open_group(impl_->file.get(), "report");
    const auto populations = h5::child_names(report.get());
    if (populations.size() != 1) throw std::runtime_error("a checkpointed report must hold one population");
    impl_->population = populations[0];
    impl_->group = h5::open_group(report.get(), impl_->population);
    impl_->data = h5::extendible_dataset::open(impl_->group.get(), "data", H5T_NATIVE_DOUBLE);
    impl_->columns = impl_->data.columns();
    const std::vector<double> frame = h5::read_doubles(impl_->group.get(), "frame_timing");
    impl_->t_start = frame.at(0);
    impl_->frame_dt = frame.at(1);
    H5Ldelete(impl_->group.get(), "frame_timing", H5P_DEFAULT);
}

void trace_file_writer::save_to(hid_t to, const std::string& name) {
    H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL);
    h5::copy_object(impl_->file.get(), "report", to, name);
    // The frame timing is written at commit; a checkpoint keeps it beside the data.
    h5::handle g = h5::open_group(to, name + "/" + impl_->population);
    const double frame[2] = {impl_->t_start, impl_->frame_dt};
    h5::write_vector(g.get(), "frame_timing", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, frame, 2);
}

trace_file_writer::~trace_file_writer() {
    if (!impl_->committed) {
        impl_->data = h5::extendible_dataset();
        impl_->group = h5::handle();
        impl_->file = h5::handle();
        std::error_code ec;
        std::filesystem::remove(impl_->part, ec);
    }
}

void trace_file_writer::append(const std::vector<double>& rows) {
    if (impl_->columns == 0) return;
    impl_->data.append(rows.data(), rows.size() / impl_->columns);
}

void trace_file_writer::commit() {
    // time = (start, stop, step) of the frames, SONATA's convention; stop is exclusive.
    const double frames = static_cast<double>(impl_->data.rows());
    const double time[3] = {impl_->t_start, impl_->t_start + frames * impl_->frame_dt, impl_->frame_dt};
    {
        h5::handle mapping = h5::open_group(impl_->group.get(), "mapping");
        h5::write_vector(mapping.get(), "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, time, 3);
        h5::handle t(H5Dopen2(mapping.get(), "time", H5P_DEFAULT));
        h5::write_string_attribute(t.get(), "units", "ms");
    }
    impl_->data = h5::extendible_dataset();
    impl_->group = h5::handle();
    H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL);
    impl_->file = h5::handle();
    std::filesystem::rename(impl_->part, impl_->path);
    impl_->committed = true;
}

std::unique_ptr<trace_file_writer> open_trace_report(const network_spec& spec, std::size_t record, const std::string& path) {
    const trace_record_spec& t = spec.traces.at(record);
    // A weight report maps each column to the synapse's target (the synapses are listed in the file).
    std::vector<neuron_id> columns = t.neurons;
    for (const auto& syn : t.synapses) columns.push_back(syn.second);
    return std::make_unique<trace_file_writer>(path, spec.layout[t.population].name, columns, spec.simulation.dt,
                                               spec.simulation.dt, t.every, t.variable,
                                               t.weights ? "" : state_variable_unit(spec.models[t.population].model, t.variable));
}

}  // namespace synaptogen
