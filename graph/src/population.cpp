#include <synaptogen/graph/population.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace synaptogen {

const population& population_layout::add(const std::string& name, std::uint64_t size) {
    const std::uint64_t limit = std::numeric_limits<neuron_id>::max();
    if (size > limit || total_ + size > limit)
        throw std::overflow_error("the network would have " + std::to_string(total_ + size) +
                                  " neurons; at most " + std::to_string(limit) +
                                  " fit in a 32-bit neuron id");
    pops_.push_back({name, total_, static_cast<neuron_id>(size)});
    total_ += static_cast<neuron_id>(size);
    return pops_.back();
}

std::optional<std::size_t> population_layout::find(const std::string& name) const {
    for (std::size_t i = 0; i < pops_.size(); ++i)
        if (pops_[i].name == name) return i;
    return std::nullopt;
}

std::size_t population_layout::population_of(neuron_id gid) const {
    auto it = std::upper_bound(pops_.begin(), pops_.end(), gid,
                               [](neuron_id g, const population& p) { return g < p.first; });
    return static_cast<std::size_t>(it - pops_.begin()) - 1;
}

}  // namespace synaptogen
