#pragma once
// Gap-junction rows as connectome tables list them -> the junctions to build (both the
// in-memory importers and the streaming one use it).
#include <cstdint>
#include <string>
#include <vector>

namespace synaptogen {

struct listed_edge {
    std::uint32_t source, target;
    double weight;
};

// Gap junctions couple both cells, so a pair listed in both directions would couple twice.
// listed: every row is a junction; average / max: one junction per unordered pair (in the
// orientation first listed) with the mean / larger of its listed weights. Self-junctions
// are dropped (they couple nothing) and counted in `self_junctions`.
std::vector<listed_edge> merge_gap_junctions(const std::vector<listed_edge>& rows, const std::string& mode,
                                             std::size_t& self_junctions);

}  // namespace synaptogen
