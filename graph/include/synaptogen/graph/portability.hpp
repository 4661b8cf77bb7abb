#pragma once
// Functions shared by host code and device kernels. graph/ does not see Kokkos, so it
// spells the CUDA/HIP qualifiers itself; under a host compiler they vanish.
#if defined(__CUDACC__) || defined(__HIPCC__)
#define SYNAPTOGEN_HD __host__ __device__ inline
#else
#define SYNAPTOGEN_HD inline
#endif

// For small functions inside vectorised loops: an out-of-line call stops vectorisation.
#if defined(__GNUC__)
#define SYNAPTOGEN_HD_FORCEINLINE SYNAPTOGEN_HD __attribute__((always_inline))
#else
#define SYNAPTOGEN_HD_FORCEINLINE SYNAPTOGEN_HD
#endif

// memcpy for code that also runs on a device: hipcc's device side has no std::memcpy.
#include <cstddef>
#include <cstring>
namespace synaptogen {
SYNAPTOGEN_HD_FORCEINLINE void copy_bytes(void* to, const void* from, std::size_t n) {
#if defined(__HIP__)
    __builtin_memcpy(to, from, n);
#else
    std::memcpy(to, from, n);
#endif
}
}  // namespace synaptogen
