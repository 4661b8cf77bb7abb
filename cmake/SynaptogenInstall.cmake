# Installation and packaging (docs/install.md):
#   cmake --install build --prefix P   the program, libraries, headers, CMake package
#                                      (find_package(Synaptogen)), pkg-config file, docs, examples
#   scripts/package                    a Debian package of the same (cpack -G DEB)
include(CMakePackageConfigHelpers)

# The compile flags of our own targets (warnings, no FMA contraction, -march) stay ours:
# the static libraries name this target link-only, so it is exported but adds nothing to a
# consumer's compile lines.
set_target_properties(synaptogen_warnings PROPERTIES EXPORT_NAME build_flags)
install(TARGETS synaptogen_warnings EXPORT SynaptogenTargets)
set(SYNAPTOGEN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/Synaptogen)
install(EXPORT SynaptogenTargets NAMESPACE Synaptogen:: DESTINATION ${SYNAPTOGEN_CMAKE_DIR})

# Kokkos: the one scripts/setup built into .deps (Debian's has the Serial backend only)
# goes with the package, so that an installed Synaptogen stands alone; a Kokkos of the
# user's (a module, Spack) is found again by consumers instead.
get_filename_component(SYNAPTOGEN_KOKKOS_PREFIX "${Kokkos_DIR}/../../.." ABSOLUTE)
set(SYNAPTOGEN_BUNDLED_KOKKOS OFF)
if(SYNAPTOGEN_KOKKOS_PREFIX MATCHES "^${PROJECT_SOURCE_DIR}/\\.deps/")
  set(SYNAPTOGEN_BUNDLED_KOKKOS ON)
  file(RELATIVE_PATH SYNAPTOGEN_KOKKOS_CMAKE_SUBDIR "${SYNAPTOGEN_KOKKOS_PREFIX}" "${Kokkos_DIR}")
  install(DIRECTORY "${SYNAPTOGEN_KOKKOS_PREFIX}/" DESTINATION ${CMAKE_INSTALL_LIBDIR}/synaptogen/kokkos USE_SOURCE_PERMISSIONS)
endif()

configure_package_config_file(cmake/SynaptogenConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/SynaptogenConfig.cmake
                              INSTALL_DESTINATION ${SYNAPTOGEN_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/SynaptogenConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/SynaptogenConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/SynaptogenConfigVersion.cmake
        DESTINATION ${SYNAPTOGEN_CMAKE_DIR})

# pkg-config: relocatable (the prefix is found from the .pc file's own folder).
set(SYNAPTOGEN_PC_MPI "")
if(SYNAPTOGEN_WITH_MPI)
  set(SYNAPTOGEN_PC_MPI " ompi-c")
endif()
configure_file(cmake/synaptogen.pc.in ${CMAKE_CURRENT_BINARY_DIR}/synaptogen.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/synaptogen.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/synaptogen/examples)

# Debian package: the run-time libraries come from dpkg-shlibdeps; the -dev packages are
# what find_package(Synaptogen) finds again for a consumer.
set(CPACK_PACKAGE_NAME synaptogen)
set(CPACK_PACKAGE_VENDOR "Synaptogen")
set(CPACK_PACKAGE_CONTACT "Synaptogen <synaptogen@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libtbb-dev, libboost-graph-dev, libhdf5-dev, libspdlog-dev, libfmt-dev, libtoml11-dev, nlohmann-json3-dev, librandom123-dev")
if(TARGET synaptogen_python)  # the module in /usr/lib/python3/dist-packages
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", python3, python3-numpy")
endif()
if(SYNAPTOGEN_WITH_MPI)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libopenmpi-dev")
endif()
include(CPack)
