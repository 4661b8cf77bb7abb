#pragma once
// GraphML (graphml.graphdrawing.org) through Boost.Graph's reader and writer: import a
// connectome drawn or exported by other tools (networkx, Gephi, Cytoscape) as an edge_list,
// export a network for them. Boost does the XML; errors come back as input_error naming
// the file.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <synaptogen/io/edge_list.hpp>

namespace synaptogen {

struct graphml_options {
    // Edge attributes (attr.name of a <key>): the weight (1 where an edge has none) and the
    // type (lower-cased; "" where an edge has none). name_key, if set, is a node attribute
    // that names nodes that carry it instead of their GraphML id.
    std::string weight_key = "weight", type_key = "type", name_key = "";
};

// Reads the first graph of a GraphML file, directed or undirected (an undirected edge is
// listed once, as written). Nodes are numbered in document order, declared but unconnected
// ones included; edges keep document order. Other attributes are ignored.
edge_list read_graphml(const std::string& path, const graphml_options& o = {});

// One exported network: a node per neuron, a directed edge per synapse.
struct graphml_node {
    std::string id, population;  // id: a cell name or "<population>[<index>]", unique
    std::uint32_t index = 0;     // within the population
};
struct graphml_edge {
    std::uint32_t source = 0, target = 0;  // into the nodes
    double weight = 0, delay = 0;          // delay in ms
    std::string projection, synapse;       // projection name, synapse model name
};

// A directed GraphML document: node keys population (string) and index (int), edge keys
// weight and delay (double, written so that they read back bit-identical), projection and
// synapse (string). Nodes and edges come out in the given order.
void write_graphml(std::ostream& out, const std::vector<graphml_node>& nodes, const std::vector<graphml_edge>& edges);

}  // namespace synaptogen
