#include <synaptogen/io/spike_file.hpp>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <synaptogen/io/hdf5_file.hpp>

namespace synaptogen {

namespace {
// SONATA's `sorting` attribute: an enum none / by_id / by_time.
void write_sorting(hid_t group, std::uint8_t value) {
    h5::handle type(H5Tenum_create(H5T_NATIVE_UINT8));
    const char* names[] = {"none", "by_id", "by_time"};
    for (std::uint8_t v = 0; v < 3; ++v) H5Tenum_insert(type.get(), names[v], &v);
    h5::handle space(H5Screate(H5S_SCALAR));
    h5::handle attr(H5Acreate2(group, "sorting", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    H5Awrite(attr.get(), type.get(), &value);
}
}  // namespace

struct spike_file_writer::impl {
    std::string path, part;
    const population_layout* layout;
    double dt;
    h5::handle file;
    std::vector<int> slot;  // population -> index into groups, -1 if not recorded
    struct group_data {
        h5::handle group;
        h5::extendible_dataset timestamps, node_ids;
        std::vector<double> t;
        std::vector<std::uint64_t> id;
    };
    std::vector<group_data> groups;
    bool committed = false;
};

// Both constructors: a new <path>.part file with a /spikes group per recorded population,
// either created empty or continued from a checkpoint's copy (`from`, `name`).
spike_file_writer::spike_file_writer(std::string path, const population_layout& layout, const std::vector<bool>& record,
                                     double dt)
    : spike_file_writer(std::move(path), layout, record, dt, -1, "") {}

spike_file_writer::spike_file_writer(std::string path, const population_layout& layout, const std::vector<bool>& record,
                                     double dt, hid_t from, const std::string& name)
    : impl_(std::make_unique<impl>()) {
    const bool resume = from >= 0;
    impl_->path = path;
    impl_->part = path + ".part";
    impl_->layout = &layout;
    impl_->dt = dt;
    std::filesystem::remove(path);
    impl_->file = h5::create_file(impl_->part);
    if (resume) h5::copy_object(from, name, impl_->file.get(), "spikes");
    h5::handle spikes = resume ? h5::open_group(impl_->file.get(), "spikes") : h5::create_group(impl_->file.get(), "spikes");
    impl_->slot.assign(layout.count(), -1);
    impl_->groups.reserve(layout.count());
    for (std::size_t p = 0; p < layout.count(); ++p) {
        if (!record[p]) continue;
        impl_->slot[p] = static_cast<int>(impl_->groups.size());
        impl::group_data g;
        if (resume) {
            if (!h5::exists(spikes.get(), layout[p].name))
                throw std::runtime_error("the checkpoint's spikes have no population '" + layout[p].name + "'");
            g.group = h5::open_group(spikes.get(), layout[p].name);
            g.timestamps = h5::extendible_dataset::open(g.group.get(), "timestamps", H5T_NATIVE_DOUBLE);
            g.node_ids = h5::extendible_dataset::open(g.group.get(), "node_ids", H5T_NATIVE_UINT64);
            written_ += g.timestamps.rows();
        } else {
            g.group = h5::create_group(spikes.get(), layout[p].name);
            write_sorting(g.group.get(), 2);
            g.timestamps = h5::extendible_dataset(g.group.get(), "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, 1 << 16);
            g.node_ids = h5::extendible_dataset(g.group.get(), "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, 1 << 16);
            h5::write_string_attribute(g.timestamps.id(), "units", "ms");
        }
        impl_->groups.push_back(std::move(g));
    }
}

void spike_file_writer::save_to(hid_t to, const std::string& name) {
    H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL);
    h5::copy_object(impl_->file.get(), "spikes", to, name);
}

spike_file_writer::~spike_file_writer() {
    if (!impl_->committed) {  // an abandoned run: leave nothing that looks like output
        impl_->groups.clear();
        impl_->file = h5::handle();
        std::error_code ec;
        std::filesystem::remove(impl_->part, ec);
    }
}

void spike_file_writer::append(const std::vector<step_t>& steps, const std::vector<neuron_id>& neurons) {
    for (auto& g : impl_->groups) {
        g.t.clear();
        g.id.clear();
    }
    for (std::size_t k = 0; k < neurons.size(); ++k) {
        const std::size_t p = impl_->layout->population_of(neurons[k]);
        if (impl_->slot[p] < 0) continue;
        auto& g = impl_->groups[impl_->slot[p]];
        g.t.push_back((steps[k] + 1.0) * impl_->dt);
        g.id.push_back(neurons[k] - (*impl_->layout)[p].first);
    }
    for (auto& g : impl_->groups) {
        g.timestamps.append(g.t.data(), g.t.size());
        g.node_ids.append(g.id.data(), g.id.size());
        written_ += g.t.size();
    }
}

void spike_file_writer::commit() {
    impl_->groups.clear();
    H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL);
    impl_->file = h5::handle();
    std::filesystem::rename(impl_->part, impl_->path);
    impl_->committed = true;
}

std::map<std::string, population_spikes> read_spike_file(const std::string& path) {
    h5::handle file = h5::open_file(path);
    h5::handle spikes = h5::open_group(file.get(), "spikes");
    return read_spike_groups(spikes.get());
}

std::map<std::string, population_spikes> read_spike_groups(hid_t spikes) {
    std::map<std::string, population_spikes> out;
    for (const auto& name : h5::child_names(spikes)) {
        h5::handle g = h5::open_group(spikes, name);
        population_spikes s;
        s.timestamps = h5::read_doubles(g.get(), "timestamps");
        s.node_ids = h5::read_uint64s(g.get(), "node_ids");
        s.sorting = h5::read_string_attribute(g.get(), "sorting");
        out.emplace(name, std::move(s));
    }
    return out;
}

}  // namespace synaptogen
