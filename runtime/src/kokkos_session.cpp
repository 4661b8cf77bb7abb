#include <synaptogen/runtime/kokkos_session.hpp>

#include <stdlib.h>  // setenv, unsetenv

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <Kokkos_Core.hpp>
#if defined(KOKKOS_ENABLE_CUDA)
#include <cuda_runtime_api.h>
#elif defined(KOKKOS_ENABLE_HIP)
#include <hip/hip_runtime_api.h>
#endif

namespace synaptogen {

namespace {

int started_device = -1;

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    return s;
}

// The GPU backend this build has ("" for CPU builds).
std::string device_backend() {
#if defined(KOKKOS_ENABLE_CUDA)
    return "cuda";
#elif defined(KOKKOS_ENABLE_HIP)
    return "hip";
#else
    return "";
#endif
}

// Starts the GPU `id` if it is not running yet (Kokkos itself starts host spaces only).
void start_device(int id) {
#if defined(KOKKOS_ENABLE_CUDA)
    if (!Kokkos::Cuda::impl_is_initialized()) Kokkos::Cuda::impl_initialize(Kokkos::Cuda::SelectDevice(id));
#elif defined(KOKKOS_ENABLE_HIP)
    if (!Kokkos::Experimental::HIP::impl_is_initialized())
        Kokkos::Experimental::HIP::impl_initialize(Kokkos::Experimental::HIP::SelectDevice(id));
#endif
    if (started_device < 0) started_device = id;
}

}  // namespace

kokkos_session::kokkos_session(int threads, const std::string& backend) {
    // Kokkos reads these at initialisation and would start (or count) GPUs itself, also
    // for host runs and on nodes without one: the device choice is ours (chosen_device).
    if (const char* id = std::getenv("KOKKOS_DEVICE_ID"); id && !std::getenv("SYNAPTOGEN_DEVICE"))
        setenv("SYNAPTOGEN_DEVICE", id, 0);
    for (const char* var : {"KOKKOS_DEVICE_ID", "KOKKOS_NUM_DEVICES", "KOKKOS_SKIP_DEVICE", "CTEST_KOKKOS_DEVICE_TYPE"})
        unsetenv(var);
    // Before Kokkos: one clear message, and the devices asked of the runtime once.
    const auto devices = is_device_backend(backend) ? require_backend(backend) : std::vector<device_info>{};
    Kokkos::InitArguments args;
    args.num_threads = threads > 0 ? threads : -1;
    args.disable_warnings = true;
    // Kokkos 3.4 starts a non-default GPU space only for device ids > 0, and counts the
    // devices (which fails without a driver) unless told how many there are: say one, and
    // start the device in start_backend when a run asks for it.
    args.ndevices = 1;
    Kokkos::initialize(args);
    if (!devices.empty()) start_device(chosen_device(static_cast<int>(devices.size())));
}

void start_backend(const std::string& backend) {
    if (!is_device_backend(backend) || started_device >= 0) return;  // host, or already running
    const auto devices = require_backend(backend);
    start_device(chosen_device(static_cast<int>(devices.size())));
}

// finalize_all: the GPU space is not Kokkos' default, so plain finalize would leave it running.
kokkos_session::~kokkos_session() { Kokkos::finalize_all(); }

std::vector<std::string> available_backends() {
    std::vector<std::string> out;
#ifdef KOKKOS_ENABLE_OPENMP
    out.push_back("openmp");
#endif
#ifdef KOKKOS_ENABLE_SERIAL
    out.push_back("serial");
#endif
    if (!device_backend().empty()) out.push_back(device_backend());
    return out;
}

bool is_device_backend(const std::string& backend) { return backend == "cuda" || backend == "hip"; }

std::vector<device_info> find_devices(std::string* why_none) {
    std::vector<device_info> out;
    std::string why = "this build has no GPU backend";
#if defined(KOKKOS_ENABLE_CUDA) || defined(KOKKOS_ENABLE_HIP)
#if defined(KOKKOS_ENABLE_CUDA)
#define SYNAPTOGEN_GPU(name) cuda##name
    using properties = cudaDeviceProp;
    const char* api = "cudaGetDeviceCount";
#else
#define SYNAPTOGEN_GPU(name) hip##name
    using properties = hipDeviceProp_t;
    const char* api = "hipGetDeviceCount";
#endif
    int count = 0;
    const auto status = SYNAPTOGEN_GPU(GetDeviceCount)(&count);
    if (status != SYNAPTOGEN_GPU(Success)) {
        why = std::string(api) + ": " + SYNAPTOGEN_GPU(GetErrorString)(status);
        count = 0;
    } else if (count == 0) {
        why = std::string(api) + " found no device";
    }
    for (int d = 0; d < count; ++d) {
        properties p{};
        if (SYNAPTOGEN_GPU(GetDeviceProperties)(&p, d) != SYNAPTOGEN_GPU(Success)) continue;
        device_info info;
        info.backend = device_backend();
        info.id = d;
        info.name = p.name;
        info.major = p.major;
        info.minor = p.minor;
        info.total_bytes = p.totalGlobalMem;
        info.free_bytes = p.totalGlobalMem;
        // Free memory needs a context on the device, which then stays (hundreds of MB): ask
        // only the device this process uses, which Kokkos will open anyway.
        int current = 0;
        std::size_t free = 0, total = 0;
        if (d == chosen_device(count) && SYNAPTOGEN_GPU(GetDevice)(&current) == SYNAPTOGEN_GPU(Success) &&
            SYNAPTOGEN_GPU(SetDevice)(d) == SYNAPTOGEN_GPU(Success)) {
            if (SYNAPTOGEN_GPU(MemGetInfo)(&free, &total) == SYNAPTOGEN_GPU(Success)) {
                info.free_bytes = free;
                info.free_known = true;
            }
            SYNAPTOGEN_GPU(SetDevice)(current);
        }
        out.push_back(info);
    }
#undef SYNAPTOGEN_GPU
#endif
    if (why_none && out.empty()) *why_none = why;
    return out;
}

int chosen_device(int device_count) {
    if (device_count <= 0) return 0;
    if (const char* s = std::getenv("SYNAPTOGEN_DEVICE")) return std::atoi(s) % device_count;
    for (const char* var : {"OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"})
        if (const char* s = std::getenv(var)) return std::atoi(s) % device_count;
    return 0;
}

std::vector<std::string> usable_backends() {
    std::vector<std::string> out;
    for (const auto& b : available_backends())
        if (!is_device_backend(b) || !find_devices().empty()) out.push_back(b);
    return out;
}

std::vector<device_info> require_backend(const std::string& backend) {
    const auto compiled = available_backends();
    if (std::find(compiled.begin(), compiled.end(), backend) == compiled.end())
        throw std::runtime_error("this build has no '" + backend + "' backend; expected one of those compiled in: " +
                                 join(compiled) + " (docs/gpu.md says how to build for GPUs)");
    if (!is_device_backend(backend)) return {};
    std::string why;
    auto devices = find_devices(&why);
    if (devices.empty())
        throw std::runtime_error("this node has no " + std::string(backend == "cuda" ? "CUDA" : "HIP") + " device (" + why +
                                 "); backends available here: " + join(usable_backends()));
    return devices;
}

int active_device() { return started_device; }

int host_concurrency() {
#ifdef KOKKOS_ENABLE_OPENMP
    return Kokkos::OpenMP().concurrency();
#else
    return 1;
#endif
}

std::string kokkos_description() {
    return "Kokkos " + std::to_string(KOKKOS_VERSION / 10000) + "." + std::to_string(KOKKOS_VERSION / 100 % 100) + "." +
           std::to_string(KOKKOS_VERSION % 100) + " (" + join(available_backends()) + ")";
}

}  // namespace synaptogen
