// synaptogen import edgelist | celegans: connectome tables -> a network description that runs
// (io/connectome.hpp arranges them; this file reads, reports and writes). docs/connectomes.md.
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/background_writer.hpp>
#include <synaptogen/io/connectome.hpp>
#include <synaptogen/io/edge_list.hpp>
#include <synaptogen/io/graphml.hpp>

#include "commands.hpp"

namespace synaptogen::app {

namespace {

namespace fs = std::filesystem;

// Writes the description and OUT.cells.csv (each atomically).
void write_network(const arranged_network& net, const import_options& o, const std::string& comment) {
    const fs::path out = o.out;
    fs::path cells_path = out;
    cells_path.replace_extension(".cells.csv");
    const std::string text = network_toml(net, o.arrange, comment + "\nCell names by population and index: " +
                                                              cells_path.filename().string() + " (and cell_names below).");
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    write_file_atomically(cells_path.string(), cell_table_csv(net));
    write_file_atomically(out.string(), text);
}

std::string summary(const arranged_network& net) {
    std::size_t cells = 0, chemical = 0, gap = 0;
    for (const auto& c : net.cells) cells += c.size();
    for (const auto& p : net.projections) (p.gap ? gap : chemical) += p.pre.size();
    std::string s = std::to_string(cells) + " cells in " + std::to_string(net.populations.size()) + " population(s), " +
                    std::to_string(chemical) + " chemical edges, " + std::to_string(gap) + " gap junctions in " +
                    std::to_string(net.projections.size()) + " projection(s)";
    if (net.self_junctions_dropped) s += "; " + std::to_string(net.self_junctions_dropped) + " self-junctions dropped";
    if (net.self_loops_dropped) s += "; " + std::to_string(net.self_loops_dropped) + " chemical self-loops dropped";
    if (net.non_neuron_cells_dropped)
        s += "; " + std::to_string(net.non_neuron_cells_dropped) + " non-neuron cells and their " +
             std::to_string(net.non_neuron_edges_dropped) + " edges dropped";
    return s;
}

}  // namespace

int import_edgelist_command(const import_options& o) {
    // Inline edges are easy to read and edit; past a few MB a TOML file is slow to parse and
    // holds every edge in memory twice, so the rows stream into an HDF5 edge file instead.
    std::error_code size_error;
    const auto bytes = fs::file_size(o.file, size_error);
    if (o.edges == "hdf5" || (o.edges == "auto" && !size_error && bytes > (4u << 20))) {
        const streamed_import r = import_edge_list_to_hdf5(
            o.file, o.list, o.arrange, o.out,
            "Imported by `synaptogen import edgelist` from " + o.file + " (streamed into an HDF5 edge file).\n"
            "Weights are the file's values times --weight-scale (chemical) or --gap-weight-scale (gap junctions, nS); "
            "docs/connectomes.md.");
        spdlog::info("{}: {} cells, {} edges in {} projection(s){} -> {} (edges in its .edges.h5)", o.file, r.cells, r.edges,
                     r.projections,
                     r.self_junctions_dropped ? "; " + std::to_string(r.self_junctions_dropped) + " self-junctions dropped" : "",
                     o.out);
        return 0;
    }
    const edge_list g = read_edge_list(o.file, o.list);
    if (g.size() == 0) throw input_error({o.file, 0, ""}, "expected at least one edge, found none");
    const arranged_network net = arrange_network(g, o.arrange);
    const std::string what = summary(net);
    write_network(net, o,
                  "Imported by `synaptogen import edgelist` from " + o.file + ": " + what +
                      ".\nWeights are the file's values times --weight-scale (chemical) or --gap-weight-scale "
                      "(gap junctions, nS); docs/connectomes.md.");
    spdlog::info("{}: {} -> {}", o.file, what, o.out);
    return 0;
}

int import_graphml_command(const import_options& o) {
    const edge_list list = read_graphml(o.file, o.graphml);
    if (list.size() == 0) throw input_error({o.file, 0, ""}, "expected at least one edge, found none");
    const arranged_network net = arrange_network(list, o.arrange);
    const std::string what = summary(net);
    write_network(net, o, "Imported by `synaptogen import graphml` from " + o.file + ": " + what + ".");
    spdlog::info("{}: {} -> {}", o.file, what, o.out);
    return 0;
}

int import_celegans_command(import_options o) {
    std::string sources;
    const edge_list g = read_celegans_tables(o.tables, o.chemical, o.electrical, sources);
    cell_metadata cells;
    if (!o.cells.empty()) {
        cells = read_cell_metadata(o.cells);
        o.arrange.metadata = &cells;
    }
    o.arrange.classify = true;
    const arranged_network net = arrange_network(g, o.arrange);
    const std::string what = summary(net);
    write_network(net, o,
                  "Imported by `synaptogen import celegans` from " + sources + (o.cells.empty() ? "" : " with cells from " + o.cells) +
                      ":\n" + what +
                      ".\nPopulations: neuron classes from the cell table (else one 'neurons'), non-neurons apart; "
                      "GABAergic sources inhibit.\nWeights: count x --weight-scale (chemical), x --gap-weight-scale (gap, nS); "
                      "docs/connectomes.md.");
    spdlog::info("{}: {} -> {}", sources, what, o.out);
    return 0;
}

}  // namespace synaptogen::app
