#include <synaptogen/models/network_spec.hpp>

#include <cmath>

namespace synaptogen {

std::uint64_t simulation_settings::steps() const {
    return static_cast<std::uint64_t>(std::llround(duration / dt));
}

std::vector<std::string> recordable_variables(neuron_model_kind k) { return state_variable_names(k); }

}  // namespace synaptogen
