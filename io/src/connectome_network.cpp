// A named-cell edge list -> populations, projections and a TOML network description.
// The rules (and their defaults) are documented in docs/connectomes.md.
#include <synaptogen/io/connectome.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <tuple>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/network_file.hpp>

#include "gap_junctions.hpp"
#include "toml_writing.hpp"

namespace synaptogen {

namespace {

// Populations of a classified connectome come in this order; others follow by name.
int population_rank(const std::string& name) {
    static const std::vector<std::string> order = {"sensory", "inter", "motor", "pharynx", "sex_specific",
                                                   "other",   "neurons", "non_neurons"};
    const auto it = std::find(order.begin(), order.end(), name);
    return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}

}  // namespace

std::vector<listed_edge> merge_gap_junctions(const std::vector<listed_edge>& rows, const std::string& mode,
                                             std::size_t& self_junctions) {
    std::vector<listed_edge> out;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> at;  // unordered pair -> out index
    std::vector<int> count;
    for (const listed_edge& e : rows) {
        if (e.source == e.target) {
            ++self_junctions;
            continue;
        }
        if (mode == "listed") {
            out.push_back(e);
            continue;
        }
        const auto [it, added] = at.emplace(std::minmax(e.source, e.target), out.size());
        if (added) {
            out.push_back(e);
            count.push_back(1);
            continue;
        }
        listed_edge& j = out[it->second];
        j.weight = mode == "max" ? std::max(j.weight, e.weight) : j.weight + e.weight;
        ++count[it->second];
    }
    if (mode == "average")
        for (std::size_t k = 0; k < out.size(); ++k) out[k].weight /= count[k];
    return out;
}

arranged_network arrange_network(const edge_list& g, const arrangement_options& o) {
    const std::size_t n = g.nodes.size();
    arranged_network net;

    // Each cell's population ("" drops it).
    std::vector<std::string> group(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& name = g.nodes[i];
        if (!o.classify) {
            group[i] = o.population;
            continue;
        }
        if (o.metadata) {
            const auto it = o.metadata->cells.find(name);
            if (it != o.metadata->cells.end()) {
                group[i] = it->second.group;
            } else if (looks_like_neuron_name(name)) {
                std::vector<std::string> known;
                for (const auto& [cell, info] : o.metadata->cells) known.push_back(cell);
                std::sort(known.begin(), known.end());
                const std::string guess = closest_match(name, known);
                throw input_error({g.files.empty() ? std::string() : g.files[g.node_file[i]], g.node_line[i], "cell"},
                                  "unknown neuron '" + name + "': not in the cell table " + o.metadata->file +
                                      (guess.empty() ? std::string() : "; did you mean '" + guess + "'?"));
            }
        } else if (looks_like_neuron_name(name)) {
            group[i] = "neurons";
        }
        if (group[i].empty()) {
            if (o.keep_non_neurons) group[i] = "non_neurons";
            else ++net.non_neuron_cells_dropped;
        }
    }
    std::vector<std::string> names;
    for (const auto& p : group)
        if (!p.empty() && std::find(names.begin(), names.end(), p) == names.end()) names.push_back(p);
    std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return std::make_tuple(population_rank(a), a) < std::make_tuple(population_rank(b), b);
    });
    net.populations = names;
    net.cells.resize(names.size());
    std::vector<int> pop(n, -1);
    std::vector<std::uint32_t> local(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (group[i].empty()) continue;
        pop[i] = static_cast<int>(std::find(names.begin(), names.end(), group[i]) - names.begin());
        local[i] = static_cast<std::uint32_t>(net.cells[pop[i]].size());
        net.cells[pop[i]].push_back(g.nodes[i]);
    }

    auto inhibitory = [&](std::uint32_t cell) {
        if (!o.classify || group[cell] == "non_neurons") return false;
        if (o.metadata && o.metadata->has_transmitters) {
            const auto it = o.metadata->cells.find(g.nodes[cell]);
            if (it != o.metadata->cells.end() && it->second.known_transmitter) return it->second.inhibitory;
        }
        return is_gabaergic_neuron(g.nodes[cell]);
    };
    const bool graded = o.model == "graded";
    // (type, source population, target population, inhibitory) -> projection
    std::map<std::tuple<std::size_t, int, int, bool>, arranged_projection> projections;
    for (std::size_t t = 0; t < g.types.size(); ++t) {
        const bool gap = std::find(o.gap_types.begin(), o.gap_types.end(), g.types[t]) != o.gap_types.end();
        std::vector<listed_edge> rows;
        for (std::size_t e = 0; e < g.size(); ++e) {
            if (g.type[e] != t) continue;
            if (pop[g.source[e]] < 0 || pop[g.target[e]] < 0) {
                ++net.non_neuron_edges_dropped;
                continue;
            }
            if (!gap && !o.keep_self_loops && g.source[e] == g.target[e]) {
                ++net.self_loops_dropped;
                continue;
            }
            rows.push_back({g.source[e], g.target[e], g.weight[e]});
        }
        if (gap) {
            net.gap_rows += rows.size();
            rows = merge_gap_junctions(rows, o.gap_junctions, net.self_junctions_dropped);
        }
        for (const listed_edge& e : rows) {
            const bool inh = !gap && inhibitory(e.source);
            arranged_projection& p = projections[{t, pop[e.source], pop[e.target], inh}];
            if (p.name.empty()) {
                p.source = names[pop[e.source]];
                p.target = names[pop[e.target]];
                p.type = g.types[t];
                p.gap = gap;
                p.inhibitory = inh;
                std::vector<std::string> taken;
                for (const auto& [k, other] : projections)
                    if (&other != &p) taken.push_back(other.name);
                p.name = toml_writing::projection_identifier(
                    o.classify ? p.source + "_" + p.target + "_" + (p.type.empty() ? "edges" : p.type) + (inh ? "_inh" : "") : p.type,
                    taken);
            }
            p.pre.push_back(local[e.source]);
            p.post.push_back(local[e.target]);
            const double scale = gap ? o.gap_weight_scale : o.weight_scale;
            p.weight.push_back(e.weight * scale * (inh && !graded ? -1.0 : 1.0));
        }
    }
    for (auto& [key, p] : projections) net.projections.push_back(std::move(p));
    return net;
}

std::string network_toml(const arranged_network& n, const arrangement_options& o, const std::string& comment) {
    std::string text;
    char buf[200];
    text += toml_writing::comment_lines(comment);
    text += "\n[simulation]\ndt = 0.1\nduration = 1000.0\nseed = 1\n";
    for (std::size_t p = 0; p < n.populations.size(); ++p) {
        text += "\n[[population]]\nname = " + toml_writing::quoted(n.populations[p]) + "\nsize = " + std::to_string(n.cells[p].size()) +
                "\nmodel = " + toml_writing::quoted(o.model) + "\ncell_names = " + toml_writing::name_list(n.cells[p]) + "\n";
    }
    const bool graded = o.model == "graded";
    for (const arranged_projection& p : n.projections) {
        text += "\n[[projection]]   # type \"" + p.type + "\": " + std::to_string(p.pre.size()) +
                (p.gap ? " gap junctions (" + o.gap_junctions + ")" : " edges") + (p.inhibitory ? ", GABAergic sources" : "") +
                "\nname = " + toml_writing::quoted(p.name) + "\nsource = " + toml_writing::quoted(p.source) + "\ntarget = " +
                toml_writing::quoted(p.target) + "\nrule = \"explicit\"\n";
        if (p.gap) {
            text += "synapse = \"gap_junction\"\n";
        } else if (graded) {
            std::snprintf(buf, sizeof buf, "synapse = \"graded\"\ngraded = { E_rev = %.17g }\n",
                          p.inhibitory ? o.inhibitory_reversal : o.excitatory_reversal);
            text += buf;
        } else {
            std::snprintf(buf, sizeof buf, "delay = %.17g\n", o.delay);
            text += buf;
        }
        text += "edges = [\n";
        for (std::size_t e = 0; e < p.pre.size(); ++e) {
            std::snprintf(buf, sizeof buf, "  [%u, %u, %.17g],\n", p.pre[e], p.post[e], p.weight[e]);
            text += buf;
        }
        text += "]\n";
    }
    return text;
}

std::string cell_table_csv(const arranged_network& n) {
    std::string out = "population,index,name\n";
    for (std::size_t p = 0; p < n.populations.size(); ++p)
        for (std::size_t c = 0; c < n.cells[p].size(); ++c)
            out += n.populations[p] + "," + std::to_string(c) + "," + n.cells[p][c] + "\n";
    return out;
}

}  // namespace synaptogen
