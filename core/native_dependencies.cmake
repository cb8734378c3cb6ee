# Native builds link Debian's -dev packages (installed by `./run setup`). Each dependency
# becomes one imported target with the same name the Wasm build defines
# (wasm/dependencies.cmake), so core/ links the same names in both configurations.
find_package(PkgConfig REQUIRED)

function(polyrtc_require_library var name package)
  find_library(${var} ${name})
  if(NOT ${var})
    message(FATAL_ERROR "lib${name} not found. Install Debian's ${package} (./run setup does).")
  endif()
endfunction()

polyrtc_require_library(POLYRTC_MBEDTLS_LIB mbedtls libmbedtls-dev)
polyrtc_require_library(POLYRTC_MBEDX509_LIB mbedx509 libmbedtls-dev)
polyrtc_require_library(POLYRTC_MBEDCRYPTO_LIB mbedcrypto libmbedtls-dev)
add_library(polyrtc_dep_mbedtls INTERFACE)
target_link_libraries(polyrtc_dep_mbedtls INTERFACE ${POLYRTC_MBEDTLS_LIB} ${POLYRTC_MBEDX509_LIB}
                      ${POLYRTC_MBEDCRYPTO_LIB})

pkg_check_modules(POLYRTC_USRSCTP REQUIRED IMPORTED_TARGET usrsctp)
add_library(polyrtc_dep_usrsctp INTERFACE)
target_link_libraries(polyrtc_dep_usrsctp INTERFACE PkgConfig::POLYRTC_USRSCTP)

pkg_check_modules(POLYRTC_OPUS REQUIRED IMPORTED_TARGET opus)
add_library(polyrtc_dep_opus INTERFACE)
target_link_libraries(polyrtc_dep_opus INTERFACE PkgConfig::POLYRTC_OPUS)
