// The edge-list reader against the quirks of real connectome files (fixtures written here,
// with exact expected counts), its errors, and the real C. elegans edge list of Cook et al.
// 2019 when ../shared/data is present (counts from that folder's README).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>

#include <gtest/gtest.h>

#include <synaptogen/graph/errors.hpp>
#include <synaptogen/io/edge_list.hpp>

#include "test_support.hpp"

using namespace synaptogen;
using synaptogen::testing::shared_data;

namespace {

edge_list read_text(const std::string& text, const edge_list_options& o = {}) {
    std::istringstream in(text);
    return read_edge_list(in, "fixture.csv", o);
}

input_error read_error(const std::string& text, const edge_list_options& o = {}) {
    try {
        read_text(text, o);
    } catch (const input_error& e) {
        return e;
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return input_error({}, "");
}

double total(const edge_list& g) { return std::accumulate(g.weight.begin(), g.weight.end(), 0.0); }

}  // namespace

// Cook's layout: header, padded names, CRLF, no final newline.
TEST(edge_list, padded_crlf_header_and_no_final_newline) {
    const auto g = read_text("Source,Target,Weight,Type\r\nI1L , I2L           ,10,chemical\r\n"
                             "I1L , I3  ,3,Chemical\r\nAVAL,AVAR,2,electrical\r\nAVAR,AVAL,2,electrical");
    EXPECT_TRUE(g.header.has_header);
    EXPECT_EQ(g.header.delimiter, ',');
    ASSERT_EQ(g.size(), 4u);
    EXPECT_EQ(g.nodes, (std::vector<std::string>{"I1L", "I2L", "I3", "AVAL", "AVAR"}));
    EXPECT_EQ(g.types, (std::vector<std::string>{"chemical", "electrical"}));  // lower-cased
    EXPECT_EQ(g.type, (std::vector<std::uint16_t>{0, 0, 1, 1}));
    EXPECT_DOUBLE_EQ(total(g), 17.0);
    EXPECT_EQ(g.source[2], g.at("AVAL"));
    EXPECT_EQ(g.target[2], g.at("AVAR"));
}

// A ".csv" that is tab-separated, without a header, with comments and blank lines.
TEST(edge_list, tab_separated_without_header) {
    const auto g = read_text("# pre\tpost\tcount\n\nADAL\tADAR\t1\n  \nADAL\tAIBL\t9.0\n# end\n");
    EXPECT_FALSE(g.header.has_header);
    EXPECT_EQ(g.header.delimiter, '\t');
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g.nodes.size(), 3u);
    EXPECT_DOUBLE_EQ(g.weight[1], 9.0);
    EXPECT_EQ(g.types, (std::vector<std::string>{""}));
}

TEST(edge_list, whitespace_semicolons_quotes_and_two_columns) {
    const auto sp = read_text("a b 2\nb   c\t3\n");  // no tab on the first line: runs of blanks
    EXPECT_EQ(sp.header.delimiter, ' ');
    EXPECT_EQ(sp.size(), 2u);
    EXPECT_DOUBLE_EQ(total(sp), 5.0);
    // Two quoted columns: "from";"to" neither names source/target nor has a weight field,
    // so detection takes it for data; header = present says otherwise.
    const std::string semi = "\"from\";\"to\"\n\"x\";\"y\"\n";
    const auto detected = read_text(semi);
    EXPECT_EQ(detected.header.delimiter, ';');
    EXPECT_EQ(detected.size(), 2u);
    edge_list_options o;
    o.header = header_mode::present;
    o.source_column = "from";
    o.target_column = "to";
    const auto named = read_text(semi, o);
    ASSERT_EQ(named.size(), 1u);
    EXPECT_EQ(named.nodes, (std::vector<std::string>{"x", "y"}));
    EXPECT_DOUBLE_EQ(total(named), 1.0);  // no weight column: default weight 1
}

TEST(edge_list, columns_by_name_and_position_keep_the_others_as_attributes) {
    edge_list_options o;
    o.source_column = "pre";
    o.target_column = "post";
    o.weight_column = "synapses";
    o.type_column = "";
    const auto g = read_text("post,nt,pre,synapses\nB,GABA,A,4\nC,ACh,B,1\n", o);
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g.nodes[g.source[0]], "A");
    EXPECT_EQ(g.nodes[g.target[0]], "B");
    EXPECT_EQ(g.header.extra_columns, (std::vector<std::string>{"nt"}));
    EXPECT_EQ(g.extra.at(0), (std::vector<std::string>{"GABA", "ACh"}));
    o.source_column = "3";
    o.target_column = "1";
    o.weight_column = "4";
    const auto p = read_text("post,nt,pre,synapses\nB,GABA,A,4\n", o);
    EXPECT_EQ(p.nodes[p.source[0]], "A");
    EXPECT_DOUBLE_EQ(p.weight[0], 4.0);
}

TEST(edge_list, cell_names_are_normalised_on_request) {
    EXPECT_EQ(normalise_cell_name("AS01"), "AS1");
    EXPECT_EQ(normalise_cell_name("VC06"), "VC6");
    EXPECT_EQ(normalise_cell_name("DD10"), "DD10");
    EXPECT_EQ(normalise_cell_name("VB00"), "VB0");
    EXPECT_EQ(normalise_cell_name("dBWML1"), "dBWML1");
    EXPECT_EQ(normalise_cell_name("ADAL"), "ADAL");
    EXPECT_EQ(normalise_cell_name("AS1"), "AS1");
    edge_list_options o;
    o.normalise_names = true;
    const auto g = read_text("AS01,VC06,1\nAS1,VC6,2\n", o);
    EXPECT_EQ(g.nodes.size(), 2u);  // AS01 and AS1 are one cell
}

TEST(edge_list, malformed_rows_name_the_file_line_and_column) {
    auto e = read_error("Source,Target,Weight\nA,B,1\nA,C,many\n");
    EXPECT_EQ(e.where().file, "fixture.csv");
    EXPECT_EQ(e.where().line, 3);
    EXPECT_EQ(e.where().field, "Weight");
    EXPECT_NE(e.problem().find("many"), std::string::npos);
    e = read_error("Source,Target,Weight\nA,B,1\n\nA\n");
    EXPECT_EQ(e.where().line, 4);
    EXPECT_NE(e.problem().find("expected at least 3 fields"), std::string::npos);
    e = read_error("Source,Target,Weight\n ,B,1\n");
    EXPECT_EQ(e.where().field, "source");
    edge_list_options o;
    o.source_column = "pre";
    e = read_error("Source,Target,Weight\nA,B,1\n", o);
    EXPECT_EQ(e.where().line, 1);
    EXPECT_NE(e.problem().find("no column named 'pre'"), std::string::npos);
    e = read_error("A,B,nan\n", [] {
        edge_list_options x;
        x.header = header_mode::absent;
        return x;
    }());
    EXPECT_EQ(e.where().line, 1);
}

// The real file (../shared/data/celegans_cook2019/README.md): 4,681 chemical rows (sum
// 27,019) and 2,698 electrical rows (sum 12,683) over 448 cells.
TEST(edge_list, cook_2019_hermaphrodite_edge_list) {
    const auto data = shared_data();
    const auto file = data / "celegans_cook2019" / "herm_full_edgelist.csv";
    if (data.empty() || !std::filesystem::exists(file)) GTEST_SKIP() << "../shared/data is not here";
    const auto g = read_edge_list(file.string());
    ASSERT_EQ(g.types, (std::vector<std::string>{"chemical", "electrical"}));
    std::size_t rows[2] = {0, 0};
    double sums[2] = {0, 0};
    for (std::size_t e = 0; e < g.size(); ++e) {
        ++rows[g.type[e]];
        sums[g.type[e]] += g.weight[e];
    }
    EXPECT_EQ(rows[0], 4681u);
    EXPECT_EQ(rows[1], 2698u);
    EXPECT_DOUBLE_EQ(sums[0], 27019.0);
    EXPECT_DOUBLE_EQ(sums[1], 12683.0);
    EXPECT_EQ(g.nodes.size(), 448u);
}

// The larval Drosophila edge lists (../shared/data/drosophila_larva_winding2023/README.md):
// derived_winding2023_edgelist.csv has 110,677 rows summing to 352,611 synapses over 2,952
// neurons, with per-channel columns kept as attributes; the neurodata list is headerless
// with float weights, 111,243 rows, 3,013 ids, weight sum 353,859.
TEST(edge_list, drosophila_larva_edge_lists) {
    const auto data = shared_data();
    const auto dir = data / "drosophila_larva_winding2023";
    if (data.empty() || !std::filesystem::exists(dir)) GTEST_SKIP() << "../shared/data is not here";
    edge_list_options o;
    o.source_column = "pre_skid";
    o.target_column = "post_skid";
    o.weight_column = "total";
    const auto g = read_edge_list((dir / "derived_winding2023_edgelist.csv").string(), o);
    EXPECT_EQ(g.size(), 110677u);
    EXPECT_EQ(g.nodes.size(), 2952u);
    EXPECT_DOUBLE_EQ(total(g), 352611.0);
    EXPECT_EQ(g.header.extra_columns, (std::vector<std::string>{"ad", "aa", "da", "dd"}));
    const auto n = read_edge_list((dir / "neurodata_unmatched_full_edgelist.csv").string());
    EXPECT_FALSE(n.header.has_header);
    EXPECT_EQ(n.size(), 111243u);
    EXPECT_EQ(n.nodes.size(), 3013u);
    EXPECT_DOUBLE_EQ(total(n), 353859.0);
}

// `synaptogen import edgelist`: one population, a projection per type, gap junctions listed
// in both directions merged per the option, names in OUT.cells.csv; the result validates.
// Bad rows: exit 2 and nothing written.
TEST(edge_list, import_command_writes_a_network_that_validates) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("synaptogen_import_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path csv = dir / "cells.csv";
    std::ofstream(csv, std::ios::binary) << "Source,Target,Weight,Type\r\nAS01 , VC06,3,chemical\r\nVC06,AS01,1,chemical\r\n"
                                            "AS01,VC06,2,electrical\r\nVC06,AS01,4,electrical\r\nAS01,AS01,1,electrical\r\n"
                                            "AS1,DD01,5,chemical";
    const auto run = synaptogen::testing::run_synaptogen;
    const auto slurp = synaptogen::testing::slurp;
    for (const std::string mode : {"average", "max", "listed"}) {
        const fs::path out = dir / (mode + ".toml");
        ASSERT_EQ(run("import edgelist " + csv.string() + " -o " + out.string() + " --normalise-names --gap-junctions " + mode), 0);
        const std::string toml = slurp(out);
        EXPECT_NE(toml.find("size = 3"), std::string::npos) << toml;  // AS1, VC6, DD1
        EXPECT_NE(toml.find("# type \"chemical\": 3 edges"), std::string::npos) << toml;
        if (mode == "average") {
            EXPECT_NE(toml.find("[0, 1, 3],\n]"), std::string::npos) << toml;
        }
        if (mode == "max") {
            EXPECT_NE(toml.find("[0, 1, 4],\n]"), std::string::npos) << toml;
        }
        if (mode == "listed") {
            EXPECT_NE(toml.find("# type \"electrical\": 2 gap junctions (listed)"), std::string::npos) << toml;
        }
        EXPECT_NE(toml.find("1 self-junctions dropped"), std::string::npos);
        EXPECT_EQ(slurp(dir / (mode + ".cells.csv")), "population,index,name\ncells,0,AS1\ncells,1,VC6\ncells,2,DD1\n");
        EXPECT_EQ(run("validate " + out.string()), 0);
    }
    // inspect --json on the imported network: 3 neurons; chemical 3 synapses + 1 junction
    // (average) = 4 synapses; pairs AS1->VC6, VC6->AS1, AS1->DD1: reciprocity 2/3.
    ASSERT_EQ(std::system((std::string(SYNAPTOGEN_EXE) + " inspect " + (dir / "average.toml").string() + " --json > " +
                           (dir / "inspect.json").string() + " 2>/dev/null").c_str()),
              0);
    const std::string json = slurp(dir / "inspect.json");
    EXPECT_NE(json.find("\"nodes\": 3"), std::string::npos) << json;
    EXPECT_NE(json.find("\"synapses\": 4,"), std::string::npos) << json;
    EXPECT_NE(json.find("\"reciprocity\": 0.666666"), std::string::npos) << json;
    const fs::path bad = dir / "bad.csv";
    std::ofstream(bad) << "Source,Target,Weight\nA,B,1\nA,C,x\n";
    EXPECT_EQ(run("import edgelist " + bad.string() + " -o " + (dir / "bad.toml").string()), 2);
    EXPECT_FALSE(fs::exists(dir / "bad.toml"));
    EXPECT_FALSE(fs::exists(dir / "bad.cells.csv"));
    fs::remove_all(dir);
}
