#include <synaptogen/models/synapse_model.hpp>

namespace synaptogen {

namespace {
struct kind_name {
    synapse_kind kind;
    const char* name;
};
constexpr kind_name kind_names[] = {{synapse_kind::static_synapse, "static"},
                                    {synapse_kind::stdp, "stdp"},
                                    {synapse_kind::gap_junction, "gap_junction"},
                                    {synapse_kind::graded, "graded"},
                                    {synapse_kind::rate, "rate"}};
}  // namespace

const char* to_string(synapse_kind k) {
    for (const auto& n : kind_names)
        if (n.kind == k) return n.name;
    return "?";
}

bool parse_synapse_kind(const std::string& name, synapse_kind& out) {
    for (const auto& n : kind_names)
        if (name == n.name) {
            out = n.kind;
            return true;
        }
    return false;
}

std::vector<std::string> synapse_kind_names() {
    std::vector<std::string> out;
    for (const auto& n : kind_names) out.push_back(n.name);
    return out;
}

}  // namespace synaptogen
