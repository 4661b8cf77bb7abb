#include <synaptogen/runtime/kokkos_session.hpp>

#include <Kokkos_Core.hpp>

namespace synaptogen {

kokkos_session::kokkos_session(int threads) {
    Kokkos::InitArguments args;
    args.num_threads = threads > 0 ? threads : -1;
    args.disable_warnings = true;
    Kokkos::initialize(args);
}

kokkos_session::~kokkos_session() { Kokkos::finalize(); }

std::vector<std::string> available_backends() {
    std::vector<std::string> out;
#ifdef KOKKOS_ENABLE_OPENMP
    out.push_back("openmp");
#endif
#ifdef KOKKOS_ENABLE_SERIAL
    out.push_back("serial");
#endif
#ifdef KOKKOS_ENABLE_CUDA
    out.push_back("cuda");  // compiled; not yet run on a GPU (docs/gpu.md)
#endif
    return out;
}

int host_concurrency() {
#ifdef KOKKOS_ENABLE_OPENMP
    return Kokkos::OpenMP().concurrency();
#else
    return 1;
#endif
}

std::string kokkos_description() {
    std::string s = "Kokkos " + std::to_string(KOKKOS_VERSION / 10000) + "." +
                    std::to_string(KOKKOS_VERSION / 100 % 100) + "." + std::to_string(KOKKOS_VERSION % 100) + " (";
    const auto backends = available_backends();
    for (std::size_t i = 0; i < backends.size(); ++i) s += (i ? ", " : "") + backends[i];
    return s + ")";
}

}  // namespace synaptogen
