// Native reference for the certificate benchmark: ECDSA P-256 key + self-signed certificate
// generation, as RTCPeerConnection.generateCertificate does. Prints one JSON line.
#include <chrono>
#include <cstdio>

#include "core/crypto/csprng.hpp"
#include "core/dtls/certificate.hpp"

int main() {
    using polyrtc::Bytes;
    auto rng = polyrtc::crypto::Csprng::create(Bytes(32, 0x5a));
    if (!rng) return 1;
    polyrtc::dtls::CertificateParams params;
    constexpr int kIterations = 200;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kIterations; ++i) {
        if (!polyrtc::dtls::Certificate::generate(params, *rng)) return 1;
    }
    std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
    std::printf("{\"bench\":\"certificate\",\"build\":\"native\",\"iterations\":%d,\"ms_per_op\":%.3f}\n", kIterations,
                elapsed.count() / kIterations);
    return 0;
}
