#pragma once
#include <string>
#include <vector>

namespace synaptogen {

// Initialises Kokkos for the lifetime of the object (once per process: Kokkos cannot be
// re-initialised). threads <= 0 lets the OpenMP backend use every core.
class kokkos_session {
public:
    explicit kokkos_session(int threads = 0);
    ~kokkos_session();
    kokkos_session(const kokkos_session&) = delete;
    kokkos_session& operator=(const kokkos_session&) = delete;
};

// Backends compiled into this build, best first ("openmp", "serial").
std::vector<std::string> available_backends();
// Threads the OpenMP backend runs with (1 for builds without it).
int host_concurrency();
// "Kokkos 3.4.1 (OpenMP, Serial)"
std::string kokkos_description();

}  // namespace synaptogen
