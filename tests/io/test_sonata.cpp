// SONATA import and export: a hand-written circuit (several populations, two edge groups,
// both index spellings), one test per class of bad input, the simulation config, and the
// round trip TOML -> SONATA -> TOML with identical graph and spikes.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <tuple>

#include <gtest/gtest.h>

#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/io/sonata.hpp>
#include <synaptogen/io/spike_file.hpp>

#include "io/sonata_fixture_writers.hpp"
#include "test_support.hpp"

using namespace synaptogen;
using namespace synaptogen::testing;
namespace fs = std::filesystem;

namespace {

struct fixture_options {
    bool index = true;
    bool old_spelling = false;   // node_id_to_range / range_to_edge_ids
    bool corrupt_index = false;  // an edge listed under the wrong source
    bool drop_target = false;    // no target_node_id
    bool short_target = false;   // target_node_id shorter than source_node_id
    bool mixed_types = false;    // population A mixes two different models
    std::string a_params = R"({"tau_m": 15.0, "V_th": -50.0, "V_m": -60.0})";
    std::string a_template = "nest:iaf_psc_alpha";
};

// Populations A (3 nodes, nest:iaf_psc_alpha), B (2, synaptogen:iaf_psc_delta, two node
// groups) in nodes.h5, X (2, virtual) in virtual_nodes.h5. Edges A_to_B (groups 0 and 1:
// per-edge weights in group 0, the edge type's in group 1) and X_to_A, in edges.h5.
fs::path write_circuit(const fs::path& dir, const fixture_options& o = {}) {
    write_file(dir / "circuit_config.json", R"({
  "manifest": {"$BASE_DIR": "${configdir}", "$NETWORK_DIR": "$BASE_DIR/network", "$COMPONENTS_DIR": "$BASE_DIR/components"},
  "components": {"point_neuron_models_dir": "$COMPONENTS_DIR/point_neuron_models",
                 "synaptic_models_dir": "$COMPONENTS_DIR/synaptic_models"},
  "networks": {
    "nodes": [{"nodes_file": "$NETWORK_DIR/nodes.h5", "node_types_file": "$NETWORK_DIR/node_types.csv"},
              {"nodes_file": "$NETWORK_DIR/virtual_nodes.h5", "node_types_file": "$NETWORK_DIR/virtual_node_types.csv"}],
    "edges": [{"edges_file": "$NETWORK_DIR/edges.h5", "edge_types_file": "$NETWORK_DIR/edge_types.csv"}]
  }
})");
    write_file(dir / "network" / "node_types.csv",
               "node_type_id model_type model_template dynamics_params pop_name\n"
               "100 point_neuron " + o.a_template + " A.json \"cell A\"\n"
               "101 point_neuron synaptogen:iaf_psc_delta NULL B\n"
               "102 point_neuron nest:iaf_psc_exp A.json A2\n");
    write_file(dir / "network" / "virtual_node_types.csv", "node_type_id model_type\n200 virtual\n");
    write_file(dir / "components" / "point_neuron_models" / "A.json", o.a_params);
    write_file(dir / "components" / "synaptic_models" / "static.json", "{}");
    write_file(dir / "network" / "edge_types.csv",
               "edge_type_id model_template dynamics_params syn_weight delay\n"
               "300 static_synapse static.json 9.0 NULL\n"
               "301 nest:static_synapse NULL 7.0 1.0\n");
    {
        h5::handle f = h5::create_file((dir / "network" / "nodes.h5").string());
        h5::handle a = h5::create_group(f.get(), "nodes/A");
        put_i32(a.get(), "node_type_id", o.mixed_types ? std::vector<std::int32_t>{100, 102, 100} : std::vector<std::int32_t>{100, 100, 100});
        put_i32(a.get(), "node_group_id", {0, 0, 0});
        put_i64(a.get(), "node_group_index", {0, 1, 2});
        h5::handle a0 = h5::create_group(a.get(), "0");
        put_f64(a0.get(), "x", {0.0, 1.0, 2.0});  // positions: not used
        h5::handle b = h5::create_group(f.get(), "nodes/B");
        put_u16(b.get(), "node_type_id", {101, 101});
        put_u16(b.get(), "node_group_id", {0, 1});
        put_u16(b.get(), "node_group_index", {0, 0});
        h5::handle b0 = h5::create_group(b.get(), "0"), b1 = h5::create_group(b.get(), "1");
        put_f64(b0.get(), "x", {5.0});
        put_f64(b1.get(), "y", {6.0});
    }
    {
        h5::handle f = h5::create_file((dir / "network" / "virtual_nodes.h5").string());
        h5::handle x = h5::create_group(f.get(), "nodes/X");
        put_i64(x.get(), "node_type_id", {200, 200});
        put_i64(x.get(), "node_group_id", {0, 0});
        put_i64(x.get(), "node_group_index", {0, 1});
        h5::create_group(x.get(), "0");
    }
    {
        h5::handle f = h5::create_file((dir / "network" / "edges.h5").string());
        h5::handle e = h5::create_group(f.get(), "edges/A_to_B");
        put_i64(e.get(), "source_node_id", {0, 1, 2, 0});
        attribute(e.get(), "source_node_id", "A");
        if (!o.drop_target) {
            put_i32(e.get(), "target_node_id", o.short_target ? std::vector<std::int32_t>{0, 1} : std::vector<std::int32_t>{0, 1, 0, 1});
            attribute(e.get(), "target_node_id", "B");
        }
        put_i32(e.get(), "edge_type_id", {300, 300, 301, 301});
        put_i32(e.get(), "edge_group_id", {0, 0, 1, 1});
        put_i32(e.get(), "edge_group_index", {0, 1, 0, 1});
        h5::handle g0 = h5::create_group(e.get(), "0"), g1 = h5::create_group(e.get(), "1");
        put_f32(g0.get(), "syn_weight", {1.5f, 2.5f});
        put_f64(g0.get(), "delay", {1.0, 2.0});
        put_f64(g1.get(), "delay", {0.5, 3.0});
        if (o.index) {
            const std::string nodes = o.old_spelling ? "node_id_to_range" : "node_id_to_ranges";
            const std::string ranges = o.old_spelling ? "range_to_edge_ids" : "range_to_edge_id";
            h5::handle s2t = h5::create_group(e.get(), "indices/source_to_target");
            put_pairs(s2t.get(), nodes, {0, 2, 2, 3, 3, 4});
            put_pairs(s2t.get(), ranges, o.corrupt_index ? std::vector<std::uint64_t>{0, 1, 3, 4, 2, 3, 1, 2}
                                                         : std::vector<std::uint64_t>{0, 1, 3, 4, 1, 2, 2, 3});
            h5::handle t2s = h5::create_group(e.get(), "indices/target_to_source");
            put_pairs(t2s.get(), nodes, {0, 2, 2, 4});
            put_pairs(t2s.get(), ranges, {0, 1, 2, 3, 1, 2, 3, 4});
        }
        h5::handle x = h5::create_group(f.get(), "edges/X_to_A");
        put_i64(x.get(), "source_node_id", {0, 1});
        vlen_attribute(x.get(), "source_node_id", "X");
        put_i64(x.get(), "target_node_id", {2, 2});
        vlen_attribute(x.get(), "target_node_id", "A");
        put_i64(x.get(), "edge_type_id", {300, 300});
        put_i64(x.get(), "edge_group_id", {0, 0});
        put_i64(x.get(), "edge_group_index", {0, 1});
        h5::handle x0 = h5::create_group(x.get(), "0");
        put_f64(x0.get(), "delay", {1.0, 1.0});
    }
    return dir / "circuit_config.json";
}

network_spec import(const fs::path& config) {
    network_spec spec;
    import_sonata_circuit(config.string(), spec, {"test", 0, ""});
    return spec;
}

input_error import_error(const fs::path& config) {
    try {
        import(config);
    } catch (const input_error& e) {
        return e;
    }
    ADD_FAILURE() << "no error importing " << config;
    return input_error({}, "");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// (global source, global target, weight, delay steps), sorted: the graph as a set.
using edge_tuple = std::tuple<neuron_id, neuron_id, float, std::uint16_t>;
std::vector<edge_tuple> sorted_edges(const synapse_table& t) {
    std::vector<edge_tuple> out;
    for (neuron_id i = 0; i < t.n_neurons; ++i)
        for (edge_index e = t.row_map[i]; e < t.row_map[i + 1]; ++e) out.emplace_back(i, t.target[e], t.weight[e], t.delay[e]);
    std::sort(out.begin(), out.end());
    return out;
}

synapse_table build(const network_spec& s) {
    return merge_synapses(build_static_synapses(s));  // what export_sonata takes: the static synapses
}

// Exports `toml`, reads the export back through its network.toml, and checks that the
// graph and the spikes are the same.
void expect_round_trip(const std::string& toml, const std::string& name) {
    const network_spec original = parse_network(toml, name + ".toml");
    const synapse_table table = build(original);
    const fs::path out = temp_dir(name);
    export_sonata(original, table, out.string());
    for (const char* f : {"circuit_config.json", "network.toml", "network/edges.h5", "network/edge_types.csv"})
        EXPECT_TRUE(fs::exists(out / f)) << f;
    EXPECT_FALSE(fs::exists(out / ".sonata-export.part"));

    const network_spec copy = load_network_file((out / "network.toml").string());
    ASSERT_EQ(copy.layout.count(), original.layout.count());
    for (std::size_t p = 0; p < copy.layout.count(); ++p) {
        EXPECT_EQ(copy.layout[p].name, original.layout[p].name);
        EXPECT_EQ(copy.layout[p].size, original.layout[p].size);
        EXPECT_EQ(copy.models[p].model, original.models[p].model);
        EXPECT_EQ(copy.models[p].initial.size(), original.models[p].initial.size());
    }
    EXPECT_EQ(copy.stimuli.size(), original.stimuli.size());
    EXPECT_EQ(copy.record_spikes, original.record_spikes);
    EXPECT_EQ(copy.traces.size(), original.traces.size());
    const auto a = sorted_edges(table), b = sorted_edges(build(copy));
    EXPECT_EQ(a.size(), table.size());
    EXPECT_TRUE(a == b) << "the imported graph differs (" << a.size() << " vs " << b.size() << " edges)";

    const auto spikes_a = synaptogen::testing::run_network(original), spikes_b = synaptogen::testing::run_network(copy);
    EXPECT_GT(spikes_a.neuron.size(), 100u);
    EXPECT_TRUE(spikes_a == spikes_b) << spikes_a.neuron.size() << " vs " << spikes_b.neuron.size() << " spikes";
    fs::remove_all(out);
}

}  // namespace

TEST(sonata, round_trip_of_a_brunel_network_keeps_graph_and_spikes) {
    expect_round_trip(synaptogen::testing::small_brunel(250, 100.0, 7), "brunel");
}

TEST(sonata, round_trip_with_spike_sources_currents_and_traces) {
    const std::string toml = synaptogen::testing::small_brunel(150, 80.0, 3, "iaf_psc_alpha") +
                             "[[population]]\nname = \"X\"\nsize = 3\nmodel = \"spike_source\"\n"
                             "spike_times = [[5.0, 10.0], [7.5], []]\n"
                             "[[projection]]\nsource = \"X\"\ntarget = \"E\"\nrule = \"all_to_all\"\nweight = 80.0\ndelay = 1.5\n"
                             "[[stimulus]]\ntype = \"dc\"\ntarget = \"I\"\namplitude = 10.0\nstart = 20.0\nstop = 60.0\n"
                             "[[stimulus]]\ntype = \"step_current\"\ntarget = \"E\"\ntimes = [10.0, 30.0]\nvalues = [5.0, 0.0]\n"
                             "[[record]]\npopulation = \"E\"\nvariable = \"V_m\"\nneurons = [0, 1]\nevery = 10\n";
    expect_round_trip(toml, "sources");
}

// Static projections on glif_psc's receptor ports leave as edge types of their own with
// their receptor_type, and come back on the same ports: the same graph and spikes.
TEST(sonata, round_trip_keeps_receptor_ports) {
    const std::string glif = "model = \"glif_psc\"\nparameters = { g = 10.0, C_m = 100.0, E_L = -70.0, V_reset = -70.0, "
                             "t_ref = 2.0, V_th = -55.0, tau_syn = [2.0, 5.0, 1.0, 8.0] }\n";
    const std::string toml =
        "[simulation]\ndt = 0.1\nduration = 100.0\nseed = 3\n"
        "[[population]]\nname = \"E\"\nsize = 100\n" + glif + "[[population]]\nname = \"I\"\nsize = 25\n" + glif +
        "[[stimulus]]\ntype = \"poisson\"\ntarget = \"E\"\nrate = 9000.0\nweight = 40.0\n"
        "[[projection]]\nsource = \"E\"\ntarget = \"E\"\nrule = \"fixed_indegree\"\nindegree = 10\nweight = 30.0\nreceptor = 3\ndelay = 1.5\n"
        "[[projection]]\nsource = \"E\"\ntarget = \"I\"\nrule = \"fixed_indegree\"\nindegree = 10\nweight = 40.0\ndelay = 1.0\n"
        "[[projection]]\nsource = \"I\"\ntarget = \"E\"\nrule = \"fixed_indegree\"\nindegree = 5\nweight = -50.0\nreceptor = 4\ndelay = 2.0\n"
        "[[record]]\nspikes = \"all\"\n";
    expect_round_trip(toml, "ports");
}

// Parameters drawn per neuron leave as per-node dynamics_params datasets with the values
// this run drew, and come back as the same per-neuron values: the same spikes.
TEST(sonata, round_trip_of_per_neuron_parameters) {
    std::string toml = synaptogen::testing::small_brunel(250, 100.0, 5);
    const std::string uniform = "V_th = 20.0";
    toml.replace(toml.find(uniform), uniform.size(), "V_th = { distribution = \"normal\", mean = 20.0, sd = 1.0 }");
    toml.replace(toml.find("tau_m = 20.0"), 12, "tau_m = { distribution = \"uniform\", low = 15.0, high = 25.0 }");
    expect_round_trip(toml, "varied");
    const network_spec original = parse_network(toml, "varied.toml");
    ASSERT_EQ(original.models[0].varied.size(), 2u);
    const fs::path out = temp_dir("varied_values");
    export_sonata(original, build(original), out.string());
    const network_spec copy = load_network_file((out / "network.toml").string());
    ASSERT_EQ(copy.models[0].varied.size(), 2u);
    for (neuron_id i = 0; i < original.layout[0].size; ++i) {
        const neuron_parameters a = parameters_of(original.models[0], i, i, original.simulation.seed);
        const neuron_parameters b = parameters_of(copy.models[0], i, i, copy.simulation.seed);
        EXPECT_EQ(a.V_th, b.V_th) << i;
        EXPECT_EQ(a.tau_m, b.tau_m) << i;
    }
    fs::remove_all(out);
}

TEST(sonata, imports_several_populations_and_two_edge_groups) {
    const fs::path dir = temp_dir("several");
    const network_spec s = import(write_circuit(dir));
    ASSERT_EQ(s.layout.count(), 3u);
    EXPECT_EQ(s.layout[0].name, "A");
    EXPECT_EQ(s.layout[1].name, "B");
    EXPECT_EQ(s.layout[2].name, "X");
    EXPECT_EQ(s.layout[2].first, 5u);
    EXPECT_EQ(s.models[0].model, neuron_model_kind::iaf_psc_alpha);
    EXPECT_DOUBLE_EQ(s.models[0].parameters.tau_m, 15.0);
    EXPECT_DOUBLE_EQ(s.models[0].parameters.V_th, -50.0);
    ASSERT_EQ(s.models[0].initial.size(), 1u);  // "V_m" in dynamics_params: the initial potential
    EXPECT_EQ(s.models[0].initial[0].variable, "V_m");
    EXPECT_DOUBLE_EQ(s.models[0].initial[0].value.value, -60.0);
    EXPECT_EQ(s.models[1].model, neuron_model_kind::iaf_psc_delta);
    EXPECT_EQ(s.models[2].model, neuron_model_kind::spike_source);
    ASSERT_EQ(s.projections.size(), 3u);  // A_to_B group 0, A_to_B group 1, X_to_A
    ASSERT_EQ(s.synapses.size(), 3u);
    const auto& g0 = s.projections[0];
    EXPECT_EQ(g0.rule, connection_rule_kind::explicit_edges);
    EXPECT_TRUE(g0.edges_have_weights && g0.edges_have_delays);
    EXPECT_EQ(g0.source, 0u);
    EXPECT_EQ(g0.target, 1u);
    ASSERT_EQ(g0.edges.size(), 2u);
    EXPECT_EQ(g0.edges[1].source, 1u);
    EXPECT_EQ(g0.edges[1].target, 1u);
    EXPECT_DOUBLE_EQ(g0.edges[1].weight, 2.5);  // per edge, over the edge type's 9.0
    EXPECT_DOUBLE_EQ(g0.edges[1].delay, 2.0);
    const auto& g1 = s.projections[1];
    ASSERT_EQ(g1.edges.size(), 2u);
    EXPECT_EQ(g1.edges[0].source, 2u);
    EXPECT_DOUBLE_EQ(g1.edges[0].weight, 7.0);  // from edge type 301
    EXPECT_DOUBLE_EQ(g1.edges[0].delay, 0.5);
    const auto& x = s.projections[2];
    EXPECT_EQ(x.source, 2u);
    EXPECT_EQ(x.target, 0u);
    ASSERT_EQ(x.edges.size(), 2u);
    EXPECT_DOUBLE_EQ(x.edges[0].weight, 9.0);
    EXPECT_EQ(x.edges[1].target, 2u);
    const synapse_table t = build(s);
    EXPECT_EQ(t.size(), 6u);
    fs::remove_all(dir);
}

TEST(sonata, reads_both_index_spellings_and_checks_them) {
    for (bool old_spelling : {false, true}) {
        const fs::path dir = temp_dir(old_spelling ? "old_index" : "new_index");
        fixture_options o;
        o.old_spelling = old_spelling;
        EXPECT_EQ(import(write_circuit(dir, o)).projections.size(), 3u);
        fs::remove_all(dir);
    }
    const fs::path dir = temp_dir("bad_index");
    fixture_options o;
    o.corrupt_index = true;
    const auto e = import_error(write_circuit(dir, o));
    EXPECT_TRUE(contains(e.where().file, "edges.h5")) << e.what();
    EXPECT_EQ(e.where().field, "/edges/A_to_B/indices/source_to_target/range_to_edge_id");
    EXPECT_TRUE(contains(e.what(), "does not match the edge arrays")) << e.what();
    fs::remove_all(dir);
}

TEST(sonata, missing_dataset_names_the_file_and_the_dataset) {
    const fs::path dir = temp_dir("missing");
    fixture_options o;
    o.drop_target = true;
    const auto e = import_error(write_circuit(dir, o));
    EXPECT_TRUE(contains(e.where().file, "edges.h5")) << e.what();
    EXPECT_EQ(e.where().field, "/edges/A_to_B/target_node_id");
    EXPECT_TRUE(contains(e.what(), "missing dataset 'target_node_id'")) << e.what();
    fs::remove_all(dir);
}

TEST(sonata, mismatched_lengths_are_refused) {
    const fs::path dir = temp_dir("lengths");
    fixture_options o;
    o.short_target = true;
    const auto e = import_error(write_circuit(dir, o));
    EXPECT_EQ(e.where().field, "/edges/A_to_B/target_node_id");
    EXPECT_TRUE(contains(e.what(), "2 entries but source_node_id has 4")) << e.what();
    fs::remove_all(dir);
}

TEST(sonata, unknown_dynamics_param_names_the_file_and_the_key) {
    const fs::path dir = temp_dir("param");
    fixture_options o;
    o.a_params = R"({"tau_mm": 15.0})";
    const auto e = import_error(write_circuit(dir, o));
    EXPECT_TRUE(contains(e.where().file, "A.json")) << e.what();
    EXPECT_EQ(e.where().field, "tau_mm");
    EXPECT_TRUE(contains(e.what(), "did you mean 'tau_m'?")) << e.what();
    o.a_params = R"({"tau_m": -1.0})";  // a value check_parameters refuses
    const auto bad = import_error(write_circuit(dir, o));
    EXPECT_TRUE(contains(bad.where().file, "A.json")) << bad.what();
    EXPECT_EQ(bad.where().field, "tau_m");
    fs::remove_all(dir);
}

// NEST's glif_psc parameter files (as the Allen Cell Types Database's GLIF models come):
// lists for the after-spike currents and tau_syn, true/false for the mechanisms.
TEST(sonata, imports_nest_glif_psc_with_lists_and_switches) {
    const fs::path dir = temp_dir("glif");
    fixture_options o;
    o.a_template = "nest:glif_psc";
    o.a_params = R"({"g": 9.43, "E_L": -78.85, "V_th": -51.68, "C_m": 58.72, "t_ref": 3.75, "V_reset": -78.85,
                     "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1], "asc_amps": [-9.18, -198.94], "asc_r": [1.0, 1.0],
                     "tau_syn": [5.5, 8.5], "spike_dependent_threshold": true, "after_spike_currents": true,
                     "adapting_threshold": false, "V_m": -78.85})";
    const network_spec s = import(write_circuit(dir, o));
    EXPECT_EQ(s.models[0].model, neuron_model_kind::glif_psc);
    const neuron_parameters& p = s.models[0].parameters;
    EXPECT_EQ(p.asc_amps_2, -198.94);
    EXPECT_EQ(p.tau_syn_ex, 5.5);
    EXPECT_EQ(p.tau_syn_in, 8.5);
    EXPECT_EQ(p.spike_dependent_threshold, 1.0);
    EXPECT_EQ(p.after_spike_currents, 1.0);
    EXPECT_EQ(p.adapting_threshold, 0.0);
    o.a_params = R"({"asc_amps": [-9.18], "after_spike_currents": true})";
    const auto e = import_error(write_circuit(dir, o));
    EXPECT_EQ(e.where().field, "asc_amps");
    EXPECT_TRUE(contains(e.what(), "expected 2 values")) << e.what();
    o.a_params = R"({"adapting_threshold": true})";  // not one of NEST's five variants
    EXPECT_EQ(import_error(write_circuit(dir, o)).where().field, "adapting_threshold");
    fs::remove_all(dir);
}

// Node types of two models in one population: each node keeps its type's model (the
// refusals and the spikes are in test_sonata_examples.cpp).
TEST(sonata, a_population_may_mix_models) {
    const fs::path dir = temp_dir("mixed");
    fixture_options o;
    o.mixed_types = true;
    const network_spec spec = import(write_circuit(dir, o));
    EXPECT_EQ(spec.models[0].model, neuron_model_kind::iaf_psc_alpha);
    EXPECT_EQ(spec.models[0].neuron_models, (std::vector<neuron_model_kind>{neuron_model_kind::iaf_psc_alpha,
                                                                            neuron_model_kind::iaf_psc_exp,
                                                                            neuron_model_kind::iaf_psc_alpha}));
    EXPECT_TRUE(spec.models[1].neuron_models.empty()) << "a population of one model lists none";
    fs::remove_all(dir);
}

namespace {
// simulation_config.json next to the fixture circuit; `inputs` is the JSON of "inputs".
fs::path write_simulation(const fs::path& dir, const std::string& inputs) {
    write_file(dir / "node_sets.json", R"({"inputs": {"population": "X"}, "cells": ["A", "B"]})");
    fs::create_directories(dir / "inputs");
    {
        h5::handle f = h5::create_file((dir / "inputs" / "x_spikes.h5").string());
        h5::handle g = h5::create_group(f.get(), "spikes/X");
        put_f64(g.get(), "timestamps", {5.0, 6.0, 7.0});
        put_i64(g.get(), "node_ids", {0, 1, 0});
    }
    write_file(dir / "simulation_config.json", R"({
  "manifest": {"$BASE_DIR": ".", "$INPUT_DIR": "$BASE_DIR/inputs"},
  "run": {"tstop": 50.0, "dt": 0.1, "dL": 20.0, "nsteps_block": 5000},
  "target_simulator": "NEST",
  "network": "circuit_config.json",
  "node_sets_file": "node_sets.json",
  "inputs": )" + inputs + R"(,
  "output": {"output_dir": "output", "spikes_file": "spikes.h5"},
  "reports": {"v": {"module": "membrane_report", "cells": "A", "variable_name": "v", "sections": "soma"}}
})");
    return dir / "simulation_config.json";
}
}  // namespace

TEST(sonata, simulation_config_maps_inputs_outputs_and_reports) {
    const fs::path dir = temp_dir("simulation");
    write_circuit(dir);
    const fs::path config = write_simulation(dir, R"({
    "X_spikes": {"input_type": "spikes", "module": "sonata", "input_file": "$INPUT_DIR/x_spikes.h5", "node_set": "inputs"},
    "clamp": {"input_type": "current_clamp", "module": "IClamp", "node_set": {"population": "A"},
              "amp": 0.5, "delay": 10.0, "duration": 20.0}
  })");
    const network_spec s = load_sonata_simulation(config.string());
    EXPECT_EQ(s.source_file, config.string());
    EXPECT_TRUE(contains(s.source_text, "IClamp"));
    EXPECT_DOUBLE_EQ(s.simulation.duration, 50.0);
    ASSERT_EQ(s.layout.count(), 3u);
    EXPECT_EQ(s.record_spikes, (std::vector<bool>{true, true, false}));  // virtual nodes are inputs
    ASSERT_TRUE(s.models[2].spikes);
    EXPECT_EQ(s.models[2].spikes->neuron, (std::vector<neuron_id>{0, 1, 0}));
    ASSERT_EQ(s.stimuli.size(), 1u);
    EXPECT_EQ(s.stimuli[0].kind, stimulus_kind::dc);
    EXPECT_EQ(s.stimuli[0].population, 0u);
    EXPECT_DOUBLE_EQ(s.stimuli[0].amplitude, 500.0);  // 0.5 nA
    EXPECT_DOUBLE_EQ(s.stimuli[0].start, 10.0);
    EXPECT_DOUBLE_EQ(s.stimuli[0].stop, 30.0);
    ASSERT_EQ(s.traces.size(), 1u);
    EXPECT_EQ(s.traces[0].variable, "V_m");
    EXPECT_EQ(s.traces[0].neurons.size(), 3u);

    // 500 pA drives A (tau_m 15 ms, C_m 250 pF) 30 mV above rest: it fires, from 10 ms on.
    const auto spikes = synaptogen::testing::run_network(s);
    std::size_t a_spikes = 0;
    for (std::size_t k = 0; k < spikes.neuron.size(); ++k)
        if (spikes.neuron[k] < 3) {
            ++a_spikes;
            EXPECT_GE(spikes.step[k] * 0.1, 10.0);
        }
    EXPECT_GE(a_spikes, 3u);  // one per neuron: 16.5 ms to threshold
    fs::remove_all(dir);
}

TEST(sonata, unsupported_input_type_is_refused) {
    const fs::path dir = temp_dir("input_type");
    write_circuit(dir);
    const fs::path config =
        write_simulation(dir, R"({"movie": {"input_type": "movie", "module": "movie", "node_set": "cells"}})");
    try {
        load_sonata_simulation(config.string());
        ADD_FAILURE() << "no error";
    } catch (const input_error& e) {
        EXPECT_EQ(e.where().file, config.string());
        EXPECT_EQ(e.where().field, "inputs.movie.input_type");
        EXPECT_TRUE(contains(e.what(), "unsupported input_type 'movie'")) << e.what();
    }
    // A current clamp on part of a population: only the chosen nodes get the current.
    const fs::path partial = write_simulation(
        dir, R"({"c": {"input_type": "current_clamp", "module": "IClamp", "node_set": {"population": "A", "node_id": [0]},
                        "amp": 0.1, "delay": 0, "duration": 1}})");
    const network_spec spec = load_sonata_simulation(partial.string());
    ASSERT_EQ(spec.stimuli.size(), 1u);
    EXPECT_EQ(spec.stimuli[0].neurons, std::vector<neuron_id>{0});
    EXPECT_EQ(spec.stimuli[0].amplitude, 100.0);  // nA -> pA
    const fs::path outside = write_simulation(
        dir, R"({"c": {"input_type": "current_clamp", "module": "IClamp", "node_set": {"population": "A", "node_id": [99]},
                        "amp": 0.1, "delay": 0, "duration": 1}})");
    try {
        load_sonata_simulation(outside.string());
        ADD_FAILURE() << "no error";
    } catch (const input_error& e) {
        EXPECT_EQ(e.where().field, "inputs.c.node_set.node_id");
        EXPECT_TRUE(contains(e.what(), "expected node ids of population 'A'")) << e.what();
    }
    fs::remove_all(dir);
}

TEST(sonata, toml_includes_a_circuit_and_refers_to_its_populations) {
    const fs::path dir = temp_dir("include");
    write_circuit(dir);
    write_file(dir / "net.toml",
               "[simulation]\ndt = 0.1\nduration = 20.0\n[sonata]\ncircuit = \"circuit_config.json\"\n"
               "[[population]]\nname = \"C\"\nsize = 4\nmodel = \"iaf_psc_delta\"\n"
               "[[projection]]\nsource = \"B\"\ntarget = \"C\"\nrule = \"all_to_all\"\nweight = 1.0\n"
               "[[stimulus]]\ntype = \"dc\"\ntarget = \"A\"\namplitude = 400.0\n"
               "[[record]]\nspikes = [\"A\", \"C\"]\n");
    const network_spec s = load_network_file((dir / "net.toml").string());
    ASSERT_EQ(s.layout.count(), 4u);
    EXPECT_EQ(s.layout[3].name, "C");
    EXPECT_EQ(s.projections.size(), 4u);
    EXPECT_EQ(s.stimuli[0].population, 0u);
    EXPECT_EQ(s.record_spikes, (std::vector<bool>{true, false, false, true}));
    fs::remove_all(dir);
}

TEST(sonata, export_refuses_what_it_cannot_write) {
    const std::string toml = "[simulation]\ndt = 0.1\nduration = 10.0\n"
                             "[[population]]\nname = \"E cells\"\nsize = 10\nmodel = \"iaf_psc_delta\"\n";
    const network_spec s = parse_network(toml, "names.toml");
    const fs::path out = temp_dir("refused");
    try {
        export_sonata(s, build(s), out.string());
        ADD_FAILURE() << "no error";
    } catch (const input_error& e) {
        EXPECT_EQ(e.where().file, "names.toml");
        EXPECT_EQ(e.where().line, 4);  // the [[population]]
        EXPECT_TRUE(contains(e.what(), "cannot name a SONATA population file")) << e.what();
    }
    EXPECT_TRUE(fs::is_empty(out));
    fs::remove_all(out);
}

// Every synapse model goes out and comes back: STDP (with its parameters and name, so the
// weight record still finds it), gap junctions, graded and rate connections, next to
// static synapses, spike sources and every stimulus kind. Spikes and the final plastic
// weights are identical.
TEST(sonata, round_trip_of_every_synapse_model) {
    const std::string toml = synaptogen::testing::feature_network(60.0, 5);
    expect_round_trip(toml, "features");
    const network_spec original = parse_network(toml, "features.toml");
    const fs::path out = temp_dir("features_state");
    export_sonata(original, build(original), out.string());
    const network_spec copy = load_network_file((out / "network.toml").string());
    ASSERT_EQ(copy.synapses.size(), copy.projections.size());
    std::size_t stdp = 0, gap = 0, graded = 0, rate = 0;
    for (const auto& syn : copy.synapses) {
        stdp += syn.kind == synapse_kind::stdp;
        gap += syn.kind == synapse_kind::gap_junction;
        graded += syn.kind == synapse_kind::graded;
        rate += syn.kind == synapse_kind::rate;
    }
    EXPECT_EQ(stdp, 3u);
    EXPECT_EQ(gap, 2u);
    EXPECT_EQ(graded, 1u);
    EXPECT_EQ(rate, 1u);
    auto final_state = [](const network_spec& spec) {
        simulation sim(spec, build_static_synapses(spec));
        sim.run(spec.simulation.steps());
        return sim.save_state();
    };
    const simulation_state a = final_state(original), b = final_state(copy);
    EXPECT_GT(a.plastic_weights.size(), 1000u);
    EXPECT_EQ(a.plastic_weights, b.plastic_weights);
    ASSERT_EQ(a.neuron_state.size(), b.neuron_state.size());
    for (std::size_t k = 0; k < a.neuron_state.size(); ++k)
        if (a.neuron_state[k] != b.neuron_state[k]) {
            ADD_FAILURE() << "state differs at slot " << k / original.layout.total() << ", neuron "
                          << k % original.layout.total() << ": " << a.neuron_state[k] << " vs " << b.neuron_state[k];
            break;
        }
    fs::remove_all(out);
}

TEST(sonata, command_line_export_and_run) {
    const fs::path dir = temp_dir("cli");
    write_file(dir / "net.toml", synaptogen::testing::small_brunel(100, 30.0, 2));
    const std::string exe = SYNAPTOGEN_EXE;
    const std::string quiet = " --log-level warn > " + (dir / "log.txt").string() + " 2>&1";
    ASSERT_EQ(std::system((exe + " export sonata " + (dir / "net.toml").string() + " -o " + (dir / "out").string() + quiet).c_str()), 0);
    ASSERT_EQ(std::system((exe + " run " + (dir / "out" / "network.toml").string() + " --threads 1 --no-progress --out " +
                           (dir / "run").string() + quiet).c_str()), 0);
    EXPECT_GT(read_spike_file((dir / "run" / "spikes.h5").string()).at("E").node_ids.size(), 0u);

    write_circuit(dir / "sim");
    const fs::path config = write_simulation(dir / "sim", R"({
    "clamp": {"input_type": "current_clamp", "module": "IClamp", "node_set": "A", "amp": 0.5, "delay": 10.0, "duration": 20.0}
  })");
    ASSERT_EQ(std::system((exe + " run " + config.string() + " --threads 1 --no-progress --out " + (dir / "simrun").string() + quiet).c_str()), 0);
    EXPECT_GT(read_spike_file((dir / "simrun" / "spikes.h5").string()).at("A").node_ids.size(), 0u);
    EXPECT_TRUE(fs::exists(dir / "simrun" / "v.h5"));

    // A refused export exits with the input-error status and writes nothing.
    write_file(dir / "bad.toml", "[simulation]\nduration = 1.0\n[[population]]\nname = \"a/b\"\nsize = 2\nmodel = \"iaf_psc_delta\"\n");
    EXPECT_NE(std::system((exe + " export sonata " + (dir / "bad.toml").string() + " -o " + (dir / "bad").string() + quiet).c_str()), 0);
    EXPECT_FALSE(fs::exists(dir / "bad" / "circuit_config.json"));
    fs::remove_all(dir);
}
