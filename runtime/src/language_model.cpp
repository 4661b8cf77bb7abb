#include <synaptogen/runtime/language_model.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <numeric>
#include <stdexcept>

#include <Kokkos_Core.hpp>

#include <synaptogen/graph/random.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>

#include "lm_engine.hpp"

namespace synaptogen {

using namespace lm_detail;

std::vector<std::uint8_t> read_corpus(const std::string& path, const source_location& field) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(field, "cannot open '" + path + "'; expected a readable text file (scripts/corpus makes the reference split)");
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) throw input_error(field, "'" + path + "' is empty; expected text to read as bytes");
    return bytes;
}

training_corpora read_training_corpora(const lm_spec& lm) {
    const source_location& at = lm.training.origin;
    training_corpora c;
    c.train = read_corpus(lm.training.train_file, {at.file, at.line, "lm.training.train"});
    c.validation = read_corpus(lm.training.validation_file, {at.file, at.line, "lm.training.validation"});
    if (lm.encoding == token_encoding::window && c.train.size() <= lm.context)
        throw input_error({lm.origin.file, lm.origin.line, "lm.context"},
                          "a context of " + std::to_string(lm.context) + " bytes is longer than the training text (" +
                              std::to_string(c.train.size()) + " bytes); expected a shorter context or more text");
    return c;
}

std::uint64_t apply_language_null(const network_spec& spec, const lm_spec& lm, connectome& c) {
    if (!lm.degree_preserving_null) return 0;
    std::uint64_t swaps = 0;
    for (std::size_t q = 0; q < c.projections.size(); ++q)
        if (spec.projections[q].rule == connection_rule_kind::explicit_edges)
            swaps += degree_preserving_shuffle(c.projections[q], 10 * c.projections[q].size(), spec.simulation.seed,
                                               static_cast<std::uint32_t>(q));
    return swaps;
}

namespace {

// The backend-independent face of an lm_engine<Exec>.
struct engine_base {
    virtual ~engine_base() = default;
    virtual std::vector<float> run(const block_shape& s, int state, bool backward, std::uint64_t loss_count,
                                   const std::vector<std::int32_t>& inputs, const std::vector<std::int32_t>& targets,
                                   const std::vector<std::uint32_t>& active, const std::vector<std::uint32_t>& occ_col,
                                   const std::vector<std::uint64_t>& occ_row) = 0;
    virtual double gradient_norm2() = 0;
    virtual void adam(double lr, std::uint64_t step, double b1, double b2, double eps, double wd, double scale) = 0;
    virtual std::vector<float> get(int which) = 0;  // 0 params, 1 m, 2 v, 3 grad
    virtual void set(int which, const std::vector<float>& v) = 0;
    virtual std::vector<float> get_carried(int slot, int lanes) = 0;
    virtual void set_carried(int slot, int lanes, const std::vector<float>& v) = 0;
    virtual std::vector<float> last_logits(const block_shape& s, int lane) = 0;
    virtual std::uint64_t edge_visits() const = 0;
};

template <class Exec>
struct engine final : engine_base {
    lm_engine<Exec> e;
    engine(host_graph g, std::vector<activation_kind> a, std::vector<std::size_t> order, std::size_t out,
           const std::vector<float>& params)
        : e(std::move(g), std::move(a), std::move(order), out, params) {}

    std::vector<float> run(const block_shape& s, int state, bool backward, std::uint64_t loss_count,
                           const std::vector<std::int32_t>& inputs, const std::vector<std::int32_t>& targets,
                           const std::vector<std::uint32_t>& active, const std::vector<std::uint32_t>& occ_col,
                           const std::vector<std::uint64_t>& occ_row) override {
        lm_engine<Exec>::put(e.d_inputs, "lm inputs", inputs);
        lm_engine<Exec>::put(e.d_targets, "lm targets", targets);
        if (e.d_loss.extent(0) < targets.size())
            e.d_loss = typename lm_engine<Exec>::template view<float*>("lm loss", targets.size());
        e.run(s, state, backward, loss_count, active, occ_col, occ_row);
        std::vector<float> loss = lm_engine<Exec>::download(e.d_loss);
        loss.resize(targets.size());
        return loss;
    }
    double gradient_norm2() override { return e.gradient_norm2(); }
    void adam(double lr, std::uint64_t step, double b1, double b2, double eps, double wd, double scale) override {
        e.adam(lr, step, b1, b2, eps, wd, scale);
    }
    auto& pick(int which) { return which == 0 ? e.d_params : which == 1 ? e.d_m : which == 2 ? e.d_v : e.d_grad; }
    std::vector<float> get(int which) override { return lm_engine<Exec>::download(pick(which)); }
    void set(int which, const std::vector<float>& v) override {
        lm_engine<Exec>::put(pick(which), "lm parameters", v);
        if (which == 0) e.refresh_forward_weights();
    }
    std::vector<float> get_carried(int slot, int lanes) override {
        return lm_engine<Exec>::download(e.carried(slot, lanes));
    }
    void set_carried(int slot, int lanes, const std::vector<float>& v) override {
        auto& c = e.carried(slot, lanes);
        lm_engine<Exec>::put(c, "lm carried state", v);
    }
    std::vector<float> last_logits(const block_shape& s, int lane) override { return e.last_logits(s, lane); }
    std::uint64_t edge_visits() const override { return e.edge_visits; }
};

std::unique_ptr<engine_base> make_engine(const std::string& backend, host_graph g, std::vector<activation_kind> a,
                                         std::vector<std::size_t> order, std::size_t out,
                                         const std::vector<float>& params) {
#ifdef KOKKOS_ENABLE_OPENMP
    if (backend == "openmp")
        return std::make_unique<engine<Kokkos::OpenMP>>(std::move(g), std::move(a), std::move(order), out, params);
#endif
#ifdef KOKKOS_ENABLE_CUDA
    if (backend == "cuda")
        return std::make_unique<engine<Kokkos::Cuda>>(std::move(g), std::move(a), std::move(order), out, params);
#endif
#ifdef KOKKOS_ENABLE_HIP
    if (backend == "hip")
        return std::make_unique<engine<Kokkos::Experimental::HIP>>(std::move(g), std::move(a), std::move(order), out,
                                                                   params);
#endif
#ifdef KOKKOS_ENABLE_SERIAL
    if (backend == "serial")
        return std::make_unique<engine<Kokkos::Serial>>(std::move(g), std::move(a), std::move(order), out, params);
#endif
    throw internal_error("backend '" + backend + "' is compiled in but has no language-model engine");
}

int padded_lanes(std::uint64_t n) { return static_cast<int>((n + lane_block - 1) / lane_block * lane_block); }

// Fisher-Yates over [0, n) from the (seed, epoch) stream: the order of one epoch.
std::vector<std::uint32_t> epoch_order(std::uint64_t n, std::uint64_t seed, std::uint64_t epoch) {
    std::vector<std::uint32_t> p(n);
    std::iota(p.begin(), p.end(), 0u);
    counter_rng rng(seed, stream_purpose::lm_data, static_cast<std::uint32_t>(epoch), static_cast<std::uint32_t>(epoch >> 32));
    for (std::uint64_t i = n; i > 1; --i) std::swap(p[i - 1], p[rng.below(i)]);
    return p;
}

}  // namespace

struct language_model::impl {
    lm_spec lm;
    lm_plan plan;
    connectome graph;               // structure; weights are refreshed from the device on request
    std::uint64_t seed = 1;
    std::string backend;
    host_graph hg;
    std::unique_ptr<engine_base> eng;
    std::uint64_t step = 0, tokens = 0;
    std::vector<std::uint64_t> lane_position;  // stream training lanes
    std::vector<std::uint32_t> order_cache;    // window: the current epoch's order
    std::uint64_t order_epoch = ~0ull;
    std::uint64_t input_visits = 0;

    int train_lanes() const { return padded_lanes(lm.training.batch); }
    std::uint32_t slots() const { return lm.encoding == token_encoding::window ? lm.context : 1; }

    // Fills the token inputs of one prediction: slot k holds the byte k + 1 positions back.
    void fill_inputs(const std::vector<std::uint8_t>& text, std::uint64_t position, std::int32_t* out) const {
        const std::uint32_t K = slots();
        for (std::uint32_t k = 0; k < K; ++k) {
            out[k] = position >= k + 1 ? static_cast<std::int32_t>(k * lm_vocabulary + text[position - k - 1]) : -1;
        }
    }

    // Runs a block whose predictions are given per (token, lane) by `position` (~0: none).
    std::vector<float> run_block(const std::vector<std::uint8_t>& text, const block_shape& s,
                                 const std::vector<std::uint64_t>& position, int state, bool backward,
                                 std::uint64_t loss_count) {
        const std::uint32_t K = slots();
        const std::size_t n = std::size_t(s.tokens) * s.lanes;
        std::vector<std::int32_t> inputs(n * K, -1), targets(n, -1);
        for (std::size_t i = 0; i < n; ++i) {
            if (position[i] == ~0ull) continue;
            fill_inputs(text, position[i], &inputs[i * K]);
            targets[i] = text[position[i]];
        }
        return run_inputs(s, inputs, targets, state, backward, loss_count);
    }

    std::vector<float> run_inputs(const block_shape& s, const std::vector<std::int32_t>& inputs,
                                  const std::vector<std::int32_t>& targets, int state, bool backward,
                                  std::uint64_t loss_count) {
        std::vector<std::uint32_t> active, occ_col;
        std::vector<std::uint64_t> occ_row;
        const std::uint32_t K = slots();
        input_visits = 0;
        // Every tick column where each input is on, grouped by input (counting sort).
        std::vector<std::uint32_t> count(hg.inputs, 0);
        const int TT = s.total_ticks(), L = s.lanes;
        for (int t = 0; t < TT; ++t)
            for (int b = 0; b < L; ++b)
                for (std::uint32_t k = 0; k < K; ++k) {
                    const std::int32_t in = inputs[(std::size_t(t / s.ticks) * L + b) * K + k];
                    if (in >= 0) {
                        ++count[in];
                        input_visits += hg.input_row[in + 1] - hg.input_row[in];
                    }
                }
        if (backward) {
            std::vector<std::uint64_t> start(hg.inputs, 0);
            occ_row.push_back(0);
            for (std::uint32_t i = 0; i < hg.inputs; ++i)
                if (count[i]) {
                    start[i] = occ_row.back();
                    active.push_back(i);
                    occ_row.push_back(occ_row.back() + count[i]);
                }
            occ_col.resize(occ_row.back());
            for (int t = 0; t < TT; ++t)
                for (int b = 0; b < L; ++b)
                    for (std::uint32_t k = 0; k < K; ++k) {
                        const std::int32_t in = inputs[(std::size_t(t / s.ticks) * L + b) * K + k];
                        if (in >= 0) occ_col[start[in]++] = static_cast<std::uint32_t>((t + 1) * L + b);
                    }
            input_visits *= 2;
        }
        return eng->run(s, state, backward, loss_count, inputs, targets, active, occ_col, occ_row);
    }

    block_shape train_shape() const {
        block_shape s;
        s.lanes = train_lanes();
        s.tokens = lm.encoding == token_encoding::window ? 1 : static_cast<int>(lm.training.unroll);
        s.ticks = lm.encoding == token_encoding::window ? 1 : static_cast<int>(lm.ticks);
        return s;
    }
};

language_model::language_model(const network_spec& spec, const lm_spec& lm, connectome graph,
                               const lm_options& options)
    : impl_(std::make_unique<impl>()) {
    impl& m = *impl_;
    m.lm = lm;
    m.plan = plan_language_model(spec, lm);
    m.graph = std::move(graph);
    m.seed = spec.simulation.seed;
    m.backend = options.backend.empty() ? (spec.simulation.backend.empty() ? available_backends().front()
                                                                            : spec.simulation.backend)
                                        : options.backend;
    require_backend(m.backend);
    start_backend(m.backend);
    const auto& pops = spec.layout.populations();
    if (m.graph.projections.size() != spec.projections.size())
        throw internal_error("language_model: connectome and network disagree on the projections");

    // Units: the non-input populations in declaration order.
    host_graph& g = m.hg;
    g.unit_first.assign(pops.size(), 0);
    g.unit_count.assign(pops.size(), 0);
    for (std::size_t p = 0; p < pops.size(); ++p) {
        if (p == lm.input) continue;
        g.unit_first[p] = g.units;
        g.unit_count[p] = pops[p].size;
        g.units += pops[p].size;
    }
    g.inputs = pops[lm.input].size;
    g.slots = m.slots();
    if (g.units >= index_mask || g.inputs >= index_mask) throw input_error(lm.origin, "too many neurons for a language model (2^30)");

    // Parameters: weights in connectome order, then biases; initialised as lm.init says,
    // U(-b, b) with b = 1/sqrt(dense fan-in) as torch.nn.Linear.
    auto bound_of = [&](std::size_t population) {
        return m.plan.fan_in[population] ? 1.0 / std::sqrt(double(m.plan.fan_in[population])) : 0.0;
    };
    std::vector<float> params;
    std::vector<std::uint64_t> param_first(m.graph.projections.size());
    for (std::size_t q = 0; q < m.graph.projections.size(); ++q) {
        const edge_set& es = m.graph.projections[q];
        param_first[q] = params.size();
        const double bound = bound_of(es.target_population);
        // signed: a connectome's projections (explicit edges) keep each edge's sign, a graded
        // synapse reversing below the target's rest counting as inhibitory; projections drawn
        // by a rule have no signs to keep and start like `uniform`.
        const bool keeps_signs = lm.init == weight_init_kind::signed_uniform &&
                                 spec.projections[q].rule == connection_rule_kind::explicit_edges;
        const double sign = spec.synapses[q].kind == synapse_kind::graded &&
                                    spec.synapses[q].graded.E_rev < spec.models[es.target_population].parameters.E_L
                                ? -1.0
                                : 1.0;
        for (neuron_id s = 0; s < es.n_sources; ++s) {
            counter_rng rng(m.seed, stream_purpose::lm_init, static_cast<std::uint32_t>(q), s);
            for (edge_index e = es.row_map[s]; e < es.row_map[s + 1]; ++e) {
                const double written = es.weight[e];
                const double u = bound * (2.0 * rng.uniform() - 1.0);
                const double w = lm.init == weight_init_kind::written ? written
                                 : keeps_signs ? sign * (written < 0.0 ? -1.0 : 1.0) * std::fabs(u)
                                               : u;
                params.push_back(static_cast<float>(w));
            }
        }
    }
    g.weights = params.size();
    if (g.weights >= index_mask) throw input_error(lm.origin, "more than 2^30 edges; expected a smaller language model");
    for (std::size_t p = 0; p < pops.size(); ++p) {
        if (p == lm.input) continue;
        const double bound = bound_of(p);
        counter_rng rng(m.seed, stream_purpose::lm_init, 0x80000000u + static_cast<std::uint32_t>(p), 0);
        for (neuron_id i = 0; i < pops[p].size; ++i) {
            const double u = bound * (2.0 * rng.uniform() - 1.0);
            params.push_back(lm.init == weight_init_kind::written ? 0.0f : static_cast<float>(u));
        }
    }

    // Index lists: by target (forward), by source (backward), from the input, per weight.
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> in(g.units), out(g.units), inp(g.inputs);
    g.weight_source.resize(g.weights);
    g.weight_target.resize(g.weights);
    for (std::size_t q = 0; q < m.graph.projections.size(); ++q) {
        const edge_set& es = m.graph.projections[q];
        const bool from_input = es.source_population == lm.input;
        const std::uint32_t lag = m.plan.recurrent[q] ? lag_bit : 0u;
        const std::uint32_t t0 = g.unit_first[es.target_population];
        const std::uint32_t s0 = from_input ? 0 : g.unit_first[es.source_population];
        for (neuron_id s = 0; s < es.n_sources; ++s)
            for (edge_index e = es.row_map[s]; e < es.row_map[s + 1]; ++e) {
                const auto param = static_cast<std::uint32_t>(param_first[q] + e);
                const std::uint32_t tu = t0 + es.target[e];
                g.weight_source[param] = s0 + s;
                g.weight_target[param] = tu | lag | (from_input ? input_bit : 0u);
                if (from_input) {
                    inp[s].emplace_back(tu, param);
                } else {
                    in[tu].emplace_back((s0 + s) | lag, param);
                    out[s0 + s].emplace_back(tu | lag, param);
                    (lag ? g.recurrent_edges : g.immediate_edges) += 1;
                }
            }
    }
    auto flatten = [](auto& rows, std::vector<std::uint64_t>& row_map, std::vector<std::uint32_t>& a,
                      std::vector<std::uint32_t>& b) {
        row_map.assign(1, 0);
        for (auto& r : rows) {
            for (auto& [x, y] : r) {
                a.push_back(x);
                b.push_back(y);
            }
            row_map.push_back(a.size());
            r.clear();
            r.shrink_to_fit();
        }
    };
    flatten(in, g.in_row, g.in_source, g.in_param);
    for (std::size_t q = 0; q < m.graph.projections.size(); ++q)
        if (m.graph.projections[q].source_population != lm.input && m.graph.projections[q].size())
            g.unit_weight_ranges.emplace_back(param_first[q], param_first[q] + m.graph.projections[q].size());
    flatten(out, g.out_row, g.out_target, g.out_param);
    flatten(inp, g.input_row, g.input_target, g.input_param);

    m.eng = make_engine(m.backend, g, lm.activation, m.plan.order, lm.output, params);
    if (lm.encoding == token_encoding::stream) m.lane_position.assign(lm.training.batch, 0);
}

language_model::~language_model() = default;

const lm_spec& language_model::spec() const { return impl_->lm; }
const lm_plan& language_model::plan() const { return impl_->plan; }
std::uint64_t language_model::parameter_count() const { return impl_->hg.weights + impl_->hg.units; }
std::uint64_t language_model::weight_count() const { return impl_->hg.weights; }
std::string language_model::backend() const { return impl_->backend; }
std::uint64_t language_model::edge_visits() const { return impl_->eng->edge_visits() + impl_->input_visits; }

std::vector<float> language_model::parameters() const { return impl_->eng->get(0); }
void language_model::set_parameters(const std::vector<float>& p) {
    if (p.size() != parameter_count()) throw internal_error("set_parameters: wrong size");
    impl_->eng->set(0, p);
}

connectome language_model::trained_graph() const {
    connectome c = impl_->graph;
    const std::vector<float> p = parameters();
    std::size_t k = 0;
    for (auto& es : c.projections)
        for (auto& w : es.weight) w = p[k++];
    return c;
}

std::vector<float> language_model::biases() const {
    const std::vector<float> p = parameters();
    return {p.begin() + static_cast<std::ptrdiff_t>(impl_->hg.weights), p.end()};
}

std::uint64_t language_model::step() const { return impl_->step; }

lm_state language_model::state() const {
    impl& m = *impl_;
    lm_state s;
    s.parameters = m.eng->get(0);
    s.adam_m = m.eng->get(1);
    s.adam_v = m.eng->get(2);
    s.step = m.step;
    s.tokens = m.tokens;
    if (m.lm.encoding == token_encoding::stream) {
        s.carried = m.eng->get_carried(0, m.train_lanes());
        s.lane_position = m.lane_position;
    }
    return s;
}

void language_model::restore(const lm_state& s) {
    impl& m = *impl_;
    const std::uint64_t n = parameter_count();
    if (s.parameters.size() != n || s.adam_m.size() != n || s.adam_v.size() != n)
        throw input_error(m.lm.origin, "the checkpoint holds " + std::to_string(s.parameters.size()) +
                                           " parameters; this model has " + std::to_string(n));
    m.eng->set(0, s.parameters);
    m.eng->set(1, s.adam_m);
    m.eng->set(2, s.adam_v);
    m.step = s.step;
    m.tokens = s.tokens;
    if (m.lm.encoding == token_encoding::stream) {
        if (s.carried.size() != std::size_t(m.hg.units) * m.train_lanes() || s.lane_position.size() != m.lane_position.size())
            throw input_error(m.lm.origin, "the checkpoint's carried state does not fit this model's batch");
        m.eng->set_carried(0, m.train_lanes(), s.carried);
        m.lane_position = s.lane_position;
    }
}

std::uint64_t language_model::tokens_per_step() const {
    const lm_training& t = impl_->lm.training;
    return impl_->lm.encoding == token_encoding::window ? t.batch : std::uint64_t(t.batch) * t.unroll;
}

std::uint64_t language_model::total_steps() const {
    return std::max<std::uint64_t>(1, impl_->lm.training.tokens / tokens_per_step());
}

double language_model::learning_rate(std::uint64_t s, std::uint64_t total) const {
    const lm_training& t = impl_->lm.training;
    const std::uint64_t warm = static_cast<std::uint64_t>(std::llround(t.warmup * double(total)));
    if (s < warm) return t.learning_rate * double(s + 1) / double(warm);
    if (t.schedule == lr_schedule_kind::constant || total <= warm) return t.learning_rate;
    const double x = double(s - warm) / double(total - warm);
    if (t.schedule == lr_schedule_kind::cosine) return t.learning_rate * 0.5 * (1.0 + std::cos(3.141592653589793 * x));
    return t.learning_rate * double(total - s) / double(total - warm);
}

double language_model::train_step(const std::vector<std::uint8_t>& text) {
    impl& m = *impl_;
    const lm_training& t = m.lm.training;
    const block_shape s = m.train_shape();
    const std::size_t L = s.lanes;
    std::vector<std::uint64_t> position(std::size_t(s.tokens) * L, ~0ull);
    const std::uint64_t n = text.size();
    int state = -1;
    if (m.lm.encoding == token_encoding::window) {
        // A shuffled epoch of every position; the batch takes the next `batch` of them.
        for (std::uint32_t b = 0; b < t.batch; ++b) {
            const std::uint64_t k = m.step * t.batch + b;
            const std::uint64_t epoch = k / n;
            if (epoch != m.order_epoch) {
                m.order_cache = epoch_order(n, m.seed, epoch);
                m.order_epoch = epoch;
            }
            position[b] = m.order_cache[k % n];
        }
    } else {
        // Lane b reads its own contiguous part of the text, `unroll` bytes a step, carrying
        // its state; at the end of its part it starts again from zero state.
        const std::uint64_t part = n / t.batch;
        if (part < t.unroll + 1)
            throw input_error(t.origin, "the training text has " + std::to_string(n) + " bytes: too short for batch " +
                                            std::to_string(t.batch) + " x unroll " + std::to_string(t.unroll) +
                                            "; expected at least " + std::to_string((t.unroll + 1) * t.batch));
        std::vector<float> carried;
        bool reset = false;
        for (std::uint32_t b = 0; b < t.batch; ++b) {
            std::uint64_t& p = m.lane_position[b];
            if (m.step == 0 && m.tokens == 0) p = b * part;
            if (p + t.unroll > (b + 1) * part) {
                p = b * part;
                if (!reset) carried = m.eng->get_carried(0, s.lanes);
                reset = true;
                for (std::uint32_t u = 0; u < m.hg.units; ++u) carried[std::size_t(u) * L + b] = 0.0f;
            }
            for (std::uint32_t j = 0; j < t.unroll; ++j) position[std::size_t(j) * L + b] = p + j;
            p += t.unroll;
        }
        if (reset) m.eng->set_carried(0, s.lanes, carried);
        state = 0;
    }
    const std::uint64_t predictions = tokens_per_step();
    const std::vector<float> loss = m.run_block(text, s, position, state, true, predictions);
    double sum = 0.0;
    for (float x : loss) sum += x;
    const double norm = std::sqrt(m.eng->gradient_norm2());
    const double scale = t.clip > 0.0 && norm > t.clip ? t.clip / (norm + 1e-6) : 1.0;
    const std::uint64_t total = total_steps();
    m.eng->adam(learning_rate(m.step, total), m.step + 1, t.beta1, t.beta2, t.epsilon, t.weight_decay, scale);
    ++m.step;
    m.tokens += predictions;
    return sum / double(predictions) / std::log(2.0);
}

double language_model::evaluate(const std::vector<std::uint8_t>& text, std::uint64_t bytes) {
    impl& m = *impl_;
    const std::uint64_t n = bytes == 0 ? text.size() : std::min<std::uint64_t>(bytes, text.size());
    double sum = 0.0;
    if (m.lm.encoding == token_encoding::window) {
        block_shape s;
        s.lanes = 1024;
        std::vector<std::uint64_t> position(s.lanes);
        for (std::uint64_t first = 0; first < n; first += s.lanes) {
            for (int b = 0; b < s.lanes; ++b) position[b] = first + b < n ? first + b : ~0ull;
            const std::vector<float> loss = m.run_block(text, s, position, -1, false, 0);
            for (float x : loss) sum += x;
        }
    } else {
        // 64 lanes, each a contiguous part of the text from zero state, `unroll` bytes a block.
        block_shape s;
        s.lanes = 64;
        s.tokens = static_cast<int>(m.lm.training.unroll);
        s.ticks = static_cast<int>(m.lm.ticks);
        const std::uint64_t part = (n + s.lanes - 1) / s.lanes;
        m.eng->set_carried(1, s.lanes, std::vector<float>(std::size_t(m.hg.units) * s.lanes, 0.0f));
        std::vector<std::uint64_t> position(std::size_t(s.tokens) * s.lanes);
        for (std::uint64_t first = 0; first < part; first += s.tokens) {
            for (int j = 0; j < s.tokens; ++j)
                for (int b = 0; b < s.lanes; ++b) {
                    const std::uint64_t local = first + j, p = b * part + local;
                    position[std::size_t(j) * s.lanes + b] = local < part && p < n ? p : ~0ull;
                }
            const std::vector<float> loss = m.run_block(text, s, position, 1, false, 0);
            for (float x : loss) sum += x;
        }
    }
    return sum / double(n) / std::log(2.0);
}

std::string language_model::generate(const std::string& prompt, std::uint64_t count, double temperature,
                                     std::uint64_t seed) {
    impl& m = *impl_;
    std::vector<std::uint8_t> text(prompt.begin(), prompt.end());
    block_shape s;
    s.lanes = lane_block;
    s.ticks = m.lm.encoding == token_encoding::window ? 1 : static_cast<int>(m.lm.ticks);
    std::vector<float> logits;
    const std::uint32_t K = m.slots();
    if (m.lm.encoding == token_encoding::stream) {
        // The prompt runs through once; the state then carries on byte by byte.
        m.eng->set_carried(2, s.lanes, std::vector<float>(std::size_t(m.hg.units) * s.lanes, 0.0f));
        s.tokens = static_cast<int>(std::max<std::size_t>(1, text.size()));
        std::vector<std::int32_t> inputs(std::size_t(s.tokens) * s.lanes * K, -1), targets(std::size_t(s.tokens) * s.lanes, -1);
        for (int j = 0; j < s.tokens; ++j) m.fill_inputs(text, std::min<std::size_t>(j + 1, text.size()), &inputs[std::size_t(j) * s.lanes * K]);
        if (text.empty()) inputs[0] = -1;
        m.run_inputs(s, inputs, targets, 2, false, 0);
        logits = m.eng->last_logits(s, 0);
        s.tokens = 1;
    }
    std::string out;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (m.lm.encoding == token_encoding::window) {
            std::vector<std::int32_t> inputs(std::size_t(s.lanes) * K, -1), targets(s.lanes, -1);
            m.fill_inputs(text, text.size(), inputs.data());
            m.run_inputs(s, inputs, targets, -1, false, 0);
            logits = m.eng->last_logits(s, 0);
        }
        // Sample: softmax(logits / T) by inversion of one uniform draw (argmax at T = 0).
        int next = 0;
        if (temperature <= 0.0) {
            next = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        } else {
            const double mx = *std::max_element(logits.begin(), logits.end());
            std::vector<double> p(logits.size());
            double z = 0.0;
            for (std::size_t k = 0; k < p.size(); ++k) z += (p[k] = std::exp((logits[k] - mx) / temperature));
            counter_rng rng(seed, stream_purpose::lm_sample, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i >> 32));
            double u = rng.uniform() * z;
            next = 255;
            for (std::size_t k = 0; k < p.size(); ++k) {
                if (u < p[k]) {
                    next = static_cast<int>(k);
                    break;
                }
                u -= p[k];
            }
        }
        text.push_back(static_cast<std::uint8_t>(next));
        out.push_back(static_cast<char>(next));
        if (m.lm.encoding == token_encoding::stream && i + 1 < count) {
            std::vector<std::int32_t> inputs(std::size_t(s.lanes) * K, -1), targets(s.lanes, -1);
            inputs[0] = next;
            m.run_inputs(s, inputs, targets, 2, false, 0);
            logits = m.eng->last_logits(s, 0);
        }
    }
    return out;
}

double language_model::loss_and_gradient(const std::vector<std::uint8_t>& text, const std::vector<std::uint64_t>& position,
                                         std::uint64_t tokens, std::vector<float>* gradient) {
    impl& m = *impl_;
    block_shape s;
    std::vector<std::uint64_t> pos;
    std::uint64_t count = 0;
    if (m.lm.encoding == token_encoding::window) {
        s.lanes = padded_lanes(position.size());
        pos.assign(s.lanes, ~0ull);
        std::copy(position.begin(), position.end(), pos.begin());
        count = position.size();
    } else {
        s.lanes = lane_block;
        s.tokens = static_cast<int>(tokens);
        s.ticks = static_cast<int>(m.lm.ticks);
        pos.assign(std::size_t(s.tokens) * s.lanes, ~0ull);
        for (int j = 0; j < s.tokens; ++j) pos[std::size_t(j) * s.lanes] = position.at(0) + j;
        count = tokens;
        m.eng->set_carried(2, s.lanes, std::vector<float>(std::size_t(m.hg.units) * s.lanes, 0.0f));
    }
    const std::vector<float> loss = m.run_block(text, s, pos, m.lm.encoding == token_encoding::window ? -1 : 2,
                                                gradient != nullptr, count);
    double sum = 0.0;
    for (float x : loss) sum += x;
    if (gradient) *gradient = m.eng->get(3);
    return sum / double(count);
}

}  // namespace synaptogen
