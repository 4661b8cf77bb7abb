#include <synaptogen/io/edge_list.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>

#include <synaptogen/graph/errors.hpp>

#include "delimited.hpp"

namespace synaptogen {

namespace {

using namespace delimited;

std::string describe_columns(const std::vector<std::string_view>& names) {
    std::string out;
    for (auto n : names) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
}

}  // namespace

std::string normalise_cell_name(std::string_view name) {
    std::size_t letters = 0;
    while (letters < name.size() && std::isupper(static_cast<unsigned char>(name[letters]))) ++letters;
    if (letters == 0 || letters == name.size() || !all_digits(name.substr(letters))) return std::string(name);
    std::size_t first = letters;
    while (first + 1 < name.size() && name[first] == '0') ++first;
    return std::string(name.substr(0, letters)) + std::string(name.substr(first));
}

edge_list_header for_each_edge_row(std::istream& in, const std::string& file, const edge_list_options& o,
                                   const std::function<void(const edge_row&)>& emit) {
    edge_list_header h;
    std::string line, type_lower, source_name, target_name;
    std::vector<std::string_view> fields, header_fields, extra;
    std::vector<std::string> header_names;
    int line_no = 0;
    bool first = true;
    int src = -1, tgt = -1, wcol = -1, tcol = -1;
    std::vector<int> extra_cols;
    std::size_t needed = 0;

    // Column spec -> 0-based index (-1: none). Names need a header; positions do not.
    auto resolve = [&](const std::string& spec, int fallback, bool required, const char* role) -> int {
        if (spec.empty()) return -1;
        if (all_digits(spec)) {
            const int k = std::stoi(spec) - 1;
            if (k < 0) throw input_error({file, line_no, role}, "column positions start at 1");
            return k;
        }
        if (!h.has_header) return fallback;
        for (std::size_t k = 0; k < header_fields.size(); ++k)
            if (same_name(header_fields[k], spec)) return static_cast<int>(k);
        if (required)
            throw input_error({file, line_no, role}, "no column named '" + spec + "' in the header (columns: " +
                                                         describe_columns(header_fields) + ")");
        return -1;
    };

    while (std::getline(in, line)) {
        if (++line_no == 1) drop_byte_order_mark(line);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string_view text = trim(line);
        if (text.empty() || (o.comment && text.front() == o.comment)) continue;
        if (first) {
            first = false;
            h.delimiter = o.delimiter ? o.delimiter : detect_delimiter(line);
            split(line, h.delimiter, fields);
            double x = 0.0;
            h.has_header = o.header == header_mode::present ||
                           (o.header == header_mode::detect &&
                            (std::any_of(fields.begin(), fields.end(),
                                         [&](std::string_view f) { return same_name(f, o.source_column) || same_name(f, o.target_column); }) ||
                             (fields.size() >= 3 && !parse_number(fields[2], x))));
            if (h.has_header) {
                for (auto f : fields) header_names.emplace_back(f);
                for (const auto& n : header_names) header_fields.emplace_back(n);
            }
            src = resolve(o.source_column, 0, true, "source");
            tgt = resolve(o.target_column, 1, true, "target");
            const bool default_weight_column = o.weight_column == "weight", default_type_column = o.type_column == "type";
            wcol = resolve(o.weight_column, fields.size() >= 3 ? 2 : -1, !default_weight_column, "weight");
            tcol = resolve(o.type_column, fields.size() >= 4 ? 3 : -1, !default_type_column, "type");
            needed = static_cast<std::size_t>(std::max({src, tgt, wcol, tcol})) + 1;
            if (h.has_header)
                for (std::size_t k = 0; k < header_names.size(); ++k)
                    if (static_cast<int>(k) != src && static_cast<int>(k) != tgt && static_cast<int>(k) != wcol &&
                        static_cast<int>(k) != tcol) {
                        extra_cols.push_back(static_cast<int>(k));
                        h.extra_columns.push_back(header_names[k]);
                    }
            if (h.has_header) continue;
        } else {
            split(line, h.delimiter, fields);
        }
        if (fields.size() < needed)
            throw input_error({file, line_no, ""}, "expected at least " + std::to_string(needed) + " fields separated by '" +
                                                       (h.delimiter == '\t' ? std::string("\\t") : std::string(1, h.delimiter)) +
                                                       "', found " + std::to_string(fields.size()));
        edge_row r;
        r.line = line_no;
        r.source = fields[src];
        r.target = fields[tgt];
        if (r.source.empty()) throw input_error({file, line_no, "source"}, "expected a cell name, found an empty field");
        if (r.target.empty()) throw input_error({file, line_no, "target"}, "expected a cell name, found an empty field");
        if (o.normalise_names) {
            source_name = normalise_cell_name(r.source);
            target_name = normalise_cell_name(r.target);
            r.source = source_name;
            r.target = target_name;
        }
        r.weight = o.default_weight;
        if (wcol >= 0 && !parse_number(fields[wcol], r.weight))
            throw input_error({file, line_no, h.has_header ? header_names[wcol] : "weight"},
                              "expected a number, found '" + std::string(fields[wcol]) + "'");
        if (tcol >= 0) {
            type_lower.assign(fields[tcol]);
            for (char& c : type_lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            r.type = type_lower;
        }
        extra.clear();
        for (int k : extra_cols) extra.push_back(k < static_cast<int>(fields.size()) ? fields[k] : std::string_view());
        r.extra = &extra;
        emit(r);
    }
    if (in.bad()) throw input_error({file, line_no, ""}, "could not read the file");
    return h;
}

std::size_t edge_list::probe(std::string_view name, std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        const slot& s = slots_[i];
        if (s.node == ~0u || (s.hash == hash && nodes[s.node] == name)) return i;
    }
}

std::optional<std::uint32_t> edge_list::find(std::string_view name) const {
    if (slots_.empty()) return std::nullopt;
    const slot& s = slots_[probe(name, std::hash<std::string_view>{}(name))];
    return s.node == ~0u ? std::nullopt : std::optional<std::uint32_t>(s.node);
}

std::uint32_t edge_list::at(std::string_view name) const {
    if (const auto n = find(name)) return *n;
    throw std::out_of_range("no node named '" + std::string(name) + "'");
}

std::uint32_t edge_list::node(std::string_view name, int line) {
    const std::uint64_t hash = std::hash<std::string_view>{}(name);
    if (2 * (nodes.size() + 1) > slots_.size()) {  // grow: rehash from the stored hashes
        std::vector<slot> old(std::max<std::size_t>(64, 2 * slots_.size()));
        old.swap(slots_);
        for (const slot& s : old)
            if (s.node != ~0u) slots_[probe(nodes[s.node], s.hash)] = s;
    }
    slot& s = slots_[probe(name, hash)];
    if (s.node != ~0u) return s.node;
    const std::string& file = files.empty() ? std::string() : files.back();
    if (!valid_utf8(name))
        throw input_error({file, line, "cell"}, "the cell name '" + std::string(name) + "' is not UTF-8; expected a UTF-8 file");
    if (nodes.size() == ~0u - 1) throw input_error({file, line, "cell"}, "more than 2^32 - 2 cells");
    if (files.size() > 65535) throw input_error({file, line, ""}, "more than 65,535 files in one edge list");
    s = {hash, static_cast<std::uint32_t>(nodes.size())};
    nodes.emplace_back(name);
    node_file.push_back(static_cast<std::uint16_t>(files.empty() ? 0 : files.size() - 1));
    node_line.push_back(line);
    return s.node;
}

void edge_list::add(std::uint32_t s, std::uint32_t t, double w, std::string_view type_name, const std::string& file, int line) {
    auto t_at = std::find(types.begin(), types.end(), type_name);
    if (t_at == types.end()) {
        if (types.size() == 65535) throw input_error({file, line, "type"}, "more than 65535 synapse types");
        types.emplace_back(type_name);
        t_at = types.end() - 1;
    }
    source.push_back(s);
    target.push_back(t);
    weight.push_back(w);
    type.push_back(static_cast<std::uint16_t>(t_at - types.begin()));
}

edge_list read_edge_list(std::istream& in, const std::string& file, const edge_list_options& o) {
    edge_list g;
    g.files.push_back(file);
    g.header = for_each_edge_row(in, file, o, [&](const edge_row& r) {
        const std::uint32_t s = g.node(r.source, r.line), t = g.node(r.target, r.line);
        g.add(s, t, r.weight, r.type, file, r.line);
        if (g.extra.size() < r.extra->size()) g.extra.resize(r.extra->size());
        for (std::size_t k = 0; k < r.extra->size(); ++k) g.extra[k].emplace_back((*r.extra)[k]);
    });
    return g;
}

edge_list read_edge_list(const std::string& path, const edge_list_options& o) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error({path, 0, ""}, "cannot open the file");
    return read_edge_list(in, path, o);
}

}  // namespace synaptogen
