// synaptogen inspect: structural statistics of a network's synapse graph (all projections,
// whatever their synapse model), from graph/analysis.hpp. Text, or JSON with --json.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include <synaptogen/graph/analysis.hpp>

#include "commands.hpp"

namespace synaptogen::app {

int inspect_command(const inspect_options& o) {
    const network_spec spec = load_with_overrides(o);
    const synapse_table table = build_synapses(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
    const graph_statistics g = analyse_graph(table, o.hubs);
    auto where = [&](neuron_id gid) {  // the cell's name where the network has names
        const std::size_t p = spec.layout.population_of(gid);
        const neuron_id local = gid - spec.layout[p].first;
        const auto& names = spec.models[p].cell_names;
        return names.empty() ? spec.layout[p].name + "[" + std::to_string(local) + "]" : spec.layout[p].name + ":" + names[local];
    };
    std::vector<edge_index> out_of(spec.layout.count(), 0), into(spec.layout.count(), 0);
    for (neuron_id s = 0; s < table.n_neurons; ++s)
        for (edge_index e = table.row_map[s]; e < table.row_map[s + 1]; ++e) {
            ++out_of[spec.layout.population_of(s)];
            ++into[spec.layout.population_of(table.target[e])];
        }
    auto degrees = [](const degree_summary& d) {
        return nlohmann::json{{"mean", d.mean}, {"min", d.min}, {"median", d.median}, {"p90", d.p90}, {"p99", d.p99}, {"max", d.max}};
    };
    nlohmann::json j;
    j["file"] = spec.source_file;
    j["nodes"] = g.nodes;
    j["synapses"] = g.synapses;
    for (std::size_t p = 0; p < spec.layout.count(); ++p)
        j["populations"].push_back({{"name", spec.layout[p].name}, {"nodes", spec.layout[p].size},
                                    {"synapses_out", out_of[p]}, {"synapses_in", into[p]}});
    for (std::size_t k = 0; k < spec.projections.size(); ++k) {
        const auto& p = spec.projections[k];
        j["projections"].push_back({{"source", spec.layout[p.source].name}, {"target", spec.layout[p.target].name},
                                    {"synapse", to_string(projection_kind(spec, k))}, {"synapses", table.projection_size[k]}});
    }
    j["connected_pairs"] = g.connected_pairs;
    j["self_loops"] = g.self_loops;
    j["reciprocity"] = g.reciprocity;
    j["in_degree"] = degrees(g.in_degree);
    j["out_degree"] = degrees(g.out_degree);
    j["weak_components"] = {{"count", g.weak_components}, {"largest", g.largest_weak_component}};
    j["strong_components"] = {{"count", g.strong_components}, {"largest", g.largest_strong_component}};
    j["mean_clustering"] = g.mean_clustering;
    j["clustering_nodes"] = g.clustering_nodes;
    for (std::size_t i = 0; i < g.hubs.size(); ++i)
        j["hubs"].push_back({{"neuron", where(g.hubs[i])}, {"degree", g.hub_degree[i]}});
    if (o.json) {
        std::cout << j.dump(1) << "\n";
        return 0;
    }
    std::printf("%s: %u neurons, %llu synapses (all projections, every synapse model)\n", spec.source_file.c_str(), g.nodes,
                static_cast<unsigned long long>(g.synapses));
    std::printf("  %-20s %10s %14s %14s\n", "population", "neurons", "synapses out", "synapses in");
    for (const auto& p : j["populations"])
        std::printf("  %-20s %10llu %14llu %14llu\n", p["name"].get<std::string>().c_str(), p["nodes"].get<unsigned long long>(),
                    p["synapses_out"].get<unsigned long long>(), p["synapses_in"].get<unsigned long long>());
    std::printf("  %-30s %-13s %14s\n", "projection", "synapse", "synapses");
    for (const auto& p : j["projections"])
        std::printf("  %-30s %-13s %14llu\n", (p["source"].get<std::string>() + " -> " + p["target"].get<std::string>()).c_str(),
                    p["synapse"].get<std::string>().c_str(), p["synapses"].get<unsigned long long>());
    std::printf("  connected pairs %llu (self-loops %llu), reciprocity %.4f\n", static_cast<unsigned long long>(g.connected_pairs),
                static_cast<unsigned long long>(g.self_loops), g.reciprocity);
    for (const auto& [name, d] : {std::pair{"in-degree ", g.in_degree}, std::pair{"out-degree", g.out_degree}})
        std::printf("  %s mean %.2f, min %llu, median %llu, p90 %llu, p99 %llu, max %llu\n", name, d.mean,
                    static_cast<unsigned long long>(d.min), static_cast<unsigned long long>(d.median),
                    static_cast<unsigned long long>(d.p90), static_cast<unsigned long long>(d.p99),
                    static_cast<unsigned long long>(d.max));
    std::printf("  weakly connected components %zu (largest %zu), strongly connected %zu (largest %zu)\n", g.weak_components,
                g.largest_weak_component, g.strong_components, g.largest_strong_component);
    std::printf("  mean clustering coefficient %.4f (undirected; %s)\n", g.mean_clustering,
                g.clustering_nodes == g.nodes ? "all neurons" : ("estimated from " + std::to_string(g.clustering_nodes) + " evenly spaced neurons").c_str());
    std::printf("  hubs (in + out synapses):");
    for (std::size_t i = 0; i < g.hubs.size(); ++i)
        std::printf("%s %s %llu", i ? "," : "", where(g.hubs[i]).c_str(), static_cast<unsigned long long>(g.hub_degree[i]));
    std::printf("\n");
    return 0;
}

}  // namespace synaptogen::app
