#pragma once
#include <optional>
#include <string>
#include <vector>

#include <synaptogen/graph/ids.hpp>

namespace synaptogen {

// A named block of neurons with contiguous global ids [first, first + size).
struct population {
    std::string name;
    neuron_id first = 0;
    neuron_id size = 0;
};

// Populations in declaration order; global ids follow that order.
class population_layout {
public:
    // Appends a population; throws std::overflow_error when the total exceeds neuron_id.
    const population& add(const std::string& name, std::uint64_t size);
    std::optional<std::size_t> find(const std::string& name) const;
    const std::vector<population>& populations() const { return pops_; }
    const population& operator[](std::size_t i) const { return pops_[i]; }
    std::size_t count() const { return pops_.size(); }
    neuron_id total() const { return total_; }
    // Index of the population holding global id gid.
    std::size_t population_of(neuron_id gid) const;

private:
    std::vector<population> pops_;
    neuron_id total_ = 0;
};

}  // namespace synaptogen
