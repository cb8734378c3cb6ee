# The Wasm build requires the Emscripten named in emsdk-version.txt (Debian's `emscripten`).
file(STRINGS ${PROJECT_SOURCE_DIR}/emsdk-version.txt POLYRTC_EMSDK_REQUIRED LIMIT_COUNT 1)
string(STRIP "${POLYRTC_EMSDK_REQUIRED}" POLYRTC_EMSDK_REQUIRED)
execute_process(COMMAND ${CMAKE_C_COMPILER} --version OUTPUT_VARIABLE _emcc_version_text
                RESULT_VARIABLE _emcc_status)
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" POLYRTC_EMSDK_FOUND "${_emcc_version_text}")
if(NOT _emcc_status EQUAL 0 OR NOT POLYRTC_EMSDK_FOUND STREQUAL POLYRTC_EMSDK_REQUIRED)
  message(FATAL_ERROR
    "polyrtc needs Emscripten ${POLYRTC_EMSDK_REQUIRED} (emsdk-version.txt) but `emcc --version` "
    "reports '${POLYRTC_EMSDK_FOUND}'. Install Debian's emscripten package (./run setup does), "
    "or update emsdk-version.txt after checking the build with the new version.")
endif()
message(STATUS "Emscripten ${POLYRTC_EMSDK_FOUND} matches emsdk-version.txt")
