#pragma once
// Delimited edge lists (CSV, TSV, ...) as real connectome files come: a header or none,
// comma/tab/semicolon/whitespace delimiters whatever the file is called, CRLF line ends,
// padded fields, a missing final newline, comment lines. Read one line at a time, so a
// caller that consumes rows as they come (for_each_edge_row) holds one line in memory.
// Every malformed row is one input_error naming the file, line and column. docs/connectomes.md
// describes the options and their defaults.
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace synaptogen {

enum class header_mode { detect, present, absent };

struct edge_list_options {
    // 0 detects it from the first line: tab, else comma, else semicolon (whichever the line
    // has), else runs of spaces.
    char delimiter = 0;
    // detect: the first line is a header if it names the source and target columns, or if
    // its weight field is not a number.
    header_mode header = header_mode::detect;
    // Column names (case-insensitive, from the header) or 1-based positions ("3"). Without a
    // header the names fall back to positions 1, 2, 3, 4. An empty weight or type column
    // means the file has none (weights default_weight, one type "").
    std::string source_column = "source", target_column = "target", weight_column = "weight", type_column = "type";
    double default_weight = 1.0;
    // Renames cells while reading: see normalise_cell_name.
    bool normalise_names = false;
    // Lines whose first non-blank character is this are skipped (0: none).
    char comment = '#';
};

// One data row: names trimmed (and normalised if asked), the weight parsed, the type as
// written (trimmed, lower case), the other columns as written.
struct edge_row {
    std::string_view source, target, type;
    double weight = 1.0;
    const std::vector<std::string_view>* extra = nullptr;  // values of edge_list_header::extra_columns
    int line = 0;
};

struct edge_list_header {
    char delimiter = ',';
    bool has_header = false;
    std::vector<std::string> extra_columns;  // names of the columns not mapped (header only)
};

// Streams the rows of `in` (named `file` in messages) to `row`; returns what was detected.
edge_list_header for_each_edge_row(std::istream& in, const std::string& file, const edge_list_options& o,
                                   const std::function<void(const edge_row&)>& row);

// A whole edge list in memory: nodes numbered in order of first appearance.
struct edge_list {
    std::vector<std::string> nodes;
    std::vector<std::uint32_t> source, target;
    std::vector<double> weight;
    std::vector<std::uint16_t> type;   // index into types
    std::vector<std::string> types;    // in order of first appearance
    edge_list_header header;
    std::vector<std::vector<std::string>> extra;  // [extra column][edge]
    // Where each node was first named, for messages: files[node_file[n]], line node_line[n].
    std::vector<std::string> files;
    std::vector<std::uint16_t> node_file;
    std::vector<int> node_line;

    std::size_t size() const { return source.size(); }
    // The node of `name`, added if new (first named on `line` of the last of `files`).
    std::uint32_t node(std::string_view name, int line = 0);
    std::optional<std::uint32_t> find(std::string_view name) const;
    std::uint32_t at(std::string_view name) const;  // throws std::out_of_range if absent
    // Appends an edge; `type` is added to `types` if new.
    void add(std::uint32_t source, std::uint32_t target, double weight, std::string_view type, const std::string& file, int line);

private:
    // Name -> node by open addressing over (hash, node) slots, at most half full; the names
    // are `nodes`. A lookup touches a slot and a name (two cache misses), where a node-based
    // map walks a chain of pointers: importing large lists is bound by these lookups.
    struct slot {
        std::uint64_t hash = 0;
        std::uint32_t node = ~0u;
    };
    std::vector<slot> slots_;
    std::size_t probe(std::string_view name, std::uint64_t hash) const;  // its slot, or the empty one to fill
};

edge_list read_edge_list(std::istream& in, const std::string& file, const edge_list_options& o = {});
edge_list read_edge_list(const std::string& path, const edge_list_options& o = {});

// Cook et al./WormWiring number cells with a leading zero (AS01, VC06, DD01) where every
// other C. elegans table writes AS1, VC6, DD1: in a name made of upper-case letters then
// digits, leading zeros of the digits are dropped (at least one digit stays). Other names
// (dBWML1, a lower-case muscle name; ADAL) are returned unchanged.
std::string normalise_cell_name(std::string_view name);

}  // namespace synaptogen
