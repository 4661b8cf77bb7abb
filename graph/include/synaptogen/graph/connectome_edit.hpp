#pragma once
// Edits of the explicit connectome (docs/evolution.md): the mutation operators evolution
// applies to a genome, the paper's generational pruning, crossover, and the null models
// every experiment is compared with. All of them act on edge sets directly (no masks) and
// draw from a counter_rng the caller keys, so an edit is reproducible on any thread.
// Every operator keeps rows sorted by target and respects the projection's rules: no
// autapse where the projection forbids them, no duplicate edge unless multapses are allowed.
#include <cstdint>
#include <string>
#include <vector>

#include <synaptogen/graph/connectome.hpp>
#include <synaptogen/graph/random.hpp>

namespace synaptogen {

// --- mutation operators (one edit each; false when there was nothing to do) -------------

// Adds one edge between a uniformly drawn absent (allowed) pair, with `weight`.
// Gives up (false) after 64 draws that all hit present or forbidden pairs.
bool add_random_edge(edge_set& e, counter_rng& rng, float weight);
// Removes one uniformly drawn edge.
bool remove_random_edge(edge_set& e, counter_rng& rng);
// Moves the target (or the source) of one uniformly drawn edge to a uniformly drawn new
// neuron (never the one it had), keeping the other endpoint and the weight. False when 64
// draws found no allowed, free endpoint.
bool rewire_random_target(edge_set& e, counter_rng& rng);
bool rewire_random_source(edge_set& e, counter_rng& rng);
// Negates the weight of one uniformly drawn edge.
bool flip_random_sign(edge_set& e, counter_rng& rng);
// Multiplies the weight of each edge, with probability `fraction`, by exp(sigma * N(0, 1)):
// a log-normal, scale-free change that never flips a sign (conductances stay conductances)
// and keeps zero weights zero; flip_random_sign is the operator that changes signs.
edge_index perturb_weights(edge_set& e, counter_rng& rng, double sigma, double fraction);

// A uniformly drawn projection, weighted by its number of edges (or, for adds, by its
// number of allowed pairs): which projection a whole-connectome mutation edits.
std::size_t pick_projection(const connectome& c, counter_rng& rng, bool by_pairs);

// --- crossover ---------------------------------------------------------------------------

// Edges are identified by their endpoints within a projection. An edge both parents have is
// inherited with the weight of a parent drawn at random; an edge only one parent has is
// inherited with probability 1/2. Parents must be over the same neurons (same sizes).
connectome crossover(const connectome& a, const connectome& b, counter_rng& rng);

// --- generational pruning (Kotar & Tuckute 2025) ----------------------------------------

enum class prune_scope { projection, global };

// Removes round(fraction * m) edges with the smallest |w|: per projection (m = its edges;
// the paper's per-weight-tensor rule) or over the whole connectome (m = all edges).
// Ties in |w| are broken by position: the edge that comes first (projection order, then
// source, then target, then multapse order) goes first. Returns the edges removed per
// projection.
std::vector<edge_index> prune_smallest(connectome& c, double fraction, prune_scope scope);

// w <- sign(w) * magnitude (sign(0) = +1): the survivors' reset before the wiring is passed on.
void reset_to_sign(connectome& c, float magnitude);

// Survivors take their weight in `earlier` (the same edges before pruning, e.g. the weights
// at training step k): matched by endpoints and multapse order. Throws if an edge is absent.
void rewind_weights(connectome& c, const connectome& earlier);

// --- null models ---------------------------------------------------------------------------

// The same number of edges per projection between uniformly drawn allowed pairs (no
// duplicates unless the projection allows multapses); the original weights are shuffled
// onto the new edges (so the weight and sign distribution is kept).
void randomize_edges(edge_set& e, counter_rng& rng);
// The signs of the weights permuted among the edges (magnitudes stay on their edge): the
// number of negative edges per projection is kept.
void shuffle_signs(edge_set& e, counter_rng& rng);
// Every allowed pair (one edge each); present edges keep their weight, new ones get
// `weight`.
void make_dense(edge_set& e, float weight);

// Edges present in a projection of `c` relative to all allowed pairs of it.
double density(const edge_set& e);
std::uint64_t allowed_pairs(const edge_set& e);

}  // namespace synaptogen
