#include "core/dtls/fingerprint.hpp"

#include <cctype>

#include <mbedtls/sha256.h>

namespace polyrtc::dtls {

const char* to_string(FingerprintError error) {
    switch (error) {
        case FingerprintError::kUnsupportedAlgorithm: return "unsupported fingerprint hash function";
        case FingerprintError::kMalformed: return "malformed fingerprint (expect colon-separated hex)";
    }
    return "unknown";
}

Fingerprint Fingerprint::sha256_of(ByteView der) {
    Fingerprint fp{"sha-256", Bytes(32)};
    mbedtls_sha256_ret(der.data(), der.size(), fp.digest.data(), 0);
    return fp;
}

namespace {

size_t digest_length(const std::string& algorithm) {
    if (algorithm == "sha-1") return 20;
    if (algorithm == "sha-224") return 28;
    if (algorithm == "sha-256") return 32;
    if (algorithm == "sha-384") return 48;
    if (algorithm == "sha-512") return 64;
    return 0;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Result<Fingerprint, FingerprintError> Fingerprint::parse(std::string_view sdp_value) {
    size_t space = sdp_value.find(' ');
    if (space == std::string_view::npos) return unexpected(FingerprintError::kMalformed);
    Fingerprint fp;
    for (char c : sdp_value.substr(0, space)) fp.algorithm.push_back(static_cast<char>(std::tolower(c)));
    size_t expected = digest_length(fp.algorithm);
    if (expected == 0) return unexpected(FingerprintError::kUnsupportedAlgorithm);

    std::string_view hex = sdp_value.substr(space + 1);
    while (!hex.empty() && (hex.back() == ' ' || hex.back() == '\r')) hex.remove_suffix(1);
    // Exactly "XX:XX:...:XX": 3 characters per byte but the last.
    if (hex.size() != expected * 3 - 1) return unexpected(FingerprintError::kMalformed);
    for (size_t i = 0; i < expected; ++i) {
        int hi = hex_value(hex[i * 3]);
        int lo = hex_value(hex[i * 3 + 1]);
        if (hi < 0 || lo < 0 || (i + 1 < expected && hex[i * 3 + 2] != ':')) {
            return unexpected(FingerprintError::kMalformed);
        }
        fp.digest.push_back(static_cast<uint8_t>(hi * 16 + lo));
    }
    return fp;
}

std::string Fingerprint::hex() const {
    static constexpr char kDigits[] = "0123456789ABCDEF";
    std::string out;
    for (size_t i = 0; i < digest.size(); ++i) {
        if (i > 0) out.push_back(':');
        out.push_back(kDigits[digest[i] >> 4]);
        out.push_back(kDigits[digest[i] & 0xf]);
    }
    return out;
}

}  // namespace polyrtc::dtls
