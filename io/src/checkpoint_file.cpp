#include <synaptogen/io/checkpoint_file.hpp>

#include <filesystem>
#include <stdexcept>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/io/network_file.hpp>

namespace synaptogen {

std::uint64_t description_hash(const std::string& text) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

network_spec load_checkpoint_description(const std::string& config_file, std::uint64_t config_hash,
                                         const std::string& checkpoint_path) {
    if (!std::filesystem::exists(config_file))
        throw input_error({checkpoint_path, 0, "config_file"},
                          "the description it was written from, " + config_file + ", is gone; expected that file");
    network_spec spec = load_network_file(config_file);
    if (description_hash(spec.source_text) != config_hash)
        throw input_error({checkpoint_path, 0, "config_file"},
                          "the description " + config_file + " changed since this checkpoint was written; "
                          "expected the text it was written from");
    return spec;
}

void write_checkpoint(const std::string& path, const simulation_state& s, std::uint64_t hash,
                      const std::function<void(hid_t file)>& save_outputs) {
    const std::string part = path + ".part";
    {
        h5::handle file = h5::create_file(part);
        h5::handle g = h5::create_group(file.get(), "state");
        h5::write_array(g.get(), "neuron_state", s.neuron_state);
        h5::write_array(g.get(), "refractory", s.refractory);
        h5::write_array(g.get(), "ring", s.ring);
        h5::write_array(g.get(), "plastic_weights", s.plastic_weights);
        h5::write_array(g.get(), "traces", s.traces);
        h5::write_array(g.get(), "trace_rows", s.trace_rows);
        h5::write_u64_attribute(g.get(), "step", s.step);
        h5::write_u64_attribute(g.get(), "spikes", s.spikes);
        h5::write_u64_attribute(g.get(), "events", s.events);
        h5::write_u64_attribute(g.get(), "fingerprint", s.fingerprint);
        h5::write_u64_attribute(g.get(), "slots", s.slots);
        h5::write_u64_attribute(g.get(), "description_hash", hash);
        h5::create_group(file.get(), "outputs");
        if (save_outputs) save_outputs(file.get());
        H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
    }
    std::filesystem::rename(part, path);  // atomic: the previous checkpoint stays valid until now
}

struct checkpoint_reader::impl {
    h5::handle file;
};

checkpoint_reader::checkpoint_reader(const std::string& path) : impl_(std::make_unique<impl>()) {
    if (!std::filesystem::exists(path))
        throw input_error({path, 0, "--resume"}, "no such checkpoint file");
    try {
        impl_->file = h5::open_file(path);
        h5::handle g = h5::open_group(impl_->file.get(), "state");
        state_.neuron_state = h5::read_array<double>(g.get(), "neuron_state");
        state_.refractory = h5::read_array<std::int32_t>(g.get(), "refractory");
        state_.ring = h5::read_array<std::int64_t>(g.get(), "ring");
        state_.plastic_weights = h5::read_array<float>(g.get(), "plastic_weights");
        state_.traces = h5::read_array<double>(g.get(), "traces");
        state_.trace_rows = h5::read_array<std::uint64_t>(g.get(), "trace_rows");
        state_.step = static_cast<step_t>(h5::read_u64_attribute(g.get(), "step"));
        state_.spikes = h5::read_u64_attribute(g.get(), "spikes");
        state_.events = h5::read_u64_attribute(g.get(), "events");
        state_.fingerprint = h5::read_u64_attribute(g.get(), "fingerprint");
        state_.slots = static_cast<std::uint32_t>(h5::read_u64_attribute(g.get(), "slots"));
        description_hash_ = h5::read_u64_attribute(g.get(), "description_hash");
    } catch (const std::runtime_error& e) {
        throw input_error({path, 0, "--resume"}, std::string("not a Synaptogen checkpoint (") + e.what() + ")");
    }
}

checkpoint_reader::~checkpoint_reader() = default;
hid_t checkpoint_reader::file() const { return impl_->file.get(); }
bool checkpoint_reader::has(const std::string& object) const { return h5::exists(impl_->file.get(), object); }

}  // namespace synaptogen
