#pragma once
// Splitting delimited text lines (CSV, TSV, blank-separated) the way connectome tables need:
// fields trimmed of blanks and surrounding quotes, numbers strict. Shared by the edge-list,
// matrix and cell-table readers.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace synaptogen::delimited {

inline bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

// Fields of one line, trimmed. ' ' splits at runs of blanks.
inline void split(std::string_view line, char delimiter, std::vector<std::string_view>& out) {
    out.clear();
    if (delimiter == ' ') {
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && blank(line[i])) ++i;
            const std::size_t start = i;
            while (i < line.size() && !blank(line[i])) ++i;
            if (i > start) out.push_back(trim(line.substr(start, i - start)));
        }
        return;
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = line.find(delimiter, start);
        out.push_back(trim(line.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start)));
        if (at == std::string_view::npos) return;
        start = at + 1;
    }
}

inline bool parse_number(std::string_view s, double& x) {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    return ec == std::errc() && end == s.data() + s.size() && std::isfinite(x);
}

inline bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

inline bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// Well-formed UTF-8 (ASCII included): what a TOML file may hold.
inline bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        i += n;
    }
    return true;
}

// Excel's "CSV UTF-8" starts the file with a byte-order mark; it is not part of the first field.
inline void drop_byte_order_mark(std::string& first_line) {
    if (first_line.compare(0, 3, "\xEF\xBB\xBF") == 0) first_line.erase(0, 3);
}

// From a first line: tab if it has one, else comma, else semicolon, else runs of blanks.
inline char detect_delimiter(std::string_view line) {
    return line.find('\t') != std::string_view::npos ? '\t'
           : line.find(',') != std::string_view::npos ? ','
           : line.find(';') != std::string_view::npos ? ';'
                                                      : ' ';
}

}  // namespace synaptogen::delimited
