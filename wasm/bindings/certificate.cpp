// Embind surface for certificates: RTCPeerConnection.generateCertificate() and the
// fingerprint that goes into SDP.
#include "core/dtls/certificate.hpp"

#include <string>

#include <emscripten/bind.h>

#include "core/crypto/csprng.hpp"
#include "wasm/bindings/js_bytes.hpp"

namespace polyrtc::wasm {

namespace {

// generateCertificate(seed: Uint8Array(>= 32 bytes), notBefore: seconds, notAfter: seconds)
//   -> {fingerprint: "sha-256 AB:CD:...", der: Uint8Array} or {error: string}
// Errors are returned, never thrown: nothing throws across the Wasm boundary.
emscripten::val generate_certificate(const emscripten::val& seed, double not_before_unix, double not_after_unix) {
    emscripten::val out = emscripten::val::object();
    auto rng = crypto::Csprng::create(from_uint8array(seed));
    if (!rng) {
        out.set("error", std::string(crypto::to_string(rng.error())));
        return out;
    }
    dtls::CertificateParams params;
    params.not_before_unix = static_cast<int64_t>(not_before_unix);
    params.not_after_unix = static_cast<int64_t>(not_after_unix);
    auto cert = dtls::Certificate::generate(params, *rng);
    if (!cert) {
        out.set("error", std::string(dtls::to_string(cert.error())));
        return out;
    }
    out.set("fingerprint", cert->fingerprint().to_sdp());
    out.set("der", to_uint8array(cert->der()));
    return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(polyrtc_certificate) {
    emscripten::function("generateCertificate", &generate_certificate);
}

}  // namespace polyrtc::wasm
