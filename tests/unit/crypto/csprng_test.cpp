#include "core/crypto/csprng.hpp"

#include <doctest/doctest.h>

namespace polyrtc::crypto {

TEST_CASE("crypto.csprng: the same seed gives the same stream and another seed another") {
    Bytes seed_a(32, 0x11), seed_b(32, 0x22);
    auto a1 = Csprng::create(seed_a);
    auto a2 = Csprng::create(seed_a);
    auto b = Csprng::create(seed_b);
    REQUIRE(a1.ok());
    REQUIRE(a2.ok());
    REQUIRE(b.ok());
    Bytes x = a1->bytes(100), y = a2->bytes(100), z = b->bytes(100);
    CHECK(x == y);
    CHECK(x != z);
    CHECK(a1->bytes(100) != x);  // the stream moves on
}

TEST_CASE("crypto.csprng: refuses a seed shorter than 32 bytes") {
    auto rng = Csprng::create(Bytes(31, 0));
    REQUIRE_FALSE(rng.ok());
    CHECK(rng.error() == CsprngError::kSeedTooShort);
}

TEST_CASE("crypto.csprng: serves requests larger than one DRBG call") {
    auto rng = Csprng::create(Bytes(40, 7));
    REQUIRE(rng.ok());
    Bytes big = rng->bytes(5000);
    // Not all zero, and the two halves differ: output really was generated throughout.
    CHECK(Bytes(big.begin(), big.begin() + 2500) != Bytes(big.begin() + 2500, big.end()));
    CHECK(Bytes(big.end() - 64, big.end()) != Bytes(64, 0));
}

}  // namespace polyrtc::crypto
