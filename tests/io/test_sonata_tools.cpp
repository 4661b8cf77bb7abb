// SONATA files as other tools write them (bmtk, NEST's examples, libsonata): keys they add,
// bmtk's top-level config.json, edges without node_population attributes, node sets that
// query node-type attributes, and spike inputs in the old layout or beyond the network.
// Each fixture is a few nodes written here, the way those tools lay their files out.
#include <algorithm>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/io/sonata.hpp>
#include <synaptogen/io/spike_file.hpp>

#include "io/sonata_fixture_writers.hpp"
#include "test_support.hpp"

using namespace synaptogen;
using namespace synaptogen::testing;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

// Everything spdlog writes while it lives.
class log_capture {
public:
    log_capture() : previous_(spdlog::default_logger()) {
        auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_st>(text_));
        logger->set_level(spdlog::level::info);
        spdlog::set_default_logger(logger);
    }
    ~log_capture() { spdlog::set_default_logger(previous_); }
    std::string text() const { return text_.str(); }

private:
    std::ostringstream text_;
    std::shared_ptr<spdlog::logger> previous_;
};

struct bmtk_options {
    std::string run_extra = R"(, "block_run": false, "block_size": 1000.0, "random_seed": 7)";
    std::string simulation_extra;                      // more top-level keys of simulation_config.json
    std::string gap_juncs = "[]";
    bool thalamus_edges_enabled = true;
    std::string cortex_types = "100 e exc.json point_process nest:iaf_psc_delta LIF_exc\n";
    std::vector<std::int64_t> cortex_types_of_nodes = {100, 100, 100};
    std::string node_sets = R"({"lgn": {"pop_name": "tON"}})";
    std::string report_cells = R"({"model_type": "point_process", "ei": "e"})";
    bool second_virtual = false;  // a virtual population "retina" next to "thalamus"
};

// bmtk's point-neuron example layout: example/ holds config.json (naming the circuit and
// the simulation), the configs, network/ and inputs/; the components live beside it in
// point_components/ ("$BASE_DIR/../point_components"). Populations: cortex (3 nodes,
// point_process) and thalamus (2, virtual); edges thalamus_to_cortex without
// node_population attributes; input spikes in the old /spikes/{gids, timestamps} layout.
fs::path write_bmtk_example(const fs::path& root, const bmtk_options& o = {}) {
    const fs::path dir = root / "example";
    write_file(root / "point_components" / "cell_models" / "exc.json", R"({"tau_m": 10.0, "V_th": -55.0, "E_L": -70.0})");
    write_file(root / "point_components" / "synaptic_models" / "static.json", "{}");
    write_file(dir / "config.json", R"({
  "manifest": {"$BASE_DIR": "${configdir}"},
  "network": "$BASE_DIR/circuit_config.json",
  "simulation": "$BASE_DIR/simulation_config.json"
})");
    write_file(dir / "circuit_config.json", R"({
  "manifest": {"$BASE_DIR": "${configdir}", "$NETWORK_DIR": "$BASE_DIR/network",
               "$MODELS_DIR": "$BASE_DIR/../point_components"},
  "components": {"point_neuron_models_dir": "$MODELS_DIR/cell_models", "synaptic_models_dir": "$MODELS_DIR/synaptic_models"},
  "node_sets_file": "$BASE_DIR/node_sets.json",
  "networks": {
    "nodes": [{"nodes_file": "$NETWORK_DIR/cortex_nodes.h5", "node_types_file": "$NETWORK_DIR/cortex_node_types.csv", "enabled": true},
              {"nodes_file": "$NETWORK_DIR/thalamus_nodes.h5", "node_types_file": "$NETWORK_DIR/thalamus_node_types.csv"}],
    "edges": [{"edges_file": "$NETWORK_DIR/thalamus_cortex_edges.h5", "edge_types_file": "$NETWORK_DIR/thalamus_cortex_edge_types.csv",
               "enabled": )" + std::string(o.thalamus_edges_enabled ? "true" : "false") + R"(}],
    "gap_juncs": )" + o.gap_juncs + R"(
  }
})");
    write_file(dir / "simulation_config.json", R"({
  "manifest": {"$BASE_DIR": "${configdir}", "$OUTPUT_DIR": "$BASE_DIR/output", "$INPUT_DIR": "$BASE_DIR/inputs"},
  "run": {"tstop": 20.0, "dt": 0.1)" + o.run_extra + R"(},
  "target_simulator": "NEST",
  "inputs": {"thalamus_spikes": {"input_type": "spikes", "module": "sonata", "input_file": "$INPUT_DIR/thalamus_spikes.h5",
                                 "node_set": "lgn"}},
  "reports": {"membrane_potential": {"cells": )" + o.report_cells + R"(, "variable_name": "V_m",
                                     "module": "multimeter_report", "sections": "soma"}},
  "output": {"log_file": "log.txt", "spikes_file": "spikes.h5", "spikes_file_csv": "spikes.csv", "output_dir": "$OUTPUT_DIR",
             "overwrite_output_dir": true, "quiet_simulator": true})" + o.simulation_extra + R"(
})");
    write_file(dir / "node_sets.json", o.node_sets);
    write_file(dir / "network" / "cortex_node_types.csv", "node_type_id ei dynamics_params model_type model_template pop_name\n" + o.cortex_types);
    write_file(dir / "network" / "thalamus_node_types.csv", "node_type_id model_type pop_name ei location\n200 virtual tON e LGN\n");
    write_file(dir / "network" / "thalamus_cortex_edge_types.csv",
               "edge_type_id target_query source_query syn_weight delay dynamics_params model_template\n"
               "300 pop_name=='LIF_exc' * 20.0 1.5 static.json static_synapse\n");
    {
        h5::handle f = h5::create_file((dir / "network" / "cortex_nodes.h5").string());
        h5::handle g = h5::create_group(f.get(), "nodes/cortex");
        put_i64(g.get(), "node_type_id", o.cortex_types_of_nodes);
        put_i64(g.get(), "node_id", {0, 1, 2});
        put_i64(g.get(), "node_group_id", {0, 0, 0});
        put_i64(g.get(), "node_group_index", {0, 1, 2});
        h5::handle g0 = h5::create_group(g.get(), "0");
        put_f64(g0.get(), "x", {0.0, 1.0, 2.0});
    }
    {
        h5::handle f = h5::create_file((dir / "network" / "thalamus_nodes.h5").string());
        h5::handle g = h5::create_group(f.get(), "nodes/thalamus");
        put_i64(g.get(), "node_type_id", {200, 200});
        put_i64(g.get(), "node_group_id", {0, 0});
        put_i64(g.get(), "node_group_index", {0, 1});
        h5::create_group(g.get(), "0");
        if (o.second_virtual) put_i64(h5::create_group(f.get(), "nodes/retina").get(), "node_type_id", {200});
    }
    {
        // bmtk: no node_population attribute on source_node_id / target_node_id.
        h5::handle f = h5::create_file((dir / "network" / "thalamus_cortex_edges.h5").string());
        h5::handle g = h5::create_group(f.get(), "edges/thalamus_to_cortex");
        put_i64(g.get(), "source_node_id", {0, 1, 1});
        put_i64(g.get(), "target_node_id", {0, 1, 2});
        put_i64(g.get(), "edge_type_id", {300, 300, 300});
        put_i64(g.get(), "edge_group_id", {0, 0, 0});
        put_i64(g.get(), "edge_group_index", {0, 1, 2});
        h5::create_group(g.get(), "0");
    }
    {
        // The old spike layout: no population group, `sorting` a string attribute. Node 0
        // fires off the 0.1 ms grid, node 7 does not exist, 100 ms is after tstop.
        fs::create_directories(dir / "inputs");
        h5::handle f = h5::create_file((dir / "inputs" / "thalamus_spikes.h5").string());
        h5::handle g = h5::create_group(f.get(), "spikes");
        h5::write_string_attribute(g.get(), "sorting", "by_time");
        put_f64(g.get(), "timestamps", {2.05, 3.0, 5.0, 100.0});
        put_u16(g.get(), "gids", {0, 7, 1, 0});
    }
    return dir / "config.json";
}

class sonata_tools : public temp_dir_test {};

}  // namespace

// bmtk's config.json {"network": ..., "simulation": ...}, a manifest with ${configdir} and
// "..", components outside the example folder, point_process, edges without
// node_population (named thalamus_to_cortex), old-layout input spikes, and the keys bmtk
// adds: one warning lists those ignored, and run.random_seed seeds the run.
TEST_F(sonata_tools, bmtk_top_level_config_loads_the_whole_example) {
    const fs::path config = write_bmtk_example(dir);
    log_capture log;
    const network_spec s = load_sonata_simulation(config.string());
    ASSERT_EQ(s.layout.count(), 2u);
    EXPECT_EQ(s.layout[0].name, "cortex");
    EXPECT_EQ(s.layout[1].name, "thalamus");
    EXPECT_EQ(s.models[0].model, neuron_model_kind::iaf_psc_delta);
    EXPECT_DOUBLE_EQ(s.models[0].parameters.tau_m, 10.0);  // from ../point_components
    EXPECT_EQ(s.simulation.seed, 7u);
    ASSERT_EQ(s.projections.size(), 1u);
    EXPECT_EQ(s.projections[0].source, 1u);
    EXPECT_EQ(s.projections[0].target, 0u);
    ASSERT_EQ(s.projections[0].edges.size(), 3u);
    EXPECT_DOUBLE_EQ(s.projections[0].edges[2].weight, 20.0);
    // Node 7 is dropped with a warning; the spike after tstop stays for longer runs, with a
    // note; 2.05 ms stays.
    ASSERT_TRUE(s.models[1].spikes);
    EXPECT_EQ(s.models[1].spikes->neuron, (std::vector<neuron_id>{0, 1, 0}));
    EXPECT_EQ(s.models[1].spikes->time, (std::vector<double>{2.05, 5.0, 100.0}));
    ASSERT_EQ(s.traces.size(), 1u);  // the attribute query selects all of cortex
    EXPECT_EQ(s.traces[0].population, 0u);

    const std::string text = log.text();
    EXPECT_EQ(occurrences(text, "ignored (no effect"), 1u) << text;
    for (const char* key : {"run.block_run", "run.block_size", "networks.gap_juncs", "output.log_file", "output.spikes_file_csv",
                            "cortex_node_types.csv columns ei, pop_name",
                            "thalamus_cortex_edge_types.csv columns target_query, source_query"})
        EXPECT_TRUE(contains(text, key)) << key << " not in: " << text;
    EXPECT_FALSE(contains(text, "run.random_seed")) << text;  // honoured, not ignored
    EXPECT_TRUE(contains(text, "1 of 4 spikes are from node ids outside 'thalamus'")) << text;
    EXPECT_TRUE(contains(text, "1 spikes of 'thalamus' come after tstop")) << text;
    EXPECT_TRUE(contains(text, "taken to be 'thalamus'")) << text;
}

TEST_F(sonata_tools, command_line_runs_bmtk_config_json) {
    const fs::path config = write_bmtk_example(dir);
    ASSERT_EQ(run_synaptogen("run " + config.string() + " --threads 1 --no-progress --out " + (dir / "out").string()), 0);
    const auto spikes = read_spike_file((dir / "out" / "spikes.h5").string());
    ASSERT_TRUE(spikes.count("cortex"));
    // Thalamus 0 (2.05 ms) and 1 (5 ms) each drive cortex cells 20 mV above threshold.
    EXPECT_EQ(spikes.at("cortex").node_ids.size(), 3u);
    EXPECT_TRUE(fs::exists(dir / "out" / "membrane_potential.h5"));
}

// bmtk's newer layout: config.simulation.json names config.circuit.json ("network"), whose
// manifest uses "." for its folder.
TEST_F(sonata_tools, config_simulation_json_names_config_circuit_json) {
    write_bmtk_example(dir);
    const fs::path e = dir / "example";
    std::string circuit = slurp(e / "circuit_config.json");
    circuit.replace(circuit.find("\"${configdir}\""), 14, "\".\"");
    write_file(e / "config.circuit.json", circuit);
    std::string simulation = slurp(e / "simulation_config.json");
    simulation.replace(simulation.rfind('}'), 1, ", \"network\": \"config.circuit.json\"}");
    write_file(e / "config.simulation.json", simulation);
    const network_spec s = load_sonata_simulation((e / "config.simulation.json").string());
    EXPECT_EQ(s.layout.count(), 2u);
    EXPECT_EQ(s.projections.size(), 1u);
}

// Keys whose meaning would have to be honoured stay errors, naming the key.
TEST_F(sonata_tools, keys_that_would_change_the_run_are_refused) {
    bmtk_options o;
    o.simulation_extra = R"(, "node_set": "cortex")";  // libsonata: simulate only this node set
    auto e = error_of([&] { load_sonata_simulation(write_bmtk_example(dir, o).string()); });
    EXPECT_EQ(e.where().field, "node_set");
    EXPECT_TRUE(contains(e.what(), "unknown or unsupported key 'node_set'")) << e.what();

    o = {};
    o.gap_juncs = R"([{"gap_juncs_file": "gj.h5"}])";
    e = error_of([&] { load_sonata_simulation(write_bmtk_example(dir, o).string()); });
    EXPECT_EQ(e.where().field, "networks.gap_juncs");
    EXPECT_TRUE(contains(e.where().file, "circuit_config.json")) << e.where().file;

    o = {};
    o.run_extra = R"(, "random_seed": -3)";
    e = error_of([&] { load_sonata_simulation(write_bmtk_example(dir, o).string()); });
    EXPECT_EQ(e.where().field, "run.random_seed");

    o = {};
    o.run_extra = R"(, "tstep": 0.5)";  // a misspelt key is not ignored
    e = error_of([&] { load_sonata_simulation(write_bmtk_example(dir, o).string()); });
    EXPECT_EQ(e.where().field, "run.tstep");
}

// "enabled": false on a networks entry leaves its file out.
TEST_F(sonata_tools, disabled_network_entry_is_left_out) {
    bmtk_options o;
    o.thalamus_edges_enabled = false;
    const network_spec s = load_sonata_simulation(write_bmtk_example(dir, o).string());
    EXPECT_EQ(s.layout.count(), 2u);
    EXPECT_TRUE(s.projections.empty());
}

// A second circuit in the simulation config next to config.json's is a conflict.
TEST_F(sonata_tools, two_circuits_are_refused) {
    bmtk_options o;
    o.simulation_extra = R"(, "network": "other_circuit.json")";
    const auto e = error_of([&] { load_sonata_simulation(write_bmtk_example(dir, o).string()); });
    EXPECT_EQ(e.where().field, "network");
    EXPECT_TRUE(contains(e.what(), "a second circuit")) << e.what();
}

namespace {
// One node population P and an edge population `edge_name` without node_population
// attributes; `second` adds a node population Q.
fs::path write_unattributed_edges(const fs::path& dir, const std::string& edge_name, bool second) {
    write_file(dir / "circuit_config.json", R"({"networks": {
  "nodes": [{"nodes_file": "nodes.h5", "node_types_file": "node_types.csv"}],
  "edges": [{"edges_file": "edges.h5", "edge_types_file": "edge_types.csv"}]}})");
    write_file(dir / "node_types.csv", "node_type_id model_type model_template\n1 point_process nest:iaf_psc_delta\n");
    write_file(dir / "edge_types.csv", "edge_type_id syn_weight delay\n2 1.0 1.0\n");
    {
        h5::handle f = h5::create_file((dir / "nodes.h5").string());
        for (const std::string& name : second ? std::vector<std::string>{"P", "Q"} : std::vector<std::string>{"P"}) {
            h5::handle g = h5::create_group(f.get(), "nodes/" + name);
            put_i64(g.get(), "node_type_id", {1, 1});
        }
    }
    h5::handle f = h5::create_file((dir / "edges.h5").string());
    h5::handle g = h5::create_group(f.get(), "edges/" + edge_name);
    put_i64(g.get(), "source_node_id", {0});
    put_i64(g.get(), "target_node_id", {1});
    put_i64(g.get(), "edge_type_id", {2});
    h5::create_group(g.get(), "0");
    return dir / "circuit_config.json";
}

network_spec import(const fs::path& config) {
    network_spec spec;
    import_sonata_circuit(config.string(), spec, {"test", 0, ""});
    return spec;
}
}  // namespace

TEST_F(sonata_tools, edges_without_node_population_are_inferred_when_unambiguous) {
    // The only node population of the circuit.
    network_spec s = import(write_unattributed_edges(dir / "one", "internal", false));
    ASSERT_EQ(s.projections.size(), 1u);
    EXPECT_EQ(s.projections[0].source, 0u);
    // "<source>_to_<target>".
    s = import(write_unattributed_edges(dir / "named", "Q_to_P", true));
    ASSERT_EQ(s.projections.size(), 1u);
    EXPECT_EQ(s.projections[0].source, 1u);
    EXPECT_EQ(s.projections[0].target, 0u);
    // Neither: one error naming the dataset.
    const auto e = error_of([&] { import(write_unattributed_edges(dir / "neither", "recurrent", true)); });
    EXPECT_TRUE(contains(e.where().file, "edges.h5")) << e.where().file;
    EXPECT_EQ(e.where().field, "/edges/recurrent/source_node_id");
    EXPECT_TRUE(contains(e.what(), "missing attribute 'node_population', and it cannot be inferred")) << e.what();
}

// Node sets: a population's name works without node_sets.json; attribute queries are
// answered from the node-types CSV and must select whole populations.
TEST_F(sonata_tools, node_sets_by_population_name_and_node_type_attributes) {
    bmtk_options o;
    o.node_sets = R"({"lgn": {"model_type": "virtual"}, "everything": {"ei": ["e", "i"]}})";
    o.report_cells = R"("cortex")";  // not a node set: the population
    network_spec s = load_sonata_simulation(write_bmtk_example(dir / "name", o).string());
    ASSERT_EQ(s.traces.size(), 1u);
    EXPECT_EQ(s.traces[0].population, 0u);
    EXPECT_EQ(s.models[1].spikes->neuron.size(), 3u);  // "lgn" found the virtual nodes (one spike after tstop)

    o.report_cells = R"({"population": "cortex", "pop_name": "LIF_exc"})";
    s = load_sonata_simulation(write_bmtk_example(dir / "population_and_attribute", o).string());
    EXPECT_EQ(s.traces.size(), 1u);

    // Cortex mixes two node types with the same model: {"ei": "e"} selects the nodes of
    // type 100, by their type; node ids select single nodes.
    o.cortex_types = "100 e exc.json point_process nest:iaf_psc_delta LIF_exc\n101 i exc.json point_process nest:iaf_psc_delta LIF_inh\n";
    o.cortex_types_of_nodes = {100, 101, 100};
    o.report_cells = R"({"model_type": "point_process", "ei": "e"})";
    s = load_sonata_simulation(write_bmtk_example(dir / "part", o).string());
    ASSERT_EQ(s.traces.size(), 1u);
    EXPECT_EQ(s.traces[0].neurons, (std::vector<neuron_id>{0, 2}));
    o.report_cells = R"([{"population": "cortex", "node_ids": [1]}, {"ei": "e", "node_id": [2]}])";
    s = load_sonata_simulation(write_bmtk_example(dir / "ids", o).string());
    ASSERT_EQ(s.traces.size(), 1u);
    EXPECT_EQ(s.traces[0].neurons, (std::vector<neuron_id>{1, 2}));

    o.report_cells = R"({"ei": "x"})";
    auto e = error_of([&] { load_sonata_simulation(write_bmtk_example(dir / "none", o).string()); });
    EXPECT_TRUE(contains(e.what(), "selects no node")) << e.what();

    o.report_cells = R"({"x": 1.0})";  // a node-group dataset: per node
    e = error_of([&] { load_sonata_simulation(write_bmtk_example(dir / "per_node", o).string()); });
    EXPECT_EQ(e.where().field, "reports.membrane_potential.cells.x");
    EXPECT_TRUE(contains(e.what(), "per-node attribute")) << e.what();
}

// The current layout /spikes/<population>/ with node ids beyond the population: dropped
// with one warning (from the simulation config and from a TOML [sonata] table); the old
// layout with a node set of two populations cannot say whose spikes they are.
TEST_F(sonata_tools, spike_inputs_drop_unknown_ids_and_need_one_population_for_the_old_layout) {
    const fs::path config = write_bmtk_example(dir);
    const fs::path spikes = dir / "example" / "inputs" / "thalamus_spikes.h5";
    {
        h5::handle f = h5::create_file(spikes.string());
        h5::handle g = h5::create_group(f.get(), "spikes/thalamus");
        put_f64(g.get(), "timestamps", {1.0, 2.0, 3.0});
        put_i64(g.get(), "node_ids", {5, 1, -1});
    }
    {
        log_capture log;
        const network_spec s = load_sonata_simulation(config.string());
        EXPECT_EQ(s.models[1].spikes->neuron, (std::vector<neuron_id>{1}));
        EXPECT_EQ(occurrences(log.text(), "2 of 3 spikes are from node ids outside 'thalamus' (0..1); dropped"), 1u) << log.text();
    }
    write_file(dir / "net.toml", "[simulation]\ndt = 0.1\nduration = 10.0\n[sonata]\ncircuit = \"example/circuit_config.json\"\n"
                                 "spikes = \"example/inputs/thalamus_spikes.h5\"\n");
    EXPECT_EQ(load_network_file((dir / "net.toml").string()).models[1].spikes->neuron, (std::vector<neuron_id>{1}));

    bmtk_options o;
    o.second_virtual = true;
    o.node_sets = R"({"lgn": ["thalamus", "retina"]})";
    const fs::path two = write_bmtk_example(dir / "two", o);
    const auto e = error_of([&] { load_sonata_simulation(two.string()); });
    EXPECT_EQ(e.where().field, "inputs.thalamus_spikes.node_set");
    EXPECT_TRUE(contains(e.what(), "names no population")) << e.what();
}
