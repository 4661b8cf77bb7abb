#pragma once
// A connectome in an HDF5 group: one subgroup per projection, named by its index, with the
// CSR by source over local ids:
//   <q>/row_map (u64), target (u32), weight (f32); attributes source_population,
//   target_population, n_sources, n_targets, allow_autapses, allow_multapses
// Shared by language-model and evolution checkpoints.
#include <string>

#include <hdf5.h>

#include <synaptogen/graph/connectome.hpp>

namespace synaptogen {

void write_connectome_h5(hid_t parent, const std::string& name, const connectome& c);
// `where` names the file and group in errors (input_error on inconsistent arrays).
connectome read_connectome_h5(hid_t parent, const std::string& name, const std::string& where);

}  // namespace synaptogen
