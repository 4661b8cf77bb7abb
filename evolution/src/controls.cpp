#include <synaptogen/evolution/controls.hpp>

#include <cmath>

#include <synaptogen/graph/connectome_edit.hpp>

namespace synaptogen {

namespace {
const std::vector<std::pair<const char*, control_kind>> names = {
    {"connectome", control_kind::connectome},
    {"random", control_kind::random},
    {"degree_preserving", control_kind::degree_preserving},
    {"sign_shuffled", control_kind::sign_shuffled},
    {"dense", control_kind::dense},
};
}

const char* to_string(control_kind k) {
    for (const auto& [n, v] : names)
        if (v == k) return n;
    return "?";
}

control_kind parse_control(const std::string& name, const source_location& field) {
    std::string options;
    for (const auto& [n, v] : names) {
        if (name == n) return v;
        options += std::string(options.empty() ? "" : ", ") + n;
    }
    throw input_error(field, "unknown control '" + name + "'; expected one of " + options);
}

control make_control(control_kind kind, const connectome& c, bool written_weights, std::uint64_t seed,
                     double swaps_per_edge) {
    control out;
    out.kind = kind;
    out.graph = c;
    out.written_weights = written_weights;
    for (std::size_t q = 0; q < out.graph.projections.size(); ++q) {
        edge_set& e = out.graph.projections[q];
        counter_rng rng(seed, stream_purpose::null_model, static_cast<std::uint32_t>(q), static_cast<std::uint32_t>(kind));
        switch (kind) {
            case control_kind::connectome: break;
            case control_kind::random: randomize_edges(e, rng); break;
            case control_kind::degree_preserving: {
                const auto asked = static_cast<edge_index>(std::llround(swaps_per_edge * static_cast<double>(e.size())));
                out.swap_attempts_target += asked;
                out.swaps += degree_preserving_shuffle(e, asked, seed, 0x100u + static_cast<std::uint32_t>(q));
                break;
            }
            case control_kind::sign_shuffled: shuffle_signs(e, rng); break;
            case control_kind::dense: {
                double sum = 0.0;
                for (float w : e.weight) sum += w;
                make_dense(e, e.size() ? static_cast<float>(sum / static_cast<double>(e.size())) : 0.0f);
                out.written_weights = false;
                break;
            }
        }
    }
    return out;
}

}  // namespace synaptogen
