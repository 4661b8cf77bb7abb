// Connection rules -> synapse table.
//
// Each row of a projection (a source neuron, or a target neuron for fixed_indegree) draws
// from its own counter-based stream (seed, projection, row), so rows can be generated in
// any order on any number of threads and the result is the same. Rows are generated in
// chunks of fixed size (never "one chunk per thread") and concatenated in chunk order.
// fixed_indegree generates columns and transposes them with a parallel counting sort whose
// output (rows ascending by target) does not depend on the chunking either.
#include <synaptogen/graph/synapse_table.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>
#include <unordered_set>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace synaptogen {

const char* to_string(connection_rule_kind k) {
    switch (k) {
    case connection_rule_kind::all_to_all: return "all_to_all";
    case connection_rule_kind::one_to_one: return "one_to_one";
    case connection_rule_kind::fixed_probability: return "fixed_probability";
    case connection_rule_kind::fixed_indegree: return "fixed_indegree";
    case connection_rule_kind::fixed_outdegree: return "fixed_outdegree";
    case connection_rule_kind::fixed_total_number: return "fixed_total_number";
    case connection_rule_kind::explicit_edges: return "explicit";
    }
    return "?";
}

std::uint32_t delay_to_steps(double delay_ms, double dt_ms) {
    const double steps = std::round(delay_ms / dt_ms);
    return steps < 1.0 ? 1u : static_cast<std::uint32_t>(steps);
}

std::uint16_t synapse_table::max_delay() const {
    std::uint16_t m = 0;
    for (auto d : delay) m = std::max(m, d);
    return m;
}

std::vector<edge_index> synapse_table::in_degrees() const {
    std::vector<edge_index> deg(n_neurons, 0);
    for (auto t : target) ++deg[t];
    return deg;
}

namespace {

constexpr std::size_t rows_per_chunk = 256;

// One projection as CSR over its rows (local), far ends as local indices.
struct projection_csr {
    std::vector<edge_index> row_map;
    std::vector<neuron_id> other;
    std::vector<float> weight;
    std::vector<std::uint16_t> delay;
};

// k distinct values from [0, n) in ascending order, skipping `exclude` (if < n).
void sample_distinct(counter_rng& rng, std::uint64_t n, std::uint64_t k, std::uint64_t exclude,
                     std::vector<neuron_id>& out) {
    const bool skip = exclude < n;
    const std::uint64_t pool = skip ? n - 1 : n;
    auto map = [&](std::uint64_t c) { return static_cast<neuron_id>(skip && c >= exclude ? c + 1 : c); };
    const std::size_t start = out.size();
    if (4 * k > pool) {  // dense: selection sampling (Knuth's algorithm S), sorted output
        std::uint64_t need = k;
        for (std::uint64_t c = 0; c < pool && need > 0; ++c)
            if (rng.below(pool - c) < need) {
                out.push_back(map(c));
                --need;
            }
        return;
    }
    std::unordered_set<std::uint64_t> chosen;  // sparse: Floyd's algorithm
    chosen.reserve(2 * k);
    for (std::uint64_t j = pool - k; j < pool; ++j) {
        const std::uint64_t t = rng.below(j + 1);
        chosen.insert(chosen.count(t) ? j : t);
    }
    for (auto c : chosen) out.push_back(map(c));
    std::sort(out.begin() + start, out.end());
}

// k values from [0, n) with repetition, skipping `exclude` (if < n); ascending if `sort`.
void sample_with_repeats(counter_rng& rng, std::uint64_t n, std::uint64_t k, std::uint64_t exclude,
                         std::vector<neuron_id>& out, bool sort = true) {
    const bool skip = exclude < n;
    const std::uint64_t pool = skip ? n - 1 : n;
    const std::size_t start = out.size();
    for (std::uint64_t i = 0; i < k; ++i) {
        const std::uint64_t c = rng.below(pool);
        out.push_back(static_cast<neuron_id>(skip && c >= exclude ? c + 1 : c));
    }
    if (sort) std::sort(out.begin() + start, out.end());
}

input_error rule_error(const projection_spec& p, const std::string& field, const std::string& what) {
    source_location w = p.origin;
    w.field = w.field.empty() ? field : w.field + "." + field;
    return input_error(w, what);
}

// Draws row `row` of projection p: row_fn(row, rng, out) appends the far ends (local ids),
// then weights and delays come from the same stream, in that order. Constant weights and
// delays consume no random numbers and are not stored.
// The random stream of one row of projection `proj_index`: its targets, then its values.
counter_rng row_stream(std::uint64_t seed, std::size_t proj_index, std::uint64_t row) {
    return counter_rng(seed, stream_purpose::connectivity, static_cast<std::uint32_t>(proj_index), static_cast<std::uint32_t>(row));
}

// The values of a row's `count` synapses, after its targets in the row's stream: weight
// then delay per synapse, each only if drawn.
void draw_row_values(const projection_spec& p, double dt, counter_rng& rng, std::size_t count, std::vector<float>& weight,
                     std::vector<std::uint16_t>& delay) {
    const bool w = p.weight.kind != distribution_kind::constant, d = p.delay.kind != distribution_kind::constant;
    if (!w && !d) return;
    for (std::size_t e = 0; e < count; ++e) {
        if (w) weight.push_back(static_cast<float>(p.weight.draw(rng)));
        if (d) delay.push_back(static_cast<std::uint16_t>(delay_to_steps(p.delay.draw(rng), dt)));
    }
}

template <class RowFn>
void draw_row(const projection_spec& p, std::size_t proj_index, std::uint64_t seed, double dt, std::uint64_t row,
              const RowFn& row_fn, std::vector<neuron_id>& other, std::vector<float>& weight,
              std::vector<std::uint16_t>& delay) {
    counter_rng rng = row_stream(seed, proj_index, row);
    const std::size_t before = other.size();
    row_fn(row, rng, other);
    draw_row_values(p, dt, rng, other.size() - before, weight, delay);
}

// A part with its constants filled in; rows or the column recipe are added by the caller.
projection_part make_part(const population_layout& layout, const projection_spec& p, double dt) {
    projection_part part;
    part.source_first = layout[p.source].first;
    part.n_sources = layout[p.source].size;
    part.target_first = layout[p.target].first;
    part.n_targets = layout[p.target].size;
    part.constant_weight = p.weight.kind == distribution_kind::constant;
    part.constant_delay = p.delay.kind == distribution_kind::constant;
    if (part.constant_weight) part.weight = static_cast<float>(p.weight.value);
    if (part.constant_delay) part.delay = static_cast<std::uint16_t>(delay_to_steps(p.delay.value, dt));
    part.last_column = part.n_targets;
    return part;
}

// Generates n_rows rows in chunks of rows_per_chunk, in parallel; the chunks are the
// result. draw(row, chunk) appends one row's synapses to the chunk.
template <class Draw>
std::vector<synapse_chunk> generate_chunks(std::uint64_t n_rows, const Draw& draw) {
    const std::size_t n_chunks = (n_rows + rows_per_chunk - 1) / rows_per_chunk;
    std::vector<synapse_chunk> chunks(n_chunks);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n_chunks, 1), [&](const auto& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) {
            synapse_chunk& ch = chunks[c];
            ch.first_row = c * rows_per_chunk;
            const std::uint64_t last = std::min<std::uint64_t>(n_rows, ch.first_row + rows_per_chunk);
            for (std::uint64_t row = ch.first_row; row < last; ++row) {
                const std::size_t before = ch.target.size();
                draw(row, ch);
                ch.count.push_back(static_cast<std::uint32_t>(ch.target.size() - before));
            }
            ch.target.shrink_to_fit();  // the packer frees chunks one by one: hold no slack
            ch.weight.shrink_to_fit();
            ch.delay.shrink_to_fit();
            ch.resume.shrink_to_fit();
        }
    });
    return chunks;
}

// Chunks of n_rows rows as one CSR (the part's constants expanded); frees the chunks.
projection_csr chunks_to_csr(std::vector<synapse_chunk>& chunks, std::uint64_t n_rows, const projection_part& part) {
    projection_csr out;
    out.row_map.assign(n_rows + 1, 0);
    std::vector<edge_index> chunk_start(chunks.size() + 1, 0);
    for (std::size_t c = 0; c < chunks.size(); ++c) {
        const synapse_chunk& ch = chunks[c];
        for (std::size_t i = 0; i < ch.count.size(); ++i)
            out.row_map[ch.first_row + i + 1] = out.row_map[ch.first_row + i] + ch.count[i];
        chunk_start[c + 1] = chunk_start[c] + ch.target.size();
    }
    const edge_index total = chunk_start.back();
    out.other.resize(total);
    out.weight.resize(total);
    out.delay.resize(total);
    tbb::parallel_for(std::size_t(0), chunks.size(), [&](std::size_t c) {
        synapse_chunk& ch = chunks[c];
        const edge_index at = chunk_start[c];
        std::copy(ch.target.begin(), ch.target.end(), out.other.begin() + at);
        if (part.constant_weight) std::fill_n(out.weight.begin() + at, ch.target.size(), part.weight);
        else std::copy(ch.weight.begin(), ch.weight.end(), out.weight.begin() + at);
        if (part.constant_delay) std::fill_n(out.delay.begin() + at, ch.target.size(), part.delay);
        else std::copy(ch.delay.begin(), ch.delay.end(), out.delay.begin() + at);
        ch = synapse_chunk();  // release as we go
    });
    chunks.clear();
    return out;
}

// CSR over columns (targets) -> CSR over rows (sources), rows ascending by target.
// Parallel counting sort over fixed-size column blocks: each block counts its sources,
// a per-source prefix over blocks gives every block its own slice of each row. The
// scatter is the expensive part (one random write per synapse), so it moves one packed
// 12-byte record instead of writing three arrays, and keeps its cursors as 32-bit
// offsets within a row so that a block's cursors stay in cache; a sequential pass then
// splits the records into the table's arrays.
projection_csr transpose(projection_csr&& cols, std::uint64_t n_rows) {
    const std::uint64_t n_cols = cols.row_map.size() - 1;
    const std::size_t n_blocks = std::max<std::size_t>(1, std::min<std::size_t>(64, n_cols / 64));
    const std::uint64_t per_block = (n_cols + n_blocks - 1) / n_blocks;
    auto columns_of = [&](std::size_t b) {
        const std::uint64_t c0 = std::min(n_cols, b * per_block);
        return std::make_pair(c0, std::min(n_cols, c0 + per_block));
    };
    std::vector<std::vector<std::uint32_t>> cursor(n_blocks, std::vector<std::uint32_t>(n_rows, 0));
    tbb::parallel_for(std::size_t(0), n_blocks, [&](std::size_t b) {
        const auto [c0, c1] = columns_of(b);
        for (edge_index e = cols.row_map[c0]; e < cols.row_map[c1]; ++e) ++cursor[b][cols.other[e]];
    });
    projection_csr rows;
    rows.row_map.assign(n_rows + 1, 0);
    for (std::uint64_t r = 0; r < n_rows; ++r) {
        std::uint64_t in_row = 0;
        for (std::size_t b = 0; b < n_blocks; ++b) {
            const std::uint32_t c = cursor[b][r];
            cursor[b][r] = static_cast<std::uint32_t>(in_row);  // this block's first slot in row r
            in_row += c;
        }
        if (in_row > 0xFFFFFFFFull) throw std::length_error("a row of more than 2^32 synapses");
        rows.row_map[r + 1] = rows.row_map[r] + in_row;
    }
    struct record {
        neuron_id column;
        float weight;
        std::uint16_t delay;
    };
    const edge_index total = rows.row_map[n_rows];
    std::vector<record> moved(total);
    tbb::parallel_for(std::size_t(0), n_blocks, [&](std::size_t b) {
        const auto [c0, c1] = columns_of(b);
        for (std::uint64_t c = c0; c < c1; ++c)
            for (edge_index e = cols.row_map[c]; e < cols.row_map[c + 1]; ++e) {
                const neuron_id r = cols.other[e];
                moved[rows.row_map[r] + cursor[b][r]++] = {static_cast<neuron_id>(c), cols.weight[e], cols.delay[e]};
            }
    });
    cols = projection_csr();
    cursor.clear();
    rows.other.resize(total);
    rows.weight.resize(total);
    rows.delay.resize(total);
    tbb::parallel_for(tbb::blocked_range<edge_index>(0, total, 1 << 16), [&](const auto& range) {
        for (edge_index e = range.begin(); e != range.end(); ++e) {
            rows.other[e] = moved[e].column;
            rows.weight[e] = moved[e].weight;
            rows.delay[e] = moved[e].delay;
        }
    });
    return rows;
}

projection_part generate_projection(const population_layout& layout, const projection_spec& p, std::size_t index,
                                    std::uint64_t seed, double dt, neuron_range targets) {
    projection_part part = make_part(layout, p, dt);
    // The kept targets, local to the target population.
    const auto local_bound = [&](neuron_id g) {
        return static_cast<neuron_id>(std::clamp<std::int64_t>(std::int64_t(g) - part.target_first, 0, part.n_targets));
    };
    const neuron_id keep_lo = local_bound(targets.first), keep_hi = local_bound(std::min<std::uint64_t>(targets.last, ~neuron_id(0)));
    const bool filtered = keep_lo > 0 || keep_hi < part.n_targets;
    // By-source rules: row_fn(row, rng, out) appends the row's targets. Drawn values wait
    // for the consumer (projection_part::draw_values).
    auto by_source = [&](auto row_fn) {
        if (filtered) {  // whole rows, values drawn now, then only the kept targets stay
            part.chunks = generate_chunks(keep_lo < keep_hi ? part.n_sources : 0, [&](std::uint64_t row, synapse_chunk& ch) {
                thread_local std::vector<neuron_id> t;
                thread_local std::vector<float> w;
                thread_local std::vector<std::uint16_t> d;
                t.clear();
                w.clear();
                d.clear();
                draw_row(p, index, seed, dt, row, row_fn, t, w, d);
                for (std::size_t j = 0; j < t.size(); ++j) {
                    if (t[j] < keep_lo || t[j] >= keep_hi) continue;
                    ch.target.push_back(t[j]);
                    if (!w.empty()) ch.weight.push_back(w[j]);
                    if (!d.empty()) ch.delay.push_back(d[j]);
                }
            });
            if (part.chunks.empty()) {
                part.chunks.emplace_back();
                part.chunks.back().count.assign(part.n_sources, 0);
            }
            for (const auto& ch : part.chunks) part.size += ch.target.size();
            return std::move(part);
        }
        part.deferred_values = !part.constant_weight || !part.constant_delay;
        part.chunks = generate_chunks(part.n_sources, [&](std::uint64_t row, synapse_chunk& ch) {
            if (!part.deferred_values) return draw_row(p, index, seed, dt, row, row_fn, ch.target, ch.weight, ch.delay);
            counter_rng rng = row_stream(seed, index, row);
            row_fn(row, rng, ch.target);
            ch.resume.push_back(rng.position());
        });
        if (part.deferred_values)
            part.draw_values = [p, index, seed, dt](std::uint64_t row, std::uint64_t resume, std::uint32_t count,
                                                    std::vector<float>& weight, std::vector<std::uint16_t>& delay) {
                counter_rng rng = row_stream(seed, index, row);
                rng.seek(resume);
                draw_row_values(p, dt, rng, count, weight, delay);
            };
        for (const auto& ch : part.chunks) part.size += ch.target.size();
        return std::move(part);
    };
    const population& src = layout[p.source];
    const population& tgt = layout[p.target];
    const std::uint64_t ns = src.size, nt = tgt.size;
    const bool same = p.source == p.target;
    // Local id to skip as "self" (none when autapses are allowed or the populations differ).
    auto self = [&](std::uint64_t row) { return same && !p.allow_autapses ? row : ~0ull; };
    const std::uint64_t pool_t = same && !p.allow_autapses ? nt - std::min<std::uint64_t>(nt, 1) : nt;
    const std::uint64_t pool_s = same && !p.allow_autapses ? ns - std::min<std::uint64_t>(ns, 1) : ns;

    switch (p.rule) {
    case connection_rule_kind::all_to_all:
        return by_source([&](std::uint64_t row, counter_rng&, auto& out) {
            for (std::uint64_t t = 0; t < nt; ++t)
                if (t != self(row)) out.push_back(static_cast<neuron_id>(t));
        });
    case connection_rule_kind::one_to_one:
        if (ns != nt)
            throw rule_error(p, "rule", "one_to_one needs populations of equal size (source has " +
                                            std::to_string(ns) + ", target " + std::to_string(nt) + ")");
        return by_source([&](std::uint64_t row, counter_rng&, auto& out) {
            if (row != self(row)) out.push_back(static_cast<neuron_id>(row));
        });
    case connection_rule_kind::fixed_probability: {
        const double prob = p.probability;
        const double log_q = std::log1p(-prob);
        return by_source([&, prob, log_q](std::uint64_t row, counter_rng& rng, auto& out) {
            if (prob <= 0.0) return;
            // Geometric skipping: the gap to the next connected target is Geometric(p).
            std::uint64_t t = 0;
            for (;;) {
                if (prob < 1.0) {
                    const double skip = std::floor(std::log(rng.uniform()) / log_q);
                    if (skip >= static_cast<double>(nt - t)) return;
                    t += static_cast<std::uint64_t>(skip);
                }
                if (t >= nt) return;
                if (t != self(row)) out.push_back(static_cast<neuron_id>(t));
                ++t;
            }
        });
    }
    case connection_rule_kind::fixed_outdegree: {
        if (!p.allow_multapses && p.number > pool_t)
            throw rule_error(p, "number", "out-degree " + std::to_string(p.number) +
                                              " exceeds the " + std::to_string(pool_t) +
                                              " available targets without multapses");
        if (p.number > 0 && pool_t == 0)
            throw rule_error(p, "number", "no targets to connect to");
        return by_source([&](std::uint64_t row, counter_rng& rng, auto& out) {
            if (p.allow_multapses) sample_with_repeats(rng, nt, p.number, self(row), out);
            else sample_distinct(rng, nt, p.number, self(row), out);
        });
    }
    case connection_rule_kind::fixed_indegree: {
        if (!p.allow_multapses && p.number > pool_s)
            throw rule_error(p, "number", "in-degree " + std::to_string(p.number) + " exceeds the " +
                                              std::to_string(pool_s) + " available sources without multapses");
        if (p.number > 0 && pool_s == 0)
            throw rule_error(p, "number", "no sources to connect from");
        // Columns need no order: rows come out ascending by target anyway. The recipe
        // holds copies of what it needs: it outlives this call.
        part.by_target = true;
        part.in_degree = static_cast<std::uint32_t>(p.number);
        part.first_column = keep_lo;
        part.last_column = std::max(keep_lo, keep_hi);
        part.size = static_cast<edge_index>(p.number) * (part.last_column - part.first_column);
        const std::uint64_t skip_self = same && !p.allow_autapses ? 0 : ~0ull;  // column c skips source c if 0
        const std::uint64_t lo = part.first_column, hi = part.last_column;
        part.draw_column = [p, index, seed, dt, ns, skip_self, lo, hi](std::uint64_t col, synapse_column& out) {
            out.source.clear();
            out.weight.clear();
            out.delay.clear();
            if (col < lo || col >= hi) return;
            const std::uint64_t self = skip_self == 0 ? col : ~0ull;
            draw_row(p, index, seed, dt, col, [&](std::uint64_t, counter_rng& rng, std::vector<neuron_id>& v) {
                if (p.allow_multapses) sample_with_repeats(rng, ns, p.number, self, v, false);
                else sample_distinct(rng, ns, p.number, self, v);
            }, out.source, out.weight, out.delay);
        };
        return part;
    }
    case connection_rule_kind::fixed_total_number: {
        const std::uint64_t pairs = pool_t * ns;
        if (!p.allow_multapses && p.number > pairs)
            throw rule_error(p, "number", std::to_string(p.number) + " synapses do not fit in " +
                                              std::to_string(pairs) + " pairs without multapses");
        if (p.number > 0 && pairs == 0) throw rule_error(p, "number", "no pairs to connect");
        // Multinomial split of the total over sources by conditional binomials.
        std::vector<std::uint64_t> per_row(ns, 0);
        counter_rng split(seed, stream_purpose::split, static_cast<std::uint32_t>(index), 0);
        std::uint64_t left = p.number;
        for (std::uint64_t r = 0; r < ns && left > 0; ++r) {
            if (r + 1 == ns) {
                per_row[r] = left;
                break;
            }
            std::binomial_distribution<std::uint64_t> bin(left, 1.0 / static_cast<double>(ns - r));
            per_row[r] = bin(split);
            left -= per_row[r];
        }
        for (std::uint64_t r = 0; r < ns; ++r)
            if (!p.allow_multapses && per_row[r] > pool_t)
                throw rule_error(p, "number", "too dense for fixed_total_number without multapses");
        return by_source([&](std::uint64_t row, counter_rng& rng, auto& out) {
            if (p.allow_multapses) sample_with_repeats(rng, nt, per_row[row], self(row), out);
            else sample_distinct(rng, nt, per_row[row], self(row), out);
        });
    }
    case connection_rule_kind::explicit_edges: {
        // Group by source keeping the listed order within a row; per-edge streams keyed by
        // the edge's position in the list give weights and delays not listed.
        std::vector<std::uint64_t> order(p.edges.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](auto a, auto b) { return p.edges[a].source < p.edges[b].source; });
        synapse_chunk ch;
        ch.count.assign(ns, 0);
        for (const auto& e : p.edges) ++ch.count[e.source];
        for (auto i : order) {
            const explicit_edge& e = p.edges[i];
            if (e.target < keep_lo || e.target >= keep_hi) {
                --ch.count[e.source];
                continue;
            }
            counter_rng rng(seed, stream_purpose::connectivity, static_cast<std::uint32_t>(index),
                            static_cast<std::uint32_t>(i));
            const double w = p.edges_have_weights ? e.weight : p.weight.draw(rng);
            const double d = p.edges_have_delays ? e.delay : p.delay.draw(rng);
            ch.target.push_back(e.target);
            ch.weight.push_back(static_cast<float>(w));
            ch.delay.push_back(static_cast<std::uint16_t>(delay_to_steps(d, dt)));
        }
        part.constant_weight = part.constant_delay = false;  // listed per edge
        part.size = ch.target.size();
        part.chunks.push_back(std::move(ch));
        return part;
    }
    }
    throw internal_error("unhandled connection rule");
}

}  // namespace

double expected_synapses(const population_layout& layout, const projection_spec& p) {
    const double ns = layout[p.source].size, nt = layout[p.target].size;
    const bool no_self = p.source == p.target && !p.allow_autapses;
    const double pairs = ns * nt - (no_self ? std::min(ns, nt) : 0.0);
    switch (p.rule) {
    case connection_rule_kind::all_to_all: return pairs;
    case connection_rule_kind::one_to_one: return no_self ? 0.0 : std::min(ns, nt);
    case connection_rule_kind::fixed_probability: return p.probability * pairs;
    case connection_rule_kind::fixed_indegree: return static_cast<double>(p.number) * nt;
    case connection_rule_kind::fixed_outdegree: return static_cast<double>(p.number) * ns;
    case connection_rule_kind::fixed_total_number: return static_cast<double>(p.number);
    case connection_rule_kind::explicit_edges: return static_cast<double>(p.edges.size());
    }
    return 0.0;
}

edge_index synapse_parts::size() const {
    edge_index n = 0;
    for (const auto& p : projections) n += p.size;
    return n;
}

synapse_parts generate_synapses(const population_layout& layout, const std::vector<projection_spec>& projections,
                                std::uint64_t seed, double dt_ms, const std::vector<bool>& include,
                                neuron_range targets) {
    synapse_parts parts;
    parts.n_neurons = layout.total();
    parts.projections.reserve(projections.size());
    for (std::size_t i = 0; i < projections.size(); ++i) {
        if (!include.empty() && !include[i]) {
            projection_part empty = make_part(layout, projections[i], dt_ms);
            empty.chunks.emplace_back();
            empty.chunks.back().count.assign(empty.n_sources, 0);
            parts.projections.push_back(std::move(empty));
            continue;
        }
        parts.projections.push_back(generate_projection(layout, projections[i], i, seed, dt_ms, targets));
    }
    return parts;
}

void draw_deferred_values(projection_part& part) {
    if (!part.deferred_values) return;
    tbb::parallel_for(std::size_t(0), part.chunks.size(), [&](std::size_t c) {
        synapse_chunk& ch = part.chunks[c];
        for (std::size_t r = 0; r < ch.count.size(); ++r)
            part.draw_values(ch.first_row + r, ch.resume[r], ch.count[r], ch.weight, ch.delay);
        std::vector<std::uint64_t>().swap(ch.resume);
    });
    part.deferred_values = false;
}

synapse_table merge_synapses(synapse_parts&& in) {
    std::vector<projection_csr> parts;
    parts.reserve(in.projections.size());
    for (projection_part& part : in.projections) {
        if (!part.by_target) {
            draw_deferred_values(part);
            parts.push_back(chunks_to_csr(part.chunks, part.n_sources, part));
            continue;
        }
        std::vector<synapse_chunk> cols = generate_chunks(part.n_targets, [&](std::uint64_t col, synapse_chunk& ch) {
            thread_local synapse_column c;
            part.draw_column(col, c);
            ch.target.insert(ch.target.end(), c.source.begin(), c.source.end());
            ch.weight.insert(ch.weight.end(), c.weight.begin(), c.weight.end());
            ch.delay.insert(ch.delay.end(), c.delay.begin(), c.delay.end());
        });
        parts.push_back(transpose(chunks_to_csr(cols, part.n_targets, part), part.n_sources));
    }

    // Merge: row i of the table is the concatenation, in projection order, of row i of
    // every projection whose source population holds i.
    synapse_table table;
    const neuron_id n = in.n_neurons;
    table.n_neurons = n;
    for (const auto& part : parts) table.projection_size.push_back(part.other.size());
    table.row_map.assign(static_cast<std::size_t>(n) + 1, 0);
    for (std::size_t k = 0; k < parts.size(); ++k) {
        const projection_part& src = in.projections[k];
        for (neuron_id r = 0; r < src.n_sources; ++r)
            table.row_map[src.source_first + r + 1] += parts[k].row_map[r + 1] - parts[k].row_map[r];
    }
    for (neuron_id i = 0; i < n; ++i) table.row_map[i + 1] += table.row_map[i];
    const edge_index total = table.row_map[n];
    table.target.resize(total);
    table.weight.resize(total);
    table.delay.resize(total);
    tbb::parallel_for(tbb::blocked_range<neuron_id>(0, n, 4096), [&](const auto& r) {
        for (neuron_id i = r.begin(); i != r.end(); ++i) {
            edge_index at = table.row_map[i];
            for (std::size_t k = 0; k < parts.size(); ++k) {
                const projection_part& src = in.projections[k];
                if (i < src.source_first || i >= src.source_first + src.n_sources) continue;
                const projection_csr& part = parts[k];
                const neuron_id local = i - src.source_first;
                for (edge_index e = part.row_map[local]; e < part.row_map[local + 1]; ++e, ++at) {
                    table.target[at] = part.other[e] + src.target_first;
                    table.weight[at] = part.weight[e];
                    table.delay[at] = part.delay[e];
                }
            }
        }
    });
    return table;
}

synapse_table build_synapses(const population_layout& layout, const std::vector<projection_spec>& projections,
                             std::uint64_t seed, double dt_ms, const std::vector<bool>& include) {
    return merge_synapses(generate_synapses(layout, projections, seed, dt_ms, include));
}

}  // namespace synaptogen
