#pragma once
// Real connectomes as Synaptogen networks (docs/connectomes.md).
//
// Reading: the C. elegans tables in their published forms (Cook et al. 2019 edge list, SI5
// adjacency matrices saved as CSV and their edge-list dumps, Varshney et al. 2011
// NeuronConnect, OpenWorm's CElegansNeuronTables) become one named-cell edge_list whose
// types are "chemical", "electrical" and "nmj"; cell tables (owmeta neurons, Cook's cell
// groups) give each cell its class and transmitter sign.
//
// Arranging: cells go into populations (one for all, or one per neuron class plus the
// non-neurons), edges into one projection per (source population, target population, type,
// sign), with the documented rules for gap-junction pairs, self-loops and non-neurons.
// The result is written as a TOML network description (network_toml).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <synaptogen/io/edge_list.hpp>

namespace synaptogen {

// ---- C. elegans tables -------------------------------------------------------------------

enum class celegans_format {
    cook_edge_list,     // Source,Target,Weight,Type (chemical / electrical): Cook 2019, OpenWorm
    neuron_connect,     // Neuron 1,Neuron 2,Type,Nbr (S, Sp, R, Rp, EJ, NMJ): Varshney 2011
    neuron_tables,      // Origin,Target,Type,Number of Connections,Neurotransmitter (Send, GapJunction)
    pair_list,          // two names and a weight (pre,post,weight / cell_a,cell_b,weight): one kind
    adjacency_matrix,   // a matrix with cell names on both margins (SI5 sheets as CSV): one kind
};

std::string_view to_string(celegans_format f);

enum class connection_kind { chemical, electrical };

// Reads one table into `into`; names are normalised (AS01 -> AS1). The format is taken from
// the header; `kind` says what a table without a type column holds (pair lists and
// matrices), and is required for those unless the header says it (cell_a,cell_b: electrical;
// pre,post: chemical). In NeuronConnect only S and Sp rows count (R and Rp are the same
// synapses seen from the receiver); NMJ rows become edges of type "nmj" to the cell "NMJ".
// Rows with weight 0 are skipped; a negative weight is an error.
celegans_format read_celegans_table(const std::string& path, edge_list& into, std::optional<connection_kind> kind = {});

// Typed tables, then lists or matrices of chemical and of electrical synapses, into one edge
// list; `sources` gets "path (format), ..." for messages. Throws input_error if no table is
// given or the tables hold no edge.
edge_list read_celegans_tables(const std::vector<std::string>& tables, const std::vector<std::string>& chemical,
                               const std::vector<std::string>& electrical, std::string& sources);

// ---- cell tables -------------------------------------------------------------------------

struct cell_info {
    std::string group;          // population: sensory, motor, inter, pharynx, ...; "" for non-neurons
    bool inhibitory = false;    // its chemical synapses inhibit (GABAergic)
    bool known_transmitter = false;
};

struct cell_metadata {
    std::string file;
    std::unordered_map<std::string, cell_info> cells;  // by normalised name
    bool has_transmitters = false;  // signs come from the file, not the built-in GABA list
};

// owmeta neurons (neuron,types,neurotransmitters,...): the group is the first of motor,
// sensory, interneuron (-> "inter") among the neuron's types ("unknown" -> "other"); GABA among
// its transmitters makes it inhibitory. Cook's cell groups (cell,si5_group,...): SENSORY
// NEURONS -> sensory, INTERNEURONS -> inter, MOTOR NEURONS -> motor, PHARYNX and SEX SPECIFIC
// cells whose names look like neurons -> pharynx, sex_specific; the rest are non-neurons.
cell_metadata read_cell_metadata(const std::string& path);

// The 26 GABAergic neurons of the hermaphrodite (McIntire et al. 1993; DD1-6, VD1-13, RMED,
// RMEL, RMER, RMEV, AVL, DVB, RIS), used for signs when no cell table gives transmitters.
bool is_gabaergic_neuron(std::string_view name);

// A C. elegans neuron name by its spelling: no lower-case letter, and none of the muscle
// and pseudo-cell names (MDL01.., MVR24, MANAL, MVULVA, NMJ, GLR..).
bool looks_like_neuron_name(std::string_view name);

// ---- arranging an edge list as a network -------------------------------------------------

struct arrangement_options {
    bool classify = false;                 // C. elegans: populations per neuron class
    const cell_metadata* metadata = nullptr;
    std::string population = "cells";      // the one population when not classifying
    bool keep_non_neurons = true;          // else their cells and edges are dropped
    bool keep_self_loops = true;           // chemical autapses (gap self-junctions always go)
    std::vector<std::string> gap_types = {"electrical", "gap_junction", "gap", "ej"};
    std::string gap_junctions = "average";  // listed, average or max
    std::string model = "iaf_psc_exp";
    double weight_scale = 1.0;             // file weight -> synaptic weight (the model's unit)
    double gap_weight_scale = 1.0;         // file weight -> gap-junction conductance [nS]
    double delay = 1.0;                    // [ms], static synapses
    double excitatory_reversal = 0.0;      // [mV] graded synapses (Kunert et al. 2014)
    double inhibitory_reversal = -45.0;    // [mV]
};

struct arranged_projection {
    std::string name, source, target, type;
    bool gap = false, inhibitory = false;
    std::vector<std::uint32_t> pre, post;  // population-local
    std::vector<double> weight;            // scaled, signed for static inhibitory synapses
};

struct arranged_network {
    std::vector<std::string> populations;
    std::vector<std::vector<std::string>> cells;  // per population, in local-index order
    std::vector<arranged_projection> projections;
    std::size_t self_junctions_dropped = 0, self_loops_dropped = 0;
    std::size_t non_neuron_cells_dropped = 0, non_neuron_edges_dropped = 0;
    std::size_t gap_rows = 0;  // electrical rows before merging pairs
};

// Throws input_error (file and line where the cell was first named) for a neuron-like name
// that the cell table does not list.
arranged_network arrange_network(const edge_list& g, const arrangement_options& o);

// The network description (dt 0.1 ms, 1 s, seed 1; cell names per population), beginning
// with `comment` (lines prefixed with "# ").
std::string network_toml(const arranged_network& n, const arrangement_options& o, const std::string& comment);

// "population,index,name" lines with a header.
std::string cell_table_csv(const arranged_network& n);

}  // namespace synaptogen

namespace synaptogen {

// ---- large edge lists: streamed into an HDF5 edge file -----------------------------------

// `import edgelist` for files too large to hold: rows are read one at a time and appended,
// per edge type, to OUT.edges.h5 (/edges/<projection>/{source_node_id, target_node_id,
// syn_weight}, SONATA's dataset names) in blocks of 64 Ki rows; the description refers to
// it (`edges_file`, `edges_group`). Memory grows with the number of cells, not of edges
// (gap-junction types merged by average/max keep their pairs until the end). One
// population (o.population), as import edgelist; cell names go to OUT.cells.csv, and into
// the description when there are at most 100,000.
struct streamed_import {
    std::size_t cells = 0, edges = 0, projections = 0, self_junctions_dropped = 0;
};
streamed_import import_edge_list_to_hdf5(const std::string& path, const edge_list_options& list,
                                         const arrangement_options& o, const std::string& out_toml,
                                         const std::string& comment);

}  // namespace synaptogen
