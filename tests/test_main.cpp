// One main for the suite: Kokkos is initialised once per process (with 2 OpenMP threads,
// so in-process tests exercise real parallel execution) and finalised after all tests.
#include <gtest/gtest.h>

#include <synaptogen/runtime/kokkos_session.hpp>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    synaptogen::kokkos_session kokkos(2);
    return RUN_ALL_TESTS();
}
