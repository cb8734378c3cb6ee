// Deterministic randomness for unit tests: every test that needs a Csprng seeds it from a
// fixed label, so failures reproduce exactly.
#pragma once

#include <string_view>

#include "core/crypto/csprng.hpp"

namespace polyrtc::testing {

inline crypto::Csprng seeded_rng(std::string_view label) {
    Bytes seed(crypto::Csprng::kMinSeedSize, 0);
    for (size_t i = 0; i < label.size(); ++i) seed[i % seed.size()] ^= static_cast<uint8_t>(label[i]);
    return std::move(crypto::Csprng::create(seed).value());
}

}  // namespace polyrtc::testing
