#include "core/stun/integrity.hpp"

#include <array>
#include <cstring>
#include <string>

#include <mbedtls/md.h>
#include <mbedtls/md5.h>
#include <mbedtls/sha256.h>

#include "core/stun/message.hpp"

namespace polyrtc::stun {

namespace {

Bytes hmac(mbedtls_md_type_t type, ByteView key, ByteView data) {
    const mbedtls_md_info_t* info = mbedtls_md_info_from_type(type);
    Bytes out(mbedtls_md_get_size(info));
    // Cannot fail for a valid md_info (both configurations compile SHA-1 and SHA-256 in).
    mbedtls_md_hmac(info, key.data(), key.size(), data.data(), data.size(), out.data());
    return out;
}

constexpr std::array<uint32_t, 256> make_crc_table() {
    std::array<uint32_t, 256> table{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

bool constant_time_equal(const uint8_t* a, const uint8_t* b, size_t n) {
    uint8_t diff = 0;
    for (size_t i = 0; i < n; ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
    return diff == 0;
}

struct Located {
    size_t offset = 0;  // of the attribute header
    size_t length = 0;  // value length
    bool found = false;
};

// Validates the framing of `raw` (as Message::parse does) and finds the first attribute of
// `type` that RFC 8489 section 14.5 lets count: MESSAGE-INTEGRITY before any
// MESSAGE-INTEGRITY-SHA256/FINGERPRINT, MESSAGE-INTEGRITY-SHA256 before FINGERPRINT.
Result<Located, StunError> locate(ByteView raw, AttributeType type) {
    auto parsed = Message::parse(raw);  // full structural validation
    if (!parsed) return unexpected(parsed.error());
    ByteReader r(raw);
    r.skip(kHeaderSize);
    while (!r.empty()) {
        size_t offset = r.position();
        auto t = static_cast<AttributeType>(*r.read_u16());
        uint16_t length = *r.read_u16();
        r.skip((length + 3u) & ~3u);
        if (t == type) return Located{offset, length, true};
        // Anything this type may not follow ends the search.
        if (t == AttributeType::kFingerprint) break;
        if (type == AttributeType::kMessageIntegrity && t == AttributeType::kMessageIntegritySha256) break;
    }
    return Located{};
}

Status<StunError> check_hmac(ByteView raw, ByteView key, AttributeType type) {
    auto where = locate(raw, type);
    if (!where) return unexpected(where.error());
    if (!where->found) return unexpected(StunError::kNoIntegrity);
    // "the length field of the STUN message header is adjusted to point to the end of the
    // MESSAGE-INTEGRITY attribute" and the HMAC covers everything before the attribute.
    ByteWriter input;
    input.write_bytes(raw.subview(0, where->offset));
    size_t adjusted = where->offset - kHeaderSize + 4 + ((where->length + 3) & ~size_t{3});
    input.patch_u16(2, static_cast<uint16_t>(adjusted));
    Bytes mac =
        type == AttributeType::kMessageIntegrity ? hmac_sha1(key, input.bytes()) : hmac_sha256(key, input.bytes());
    const uint8_t* received = raw.data() + where->offset + 4;
    if (where->length > mac.size() || !constant_time_equal(mac.data(), received, where->length)) {
        return unexpected(StunError::kIntegrityMismatch);
    }
    return {};
}

}  // namespace

Bytes short_term_key(std::string_view password) {
    return Bytes(password.begin(), password.end());
}

Bytes long_term_key(std::string_view username, std::string_view realm, std::string_view password,
                    PasswordAlgorithm algorithm) {
    std::string input;
    input.reserve(username.size() + realm.size() + password.size() + 2);
    input.append(username).append(":").append(realm).append(":").append(password);
    const auto* data = reinterpret_cast<const unsigned char*>(input.data());
    if (algorithm == PasswordAlgorithm::kSha256) {
        Bytes key(32);
        mbedtls_sha256_ret(data, input.size(), key.data(), 0);
        return key;
    }
    Bytes key(16);
    mbedtls_md5_ret(data, input.size(), key.data());
    return key;
}

Bytes userhash(std::string_view username, std::string_view realm) {
    std::string input;
    input.append(username).append(":").append(realm);
    Bytes hash(32);
    mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(input.data()), input.size(), hash.data(), 0);
    return hash;
}

Bytes hmac_sha1(ByteView key, ByteView data) {
    return hmac(MBEDTLS_MD_SHA1, key, data);
}
Bytes hmac_sha256(ByteView key, ByteView data) {
    return hmac(MBEDTLS_MD_SHA256, key, data);
}

uint32_t compute_fingerprint(ByteView bytes) {
    uint32_t crc = 0xFFFFFFFFu;
    for (uint8_t b : bytes) crc = kCrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
    return (crc ^ 0xFFFFFFFFu) ^ 0x5354554Eu;
}

// RFC 8489 section 14.5.
Status<StunError> check_integrity(ByteView raw, ByteView key) {
    return check_hmac(raw, key, AttributeType::kMessageIntegrity);
}

// RFC 8489 section 14.6.
Status<StunError> check_integrity_sha256(ByteView raw, ByteView key) {
    return check_hmac(raw, key, AttributeType::kMessageIntegritySha256);
}

// RFC 8489 section 14.7: "the CRC-32 of the STUN message up to (but excluding) the
// FINGERPRINT attribute itself, XOR'ed with the 32-bit value 0x5354554e".
Status<StunError> check_fingerprint(ByteView raw) {
    auto where = locate(raw, AttributeType::kFingerprint);
    if (!where) return unexpected(where.error());
    if (!where->found) return unexpected(StunError::kNoFingerprint);
    uint32_t expected = compute_fingerprint(raw.subview(0, where->offset));
    uint32_t received = *ByteReader(raw.subview(where->offset + 4, 4)).read_u32();
    if (expected != received) return unexpected(StunError::kFingerprintMismatch);
    return {};
}

}  // namespace polyrtc::stun
