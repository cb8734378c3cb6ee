#include "core/dtls/fingerprint.hpp"

#include <doctest/doctest.h>

namespace polyrtc::dtls {

// From a Chromium 156 offer: a=fingerprint:sha-256 ...
constexpr const char* kChromiumFingerprint =
    "sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08";

TEST_CASE("dtls.fingerprint: parses a browser's a=fingerprint value and prints it back") {
    auto fp = Fingerprint::parse(kChromiumFingerprint);
    REQUIRE(fp.ok());
    CHECK(fp->algorithm == "sha-256");
    REQUIRE(fp->digest.size() == 32);
    CHECK(fp->digest[0] == 0x6b);
    CHECK(fp->digest[31] == 0x08);
    CHECK(fp->to_sdp() == kChromiumFingerprint);
}

TEST_CASE("dtls.fingerprint: hash name and hex digits are case-insensitive") {
    auto fp = Fingerprint::parse(
        "SHA-256 6b:8b:f0:65:5f:78:e2:51:3b:ac:6f:f3:3f:46:1b:35:dc:b8:5f:64:1a:24:c2:43:"
        "f0:a1:58:d0:a1:2c:19:08");
    REQUIRE(fp.ok());
    CHECK(*fp == Fingerprint::parse(kChromiumFingerprint).value());
}

TEST_CASE("dtls.fingerprint: rejects malformed values with a reason") {
    CHECK(Fingerprint::parse("sha-256").error() == FingerprintError::kMalformed);
    CHECK(Fingerprint::parse("md5 00:11").error() == FingerprintError::kUnsupportedAlgorithm);
    CHECK(Fingerprint::parse("sha-256 6B:8B").error() == FingerprintError::kMalformed);  // truncated
    CHECK(Fingerprint::parse("sha-256 6B-8B-F0-65-5F-78-E2-51-3B-AC-6F-F3-3F-46-1B-35-DC-B8-5F-64-1A-24-C2-43-F0-"
                             "A1-58-D0-A1-2C-19-08")
              .error() == FingerprintError::kMalformed);  // wrong separator
    CHECK(Fingerprint::parse("sha-256 ZZ:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:"
                             "A1:58:D0:A1:2C:19:08")
              .error() == FingerprintError::kMalformed);  // not hex
}

TEST_CASE("dtls.fingerprint: sha-256 of known bytes") {
    const Bytes abc = {'a', 'b', 'c'};
    // FIPS 180-2 appendix B.1.
    CHECK(Fingerprint::sha256_of(abc).hex() ==
          "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD");
}

}  // namespace polyrtc::dtls
