// The description parser: what it accepts, and one test per class of bad input, each
// checking that the message names the file, the line and the field.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/memory_estimate.hpp>

using namespace synaptogen;

namespace {

const std::string header = "[simulation]\ndt = 0.1\nduration = 10.0\n";
const std::string pop_e = "[[population]]\nname = \"E\"\nsize = 100\nmodel = \"iaf_psc_delta\"\n";

// Parses `text` expecting an input_error; returns it.
input_error parse_error(const std::string& text) {
    try {
        parse_network(text, "net.toml");
    } catch (const input_error& e) {
        return e;
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return input_error({}, "");
}

}  // namespace

TEST(network_file, reads_the_brunel_example) {
    const network_spec s = load_network_file(std::string(SYNAPTOGEN_SOURCE_DIR) + "/examples/brunel.toml");
    EXPECT_EQ(s.layout.total(), 12500u);
    ASSERT_EQ(s.layout.count(), 2u);
    EXPECT_EQ(s.layout[1].name, "I");
    EXPECT_EQ(s.layout[1].first, 10000u);
    EXPECT_EQ(s.models[0].model, neuron_model_kind::iaf_psc_delta);
    EXPECT_DOUBLE_EQ(s.models[0].parameters.tau_m, 20.0);
    ASSERT_EQ(s.projections.size(), 4u);
    EXPECT_EQ(s.projections[0].rule, connection_rule_kind::fixed_probability);
    EXPECT_FALSE(s.projections[0].allow_autapses);
    EXPECT_TRUE(s.projections[1].allow_autapses);
    EXPECT_DOUBLE_EQ(s.projections[2].weight.value, -0.5);
    ASSERT_EQ(s.stimuli.size(), 2u);
    EXPECT_EQ(s.stimuli[0].sources, 1000u);
    EXPECT_TRUE(s.record_spikes[0] && s.record_spikes[1]);
    ASSERT_EQ(s.traces.size(), 1u);
    EXPECT_EQ(s.traces[0].every, 10u);
    EXPECT_EQ(s.simulation.seed, 12345u);
    EXPECT_EQ(s.simulation.steps(), 10000u);
}

TEST(network_file, distributions_and_defaults) {
    const network_spec s = parse_network(
        header + pop_e +
            "initial = { V_m = { distribution = \"uniform\", low = -70.0, high = -55.0 } }\n"
            "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"fixed_indegree\"\nindegree = 10\n"
            "weight = { distribution = \"normal\", mean = 1.0, sd = 0.1, min = 0.0 }\n"
            "delay = { distribution = \"normal\", mean = 1.5, sd = 0.75, min = 0.05 }\n",
        "net.toml");
    EXPECT_EQ(s.projections[0].weight.kind, distribution_kind::normal);
    EXPECT_DOUBLE_EQ(s.projections[0].weight.min, 0.0);
    EXPECT_EQ(s.projections[0].number, 10u);
    EXPECT_EQ(s.models[0].initial.size(), 1u);
    EXPECT_DOUBLE_EQ(s.models[0].parameters.tau_m, 10.0);  // NEST's default
}

TEST(network_file, malformed_toml_names_the_line) {
    const auto e = parse_error(header + "[[population]]\nname = \"E\nsize = 3\n");
    EXPECT_EQ(e.where().file, "net.toml");
    EXPECT_EQ(e.where().line, 5);
    EXPECT_NE(std::string(e.what()).find("malformed TOML"), std::string::npos) << e.what();
}

TEST(network_file, unknown_key_suggests_the_closest) {
    const auto e = parse_error(header + pop_e + "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"all_to_all\"\n"
                                                "weight = 1.0\ndelai = 1.0\n");
    EXPECT_EQ(e.where().line, 13);
    EXPECT_EQ(e.where().field, "projection[0].delai");
    EXPECT_NE(std::string(e.what()).find("did you mean 'delay'?"), std::string::npos) << e.what();
}

TEST(network_file, unknown_parameter_suggests_the_closest) {
    const auto e = parse_error(header + pop_e + "parameters = { tau_n = 20.0 }\n");
    EXPECT_EQ(e.where().line, 8);
    EXPECT_EQ(e.where().field, "population[0].parameters.tau_n");
    EXPECT_NE(std::string(e.what()).find("did you mean 'tau_m'?"), std::string::npos) << e.what();
}

TEST(network_file, unknown_model_lists_the_known_ones) {
    const auto e = parse_error(header + "[[population]]\nname = \"E\"\nsize = 10\nmodel = \"iaf_psc_delt\"\n");
    EXPECT_EQ(e.where().line, 7);
    EXPECT_EQ(e.where().field, "population[0].model");
    EXPECT_NE(std::string(e.what()).find("did you mean 'iaf_psc_delta'?"), std::string::npos) << e.what();
}

TEST(network_file, impossible_parameters_are_rejected) {
    const auto e = parse_error(header + pop_e + "parameters = { C_m = -250.0 }\n");
    EXPECT_EQ(e.where().field, "population[0].parameters.C_m");
    EXPECT_NE(std::string(e.what()).find("positive"), std::string::npos) << e.what();
}

TEST(network_file, delay_below_dt_is_rejected) {
    const auto e = parse_error(header + pop_e + "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"all_to_all\"\n"
                                                "weight = 1.0\ndelay = 0.05\n");
    EXPECT_EQ(e.where().line, 13);
    EXPECT_EQ(e.where().field, "projection[0].delay");
    EXPECT_NE(std::string(e.what()).find("below the time step"), std::string::npos) << e.what();
}

TEST(network_file, delay_distribution_that_can_round_to_zero_is_rejected) {
    const auto e = parse_error(header + pop_e + "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"all_to_all\"\n"
                                                "weight = 1.0\ndelay = { distribution = \"normal\", mean = 1.0, sd = 0.5 }\n");
    EXPECT_EQ(e.where().field, "projection[0].delay");
}

TEST(network_file, missing_population_suggests_the_closest) {
    const auto e = parse_error(header + pop_e + "[[projection]]\nsource = \"E\"\ntarget = \"e\"\nrule = \"all_to_all\"\nweight = 1.0\n");
    EXPECT_EQ(e.where().line, 10);
    EXPECT_EQ(e.where().field, "projection[0].target");
    EXPECT_NE(std::string(e.what()).find("no population named 'e'; did you mean 'E'?"), std::string::npos) << e.what();
}

TEST(network_file, sizes_that_overflow_neuron_ids_are_rejected) {
    const auto e = parse_error(header + pop_e + "[[population]]\nname = \"big\"\nsize = 4294967290\nmodel = \"iaf_psc_delta\"\n");
    EXPECT_EQ(e.where().line, 10);
    EXPECT_EQ(e.where().field, "population[1].size");
    EXPECT_NE(std::string(e.what()).find("32-bit neuron id"), std::string::npos) << e.what();
    const auto negative = parse_error(header + "[[population]]\nname = \"E\"\nsize = -5\nmodel = \"iaf_psc_delta\"\n");
    EXPECT_EQ(negative.where().field, "population[0].size");
}

TEST(network_file, a_network_larger_than_memory_is_rejected_before_building) {
    const network_spec s = parse_network(
        header + "[[population]]\nname = \"E\"\nsize = 3000000\nmodel = \"iaf_psc_delta\"\n"
                 "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"fixed_probability\"\np = 0.5\nweight = 1.0\n",
        "net.toml");
    const memory_estimate m = estimate_memory(s);
    EXPECT_DOUBLE_EQ(m.synapses, 0.5 * 3e6 * 3e6);
    try {
        check_memory(s, m, available_memory_bytes());
        FAIL() << "4.5e12 synapses fit?";
    } catch (const input_error& e) {
        EXPECT_EQ(e.where().line, 8);
        EXPECT_EQ(e.where().field, "projection[0]");
        EXPECT_NE(std::string(e.what()).find("fits in memory"), std::string::npos) << e.what();
    }
}

TEST(network_file, wrong_types_and_bad_values_point_at_the_field) {
    EXPECT_EQ(parse_error("[simulation]\ndt = \"fast\"\n").where().field, "simulation.dt");
    EXPECT_EQ(parse_error("[simulation]\ndt = -0.1\n").where().field, "simulation.dt");
    EXPECT_EQ(parse_error(header + pop_e + "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"fixed_probability\"\np = 1.5\nweight = 1.0\n")
                  .where().field,
              "projection[0].p");
    EXPECT_EQ(parse_error(header + pop_e + "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"fixed_probabilty\"\nweight = 1.0\n")
                  .where().field,
              "projection[0].rule");
    EXPECT_EQ(parse_error(header + pop_e + "[[stimulus]]\ntype = \"poisson\"\ntarget = \"E\"\nrate = -3.0\nweight = 1.0\n").where().field,
              "stimulus[0].rate");
    EXPECT_EQ(parse_error(header + pop_e + "[[record]]\npopulation = \"E\"\nneurons = [0, 100]\n").where().field,
              "record[0].neurons");
    EXPECT_EQ(parse_error(header + "[[population]]\nname = \"E\"\nsize = 10\nmodel = \"iaf_psc_delta\"\n"
                                   "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"explicit\"\nedges = [[0, 10]]\n")
                  .where().field,
              "projection[0].edges");
    EXPECT_EQ(parse_error("[simulaton]\ndt = 0.1\n").where().field, "simulaton");
}

TEST(network_file, closest_match_ignores_far_guesses) {
    EXPECT_EQ(closest_match("delai", {"delay", "weight"}), "delay");
    EXPECT_EQ(closest_match("xyzzy", {"delay", "weight"}), "");
}

// Spike-source trains from files: CSV/text (node_id, time) with a header, comments, and
// comma or whitespace separators; a bad row names the spike file and its line.
TEST(network_file, spike_trains_from_text_files) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("synaptogen_spk_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "good.csv") << "node_id,time_ms\n0,1.5\n# a comment\n2 3.0\r\n1,\t0.5";
    std::ofstream(dir / "bad.csv") << "node_id,time_ms\n0,1.5\n1,abc\n";
    std::ofstream(dir / "outside.txt") << "5 1.0\n";
    auto net = [&](const std::string& file) {
        const std::string text = "[[population]]\nname = \"s\"\nsize = 3\nmodel = \"spike_source\"\nspike_file = \"" + file + "\"\n";
        std::ofstream(dir / "net.toml") << text;
        return load_network_file((dir / "net.toml").string());
    };
    const network_spec spec = net("good.csv");
    ASSERT_TRUE(spec.models[0].spikes);
    EXPECT_EQ(spec.models[0].spikes->neuron, (std::vector<neuron_id>{0, 2, 1}));
    EXPECT_EQ(spec.models[0].spikes->time, (std::vector<double>{1.5, 3.0, 0.5}));
    try {
        net("bad.csv");
        FAIL() << "expected an error";
    } catch (const input_error& e) {
        EXPECT_NE(std::string(e.what()).find("bad.csv:3"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("abc"), std::string::npos) << e.what();
    }
    try {
        net("outside.txt");
        FAIL() << "expected an error";
    } catch (const input_error& e) {
        EXPECT_NE(std::string(e.what()).find("outside.txt:1"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("neuron 5 is outside the population"), std::string::npos) << e.what();
    }
    fs::remove_all(dir);
}

// [scaling]: sizes round half to even, in-degrees and Poisson sources shrink with the
// scale; with compensate = true weights grow by 1/sqrt(scale) (and a DC current appears),
// with compensate = false they stay as written.
TEST(network_file, scaling_with_and_without_compensation) {
    auto text = [](const char* compensate) {
        return std::string("[simulation]\ndt = 0.1\nduration = 10.0\n[scaling]\nscale = 0.25\ncompensate = ") + compensate +
               "\n[[population]]\nname = \"A\"\nsize = 1000\nmodel = \"iaf_psc_exp\"\nfull_scale_rate = 5.0\n"
               "[[projection]]\nsource = \"A\"\ntarget = \"A\"\nrule = \"fixed_indegree\"\nindegree = 100\nweight = 40.0\ndelay = 1.0\n"
               "[[stimulus]]\ntype = \"poisson\"\ntarget = \"A\"\nrate = 8.0\nsources = 1000\nweight = 20.0\n";
    };
    const network_spec on = parse_network(text("true"), "on.toml"), off = parse_network(text("false"), "off.toml");
    for (const network_spec* s : {&on, &off}) {
        EXPECT_EQ(s->layout[0].size, 250u);
        EXPECT_EQ(s->projections[0].number, 25u);
        EXPECT_EQ(s->stimuli[0].sources, 250u);
    }
    EXPECT_DOUBLE_EQ(on.projections[0].weight.value, 80.0);  // 40 / sqrt(0.25)
    EXPECT_DOUBLE_EQ(on.stimuli[0].weight, 40.0);
    EXPECT_DOUBLE_EQ(off.projections[0].weight.value, 40.0);
    EXPECT_DOUBLE_EQ(off.stimuli[0].weight, 20.0);
    EXPECT_EQ(off.stimuli.size(), 1u);  // no DC added
    EXPECT_GT(on.stimuli.size(), 1u);
}
