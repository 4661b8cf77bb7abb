// C. elegans tables, cell tables and the arrangement into populations and projections:
// fixtures written here carry each format's quirks (../shared/data/*/README.md), with exact
// expected counts; the real files' counts are checked when ../shared/data is present.
// Also: include, cell_names and stimuli/records that name cells.
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>

#include <gtest/gtest.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/connectome.hpp>
#include <synaptogen/io/network_file.hpp>
#include <synaptogen/runtime/simulation.hpp>

#include "test_support.hpp"

using namespace synaptogen;
using synaptogen::testing::shared_data;
namespace fs = std::filesystem;
using synaptogen::testing::error_of;

namespace {

class connectome_import : public synaptogen::testing::temp_dir_test {};

// Edges of one type as (source name, target name, weight), in file order.
std::vector<std::tuple<std::string, std::string, double>> edges_of(const edge_list& g, const std::string& type) {
    std::vector<std::tuple<std::string, std::string, double>> out;
    for (std::size_t e = 0; e < g.size(); ++e)
        if (g.types[g.type[e]] == type) out.emplace_back(g.nodes[g.source[e]], g.nodes[g.target[e]], g.weight[e]);
    return out;
}

double weight_sum(const edge_list& g, const std::string& type) {
    double s = 0;
    for (const auto& e : edges_of(g, type)) s += std::get<2>(e);
    return s;
}

const arranged_projection* find_projection(const arranged_network& n, const std::string& name) {
    for (const auto& p : n.projections)
        if (p.name == name) return &p;
    return nullptr;
}

// Cook et al.'s edge list: padded names, zero-padded numbers, gap junctions in both
// directions with unequal weights, self-loops, muscles, no final newline.
const char* cook_fixture =
    "Source,Target,Weight,Type\n"
    "PLML , PVCL           ,4,chemical\n"
    "PVCL , AVBL           ,6,chemical\n"
    "AVBL , VB01           ,3,chemical\n"
    "DD01 , VB01           ,2,chemical\n"
    "DD01 , dBWML1         ,5,chemical\n"
    "M4 , M4             ,1,chemical\n"
    "AVBL , VB01         ,4,electrical\n"
    "VB01 , AVBL         ,5,electrical\n"
    "PLML , PVCL         ,1,electrical\n"
    "RIBL , RIBL         ,2,electrical\n"
    "dBWML1 , dBWML2     ,7,electrical";

const char* owmeta_fixture =
    "neuron,types,neurotransmitters,receptors,c302_label,c302_rgb\n"
    "PLML,sensory,Glutamate,,+ (Se) PLML,1 0 0\n"
    "PVCL,interneuron,Acetylcholine,,,\n"
    "AVBL,interneuron,,,,\n"
    "VB1,motor;sensory,Acetylcholine,,,\n"
    "DD1,motor,GABA,,,\n"
    "M4,motor,Acetylcholine,,,\n"
    "RIBL,interneuron,,,,\n"
    "I1L,interneuron;sensory,Acetylcholine,,,\n"
    "CANL,unknown,,,,\n";

}  // namespace

TEST_F(connectome_import, cook_edge_list_reads_with_its_quirks) {
    edge_list g;
    EXPECT_EQ(read_celegans_table(file("herm.csv", cook_fixture), g), celegans_format::cook_edge_list);
    EXPECT_EQ(g.nodes, (std::vector<std::string>{"PLML", "PVCL", "AVBL", "VB1", "DD1", "dBWML1", "M4", "RIBL", "dBWML2"}));
    EXPECT_EQ(edges_of(g, "chemical").size(), 6u);
    EXPECT_EQ(edges_of(g, "electrical").size(), 5u);
    EXPECT_DOUBLE_EQ(weight_sum(g, "chemical"), 21.0);
    EXPECT_EQ(g.node_line[g.at("VB1")], 4);  // where a cell was first named
}

// owmeta: motor before sensory before interneuron; GABA inhibits; unknown -> "other".
// Cook's groups: neuron groups by name, muscles and glia are not neurons.
TEST_F(connectome_import, cell_tables_give_classes_and_signs) {
    const cell_metadata m = read_cell_metadata(file("owmeta.csv", owmeta_fixture));
    EXPECT_TRUE(m.has_transmitters);
    EXPECT_EQ(m.cells.size(), 9u);
    EXPECT_EQ(m.cells.at("VB1").group, "motor");
    EXPECT_EQ(m.cells.at("I1L").group, "sensory");
    EXPECT_EQ(m.cells.at("AVBL").group, "inter");
    EXPECT_EQ(m.cells.at("CANL").group, "other");
    EXPECT_TRUE(m.cells.at("DD1").inhibitory);
    EXPECT_FALSE(m.cells.at("VB1").inhibitory);
    EXPECT_FALSE(m.cells.at("AVBL").known_transmitter);

    const cell_metadata c = read_cell_metadata(file("cells.csv",
                                                    "cell,si5_group,is_chem_row_presyn\r\nAS01,MOTOR NEURONS,1\r\n"
                                                    "PLML,SENSORY NEURONS,1\r\nAVAL,INTERNEURONS,1\r\ndBWML1,BODYWALL MUSCLES,0\r\n"
                                                    "GLRDL,OTHER END ORGANS,0\r\nVC01,SEX SPECIFIC,1\r\npm1d,PHARYNX,0\r\nM4,PHARYNX,1"));
    EXPECT_FALSE(c.has_transmitters);
    EXPECT_EQ(c.cells.at("AS1").group, "motor");
    EXPECT_EQ(c.cells.at("VC1").group, "sex_specific");
    EXPECT_EQ(c.cells.at("M4").group, "pharynx");
    EXPECT_EQ(c.cells.at("pm1d").group, "");
    EXPECT_EQ(c.cells.at("GLRDL").group, "");
    EXPECT_EQ(c.cells.at("dBWML1").group, "");

    const auto e = error_of([&] { read_cell_metadata(file("bad.csv", "neuron,types\nAVAL,interneuron\nAVAR,command\n")); });
    EXPECT_EQ(e.where().line, 3);
    EXPECT_NE(e.problem().find("motor, sensory, interneuron"), std::string::npos) << e.what();
}

TEST_F(connectome_import, arrangement_by_class_with_signs_pairs_and_non_neurons) {
    edge_list g;
    read_celegans_table(file("herm.csv", cook_fixture), g);
    const cell_metadata m = read_cell_metadata(file("owmeta.csv", owmeta_fixture));
    arrangement_options o;
    o.classify = true;
    o.metadata = &m;
    o.model = "graded";
    o.weight_scale = 0.1;
    const arranged_network n = arrange_network(g, o);
    EXPECT_EQ(n.populations, (std::vector<std::string>{"sensory", "inter", "motor", "non_neurons"}));
    EXPECT_EQ(n.cells[1], (std::vector<std::string>{"PVCL", "AVBL", "RIBL"}));
    EXPECT_EQ(n.cells[2], (std::vector<std::string>{"VB1", "DD1", "M4"}));
    EXPECT_EQ(n.cells[3], (std::vector<std::string>{"dBWML1", "dBWML2"}));
    EXPECT_EQ(n.self_junctions_dropped, 1u);  // RIBL-RIBL
    EXPECT_EQ(n.gap_rows, 5u);  // as listed, the self-junction included
    // AVBL-VB1 listed 4 and 5: one junction of 4.5 (average).
    const arranged_projection* gap = find_projection(n, "inter_motor_electrical");
    ASSERT_TRUE(gap);
    ASSERT_EQ(gap->pre.size(), 1u);
    EXPECT_DOUBLE_EQ(gap->weight[0], 4.5);
    // DD1 is GABAergic: its synapses form their own projections; graded keeps g > 0.
    const arranged_projection* inh = find_projection(n, "motor_motor_chemical_inh");
    ASSERT_TRUE(inh);
    EXPECT_TRUE(inh->inhibitory);
    EXPECT_EQ(inh->pre, (std::vector<std::uint32_t>{1}));
    EXPECT_EQ(inh->post, (std::vector<std::uint32_t>{0}));
    EXPECT_DOUBLE_EQ(inh->weight[0], 0.2);
    const arranged_projection* self = find_projection(n, "motor_motor_chemical");
    ASSERT_TRUE(self);  // M4 -> M4 kept by default
    EXPECT_EQ(self->pre, (std::vector<std::uint32_t>{2}));
    const std::string toml = network_toml(n, o, "test");
    EXPECT_NE(toml.find("graded = { E_rev = -45 }"), std::string::npos);
    EXPECT_NE(toml.find("cell_names = [\n  \"VB1\", \"DD1\", \"M4\",\n]"), std::string::npos) << toml;
    // The description runs as written.
    const network_spec spec = parse_network(toml, "imported.toml");
    EXPECT_EQ(spec.layout.count(), 4u);
    EXPECT_EQ(spec.models[2].cell_names[1], "DD1");

    // Spiking model: inhibitory weights are negative. Drop non-neurons and self-loops.
    o.model = "iaf_psc_exp";
    o.keep_non_neurons = false;
    o.keep_self_loops = false;
    const arranged_network s = arrange_network(g, o);
    EXPECT_EQ(s.populations.size(), 3u);
    EXPECT_EQ(s.non_neuron_cells_dropped, 2u);
    EXPECT_EQ(s.non_neuron_edges_dropped, 2u);  // DD1 -> dBWML1, dBWML1 - dBWML2
    EXPECT_EQ(s.self_loops_dropped, 1u);
    EXPECT_DOUBLE_EQ(find_projection(s, "motor_motor_chemical_inh")->weight[0], -0.2);
    EXPECT_EQ(find_projection(s, "motor_motor_chemical"), nullptr);

    // No cell table: neurons by their names, signs from the built-in GABA list.
    o.metadata = nullptr;
    o.keep_non_neurons = true;
    const arranged_network b = arrange_network(g, o);
    EXPECT_EQ(b.populations, (std::vector<std::string>{"neurons", "non_neurons"}));
    EXPECT_EQ(b.cells[0].size(), 7u);
    EXPECT_TRUE(find_projection(b, "neurons_neurons_chemical_inh"));
    EXPECT_TRUE(is_gabaergic_neuron("RMED") && is_gabaergic_neuron("VD13") && !is_gabaergic_neuron("VA1"));
}

// A neuron-like name the cell table does not know is an error at the line that named it.
TEST_F(connectome_import, unknown_neuron_is_reported_with_file_and_line) {
    edge_list g;
    const std::string path = file("typo.csv", "Source,Target,Weight,Type\nPLML,PVCL,1,chemical\nPVCL,AVBX,2,chemical\n");
    read_celegans_table(path, g);
    const cell_metadata m = read_cell_metadata(file("owmeta.csv", owmeta_fixture));
    arrangement_options o;
    o.classify = true;
    o.metadata = &m;
    const auto e = error_of([&] { arrange_network(g, o); });
    EXPECT_EQ(e.where().file, path);
    EXPECT_EQ(e.where().line, 3);
    EXPECT_NE(e.problem().find("unknown neuron 'AVBX'"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("did you mean 'AVBL'"), std::string::npos) << e.what();
}

// Varshney's NeuronConnect: only S and Sp count (summed per pair), R/Rp are the same synapses
// again, EJ is listed both ways, NMJ rows go to the pseudo-cell NMJ (two rows per key summed).
TEST_F(connectome_import, neuron_connect_counts_sent_synapses_once) {
    edge_list g;
    const std::string path = file("NeuronConnect.csv",
                                  "Neuron 1,Neuron 2,Type,Nbr\nADAL,AVAL,S,2\nADAL,AVAL,Sp,1\nAVAL,ADAL,R,2\nAVAL,ADAL,Rp,1\n"
                                  "ADAL,ADAR,EJ,1\nADAR,ADAL,EJ,1\nVA8,VA8,EJ,1\nIL1L,NMJ,NMJ,1\nIL1L,NMJ,NMJ,12\nAS1,AVAL,Sp,3\n");
    EXPECT_EQ(read_celegans_table(path, g), celegans_format::neuron_connect);
    EXPECT_EQ(edges_of(g, "chemical"),
              (std::vector<std::tuple<std::string, std::string, double>>{{"ADAL", "AVAL", 3.0}, {"AS1", "AVAL", 3.0}}));
    EXPECT_EQ(edges_of(g, "electrical").size(), 3u);
    EXPECT_EQ(edges_of(g, "nmj"), (std::vector<std::tuple<std::string, std::string, double>>{{"IL1L", "NMJ", 13.0}}));
    arrangement_options o;
    o.classify = true;
    const arranged_network n = arrange_network(g, o);
    EXPECT_EQ(n.cells.back(), (std::vector<std::string>{"NMJ"}));  // a non-neuron target
    EXPECT_EQ(n.self_junctions_dropped, 1u);
    EXPECT_EQ(find_projection(n, "neurons_neurons_electrical")->pre.size(), 1u);

    edge_list bad;
    const auto e = error_of([&] {
        read_celegans_table(file("nc.csv", "Neuron 1,Neuron 2,Type,Nbr\nADAL,AVAL,S,2\nADAL,AVAL,Q,1\n"), bad);
    });
    EXPECT_EQ(e.where().line, 3);
    EXPECT_NE(e.problem().find("unknown connection type 'q'"), std::string::npos) << e.what();
}

TEST_F(connectome_import, neuron_tables_pair_lists_and_matrices) {
    edge_list g;
    EXPECT_EQ(read_celegans_table(file("Connectome.csv",
                                       "Origin,Target,Type,Number of Connections,Neurotransmitter\r\nADAL,ADAR,GapJunction,1,Generic_GJ\r\n"
                                       "ADAL,AIBL,Send,2,Glutamate\r\n"),
                                  g),
              celegans_format::neuron_tables);
    EXPECT_EQ(edges_of(g, "chemical").size(), 1u);
    EXPECT_EQ(edges_of(g, "electrical").size(), 1u);

    edge_list p;
    EXPECT_EQ(read_celegans_table(file("chem.csv", "pre,post,weight\nAS01,DA01,2\nDA01,AS01,0\n"), p), celegans_format::pair_list);
    EXPECT_EQ(read_celegans_table(file("gap.csv", "cell_a,cell_b,weight\nAS01,DA01,3\n"), p), celegans_format::pair_list);
    EXPECT_EQ(edges_of(p, "chemical"), (std::vector<std::tuple<std::string, std::string, double>>{{"AS1", "DA1", 2.0}}));  // 0 skipped
    EXPECT_EQ(edges_of(p, "electrical").size(), 1u);
    const auto headerless = error_of([&] { read_celegans_table(file("h.csv", "AS01\tDA01\t2\n"), p); });
    EXPECT_NE(headerless.problem().find("--chemical FILE or --electrical FILE"), std::string::npos);
    read_celegans_table(file("h2.csv", "AS01\tDA01\t2\n"), p, connection_kind::electrical);
    EXPECT_EQ(edges_of(p, "electrical").size(), 2u);

    // SI5 sheet saved as CSV: group labels, a blank row, column names from column D, row
    // names in column C, empty cells = 0.
    edge_list m;
    const std::string matrix = file("si5.csv",
                                    ",,,SENSORY NEURONS,MOTOR NEURONS,\n,,,,,\n,,,ADAL,AS01,dBWML1\n"
                                    "SENSORY NEURONS,,ADAL,,2,\n,,AS01,1,,3\n");
    EXPECT_EQ(read_celegans_table(matrix, m, connection_kind::chemical), celegans_format::adjacency_matrix);
    EXPECT_EQ(edges_of(m, "chemical"), (std::vector<std::tuple<std::string, std::string, double>>{
                                           {"ADAL", "AS1", 2.0}, {"AS1", "ADAL", 1.0}, {"AS1", "dBWML1", 3.0}}));
    const auto not_a_table = error_of([&] { read_celegans_table(matrix, m); });
    EXPECT_NE(not_a_table.problem().find("--chemical FILE or --electrical FILE"), std::string::npos);
    const auto bad_cell = error_of([&] {
        read_celegans_table(file("bad.csv", ",,ADAL,AS01\nx,ADAL,,2\n,AS01,many,\n"), m, connection_kind::electrical);
    });
    EXPECT_EQ(bad_cell.where().line, 3);
    EXPECT_EQ(bad_cell.where().field, "ADAL");
    EXPECT_NE(bad_cell.problem().find("expected a number, found 'many'"), std::string::npos);
}

// The description names cells: stimuli and records take them; a misspelt one is an error
// on its line; an included network comes first and [simulation] overrides its values.
TEST_F(connectome_import, include_and_cells_in_stimuli_and_records) {
    file("net.toml",
         "[simulation]\ndt = 0.1\nduration = 1000.0\n[[population]]\nname = \"cells\"\nsize = 4\nmodel = \"graded\"\n"
         "parameters = { C_m = 1.0, g_L = 0.01, E_L = -35.0 }\ncell_names = [\"a\", \"b\", \"c\", \"d\"]\n");
    const std::string top = file("touch.toml",
                                 "include = \"net.toml\"\n[simulation]\nduration = 50.0\n"
                                 "[[stimulus]]\ntype = \"dc\"\ntarget = \"cells\"\ncells = [\"d\", \"b\"]\namplitude = 1.0\n"
                                 "[[record]]\npopulation = \"cells\"\ncells = [\"c\", \"b\"]\n");
    const network_spec spec = load_network_file(top);
    EXPECT_DOUBLE_EQ(spec.simulation.duration, 50.0);
    EXPECT_DOUBLE_EQ(spec.simulation.dt, 0.1);
    EXPECT_EQ(spec.stimuli[0].neurons, (std::vector<neuron_id>{1, 3}));
    EXPECT_EQ(spec.traces[0].neurons, (std::vector<neuron_id>{2, 1}));
    EXPECT_NE(spec.source_text.find("cell_names"), std::string::npos);  // the included text is part of the run's key

    // dc 1 pA on b and d only: V - E_L = I/g_L (1 - exp(-t g_L/C)), exactly; a and c stay at rest.
    simulation sim(spec, build_static_synapses(spec), {});
    sim.run(spec.simulation.steps());
    const double expected = 100.0 * (1.0 - std::exp(-50.0 * 0.01));
    EXPECT_NEAR(sim.state(1).v, expected, 1e-9 * expected);
    EXPECT_NEAR(sim.state(3).v, expected, 1e-9 * expected);
    EXPECT_EQ(sim.state(0).v, 0.0);
    EXPECT_EQ(sim.state(2).v, 0.0);

    const std::string typo = file("typo.toml",
                                  "include = \"net.toml\"\n[[stimulus]]\ntype = \"dc\"\ntarget = \"cells\"\namplitude = 1.0\n"
                                  "cells = [\"a\",\n  \"bb\"]\n");
    const auto e = error_of([&] { load_network_file(typo); });
    EXPECT_EQ(e.where().line, 7);  // the line of the name
    EXPECT_NE(e.problem().find("no cell named 'bb' in population 'cells'; did you mean 'b'?"), std::string::npos) << e.what();
    const auto missing = error_of([&] { load_network_file(file("m.toml", "include = \"nothing.toml\"\n")); });
    EXPECT_NE(missing.problem().find("cannot open"), std::string::npos);
    const auto loop = error_of([&] { load_network_file(file("loop.toml", "include = \"loop.toml\"\n")); });
    EXPECT_NE(loop.problem().find("more than 8 deep"), std::string::npos) << loop.what();
}

// The real tables (../shared/data READMEs).
TEST_F(connectome_import, real_celegans_tables) {
    const auto data = shared_data();
    if (data.empty() || !fs::exists(data / "celegans_cook2019")) GTEST_SKIP() << "../shared/data is not here";
    // Cook 2019 edge list + owmeta: 300 neurons (motor before sensory before inter), 148 others;
    // 2,698 electrical rows = 14 self + 1,345 junctions once pairs are merged.
    edge_list cook;
    read_celegans_table((data / "celegans_cook2019" / "herm_full_edgelist.csv").string(), cook);
    const cell_metadata m = read_cell_metadata((data / "celegans_neuron_metadata" / "derived_owmeta_neurons.csv").string());
    EXPECT_EQ(m.cells.size(), 302u);
    std::size_t gaba = 0;
    for (const auto& [name, c] : m.cells) gaba += c.inhibitory;
    EXPECT_EQ(gaba, 26u);
    for (const auto& [name, c] : m.cells) EXPECT_EQ(c.inhibitory, is_gabaergic_neuron(name)) << name;
    arrangement_options o;
    o.classify = true;
    o.metadata = &m;
    const arranged_network n = arrange_network(cook, o);
    EXPECT_EQ(n.populations, (std::vector<std::string>{"sensory", "inter", "motor", "non_neurons"}));
    std::vector<std::size_t> sizes;
    for (const auto& c : n.cells) sizes.push_back(c.size());
    EXPECT_EQ(sizes, (std::vector<std::size_t>{84, 69, 147, 148}));
    std::size_t chemical = 0, gap = 0;
    for (const auto& p : n.projections) (p.gap ? gap : chemical) += p.pre.size();
    EXPECT_EQ(chemical, 4681u);
    EXPECT_EQ(gap, 1345u);
    EXPECT_EQ(n.self_junctions_dropped, 14u);

    // Varshney 2011: 2,194 chemical pairs, 6,394 synapses; 1,031 EJ rows; NMJ 153 rows, 1,410.
    edge_list v;
    read_celegans_table((data / "celegans_varshney2011" / "derived_NeuronConnect.csv").string(), v);
    EXPECT_EQ(edges_of(v, "chemical").size(), 2194u);
    EXPECT_DOUBLE_EQ(weight_sum(v, "chemical"), 6394.0);
    EXPECT_EQ(edges_of(v, "electrical").size(), 1031u);
    EXPECT_DOUBLE_EQ(weight_sum(v, "nmj"), 1410.0);
    EXPECT_EQ(edges_of(v, "nmj").size(), 153u - 38u);  // 38 neurons have two NMJ rows
    EXPECT_EQ(v.nodes.size(), 281u);                    // 280 neurons and NMJ
    const arranged_network vn = arrange_network(v, o);
    std::size_t junctions = 0;
    for (const auto& p : vn.projections) junctions += p.gap ? p.pre.size() : 0;
    EXPECT_EQ(junctions, 517u - 3u);  // unordered pairs less the 3 self-pairs

    // CElegansNeuronTables: 2,279 Send rows (6,465 synapses), 1,084 GapJunction rows.
    edge_list t;
    read_celegans_table((data / "celegans_varshney2011" / "derived_CElegansNeuronTables_Connectome.csv").string(), t);
    EXPECT_EQ(edges_of(t, "chemical").size(), 2279u);
    EXPECT_DOUBLE_EQ(weight_sum(t, "chemical"), 6465.0);
    EXPECT_EQ(edges_of(t, "electrical").size(), 1084u);

    // SI5 dumps: 4,879 chemical cells (28,113); 2,881 gap cells = 1,450 pairs with 17 self.
    edge_list s;
    read_celegans_table((data / "celegans_cook2019" / "derived_herm_chemical_edgelist.csv").string(), s);
    read_celegans_table((data / "celegans_cook2019" / "derived_herm_gapjn_symmetric_edgelist.csv").string(), s);
    EXPECT_EQ(edges_of(s, "chemical").size(), 4879u);
    EXPECT_DOUBLE_EQ(weight_sum(s, "chemical"), 28113.0);
    EXPECT_EQ(edges_of(s, "electrical").size(), 2881u);
    o.metadata = nullptr;
    const arranged_network sn = arrange_network(s, o);
    junctions = 0;
    for (const auto& p : sn.projections) junctions += p.gap ? p.pre.size() : 0;
    EXPECT_EQ(junctions, 1450u - 17u);
    EXPECT_EQ(sn.self_junctions_dropped, 17u);
}

// The commands: import celegans from fixtures; import edgelist streamed into HDF5 (same
// network as inline edges, by inspect); a bad row leaves no file behind.
TEST_F(connectome_import, import_commands_write_networks_that_run) {
    const auto run = synaptogen::testing::run_synaptogen;
    const auto slurp = synaptogen::testing::slurp;
    const std::string herm = file("herm.csv", cook_fixture), owmeta = file("owmeta.csv", owmeta_fixture);
    const fs::path net = dir / "worm" / "net.toml";
    ASSERT_EQ(run("import celegans " + herm + " --cells " + owmeta + " -o " + net.string()), 0);
    EXPECT_EQ(slurp(dir / "worm" / "net.cells.csv").substr(0, 50), "population,index,name\nsensory,0,PLML\ninter,0,PVCL\n");
    file("worm/touch.toml", "include = \"net.toml\"\n[simulation]\nduration = 20.0\n[[stimulus]]\ntype = \"dc\"\n"
                            "target = \"sensory\"\ncells = [\"PLML\"]\namplitude = 5.0\n[[record]]\npopulation = \"motor\"\n"
                            "cells = [\"VB1\"]\n");
    EXPECT_EQ(run("run " + (dir / "worm" / "touch.toml").string() + " --out " + (dir / "worm_out").string()), 0);
    EXPECT_TRUE(fs::exists(dir / "worm_out" / "motor_V_m.h5"));
    // GraphML round trip: export every synapse, import it back as one population.
    ASSERT_EQ(run("export graphml " + net.string() + " -o " + (dir / "worm.graphml").string()), 0);
    ASSERT_EQ(run("import graphml " + (dir / "worm.graphml").string() + " --type-key projection -o " + (dir / "back.toml").string()), 0);
    std::size_t exported = 0, imported = 0;
    for (const auto& p : load_network_file(net.string()).projections) exported += p.edges.size();
    for (const auto& p : load_network_file((dir / "back.toml").string()).projections) imported += p.edges.size();
    EXPECT_EQ(exported, 9u);  // 6 chemical + 3 junctions (pairs merged, RIBL's self-junction dropped)
    EXPECT_EQ(imported, exported);
    EXPECT_EQ(run("import celegans " + herm + " --cells " + file("none.csv", "neuron,types\nPLML,sensory\n") + " -o " +
                  (dir / "typo.toml").string()),
              2);  // PVCL etc. are unknown neurons
    EXPECT_FALSE(fs::exists(dir / "typo.toml"));

    const std::string list = file("list.csv", "pre,post,w,type\na,b,2,chem\nb,c,3,chem\nc,a,1,gap\na,c,3,gap\nc,c,1,gap\n");
    const std::string columns = " --source-column pre --target-column post --weight-column w --gap-types gap";
    ASSERT_EQ(run("import edgelist " + list + columns + " --edges inline -o " + (dir / "inline.toml").string()), 0);
    ASSERT_EQ(run("import edgelist " + list + columns + " --edges hdf5 -o " + (dir / "h5.toml").string()), 0);
    EXPECT_TRUE(fs::exists(dir / "h5.edges.h5"));
    EXPECT_NE(slurp(dir / "h5.toml").find("edges_file = \"h5.edges.h5\""), std::string::npos);
    const network_spec a = load_network_file((dir / "inline.toml").string()), b = load_network_file((dir / "h5.toml").string());
    ASSERT_EQ(a.projections.size(), b.projections.size());
    for (std::size_t k = 0; k < a.projections.size(); ++k) {
        ASSERT_EQ(a.projections[k].edges.size(), b.projections[k].edges.size()) << k;
        for (std::size_t e = 0; e < a.projections[k].edges.size(); ++e) {
            EXPECT_EQ(a.projections[k].edges[e].source, b.projections[k].edges[e].source);
            EXPECT_EQ(a.projections[k].edges[e].target, b.projections[k].edges[e].target);
            EXPECT_EQ(a.projections[k].edges[e].weight, b.projections[k].edges[e].weight);
        }
    }
    EXPECT_EQ(b.projections[1].edges.size(), 1u);  // c-a and a-c averaged, c-c dropped
    EXPECT_DOUBLE_EQ(b.projections[1].edges[0].weight, 2.0);
    EXPECT_EQ(run("import edgelist " + file("bad.csv", "source,target,weight\na,b,1\na,c,x\n") + " --edges hdf5 -o " +
                  (dir / "bad.toml").string()),
              2);
    for (const char* f : {"bad.toml", "bad.edges.h5", "bad.edges.h5.part", "bad.cells.csv"}) EXPECT_FALSE(fs::exists(dir / f)) << f;
}

// The shipped example on the real connectome: PLM touch excites the forward circuit (PVC,
// VB) more than the backward one (AVA, VA), as docs/connectomes.md reports.
TEST_F(connectome_import, celegans_touch_example_on_cook_2019) {
    const auto data = shared_data();
    if (data.empty() || !fs::exists(data / "celegans_cook2019")) GTEST_SKIP() << "../shared/data is not here";
    const fs::path net = dir / "out" / "celegans" / "cook.toml";
    const std::string import = std::string(SYNAPTOGEN_EXE) + " --log-level error import celegans " +
                               (data / "celegans_cook2019" / "herm_full_edgelist.csv").string() + " --cells " +
                               (data / "celegans_neuron_metadata" / "derived_owmeta_neurons.csv").string() + " -o " + net.string();
    ASSERT_EQ(std::system(import.c_str()), 0);
    // The example includes ../out/celegans/cook.toml: run a copy placed next to that folder.
    fs::create_directories(dir / "examples");
    fs::copy_file(fs::path(SYNAPTOGEN_SOURCE_DIR) / "examples" / "celegans_touch.toml", dir / "examples" / "celegans_touch.toml");
    const network_spec spec = load_network_file((dir / "examples" / "celegans_touch.toml").string());
    simulation sim(spec, build_static_synapses(spec), {});
    auto v = [&](const std::string& pop, const std::string& cell) {
        const std::size_t p = *spec.layout.find(pop);
        const auto& names = spec.models[p].cell_names;
        return sim.state(spec.layout[p].first + static_cast<neuron_id>(std::find(names.begin(), names.end(), cell) - names.begin())).v;
    };
    sim.run(10000);  // 1 s: settled, before the touch
    const double pvc = v("inter", "PVCL"), ava = v("inter", "AVAL"), vb = v("motor", "VB9"), va = v("motor", "VA9");
    sim.run(8000);   // 0.8 s into the touch
    EXPECT_GT(v("sensory", "PLML") - 0.0, 10.0);
    EXPECT_GT(v("inter", "PVCL") - pvc, 3.0 * (v("inter", "AVAL") - ava));
    EXPECT_GT(v("motor", "VB9") - vb, 2.0 * (v("motor", "VA9") - va));
    EXPECT_GT(v("motor", "VB9") - vb, 0.0);
}

// The larval Drosophila list (../shared/data): streamed into HDF5, it builds the same
// 110,677 synapses as the file lists and runs as a LIF network (examples/drosophila_larva.toml).
TEST_F(connectome_import, drosophila_larva_streams_and_runs) {
    const auto data = shared_data();
    const fs::path list = data / "drosophila_larva_winding2023" / "derived_winding2023_edgelist.csv";
    if (data.empty() || !fs::exists(list)) GTEST_SKIP() << "../shared/data is not here";
    const fs::path net = dir / "out" / "larva" / "larva.toml";
    ASSERT_EQ(synaptogen::testing::run_synaptogen("import edgelist " + list.string() +
                                                  " --source-column pre_skid --target-column post_skid --weight-column total"
                                                  " --weight-scale 5 --edges hdf5 -o " + net.string()),
              0);
    fs::create_directories(dir / "examples");
    fs::copy_file(fs::path(SYNAPTOGEN_SOURCE_DIR) / "examples" / "drosophila_larva.toml", dir / "examples" / "larva.toml");
    network_spec spec = load_network_file((dir / "examples" / "larva.toml").string());
    ASSERT_EQ(spec.layout.total(), 2952u);
    const synapse_table t = merge_synapses(build_static_synapses(spec));
    EXPECT_EQ(t.size(), 110677u);
    double sum = 0.0;
    for (float w : t.weight) sum += w;
    EXPECT_NEAR(sum, 5.0 * 352611, 1e-3 * 5.0 * 352611);  // float weights
    // Steady, not igniting: 100-250 ms and 250-400 ms at 2-10 Hz (the docs report 5.3 Hz).
    spec.simulation.duration = 400.0;
    const auto spikes = synaptogen::testing::run_network(spec);
    std::size_t early = 0, late = 0;
    for (step_t s : spikes.step) {
        if (s >= 2500) ++late;
        else if (s >= 1000) ++early;
    }
    const double r1 = early / (2952 * 0.15), r2 = late / (2952 * 0.15);
    EXPECT_GT(r1, 2.0);
    EXPECT_LT(r1, 10.0);
    EXPECT_NEAR(r2, r1, 0.25 * r1);
}

// An SI5 sheet as LibreOffice or Excel saves it: a byte-order mark, group labels, a numbering
// row, names repeated in a last column and a last row; a totals row is refused. Edge types
// that differ only in punctuation get distinct projection names.
TEST_F(connectome_import, spreadsheet_matrices_and_awkward_names) {
    edge_list m;
    read_celegans_table(file("si5.csv",
                             "\xEF\xBB\xBF,,,SENSORY NEURONS,,MOTOR NEURONS\n,,,3,2,1\n,,,ADAL,AS01,DA01\n"
                             "SENSORY NEURONS,,ADAL,,2,,ADAL\n,,AS01,1,,3,AS01\nMOTOR,,DA01,,,,DA01\n,,,ADAL,AS01,DA01\n"),
                        m, connection_kind::chemical);
    EXPECT_EQ(edges_of(m, "chemical"), (std::vector<std::tuple<std::string, std::string, double>>{
                                           {"ADAL", "AS1", 2.0}, {"AS1", "ADAL", 1.0}, {"AS1", "DA1", 3.0}}));
    const auto totals = error_of([&] {
        read_celegans_table(file("t.csv", ",ADAL,AS01\nADAL,,2\nTotal,1,2\n"), m, connection_kind::chemical);
    });
    EXPECT_EQ(totals.where().line, 3);
    EXPECT_NE(totals.problem().find("totals row"), std::string::npos) << totals.what();

    edge_list bom;
    EXPECT_EQ(read_celegans_table(file("bom.csv", "\xEF\xBB\xBFSource,Target,Weight,Type\nADAL,ADAR,1,chemical\n"), bom),
              celegans_format::cook_edge_list);
    const cell_metadata c = read_cell_metadata(file("bom_cells.csv", "\xEF\xBB\xBFneuron,types\nADAL,interneuron\n"));
    EXPECT_EQ(c.cells.at("ADAL").group, "inter");

    edge_list g;
    g.files.push_back("x.csv");
    g.add(g.node("a"), g.node("b"), 1.0, "ach-r", "x.csv", 1);
    g.add(g.node("b"), g.node("a"), 1.0, "ach_r", "x.csv", 2);
    const arranged_network n = arrange_network(g, {});
    ASSERT_EQ(n.projections.size(), 2u);
    EXPECT_NE(n.projections[0].name, n.projections[1].name);
    EXPECT_NO_THROW(parse_network(network_toml(n, {}, ""), "types.toml"));
}

// Review findings, each once: an including file overrides single keys, not whole tables,
// and may not change dt; edges come from one place; names must be UTF-8; shared cell names
// across populations still export to GraphML.
TEST_F(connectome_import, include_overrides_keys_and_inputs_are_checked) {
    file("base.toml", "[simulation]\ndt = 0.1\nbackend = \"serial\"\n[scaling]\nscale = 0.5\ncompensate = false\n"
                      "[[population]]\nname = \"a\"\nsize = 100\nmodel = \"iaf_psc_delta\"\n");
    const network_spec spec = load_network_file(file("top.toml", "include = \"base.toml\"\n[simulation]\nduration = 10.0\n"
                                                                 "[scaling]\ncompensate = false\n"));
    EXPECT_EQ(spec.simulation.backend, "serial");
    EXPECT_EQ(spec.layout[0].size, 50u);  // scale 0.5 kept
    const auto dt = error_of([&] { load_network_file(file("dt.toml", "include = \"base.toml\"\n[simulation]\ndt = 1.0\n")); });
    EXPECT_NE(dt.problem().find("has dt = 0.1 ms"), std::string::npos) << dt.what();

    const auto both = error_of([&] {
        parse_network("[[population]]\nname = \"a\"\nsize = 2\nmodel = \"iaf_psc_delta\"\n[[projection]]\nsource = \"a\"\n"
                      "target = \"a\"\nrule = \"explicit\"\nweight = 1.0\nedges = [[0, 1]]\nedges_file = \"x.h5\"\n",
                      "both.toml");
    });
    EXPECT_NE(both.problem().find("not both"), std::string::npos) << both.what();

    edge_list latin;
    const auto utf8 = error_of([&] {
        read_celegans_table(file("latin1.csv", "Source,Target,Weight,Type\nADAL,Z\xe9,1,chemical\n"), latin);
    });
    EXPECT_EQ(utf8.where().line, 2);
    EXPECT_NE(utf8.problem().find("not UTF-8"), std::string::npos) << utf8.what();

    const std::string shared = file("shared.toml",
                                    "[[population]]\nname = \"left\"\nsize = 2\nmodel = \"graded\"\ncell_names = [\"AVAL\", \"AVAR\"]\n"
                                    "[[population]]\nname = \"right\"\nsize = 2\nmodel = \"graded\"\ncell_names = [\"AVAL\", \"AVAR\"]\n"
                                    "[[projection]]\nsource = \"left\"\ntarget = \"right\"\nrule = \"one_to_one\"\n"
                                    "synapse = \"gap_junction\"\nweight = 0.1\n");
    ASSERT_EQ(synaptogen::testing::run_synaptogen("export graphml " + shared + " -o " + (dir / "shared.graphml").string()), 0);
    EXPECT_NE(synaptogen::testing::slurp(dir / "shared.graphml").find("id=\"right:AVAL\""), std::string::npos);
}
