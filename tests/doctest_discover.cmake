# polyrtc_discover_tests(TARGET PREFIX): registers each doctest test case of TARGET as its
# own ctest test, named PREFIX + test case name. Uses doctest's own discovery module, which
# runs the built executable (through CMAKE_CROSSCOMPILING_EMULATOR for Wasm) to list cases.
find_package(doctest CONFIG QUIET PATHS /usr/lib/cmake/doctest NO_CMAKE_FIND_ROOT_PATH)
if(NOT doctest_FOUND)
  message(FATAL_ERROR "doctest's CMake package not found. Install Debian's doctest-dev (./run setup does).")
endif()
include(${doctest_DIR}/doctest.cmake)

function(polyrtc_discover_tests target prefix)
  doctest_discover_tests(${target} TEST_PREFIX "${prefix}" ADD_LABELS 1
                         PROPERTIES TIMEOUT 120)
endfunction()
# Test case names must not contain ';' (CMake list separator): doctest's discovery would
# split them into two tests.
