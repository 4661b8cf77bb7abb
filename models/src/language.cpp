#include <synaptogen/models/language.hpp>

#include <algorithm>
#include <functional>

#include <synaptogen/models/network_spec.hpp>

namespace synaptogen {

const char* to_string(activation_kind a) {
    switch (a) {
    case activation_kind::relu: return "relu";
    case activation_kind::tanh: return "tanh";
    case activation_kind::sigmoid: return "sigmoid";
    case activation_kind::identity: return "identity";
    }
    return "?";
}

lm_plan plan_language_model(const network_spec& spec, const lm_spec& lm) {
    const std::size_t n = spec.layout.count();
    const auto& pops = spec.layout.populations();
    auto fail = [&](const std::string& field, const std::string& what) -> void {
        source_location w = lm.origin;
        w.field = "lm." + field;
        throw input_error(w, what);
    };
    if (lm.input >= n || lm.output >= n) fail("input", "the input and output must be populations of the network");
    if (lm.input == lm.output) fail("output", "the output population must differ from the input population");
    const std::uint64_t input_size = lm.encoding == token_encoding::window
                                         ? std::uint64_t(lm.context) * lm_vocabulary
                                         : std::uint64_t(lm_vocabulary);
    if (pops[lm.input].size != input_size)
        fail("input", "population '" + pops[lm.input].name + "' has " + std::to_string(pops[lm.input].size) +
                          " neurons; expected " + std::to_string(input_size) +
                          (lm.encoding == token_encoding::window
                               ? " (context " + std::to_string(lm.context) + " x 256 one-hot bytes)"
                               : " (256 one-hot bytes)"));
    if (pops[lm.output].size != lm_vocabulary)
        fail("output", "population '" + pops[lm.output].name + "' has " + std::to_string(pops[lm.output].size) +
                           " neurons; expected 256 (one logit per next byte)");

    // Population graph; every projection must be usable by the language model.
    std::vector<std::vector<bool>> edge(n, std::vector<bool>(n, false));
    for (const projection_spec& p : spec.projections) {
        source_location w = p.origin;
        if (p.target == lm.input)
            throw input_error(w, "projects into '" + pops[lm.input].name +
                                     "', the population that receives the tokens; expected no input to it");
        if (p.source == lm.output)
            throw input_error(w, "projects from '" + pops[lm.output].name +
                                     "', the population that gives the logits; expected no projection out of it");
        edge[p.source][p.target] = true;
    }
    // reach[a][b]: a path a -> ... -> b of one or more projections.
    std::vector<std::vector<bool>> reach = edge;
    for (std::size_t k = 0; k < n; ++k)
        for (std::size_t a = 0; a < n; ++a)
            if (reach[a][k])
                for (std::size_t b = 0; b < n; ++b)
                    if (reach[k][b]) reach[a][b] = true;

    lm_plan plan;
    plan.recurrent.assign(spec.projections.size(), false);
    plan.fan_in.assign(n, 0);
    for (std::size_t q = 0; q < spec.projections.size(); ++q) {
        const projection_spec& p = spec.projections[q];
        plan.fan_in[p.target] += pops[p.source].size;
        const bool cyclic = p.source == p.target || reach[p.target][p.source];
        if (!cyclic) continue;
        if (lm.encoding == token_encoding::window)
            throw input_error(p.origin, "projection " + pops[p.source].name + " -> " + pops[p.target].name +
                                            " closes a cycle, but the window encoding is feed-forward; expected "
                                            "an acyclic graph (or encoding = \"stream\" for a recurrent model)");
        plan.recurrent[q] = true;
    }
    if (!reach[lm.input][lm.output])
        fail("output", "no path of projections leads from '" + pops[lm.input].name + "' to '" +
                           pops[lm.output].name + "'; expected the tokens to reach the logits");

    // Kahn's algorithm over the projections that act within a step, lowest index first.
    std::vector<int> indegree(n, 0);
    std::vector<std::vector<bool>> within(n, std::vector<bool>(n, false));
    for (std::size_t q = 0; q < spec.projections.size(); ++q) {
        const projection_spec& p = spec.projections[q];
        if (plan.recurrent[q] || within[p.source][p.target]) continue;
        within[p.source][p.target] = true;
        ++indegree[p.target];
    }
    std::vector<bool> done(n, false);
    done[lm.input] = true;
    for (std::size_t b = 0; b < n; ++b)
        if (within[lm.input][b]) --indegree[b];
    for (std::size_t placed = 1; placed < n;) {
        std::size_t next = n;
        for (std::size_t a = 0; a < n && next == n; ++a)
            if (!done[a] && indegree[a] == 0 && a != lm.output) next = a;
        if (next == n) next = lm.output;  // only the output is left (it feeds nothing)
        if (done[next] || indegree[next] != 0) throw internal_error("plan_language_model: no topological order");
        done[next] = true;
        ++placed;
        plan.order.push_back(next);
        for (std::size_t b = 0; b < n; ++b)
            if (within[next][b]) --indegree[b];
    }
    return plan;
}

}  // namespace synaptogen
