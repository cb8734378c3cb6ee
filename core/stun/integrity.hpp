// STUN authentication and fingerprint (RFC 8489 sections 9, 14.5, 14.6, 14.7, 14.4).
//
// Keys:
//   short-term (ICE):  key = OpaqueString(password)
//   long-term (TURN):  key = MD5(username ":" OpaqueString(realm) ":" OpaqueString(password))
//                      or SHA-256(...) when PASSWORD-ALGORITHM is SHA-256
// polyrtc does not apply OpaqueString/SASLprep: ICE passwords are ASCII by RFC 8839 and the
// relay issues ASCII credentials, so the bytes are used as given (RFC 5769 section 2.4's
// password is therefore passed already prepared, "TheMatrIX").
//
// Verification works on the raw received bytes, as the RFC defines it: the HMAC covers the
// header (with the length rewritten to end at the integrity attribute) and every attribute
// before MESSAGE-INTEGRITY; the CRC covers everything before FINGERPRINT.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/stun/attributes.hpp"

namespace polyrtc::stun {

Bytes short_term_key(std::string_view password);
Bytes long_term_key(std::string_view username, std::string_view realm, std::string_view password,
                    PasswordAlgorithm algorithm = PasswordAlgorithm::kMd5);
// USERHASH value: SHA-256(username ":" realm) (RFC 8489 section 14.4).
Bytes userhash(std::string_view username, std::string_view realm);

// HMAC-SHA1 / HMAC-SHA256 as STUN uses them (exposed for tests and the relay).
Bytes hmac_sha1(ByteView key, ByteView data);
Bytes hmac_sha256(ByteView key, ByteView data);

// CRC-32 (ISO HDLC, as in zlib) XOR 0x5354554e (RFC 8489 section 14.7).
uint32_t compute_fingerprint(ByteView bytes);

// Verifies MESSAGE-INTEGRITY of the STUN message in `raw` (exactly one message).
// kNoIntegrity if the attribute is absent, kIntegrityMismatch if the HMAC differs,
// parse errors (kTooShort, kBadLength ...) if `raw` is not a well-formed message.
// Constant-time comparison.
Status<StunError> check_integrity(ByteView raw, ByteView key);
// MESSAGE-INTEGRITY-SHA256; accepts truncated values of 16..32 bytes (multiple of 4).
Status<StunError> check_integrity_sha256(ByteView raw, ByteView key);
// FINGERPRINT; kNoFingerprint if absent.
Status<StunError> check_fingerprint(ByteView raw);

}  // namespace polyrtc::stun
