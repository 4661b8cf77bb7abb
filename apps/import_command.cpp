// synaptogen import edgelist: a delimited edge list -> a network description that runs.
// One population holds every cell; each edge type becomes one explicit projection, gap
// junction types (electrical, ...) with synapse = "gap_junction". docs/connectomes.md.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <spdlog/spdlog.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/edge_list.hpp>

#include "commands.hpp"

namespace synaptogen::app {

namespace {

namespace fs = std::filesystem;

bool is_gap_type(const std::string& type, const std::vector<std::string>& gap_types) {
    return std::find(gap_types.begin(), gap_types.end(), type) != gap_types.end();
}

// A projection name from an edge type: letters, digits and '_' (others become '_').
std::string projection_name(const std::string& type) {
    if (type.empty()) return "edges";
    std::string s = type;
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    return s;
}

struct edge {
    std::uint32_t source, target;
    double weight;
};

// Gap junctions couple both cells, so a pair listed in both directions would couple twice.
// listed: every row is a junction; average / max: one junction per unordered pair with the
// mean / larger of its listed weights. Self-junctions are dropped (they couple nothing).
std::vector<edge> symmetrise(const std::vector<edge>& rows, const std::string& mode, std::size_t& self_loops) {
    std::vector<edge> out;
    self_loops = 0;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> at;  // unordered pair -> out index
    std::vector<int> count;
    for (const edge& e : rows) {
        if (e.source == e.target) {
            ++self_loops;
            continue;
        }
        if (mode == "listed") {
            out.push_back(e);
            continue;
        }
        const auto key = std::minmax(e.source, e.target);
        const auto [it, added] = at.emplace(key, out.size());
        if (added) {
            out.push_back(e);
            count.push_back(1);
            continue;
        }
        edge& j = out[it->second];
        j.weight = mode == "max" ? std::max(j.weight, e.weight) : j.weight + e.weight;
        ++count[it->second];
    }
    if (mode == "average")
        for (std::size_t k = 0; k < out.size(); ++k) out[k].weight /= count[k];
    return out;
}

}  // namespace

int import_edgelist_command(const import_options& o) {
    const edge_list g = read_edge_list(o.file, o.list);
    if (g.size() == 0) throw input_error({o.file, 0, ""}, "expected at least one edge, found none");
    const fs::path out = o.out;
    fs::path nodes_path = out;
    nodes_path.replace_extension(".nodes.csv");

    std::string text;
    char buf[160];
    auto add = [&](const std::string& s) { text += s; };
    add("# Imported by `synaptogen import edgelist` from " + o.file + ": " + std::to_string(g.nodes.size()) +
        " cells, " + std::to_string(g.size()) + " edges.\n");
    add("# Cell names by index: " + nodes_path.filename().string() + ". Weights are the file's values times " +
        "--weight-scale (chemical) or --gap-weight-scale (gap junctions, nS); docs/connectomes.md.\n\n");
    add("[simulation]\ndt = 0.1\nduration = 1000.0\nseed = 1\n\n");
    add("[[population]]\nname = \"" + o.population + "\"\nsize = " + std::to_string(g.nodes.size()) + "\nmodel = \"" +
        o.model + "\"\n");
    for (std::size_t t = 0; t < g.types.size(); ++t) {
        std::vector<edge> rows;
        for (std::size_t e = 0; e < g.size(); ++e)
            if (g.type[e] == t) rows.push_back({g.source[e], g.target[e], g.weight[e]});
        const bool gap = is_gap_type(g.types[t], o.gap_types);
        std::size_t self_loops = 0;
        if (gap) rows = symmetrise(rows, o.gap_junctions, self_loops);
        if (rows.empty()) continue;
        add("\n[[projection]]   # type \"" + g.types[t] + "\": " + std::to_string(rows.size()) + " edges" +
            (gap ? " (gap junctions, " + o.gap_junctions + "; " + std::to_string(self_loops) + " self-junctions dropped)" : "") +
            "\nname = \"" + projection_name(g.types[t]) + "\"\nsource = \"" + o.population + "\"\ntarget = \"" +
            o.population + "\"\nrule = \"explicit\"\n");
        if (gap) add("synapse = \"gap_junction\"\n");
        else if (o.model == "graded") add("synapse = \"graded\"   # graded cells do not spike: Wicks et al. 1996 synapses\n");
        else {
            std::snprintf(buf, sizeof buf, "delay = %.17g\n", o.delay);
            add(buf);
        }
        const double scale = gap ? o.gap_weight_scale : o.weight_scale;
        add("edges = [\n");
        for (const edge& e : rows) {
            std::snprintf(buf, sizeof buf, "  [%u, %u, %.17g],\n", e.source, e.target, e.weight * scale);
            add(buf);
        }
        add("]\n");
    }

    // Written next to the target and renamed into place: no half-written file looks valid.
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    auto write = [](const fs::path& path, const std::string& content) {
        const fs::path part = path.string() + ".part";
        {
            std::ofstream f(part, std::ios::binary);
            f << content;
            if (!f.flush()) throw input_error({path.string(), 0, ""}, "could not write the file");
        }
        fs::rename(part, path);
    };
    std::string names = "index,name\n";
    for (std::size_t i = 0; i < g.nodes.size(); ++i) names += std::to_string(i) + "," + g.nodes[i] + "\n";
    write(nodes_path, names);
    write(out, text);
    spdlog::info("{}: {} cells, {} edges of {} type(s) -> {} (names in {})", o.file, g.nodes.size(), g.size(),
                 g.types.size(), out.string(), nodes_path.string());
    return 0;
}

}  // namespace synaptogen::app
