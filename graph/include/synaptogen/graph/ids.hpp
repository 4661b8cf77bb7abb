#pragma once
#include <cstdint>

namespace synaptogen {

using neuron_id = std::uint32_t;   // global node id: populations are numbered in declaration order
using edge_index = std::uint64_t;  // position in a synapse table
using step_t = std::uint32_t;      // simulation step; spikes at step s are stamped (s + 1) * dt

}  // namespace synaptogen
