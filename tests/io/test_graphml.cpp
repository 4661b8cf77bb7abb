// GraphML through Boost.Graph: hand-written fixtures with each quirk the reader must take
// (a <default>, a key without attr.type, an undirected graph, isolated nodes), broken files,
// and an export read back bit-identical.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/graphml.hpp>

#include "test_support.hpp"

using namespace synaptogen;
namespace fs = std::filesystem;
using synaptogen::testing::error_of;

namespace {

class graphml : public synaptogen::testing::temp_dir_test {};

using edge = std::tuple<std::string, std::string, double, std::string>;

std::vector<edge> edges_of(const edge_list& g) {
    std::vector<edge> out;
    for (std::size_t e = 0; e < g.size(); ++e)
        out.emplace_back(g.nodes[g.source[e]], g.nodes[g.target[e]], g.weight[e], g.types[g.type[e]]);
    return out;
}

const std::string header =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n";

// Directed; weight with a <default> (AVAL -> AVBL has no weight data); a type key of
// mixed case; a node key without attr.type, which Boost alone refuses; a node (AVM) on
// no edge; an edge naming an undeclared node (RIML); a parallel edge.
const std::string directed_fixture = header +
    "  <key id=\"w\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"><default>2.5</default></key>\n"
    "  <key id=\"t\" for=\"edge\" attr.name=\"type\" attr.type=\"string\"/>\n"
    "  <key id=\"c\" for=\"node\" attr.name=\"label\"/>\n"
    "  <key id=\"g\" for=\"graph\" attr.name=\"title\" attr.type=\"string\"/>\n"
    "  <graph id=\"G\" edgedefault=\"directed\">\n"
    "    <data key=\"g\">worm</data>\n"
    "    <node id=\"AVAL\"><data key=\"c\">command</data></node>\n"
    "    <node id=\"AVBL\"/>\n"
    "    <node id=\"AVM\"/>\n"
    "    <node id=\"PVCL\"/>\n"
    "    <!-- a comment -->\n"
    "    <edge source=\"PVCL\" target=\"AVAL\"><data key=\"w\">4</data><data key=\"t\">Chemical</data></edge>\n"
    "    <edge source=\"AVAL\" target=\"AVBL\"><data key=\"t\">chemical</data></edge>\n"
    "    <edge source=\"AVAL\" target=\"PVCL\"><data key=\"w\">0.125</data><data key=\"t\">electrical</data></edge>\n"
    "    <edge source=\"PVCL\" target=\"AVAL\"><data key=\"w\">-1e-3</data><data key=\"t\">chemical</data></edge>\n"
    "    <edge source=\"AVBL\" target=\"RIML\"><data key=\"w\">7</data></edge>\n"
    "  </graph>\n"
    "</graphml>\n";

TEST_F(graphml, reads_a_directed_graph) {
    const edge_list g = read_graphml(file("worm.graphml", directed_fixture));
    EXPECT_EQ(g.nodes, (std::vector<std::string>{"AVAL", "AVBL", "AVM", "PVCL", "RIML"}));
    EXPECT_EQ(edges_of(g), (std::vector<edge>{{"PVCL", "AVAL", 4, "chemical"},
                                              {"AVAL", "AVBL", 2.5, "chemical"},
                                              {"AVAL", "PVCL", 0.125, "electrical"},
                                              {"PVCL", "AVAL", -1e-3, "chemical"},
                                              {"AVBL", "RIML", 7, ""}}));
    EXPECT_EQ(g.types, (std::vector<std::string>{"chemical", "electrical", ""}));
    EXPECT_EQ(g.files, std::vector<std::string>{(dir / "worm.graphml").string()});
    EXPECT_EQ(g.at("PVCL"), 3u);
}

TEST_F(graphml, names_from_a_node_attribute_and_other_keys) {
    // An int-typed weight, names from a node attribute where a node has one.
    const std::string path = file("named.graphml", header +
        "  <key id=\"n\" for=\"node\" attr.name=\"cell\" attr.type=\"string\"/>\n"
        "  <key id=\"s\" for=\"edge\" attr.name=\"synapses\" attr.type=\"int\"/>\n"
        "  <key id=\"k\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n"
        "  <graph edgedefault=\"directed\">\n"
        "    <node id=\"n0\"><data key=\"n\">ADAL</data></node>\n"
        "    <node id=\"n1\"><data key=\"n\">ADAR</data></node>\n"
        "    <node id=\"n2\"/>\n"
        "    <edge source=\"n0\" target=\"n1\"><data key=\"s\">3</data><data key=\"k\">GJ</data></edge>\n"
        "    <edge source=\"n1\" target=\"n2\"><data key=\"s\">12</data></edge>\n"
        "  </graph>\n</graphml>\n");
    const edge_list g = read_graphml(path, {"synapses", "kind", "cell"});
    EXPECT_EQ(g.nodes, (std::vector<std::string>{"ADAL", "ADAR", "n2"}));
    EXPECT_EQ(edges_of(g), (std::vector<edge>{{"ADAL", "ADAR", 3, "gj"}, {"ADAR", "n2", 12, ""}}));
    // Without the keys: weights 1, no types, ids as names.
    const edge_list plain = read_graphml(path);
    EXPECT_EQ(plain.nodes, (std::vector<std::string>{"n0", "n1", "n2"}));
    EXPECT_EQ(edges_of(plain), (std::vector<edge>{{"n0", "n1", 1, ""}, {"n1", "n2", 1, ""}}));
}

TEST_F(graphml, reads_an_undirected_graph) {
    const edge_list g = read_graphml(file("gap.graphml", header +
        "  <key id=\"w\" for=\"edge\" attr.name=\"weight\" attr.type=\"float\"/>\n"
        "  <graph id=\"G\" edgedefault=\"undirected\">\n"
        "    <node id=\"ADAL\"/><node id=\"ADAR\"/><node id=\"AIBL\"/>\n"
        "    <edge source=\"ADAR\" target=\"ADAL\"><data key=\"w\">2</data></edge>\n"
        "    <edge source=\"AIBL\" target=\"ADAL\"><data key=\"w\">0.5</data></edge>\n"
        "  </graph>\n</graphml>\n"));
    EXPECT_EQ(g.nodes, (std::vector<std::string>{"ADAL", "ADAR", "AIBL"}));
    EXPECT_EQ(edges_of(g), (std::vector<edge>{{"ADAR", "ADAL", 2, ""}, {"AIBL", "ADAL", 0.5, ""}}));
}

TEST_F(graphml, bad_files_are_input_errors_naming_the_file) {
    const std::string missing = (dir / "missing.graphml").string();
    input_error e = error_of([&] { read_graphml(missing); });
    EXPECT_EQ(e.where().file, missing);
    EXPECT_NE(e.problem().find("cannot open"), std::string::npos);

    const std::string broken = file("broken.graphml", header + "  <graph edgedefault=\"directed\">\n    <node id=\"A\">\n  </graph>\n");
    e = error_of([&] { read_graphml(broken); });
    EXPECT_EQ(e.where().file, broken);
    EXPECT_NE(e.problem().find("XML"), std::string::npos) << e.problem();

    const std::string not_graphml = file("not.graphml", "<?xml version=\"1.0\"?>\n<svg/>\n");
    e = error_of([&] { read_graphml(not_graphml); });
    EXPECT_EQ(e.where().file, not_graphml);
    EXPECT_NE(e.problem().find("<graphml>"), std::string::npos) << e.problem();

    const std::string mixed = file("mixed.graphml", header +
        "  <graph edgedefault=\"undirected\"><node id=\"A\"/><node id=\"B\"/>\n"
        "    <edge source=\"A\" target=\"B\" directed=\"true\"/></graph>\n</graphml>\n");
    e = error_of([&] { read_graphml(mixed); });
    EXPECT_EQ(e.where().file, mixed);
    EXPECT_NE(e.problem().find("directed"), std::string::npos) << e.problem();

    // A non-number weight, declared string or double: the text is checked either way.
    for (const std::string type : {"string", "double"}) {
        const std::string bad = file("weight_" + type + ".graphml", header +
            "  <key id=\"w\" for=\"edge\" attr.name=\"weight\" attr.type=\"" + type + "\"/>\n"
            "  <graph edgedefault=\"directed\"><node id=\"A\"/><node id=\"B\"/>\n"
            "    <edge source=\"A\" target=\"B\"><data key=\"w\">strong</data></edge></graph>\n</graphml>\n");
        e = error_of([&] { read_graphml(bad); });
        EXPECT_EQ(e.where().file, bad);
        EXPECT_EQ(e.where().field, "weight");
        EXPECT_NE(e.problem().find("\"strong\""), std::string::npos) << e.problem();
        EXPECT_NE(e.problem().find("A -> B"), std::string::npos) << e.problem();
    }
}

TEST_F(graphml, export_reads_back_exactly) {
    const std::vector<graphml_node> nodes = {
        {"exc[0]", "exc", 0}, {"exc[1]", "exc", 1}, {"AVAL", "worm", 0}, {"n<&\"'>", "odd", 7}, {"nrn", "worm", 1}};
    const std::vector<graphml_edge> edges = {{0, 1, 0.1, 1.5, "ee", "static"},
                                             {2, 0, 1.0 / 3.0, 0.1, "we", "static"},
                                             {1, 3, -2.5, 2.0 / 3.0, "eo", "stdp"},
                                             {3, 4, 1e-300, 1, "ow", "static"}};
    std::ostringstream text;
    write_graphml(text, nodes, edges);
    const std::string doc = text.str();
    EXPECT_NE(doc.find("edgedefault=\"directed\""), std::string::npos);
    EXPECT_NE(doc.find("<node id=\"AVAL\">"), std::string::npos) << doc;
    EXPECT_NE(doc.find("<node id=\"nrn\">"), std::string::npos) << doc;
    EXPECT_NE(doc.find("attr.name=\"index\" attr.type=\"int\""), std::string::npos) << doc;
    EXPECT_NE(doc.find("attr.name=\"delay\" attr.type=\"double\""), std::string::npos) << doc;
    EXPECT_EQ(doc.find('\x01'), std::string::npos);

    const std::string path = file("export.graphml", doc);
    const edge_list g = read_graphml(path, {"weight", "projection", ""});
    EXPECT_EQ(g.nodes, (std::vector<std::string>{"exc[0]", "exc[1]", "AVAL", "n<&\"'>", "nrn"}));
    EXPECT_EQ(edges_of(g), (std::vector<edge>{{"exc[0]", "exc[1]", 0.1, "ee"},
                                              {"AVAL", "exc[0]", 1.0 / 3.0, "we"},
                                              {"exc[1]", "n<&\"'>", -2.5, "eo"},
                                              {"n<&\"'>", "nrn", 1e-300, "ow"}}));
    // Delays are read like weights.
    const edge_list d = read_graphml(path, {"delay", "synapse", ""});
    EXPECT_EQ(edges_of(d), (std::vector<edge>{{"exc[0]", "exc[1]", 1.5, "static"},
                                              {"AVAL", "exc[0]", 0.1, "static"},
                                              {"exc[1]", "n<&\"'>", 2.0 / 3.0, "stdp"},
                                              {"n<&\"'>", "nrn", 1, "static"}}));
}

}  // namespace
