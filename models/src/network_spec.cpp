#include <synaptogen/models/network_spec.hpp>

#include <cmath>

namespace synaptogen {

std::uint64_t simulation_settings::steps() const {
    return static_cast<std::uint64_t>(std::llround(duration / dt));
}

std::vector<std::string> recordable_variables(neuron_model_kind k) {
    if (k == neuron_model_kind::iaf_psc_exp) return {"V_m", "I_syn_ex", "I_syn_in"};
    return {"V_m"};
}

}  // namespace synaptogen
