#include <synaptogen/models/synapse_model.hpp>

#include <cmath>
#include <utility>

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

std::vector<std::string> synapse_parameter_names(synapse_kind k) {
    if (k == synapse_kind::stdp) return {"tau_plus", "tau_minus", "A_plus", "A_minus", "w_min", "w_max", "rule", "pairing"};
    if (k == synapse_kind::graded) return {"E_rev", "V_half", "V_slope"};
    return {};
}

namespace {
double* numeric_field(synapse_spec& s, const std::string& name) {
    if (s.kind == synapse_kind::stdp) {
        stdp_parameters& q = s.stdp;
        if (name == "tau_plus") return &q.tau_plus;
        if (name == "tau_minus") return &q.tau_minus;
        if (name == "A_plus") return &q.A_plus;
        if (name == "A_minus") return &q.A_minus;
        if (name == "w_min") return &q.w_min;
        if (name == "w_max") return &q.w_max;
    }
    if (s.kind == synapse_kind::graded) {
        if (name == "E_rev") return &s.graded.E_rev;
        if (name == "V_half") return &s.graded.V_half;
        if (name == "V_slope") return &s.graded.V_slope;
    }
    return nullptr;
}
}  // namespace

bool set_synapse_parameter(synapse_spec& s, const std::string& name, double value) {
    double* f = numeric_field(s, name);
    if (f) *f = value;
    return f != nullptr;
}

bool get_synapse_parameter(const synapse_spec& s, const std::string& name, double& value) {
    const double* f = numeric_field(const_cast<synapse_spec&>(s), name);
    if (f) value = *f;
    return f != nullptr;
}

std::vector<synapse_problem> check_synapse(const synapse_spec& s) {
    std::vector<synapse_problem> out;
    if (s.kind == synapse_kind::stdp) {
        const stdp_parameters& q = s.stdp;
        for (auto [name, value] : {std::pair{"tau_plus", q.tau_plus}, std::pair{"tau_minus", q.tau_minus}})
            if (!(value > 0.0) || !std::isfinite(value)) out.push_back({name, "expected a positive time constant in ms"});
        for (auto [name, value] : {std::pair{"A_plus", q.A_plus}, std::pair{"A_minus", q.A_minus}})
            if (!(value >= 0.0) || !std::isfinite(value)) out.push_back({name, "expected an amplitude >= 0"});
        if (!std::isfinite(q.w_min) || !std::isfinite(q.w_max) || !(q.w_min < q.w_max))
            out.push_back({"w_max", "expected finite bounds with w_min < w_max"});
    }
    if (s.kind == synapse_kind::graded) {
        if (!(s.graded.V_slope > 0.0) || !std::isfinite(s.graded.V_slope))
            out.push_back({"V_slope", "expected a positive slope in mV"});
        if (!std::isfinite(s.graded.E_rev)) out.push_back({"E_rev", "expected a finite potential in mV"});
        if (!std::isfinite(s.graded.V_half)) out.push_back({"V_half", "expected a finite potential in mV"});
    }
    return out;
}

}  // namespace synaptogen
