// AEAD_AES_128_GCM for SRTP (RFC 7714), checked against libsrtp's srtp_validate_gcm()
// reference packets (master key 000102..0f, 12-byte master salt a0a1..ab, SSRC 0xcafebabe).
#include <doctest/doctest.h>

#include "core/rtp/rtp_packet.hpp"
#include "core/srtp/cipher.hpp"
#include "core/srtp/key_derivation.hpp"
#include "core/srtp/srtp_context.hpp"
#include "tests/unit/stun/hex.hpp"

namespace polyrtc::srtp {

using testing::from_hex;

namespace {
const char* const kKey = "000102030405060708090a0b0c0d0e0f";
const char* const kSalt = "a0a1a2a3a4a5a6a7a8a9aaab";
const char* const kRtp = "800f1234 decafbad cafebabe abababababababababababababababab";
// header | ciphertext (16) | tag (16)
const char* const kSrtp =
    "800f1234 decafbad cafebabe c5002ede04cfdd2eb91159e0880aa06e d2976826f796b201df3131a127e8a392";
const char* const kRtcp = "81c8000b cafebabe abababababababababababababababab";
// first 8 octets | ciphertext (16) | tag (16) | E=1, index 1
const char* const kSrtcp =
    "81c8000b cafebabe c98b8b5df0392a55852b6c21ac8e7025 c52c6fbea2b3b446ea31123ba88ce61e 80000001";

SrtpContext gcm_context() {
    return SrtpContext::create(from_hex(kKey), from_hex(kSalt), SrtpSuite::kAeadAes128Gcm).value();
}
}  // namespace

TEST_CASE("srtp.gcm: RFC 7714 IV layout is 00 00 SSRC ROC SEQ XOR salt") {
    auto iv = gcm_iv(from_hex("000000000000000000000000"), 0xcafebabe, (uint64_t{1} << 16) | 0x1234);
    CHECK(to_hex(ByteView(iv.data(), iv.size())) == "0000cafebabe000000011234");
    auto salted = gcm_iv(from_hex("ffffffffffffffffffffffff"), 0, 0);
    CHECK(to_hex(ByteView(salted.data(), salted.size())) == "ffffffffffffffffffffffff");
}

TEST_CASE("srtp.gcm: protect and unprotect reproduce libsrtp's AEAD_AES_128_GCM reference packets") {
    auto tx = gcm_context();
    auto rx = gcm_context();
    auto srtp = tx.protect_rtp(from_hex(kRtp));
    REQUIRE(srtp.ok());
    CHECK(to_hex(*srtp) == to_hex(from_hex(kSrtp)));
    CHECK(to_hex(rx.unprotect_rtp(*srtp).value()) == to_hex(from_hex(kRtp)));
    auto srtcp = tx.protect_rtcp(from_hex(kRtcp));
    REQUIRE(srtcp.ok());
    CHECK(to_hex(*srtcp) == to_hex(from_hex(kSrtcp)));
    CHECK(to_hex(rx.unprotect_rtcp(*srtcp).value()) == to_hex(from_hex(kRtcp)));
    // Replays are refused by the same windows as AES-CM.
    CHECK(rx.unprotect_rtp(*srtp).error() == SrtpError::kReplayed);
    CHECK(rx.unprotect_rtcp(*srtcp).error() == SrtpError::kReplayed);
}

TEST_CASE("srtp.gcm: tampering with header, ciphertext, tag or index fails authentication") {
    auto tx = gcm_context();
    Bytes srtp = from_hex(kSrtp);
    for (size_t at : {size_t{2}, size_t{15}, srtp.size() - 1}) {
        auto rx = gcm_context();
        Bytes bad = srtp;
        bad[at] ^= 0x04;
        CHECK(rx.unprotect_rtp(bad).error() == SrtpError::kAuthFailed);
    }
    Bytes srtcp = from_hex(kSrtcp);
    for (size_t at : {size_t{5}, size_t{9}, size_t{30}, srtcp.size() - 1}) {
        auto rx = gcm_context();
        Bytes bad = srtcp;
        bad[at] ^= 0x01;
        CHECK(rx.unprotect_rtcp(bad).error() == SrtpError::kAuthFailed);
    }
    auto rx = gcm_context();
    CHECK(rx.unprotect_rtp(Bytes(27, 0x80)).error() == SrtpError::kTooShort);
    // The 14-byte AES-CM salt is refused for GCM and the other way round.
    CHECK(SrtpContext::create(from_hex(kKey), Bytes(14, 0), SrtpSuite::kAeadAes128Gcm).error() ==
          SrtpError::kBadKeyMaterial);
    CHECK(SrtpContext::create(from_hex(kKey), from_hex(kSalt)).error() == SrtpError::kBadKeyMaterial);
}

TEST_CASE("srtp.gcm: rollover and an unencrypted (E=0) SRTCP packet") {
    auto tx = gcm_context();
    auto rx = gcm_context();
    for (uint32_t i = 0; i < 6; ++i) {
        rtp::RtpHeader h;
        h.sequence_number = static_cast<uint16_t>(65533 + i);
        h.ssrc = 5;
        Bytes plain = rtp::serialize_rtp(h, Bytes(20, static_cast<uint8_t>(i))).value();
        Bytes sealed = tx.protect_rtp(plain).value();
        CHECK(sealed.size() == plain.size() + kGcmTagSize);
        CHECK(rx.unprotect_rtp(sealed).value() == plain);
    }
    CHECK(rx.rollover_counter(5) == 1u);

    // E=0 (RFC 7714 9.2): the whole packet and the index word are associated data, nothing is
    // encrypted. Built here from the RTCP session keys the context derives (salt padded).
    Bytes kdf_salt = from_hex(kSalt);
    kdf_salt.resize(14, 0);
    auto aead = AesGcm::create(derive_session_key(from_hex(kKey), kdf_salt, KeyLabel::kRtcpEncryption, 16));
    Bytes salt = derive_session_key(from_hex(kKey), kdf_salt, KeyLabel::kRtcpSalt, 12);
    Bytes rtcp = from_hex(kRtcp);
    Bytes aad = rtcp;
    Bytes index = {0x00, 0x00, 0x00, 0x09};
    aad.insert(aad.end(), index.begin(), index.end());
    Bytes tag = aead->seal(gcm_iv(salt, 0xcafebabe, 9), aad, ByteView{});
    Bytes packet = rtcp;
    packet.insert(packet.end(), tag.begin(), tag.end());
    packet.insert(packet.end(), index.begin(), index.end());
    CHECK(rx.unprotect_rtcp(packet).value() == rtcp);
}

}  // namespace polyrtc::srtp
