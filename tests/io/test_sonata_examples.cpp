// What the public point-neuron examples need beyond the basics, each reproduced in a few
// nodes the way those examples are written: NEST's 300_pointneurons (five node types of one
// model in one population, NEST's defaults for what the files leave out), per-node
// dynamics_params datasets, the Allen 300_intfire example (NEURON's IntFire1, parameters in
// seconds, BioNet's syn_weight * sign * nsyns), bmtk's point_450glifs (glif_psc with list
// parameters and receptor ports).
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <synaptogen/io/hdf5_file.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/io/sonata.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "io/sonata_fixture_writers.hpp"
#include "test_support.hpp"

using namespace synaptogen;
using namespace synaptogen::testing;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// One circuit: population "internal" (the node types given), optionally a virtual
// population "external" with edges into internal; everything in one folder.
struct circuit {
    std::string target = "NEST";
    double tstop = 100.0, dt = 0.1;
    std::string node_types_csv;                  // header + rows
    std::vector<std::int64_t> node_type;         // per internal node
    std::vector<std::pair<std::string, std::string>> cell_models;  // file name, JSON
    std::vector<std::pair<std::string, std::vector<double>>> per_node;  // dynamics_params datasets of group 0
    std::string edge_types_csv;                  // for internal -> internal ("" : no edges)
    std::vector<std::pair<std::string, std::string>> synaptic_models;
    std::vector<std::int64_t> src, tgt, edge_type;
    std::vector<double> syn_weight, delay, nsyns;   // per-edge datasets (empty: not written)
};

fs::path write_circuit(const fs::path& dir, const circuit& c) {
    for (const auto& [name, text] : c.cell_models) write_file(dir / "components" / "cell_models" / name, text);
    write_file(dir / "components" / "synaptic_models" / "none.json", "{}");
    for (const auto& [name, text] : c.synaptic_models) write_file(dir / "components" / "synaptic_models" / name, text);
    std::string edges = c.edge_types_csv.empty()
                            ? ""
                            : R"({"edges_file": "$NETWORK_DIR/internal_internal_edges.h5", "edge_types_file": "$NETWORK_DIR/internal_internal_edge_types.csv"})";
    write_file(dir / "circuit_config.json", R"({
  "manifest": {"$BASE_DIR": "${configdir}", "$NETWORK_DIR": "$BASE_DIR/network"},
  "components": {"point_neuron_models_dir": "$BASE_DIR/components/cell_models", "synaptic_models_dir": "$BASE_DIR/components/synaptic_models"},
  "networks": {"nodes": [{"nodes_file": "$NETWORK_DIR/internal_nodes.h5", "node_types_file": "$NETWORK_DIR/internal_node_types.csv"}],
               "edges": [)" + edges + R"(]}
})");
    write_file(dir / "simulation_config.json", R"({
  "manifest": {"$BASE_DIR": "${configdir}", "$OUTPUT_DIR": "$BASE_DIR/output"},
  "target_simulator": ")" + c.target + R"(",
  "run": {"tstop": )" + std::to_string(c.tstop) + R"(, "dt": )" + std::to_string(c.dt) + R"(, "nsteps_block": 5000},
  "conditions": {"celsius": 34.0, "v_init": -80},
  "network": "circuit_config.json",
  "output": {"output_dir": "$OUTPUT_DIR", "spikes_file": "spikes.h5"}
})");
    write_file(dir / "network" / "internal_node_types.csv", c.node_types_csv);
    {
        h5::handle f = h5::create_file((dir / "network" / "internal_nodes.h5").string());
        h5::handle g = h5::create_group(f.get(), "nodes/internal");
        put_i64(g.get(), "node_type_id", c.node_type);
        const std::size_t n = c.node_type.size();
        std::vector<std::int64_t> zero(n, 0), index(n);
        for (std::size_t k = 0; k < n; ++k) index[k] = static_cast<std::int64_t>(k);
        put_i64(g.get(), "node_group_id", zero);
        put_i64(g.get(), "node_group_index", index);
        h5::handle g0 = h5::create_group(g.get(), "0");
        if (!c.per_node.empty()) {
            h5::handle dp = h5::create_group(g0.get(), "dynamics_params");
            for (const auto& [name, values] : c.per_node) put_f64(dp.get(), name, values);
        }
    }
    if (!c.edge_types_csv.empty()) {
        write_file(dir / "network" / "internal_internal_edge_types.csv", c.edge_types_csv);
        h5::handle f = h5::create_file((dir / "network" / "internal_internal_edges.h5").string());
        h5::handle g = h5::create_group(f.get(), "edges/internal_to_internal");
        put_i64(g.get(), "source_node_id", c.src);
        attribute(g.get(), "source_node_id", "internal");
        put_i64(g.get(), "target_node_id", c.tgt);
        attribute(g.get(), "target_node_id", "internal");
        put_i64(g.get(), "edge_type_id", c.edge_type);
        h5::handle g0 = h5::create_group(g.get(), "0");
        if (!c.syn_weight.empty()) put_f64(g0.get(), "syn_weight", c.syn_weight);
        if (!c.delay.empty()) put_f64(g0.get(), "delay", c.delay);
        if (!c.nsyns.empty()) put_f64(g0.get(), "nsyns", c.nsyns);
    }
    return dir / "simulation_config.json";
}

// Four iaf_psc_alpha node types as in NEST's 300_pointneurons (its JSON values), each node
// also given a DC current through its type so that it fires alone.
circuit pointneurons() {
    circuit c;
    c.node_types_csv =
        "node_type_id model_type model_template dynamics_params pop_name ei location\n"
        "100 point_process nest:iaf_psc_alpha 472363762_point.json Scnn1a e VisL4\n"
        "102 point_process nest:iaf_psc_alpha 473863035_point.json Nr5a1 e VisL4\n"
        "103 point_process nest:iaf_psc_alpha 472912177_point.json PV1 i VisL4\n"
        "104 point_process nest:iaf_psc_alpha 473862421_point.json PV2 i VisL4\n";
    c.cell_models = {
        {"472363762_point.json", R"({"I_e": 300.0, "tau_m": 44.9, "C_m": 239.0, "t_ref": 3.0, "E_L": -78.0, "V_th": -43.0, "V_reset": -55.0})"},
        {"473863035_point.json", R"({"I_e": 300.0, "tau_m": 22.1, "C_m": 117.0, "t_ref": 3.0, "E_L": -78.0, "V_th": -47.0, "V_reset": -50.0})"},
        {"472912177_point.json", R"({"I_e": 400.0, "tau_m": 22.2, "C_m": 180.0, "t_ref": 3.0, "E_L": -82.0, "V_th": -35.0, "V_reset": -50.0})"},
        {"473862421_point.json", R"({"I_e": 300.0, "tau_m": 12.5, "C_m": 78.0, "t_ref": 3.0, "E_L": -73.0, "V_th": -37.0, "V_reset": -55.0})"}};
    // Types interleaved, as bmtk writes several add_nodes calls into one population only
    // in blocks, but a circuit may order nodes any way.
    for (int k = 0; k < 40; ++k) c.node_type.push_back(std::vector<std::int64_t>{100, 102, 103, 104}[k % 4]);
    return c;
}

struct type_values {
    double I_e, tau_m, C_m, E_L, V_th;
};
const std::map<std::int64_t, type_values> pointneuron_types = {{100, {300.0, 44.9, 239.0, -78.0, -43.0}},
                                                               {102, {300.0, 22.1, 117.0, -78.0, -47.0}},
                                                               {103, {400.0, 22.2, 180.0, -82.0, -35.0}},
                                                               {104, {300.0, 12.5, 78.0, -73.0, -37.0}}};

// First spike of each neuron [ms] (-1: none).
std::vector<double> first_spikes(const network_spec& spec) {
    simulation sim(spec, build_static_synapses(spec));
    std::vector<double> first(spec.layout.total(), -1.0);
    run_observer obs;
    obs.on_spikes = [&](spike_batch&& b) {
        for (std::size_t k = 0; k < b.size(); ++k)
            if (first[b.neuron[k]] < 0) first[b.neuron[k]] = (b.step[k] + 1) * spec.simulation.dt;
    };
    sim.run(spec.simulation.steps(), obs);
    return first;
}

// V(t) of iaf_psc_alpha under DC from V0: E_L + R I + (V0 - E_L - R I) exp(-t/tau); the
// first grid point at or after its threshold crossing.
double analytic_first_spike(const type_values& v, double v0, double dt) {
    const double R = v.tau_m / v.C_m, v_inf = v.E_L + R * v.I_e;
    const double t = -v.tau_m * std::log((v_inf - v.V_th) / (v_inf - v0));
    return std::ceil(t / dt - 1e-9) * dt;
}

class sonata_examples : public temp_dir_test {};

}  // namespace

// Node types of one model with different parameters share a population: each node gets
// its type's values. With target_simulator NEST each starts at NEST's initial V_m of
// -70 mV (the model's construction value, kept when E_L is set), not at its E_L.
TEST_F(sonata_examples, nest_300_pointneurons_node_types_and_nest_initial_potential) {
    const fs::path config = write_circuit(dir / "nest", pointneurons());
    const network_spec spec = load_sonata_simulation(config.string());
    ASSERT_EQ(spec.layout.count(), 1u);
    EXPECT_EQ(spec.layout[0].name, "internal");
    EXPECT_EQ(spec.models[0].model, neuron_model_kind::iaf_psc_alpha);
    const auto first = first_spikes(spec);
    simulation at_start(spec, build_static_synapses(spec));
    for (neuron_id i = 0; i < 40; ++i) {
        const type_values& v = pointneuron_types.at(pointneurons().node_type[i]);
        EXPECT_NEAR(at_start.state(i).v, -70.0 - v.E_L, 1e-12) << "node " << i;
        EXPECT_NEAR(first[i], analytic_first_spike(v, -70.0, 0.1), 1e-9) << "node " << i;
    }
    // Without a target simulator the nodes start at rest.
    circuit plain = pointneurons();
    plain.target = "";
    const network_spec rest = load_sonata_simulation(write_circuit(dir / "plain", plain).string());
    simulation at_rest(rest, build_static_synapses(rest));
    const auto first_rest = first_spikes(rest);
    for (neuron_id i = 0; i < 40; ++i) {
        const type_values& v = pointneuron_types.at(plain.node_type[i]);
        EXPECT_EQ(at_rest.state(i).v, 0.0);
        EXPECT_NEAR(first_rest[i], analytic_first_spike(v, v.E_L, 0.1), 1e-9) << "node " << i;
    }
}

// Per-node datasets (/nodes/<pop>/0/dynamics_params/<name>) override the node type.
TEST_F(sonata_examples, per_node_dynamics_params_datasets) {
    circuit c = pointneurons();
    c.node_type.assign(10, 100);
    std::vector<double> v_th, v_m;
    for (int k = 0; k < 10; ++k) {
        v_th.push_back(-50.0 + k);
        v_m.push_back(-78.0 + 0.5 * k);
    }
    c.per_node = {{"V_th", v_th}, {"V_m", v_m}};
    const network_spec spec = load_sonata_simulation(write_circuit(dir, c).string());
    const auto first = first_spikes(spec);
    type_values v = pointneuron_types.at(100);
    for (neuron_id i = 0; i < 10; ++i) {
        v.V_th = v_th[i];
        EXPECT_NEAR(first[i], analytic_first_spike(v, v_m[i], 0.1), 1e-9) << "node " << i;
    }
}

// NEST reads an edge without delay with static_synapse's default (1.0 ms) and leaves
// nsyns aside; without a target simulator a missing delay is an error.
TEST_F(sonata_examples, nest_defaults_for_edges) {
    circuit c = pointneurons();
    c.node_type = {100, 100, 100};
    c.edge_types_csv = "edge_type_id target_query source_query dynamics_params model_template\n"
                       "100 ei=='e' * ExcToExc.json static_synapse\n";
    c.synaptic_models = {{"ExcToExc.json", "{}"}};
    c.src = {0, 1};
    c.tgt = {1, 2};
    c.edge_type = {100, 100};
    c.syn_weight = {50.0, 65.0};
    c.nsyns = {3, 1};
    const network_spec spec = load_sonata_simulation(write_circuit(dir / "nest", c).string());
    ASSERT_EQ(spec.projections.size(), 1u);
    const auto& edges = spec.projections[0].edges;
    ASSERT_EQ(edges.size(), 2u);
    EXPECT_EQ(edges[0].delay, 1.0);
    EXPECT_EQ(edges[0].weight, 50.0);  // NEST: nsyns not applied
    EXPECT_EQ(edges[1].weight, 65.0);

    c.target = "";  // SONATA's meaning (and bmtk PointNet's): weight * nsyns
    c.delay = {2.0, 2.0};
    const network_spec plain = load_sonata_simulation(write_circuit(dir / "plain", c).string());
    EXPECT_EQ(plain.projections[0].edges[0].weight, 150.0);
    EXPECT_EQ(plain.projections[0].edges[0].delay, 2.0);
    c.delay.clear();
    try {
        load_sonata_simulation(write_circuit(dir / "nodelay", c).string());
        FAIL() << "expected an error";
    } catch (const input_error& e) {
        EXPECT_TRUE(contains(e.what(), "has no delay")) << e.what();
    }
}

// The Allen 300_intfire example: nrn:IntFire1 with tau and refrac in seconds, edge types
// without model_template, weight_function wmax, synapse files with "sign", nsyns per edge;
// BioNet connects with weight syn_weight * sign * nsyns.
TEST_F(sonata_examples, allen_300_intfire_reads_as_bionet) {
    circuit c;
    c.target = "NEURON";
    c.node_types_csv = "node_type_id ei location model_template model_type dynamics_params pop_name\n"
                       "100 e VisL4 nrn:IntFire1 point_process IntFire1_exc_1.json LIF_exc\n"
                       "101 i VisL4 nrn:IntFire1 point_process IntFire1_inh_1.json LIF_inh\n";
    c.cell_models = {{"IntFire1_exc_1.json", R"({"tau": 0.024, "type": "NEURON_IntFire1", "refrac": 0.003})"},
                     {"IntFire1_inh_1.json", R"({"tau": 0.007, "type": "NEURON_IntFire1", "refrac": 0.003})"}};
    c.node_type = {100, 100, 101};
    c.edge_types_csv = "edge_type_id target_query source_query delay weight_function syn_weight dynamics_params\n"
                       "100 ei=='e' ei=='e' 2.0 wmax 0.002 instanteneousExc.json\n"
                       "101 ei=='e' ei=='i' 2.0 wmax 0.15 instanteneousInh.json\n";
    c.synaptic_models = {{"instanteneousExc.json", R"({"level_of_detail": "instantaneous", "sign": 1})"},
                         {"instanteneousInh.json", R"({"level_of_detail": "instantaneous", "sign": -1})"}};
    c.src = {0, 2};
    c.tgt = {1, 1};
    c.edge_type = {100, 101};
    c.nsyns = {10, 5};
    const network_spec spec = load_sonata_simulation(write_circuit(dir, c).string());
    const population_model& m = spec.models[0];
    EXPECT_EQ(m.model, neuron_model_kind::intfire1);
    ASSERT_EQ(m.varied.size(), 1u);  // tau differs, refrac does not
    EXPECT_EQ(m.varied[0].parameter, "tau");
    EXPECT_NEAR(m.varied[0].values[0], 24.0, 1e-12);
    EXPECT_NEAR(m.varied[0].values[2], 7.0, 1e-12);
    double refrac = 0.0;
    get_parameter(m.parameters, m.model, "refrac", refrac);
    EXPECT_NEAR(refrac, 3.0, 1e-12);
    double weights = 0.0;
    for (const auto& p : spec.projections)
        for (const auto& e : p.edges) weights += e.weight;
    EXPECT_NEAR(weights, 0.002 * 10 - 0.15 * 5, 1e-12);

    c.edge_types_csv = "edge_type_id target_query source_query delay weight_function syn_weight dynamics_params\n"
                       "100 ei=='e' ei=='e' 2.0 gaussianLL 0.002 instanteneousExc.json\n"
                       "101 ei=='e' ei=='i' 2.0 wmax 0.15 instanteneousInh.json\n";
    try {
        load_sonata_simulation(write_circuit(dir / "function", c).string());
        FAIL() << "expected an error";
    } catch (const input_error& e) {
        EXPECT_TRUE(contains(e.what(), "weight_function 'gaussianLL'")) << e.what();
        EXPECT_TRUE(contains(e.what(), "internal_internal_edge_types.csv")) << e.what();
    }
}

// bmtk's point_450glifs: glif_psc with list parameters and switches as JSON booleans, and
// NEST's receptor ports (one per tau_syn entry): each edge type's receptor_type becomes its
// projection's port, whatever the weight's sign; a port the cell lacks is one error.
TEST_F(sonata_examples, bmtk_glif_receptor_ports) {
    circuit c;
    c.node_types_csv = "node_type_id model_type model_template dynamics_params pop_name ei\n"
                       "100 point_process nest:glif_psc glif_lif_asc_psc.json Scnn1a e\n";
    c.cell_models = {{"glif_lif_asc_psc.json",
                      R"({"V_m": -78.85, "V_th": -51.68, "g": 9.43, "E_L": -78.85, "C_m": 58.72, "t_ref": 3.75, "V_reset": -78.85,
                          "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1], "asc_amps": [-9.18, -198.94], "tau_syn": [5.5, 8.5, 2.8, 5.8],
                          "spike_dependent_threshold": false, "after_spike_currents": true, "adapting_threshold": false})"}};
    c.node_type = {100, 100, 100};
    c.edge_types_csv = "edge_type_id target_query source_query syn_weight delay dynamics_params model_template\n"
                       "100 * * 5.0 2.0 e2e.json static_synapse\n"
                       "101 * * -6.5 2.0 i2e.json static_synapse\n";
    c.synaptic_models = {{"e2e.json", R"({"receptor_type": 3})"}, {"i2e.json", R"({"receptor_type": 1})"}};
    c.src = {0, 1, 2};
    c.tgt = {1, 2, 0};
    c.edge_type = {100, 101, 100};
    const network_spec spec = load_sonata_simulation(write_circuit(dir / "ok", c).string());
    EXPECT_EQ(spec.models[0].model, neuron_model_kind::glif_psc);
    EXPECT_EQ(spec.models[0].parameters.tau_syn_ex, 5.5);
    EXPECT_EQ(spec.models[0].parameters.tau_syn_4, 5.8);
    EXPECT_EQ(spec.models[0].parameters.receptor_ports, 4.0);
    // One projection per port: port 3 with both of its edges, port 1 with the negative one.
    ASSERT_EQ(spec.projections.size(), 2u);
    std::map<std::uint32_t, std::size_t> edges_on;
    for (std::size_t k = 0; k < spec.projections.size(); ++k) edges_on[spec.synapses[k].receptor] = spec.projections[k].edges.size();
    EXPECT_EQ(edges_on, (std::map<std::uint32_t, std::size_t>{{1, 1}, {3, 2}}));
    EXPECT_NO_THROW(first_spikes(spec));

    for (const char* bad : {R"({"receptor_type": 5})", R"({"receptor_type": 0})"}) {
        c.synaptic_models = {{"e2e.json", bad}, {"i2e.json", R"({"receptor_type": 2})"}};
        try {
            load_sonata_simulation(write_circuit(dir / "bad", c).string());
            FAIL() << "expected an error for " << bad;
        } catch (const input_error& e) {
            EXPECT_TRUE(contains(e.what(), "has receptor ports 1..4, one per tau_syn entry")) << e.what();
        }
    }
}

// bmtk's point_450glifs puts glif_psc and iaf_psc_alpha node types into one population:
// each neuron runs its own model, and fires exactly when it fires alone in a population of
// its type. An export writes one node type per model and reads back to the same spikes.
TEST_F(sonata_examples, a_population_mixes_models) {
    circuit c = pointneurons();
    c.node_types_csv = "node_type_id model_type model_template dynamics_params pop_name ei location\n"
                       "100 point_process nest:iaf_psc_alpha 472363762_point.json Scnn1a e VisL4\n"
                       "102 point_process nest:iaf_psc_alpha 473863035_point.json Nr5a1 e VisL4\n"
                       "105 point_process nest:glif_psc glif_asc.json PV1 i VisL4\n"
                       "106 point_process nest:glif_psc glif_lif.json PV2 i VisL4\n";
    c.cell_models.push_back({"glif_asc.json", R"({"V_m": -78.85, "V_th": -51.68, "g": 9.43, "E_L": -78.85, "C_m": 58.72, "t_ref": 3.75,
        "V_reset": -78.85, "I_e": 400.0, "asc_init": [0.0, 0.0], "asc_decay": [0.003, 0.1], "asc_amps": [-9.18, -198.94],
        "tau_syn": [5.5, 8.5, 2.8, 5.8], "spike_dependent_threshold": false, "after_spike_currents": true, "adapting_threshold": false})"});
    c.cell_models.push_back({"glif_lif.json", R"({"V_th": -50.0, "g": 6.0, "E_L": -70.0, "C_m": 60.0, "t_ref": 2.0,
        "V_reset": -70.0, "I_e": 150.0, "tau_syn": [2.0]})"});
    const std::vector<std::int64_t> order = {100, 105, 102, 106, 106, 100};
    c.node_type.clear();
    for (int k = 0; k < 24; ++k) c.node_type.push_back(order[k % order.size()]);
    const network_spec spec = load_sonata_simulation(write_circuit(dir / "mixed", c).string());
    ASSERT_EQ(spec.models.size(), 1u);
    const population_model& m = spec.models[0];
    EXPECT_EQ(models_in(m), (std::vector<neuron_model_kind>{neuron_model_kind::iaf_psc_alpha, neuron_model_kind::glif_psc}));
    ASSERT_EQ(m.neuron_models.size(), 24u);
    EXPECT_EQ(m.neuron_models[1], neuron_model_kind::glif_psc);
    EXPECT_EQ(m.neuron_models[2], neuron_model_kind::iaf_psc_alpha);
    const auto mixed = first_spikes(spec);

    // Each type alone: one node of it in its own population.
    std::map<std::int64_t, double> alone;
    for (const std::int64_t type : {100, 102, 105, 106}) {
        circuit one = c;
        one.node_type = {type};
        alone[type] = first_spikes(load_sonata_simulation(write_circuit(dir / ("alone_" + std::to_string(type)), one).string()))[0];
        EXPECT_GT(alone[type], 0.0) << "type " << type << " fires alone";
    }
    EXPECT_NE(alone[105], alone[100]);
    for (std::size_t k = 0; k < mixed.size(); ++k) EXPECT_EQ(mixed[k], alone[c.node_type[k]]) << "node " << k;

    // Recording: V_m lives in the same slot for both models; a glif-only variable does not.
    network_spec v_m = spec;
    v_m.traces.push_back({"v", 0, "V_m", {0, 1, 2}, false, false, 0, {}, 1, {}});
    EXPECT_NO_THROW(simulation(v_m, build_static_synapses(v_m)));
    network_spec asc = spec;
    asc.traces.push_back({"asc", 0, "ASCurrents_1", {1, 2}, false, false, 0, {}, 1, {}});
    const input_error e = error_of([&] { simulation(asc, build_static_synapses(asc)); });
    EXPECT_TRUE(contains(e.what(), "neuron 2 of 'internal' is iaf_psc_alpha, which has no ASCurrents_1")) << e.what();

    // Export and back: one node type per model, the same first spikes.
    const fs::path out = dir / "export";
    export_sonata(spec, merge_synapses(build_static_synapses(spec)), out.string());
    const std::string types = slurp(out / "network" / "internal_node_types.csv");
    EXPECT_TRUE(contains(types, "synaptogen:iaf_psc_alpha")) << types;
    EXPECT_TRUE(contains(types, "synaptogen:glif_psc")) << types;
    EXPECT_EQ(first_spikes(load_network_file((out / "network.toml").string())), mixed);

    // A port edge between glif cells of a population whose first type is iaf_psc_alpha:
    // only the neurons the edges reach need the port.
    circuit ports = c;
    ports.edge_types_csv = "edge_type_id target_query source_query syn_weight delay dynamics_params model_template\n"
                           "100 * * 50.0 2.0 e2e.json static_synapse\n";
    ports.synaptic_models = {{"e2e.json", R"({"receptor_type": 3})"}};
    ports.src = {1};
    ports.tgt = {7};
    ports.edge_type = {100};
    const network_spec with_port = load_sonata_simulation(write_circuit(dir / "mixed_ports", ports).string());
    ASSERT_EQ(with_port.synapses.size(), 1u);
    EXPECT_EQ(with_port.synapses[0].receptor, 3u);
    EXPECT_NO_THROW(first_spikes(with_port));

    // Models that cannot share a population's checks: intfire1 has no membrane potential.
    c.node_types_csv += "107 point_process nrn:IntFire1 intfire.json PV3 i VisL4\n";
    c.cell_models.push_back({"intfire.json", R"({"tau": 0.02, "refrac": 0.003})"});
    c.node_type[5] = 107;
    try {
        load_sonata_simulation(write_circuit(dir / "intfire", c).string());
        FAIL() << "expected an error";
    } catch (const input_error& x) {
        EXPECT_TRUE(contains(x.what(), "a population may mix spiking point models with a membrane potential, not intfire1")) << x.what();
    }
}

// A node type with a morphology (a biophysical cell) is one error naming the template,
// the file and the line of the types table.
TEST_F(sonata_examples, biophysical_cells_are_refused_with_their_line) {
    circuit c = pointneurons();
    c.node_types_csv = "node_type_id model_type model_template dynamics_params morphology\n"
                       "100 biophysical ctdb:Biophys1.hoc 472363762_fit.json Scnn1a.swc\n";
    c.node_type = {100};
    try {
        load_sonata_simulation(write_circuit(dir, c).string());
        FAIL() << "expected an error";
    } catch (const input_error& e) {
        EXPECT_TRUE(contains(e.what(), "internal_node_types.csv:2")) << e.what();
        EXPECT_TRUE(contains(e.what(), "morphology")) << e.what();
        EXPECT_TRUE(contains(e.what(), "model_template 'ctdb:Biophys1.hoc'")) << e.what();
    }
}

// NEST's example config, as written: a config given by a path relative to the working
// folder whose manifest builds on ${configdir}, a report whose "sections" names the
// recorder ("multimeter_report"), a node set of node ids; and the summary `validate` prints.
TEST_F(sonata_examples, nest_config_quirks_and_the_summary) {
    const fs::path circuit_config = write_circuit(dir, pointneurons()).parent_path() / "circuit_config.json";
    write_file(dir / "node_sets.json", R"({"recorded_cells": {"population": "internal", "node_id": [0, 5, 39]}})");
    write_file(dir / "sim.json", R"({
  "manifest": {"$BASE_DIR": "${configdir}"},
  "target_simulator": "NEST",
  "run": {"tstop": 50.0, "dt": 0.1},
  "network": "$BASE_DIR/circuit_config.json",
  "node_sets_file": "$BASE_DIR/node_sets.json",
  "inputs": {"clamp": {"input_type": "current_clamp", "module": "IClamp", "node_set": {"ei": "i"}, "amp": 0.05, "delay": 5.0, "duration": 10.0}},
  "reports": {"membrane_potential": {"cells": "recorded_cells", "variable_name": "V_m", "module": "multimeter_report", "sections": "multimeter_report"}}
})");
    const fs::path relative = fs::relative(dir / "sim.json");
    ASSERT_TRUE(relative.is_relative());
    sonata_summary summary;
    const network_spec spec = load_sonata_simulation(relative.string(), summary);
    ASSERT_EQ(spec.traces.size(), 1u);
    EXPECT_EQ(spec.traces[0].neurons, (std::vector<neuron_id>{0, 5, 39}));
    ASSERT_EQ(spec.stimuli.size(), 1u);
    EXPECT_EQ(spec.stimuli[0].neurons.size(), 20u);  // types 103 and 104 are "i"
    EXPECT_EQ(spec.stimuli[0].neurons[0], 2u);

    EXPECT_EQ(summary.target_simulator, "NEST");
    ASSERT_EQ(summary.node_types.size(), 4u);
    EXPECT_EQ(summary.node_types[0].population, "internal");
    EXPECT_EQ(summary.node_types[0].id, 100);
    EXPECT_EQ(summary.node_types[0].nodes, 10u);
    EXPECT_EQ(summary.node_types[0].model_template, "nest:iaf_psc_alpha");
    EXPECT_EQ(summary.node_types[0].dynamics_params, "472363762_point.json");
    ASSERT_EQ(summary.varied.size(), 1u);
    EXPECT_TRUE(contains(summary.varied[0], "tau_m")) << summary.varied[0];
    ASSERT_EQ(summary.inputs.size(), 1u);
    EXPECT_TRUE(contains(summary.inputs[0], "current clamp 50 pA from 5 to 15 ms on 20 of 40 nodes of 'internal'")) << summary.inputs[0];
    ASSERT_EQ(summary.reports.size(), 1u);
    EXPECT_TRUE(contains(summary.reports[0], "V_m of 3 of 40 nodes")) << summary.reports[0];
    EXPECT_TRUE(std::any_of(summary.ignored.begin(), summary.ignored.end(),
                            [](const std::string& s) { return contains(s, "sections \"multimeter_report\""); }));
}

// A node type that gives V_m next to one that does not: the latter's nodes start at their
// own rest (not a merged value), and per-node IntFire1 times are in seconds like its files.
TEST_F(sonata_examples, initial_values_given_by_some_node_types_and_per_node_seconds) {
    circuit c = pointneurons();
    c.target = "";
    c.cell_models[0].second = R"({"I_e": 0.0, "tau_m": 44.9, "C_m": 239.0, "t_ref": 3.0, "E_L": -78.0, "V_th": -43.0, "V_reset": -55.0, "V_m": -60.0})";
    c.node_type = {100, 103, 100, 103};
    const network_spec spec = load_sonata_simulation(write_circuit(dir / "vm", c).string());
    simulation sim(spec, build_static_synapses(spec));
    EXPECT_DOUBLE_EQ(sim.state(0).v, -60.0 - -78.0);  // given, relative to its E_L
    EXPECT_EQ(sim.state(1).v, 0.0);                    // type 103 gives none: at its rest (E_L -82)
    EXPECT_DOUBLE_EQ(sim.state(2).v, 18.0);
    EXPECT_EQ(sim.state(3).v, 0.0);

    circuit f;
    f.target = "NEURON";
    f.node_types_csv = "node_type_id model_template model_type dynamics_params\n100 nrn:IntFire1 point_process IntFire1_exc_1.json\n";
    f.cell_models = {{"IntFire1_exc_1.json", R"({"tau": 0.024, "refrac": 0.003})"}};
    f.node_type = {100, 100};
    f.per_node = {{"tau", {0.01, 0.02}}};
    const network_spec intfire = load_sonata_simulation(write_circuit(dir / "intfire", f).string());
    ASSERT_EQ(intfire.models[0].varied.size(), 1u);
    EXPECT_NEAR(intfire.models[0].varied[0].values[0], 10.0, 1e-12);
    EXPECT_NEAR(intfire.models[0].varied[0].values[1], 20.0, 1e-12);
}
