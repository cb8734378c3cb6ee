// Certificate fingerprints as SDP carries them (RFC 8122 section 5):
//
//   a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:...
//
// WebRTC peers pin each other's self-signed DTLS certificate by this value (RFC 8827).
#pragma once

#include <string>
#include <string_view>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"

namespace polyrtc::dtls {

enum class FingerprintError {
    kUnsupportedAlgorithm,  // only sha-256 is generated; sha-1/384/512 are parsed too
    kMalformed,             // not colon-separated hex of the algorithm's digest length
};
const char* to_string(FingerprintError error);

struct Fingerprint {
    std::string algorithm;  // lower case, e.g. "sha-256"
    Bytes digest;

    // SHA-256 over a certificate's DER encoding.
    static Fingerprint sha256_of(ByteView der);
    // Parses "sha-256 AB:CD:..." (the value of an a=fingerprint line). Hex is case-insensitive,
    // the algorithm name too (RFC 8122: "hash-func" tokens are case-insensitive).
    static Result<Fingerprint, FingerprintError> parse(std::string_view sdp_value);

    // Upper-case colon-separated hex, e.g. "4A:AD:...", as browsers emit.
    std::string hex() const;
    // "sha-256 4A:AD:...".
    std::string to_sdp() const { return algorithm + " " + hex(); }

    bool operator==(const Fingerprint& o) const { return algorithm == o.algorithm && digest == o.digest; }
    bool operator!=(const Fingerprint& o) const { return !(*this == o); }
};

}  // namespace polyrtc::dtls
