#include "synapse_packing.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include <tbb/blocked_range.h>
#include <tbb/combinable.h>
#include <tbb/parallel_for.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <synaptogen/graph/errors.hpp>

namespace synaptogen {

std::vector<neuron_id> partition_bounds(const std::vector<edge_index>& in_degree, int P) {
    const neuron_id n = static_cast<neuron_id>(in_degree.size());
    std::vector<neuron_id> bound(P + 1, n);
    bound[0] = 0;
    edge_index E = 0;
    for (auto d : in_degree) E += d;
    edge_index acc = 0;
    int p = 1;
    for (neuron_id t = 0; t < n && p < P; ++t) {
        acc += in_degree[t];
        while (p < P && acc * P >= E * static_cast<edge_index>(p)) bound[p++] = t + 1;
    }
    return bound;
}

namespace {

int partition_of(const std::vector<neuron_id>& bound, neuron_id t) {
    int p = 0;
    while (t >= bound[p + 1]) ++p;
    return p;
}

}  // namespace

packed_store pack_store(const synapse_table& table, const std::vector<std::uint16_t>& tags, neuron_id n, int P,
                        const packing& pk, bool keep_positions, const std::vector<std::uint32_t>& ports) {
    const std::vector<neuron_id> bound = partition_bounds(table.in_degrees(), P);
    auto part_of = [&](neuron_id t) { return partition_of(bound, t); };
    const std::size_t stride = static_cast<std::size_t>(n) + 1;
    packed_store out;
    out.row_map.assign(static_cast<std::size_t>(P) * stride, 0);
    // count[p][src] -> offsets, then fill; both passes parallel over sources.
    tbb::parallel_for(tbb::blocked_range<neuron_id>(0, n, 1024), [&](const auto& r) {
        for (neuron_id s = r.begin(); s != r.end(); ++s)
            for (edge_index e = table.row_map[s]; e < table.row_map[s + 1]; ++e)
                ++out.row_map[part_of(table.target[e]) * stride + s + 1];
    });
    edge_index base = 0;
    for (int p = 0; p < P; ++p) {
        edge_index* row = out.row_map.data() + p * stride;
        row[0] = base;
        for (neuron_id s = 0; s < n; ++s) row[s + 1] += row[s];
        base = row[n];
    }
    out.entries.resize(table.size());
    out.values.resize(table.size());
    if (!tags.empty()) out.tags.resize(table.size());
    if (keep_positions) out.position.resize(table.size());
    tbb::parallel_for(tbb::blocked_range<neuron_id>(0, n, 1024), [&](const auto& r) {
        std::vector<edge_index> at(P);
        for (neuron_id s = r.begin(); s != r.end(); ++s) {
            for (int p = 0; p < P; ++p) at[p] = out.row_map[p * stride + s];
            for (edge_index e = table.row_map[s]; e < table.row_map[s + 1]; ++e) {
                const edge_index k = at[part_of(table.target[e])]++;
                const std::uint32_t port = ports.empty() ? 0 : ports[tags[e]];
                out.entries[k] = pack_word(pk, table.target[e], table.delay[e], port, table.weight[e]);
                out.values[k] = table.weight[e];
                if (!tags.empty()) out.tags[k] = tags[e];
                if (keep_positions) out.position[e] = k;
            }
        }
    });
    return out;
}

synapse_table merge_tables(const std::vector<synapse_table>& parts, neuron_id n, std::vector<std::uint16_t>& tags) {
    synapse_table out;
    out.n_neurons = n;
    out.row_map.assign(static_cast<std::size_t>(n) + 1, 0);
    for (const auto& t : parts)
        for (neuron_id i = 0; i < n; ++i) out.row_map[i + 1] += t.row_map[i + 1] - t.row_map[i];
    for (neuron_id i = 0; i < n; ++i) out.row_map[i + 1] += out.row_map[i];
    const edge_index E = out.row_map[n];
    out.target.resize(E);
    out.weight.resize(E);
    out.delay.resize(E);
    tags.resize(E);
    std::vector<edge_index> at(out.row_map.begin(), out.row_map.end() - 1);
    for (std::size_t k = 0; k < parts.size(); ++k)
        for (neuron_id i = 0; i < n; ++i)
            for (edge_index e = parts[k].row_map[i]; e < parts[k].row_map[i + 1]; ++e) {
                const edge_index j = at[i]++;
                out.target[j] = parts[k].target[e];
                out.weight[j] = parts[k].weight[e];
                out.delay[j] = parts[k].delay[e];
                tags[j] = static_cast<std::uint16_t>(k);
            }
    return out;
}

namespace {

// Gives freed chunks back to the system: glibc keeps freed heap memory for reuse, which
// would leave packed chunks counted in the peak while the packed store grows. Trimming
// walks the heap, so it runs once per 8 MiB freed rather than per chunk.
class memory_releaser {
public:
    void freed(std::size_t bytes) {
        if (pending_.fetch_add(bytes) + bytes < (std::size_t(8) << 20)) return;
        pending_ = 0;
        std::lock_guard<std::mutex> lock(trimming_);
        trim();
    }
    static void trim() {
#if defined(__GLIBC__)
        malloc_trim(0);
#endif
    }

private:
    std::atomic<std::size_t> pending_{0};
    std::mutex trimming_;
};

// The local column ranges of a by-target part that fall in partition p, in blocks of
// similar size (several per partition so that threads share the work).
std::vector<std::pair<std::uint64_t, std::uint64_t>> column_blocks(const projection_part& part,
                                                                   const std::vector<neuron_id>& bound, int p) {
    const std::uint64_t tf = part.target_first;
    const std::uint64_t lo = std::max<std::uint64_t>(bound[p], tf + part.first_column),
                        hi = std::min<std::uint64_t>(bound[p + 1], tf + part.last_column);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    if (lo >= hi) return out;
    const std::uint64_t n_cols = hi - lo, n_blocks = std::clamp<std::uint64_t>(n_cols / 1024, 1, 16);
    for (std::uint64_t b = 0; b < n_blocks; ++b)
        out.emplace_back(lo - tf + n_cols * b / n_blocks, lo - tf + n_cols * (b + 1) / n_blocks);
    return out;
}

}  // namespace

namespace {

// The largest |weight| and the delay range of some synapses.
struct value_range {
    double w = 0.0;
    std::uint32_t lo = ~0u, hi = 0;
    void add(const std::vector<float>& ws, const std::vector<std::uint16_t>& ds) {
        for (float x : ws) w = std::max(w, std::fabs(double(x)));
        for (auto d : ds) {
            lo = std::min<std::uint32_t>(lo, d);
            hi = std::max<std::uint32_t>(hi, d);
        }
    }
};

// Each source's one weight, or nothing if some projection's weights vary or two
// projections from one source disagree.
std::vector<float> uniform_row_weights(const synapse_parts& parts) {
    if (parts.size() == 0) return {};
    std::vector<float> w(parts.n_neurons, 0.0f);
    std::vector<bool> set(parts.n_neurons, false);
    for (const projection_part& part : parts.projections) {
        if (part.size == 0) continue;
        if (!part.constant_weight) return {};
        for (neuron_id s = part.source_first; s < part.source_first + part.n_sources; ++s) {
            // Bitwise: -0.0 and 0.0 take different ring channels.
            if (set[s] && std::memcmp(&w[s], &part.weight, sizeof(float)) != 0) return {};
            w[s] = part.weight;
            set[s] = true;
        }
    }
    return w;
}

}  // namespace

packing_plan plan_packing(const synapse_parts& parts, int P) {
    packing_plan plan;
    const neuron_id n = parts.n_neurons;
    plan.n = n;
    plan.partitions = P;
    plan.synapses = parts.size();
    std::uint32_t d_lo = ~0u, d_hi = 0;

    // In-degrees (for the partition bounds): by-target parts have a fixed one.
    tbb::combinable<std::vector<edge_index>> local_in([&] { return std::vector<edge_index>(n, 0); });
    std::vector<edge_index> in_degree(n, 0);
    for (const projection_part& part : parts.projections) {
        if (part.by_target) {
            for (neuron_id c = part.first_column; c < part.last_column; ++c) in_degree[part.target_first + c] += part.in_degree;
            continue;
        }
        tbb::parallel_for(std::size_t(0), part.chunks.size(), [&](std::size_t c) {
            std::vector<edge_index>& in = local_in.local();
            for (neuron_id t : part.chunks[c].target) ++in[part.target_first + t];
        });
    }
    local_in.combine_each([&](const std::vector<edge_index>& in) {
        for (neuron_id t = 0; t < n; ++t) in_degree[t] += in[t];
    });
    plan.bound = partition_bounds(in_degree, P);

    // Rows per partition and source; weight and delay ranges.
    const std::size_t stride = static_cast<std::size_t>(n) + 1;
    plan.row_map.assign(static_cast<std::size_t>(P) * stride, 0);
    for (std::size_t k = 0; k < parts.projections.size(); ++k) {
        const projection_part& part = parts.projections[k];
        if (part.size == 0) continue;
        if (part.constant_weight) plan.max_abs_weight = std::max(plan.max_abs_weight, std::fabs(double(part.weight)));
        if (part.constant_delay) {
            d_lo = std::min<std::uint32_t>(d_lo, part.delay);
            d_hi = std::max<std::uint32_t>(d_hi, part.delay);
        }
        tbb::combinable<value_range> ranges;  // of values drawn already (deferred ones: fill_packed)
        if (!part.by_target) {
            // Chunks hold disjoint sources, so their counts never collide.
            tbb::parallel_for(std::size_t(0), part.chunks.size(), [&](std::size_t c) {
                const synapse_chunk& ch = part.chunks[c];
                std::size_t e = 0;
                for (std::size_t r = 0; r < ch.count.size(); ++r) {
                    const std::size_t s = part.source_first + ch.first_row + r;
                    for (std::uint32_t j = 0; j < ch.count[r]; ++j, ++e)
                        ++plan.row_map[partition_of(plan.bound, part.target_first + ch.target[e]) * stride + s + 1];
                }
                ranges.local().add(ch.weight, ch.delay);
            });
        } else {
            const std::size_t first_block = plan.blocks.size();
            for (int p = 0; p < P; ++p)
                for (const auto& [c0, c1] : column_blocks(part, plan.bound, p)) {
                    packing_plan::column_block b;
                    b.part = k;
                    b.partition = p;
                    b.first = c0;
                    b.last = c1;
                    plan.blocks.push_back(std::move(b));
                }
            tbb::parallel_for(first_block, plan.blocks.size(), [&](std::size_t i) {
                packing_plan::column_block& b = plan.blocks[i];
                b.per_source.assign(part.n_sources, 0);
                synapse_column col;
                for (std::uint64_t c = b.first; c < b.last; ++c) {
                    part.draw_column(c, col);
                    for (neuron_id s : col.source) ++b.per_source[s];
                    ranges.local().add(col.weight, col.delay);
                }
            });
            for (std::size_t i = first_block; i < plan.blocks.size(); ++i) {
                const packing_plan::column_block& b = plan.blocks[i];
                edge_index* row = plan.row_map.data() + b.partition * stride + part.source_first + 1;
                for (neuron_id s = 0; s < part.n_sources; ++s) row[s] += b.per_source[s];
            }
        }
        ranges.combine_each([&](const value_range& r) {
            plan.max_abs_weight = std::max(plan.max_abs_weight, r.w);
            d_lo = std::min(d_lo, r.lo);
            d_hi = std::max(d_hi, r.hi);
        });
    }
    plan.row_weight = uniform_row_weights(parts);
    edge_index base = 0;
    for (int p = 0; p < P; ++p) {
        edge_index* row = plan.row_map.data() + p * stride;
        row[0] = base;
        for (neuron_id s = 0; s < n; ++s) {
            if (row[s + 1] > 0xFFFFFFFFull) throw std::length_error("a row of more than 2^32 synapses");
            row[s + 1] += row[s];
        }
        base = row[n];
    }
    if (plan.synapses > 0) {  // provisional while fill_packed has values to draw
        plan.min_delay = d_lo;
        plan.max_delay = d_hi;
    }
    return plan;
}

namespace {

// The order in which fill_packed packs the parts. Projections leaving one population fill
// only that population's rows, so packing one population's projections (in their own
// order) before the next population's gives the same layout as packing in spec order. It
// does change the peak: a part touches the store's pages all over its population's rows,
// and in spec order (the microcircuit's is by target) every page of the store became
// resident while most chunks still waited. Population by population, largest first, the
// peak is the store plus the chunks of the smallest population.
std::vector<std::size_t> fill_order(const synapse_parts& parts) {
    std::map<neuron_id, edge_index> leaving;  // synapses per source population
    for (const projection_part& part : parts.projections) leaving[part.source_first] += part.size;
    std::vector<std::size_t> order(parts.projections.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const neuron_id sa = parts.projections[a].source_first, sb = parts.projections[b].source_first;
        const edge_index na = leaving.at(sa), nb = leaving.at(sb);
        return na != nb ? na > nb : sa < sb;
    });
    return order;
}

}  // namespace

void fill_packed(synapse_parts& parts, packing_plan& plan, const packing& pk, neuron_id* entries, float* values,
                 const std::vector<std::uint32_t>& ports) {
    const neuron_id n = plan.n;
    const std::size_t stride = static_cast<std::size_t>(n) + 1;
    std::vector<edge_index> cursor(plan.row_map);  // next free place of each (partition, source) row
    memory_releaser releaser;
    tbb::combinable<value_range> drawn;  // of deferred values: completes the plan's ranges
    for (const std::size_t k : fill_order(parts)) {
        projection_part& part = parts.projections[k];
        const std::uint32_t port = ports.empty() ? 0 : ports[k];
        if (!part.by_target) {
            tbb::parallel_for(std::size_t(0), part.chunks.size(), [&](std::size_t c) {
                synapse_chunk& ch = part.chunks[c];
                std::size_t e = 0;
                std::vector<float> row_w;  // a deferred row's values
                std::vector<std::uint16_t> row_d;
                for (std::size_t r = 0; r < ch.count.size(); ++r) {
                    const std::size_t s = part.source_first + ch.first_row + r;
                    const float* ws = nullptr;  // the row's weights and delays, where not constant
                    const std::uint16_t* ds = nullptr;
                    if (part.deferred_values) {
                        row_w.clear();
                        row_d.clear();
                        part.draw_values(ch.first_row + r, ch.resume[r], ch.count[r], row_w, row_d);
                        drawn.local().add(row_w, row_d);
                        ws = row_w.data();
                        ds = row_d.data();
                    } else {
                        if (!part.constant_weight) ws = ch.weight.data() + e;
                        if (!part.constant_delay) ds = ch.delay.data() + e;
                    }
                    for (std::uint32_t j = 0; j < ch.count[r]; ++j, ++e) {
                        const neuron_id t = part.target_first + ch.target[e];
                        const edge_index at = cursor[partition_of(plan.bound, t) * stride + s]++;
                        const float w = part.constant_weight ? part.weight : ws[j];
                        entries[at] = pack_word(pk, t, part.constant_delay ? part.delay : ds[j], port, w);
                        if (values) values[at] = w;
                    }
                }
                const std::size_t bytes = ch.target.capacity() * sizeof(neuron_id) + ch.weight.capacity() * sizeof(float) +
                                          ch.delay.capacity() * sizeof(std::uint16_t) +
                                          ch.resume.capacity() * sizeof(std::uint64_t);
                ch = synapse_chunk();  // packed: give it back
                releaser.freed(bytes);
            });
            part.chunks.clear();
            memory_releaser::trim();
            continue;
        }
        // By target: each block owns a slice of every row of its partition, after the
        // slices of the blocks before it, so columns stay in ascending order in each row.
        for (int p = 0; p < plan.partitions; ++p) {
            std::vector<packing_plan::column_block*> mine;
            for (auto& b : plan.blocks)
                if (b.part == k && b.partition == p) mine.push_back(&b);
            if (mine.empty()) continue;
            edge_index* row = cursor.data() + p * stride + part.source_first;
            for (neuron_id s = 0; s < part.n_sources; ++s) {  // counts -> each block's start
                std::uint32_t off = 0;
                for (auto* b : mine) {
                    const std::uint32_t c = b->per_source[s];
                    b->per_source[s] = off;
                    off += c;
                }
            }
            tbb::parallel_for(std::size_t(0), mine.size(), [&](std::size_t i) {
                packing_plan::column_block& b = *mine[i];
                synapse_column col;
                for (std::uint64_t c = b.first; c < b.last; ++c) {
                    part.draw_column(c, col);  // the same draws as in the plan
                    const neuron_id t = static_cast<neuron_id>(part.target_first + c);
                    for (std::size_t j = 0; j < col.source.size(); ++j) {
                        const neuron_id s = col.source[j];
                        const edge_index at = row[s] + b.per_source[s]++;
                        const float w = part.constant_weight ? part.weight : col.weight[j];
                        entries[at] = pack_word(pk, t, part.constant_delay ? part.delay : col.delay[j], port, w);
                        if (values) values[at] = w;
                    }
                }
            });
            // The last block ends where the part's slice of each row ends.
            for (neuron_id s = 0; s < part.n_sources; ++s) row[s] += mine.back()->per_source[s];
            for (auto* b : mine) std::vector<std::uint32_t>().swap(b->per_source);
        }
    }
    drawn.combine_each([&](const value_range& r) {
        plan.max_abs_weight = std::max(plan.max_abs_weight, r.w);
        plan.min_delay = std::min(plan.min_delay, r.lo);
        plan.max_delay = std::max(plan.max_delay, r.hi);
    });
}

void order_by_delay(const edge_index* row_map, neuron_id* entries, float* values, neuron_id n, int P, const packing& pk,
                    std::uint32_t d_min, std::uint32_t d_max, std::uint32_t* group_start) {
    const std::size_t groups = d_max - d_min + 1, stride = static_cast<std::size_t>(n) + 1;
    std::fill_n(group_start, static_cast<std::size_t>(P) * n * groups, 0u);
    if (groups == 1) return;  // one delay: nothing to order
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, static_cast<std::size_t>(P) * n, 512), [&](const auto& r) {
        std::vector<neuron_id> row_entries;
        std::vector<float> row_values;
        std::vector<std::uint32_t> at;
        for (std::size_t seg = r.begin(); seg != r.end(); ++seg) {
            const std::size_t p = seg / n, s = seg % n;
            const edge_index begin = row_map[p * stride + s], end = row_map[p * stride + s + 1];
            std::uint32_t* start = group_start + seg * groups;
            for (edge_index e = begin; e < end; ++e) {
                const std::uint32_t d = (entries[e] >> pk.target_bits) & pk.delay_mask;
                if (d < d_max) ++start[d - d_min + 1];
            }
            for (std::size_t g = 1; g < groups; ++g) start[g] += start[g - 1];
            row_entries.assign(entries + begin, entries + end);
            if (values) row_values.assign(values + begin, values + end);
            at.assign(start, start + groups);
            for (std::size_t k = 0; k < row_entries.size(); ++k) {
                const std::uint32_t i = at[((row_entries[k] >> pk.target_bits) & pk.delay_mask) - d_min]++;
                entries[begin + i] = row_entries[k];
                if (values) values[begin + i] = row_values[k];
            }
        }
    });
}

}  // namespace synaptogen
