// The language model on the graph: gradients against finite differences, edge removal,
// learning, determinism across backends and thread counts, checkpoints, bad configs.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/io/checkpoint_file.hpp>
#include <synaptogen/io/lm_checkpoint.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/language_model.hpp>

#include "test_support.hpp"

namespace synaptogen {
namespace {

using testing::error_of;

// A small corpus with structure to learn: a few sentences in a pseudo-random order.
std::string small_corpus(std::size_t bytes, std::uint64_t seed) {
    const char* sentences[] = {"the cat sat on the mat. ", "a dog ran to the park. ", "she said no to him. ",
                               "it was a fine day. ", "we ate the bread. "};
    std::string s;
    counter_rng rng(seed, stream_purpose::lm_data, 999, 0);
    while (s.size() < bytes) s += sentences[rng.below(5)];
    s.resize(bytes);
    return s;
}

// Window model: context 3 bytes (768 inputs) -> hidden (12, activation) -> hidden2 (10) -> 256.
std::string window_model(const std::string& train, const std::string& valid, const std::string& hidden_rule,
                         const std::string& activation = "rate_tanh", std::uint64_t seed = 3) {
    return R"(
[simulation]
seed = )" + std::to_string(seed) + R"(
[[population]]
name = "in"
size = 768
model = "rate_relu"
[[population]]
name = "h"
size = 12
model = ")" + activation + R"("
[[population]]
name = "h2"
size = 10
model = ")" + activation + R"("
[[population]]
name = "out"
size = 256
model = "rate_relu"
[[projection]]
source = "in"
target = "h"
rule = "fixed_probability"
p = 0.5
synapse = "rate"
weight = 1.0
[[projection]]
source = "h"
target = "h2"
)" + hidden_rule + R"(
synapse = "rate"
weight = 1.0
[[projection]]
source = "in"
target = "h2"
rule = "fixed_probability"
p = 0.1
synapse = "rate"
weight = 1.0
[[projection]]
source = "h2"
target = "out"
rule = "fixed_probability"
p = 0.6
synapse = "rate"
weight = 1.0
[lm]
input = "in"
output = "out"
encoding = "window"
context = 3
[lm.training]
train = ")" + train + R"("
validation = ")" + valid + R"("
tokens = 6400
batch = 32
learning_rate = 1e-2
)";
}

// Stream model: 256 one-hot -> recurrent hidden (tanh, sparse) -> 256, 2 ticks per byte.
std::string stream_model(const std::string& train, const std::string& valid, std::uint64_t seed = 5) {
    return R"(
[simulation]
seed = )" + std::to_string(seed) + R"(
[[population]]
name = "byte"
size = 256
model = "rate_relu"
[[population]]
name = "h"
size = 16
model = "rate_tanh"
[[population]]
name = "out"
size = 256
model = "rate_relu"
[[projection]]
source = "byte"
target = "h"
rule = "fixed_probability"
p = 0.3
synapse = "rate"
weight = 1.0
[[projection]]
source = "h"
target = "h"
rule = "fixed_probability"
p = 0.4
synapse = "rate"
weight = 1.0
[[projection]]
source = "h"
target = "out"
rule = "all_to_all"
synapse = "rate"
weight = 1.0
[lm]
input = "byte"
output = "out"
encoding = "stream"
ticks = 2
[lm.training]
train = ")" + train + R"("
validation = ")" + valid + R"("
tokens = 32768
batch = 32
unroll = 16
learning_rate = 1e-2
)";
}

struct built {
    network_spec spec;
    std::unique_ptr<language_model> model;
};

built build(const std::string& text, const std::string& backend = "") {
    built b;
    b.spec = parse_network(text, "lm.toml");
    connectome g = build_connectome(b.spec.layout, b.spec.projections, b.spec.simulation.seed, b.spec.simulation.dt);
    b.model = std::make_unique<language_model>(b.spec, *b.spec.language, std::move(g), lm_options{backend});
    return b;
}

class language_model_test : public testing::temp_dir_test {
protected:
    std::string train_path, valid_path;
    std::vector<std::uint8_t> train, valid;
    void SetUp() override {
        temp_dir_test::SetUp();
        const std::string t = small_corpus(20000, 1), v = small_corpus(4000, 2);
        train_path = file("train.txt", t);
        valid_path = file("valid.txt", v);
        train.assign(t.begin(), t.end());
        valid.assign(v.begin(), v.end());
    }
};

// Central differences of the mean loss against the analytic gradient, on parameters
// chosen across every projection and the biases; relative tolerance for float arithmetic.
void check_gradient(language_model& m, const std::vector<std::uint8_t>& text, const std::vector<std::uint64_t>& pos,
                    std::uint64_t tokens) {
    std::vector<float> grad;
    m.loss_and_gradient(text, pos, tokens, &grad);
    const std::vector<float> p0 = m.parameters();
    ASSERT_EQ(grad.size(), p0.size());
    // Probe the largest gradients (they dominate the finite-difference error budget) and
    // a spread of others, edges of every kind and biases.
    std::vector<std::size_t> probe;
    for (std::size_t i = 0; i < p0.size(); i += p0.size() / 37 + 1) probe.push_back(i);
    std::vector<std::size_t> order(p0.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::partial_sort(order.begin(), order.begin() + 20, order.end(),
                      [&](std::size_t a, std::size_t b) { return std::fabs(grad[a]) > std::fabs(grad[b]); });
    probe.insert(probe.end(), order.begin(), order.begin() + 20);
    int checked = 0;
    for (std::size_t i : probe) {
        const double h = 2e-3;
        std::vector<float> p = p0;
        p[i] = p0[i] + static_cast<float>(h);
        m.set_parameters(p);
        const double up = m.loss_and_gradient(text, pos, tokens, nullptr);
        p[i] = p0[i] - static_cast<float>(h);
        m.set_parameters(p);
        const double down = m.loss_and_gradient(text, pos, tokens, nullptr);
        const double numeric = (up - down) / (2 * h);
        EXPECT_NEAR(grad[i], numeric, 2e-3 + 0.03 * std::fabs(numeric)) << "parameter " << i;
        if (std::fabs(numeric) > 1e-3) ++checked;
    }
    m.set_parameters(p0);
    EXPECT_GE(checked, 20) << "too few parameters with a measurable gradient";
}

TEST_F(language_model_test, window_gradient_matches_finite_differences_on_pruned_graph) {
    built b = build(window_model(train_path, valid_path, "rule = \"fixed_probability\"\np = 0.5"));
    check_gradient(*b.model, train, {5, 17, 40, 99, 230, 511, 777, 1200}, 0);
}

TEST_F(language_model_test, window_gradient_relu_and_sigmoid) {
    for (const char* act : {"rate_relu", "rate_sigmoid"}) {
        built b = build(window_model(train_path, valid_path, "rule = \"all_to_all\"", act));
        check_gradient(*b.model, train, {3, 64, 128, 300, 2000}, 0);
    }
}

TEST_F(language_model_test, recurrent_gradient_matches_finite_differences_through_time) {
    built b = build(stream_model(train_path, valid_path));
    ASSERT_TRUE(b.model->plan().recurrent[1]);   // h -> h reads the previous tick
    ASSERT_FALSE(b.model->plan().recurrent[0]);  // byte -> h within the tick
    check_gradient(*b.model, train, {100}, 12);
}

TEST_F(language_model_test, removing_an_edge_removes_its_effect_and_its_work) {
    const std::string text = window_model(train_path, valid_path, "rule = \"all_to_all\"");
    built full = build(text);
    std::vector<float> g;
    const std::vector<std::uint64_t> pos = {10, 20, 30};
    full.model->loss_and_gradient(train, pos, 0, &g);
    const std::uint64_t visits = full.model->edge_visits();

    // The same graph less one h -> h2 edge with a non-zero weight and gradient.
    network_spec spec = parse_network(text, "lm.toml");
    connectome c = build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
    const edge_index before = c.projections[1].size();
    ASSERT_TRUE(c.projections[1].remove_edge(3, 7));
    ASSERT_FALSE(c.projections[1].remove_edge(3, 7));
    EXPECT_EQ(c.projections[1].size(), before - 1);
    language_model pruned(spec, *spec.language, c);
    EXPECT_EQ(pruned.weight_count(), full.model->weight_count() - 1);
    // Same initial values for every other parameter: give the full model's values.
    std::vector<float> p = full.model->parameters();
    const edge_index removed = c.projections[0].size() + 3 * 10 + 7;  // row 3 of an all_to_all onto 10 targets
    p.erase(p.begin() + static_cast<std::ptrdiff_t>(removed));
    pruned.set_parameters(p);
    std::vector<float> g2;
    const double l_full = full.model->loss_and_gradient(train, pos, 0, nullptr);
    const double l_pruned = pruned.loss_and_gradient(train, pos, 0, &g2);
    EXPECT_NE(l_full, l_pruned);
    // One edge between units costs one visit forward, one backward, one for its gradient.
    EXPECT_EQ(pruned.edge_visits(), visits - 3);
    // With the edge's weight at zero, the full graph computes exactly what the pruned one does.
    std::vector<float> pz = full.model->parameters();
    pz[removed] = 0.0f;
    full.model->set_parameters(pz);
    EXPECT_FLOAT_EQ(static_cast<float>(full.model->loss_and_gradient(train, pos, 0, nullptr)), static_cast<float>(l_pruned));
}

TEST_F(language_model_test, training_lowers_held_out_bits_per_byte) {
    for (const std::string& text : {window_model(train_path, valid_path, "rule = \"all_to_all\""),
                                    stream_model(train_path, valid_path)}) {
        built b = build(text);
        const double before = b.model->evaluate(valid);
        EXPECT_NEAR(before, 8.0, 0.5);  // about uniform over 256 bytes at initialisation
        for (std::uint64_t s = 0; s < b.model->total_steps(); ++s) b.model->train_step(train);
        const double after = b.model->evaluate(valid);
        EXPECT_LT(after, 4.0) << "from " << before;  // the corpus has ~2.x bits of real structure per byte
    }
}

TEST_F(language_model_test, same_bits_on_serial_and_openmp) {
    const auto backends = available_backends();
    if (std::find(backends.begin(), backends.end(), "openmp") == backends.end()) GTEST_SKIP() << "no OpenMP backend";
    for (const std::string& text : {window_model(train_path, valid_path, "rule = \"all_to_all\""),
                                    stream_model(train_path, valid_path)}) {
        built a = build(text, "serial"), b = build(text, "openmp");
        for (int s = 0; s < 30; ++s) EXPECT_EQ(a.model->train_step(train), b.model->train_step(train));
        EXPECT_EQ(a.model->parameters(), b.model->parameters());
        EXPECT_EQ(a.model->evaluate(valid), b.model->evaluate(valid));
    }
}

TEST_F(language_model_test, checkpoint_resumes_bit_for_bit) {
    for (const std::string& text : {window_model(train_path, valid_path, "rule = \"all_to_all\""),
                                    stream_model(train_path, valid_path)}) {
        const std::string config = file("model.toml", text);
        network_spec spec = load_network_file(config);
        auto fresh = [&] {
            return std::make_unique<language_model>(
                spec, *spec.language, build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt));
        };
        auto straight = fresh();
        for (int s = 0; s < 40; ++s) straight->train_step(train);

        auto first = fresh();
        for (int s = 0; s < 17; ++s) first->train_step(train);
        lm_checkpoint c;
        c.config_file = config;
        c.config_hash = description_hash(spec.source_text);
        c.seed = spec.simulation.seed;
        c.graph = first->trained_graph();
        c.state = first->state();
        const std::string path = (dir / "ckpt.h5").string();
        write_lm_checkpoint(path, c);
        first.reset();

        const lm_checkpoint r = read_lm_checkpoint(path);
        EXPECT_EQ(r.state.step, 17u);
        EXPECT_EQ(r.state.parameters, c.state.parameters);
        EXPECT_EQ(r.state.adam_v, c.state.adam_v);
        language_model resumed(spec, *spec.language, r.graph);
        resumed.restore(r.state);
        for (int s = 17; s < 40; ++s) resumed.train_step(train);
        EXPECT_EQ(resumed.parameters(), straight->parameters());
        // The checkpoint is a network like the others: the trained weights as explicit edges.
        const network_spec as_network = lm_checkpoint_network(r, path);
        ASSERT_EQ(as_network.projections[0].rule, connection_rule_kind::explicit_edges);
        EXPECT_EQ(as_network.projections[0].edges.size(), r.graph.projections[0].size());
        EXPECT_EQ(as_network.projections[0].edges[0].weight, r.graph.projections[0].weight[0]);
    }
}

TEST_F(language_model_test, degree_preserving_shuffle_keeps_every_degree) {
    network_spec spec = parse_network(window_model(train_path, valid_path, "rule = \"fixed_probability\"\np = 0.5"), "x");
    connectome c = build_connectome(spec.layout, spec.projections, 9, spec.simulation.dt);
    edge_set e = c.projections[0];
    const auto in = e.in_degrees(), out = e.out_degrees();
    const edge_index swaps = degree_preserving_shuffle(e, 2 * e.size(), 11);
    EXPECT_GT(swaps, e.size());
    EXPECT_EQ(e.in_degrees(), in);
    EXPECT_EQ(e.out_degrees(), out);
    EXPECT_NE(e.target, c.projections[0].target);
}

TEST_F(language_model_test, bad_configs_get_one_clear_error) {
    const std::string good = window_model(train_path, valid_path, "rule = \"all_to_all\"");
    auto with = [&](const std::string& from, const std::string& to) {
        std::string t = good;
        const auto at = t.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return t.replace(at, from.size(), to);
    };
    auto message = [](const std::string& text) { return std::string(error_of([&] { parse_network(text, "lm.toml"); }).what()); };
    EXPECT_NE(message(with("input = \"in\"", "input = \"inn\"")).find("no population named 'inn'; did you mean 'in'"), std::string::npos);
    EXPECT_NE(message(with("context = 3", "context = 4")).find("expected 1024"), std::string::npos);
    EXPECT_NE(message(with("output = \"out\"", "output = \"h\"")).find("expected 256"), std::string::npos);
    // h2 -> h closes a cycle, which a window (feed-forward) model cannot have.
    const std::string cyc = with("[lm]", "[[projection]]\nsource = \"h2\"\ntarget = \"h\"\nrule = \"all_to_all\"\nsynapse = \"rate\"\nweight = 1.0\n[lm]");
    const std::string m = message(cyc);
    EXPECT_NE(m.find("closes a cycle"), std::string::npos) << m;
    EXPECT_NE(m.find("lm.toml:"), std::string::npos) << m;
    EXPECT_NE(message(with("learning_rate = 1e-2", "learning_rate = 1e-2\nlearning_rat = 3")).find("did you mean 'learning_rate'"), std::string::npos);
    EXPECT_NE(message(with("encoding = \"window\"", "encoding = \"windows\"")).find("did you mean 'window'"), std::string::npos);
    // Corpora are checked when read: missing and empty files name the field.
    const std::string empty = file("empty.txt", "");
    EXPECT_NE(std::string(error_of([&] { read_corpus(empty, {"lm.toml", 3, "lm.training.train"}); }).what()).find("is empty"),
              std::string::npos);
    EXPECT_NE(std::string(error_of([&] { read_corpus((dir / "nope.txt").string(), {"lm.toml", 3, "lm.training.train"}); }).what())
                  .find("cannot open"),
              std::string::npos);
}

}  // namespace
}  // namespace synaptogen
