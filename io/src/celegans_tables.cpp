// C. elegans connectome and cell tables in their published forms -> one named-cell edge list.
// The quirks each format brings are in ../shared/data/*/README.md and docs/connectomes.md.
#include <synaptogen/io/connectome.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <tuple>
#include <sstream>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/network_file.hpp>

#include "delimited.hpp"

namespace synaptogen {

namespace {

using namespace delimited;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The first non-blank, non-comment line of a file (its header, if it has one).
std::string first_line(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error({path, 0, ""}, "cannot open the file");
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
        if (first) drop_byte_order_mark(line), first = false;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string_view t = trim(line);
        if (!t.empty() && t.front() != '#') return line;
    }
    throw input_error({path, 0, ""}, "the file is empty");
}

bool has_columns(const std::vector<std::string>& header, std::initializer_list<const char*> names) {
    return std::all_of(names.begin(), names.end(),
                       [&](const char* n) { return std::find(header.begin(), header.end(), n) != header.end(); });
}

const char* kind_type(connection_kind k) { return k == connection_kind::chemical ? "chemical" : "electrical"; }

void check_weight(double w, const std::string& file, int line, const char* column) {
    if (w < 0.0) throw input_error({file, line, column}, "expected a synapse count >= 0, found " + number_text(w));
}

// A table with a type column: each written type maps to chemical, electrical, nmj, or is
// skipped (""); any other type is an error naming the accepted ones.
// merge: rows of one (source, target, type) add up to one edge (NeuronConnect's S + Sp rows,
// its repeated NMJ rows).
void read_typed_table(const std::string& path, edge_list& g, edge_list_options o,
                      const std::vector<std::pair<std::string, std::string>>& type_map, bool merge = false) {
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::string>, std::size_t> seen;
    std::ifstream in(path, std::ios::binary);
    o.normalise_names = true;
    o.header = header_mode::present;
    std::vector<std::string> accepted;
    for (const auto& [from, to] : type_map) accepted.push_back(from);
    for_each_edge_row(in, path, o, [&](const edge_row& r) {
        auto it = std::find_if(type_map.begin(), type_map.end(), [&](const auto& m) { return m.first == r.type; });
        if (it == type_map.end())
            throw input_error({path, r.line, o.type_column}, "unknown connection type '" + std::string(r.type) + "'" +
                                                                 suggest(std::string(r.type), accepted));
        check_weight(r.weight, path, r.line, o.weight_column.c_str());
        if (it->second.empty() || r.weight == 0.0) return;
        const std::uint32_t s = g.node(r.source, r.line), t = g.node(r.target, r.line);
        if (merge) {
            const auto [at, added] = seen.emplace(std::make_tuple(s, t, it->second), g.size());
            if (!added) {
                g.weight[at->second] += r.weight;
                return;
            }
        }
        g.add(s, t, r.weight, it->second, path, r.line);
    });
}

bool is_totals_label(std::string_view name) {
    const std::string l = lower(name);
    return l == "total" || l == "totals" || l == "sum";
}

// An adjacency matrix as a spreadsheet saves it (Cook et al.'s SI5 sheets): label rows
// (group names, numbering), a row of column cell names, then rows of (labels..., row cell
// name, counts...), perhaps the names repeated in a last column or row. A data row has a
// number with a name left of it; the column names are the fullest row without numbers
// before the first data row, and a row's cell name is its last non-empty field left of the
// first column name. The column names repeated in a last row, and the row names in a last
// column, are skipped. Empty cells are 0. A totals
// row or column is refused rather than read as a cell.
void read_matrix(const std::string& path, edge_list& g, connection_kind kind) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    std::vector<std::string_view> fields;
    char delimiter = 0;
    int line_no = 0, header_line = 0;
    std::vector<std::string> header;  // column cell names by field position ("" elsewhere)
    std::size_t header_names = 0, first_column = 0;
    bool in_data = false;
    double x = 0.0;
    auto numeric = [&](std::string_view f) { return parse_number(f, x); };
    while (std::getline(in, line)) {
        if (++line_no == 1) drop_byte_order_mark(line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string_view text = trim(line);
        if (text.empty() || text.front() == '#') continue;
        if (!delimiter) delimiter = detect_delimiter(line);
        split(line, delimiter, fields);
        const auto first_number = std::find_if(fields.begin(), fields.end(), numeric);
        if (!in_data) {
            const bool named_row = std::any_of(fields.begin(), first_number, [&](std::string_view f) { return !f.empty(); });
            if (first_number == fields.end()) {  // no numbers: a candidate for the column names
                const auto names = static_cast<std::size_t>(
                    std::count_if(fields.begin(), fields.end(), [](std::string_view f) { return !f.empty(); }));
                if (names > header_names) {
                    header.assign(fields.begin(), fields.end());
                    header_names = names;
                    header_line = line_no;
                }
                continue;
            }
            if (!named_row) continue;  // numbers but no row name: a numbering row
            if (header.empty())
                throw input_error({path, line_no, ""}, "expected a row of column cell names before the first row of counts");
            first_column = static_cast<std::size_t>(
                std::find_if(header.begin(), header.end(), [](const std::string& f) { return !f.empty(); }) - header.begin());
            if (first_column == 0)
                throw input_error({path, header_line, ""}, "expected the column names to start right of the row names");
            for (std::size_t c = first_column; c < header.size(); ++c) {
                if (is_totals_label(header[c]))
                    throw input_error({path, header_line, header[c]}, "a totals column is not a cell; expected only cell names");
                if (!header[c].empty()) header[c] = normalise_cell_name(header[c]);
            }
            in_data = true;
        }
        if (first_number == fields.end()) {  // the column names repeated below the data add nothing
            bool repeated_header = true;
            for (std::size_t c = first_column; c < fields.size() && repeated_header; ++c)
                repeated_header = fields[c].empty() || (c < header.size() && normalise_cell_name(fields[c]) == header[c]);
            if (repeated_header) continue;
        }
        std::string_view row_name;
        for (std::size_t c = 0; c < std::min(first_column, fields.size()); ++c)
            if (!fields[c].empty()) row_name = fields[c];
        if (row_name.empty()) throw input_error({path, line_no, ""}, "expected a cell name left of the counts");
        if (is_totals_label(row_name))
            throw input_error({path, line_no, std::string(row_name)}, "a totals row is not a cell; expected only cell names");
        const std::string pre = normalise_cell_name(row_name);
        for (std::size_t c = first_column; c < fields.size(); ++c) {
            if (fields[c].empty()) continue;
            const std::string column = c < header.size() ? header[c] : std::string();
            const bool number = parse_number(fields[c], x);
            if (column.empty()) {
                if (!number && fields[c] == row_name) continue;  // the row names repeated in a last column
                throw input_error({path, line_no, "column " + std::to_string(c + 1)},
                                  "a count under no column name (names are on line " + std::to_string(header_line) + ")");
            }
            if (!number) throw input_error({path, line_no, column}, "expected a number, found '" + std::string(fields[c]) + "'");
            check_weight(x, path, line_no, column.c_str());
            if (x == 0.0) continue;
            const std::uint32_t s = g.node(pre, line_no), t = g.node(column, header_line);
            g.add(s, t, x, kind_type(kind), path, line_no);
        }
    }
    if (!in_data) throw input_error({path, line_no, ""}, "expected an adjacency matrix: found no row of counts");
}

}  // namespace

std::string_view to_string(celegans_format f) {
    switch (f) {
        case celegans_format::cook_edge_list: return "Cook/OpenWorm edge list";
        case celegans_format::neuron_connect: return "Varshney NeuronConnect";
        case celegans_format::neuron_tables: return "CElegansNeuronTables connectome";
        case celegans_format::pair_list: return "pair list";
        case celegans_format::adjacency_matrix: return "adjacency matrix";
    }
    return "";
}

celegans_format read_celegans_table(const std::string& path, edge_list& g, std::optional<connection_kind> kind) {
    const std::string head = first_line(path);
    std::vector<std::string_view> fields;
    split(head, detect_delimiter(head), fields);
    std::vector<std::string> header;
    for (auto f : fields) header.push_back(lower(f));
    g.files.push_back(path);

    edge_list_options o;
    if (has_columns(header, {"neuron 1", "neuron 2", "type", "nbr"})) {
        o.source_column = "Neuron 1", o.target_column = "Neuron 2", o.weight_column = "Nbr", o.type_column = "Type";
        read_typed_table(path, g, o, {{"s", "chemical"}, {"sp", "chemical"}, {"r", ""}, {"rp", ""}, {"ej", "electrical"}, {"nmj", "nmj"}}, true);
        return celegans_format::neuron_connect;
    }
    if (has_columns(header, {"origin", "target", "type", "number of connections"})) {
        o.source_column = "Origin", o.target_column = "Target", o.weight_column = "Number of Connections", o.type_column = "Type";
        read_typed_table(path, g, o, {{"send", "chemical"}, {"gapjunction", "electrical"}});
        return celegans_format::neuron_tables;
    }
    if (has_columns(header, {"source", "target", "weight", "type"})) {
        read_typed_table(path, g, o, {{"chemical", "chemical"}, {"electrical", "electrical"}});
        return celegans_format::cook_edge_list;
    }
    double x = 0.0;
    const bool pair_header = header.size() == 3 && !parse_number(header[2], x) && !header[0].empty() && !header[1].empty();
    const bool headerless_pairs = header.size() == 3 && parse_number(header[2], x);
    if (pair_header || headerless_pairs) {
        if (!kind && pair_header) {
            if (header[0] == "cell_a" && header[1] == "cell_b") kind = connection_kind::electrical;
            if (header[0] == "pre" && header[1] == "post") kind = connection_kind::chemical;
        }
        if (!kind)
            throw input_error({path, 1, ""}, "a list of (cell, cell, weight) does not say which synapses it holds: give it as "
                                             "--chemical FILE or --electrical FILE");
        o.header = pair_header ? header_mode::present : header_mode::absent;
        o.source_column = "1", o.target_column = "2", o.weight_column = "3", o.type_column = "";
        o.normalise_names = true;
        std::ifstream in(path, std::ios::binary);
        for_each_edge_row(in, path, o, [&](const edge_row& r) {
            check_weight(r.weight, path, r.line, "weight");
            if (r.weight == 0.0) return;
            const std::uint32_t s = g.node(r.source, r.line), t = g.node(r.target, r.line);
            g.add(s, t, r.weight, kind_type(*kind), path, r.line);
        });
        return celegans_format::pair_list;
    }
    if (!kind)
        throw input_error({path, 1, ""},
                          "not a known C. elegans table (expected a header Source,Target,Weight,Type; Neuron 1,Neuron 2,Type,Nbr; "
                          "Origin,Target,Type,Number of Connections; or pre,post,weight). An adjacency matrix must be given as "
                          "--chemical FILE or --electrical FILE");
    read_matrix(path, g, *kind);
    return celegans_format::adjacency_matrix;
}

// ---- cell tables ---------------------------------------------------------------------------

bool is_gabaergic_neuron(std::string_view name) {
    static const std::array<std::string_view, 26> gaba = {
        "AVL", "DD1", "DD2", "DD3", "DD4", "DD5", "DD6", "DVB", "RIS", "RMED", "RMEL", "RMER", "RMEV",
        "VD1", "VD2", "VD3", "VD4", "VD5", "VD6", "VD7", "VD8", "VD9", "VD10", "VD11", "VD12", "VD13"};
    return std::find(gaba.begin(), gaba.end(), name) != gaba.end();
}

bool looks_like_neuron_name(std::string_view n) {
    if (n.empty() || std::any_of(n.begin(), n.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); }))
        return false;
    if (n == "NMJ" || n == "MANAL" || n == "MVULVA" || n.substr(0, 3) == "GLR") return false;
    // Body-wall muscles in OpenWorm's naming: MDL01 .. MVR24.
    const bool muscle = n.size() >= 4 && n[0] == 'M' && (n[1] == 'D' || n[1] == 'V') && (n[2] == 'L' || n[2] == 'R') &&
                        all_digits(n.substr(3));
    return !muscle;
}

cell_metadata read_cell_metadata(const std::string& path) {
    cell_metadata m;
    m.file = path;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error({path, 0, ""}, "cannot open the file");
    std::string line;
    std::vector<std::string_view> fields;
    std::vector<std::string> header;
    char delimiter = 0;
    int line_no = 0, name_col = -1, group_col = -1, nt_col = -1;
    bool owmeta = false;
    auto column = [&](const char* name) {
        const auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : static_cast<int>(it - header.begin());
    };
    while (std::getline(in, line)) {
        if (++line_no == 1) drop_byte_order_mark(line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty() || trim(line).front() == '#') continue;
        if (!delimiter) {
            delimiter = detect_delimiter(line);
            split(line, delimiter, fields);
            for (auto f : fields) header.push_back(lower(f));
            owmeta = column("neuron") >= 0 && column("types") >= 0;
            if (owmeta) {
                name_col = column("neuron"), group_col = column("types"), nt_col = column("neurotransmitters");
                m.has_transmitters = nt_col >= 0;
            } else if (column("cell") >= 0 && column("si5_group") >= 0) {
                name_col = column("cell"), group_col = column("si5_group");
            } else {
                throw input_error({path, line_no, ""}, "expected a cell table with columns neuron,types[,neurotransmitters] "
                                                       "(owmeta) or cell,si5_group (Cook et al. 2019)");
            }
            continue;
        }
        split(line, delimiter, fields);
        const int needed = std::max({name_col, group_col, nt_col}) + 1;
        if (static_cast<int>(fields.size()) < needed)
            throw input_error({path, line_no, ""}, "expected at least " + std::to_string(needed) + " fields, found " +
                                                       std::to_string(fields.size()));
        const std::string name = normalise_cell_name(fields[name_col]);
        if (name.empty()) throw input_error({path, line_no, header[name_col]}, "expected a cell name, found an empty field");
        cell_info c;
        const std::string group = lower(fields[group_col]);
        if (owmeta) {
            std::string g = ";" + group + ";";
            g.erase(std::remove(g.begin(), g.end(), ' '), g.end());
            c.group = g.find(";motor;") != std::string::npos         ? "motor"
                      : g.find(";sensory;") != std::string::npos     ? "sensory"
                      : g.find(";interneuron;") != std::string::npos ? "inter"
                      : g == ";unknown;" || g == ";;"                ? "other"
                                                                     : "";
            if (c.group.empty())
                throw input_error({path, line_no, header[group_col]},
                                  "expected types among motor, sensory, interneuron, unknown (';'-separated), found '" +
                                      std::string(fields[group_col]) + "'");
            if (nt_col >= 0) {
                const std::string nt = lower(fields[nt_col]);
                c.known_transmitter = !nt.empty();
                c.inhibitory = (";" + nt + ";").find(";gaba;") != std::string::npos;
            }
        } else {
            static const std::vector<std::pair<std::string, std::string>> groups = {
                {"sensory neurons", "sensory"}, {"interneurons", "inter"}, {"motor neurons", "motor"},
                {"pharynx", "pharynx"},         {"sex specific", "sex_specific"}};
            const auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& p) { return p.first == group; });
            if (it != groups.end() && looks_like_neuron_name(name)) c.group = it->second;
        }
        m.cells.emplace(name, c);  // a repeated row keeps the first
    }
    if (m.cells.empty()) throw input_error({path, line_no, ""}, "expected at least one cell, found none");
    return m;
}

edge_list read_celegans_tables(const std::vector<std::string>& tables, const std::vector<std::string>& chemical,
                               const std::vector<std::string>& electrical, std::string& sources) {
    edge_list g;
    sources.clear();
    auto read = [&](const std::string& path, std::optional<connection_kind> kind) {
        const celegans_format f = read_celegans_table(path, g, kind);
        sources += (sources.empty() ? "" : ", ") + path + " (" + std::string(to_string(f)) + ")";
    };
    for (const auto& t : tables) read(t, std::nullopt);
    for (const auto& t : chemical) read(t, connection_kind::chemical);
    for (const auto& t : electrical) read(t, connection_kind::electrical);
    if (sources.empty()) throw input_error({"", 0, "FILE"}, "expected at least one connectome table");
    if (g.size() == 0) throw input_error({sources, 0, ""}, "expected at least one edge, found none");
    return g;
}

}  // namespace synaptogen
