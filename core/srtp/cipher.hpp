// The two primitives SRTP's default transforms need, on mbedTLS: AES in counter mode (RFC
// 3711 4.1.1) and HMAC-SHA1 (RFC 3711 4.2.1).
//
// mbedTLS contexts hold pointers into themselves (the AES round keys) or to heap state (the
// MD context), so each lives behind a unique_ptr and the wrappers move freely.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>

#include "core/common/bytes.hpp"

struct mbedtls_aes_context;
struct mbedtls_md_context_t;
struct mbedtls_gcm_context;

namespace polyrtc::srtp {

// AES-128/256 in counter mode with a 128-bit counter incremented as one big-endian integer,
// which is RFC 3711's "IV + j" (mbedtls_aes_crypt_ctr does exactly that).
class AesCounterMode {
public:
    // nullopt for a key that is not 16, 24 or 32 bytes.
    static std::optional<AesCounterMode> create(ByteView key);

    // XORs the keystream that starts at counter block `iv` into `data` (in place).
    void apply(const std::array<uint8_t, 16>& iv, uint8_t* data, size_t size);
    // The first `size` bytes of keystream from `iv` (the key-derivation PRF).
    Bytes keystream(const std::array<uint8_t, 16>& iv, size_t size);

private:
    struct Free {
        void operator()(mbedtls_aes_context* ctx) const;
    };
    std::unique_ptr<mbedtls_aes_context, Free> ctx_;
};

class HmacSha1 {
public:
    static constexpr size_t kSize = 20;
    static std::optional<HmacSha1> create(ByteView key);

    // HMAC over the concatenation of `a` and `b` (SRTP authenticates packet || ROC).
    std::array<uint8_t, kSize> compute(ByteView a, ByteView b = ByteView{});

private:
    struct Free {
        void operator()(mbedtls_md_context_t* ctx) const;
    };
    std::unique_ptr<mbedtls_md_context_t, Free> ctx_;
};

// AES-GCM (NIST SP 800-38D) with a 96-bit IV and a 128-bit tag, for AEAD_AES_128_GCM.
class AesGcm {
public:
    static constexpr size_t kTagSize = 16;
    static constexpr size_t kIvSize = 12;
    static std::optional<AesGcm> create(ByteView key);

    // plaintext -> ciphertext || tag
    Bytes seal(const std::array<uint8_t, kIvSize>& iv, ByteView aad, ByteView plaintext);
    // ciphertext || tag -> plaintext, or nullopt when the tag does not verify.
    std::optional<Bytes> open(const std::array<uint8_t, kIvSize>& iv, ByteView aad, ByteView sealed);

private:
    struct Free {
        void operator()(mbedtls_gcm_context* ctx) const;
    };
    std::unique_ptr<mbedtls_gcm_context, Free> ctx_;
};

// Compares in time that depends only on the size (tags are secret until checked).
bool constant_time_equal(const uint8_t* a, const uint8_t* b, size_t size);

}  // namespace polyrtc::srtp
