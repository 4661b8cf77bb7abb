# Finds every dependency once and gathers them in interface targets.
#
# Kokkos: scripts/setup installs 3.4.1 (Serial + OpenMP) into .deps/kokkos, which is
# searched first; a user's own Kokkos (module, Spack) is found through CMAKE_PREFIX_PATH
# or Kokkos_ROOT. Debian's libtrilinos-kokkos-dev has the Serial backend only and is
# refused below unless SYNAPTOGEN_ALLOW_SERIAL_ONLY is set.
if(EXISTS "${PROJECT_SOURCE_DIR}/.deps/kokkos" AND NOT Kokkos_ROOT AND NOT DEFINED ENV{Kokkos_ROOT})
  set(Kokkos_ROOT "${PROJECT_SOURCE_DIR}/.deps/kokkos")
endif()
find_package(Kokkos 3.4 REQUIRED)
if(NOT ("OPENMP" IN_LIST Kokkos_DEVICES OR "THREADS" IN_LIST Kokkos_DEVICES OR "CUDA" IN_LIST Kokkos_DEVICES
        OR "HIP" IN_LIST Kokkos_DEVICES))
  if(SYNAPTOGEN_ALLOW_SERIAL_ONLY)
    message(WARNING "Kokkos at ${Kokkos_DIR} has only the backends ${Kokkos_DEVICES}: simulations will run on one thread.")
  else()
    message(FATAL_ERROR
      "Kokkos at ${Kokkos_DIR} has only the backends '${Kokkos_DEVICES}': no host-parallel backend (OpenMP or Threads).\n"
      "This is what Debian's libtrilinos-kokkos-dev provides. Run scripts/setup to build Kokkos 3.4.1 with OpenMP into "
      ".deps/kokkos, point Kokkos_ROOT at another Kokkos, or configure with -DSYNAPTOGEN_ALLOW_SERIAL_ONLY=ON to accept "
      "serial-only simulation.")
  endif()
endif()
message(STATUS "Synaptogen: Kokkos ${Kokkos_VERSION} at ${Kokkos_DIR} with ${Kokkos_DEVICES}")

find_package(TBB REQUIRED)
# Header-only parts (Graph, Random, Sort) and the compiled Graph library, which holds
# read_graphml (io only).
find_package(Boost 1.74 REQUIRED COMPONENTS graph)
find_package(HDF5 REQUIRED COMPONENTS C)
find_package(spdlog REQUIRED)
find_package(toml11 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)

# MPI for distributed runs (docs/cluster.md): on when found. Without it every run is one
# process and nothing else changes. Only the C API is used (runtime/src/ranks.cpp).
option(SYNAPTOGEN_MPI "Build with MPI for distributed runs (if MPI is found)" ON)
set(SYNAPTOGEN_WITH_MPI OFF)
if(SYNAPTOGEN_MPI)
  find_package(MPI COMPONENTS C)
  if(MPI_C_FOUND)
    set(SYNAPTOGEN_WITH_MPI ON)
    message(STATUS "Synaptogen: MPI ${MPI_C_VERSION} (${MPIEXEC_EXECUTABLE}): distributed runs on")
  else()
    message(STATUS "Synaptogen: no MPI found (Debian: libopenmpi-dev openmpi-bin): single-process runs only")
  endif()
endif()

include(CheckIncludeFileCXX)
check_include_file_cxx(Random123/philox.h SYNAPTOGEN_HAVE_RANDOM123)
if(NOT SYNAPTOGEN_HAVE_RANDOM123)
  message(FATAL_ERROR "Random123 headers not found (Debian: librandom123-dev; run scripts/setup)")
endif()

# Flags for our own targets only. No FMA contraction: a fused multiply-add rounds once
# where the written expression rounds twice, and bit-identical results across backends
# and builds need every backend to round the same way. -march lets the lane loops of
# the kernels use the machine's vector width. -fno-trapping-math lets GCC turn a clamp
# (x < a ? a : x) into a vector select, so loops over exp_portable vectorise; it changes
# no value, only whether floating-point exception flags may be raised speculatively.
set(SYNAPTOGEN_ARCH "native" CACHE STRING
    "-march= for our code: native (default), a named level such as x86-64-v3 (valgrind cannot run AVX-512), or empty")
add_library(synaptogen_warnings INTERFACE)
target_compile_options(synaptogen_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter -ffp-contract=off -fno-trapping-math>
  $<$<AND:$<CXX_COMPILER_ID:GNU,Clang>,$<BOOL:${SYNAPTOGEN_ARCH}>>:-march=${SYNAPTOGEN_ARCH}>)
# The same for device code: nvcc fuses a*b+c into FMAs unless told not to (nvcc_wrapper
# hands the flags above to the host compiler; hipcc is clang and takes -ffp-contract=off
# for both sides).
if("CUDA" IN_LIST Kokkos_DEVICES)
  target_compile_options(synaptogen_warnings INTERFACE --fmad=false)
endif()

# Helper: one library per top-level folder, public headers in <folder>/include. Installed
# as Synaptogen::<folder> (cmake/SynaptogenConfig.cmake.in), headers under include/.
include(GNUInstallDirs)
function(synaptogen_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(synaptogen_${name} ${ARG_SOURCES})
  add_library(synaptogen::${name} ALIAS synaptogen_${name})
  set_target_properties(synaptogen_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(synaptogen_${name} PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
                                                       $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
                                                PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(synaptogen_${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE} synaptogen_warnings)
  install(TARGETS synaptogen_${name} EXPORT SynaptogenTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
