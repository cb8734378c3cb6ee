#include "core/ice/credentials.hpp"

namespace polyrtc::ice {

namespace {

constexpr std::string_view kIceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool all_ice_chars(std::string_view s) {
    for (char c : s) {
        if (kIceChars.find(c) == std::string_view::npos) return false;
    }
    return true;
}

std::string random_ice_string(crypto::Csprng& rng, size_t size) {
    // 64 symbols: the low six bits of each random byte pick one without bias.
    const Bytes random = rng.bytes(size);
    std::string out;
    out.reserve(size);
    for (uint8_t b : random) out.push_back(kIceChars[b & 0x3F]);
    return out;
}

}  // namespace

const char* to_string(CredentialsError error) {
    switch (error) {
        case CredentialsError::kBadUfrag: return "ice-ufrag must be 4..256 ice-chars";
        case CredentialsError::kBadPassword: return "ice-pwd must be 22..256 ice-chars";
    }
    return "unknown credentials error";
}

IceCredentials IceCredentials::generate(crypto::Csprng& rng) {
    IceCredentials c;
    c.ufrag = random_ice_string(rng, kGeneratedUfragSize);
    c.pwd = random_ice_string(rng, kGeneratedPasswordSize);
    return c;
}

Status<CredentialsError> IceCredentials::validate(std::string_view ufrag, std::string_view pwd) {
    if (ufrag.size() < 4 || ufrag.size() > 256 || !all_ice_chars(ufrag)) return unexpected(CredentialsError::kBadUfrag);
    if (pwd.size() < 22 || pwd.size() > 256 || !all_ice_chars(pwd)) return unexpected(CredentialsError::kBadPassword);
    return {};
}

}  // namespace polyrtc::ice
