// RFC 5769 test vectors (and RFC 8489 appendix B.1), byte for byte.
#include <doctest/doctest.h>

#include "core/stun/integrity.hpp"
#include "core/stun/message.hpp"
#include "tests/unit/stun/hex.hpp"

namespace polyrtc::stun {

using testing::from_hex;

namespace {

// RFC 5769 section 2.1, Sample Request. Software "STUN test client", username "evtj:h6vY",
// password "VOkJxbRl1RmTxUk/WvJxBt". Padding bytes are 0x20 in the vectors.
const char* const kSampleRequest =
    "00 01 00 58"                          // Binding request, length 88
    "21 12 a4 42"                          // magic cookie
    "b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"  // transaction id
    "80 22 00 10"                          // SOFTWARE, 16
    "53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
    "00 24 00 04"  // PRIORITY
    "6e 00 01 ff"
    "80 29 00 08"  // ICE-CONTROLLED
    "93 2f f9 b1 51 26 3b 36"
    "00 06 00 09"  // USERNAME, 9 + 3 padding
    "65 76 74 6a 3a 68 36 76 59 20 20 20"
    "00 08 00 14"  // MESSAGE-INTEGRITY
    "9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
    "80 28 00 04"  // FINGERPRINT
    "e5 7a 3b cf";

// Section 2.2, Sample IPv4 Response: software "test vector", 192.0.2.1:32853.
const char* const kIpv4Response =
    "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"  // SOFTWARE "test vector" + 0x20
    "00 20 00 08 00 01 a1 47 e1 12 a6 43"              // XOR-MAPPED-ADDRESS
    "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
    "80 28 00 04 c0 7d 4c 96";

// Section 2.3, Sample IPv6 Response: [2001:db8:1234:5678:11:2233:4455:6677]:32853.
const char* const kIpv6Response =
    "01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"
    "00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41"
    "80 28 00 04 c8 fb 0b 4c";

// Section 2.4, Sample Request with Long-Term Authentication: username U+30DE U+30C8
// U+30EA U+30C3 U+30AF U+30B9, password "TheMatrIX" after SASLprep, nonce
// "f//499k954d6OL34oL9FSTvy64sA", realm "example.org". Padding here is 0x00.
const char* const kLongTermRequest =
    "00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
    "00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00"  // USERNAME
    "00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41"
    "00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"  // REALM
    "00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66";

const char* const kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
const char* const kLongTermUsername = "\xe3\x83\x9e\xe3\x83\x88\xe3\x83\xaa\xe3\x83\x83\xe3\x82\xaf\xe3\x82\xb9";

TransactionId tid(const char* hex) {
    return TransactionId::from_bytes(from_hex(hex));
}

}  // namespace

TEST_CASE("stun.rfc5769: sample request parses, verifies, and re-serializes byte for byte") {
    Bytes raw = from_hex(kSampleRequest);
    REQUIRE(raw.size() == 108);
    auto m = Message::parse(raw);
    REQUIRE(m.ok());
    CHECK(m->method() == Method::kBinding);
    CHECK(m->message_class() == MessageClass::kRequest);
    CHECK(m->transaction_id() == tid("b7e7a701bc34d686fa87dfae"));
    CHECK(m->get_string(AttributeType::kSoftware).value() == "STUN test client");
    CHECK(m->get_u32(AttributeType::kPriority).value() == 0x6e0001ffu);
    CHECK(m->get_u64(AttributeType::kIceControlled).value() == 0x932ff9b151263b36ull);
    CHECK(m->get_string(AttributeType::kUsername).value() == "evtj:h6vY");
    CHECK(check_integrity(raw, short_term_key(kPassword)).ok());
    CHECK(check_fingerprint(raw).ok());

    Message built(MessageClass::kRequest, Method::kBinding, tid("b7e7a701bc34d686fa87dfae"));
    built.add_string(AttributeType::kSoftware, "STUN test client");
    built.add_u32(AttributeType::kPriority, 0x6e0001ff);
    built.add_u64(AttributeType::kIceControlled, 0x932ff9b151263b36ull);
    built.add_string(AttributeType::kUsername, "evtj:h6vY");
    SerializeOptions options;
    options.integrity_key = short_term_key(kPassword);
    options.fingerprint = true;
    options.padding_byte = 0x20;
    CHECK(to_hex(built.serialize(options)) == to_hex(raw));
    // Re-serializing the parsed message recomputes the same trailer.
    CHECK(to_hex(m->serialize(options)) == to_hex(raw));
}

TEST_CASE("stun.rfc5769: IPv4 response decodes XOR-MAPPED-ADDRESS 192.0.2.1:32853 and re-serializes") {
    Bytes raw = from_hex(kIpv4Response);
    REQUIRE(raw.size() == 80);
    auto m = Message::parse(raw);
    REQUIRE(m.ok());
    CHECK(m->is_success());
    CHECK(m->get_string(AttributeType::kSoftware).value() == "test vector");
    CHECK(m->get_xor_address(AttributeType::kXorMappedAddress)->to_string() == "192.0.2.1:32853");
    CHECK(check_integrity(raw, short_term_key(kPassword)).ok());
    CHECK(check_fingerprint(raw).ok());

    Message built(MessageClass::kSuccessResponse, Method::kBinding, tid("b7e7a701bc34d686fa87dfae"));
    built.add_string(AttributeType::kSoftware, "test vector");
    built.add_xor_address(AttributeType::kXorMappedAddress, net::SocketAddress::parse("192.0.2.1:32853").value());
    SerializeOptions options;
    options.integrity_key = short_term_key(kPassword);
    options.fingerprint = true;
    options.padding_byte = 0x20;
    CHECK(to_hex(built.serialize(options)) == to_hex(raw));
}

TEST_CASE("stun.rfc5769: IPv6 response decodes XOR-MAPPED-ADDRESS and re-serializes") {
    Bytes raw = from_hex(kIpv6Response);
    REQUIRE(raw.size() == 92);
    auto m = Message::parse(raw);
    REQUIRE(m.ok());
    auto mapped = m->get_xor_address(AttributeType::kXorMappedAddress);
    REQUIRE(mapped.ok());
    CHECK(mapped->to_string() == "[2001:db8:1234:5678:11:2233:4455:6677]:32853");
    CHECK(check_integrity(raw, short_term_key(kPassword)).ok());
    CHECK(check_fingerprint(raw).ok());

    Message built(MessageClass::kSuccessResponse, Method::kBinding, tid("b7e7a701bc34d686fa87dfae"));
    built.add_string(AttributeType::kSoftware, "test vector");
    built.add_xor_address(AttributeType::kXorMappedAddress, *mapped);
    SerializeOptions options;
    options.integrity_key = short_term_key(kPassword);
    options.fingerprint = true;
    options.padding_byte = 0x20;
    CHECK(to_hex(built.serialize(options)) == to_hex(raw));
}

TEST_CASE("stun.rfc5769: long-term request verifies with MD5(username:realm:password) and re-serializes") {
    Bytes raw = from_hex(kLongTermRequest);
    REQUIRE(raw.size() == 116);
    auto m = Message::parse(raw);
    REQUIRE(m.ok());
    CHECK(m->get_string(AttributeType::kUsername).value() == kLongTermUsername);
    CHECK(m->get_string(AttributeType::kNonce).value() == "f//499k954d6OL34oL9FSTvy64sA");
    CHECK(m->get_string(AttributeType::kRealm).value() == "example.org");
    Bytes key = long_term_key(kLongTermUsername, "example.org", "TheMatrIX");
    CHECK(check_integrity(raw, key).ok());
    CHECK(check_fingerprint(raw).error() == StunError::kNoFingerprint);
    CHECK(check_integrity(raw, long_term_key(kLongTermUsername, "example.org", "TheMatrix")).error() ==
          StunError::kIntegrityMismatch);

    Message built(MessageClass::kRequest, Method::kBinding, tid("78ad3433c6ad72c029da412e"));
    built.add_string(AttributeType::kUsername, kLongTermUsername);
    built.add_string(AttributeType::kNonce, "f//499k954d6OL34oL9FSTvy64sA");
    built.add_string(AttributeType::kRealm, "example.org");
    CHECK(to_hex(built.serialize_with_integrity(key, false)) == to_hex(raw));
}

// RFC 8489 appendix B.1: USERHASH, PASSWORD-ALGORITHM SHA-256 and MESSAGE-INTEGRITY-SHA256.
const char* const kSha256Request =
    "00 01 00 90 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e"
    "00 1e 00 20 4a 3c f3 8f ef 69 92 bd a9 52 c6 78 04 17 da 0f 24 81 94 15 56 9e 60 b2 05 c4 6e 41 40 7f 17 04"
    "00 15 00 29 6f 62 4d 61 74 4a 6f 73 32 41 41 41 43 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39"
    "46 53 54 76 79 36 34 73 41 00 00 00"
    "00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00"
    "00 1d 00 04 00 02 00 00"
    "00 1c 00 20 b5 c7 bf 00 5b 6c 52 a2 1c 51 c5 e8 92 f8 19 24 13 62 96 cb 92 7c 43 14 93 09 27 8c c6 51 8e 65";

TEST_CASE("stun.rfc8489: appendix B.1 userhash, password algorithm and MESSAGE-INTEGRITY-SHA256") {
    Bytes raw = from_hex(kSha256Request);
    REQUIRE(raw.size() == 164);
    auto m = Message::parse(raw);
    REQUIRE(m.ok());
    CHECK(to_hex(m->get_bytes(AttributeType::kUserhash).value().to_bytes()) ==
          to_hex(userhash(kLongTermUsername, "example.org")));
    CHECK(m->get_password_algorithm()->algorithm == static_cast<uint16_t>(PasswordAlgorithm::kSha256));
    CHECK(m->get_string(AttributeType::kNonce).value() == "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
    Bytes key = long_term_key(kLongTermUsername, "example.org", "TheMatrIX", PasswordAlgorithm::kSha256);
    CHECK(check_integrity_sha256(raw, key).ok());
    CHECK(check_integrity_sha256(raw, long_term_key(kLongTermUsername, "example.org", "TheMatrIX")).error() ==
          StunError::kIntegrityMismatch);  // the MD5 key does not verify it

    Message built(MessageClass::kRequest, Method::kBinding, tid("78ad3433c6ad72c029da412e"));
    built.add_bytes(AttributeType::kUserhash, userhash(kLongTermUsername, "example.org"));
    built.add_string(AttributeType::kNonce, "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA");
    built.add_string(AttributeType::kRealm, "example.org");
    built.add_password_algorithm({static_cast<uint16_t>(PasswordAlgorithm::kSha256), {}});
    SerializeOptions options;
    options.integrity_sha256_key = key;
    CHECK(to_hex(built.serialize(options)) == to_hex(raw));
}

}  // namespace polyrtc::stun
