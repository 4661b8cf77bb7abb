#include <synaptogen/io/lm_checkpoint.hpp>

#include <filesystem>
#include <stdexcept>

#include <synaptogen/io/checkpoint_file.hpp>
#include <synaptogen/io/connectome_h5.hpp>
#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/io/hdf5_file.hpp>

namespace synaptogen {

namespace {
constexpr std::uint64_t format_version = 1;
}

void write_lm_checkpoint(const std::string& path, const lm_checkpoint& c) {
    const std::string part = path + ".part";
    {
        h5::handle file = h5::create_file(part);
        h5::handle g = h5::create_group(file.get(), "lm");
        h5::write_u64_attribute(g.get(), "format", format_version);
        h5::write_string_attribute(g.get(), "config_file", c.config_file);
        h5::write_u64_attribute(g.get(), "config_hash", c.config_hash);
        h5::write_u64_attribute(g.get(), "seed", c.seed);
        h5::write_u64_attribute(g.get(), "step", c.state.step);
        h5::write_u64_attribute(g.get(), "tokens", c.state.tokens);
        h5::write_array(g.get(), "parameters", c.state.parameters);
        h5::write_array(g.get(), "adam_m", c.state.adam_m);
        h5::write_array(g.get(), "adam_v", c.state.adam_v);
        h5::write_array(g.get(), "carried", c.state.carried);
        h5::write_array(g.get(), "lane_position", c.state.lane_position);
        write_connectome_h5(g.get(), "graph", c.graph);
        H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
    }
    std::filesystem::rename(part, path);  // atomic: the previous checkpoint stays valid until now
}

bool is_lm_checkpoint(const std::string& path) { return h5::file_has(path, "lm"); }

lm_checkpoint read_lm_checkpoint(const std::string& path) {
    if (!std::filesystem::exists(path)) throw input_error({path, 0, ""}, "no such checkpoint file");
    if (!is_lm_checkpoint(path))
        throw input_error({path, 0, ""}, "not a language-model checkpoint (expected an HDF5 file with an /lm group, "
                                         "as synaptogen lm train writes)");
    lm_checkpoint c;
    try {
        h5::handle file = h5::open_file(path);
        h5::handle g = h5::open_group(file.get(), "lm");
        const std::uint64_t format = h5::read_u64_attribute(g.get(), "format");
        if (format != format_version)
            throw input_error({path, 0, ""}, "checkpoint format " + std::to_string(format) + "; expected " +
                                                 std::to_string(format_version));
        c.config_file = h5::read_string_attribute(g.get(), "config_file");
        c.config_hash = h5::read_u64_attribute(g.get(), "config_hash");
        c.seed = h5::read_u64_attribute(g.get(), "seed");
        c.state.step = h5::read_u64_attribute(g.get(), "step");
        c.state.tokens = h5::read_u64_attribute(g.get(), "tokens");
        c.state.parameters = h5::read_array<float>(g.get(), "parameters");
        c.state.adam_m = h5::read_array<float>(g.get(), "adam_m");
        c.state.adam_v = h5::read_array<float>(g.get(), "adam_v");
        c.state.carried = h5::read_array<float>(g.get(), "carried");
        c.state.lane_position = h5::read_array<std::uint64_t>(g.get(), "lane_position");
        c.graph = read_connectome_h5(g.get(), "graph", path + ": lm");
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const input_error*>(&e)) throw;
        throw input_error({path, 0, ""}, std::string("unreadable language-model checkpoint (") + e.what() + ")");
    }
    return c;
}

network_spec lm_checkpoint_description(const lm_checkpoint& c, const std::string& checkpoint_path) {
    network_spec spec = load_checkpoint_description(c.config_file, c.config_hash, checkpoint_path);
    if (!spec.language) throw input_error({c.config_file, 0, "lm"}, "expected an [lm] table");
    if (spec.projections.size() != c.graph.projections.size())
        throw input_error({checkpoint_path, 0, "lm/graph"}, "the checkpoint's projections do not match its description");
    return spec;
}

network_spec lm_checkpoint_network(const lm_checkpoint& c, const std::string& checkpoint_path) {
    return with_connectome(lm_checkpoint_description(c, checkpoint_path), c.graph);
}

}  // namespace synaptogen
