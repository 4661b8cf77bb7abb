#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace synaptogen {

// Initialises Kokkos for the lifetime of the object (once per process: Kokkos cannot be
// re-initialised). threads <= 0 lets the OpenMP backend use every core. Kokkos starts its
// host backends; a GPU backend ("cuda", "hip") is started only when `backend` names it,
// so a GPU build also runs on nodes without a GPU (scripts/setup keeps a host default
// space for this). Throws std::runtime_error if the named GPU cannot be started.
class kokkos_session {
public:
    explicit kokkos_session(int threads = 0, const std::string& backend = "");
    ~kokkos_session();
    kokkos_session(const kokkos_session&) = delete;
    kokkos_session& operator=(const kokkos_session&) = delete;
};

// Backends compiled into this build, host ones first ("openmp", "serial", "cuda").
std::vector<std::string> available_backends();
// True for the backends that run on a GPU ("cuda", "hip").
bool is_device_backend(const std::string& backend);

// A GPU that this build's device runtime (CUDA or HIP) reports.
struct device_info {
    std::string backend;  // "cuda" or "hip"
    int id = 0;
    std::string name;
    int major = 0, minor = 0;  // compute capability (CUDA) or GCN arch major/minor (HIP)
    std::uint64_t total_bytes = 0, free_bytes = 0;
    bool free_known = false;  // free memory is asked of the device runs use only (else = total)
};

// The GPUs of this node, asked of the device runtime without starting Kokkos on them.
// Empty on CPU builds and on nodes without a GPU or driver; `why_none` then says why.
std::vector<device_info> find_devices(std::string* why_none = nullptr);

// The device a GPU run uses: SYNAPTOGEN_DEVICE (or KOKKOS_DEVICE_ID) if set, else the
// node-local MPI or Slurm rank modulo the number of devices, else 0.
int chosen_device(int device_count);

// Backends that can run on this node: the compiled host backends, and the GPU backend
// when a device is present.
std::vector<std::string> usable_backends();

// Throws std::runtime_error with one clear message unless `backend` can run here
// (compiled in, and for a GPU backend a device present). Returns the GPUs found for a GPU
// backend (none for host backends).
std::vector<device_info> require_backend(const std::string& backend);

// Starts a GPU backend's device (the chosen one) if no GPU is running yet; nothing for host
// backends. Needs Kokkos initialised; throws like require_backend.
void start_backend(const std::string& backend);

// The GPU that start_backend started, or -1 when none was.
int active_device();

// Threads the OpenMP backend runs with (1 for builds without it).
int host_concurrency();
// "Kokkos 3.4.1 (openmp, serial, cuda)"
std::string kokkos_description();

}  // namespace synaptogen
