// RFC 3711 appendix B test vectors, byte for byte, and libsrtp's reference packets.
#include <doctest/doctest.h>

#include "core/srtp/cipher.hpp"
#include "core/srtp/key_derivation.hpp"
#include "core/srtp/srtp_context.hpp"
#include "tests/unit/stun/hex.hpp"

namespace polyrtc::srtp {

using testing::from_hex;

TEST_CASE("srtp.rfc3711: B.2 AES-CM keystream segment matches block for block") {
    // Session key 2B7E151628AED2A6ABF7158809CF4F3C, session salt F0F1..FD, ROC 0, SEQ 0,
    // SSRC 0: the IV is F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000. The segment is 0xFF02 blocks.
    Bytes salt = from_hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
    auto iv = aes_cm_iv(salt, 0, 0);
    CHECK(to_hex(ByteView(iv.data(), iv.size())) == "f0f1f2f3f4f5f6f7f8f9fafbfcfd0000");
    auto aes = AesCounterMode::create(from_hex("2B7E151628AED2A6ABF7158809CF4F3C"));
    REQUIRE(aes.has_value());
    Bytes ks = aes->keystream(iv, size_t{0xFF02} * 16);
    auto block = [&](size_t n) { return to_hex(ByteView(ks.data() + n * 16, 16)); };
    CHECK(block(0x0000) == "e03ead0935c95e80e166b16dd92b4eb4");
    CHECK(block(0x0001) == "d23513162b02d0f72a43a2fe4a5f97ab");
    CHECK(block(0x0002) == "41e95b3bb0a2e8dd477901e4fca894c0");
    CHECK(block(0xFEFF) == "ec8cdf7398607cb0f2d21675ea9ea1e4");
    CHECK(block(0xFF00) == "362b7c3c6773516318a077d7fc5073ae");
    CHECK(block(0xFF01) == "6a2cc3787889374fbeb4c81b17ba6c44");
}

TEST_CASE("srtp.rfc3711: B.3 key derivation gives the cipher key, salt and auth key") {
    Bytes master_key = from_hex("E1F97A0D3E018BE0D64FA32C06DE4139");
    Bytes master_salt = from_hex("0EC675AD498AFEEBB6960B3AABE6");
    CHECK(to_hex(derive_session_key(master_key, master_salt, KeyLabel::kRtpEncryption, 16)) ==
          "c61e7a93744f39ee10734afe3ff7a087");
    CHECK(to_hex(derive_session_key(master_key, master_salt, KeyLabel::kRtpSalt, 14)) ==
          "30cbbc08863d8c85d49db34a9ae1");
    // B.3 lists 94 bytes of authentication key; SHA1-HMAC uses the first 20.
    CHECK(to_hex(derive_session_key(master_key, master_salt, KeyLabel::kRtpAuthentication, 94)) ==
          "cebe321f6ff7716b6fd4ab49af256a156d38baa48f0a0acf3c34e2359e6cdbce"
          "e049646c43d9327ad175578ef72270986371c10c9a369ac2f94a8c5fbcdddc25"
          "6d6e919a48b610ef17c2041e474035766b68642c59bbfc2f34db60dbdfb2");
    SessionKeys keys = derive_session_keys(master_key, master_salt, false);
    CHECK(to_hex(keys.auth_key) == "cebe321f6ff7716b6fd4ab49af256a156d38baa4");
    // Wrong sizes derive nothing.
    CHECK(derive_session_key(master_key, from_hex("00"), KeyLabel::kRtpSalt, 14).empty());
    CHECK(derive_session_key(from_hex("0011"), master_salt, KeyLabel::kRtpSalt, 14).empty());
}

namespace {
// libsrtp's srtp_validate() reference packets for the default policy (AES_CM_128_HMAC_SHA1_80)
// with the B.3 master key and salt, SSRC 0xcafebabe: an independent check of the whole
// transform (IV, encryption, ROC in the MAC, tag truncation, SRTCP E+index).
const char* const kMaster = "E1F97A0D3E018BE0D64FA32C06DE4139";
const char* const kSalt = "0EC675AD498AFEEBB6960B3AABE6";
const char* const kRtp = "800f1234 decafbad cafebabe abababababababababababababababab";
const char* const kSrtp = "800f1234 decafbad cafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb";
const char* const kRtcp = "81c8000b cafebabe abababababababababababababababab";
const char* const kSrtcp = "81c8000b cafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798";
}  // namespace

TEST_CASE("srtp.rfc3711: protect and unprotect reproduce libsrtp's reference SRTP and SRTCP packets") {
    auto sender = SrtpContext::create(from_hex(kMaster), from_hex(kSalt));
    auto receiver = SrtpContext::create(from_hex(kMaster), from_hex(kSalt));
    REQUIRE(sender.ok());
    REQUIRE(receiver.ok());
    auto srtp = sender->protect_rtp(from_hex(kRtp));
    REQUIRE(srtp.ok());
    CHECK(to_hex(*srtp) == to_hex(from_hex(kSrtp)));
    auto rtp = receiver->unprotect_rtp(*srtp);
    REQUIRE(rtp.ok());
    CHECK(to_hex(*rtp) == to_hex(from_hex(kRtp)));

    auto srtcp = sender->protect_rtcp(from_hex(kRtcp));
    REQUIRE(srtcp.ok());
    CHECK(to_hex(*srtcp) == to_hex(from_hex(kSrtcp)));
    auto rtcp = receiver->unprotect_rtcp(*srtcp);
    REQUIRE(rtcp.ok());
    CHECK(to_hex(*rtcp) == to_hex(from_hex(kRtcp)));
}

}  // namespace polyrtc::srtp
