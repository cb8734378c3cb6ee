// SRTP key derivation (RFC 3711 section 4.3) with the AES-CM PRF (4.3.3) and
// key_derivation_rate 0, which is what DTLS-SRTP uses (RFC 5764 4.1.2: "the
// key_derivation_rate ... MUST be zero").
//
//   key_id = label || r, r = index DIV key_derivation_rate = 0 (48 bits)
//   x      = key_id XOR master_salt  (both right-aligned in 112 bits)
//   k      = PRF_n(k_master, x) = AES-CM keystream with IV = x * 2^16, first n bits
#pragma once

#include <cstdint>

#include "core/common/bytes.hpp"

namespace polyrtc::srtp {

enum class KeyLabel : uint8_t {
    kRtpEncryption = 0x00,
    kRtpAuthentication = 0x01,
    kRtpSalt = 0x02,
    kRtcpEncryption = 0x03,
    kRtcpAuthentication = 0x04,
    kRtcpSalt = 0x05,
};

// `length` bytes of session key for `label`. Empty if the master key is not an AES key size
// or the salt is not 14 bytes.
Bytes derive_session_key(ByteView master_key, ByteView master_salt, KeyLabel label, size_t length);

struct SessionKeys {
    Bytes cipher_key;  // 16 bytes for AES_CM_128
    Bytes auth_key;    // 20 bytes for HMAC-SHA1
    Bytes salt;        // 14 bytes
};

// The three keys for RTP (labels 0, 1, 2) or RTCP (3, 4, 5).
SessionKeys derive_session_keys(ByteView master_key, ByteView master_salt, bool rtcp);

}  // namespace polyrtc::srtp
