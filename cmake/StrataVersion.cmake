# Stamps the program with its version and the git commit it was built from.
# The commit is read at build time (not configure time) so a rebuild after a new
# commit reports the right one.
set(STRATA_VERSION_IN ${CMAKE_CURRENT_LIST_DIR}/version.cpp.in)
set(STRATA_VERSION_CPP ${CMAKE_BINARY_DIR}/generated/version.cpp)
add_custom_target(strata_version_stamp
  COMMAND ${CMAKE_COMMAND}
          -DIN=${STRATA_VERSION_IN} -DOUT=${STRATA_VERSION_CPP}
          -DVERSION=${PROJECT_VERSION} -DSRC=${CMAKE_SOURCE_DIR}
          -P ${CMAKE_CURRENT_LIST_DIR}/StampVersion.cmake
  BYPRODUCTS ${STRATA_VERSION_CPP}
  COMMENT "Stamping version")
