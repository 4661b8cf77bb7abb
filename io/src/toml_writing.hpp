#pragma once
// Small pieces for writing TOML network descriptions (the importers).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

namespace synaptogen::toml_writing {

// A basic TOML string: quotes and backslashes escaped, control characters as \uXXXX.
// (Names are checked to be UTF-8 when read: edge_list::node.)
inline std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
            continue;
        }
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// Every line of `text` as a TOML comment.
inline std::string comment_lines(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (!text.empty()) {
        const std::size_t end = text.find('\n', start);
        out += "# " + text.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

// `names` as the value of cell_names, ten to a line.
inline std::string name_list(const std::vector<std::string>& names) {
    std::string out = "[";
    for (std::size_t c = 0; c < names.size(); ++c) out += (c % 10 == 0 ? "\n  " : " ") + quoted(names[c]) + ",";
    return out + "\n]";
}

// A projection name from an edge type: letters, digits and '_' (others become '_'), "edges"
// for no type, and _2, _3, ... appended while it collides with a name in `taken` (types
// "ach-r" and "ach_r" must not become one projection name).
inline std::string projection_identifier(const std::string& type, const std::vector<std::string>& taken) {
    std::string base = type.empty() ? "edges" : type;
    for (char& c : base)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    std::string name = base;
    for (int k = 2; std::find(taken.begin(), taken.end(), name) != taken.end(); ++k) name = base + "_" + std::to_string(k);
    return name;
}

}  // namespace synaptogen::toml_writing
