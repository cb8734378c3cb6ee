// ICE credentials (RFC 8445 section 5.3, grammar in RFC 8839 section 5.4):
//   ice-ufrag = 4*256ice-char, ice-pwd = 22*256ice-char, ice-char = ALPHA / DIGIT / "+" / "/"
// The STUN USERNAME of a check is "<receiver ufrag>:<sender ufrag>" (section 7.2.2) and its
// MESSAGE-INTEGRITY key is the receiver's password.
#pragma once

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/crypto/csprng.hpp"

namespace polyrtc::ice {

enum class CredentialsError {
    kBadUfrag,     // not 4..256 ice-chars
    kBadPassword,  // not 22..256 ice-chars
};
const char* to_string(CredentialsError error);

struct IceCredentials {
    // Chromium's sizes: 4-character ufrag (24 bits of entropy), 24-character password (144 bits).
    static constexpr size_t kGeneratedUfragSize = 4;
    static constexpr size_t kGeneratedPasswordSize = 24;

    std::string ufrag;
    std::string pwd;

    // Fresh random credentials from ice-chars.
    static IceCredentials generate(crypto::Csprng& rng);
    // Checks the RFC 8839 grammar.
    static Status<CredentialsError> validate(std::string_view ufrag, std::string_view pwd);

    bool operator==(const IceCredentials& o) const { return ufrag == o.ufrag && pwd == o.pwd; }
    bool operator!=(const IceCredentials& o) const { return !(*this == o); }
};

}  // namespace polyrtc::ice
