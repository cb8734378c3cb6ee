# Wasm builds link mbedTLS, usrsctp and Opus compiled from Debian's source packages by
# wasm/deps/build.sh into POLYRTC_WASM_DEPS_DIR (./run setup does this once and caches it).
# The imported targets have the same names as the native ones (core/native_dependencies.cmake).
set(POLYRTC_WASM_DEPS_DIR "${PROJECT_SOURCE_DIR}/.cache/wasm-deps/prefix" CACHE PATH
    "Prefix holding the Wasm builds of mbedTLS, usrsctp and Opus")

foreach(lib mbedtls mbedx509 mbedcrypto usrsctp opus)
  if(NOT EXISTS ${POLYRTC_WASM_DEPS_DIR}/lib/lib${lib}.a)
    message(FATAL_ERROR "${POLYRTC_WASM_DEPS_DIR}/lib/lib${lib}.a is missing. "
                        "Build the Wasm dependencies first: ./run setup")
  endif()
endforeach()

add_library(polyrtc_dep_mbedtls INTERFACE)
target_include_directories(polyrtc_dep_mbedtls SYSTEM INTERFACE ${POLYRTC_WASM_DEPS_DIR}/include
                           ${PROJECT_SOURCE_DIR}/wasm/deps)
# The config changes struct layouts, so everything including mbedTLS headers must see it.
target_compile_definitions(polyrtc_dep_mbedtls INTERFACE "MBEDTLS_CONFIG_FILE=\"polyrtc_mbedtls_config.h\"")
target_link_libraries(polyrtc_dep_mbedtls INTERFACE ${POLYRTC_WASM_DEPS_DIR}/lib/libmbedtls.a
                      ${POLYRTC_WASM_DEPS_DIR}/lib/libmbedx509.a ${POLYRTC_WASM_DEPS_DIR}/lib/libmbedcrypto.a)

add_library(polyrtc_dep_usrsctp INTERFACE)
target_include_directories(polyrtc_dep_usrsctp SYSTEM INTERFACE ${POLYRTC_WASM_DEPS_DIR}/include)
target_link_libraries(polyrtc_dep_usrsctp INTERFACE ${POLYRTC_WASM_DEPS_DIR}/lib/libusrsctp.a)

add_library(polyrtc_dep_opus INTERFACE)
target_include_directories(polyrtc_dep_opus SYSTEM INTERFACE ${POLYRTC_WASM_DEPS_DIR}/include
                           ${POLYRTC_WASM_DEPS_DIR}/include/opus)
target_link_libraries(polyrtc_dep_opus INTERFACE ${POLYRTC_WASM_DEPS_DIR}/lib/libopus.a)
