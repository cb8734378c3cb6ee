#include "core/srtp/cipher.hpp"

#include <mbedtls/aes.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>

namespace polyrtc::srtp {

void AesCounterMode::Free::operator()(mbedtls_aes_context* ctx) const {
    mbedtls_aes_free(ctx);
    delete ctx;
}

std::optional<AesCounterMode> AesCounterMode::create(ByteView key) {
    if (key.size() != 16 && key.size() != 24 && key.size() != 32) return std::nullopt;
    AesCounterMode out;
    out.ctx_.reset(new mbedtls_aes_context);
    mbedtls_aes_init(out.ctx_.get());
    if (mbedtls_aes_setkey_enc(out.ctx_.get(), key.data(), static_cast<unsigned>(key.size() * 8)) != 0) {
        return std::nullopt;
    }
    return out;
}

void AesCounterMode::apply(const std::array<uint8_t, 16>& iv, uint8_t* data, size_t size) {
    if (size == 0) return;
    std::array<uint8_t, 16> counter = iv;
    std::array<uint8_t, 16> block{};
    size_t offset = 0;
    // In place is allowed: mbedTLS reads each input byte before writing that output byte.
    mbedtls_aes_crypt_ctr(ctx_.get(), size, &offset, counter.data(), block.data(), data, data);
}

Bytes AesCounterMode::keystream(const std::array<uint8_t, 16>& iv, size_t size) {
    Bytes out(size, 0);
    apply(iv, out.data(), out.size());
    return out;
}

void HmacSha1::Free::operator()(mbedtls_md_context_t* ctx) const {
    mbedtls_md_free(ctx);
    delete ctx;
}

std::optional<HmacSha1> HmacSha1::create(ByteView key) {
    HmacSha1 out;
    out.ctx_.reset(new mbedtls_md_context_t);
    mbedtls_md_init(out.ctx_.get());
    const mbedtls_md_info_t* info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA1);
    if (info == nullptr || mbedtls_md_setup(out.ctx_.get(), info, 1) != 0) return std::nullopt;
    if (mbedtls_md_hmac_starts(out.ctx_.get(), key.data(), key.size()) != 0) return std::nullopt;
    return out;
}

std::array<uint8_t, HmacSha1::kSize> HmacSha1::compute(ByteView a, ByteView b) {
    std::array<uint8_t, kSize> out{};
    // hmac_reset reuses the keyed inner/outer pads computed once in create().
    mbedtls_md_hmac_reset(ctx_.get());
    mbedtls_md_hmac_update(ctx_.get(), a.data(), a.size());
    if (!b.empty()) mbedtls_md_hmac_update(ctx_.get(), b.data(), b.size());
    mbedtls_md_hmac_finish(ctx_.get(), out.data());
    return out;
}

void AesGcm::Free::operator()(mbedtls_gcm_context* ctx) const {
    mbedtls_gcm_free(ctx);
    delete ctx;
}

std::optional<AesGcm> AesGcm::create(ByteView key) {
    if (key.size() != 16 && key.size() != 32) return std::nullopt;
    AesGcm out;
    out.ctx_.reset(new mbedtls_gcm_context);
    mbedtls_gcm_init(out.ctx_.get());
    if (mbedtls_gcm_setkey(out.ctx_.get(), MBEDTLS_CIPHER_ID_AES, key.data(), static_cast<unsigned>(key.size() * 8)) !=
        0) {
        return std::nullopt;
    }
    return out;
}

Bytes AesGcm::seal(const std::array<uint8_t, kIvSize>& iv, ByteView aad, ByteView plaintext) {
    Bytes out(plaintext.size() + kTagSize);
    mbedtls_gcm_crypt_and_tag(ctx_.get(), MBEDTLS_GCM_ENCRYPT, plaintext.size(), iv.data(), iv.size(), aad.data(),
                              aad.size(), plaintext.data(), out.data(), kTagSize, out.data() + plaintext.size());
    return out;
}

std::optional<Bytes> AesGcm::open(const std::array<uint8_t, kIvSize>& iv, ByteView aad, ByteView sealed) {
    if (sealed.size() < kTagSize) return std::nullopt;
    size_t n = sealed.size() - kTagSize;
    Bytes out(n);
    // mbedTLS compares the tag in constant time and wipes the output on mismatch.
    if (mbedtls_gcm_auth_decrypt(ctx_.get(), n, iv.data(), iv.size(), aad.data(), aad.size(), sealed.data() + n,
                                 kTagSize, sealed.data(), out.data()) != 0) {
        return std::nullopt;
    }
    return out;
}

bool constant_time_equal(const uint8_t* a, const uint8_t* b, size_t size) {
    uint8_t diff = 0;
    for (size_t i = 0; i < size; ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace polyrtc::srtp
