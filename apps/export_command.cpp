// `synaptogen export sonata`: build the synapses of a network and write it as a SONATA
// circuit plus a network.toml that runs it (io/sonata.hpp, docs/sonata.md).
#include <cstdio>

#include <spdlog/spdlog.h>
#include <tbb/global_control.h>

#include <synaptogen/io/sonata.hpp>

#include "commands.hpp"

namespace synaptogen::app {

int export_sonata_command(const export_options& o) {
    network_spec spec = load_with_overrides(o);
    const int threads = thread_count(spec);
    tbb::global_control tbb_threads(tbb::global_control::max_allowed_parallelism, threads);
    spdlog::info("building {} ({} neurons, {} projections) with {} threads", spec.source_file, spec.layout.total(),
                 spec.projections.size(), threads);
    const synapse_table table = merge_synapses(build_static_synapses(spec));
    export_sonata(spec, table, o.out_dir);
    std::size_t others = 0;
    for (std::size_t k = 0; k < spec.projections.size(); ++k) others += projection_kind(spec, k) != synapse_kind::static_synapse;
    std::printf("%s: %u neurons in %zu populations, %llu static synapses, %zu projections of other synapse models\n",
                spec.source_file.c_str(), spec.layout.total(), spec.layout.count(),
                static_cast<unsigned long long>(table.size()), others);
    std::printf("  wrote       %s/circuit_config.json (SONATA circuit)\n", o.out_dir.c_str());
    std::printf("  wrote       %s/network.toml (run it: synaptogen run %s/network.toml)\n", o.out_dir.c_str(), o.out_dir.c_str());
    return 0;
}

}  // namespace synaptogen::app
