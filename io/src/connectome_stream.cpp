// import edgelist for large files: rows streamed into an HDF5 edge file (io/connectome.hpp).
#include <synaptogen/io/connectome.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/background_writer.hpp>
#include <synaptogen/io/hdf5_file.hpp>

#include "gap_junctions.hpp"
#include "toml_writing.hpp"

namespace synaptogen {

namespace {

namespace fs = std::filesystem;

// One projection's datasets and the block of rows not yet appended.
struct edge_group {
    std::string name;
    bool gap = false;
    h5::extendible_dataset source, target, weight;
    std::vector<std::uint32_t> s, t;
    std::vector<double> w;
    std::size_t written = 0;

    void flush() {
        if (s.empty()) return;
        source.append(s.data(), s.size());
        target.append(t.data(), t.size());
        weight.append(w.data(), w.size());
        written += s.size();
        s.clear(), t.clear(), w.clear();
    }
    void add(std::uint32_t a, std::uint32_t b, double x) {
        s.push_back(a), t.push_back(b), w.push_back(x);
        if (s.size() == (1u << 16)) flush();
    }
};

}  // namespace

streamed_import import_edge_list_to_hdf5(const std::string& path, const edge_list_options& list,
                                         const arrangement_options& o, const std::string& out_toml,
                                         const std::string& comment) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error({path, 0, ""}, "cannot open the file");
    const fs::path out = out_toml;
    fs::path h5_path = out, cells_path = out;
    h5_path.replace_extension(".edges.h5");
    cells_path.replace_extension(".cells.csv");
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    const fs::path h5_part = h5_path.string() + ".part";

    streamed_import r;
    edge_list seen;  // cell names and their index only: the edges go to the file
    seen.files.push_back(path);
    const std::vector<std::string>& names = seen.nodes;
    std::vector<std::unique_ptr<edge_group>> groups;
    std::map<std::string, std::size_t> group_of_type;
    struct summary {
        std::string name;
        bool gap;
        std::size_t written;
    };
    std::vector<summary> written;
    std::map<std::string, std::vector<listed_edge>> gap_rows;  // merged at the end
    try {
        h5::handle file = h5::create_file(h5_part.string());
        h5::handle edges = h5::create_group(file.get(), "edges");
        auto group = [&](const std::string& type) -> edge_group& {
            const auto it = group_of_type.find(type);
            if (it != group_of_type.end()) return *groups[it->second];
            auto g = std::make_unique<edge_group>();
            std::vector<std::string> taken;
            for (const auto& other : groups) taken.push_back(other->name);
            g->name = toml_writing::projection_identifier(type, taken);
            g->gap = std::find(o.gap_types.begin(), o.gap_types.end(), type) != o.gap_types.end();
            h5::handle pop = h5::create_group(edges.get(), g->name);
            g->source = h5::extendible_dataset(pop.get(), "source_node_id", H5T_STD_U32LE, H5T_NATIVE_UINT32, 0, 1u << 16);
            g->target = h5::extendible_dataset(pop.get(), "target_node_id", H5T_STD_U32LE, H5T_NATIVE_UINT32, 0, 1u << 16);
            g->weight = h5::extendible_dataset(pop.get(), "syn_weight", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, 1u << 16);
            group_of_type.emplace(type, groups.size());
            groups.push_back(std::move(g));
            return *groups.back();
        };
        std::string type;
        for_each_edge_row(in, path, list, [&](const edge_row& row) {
            const std::uint32_t s = seen.node(row.source, row.line), t = seen.node(row.target, row.line);
            type.assign(row.type);
            edge_group& g = group(type);
            if (g.gap && o.gap_junctions != "listed") {  // merged per pair at the end
                gap_rows[type].push_back({s, t, row.weight});
                return;
            }
            if (g.gap) {
                if (s == t) ++r.self_junctions_dropped;
                else g.add(s, t, row.weight * o.gap_weight_scale);
                return;
            }
            g.add(s, t, row.weight * o.weight_scale);
        });
        for (const auto& [t, rows] : gap_rows) {
            edge_group& g = group(t);
            for (const listed_edge& e : merge_gap_junctions(rows, o.gap_junctions, r.self_junctions_dropped))
                g.add(e.source, e.target, e.weight * o.gap_weight_scale);
        }
        for (auto& g : groups) g->flush();
        if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0)
            throw input_error({h5_path.string(), 0, ""}, "could not write the HDF5 edge file");
        for (const auto& g : groups) written.push_back({g->name, g->gap, g->written});
        groups.clear();  // closes the datasets, so that the file really closes here, before the rename
    } catch (...) {
        std::error_code ignored;
        groups.clear();  // closes the datasets before the file goes
        fs::remove(h5_part, ignored);
        throw;
    }
    if (names.empty()) {
        fs::remove(h5_part);
        throw input_error({path, 0, ""}, "expected at least one edge, found none");
    }
    r.cells = names.size();
    for (const auto& g : written) r.edges += g.written, r.projections += g.written > 0;

    std::string text = toml_writing::comment_lines(comment);
    text += "\n[simulation]\ndt = 0.1\nduration = 1000.0\nseed = 1\n\n[[population]]\nname = " + toml_writing::quoted(o.population) +
            "\nsize = " + std::to_string(names.size()) + "\nmodel = " + toml_writing::quoted(o.model) + "\n";
    if (names.size() <= 100000) text += "cell_names = " + toml_writing::name_list(names) + "\n";
    char buf[200];
    for (const auto& g : written) {
        if (g.written == 0) continue;
        text += "\n[[projection]]   # " + std::to_string(g.written) + (g.gap ? " gap junctions (" + o.gap_junctions + ")" : " edges") +
                "\nname = " + toml_writing::quoted(g.name) + "\nsource = " + toml_writing::quoted(o.population) + "\ntarget = " + toml_writing::quoted(o.population) +
                "\nrule = \"explicit\"\nedges_file = " + toml_writing::quoted(h5_path.filename().string()) + "\nedges_group = " + toml_writing::quoted(g.name) + "\n";
        if (g.gap) text += "synapse = \"gap_junction\"\n";
        else if (o.model == "graded") text += "synapse = \"graded\"\n";
        else {
            std::snprintf(buf, sizeof buf, "delay = %.17g\n", o.delay);
            text += buf;
        }
    }
    std::string cells = "population,index,name\n";
    for (std::size_t c = 0; c < names.size(); ++c) cells += o.population + "," + std::to_string(c) + "," + names[c] + "\n";
    fs::rename(h5_part, h5_path);
    write_file_atomically(cells_path.string(), cells);
    write_file_atomically(out.string(), text);
    return r;
}

}  // namespace synaptogen
