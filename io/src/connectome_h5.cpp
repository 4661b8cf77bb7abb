#include <synaptogen/io/connectome_h5.hpp>

#include <synaptogen/io/hdf5_file.hpp>

namespace synaptogen {

void write_connectome_h5(hid_t parent, const std::string& name, const connectome& c) {
    h5::handle graph = h5::create_group(parent, name);
    for (std::size_t q = 0; q < c.projections.size(); ++q) {
        const edge_set& e = c.projections[q];
        h5::handle p = h5::create_group(graph.get(), std::to_string(q));
        h5::write_u64_attribute(p.get(), "source_population", e.source_population);
        h5::write_u64_attribute(p.get(), "target_population", e.target_population);
        h5::write_u64_attribute(p.get(), "n_sources", e.n_sources);
        h5::write_u64_attribute(p.get(), "n_targets", e.n_targets);
        h5::write_u64_attribute(p.get(), "allow_autapses", e.allow_autapses);
        h5::write_u64_attribute(p.get(), "allow_multapses", e.allow_multapses);
        h5::write_array(p.get(), "row_map", e.row_map);
        h5::write_array(p.get(), "target", e.target);
        h5::write_array(p.get(), "weight", e.weight);
    }
}

connectome read_connectome_h5(hid_t parent, const std::string& name, const std::string& where) {
    connectome c;
    h5::handle graph = h5::open_group(parent, name);
    const std::size_t n = h5::child_names(graph.get()).size();
    for (std::size_t q = 0; q < n; ++q) {
        h5::handle p = h5::open_group(graph.get(), std::to_string(q));
        edge_set e;
        e.source_population = h5::read_u64_attribute(p.get(), "source_population");
        e.target_population = h5::read_u64_attribute(p.get(), "target_population");
        e.n_sources = static_cast<neuron_id>(h5::read_u64_attribute(p.get(), "n_sources"));
        e.n_targets = static_cast<neuron_id>(h5::read_u64_attribute(p.get(), "n_targets"));
        // Older language-model checkpoints carry no rules: their edges were allowed as listed.
        if (h5::has_attribute(p.get(), "allow_autapses")) e.allow_autapses = h5::read_u64_attribute(p.get(), "allow_autapses") != 0;
        if (h5::has_attribute(p.get(), "allow_multapses")) e.allow_multapses = h5::read_u64_attribute(p.get(), "allow_multapses") != 0;
        e.row_map = h5::read_array<std::uint64_t>(p.get(), "row_map");
        e.target = h5::read_array<std::uint32_t>(p.get(), "target");
        e.weight = h5::read_array<float>(p.get(), "weight");
        if (e.row_map.size() != e.n_sources + 1u || e.row_map.back() != e.target.size() || e.weight.size() != e.target.size())
            throw input_error({where, 0, name + "/" + std::to_string(q)}, "inconsistent edge arrays");
        c.projections.push_back(std::move(e));
    }
    return c;
}

}  // namespace synaptogen
