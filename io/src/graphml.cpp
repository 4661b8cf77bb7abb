#include <synaptogen/io/graphml.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>
#include <streambuf>
#include <unordered_set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/graphml.hpp>
#include <boost/make_shared.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <synaptogen/graph/errors.hpp>

#include "delimited.hpp"

namespace synaptogen {

namespace {

namespace pt = boost::property_tree;

// ---- reading ------------------------------------------------------------------------------

struct read_node {
    std::string name;
};
struct read_edge {
    std::string weight, type;  // as written; "" where the edge has none
};

// Boost's reader as it is, with three changes: it records edges in document order (a
// directed adjacency_list lists them by source), it hands only the attributes we read to
// the property maps, and it hands them over as text. Boost would otherwise convert every
// value to its key's attr.type first and refuse a key without one (yEd writes such keys),
// and its property maps take only their own C++ type (a weight key of type int would be
// a bad_any_cast into a double map).
template <class Graph>
class graphml_reader final : public boost::mutate_graph_impl<Graph> {
    using base = boost::mutate_graph_impl<Graph>;

public:
    using edge_t = typename boost::graph_traits<Graph>::edge_descriptor;
    std::vector<edge_t> edges;

    graphml_reader(Graph& g, boost::dynamic_properties& dp, const graphml_options& o) : base(g, dp), o_(o) {}

    std::pair<boost::any, bool> do_add_edge(boost::any s, boost::any t) override {
        auto added = base::do_add_edge(s, t);
        edges.push_back(boost::any_cast<edge_t>(added.first));
        return added;
    }
    void set_graph_property(const std::string&, const std::string&, const std::string&) override {}
    void set_vertex_property(const std::string& name, boost::any v, const std::string& value, const std::string&) override {
        if (!name.empty() && name == o_.name_key) base::set_vertex_property(name, v, value, "string");
    }
    void set_edge_property(const std::string& name, boost::any e, const std::string& value, const std::string&) override {
        if (!name.empty() && (name == o_.weight_key || name == o_.type_key)) base::set_edge_property(name, e, value, "string");
    }

private:
    const graphml_options& o_;
};

// The ids of the nodes in the order Boost creates its vertices, which its reader does not
// report: the first graph and the graphs nested directly in it (depth first), their nodes
// in document order, then nodes that only edges name, in edge order.
std::vector<std::string> node_ids(const std::string& text, const std::string& path, bool& directed) {
    pt::ptree doc;
    try {
        std::istringstream in(text);
        pt::read_xml(in, doc, pt::xml_parser::no_comments | pt::xml_parser::trim_whitespace);
    } catch (const pt::xml_parser_error& e) {
        throw input_error({path, static_cast<int>(e.line()), ""}, "not well-formed XML: " + e.message());
    }
    const auto bad = [&](const std::string& what) { return input_error({path, 0, ""}, what); };
    const auto root = doc.get_child_optional("graphml");
    if (!root) throw bad("expected a GraphML document (a <graphml> element), found none");
    std::vector<const pt::ptree*> graphs;
    const std::function<void(const pt::ptree&, bool)> collect = [&](const pt::ptree& parent, bool first_only) {
        for (const auto& [tag, child] : parent) {
            if (tag != "graph") continue;
            graphs.push_back(&child);
            collect(child, false);
            if (first_only) return;
        }
    };
    collect(*root, true);
    if (graphs.empty()) throw bad("expected a <graph> element in <graphml>, found none");
    const auto edgedefault = graphs[0]->get_optional<std::string>("<xmlattr>.edgedefault");
    if (!edgedefault) throw bad("expected <graph edgedefault=\"directed\"> or \"undirected\", found no edgedefault");
    directed = *edgedefault == "directed";  // as Boost decides

    std::vector<std::string> ids;
    std::unordered_set<std::string> seen;
    const auto add = [&](const std::string& id) {
        if (seen.insert(id).second) ids.push_back(id);
    };
    for (const pt::ptree* g : graphs)
        for (const auto& [tag, node] : *g)
            if (tag == "node") {
                const auto id = node.get_optional<std::string>("<xmlattr>.id");
                if (!id) throw bad("expected an id in every <node>, found a <node> without one");
                add(*id);
            }
    for (const pt::ptree* g : graphs)
        for (const auto& [tag, edge] : *g)
            if (tag == "edge") {
                const auto source = edge.get_optional<std::string>("<xmlattr>.source");
                const auto target = edge.get_optional<std::string>("<xmlattr>.target");
                if (!source || !target) throw bad("expected a source and a target in every <edge>, found an <edge> without");
                add(*source);
                add(*target);
            }
    return ids;
}

template <class Directed>
edge_list read_graph(const std::string& text, const std::string& path, const graphml_options& o,
                     const std::vector<std::string>& ids) {
    using graph_t = boost::adjacency_list<boost::vecS, boost::vecS, Directed, read_node, read_edge>;
    graph_t g;
    boost::dynamic_properties dp(boost::ignore_other_properties);
    if (!o.name_key.empty()) dp.property(o.name_key, get(&read_node::name, g));
    if (!o.weight_key.empty()) dp.property(o.weight_key, get(&read_edge::weight, g));
    if (!o.type_key.empty()) dp.property(o.type_key, get(&read_edge::type, g));
    graphml_reader<graph_t> reader(g, dp, o);
    const auto bad = [&](const std::string& what) { return input_error({path, 0, ""}, what); };
    try {
        std::istringstream in(text);
        boost::read_graphml(in, static_cast<boost::mutate_graph&>(reader), 0);
    } catch (const boost::directed_graph_error&) {
        throw bad("expected edges as the graph's edgedefault says (undirected), found a directed one");
    } catch (const boost::undirected_graph_error&) {
        throw bad("expected edges as the graph's edgedefault says (directed), found an undirected one");
    } catch (const boost::parse_error& e) {
        throw bad("not valid GraphML: " + e.error);
    } catch (const pt::ptree_error& e) {  // an element without an attribute GraphML requires
        throw bad(std::string("not valid GraphML: ") + e.what());
    }
    if (num_vertices(g) != ids.size())
        throw internal_error("read_graphml: Boost made " + std::to_string(num_vertices(g)) + " vertices of " +
                             std::to_string(ids.size()) + " node ids");

    edge_list out;
    out.files.push_back(path);
    for (std::size_t v = 0; v < ids.size(); ++v) {
        const std::string& name = g[v].name.empty() ? ids[v] : g[v].name;
        if (const auto other = out.find(name))
            throw input_error({path, 0, o.name_key}, "expected a different " + o.name_key + " for each node, found nodes \"" +
                                                         ids[*other] + "\" and \"" + ids[v] + "\" both named \"" + name + "\"");
        out.node(name);
    }
    for (const auto& e : reader.edges) {
        const auto s = static_cast<std::uint32_t>(source(e, g)), t = static_cast<std::uint32_t>(target(e, g));
        double w = 1.0;
        if (!g[e].weight.empty() && !delimited::parse_number(g[e].weight, w))
            throw input_error({path, 0, o.weight_key}, "expected a number as the " + o.weight_key + " of edge " + out.nodes[s] +
                                                           " -> " + out.nodes[t] + ", found \"" + g[e].weight + "\"");
        std::string type = g[e].type;
        for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.add(s, t, w, type, path, 0);
    }
    return out;
}

// ---- writing ------------------------------------------------------------------------------

// Bidirectional (still a directed graph to write_graphml): its edges() walks one list in
// insertion order, so edges come out in the given order. A directedS graph lists them by
// source, through an iterator GCC 12 warns about (maybe-uninitialized) inside Boost.
using write_graph_t = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, graphml_node, graphml_edge>;
using write_edge_t = boost::graph_traits<write_graph_t>::edge_descriptor;

// Boost's own property map prints through a fresh ostringstream at the default 6 digits
// (0.1 survives, 1/3 does not, whatever the output stream's precision): this one prints
// the shortest text that reads back as the same double.
class exact_doubles final : public boost::dynamic_property_map {
public:
    exact_doubles(const write_graph_t& g, double graphml_edge::*member) : g_(g), member_(member) {}
    boost::any get(const boost::any& e) override { return g_[boost::any_cast<write_edge_t>(e)].*member_; }
    std::string get_string(const boost::any& e) override {
        char buf[32];
        const auto r = std::to_chars(buf, buf + sizeof buf, g_[boost::any_cast<write_edge_t>(e)].*member_);
        return std::string(buf, r.ptr);
    }
    void put(const boost::any&, const boost::any&) override { BOOST_THROW_EXCEPTION(boost::dynamic_const_put_error()); }
    const std::type_info& key() const override { return typeid(write_edge_t); }
    const std::type_info& value() const override { return typeid(double); }

private:
    const write_graph_t& g_;
    double graphml_edge::*member_;
};

// Boost 1.74 writes a node id as "n" followed by the vertex index map's value (id="nAVAL").
// The map's values start with this marker, and the stream below drops the marker and an
// "n" just before it, so the ids are the names with whatever prefix a Boost version adds
// removed. (A control character cannot occur in XML 1.0 text, so never in a real name.)
constexpr char id_marker = '\x01';

class drop_id_prefix final : public std::streambuf {
public:
    explicit drop_id_prefix(std::streambuf& out) : out_(out) {}

protected:
    int_type overflow(int_type c) override {
        if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
        const char ch = traits_type::to_char_type(c);
        const bool marker = ch == id_marker;
        if (held_ && !(marker && held_ == 'n') && traits_type::eq_int_type(out_.sputc(held_), traits_type::eof()))
            return traits_type::eof();
        held_ = marker ? 0 : ch;  // held back until we know whether the marker follows
        return c;
    }
    int sync() override {
        if (held_ && traits_type::eq_int_type(out_.sputc(held_), traits_type::eof())) return -1;
        held_ = 0;
        return out_.pubsync();
    }

private:
    std::streambuf& out_;
    char held_ = 0;
};

}  // namespace

edge_list read_graphml(const std::string& path, const graphml_options& o) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw input_error({path, 0, ""}, "cannot open the file");
    std::ostringstream buffer;
    buffer << file.rdbuf();
    const std::string text = std::move(buffer).str();
    // Parsed twice: once here for the node ids, which Boost's reader keeps to itself.
    bool directed = true;
    const std::vector<std::string> ids = node_ids(text, path, directed);
    return directed ? read_graph<boost::directedS>(text, path, o, ids) : read_graph<boost::undirectedS>(text, path, o, ids);
}

void write_graphml(std::ostream& out, const std::vector<graphml_node>& nodes, const std::vector<graphml_edge>& edges) {
    write_graph_t g(nodes.size());
    std::vector<std::string> ids(nodes.size());  // Boost writes ids unescaped
    std::unordered_set<std::string> seen;
    for (std::size_t v = 0; v < nodes.size(); ++v) {
        if (!seen.insert(nodes[v].id).second) throw internal_error("write_graphml: node id \"" + nodes[v].id + "\" twice");
        g[v] = nodes[v];
        ids[v] = id_marker + pt::xml_parser::encode_char_entities(nodes[v].id);
    }
    for (const graphml_edge& e : edges) {
        if (e.source >= nodes.size() || e.target >= nodes.size())
            throw internal_error("write_graphml: an edge names node " + std::to_string(std::max(e.source, e.target)) + " of " +
                                 std::to_string(nodes.size()));
        add_edge(e.source, e.target, e, g);
    }
    boost::dynamic_properties dp;
    dp.property("population", get(&graphml_node::population, g));
    dp.property("index", get(&graphml_node::index, g));
    dp.insert("weight", boost::make_shared<exact_doubles>(g, &graphml_edge::weight));
    dp.insert("delay", boost::make_shared<exact_doubles>(g, &graphml_edge::delay));
    dp.property("projection", get(&graphml_edge::projection, g));
    dp.property("synapse", get(&graphml_edge::synapse, g));

    if (!out.rdbuf()) {
        out.setstate(std::ios::badbit);
        return;
    }
    drop_id_prefix filter(*out.rdbuf());
    std::ostream filtered(&filter);
    boost::write_graphml(filtered, g, boost::make_iterator_property_map(ids.begin(), get(boost::vertex_index, g)), dp);
    filtered.flush();
    if (!filtered) out.setstate(std::ios::badbit);
}

}  // namespace synaptogen
