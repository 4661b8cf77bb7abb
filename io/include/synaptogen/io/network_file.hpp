#pragma once
#include <optional>
#include <string>

#include <synaptogen/graph/synapse_table.hpp>
#include <synaptogen/models/network_spec.hpp>

namespace synaptogen {

// Reads and checks a TOML network description (format: docs/format.md). Every problem
// throws input_error naming the file, the line and the field, with what was expected;
// an unknown key comes with the closest valid one.
// `scale` (if given) replaces [scaling].scale; the scaling is applied before returning.
network_spec load_network_file(const std::string& path, std::optional<double> scale = {});
// The same from text already in memory; `name` stands for the file in messages.
network_spec parse_network(const std::string& text, const std::string& name, std::optional<double> scale = {});

// Helpers for messages, shared by io's readers and the program:
// the closest candidate by edit distance, or "" when nothing is reasonably close;
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);
// "; did you mean 'x'? (expected one of: a, b, c)" (the first part only when one is close);
std::string suggest(const std::string& word, const std::vector<std::string>& options);
// "a, b, c";
std::string join(const std::vector<std::string>& names);
// a number as a person writes it: 0.05 rather than std::to_string's 0.050000 (10 digits).
std::string number_text(double x);

}  // namespace synaptogen
