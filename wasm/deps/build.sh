#!/usr/bin/env bash
# Builds mbedTLS, usrsctp and Opus for Wasm from Debian source packages.
#
#   wasm/deps/build.sh CACHE_DIR
#
# Sources are fetched with `apt-get source PKG=VERSION` (apt verifies them against the signed
# archive index; dpkg-source applies Debian's patches) into CACHE_DIR/src, built with
# Emscripten and installed into CACHE_DIR/prefix. A stamp per package records the version
# and a hash of its recipe (the build function, plus the config for mbedTLS), so a second
# run only checks stamps and a changed recipe rebuilds just that package.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: build.sh CACHE_DIR}
mkdir -p "$cache/src" "$cache/build" "$cache/prefix/lib" "$cache/prefix/include" "$cache/prefix/stamps"
cache=$(cd "$cache" && pwd)
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
jobs=$(nproc)

log() { printf '[wasm-deps] %s\n' "$*" >&2; }

# fetch PKG VERSION -> prints the unpacked source directory
fetch() {
    local pkg=$1 version=$2 upstream=${2%-*}
    local dir="$cache/src/$pkg-$upstream"
    if [ ! -f "$dir/.polyrtc-fetched-$version" ]; then
        log "fetching Debian source $pkg=$version"
        rm -rf "$dir"
        (cd "$cache/src" && apt-get source -q "$pkg=$version" >"$cache/src/$pkg.fetch.log" 2>&1) || {
            echo "apt-get source $pkg=$version failed; see $cache/src/$pkg.fetch.log." >&2
            echo "Is there a deb-src entry for bookworm? './run setup' adds one." >&2
            exit 1
        }
        touch "$dir/.polyrtc-fetched-$version"
    fi
    echo "$dir"
}

recipe_hash() { { declare -f "build_$1"; [ "$1" != mbedtls ] || cat "$here/polyrtc_mbedtls_config.h"; } | sha256sum | cut -c1-16; }
up_to_date() { [ "$(cat "$cache/prefix/stamps/$1" 2>/dev/null)" = "$2 $(recipe_hash "$1")" ]; }
stamp() { echo "$2 $(recipe_hash "$1")" >"$cache/prefix/stamps/$1"; }

build_mbedtls() {
    local version=$1 src out
    up_to_date mbedtls "$version" && { log "mbedtls $version: up to date"; return; }
    src=$(fetch mbedtls "$version")
    out="$cache/build/mbedtls"
    rm -rf "$out" && mkdir -p "$out/obj"
    log "building mbedtls $version for Wasm (-O2: crypto is the hot path)"
    # Compiled file by file rather than through mbedTLS's CMake so that MBEDTLS_CONFIG_FILE
    # reaches the compiler with its quotes intact.
    find "$src/library" -name '*.c' -print0 | xargs -0 -P "$jobs" -I{} sh -c '
        emcc -O2 -DNDEBUG -I"$1/include" -I"$2" "-DMBEDTLS_CONFIG_FILE=\"polyrtc_mbedtls_config.h\"" \
             -c "$3" -o "$4/obj/$(basename "$3" .c).o"' _ "$src" "$here" {} "$out"
    # The same split into three archives as upstream's library/CMakeLists.txt.
    (cd "$out/obj" &&
        emar rcs "$cache/prefix/lib/libmbedx509.a" x509*.o certs.o pkcs11.o &&
        emar rcs "$cache/prefix/lib/libmbedtls.a" ssl_*.o debug.o net_sockets.o &&
        rm x509*.o certs.o pkcs11.o ssl_*.o debug.o net_sockets.o &&
        emar rcs "$cache/prefix/lib/libmbedcrypto.a" ./*.o)
    rm -rf "$cache/prefix/include/mbedtls" "$cache/prefix/include/psa"
    cp -r "$src/include/mbedtls" "$src/include/psa" "$cache/prefix/include/"
    stamp mbedtls "$version"
}

build_usrsctp() {
    local version=$1 src out
    up_to_date usrsctp "$version" && { log "usrsctp $version: up to date"; return; }
    src=$(fetch libusrsctp "$version")
    out="$cache/build/usrsctp"
    rm -rf "$out"
    log "building usrsctp $version for Wasm (AF_CONN only, no threads)"
    # c99 hides u_int without _DEFAULT_SOURCE; usrsctp.h includes pthread.h only for pthread
    # builds, yet uses its types.
    emcmake cmake -S "$src" -B "$out" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_C_FLAGS="-Os -DNDEBUG -D_GNU_SOURCE -D_DEFAULT_SOURCE -include pthread.h" \
        -Dsctp_build_programs=OFF -Dsctp_inet=OFF -Dsctp_inet6=OFF -Dsctp_werror=OFF -Dsctp_debug=OFF \
        -DCMAKE_INSTALL_PREFIX="$cache/prefix" >"$out.configure.log" 2>&1 ||
        { echo "usrsctp configure failed; see $out.configure.log" >&2; exit 1; }
    cmake --build "$out" -j "$jobs" >"$out.build.log" 2>&1 ||
        { echo "usrsctp build failed; see $out.build.log" >&2; exit 1; }
    cp "$out/usrsctplib/libusrsctp.a" "$cache/prefix/lib/"
    cp "$src/usrsctplib/usrsctp.h" "$cache/prefix/include/"
    stamp usrsctp "$version"
}

build_opus() {
    local version=$1 src out
    up_to_date opus "$version" && { log "opus $version: up to date"; return; }
    src=$(fetch opus "$version")
    out="$cache/build/opus"
    rm -rf "$out" && mkdir -p "$out"
    log "building opus $version for Wasm (float API, no stack protector, no CPU detection)"
    # Autotools, not CMake: the 1.3.1 release tarball lacks opus_buildtype.cmake. --host makes
    # configure cross-compile instead of trying to run its test programs.
    (cd "$out" && emconfigure "$src/configure" --prefix="$cache/prefix" --host=wasm32-unknown-none \
        --enable-static --disable-shared --disable-extra-programs --disable-doc \
        --disable-stack-protector --disable-rtcd --disable-intrinsics CFLAGS="-O2 -DNDEBUG") \
        >"$out.configure.log" 2>&1 || { echo "opus configure failed; see $out.configure.log" >&2; exit 1; }
    (cd "$out" && emmake make -j "$jobs" && emmake make install) >"$out.build.log" 2>&1 ||
        { echo "opus build failed; see $out.build.log" >&2; exit 1; }
    stamp opus "$version"
}

while read -r pkg version _; do
    case "$pkg" in
        ''|'#'*) continue ;;
        mbedtls) build_mbedtls "$version" ;;
        libusrsctp) build_usrsctp "$version" ;;
        opus) build_opus "$version" ;;
        *) echo "wasm/deps/versions.txt names $pkg, which build.sh has no recipe for" >&2; exit 1 ;;
    esac
done <"$here/versions.txt"
