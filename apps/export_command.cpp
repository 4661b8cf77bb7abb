// `synaptogen export sonata`: build the synapses of a network and write it as a SONATA
// circuit plus a network.toml that runs it (io/sonata.hpp, docs/sonata.md).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <synaptogen/io/graphml.hpp>
#include <synaptogen/io/sonata.hpp>

#include "commands.hpp"

namespace synaptogen::app {

int export_sonata_command(const export_options& o) {
    network_spec spec = load_with_overrides(o);
    const int threads = spec.simulation.thread_count();
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, threads);
    spdlog::info("building {} ({} neurons, {} projections) with {} threads", spec.source_file, spec.layout.total(),
                 spec.projections.size(), threads);
    const synapse_table table = merge_synapses(build_static_synapses(spec));
    export_sonata(spec, table, o.out_dir);
    std::size_t others = 0;
    for (std::size_t k = 0; k < spec.projections.size(); ++k) others += projection_kind(spec, k) != synapse_kind::static_synapse;
    std::printf("%s: %u neurons in %zu populations, %llu static synapses, %zu projections of other synapse models\n",
                spec.source_file.c_str(), spec.layout.total(), spec.layout.count(),
                static_cast<unsigned long long>(table.size()), others);
    std::printf("  wrote       %s/circuit_config.json (SONATA circuit)\n", o.out_dir.c_str());
    std::printf("  wrote       %s/network.toml (run it: synaptogen run %s/network.toml)\n", o.out_dir.c_str(), o.out_dir.c_str());
    return 0;
}

// `synaptogen export graphml`: every neuron a node (its cell name, else population[index]),
// every synapse of every projection a directed edge with weight, delay, projection and model.
int export_graphml_command(const export_options& o) {
    const network_spec spec = load_with_overrides(o);
    // Node ids must be unique: cell names, prefixed "population:" if two populations share one.
    std::set<std::string> seen;
    bool shared_names = false;
    for (const auto& m : spec.models)
        for (const auto& name : m.cell_names) shared_names |= !seen.insert(name).second;
    std::vector<graphml_node> nodes;
    for (std::size_t p = 0; p < spec.layout.count(); ++p) {
        const auto& names = spec.models[p].cell_names;
        const std::string& pop = spec.layout[p].name;
        for (neuron_id i = 0; i < spec.layout[p].size; ++i)
            nodes.push_back({names.empty()    ? pop + "[" + std::to_string(i) + "]"
                             : shared_names ? pop + ":" + names[i]
                                            : names[i],
                             pop, i});
    }
    std::vector<graphml_edge> edges;
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        std::vector<bool> only(spec.projections.size(), false);
        only[k] = true;  // one projection at a time: the merged table does not say which made a synapse
        const synapse_table t = build_synapses(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt, only);
        const std::string name = spec.synapses[k].name.empty() ? "projection_" + std::to_string(k) : spec.synapses[k].name;
        const std::string model = to_string(projection_kind(spec, k));
        for (neuron_id s = 0; s < t.n_neurons; ++s)
            for (edge_index e = t.row_map[s]; e < t.row_map[s + 1]; ++e)
                edges.push_back({s, t.target[e], t.weight[e], t.delay.empty() ? 0.0 : t.delay[e] * spec.simulation.dt, name, model});
    }
    const std::filesystem::path out = o.out_dir, part = o.out_dir + ".part";
    if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
    try {
        std::ofstream f(part, std::ios::binary);
        write_graphml(f, nodes, edges);
        if (!f.flush()) throw input_error({o.out_dir, 0, ""}, "could not write the file");
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(part, ignored);
        throw;
    }
    std::filesystem::rename(part, out);
    std::printf("%s: %zu nodes, %zu edges -> %s\n", spec.source_file.c_str(), nodes.size(), edges.size(), o.out_dir.c_str());
    return 0;
}

}  // namespace synaptogen::app
