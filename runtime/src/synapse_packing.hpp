#pragma once
// From synapse tables and generated parts to the device layout: per delivery partition (a
// contiguous target range) a CSR over all sources, a 32-bit target|delay word and a float
// weight per synapse. Host code; the engine allocates the Views and hands their memory in.
#include <cstdint>
#include <vector>

#include <synaptogen/graph/synapse_table.hpp>

namespace synaptogen {

// Target and delay in one 32-bit word: target in the low target_bits, delay above.
// Also says whether inhibitory input needs its own ring channel: only models with
// separate synaptic currents do; otherwise every synapse writes channel 0, which halves
// the memory that delivery touches. Networks whose projections name receptor ports (NEST's
// glif_psc has up to 4) give the ring `channels` channels and each word its channel in its
// top port_bits bits, fixed at packing: the projection's port, or the weight's sign.
struct packing {
    unsigned target_bits = 32;
    std::uint32_t target_mask = 0xFFFFFFFFu;
    std::uint32_t delay_mask = 0xFFFFFFFFu;  // of word >> target_bits
    bool split_channels = true;
    unsigned channels = 2;
    unsigned port_bits = 0;
};

// Bits of a word left for the delay once target and channel have theirs.
inline unsigned delay_bits(const packing& pk) { return 32 - (pk.target_bits + pk.port_bits < 32 ? pk.target_bits + pk.port_bits : 32); }

// A synapse's word; `port` is its projection's receptor port (0: none, the sign decides).
inline std::uint32_t pack_word(const packing& pk, std::uint32_t target, std::uint32_t delay, std::uint32_t port, float w) {
    std::uint32_t word = target | (delay << pk.target_bits);
    if (pk.port_bits > 0) {
        const std::uint32_t channel = port > 0 ? port - 1 : (pk.split_channels && w < 0.0f ? 1u : 0u);
        word |= channel << (32 - pk.port_bits);
    }
    return word;
}

// Host form of one synapse store before it goes to the device: CSR by source with one row
// map per partition, plus a per-synapse tag (the STDP rule of plastic synapses).
struct packed_store {
    std::vector<edge_index> row_map;  // [partition][source], (n + 1) per partition
    std::vector<neuron_id> entries;
    std::vector<float> values;
    std::vector<std::uint16_t> tags;
    std::vector<edge_index> position;  // if asked for: device index of each synapse of the table
};

// Partition boundaries (P + 1) so that each partition receives a similar share of synapses.
std::vector<neuron_id> partition_bounds(const std::vector<edge_index>& in_degree, int P);

// Packs a merged table (the plastic store's path). keep_positions records where each
// table synapse went.
// `ports`: the receptor port of each tag's synapses (empty: none).
packed_store pack_store(const synapse_table& table, const std::vector<std::uint16_t>& tags, neuron_id n, int P,
                        const packing& pk, bool keep_positions = false, const std::vector<std::uint32_t>& ports = {});

// Concatenates per-projection tables row by row, tagging each synapse with its table's index.
synapse_table merge_tables(const std::vector<synapse_table>& parts, neuron_id n, std::vector<std::uint16_t>& tags);

// The static store packed straight from generated parts, in two passes: plan_packing
// counts (rows per partition and source, in-degrees, weight and delay ranges; columns of
// fixed_indegree parts are drawn here a first time), fill_packed writes every synapse
// into its final place (columns drawn again, deferred weights and delays drawn now, which
// completes the plan's ranges) and frees each chunk as soon as it is packed. The host never holds a second copy of the network: the peak is the packed
// store plus one chunk per thread. The layout equals pack_store(merge_synapses(parts)).
struct packing_plan {
    neuron_id n = 0;
    int partitions = 1;
    std::vector<neuron_id> bound;     // partition boundaries
    std::vector<edge_index> row_map;  // [partition][source], (n + 1) per partition
    edge_index synapses = 0;
    // Ranges of the values: complete only after fill_packed, which draws deferred values
    // (projection_part::deferred_values) as it packs them.
    double max_abs_weight = 0.0;
    std::uint32_t min_delay = 0, max_delay = 0;  // 0, 0 without synapses
    // The weight of each source's synapses, when every projection has one constant weight
    // and those sharing a source agree (Brunel, COBA): then no weight is stored per
    // synapse. Empty otherwise.
    std::vector<float> row_weight;
    // Columns of by-target parts, split into blocks within each partition; a block counts
    // its synapses per source (then: where it starts in each row, relative to the part).
    struct column_block {
        std::size_t part = 0;
        int partition = 0;
        std::uint64_t first = 0, last = 0;  // local columns
        std::vector<std::uint32_t> per_source;
    };
    std::vector<column_block> blocks;
};
packing_plan plan_packing(const synapse_parts& parts, int P);
// `ports`: the receptor port of each projection (empty: none). `values` is not written
// (and may be null) when the plan has row weights.
void fill_packed(synapse_parts& parts, packing_plan& plan, const packing& pk, neuron_id* entries, float* values,
                 const std::vector<std::uint32_t>& ports = {});

// Orders every row of every partition by delay (a stable counting sort: targets stay
// ascending within a delay) and writes where each delay begins within its row into
// group_start: [partition][source][delay - d_min], P * n * (d_max - d_min + 1) entries
// (the device table's host mirror: on host backends the table itself, so no copy is
// held). What arrival-time delivery reads. `values` may be null (row weights).
void order_by_delay(const edge_index* row_map, neuron_id* entries, float* values, neuron_id n, int P, const packing& pk,
                    std::uint32_t d_min, std::uint32_t d_max, std::uint32_t* group_start);

}  // namespace synaptogen
