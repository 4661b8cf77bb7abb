#pragma once
// Small pieces for writing TOML network descriptions (the importers).
#include <string>
#include <vector>

namespace synaptogen::toml_writing {

// A basic TOML string: quotes and backslashes escaped.
inline std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
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

}  // namespace synaptogen::toml_writing
