#include "core/srtp/key_derivation.hpp"

#include <array>

#include "core/srtp/cipher.hpp"

namespace polyrtc::srtp {

namespace {
constexpr size_t kSaltSize = 14;
}

Bytes derive_session_key(ByteView master_key, ByteView master_salt, KeyLabel label, size_t length) {
    if (master_salt.size() != kSaltSize) return {};
    auto aes = AesCounterMode::create(master_key);
    if (!aes) return {};
    // IV = (master_salt XOR key_id) * 2^16: the salt fills bytes 0..13; key_id (label then
    // 48 zero bits of r) is right-aligned, so the label lands on byte 7.
    std::array<uint8_t, 16> iv{};
    for (size_t i = 0; i < kSaltSize; ++i) iv[i] = master_salt[i];
    iv[7] ^= static_cast<uint8_t>(label);
    return aes->keystream(iv, length);
}

SessionKeys derive_session_keys(ByteView master_key, ByteView master_salt, bool rtcp) {
    SessionKeys keys;
    keys.cipher_key = derive_session_key(
        master_key, master_salt, rtcp ? KeyLabel::kRtcpEncryption : KeyLabel::kRtpEncryption, master_key.size());
    keys.auth_key = derive_session_key(master_key, master_salt,
                                       rtcp ? KeyLabel::kRtcpAuthentication : KeyLabel::kRtpAuthentication, 20);
    keys.salt = derive_session_key(master_key, master_salt, rtcp ? KeyLabel::kRtcpSalt : KeyLabel::kRtpSalt, kSaltSize);
    return keys;
}

}  // namespace polyrtc::srtp
