// The generational loop: selection statistics, elitism and (mu + lambda) never losing the
// best, pruning through generations, checkpoint round trip and resume equality, controls,
// the language evaluator's determinism across thread counts, and bad [evolution] tables.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/evolution/controls.hpp>
#include <synaptogen/evolution/evolution_run.hpp>
#include <synaptogen/io/evolution_checkpoint.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/kokkos_session.hpp>
#include <synaptogen/runtime/language_model.hpp>

#include "test_support.hpp"

namespace synaptogen {
namespace {

using testing::error_of;

// The documented example of a custom evaluator (docs/evolution.md): selects for a number
// of edges. It also hands back "trained" weights (every weight + its edge's target index)
// so pruning has distinct magnitudes to rank.
class edge_count_fitness final : public fitness_evaluator {
public:
    explicit edge_count_fitness(double target) : target_(target) {}
    std::string describe() const override { return "distance from the target edge count"; }
    evaluation evaluate(const connectome& genome, bool) override {
        evaluation e;
        e.fitness = std::fabs(static_cast<double>(genome.size()) - target_);
        e.trained = genome;
        for (auto& p : e.trained.projections)
            for (std::size_t k = 0; k < p.size(); ++k) p.weight[k] = p.weight[k] + static_cast<float>(p.target[k]);
        e.has_trained = true;
        ++calls;
        return e;
    }
    int calls = 0;

private:
    double target_;
};

edge_set random_edges(neuron_id n, edge_index m, std::uint64_t seed) {
    edge_set e;
    e.n_sources = e.n_targets = n;
    e.source_population = 0;
    e.target_population = 1;
    e.allow_multapses = false;
    counter_rng rng(seed, stream_purpose::connectivity, 1, 2);
    std::vector<edge_set::triple> t;
    for (edge_index i = 0; i < m; ++i)
        t.push_back({static_cast<neuron_id>(i % n), static_cast<neuron_id>((i / n + i) % n), static_cast<float>(rng.uniform() - 0.5)});
    e.assign(t);
    return e;
}

connectome seed_connectome() {
    connectome c;
    c.projections.push_back(random_edges(30, 200, 1));
    c.projections.push_back(random_edges(20, 100, 2));
    return c;
}

evolution_spec base_spec() {
    evolution_spec ev;
    ev.generations = 12;
    ev.population = 8;
    ev.elite = 1;
    ev.seed = 7;
    ev.mutation.add = 3;
    ev.mutation.remove = 1;
    return ev;
}

std::vector<individual> ranked_population(std::size_t n) {
    std::vector<individual> p(n);
    for (std::size_t i = 0; i < n; ++i) {
        p[i].id = i;
        p[i].fitness = static_cast<double>(i);
    }
    return p;
}

TEST(evolution, truncation_draws_parents_uniformly_from_the_best_fraction) {
    evolution_spec ev = base_spec();
    ev.selection = selection_kind::truncation;
    ev.truncation = 0.5;
    const auto p = ranked_population(10);
    std::vector<int> count(10, 0);
    counter_rng rng(1, stream_purpose::evolution, 0, 0);
    const int n = 20000;
    for (int i = 0; i < n; ++i) ++count[select_parent(ev, p, rng)];
    for (int i = 5; i < 10; ++i) EXPECT_EQ(count[i], 0);
    const double expected = n / 5.0, sd = std::sqrt(n * 0.2 * 0.8);
    for (int i = 0; i < 5; ++i) EXPECT_NEAR(count[i], expected, 4 * sd) << i;
}

TEST(evolution, tournament_selection_follows_its_rank_distribution) {
    evolution_spec ev = base_spec();
    ev.selection = selection_kind::tournament;
    ev.tournament = 3;
    const std::size_t n = 10;
    const auto p = ranked_population(n);
    std::vector<int> count(n, 0);
    counter_rng rng(2, stream_purpose::evolution, 0, 0);
    const int draws = 30000;
    for (int i = 0; i < draws; ++i) ++count[select_parent(ev, p, rng)];
    // P(winner = rank i) = ((n - i)^3 - (n - i - 1)^3) / n^3 with draws with replacement.
    for (std::size_t i = 0; i < n; ++i) {
        const double a = std::pow(double(n - i), 3), b = std::pow(double(n - i - 1), 3);
        const double prob = (a - b) / std::pow(double(n), 3);
        EXPECT_NEAR(count[i], draws * prob, 4 * std::sqrt(draws * prob * (1 - prob)) + 1) << i;
    }
}

TEST(evolution, ranking_is_total_lower_fitness_first_then_id_nan_last) {
    std::vector<individual> p(4);
    p[0].id = 3; p[0].fitness = 1.0;
    p[1].id = 1; p[1].fitness = std::nan("");
    p[2].id = 2; p[2].fitness = 1.0;
    p[3].id = 0; p[3].fitness = 0.5;
    EXPECT_EQ(rank_by_fitness(p), (std::vector<std::size_t>{3, 2, 0, 1}));
}

// Elitism and (mu + lambda) keep the best: its fitness never gets worse, and the custom
// evaluator's target is reached.
TEST(evolution, elitism_and_plus_selection_never_lose_the_best) {
    for (selection_kind k : {selection_kind::truncation, selection_kind::tournament, selection_kind::plus}) {
        evolution_spec ev = base_spec();
        ev.selection = k;
        if (k == selection_kind::plus) {
            ev.elite = 0;
            ev.offspring = 8;
        }
        edge_count_fitness f(330.0);
        evolution_state s = initial_state(ev, seed_connectome(), true);
        std::vector<double> best;
        evolution_observer obs;
        obs.on_generation = [&](const evolution_state& st) { best.push_back(st.population[rank_by_fitness(st.population)[0]].fitness); };
        ASSERT_TRUE(run_evolution(ev, s, f, obs));
        ASSERT_EQ(best.size(), ev.generations + 1u);
        for (std::size_t g = 1; g < best.size(); ++g) EXPECT_LE(best[g], best[g - 1]) << to_string(k) << " generation " << g;
        EXPECT_LT(best.back(), 5.0) << to_string(k);  // 300 edges at the start, 30 to go at +2 per child on average
        // Every evaluation is in the lineage, ids unique and ascending.
        const std::size_t per_gen = k == selection_kind::plus ? 8 : 7;
        EXPECT_EQ(s.lineage.size(), 8 + ev.generations * per_gen);
        EXPECT_EQ(f.calls, static_cast<int>(s.lineage.size()));
        for (std::size_t i = 1; i < s.lineage.size(); ++i) EXPECT_EQ(s.lineage[i].id, s.lineage[i - 1].id + 1);
    }
}

TEST(evolution, comma_selection_keeps_only_offspring) {
    evolution_spec ev = base_spec();
    ev.selection = selection_kind::comma;
    ev.elite = 0;
    ev.population = 2;
    ev.offspring = 4;
    ev.generations = 3;
    edge_count_fitness f(0.0);
    evolution_state s = initial_state(ev, seed_connectome(), true);
    ASSERT_TRUE(run_evolution(ev, s, f));
    for (const auto& x : s.population) EXPECT_EQ(x.born, 3u);
}

// The paper's loop: one lineage, each generation prunes 20% of the surviving edges of each
// projection by |trained w| and resets survivors to sign(w) * 0.02.
TEST(evolution, generational_pruning_follows_the_rounding_sequence_per_projection) {
    evolution_spec ev;
    ev.generations = 6;
    ev.population = 1;
    ev.offspring = 1;
    ev.selection = selection_kind::comma;
    ev.elite = 0;
    ev.pruning.enabled = true;
    ev.pruning.fraction = 0.2;
    ev.pruning.magnitude = 0.02;
    edge_count_fitness f(0.0);
    const connectome seed = seed_connectome();
    evolution_state s = initial_state(ev, seed, false);
    ASSERT_TRUE(run_evolution(ev, s, f));
    for (std::size_t q = 0; q < seed.projections.size(); ++q) {
        edge_index m = seed.projections[q].size();
        for (int g = 0; g < 6; ++g) m -= static_cast<edge_index>(std::llround(0.2 * double(m)));
        EXPECT_EQ(s.population[0].genome.projections[q].size(), m) << q;
        for (float w : s.population[0].genome.projections[q].weight) EXPECT_EQ(std::fabs(w), 0.02f);
    }
    EXPECT_TRUE(s.population[0].written_weights);
    EXPECT_EQ(s.population[0].operators, "prune 20% reset sign");
}

// A run stopped after any generation and resumed from its checkpoint file reaches the same
// genomes, fitness and lineage as one that ran through.
TEST(evolution, resume_from_a_checkpoint_equals_an_uninterrupted_run) {
    evolution_spec ev = base_spec();
    ev.selection = selection_kind::tournament;
    ev.crossover = 0.5;
    ev.mutation.flip = 1;
    ev.mutation.rewire_target = 1;
    ev.mutation.perturb = 0.1;
    edge_count_fitness f1(330.0), f2(330.0);
    evolution_state full = initial_state(ev, seed_connectome(), true);
    ASSERT_TRUE(run_evolution(ev, full, f1));

    const std::string path = (std::filesystem::temp_directory_path() / ("evo_" + std::to_string(::getpid()) + ".h5")).string();
    evolution_state part = initial_state(ev, seed_connectome(), true);
    evolution_observer stop_at_4;
    int generations_done = 0;
    stop_at_4.on_generation = [&](const evolution_state& st) {
        evolution_checkpoint c;
        c.config_file = "x.toml";
        c.seed = ev.seed;
        c.fitness = f2.describe();
        c.state = st;
        write_evolution_checkpoint(path, c);
        ++generations_done;
    };
    stop_at_4.should_stop = [&] { return generations_done == 5; };
    EXPECT_FALSE(run_evolution(ev, part, f2, stop_at_4));
    evolution_state resumed = read_evolution_checkpoint(path).state;
    std::filesystem::remove(path);
    EXPECT_EQ(resumed.generation, 4u);
    ASSERT_TRUE(run_evolution(ev, resumed, f2));

    ASSERT_EQ(resumed.lineage.size(), full.lineage.size());
    for (std::size_t i = 0; i < full.lineage.size(); ++i) {
        EXPECT_EQ(resumed.lineage[i].fitness, full.lineage[i].fitness);
        EXPECT_EQ(resumed.lineage[i].operators, full.lineage[i].operators);
        EXPECT_EQ(resumed.lineage[i].parent_b, full.lineage[i].parent_b);
    }
    ASSERT_EQ(resumed.population.size(), full.population.size());
    for (std::size_t i = 0; i < full.population.size(); ++i)
        for (std::size_t q = 0; q < 2; ++q) {
            EXPECT_EQ(resumed.population[i].genome.projections[q].target, full.population[i].genome.projections[q].target);
            EXPECT_EQ(resumed.population[i].genome.projections[q].weight, full.population[i].genome.projections[q].weight);
        }
}

TEST(evolution, controls_keep_what_they_promise) {
    const connectome c = seed_connectome();
    const control r = make_control(control_kind::random, c, true, 5);
    const control d = make_control(control_kind::degree_preserving, c, true, 5, 10.0);
    const control s = make_control(control_kind::sign_shuffled, c, true, 5);
    const control dense = make_control(control_kind::dense, c, true, 5);
    EXPECT_GT(d.swaps, 0u);
    EXPECT_FALSE(dense.written_weights);
    for (std::size_t q = 0; q < c.projections.size(); ++q) {
        const edge_set& e = c.projections[q];
        EXPECT_EQ(r.graph.projections[q].size(), e.size());
        EXPECT_NE(r.graph.projections[q].target, e.target);
        EXPECT_EQ(d.graph.projections[q].in_degrees(), e.in_degrees());
        EXPECT_EQ(d.graph.projections[q].out_degrees(), e.out_degrees());
        EXPECT_EQ(s.graph.projections[q].target, e.target);
        auto negatives = [](const edge_set& x) {
            std::size_t n = 0;
            for (float w : x.weight) n += std::signbit(w);
            return n;
        };
        EXPECT_EQ(negatives(s.graph.projections[q]), negatives(e));
        EXPECT_NE(s.graph.projections[q].weight, e.weight);
        EXPECT_EQ(dense.graph.projections[q].size(), std::uint64_t(e.n_sources) * e.n_targets);
    }
}

// The language evaluator gives the same bits on the Serial and OpenMP backends (threads per
// process are tested by tests/cli/evolve.sh, which resumes a run with another count).
class evolution_files : public testing::temp_dir_test {};

std::string lm_evolution(const std::string& train, const std::string& valid, const std::string& evolution) {
    return R"(
[simulation]
seed = 3
[[population]]
name = "in"
size = 512
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
source = "in"
target = "h"
rule = "fixed_probability"
p = 0.5
synapse = "rate"
weight = 1.0
[[projection]]
source = "h"
target = "out"
rule = "all_to_all"
synapse = "rate"
weight = 1.0
[lm]
input = "in"
output = "out"
context = 2
[lm.training]
train = ")" + train + R"("
validation = ")" + valid + R"("
tokens = 2048
batch = 16
learning_rate = 1e-2
)" + evolution;
}

const char* pruning_run = R"(
[evolution]
generations = 2
population = 1
selection = "comma"
[evolution.pruning]
fraction = 0.2
[evolution.fitness]
kind = "language"
)";

TEST_F(evolution_files, language_evolution_is_identical_on_serial_and_openmp) {
    const auto backends = available_backends();
    if (std::find(backends.begin(), backends.end(), "openmp") == backends.end()) GTEST_SKIP() << "no OpenMP backend";
    std::string text;
    for (int i = 0; i < 300; ++i) text += "the cat sat on the mat. a dog ran. ";
    const std::string train = file("train.txt", text), valid = file("valid.txt", text.substr(0, 2000));
    const network_spec spec = parse_network(lm_evolution(train, valid, pruning_run), (dir / "e.toml").string());
    const connectome seed = build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
    std::vector<double> fitness;
    for (const char* backend : {"serial", "openmp"}) {
        auto f = make_fitness_evaluator(spec, {backend});
        evolution_state s = initial_state(*spec.evolution, seed, false);
        ASSERT_TRUE(run_evolution(*spec.evolution, s, *f));
        for (const auto& l : s.lineage) fitness.push_back(l.fitness);
    }
    ASSERT_EQ(fitness.size(), 6u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(fitness[i], fitness[i + 3]);
    EXPECT_LT(fitness[0], 8.0);  // it learned something: below the uniform 8 bits per byte
}

// reset = "rewind": the survivors of pruning restart from the weights the parent had at
// training step k (k = 0: the parent's initial weights, drawn by [lm] init).
TEST_F(evolution_files, rewind_resets_survivors_to_the_parents_weights_at_step_k) {
    std::string text;
    for (int i = 0; i < 300; ++i) text += "the cat sat on the mat. a dog ran. ";
    const std::string train = file("train.txt", text), valid = file("valid.txt", text.substr(0, 2000));
    const std::string rewind = R"(
[evolution]
generations = 1
population = 1
selection = "comma"
[evolution.pruning]
fraction = 0.5
reset = "rewind"
rewind_step = 0
[evolution.fitness]
kind = "language"
)";
    const network_spec spec = parse_network(lm_evolution(train, valid, rewind), (dir / "r.toml").string());
    const connectome seed = build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
    auto f = make_fitness_evaluator(spec, {"serial"});
    evolution_state s = initial_state(*spec.evolution, seed, false);
    ASSERT_TRUE(run_evolution(*spec.evolution, s, *f));
    // The parent's weights at step 0: what a fresh model of the seed starts from.
    language_model initial(spec, *spec.language, seed, {"serial"});
    const connectome at0 = initial.trained_graph();
    const individual& child = s.population[0];
    ASSERT_EQ(child.born, 1u);
    EXPECT_TRUE(child.written_weights);
    for (std::size_t q = 0; q < seed.projections.size(); ++q) {
        const edge_set& c = child.genome.projections[q];
        EXPECT_EQ(c.size(), seed.projections[q].size() - static_cast<edge_index>(std::llround(0.5 * double(seed.projections[q].size()))));
        for (neuron_id src = 0; src < c.n_sources; ++src)
            for (edge_index k = c.row_map[src]; k < c.row_map[src + 1]; ++k)
                ASSERT_EQ(c.weight[k], at0.projections[q].weight[at0.projections[q].find(src, c.target[k])]);
    }
}

TEST_F(evolution_files, bad_evolution_tables_give_one_clear_error) {
    const std::string train = file("train.txt", std::string(4000, 'a')), valid = file("valid.txt", "abcabc");
    auto error = [&](const std::string& evolution) {
        return std::string(error_of([&] { parse_network(lm_evolution(train, valid, evolution), "e.toml"); }).what());
    };
    const std::string fit = "[evolution.fitness]\nkind = \"language\"\n";
    const std::string prune = "[evolution.pruning]\nfraction = 0.2\n";
    EXPECT_NE(error("[evolution]\npopulation = 4\nelite = 4\n" + prune + fit).find("elite"), std::string::npos);
    EXPECT_NE(error("[evolution]\npopulation = 4\nselection = \"comma\"\noffspring = 2\n" + prune + fit).find("offspring >= population"),
              std::string::npos);
    EXPECT_NE(error("[evolution]\npopulation = 2\nselection = \"tournament\"\ntournament = 5\n" + prune + fit).find("tournament"),
              std::string::npos);
    EXPECT_NE(error("[evolution]\npopulaton = 2\n" + prune + fit).find("unknown key 'populaton'"), std::string::npos);
    EXPECT_NE(error("[evolution]\n" + fit).find("nothing varies"), std::string::npos);
    EXPECT_NE(error("[evolution]\n" + prune).find("evolution.fitness"), std::string::npos);
    EXPECT_NE(error("[evolution]\n" + prune + "[evolution.fitness]\nkind = \"rates\"\n").find("language model"), std::string::npos);
    EXPECT_NE(error("[evolution]\n[evolution.pruning]\nfraction = 1.5\n" + fit).find("fraction"), std::string::npos);
    EXPECT_NE(error("[evolution]\ncrossover = 0.5\n[evolution.pruning]\nreset = \"rewind\"\n" + fit).find("crossover"),
              std::string::npos);
    EXPECT_NE(error("[evolution]\nselection = \"roulette\"\n" + prune + fit).find("unknown selection 'roulette'"), std::string::npos);
    // The line of the table is named.
    EXPECT_NE(error("[evolution]\npopulation = 4\nelite = 4\n" + prune + fit).find("e.toml:"), std::string::npos);
}

TEST_F(evolution_files, spiking_fitness_tables_are_checked_against_the_network) {
    const std::string net = R"(
[simulation]
duration = 100.0
[[population]]
name = "E"
size = 10
model = "iaf_psc_exp"
[[projection]]
source = "E"
target = "E"
rule = "fixed_probability"
p = 0.2
weight = 10.0
[evolution]
[evolution.mutation]
add = 1
)";
    auto error = [&](const std::string& fitness) {
        return std::string(error_of([&] { parse_network(net + fitness, "s.toml"); }).what());
    };
    EXPECT_NE(error("[evolution.fitness]\nkind = \"rates\"\nrates = { X = 5.0 }\n").find("no population named 'X'"), std::string::npos);
    EXPECT_NE(error("[evolution.fitness]\nkind = \"rates\"\nrates = { E = -1.0 }\n").find("positive target rate"), std::string::npos);
    EXPECT_NE(error("[evolution.fitness]\nkind = \"language\"\n").find("[lm]"), std::string::npos);
    EXPECT_NE(error("[evolution.fitness]\nkind = \"response\"\npopulation = \"E\"\nprefer = [1]\navoid = [2]\nwindow = [50, 150]\nbaseline = [0, 50]\n")
                  .find("end after the simulated time"),
              std::string::npos);
    EXPECT_NE(error("[evolution.fitness]\nkind = \"response\"\npopulation = \"E\"\nprefer = [11]\navoid = [2]\nwindow = [50, 90]\nbaseline = [0, 50]\n")
                  .find("indices in 0..9"),
              std::string::npos);
    const network_spec ok = parse_network(net + "[evolution.fitness]\nkind = \"rates\"\nrates = { E = 5.0 }\n", "s.toml");
    ASSERT_TRUE(ok.evolution);
    EXPECT_EQ(ok.evolution->fitness.rates.size(), 1u);
    EXPECT_EQ(ok.evolution->seed, ok.simulation.seed);
}

// Rates fitness is the relative RMS error of simulated rates: a silent network scores
// exactly 1, and a driven one scores |r - r*| / r* for one rate r whatever the target.
TEST_F(evolution_files, rates_fitness_is_the_relative_error_of_the_simulated_rate) {
    auto net = [](const std::string& drive, double target) {
        return R"(
[simulation]
duration = 500.0
[[population]]
name = "E"
size = 20
model = "iaf_psc_exp"
[[projection]]
source = "E"
target = "E"
rule = "fixed_probability"
p = 0.2
weight = 10.0
)" + drive + R"(
[evolution]
[evolution.mutation]
add = 1
[evolution.fitness]
kind = "rates"
rates = { E = )" + std::to_string(target) + " }\n";
    };
    auto fitness = [&](const std::string& drive, double target) {
        const network_spec spec = parse_network(net(drive, target), "s.toml");
        auto f = make_fitness_evaluator(spec, {"serial"});
        const connectome c = build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
        return f->evaluate(c, true).fitness;
    };
    EXPECT_DOUBLE_EQ(fitness("", 5.0), 1.0);
    const std::string drive = "[[stimulus]]\ntype = \"poisson\"\ntarget = \"E\"\nrate = 20.0\nsources = 1000\nweight = 40.0\n";
    const double f5 = fitness(drive, 5.0), f10 = fitness(drive, 10.0);
    bool consistent = false;
    for (double r5 : {5.0 * (1 + f5), 5.0 * (1 - f5)})
        for (double r10 : {10.0 * (1 + f10), 10.0 * (1 - f10)})
            if (r5 > 0.0 && std::fabs(r5 - r10) < 1e-9) consistent = true;
    EXPECT_TRUE(consistent) << f5 << " " << f10;
    EXPECT_NE(f5, 1.0);  // it fires
}

// Response fitness against a leaky cell's analytic step response: the driven cell (prefer)
// depolarises by I/g_L (1 - exp(-(t - t0)/tau)), the undriven ones (avoid) not at all; the
// fitness is minus the window mean of that (1 ms samples), the baselines being equal.
TEST_F(evolution_files, response_fitness_is_the_analytic_depolarisation_difference) {
    const std::string net = R"(
[simulation]
duration = 300.0
[[population]]
name = "cells"
size = 3
model = "graded"
parameters = { C_m = 10.0, g_L = 1.0 }
[[stimulus]]
type = "dc"
target = "cells"
neurons = [0]
amplitude = 5.0
start = 100.0
[evolution]
[evolution.mutation]
add = 1
[evolution.fitness]
kind = "response"
population = "cells"
prefer = [0]
avoid = [1, 2]
baseline = [0, 100]
window = [200, 300]
)";
    const network_spec spec = parse_network(net, "g.toml");
    auto f = make_fitness_evaluator(spec, {"serial"});
    const connectome none = build_connectome(spec.layout, spec.projections, spec.simulation.seed, spec.simulation.dt);
    double mean = 0.0;  // samples after the steps ending at 201, ..., 300 ms; tau = C_m / g_L = 10 ms
    for (int k = 201; k <= 300; ++k) mean += 5.0 * (1.0 - std::exp(-(k - 100) / 10.0)) / 100.0;
    // 1e-5 mV: V near -35 mV is sampled from single-precision state (a step of 3.8e-6 mV).
    EXPECT_NEAR(f->evaluate(none, true).fitness, -mean, 1e-5);
}

}  // namespace
}  // namespace synaptogen
