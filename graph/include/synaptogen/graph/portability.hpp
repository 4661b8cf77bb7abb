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
