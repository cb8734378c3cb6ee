#include "core/stun/message.hpp"

#include <doctest/doctest.h>

#include "core/stun/channel_data.hpp"
#include "core/stun/demux.hpp"
#include "core/stun/integrity.hpp"
#include "tests/unit/stun/hex.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::stun {

namespace {

net::SocketAddress addr(const char* text) {
    return net::SocketAddress::parse(text).value();
}

// An Allocate success response carrying most TURN attributes, protected and fingerprinted.
Message rich_message(crypto::Csprng& rng) {
    Message m = Message::create(MessageClass::kSuccessResponse, Method::kAllocate, rng);
    m.add_xor_address(AttributeType::kXorRelayedAddress, addr("203.0.113.5:49152"));
    m.add_xor_address(AttributeType::kXorRelayedAddress, addr("[2001:db8::5]:49153"));
    m.add_xor_address(AttributeType::kXorMappedAddress, addr("198.51.100.2:61000"));
    m.add_u32(AttributeType::kLifetime, 600);
    m.add_u64(AttributeType::kReservationToken, 0x0102030405060708ull);
    m.add_string(AttributeType::kSoftware, "polyrtc");
    m.add_address(AttributeType::kAlternateServer, addr("192.0.2.9:3478"));
    m.add_error_code(ErrorCode::kStaleNonce);
    m.add_unknown_attributes({0x7777, 0x0042});
    m.add_channel_number(0x4001);
    m.add_requested_transport();
    m.add_address_family(AttributeType::kRequestedAddressFamily, net::AddressFamily::kIpv6);
    m.add_address_family(AttributeType::kAdditionalAddressFamily, net::AddressFamily::kIpv6);
    m.add_even_port(true);
    m.add_flag(AttributeType::kDontFragment);
    m.add_password_algorithms({{1, {}}, {2, {}}, {0x99, {1, 2, 3}}});
    m.add_password_algorithm({2, {}});
    m.add_address_error_code({net::AddressFamily::kIpv6, 440, "Address Family not Supported"});
    m.add_icmp({3, 1, 0xdeadbeef});
    m.add_u32(AttributeType::kConnectionId, 77);
    m.add_bytes(AttributeType::kGoogNetworkInfo, Bytes{0, 1, 0, 10});
    m.add_bytes(AttributeType::kData, Bytes{1, 2, 3, 4, 5});
    return m;
}

}  // namespace

TEST_CASE("stun.message: message type encodes class and method bits as RFC 8489 figure 3") {
    CHECK(encode_message_type(MessageClass::kRequest, Method::kBinding) == 0x0001);
    CHECK(encode_message_type(MessageClass::kSuccessResponse, Method::kBinding) == 0x0101);
    CHECK(encode_message_type(MessageClass::kErrorResponse, Method::kBinding) == 0x0111);
    CHECK(encode_message_type(MessageClass::kIndication, Method::kSend) == 0x0016);
    CHECK(encode_message_type(MessageClass::kIndication, Method::kData) == 0x0017);
    CHECK(encode_message_type(MessageClass::kRequest, Method::kAllocate) == 0x0003);
    CHECK(encode_message_type(MessageClass::kErrorResponse, Method::kChannelBind) == 0x0119);
    for (uint16_t method = 0; method < 0x1000; method += 7) {
        for (uint8_t c = 0; c < 4; ++c) {
            uint16_t type = encode_message_type(static_cast<MessageClass>(c), static_cast<Method>(method));
            CHECK((type & 0xC000) == 0);
            CHECK(decode_method(type) == static_cast<Method>(method));
            CHECK(decode_message_class(type) == static_cast<MessageClass>(c));
        }
    }
}

TEST_CASE("stun.message: typed attributes round-trip through serialize and parse") {
    auto rng = testing::seeded_rng("stun.message round trip");
    Message m = rich_message(rng);
    Bytes key = long_term_key("user", "realm", "pass");
    SerializeOptions options;
    options.integrity_key = key;
    options.integrity_sha256_key = key;
    options.fingerprint = true;
    Bytes wire = m.serialize(options);
    CHECK(wire.size() == m.encoded_size(options));
    CHECK(is_stun(wire));
    CHECK(classify_packet(wire) == PacketKind::kStun);

    auto p = Message::parse(wire);
    REQUIRE(p.ok());
    CHECK(p->method() == Method::kAllocate);
    CHECK(p->is_success());
    CHECK(p->transaction_id() == m.transaction_id());
    CHECK(p->get_xor_address(AttributeType::kXorRelayedAddress)->to_string() == "203.0.113.5:49152");
    auto relayed = p->get_xor_addresses(AttributeType::kXorRelayedAddress);
    REQUIRE(relayed->size() == 2);
    CHECK((*relayed)[1].to_string() == "[2001:db8::5]:49153");
    CHECK(p->get_xor_address(AttributeType::kXorMappedAddress)->to_string() == "198.51.100.2:61000");
    CHECK(p->get_u32(AttributeType::kLifetime).value() == 600);
    CHECK(p->get_u64(AttributeType::kReservationToken).value() == 0x0102030405060708ull);
    CHECK(p->get_string(AttributeType::kSoftware).value() == "polyrtc");
    CHECK(p->get_address(AttributeType::kAlternateServer)->to_string() == "192.0.2.9:3478");
    CHECK(p->get_error_code().value() == ErrorCodeValue{438, "Stale Nonce"});
    CHECK(p->get_unknown_attributes().value() == std::vector<uint16_t>{0x7777, 0x0042});
    CHECK(p->get_channel_number().value() == 0x4001);
    CHECK(p->get_requested_transport().value() == kProtocolUdp);
    CHECK(p->get_address_family(AttributeType::kRequestedAddressFamily).value() == net::AddressFamily::kIpv6);
    CHECK(p->get_address_family(AttributeType::kAdditionalAddressFamily).value() == net::AddressFamily::kIpv6);
    CHECK(p->get_even_port().value() == true);
    CHECK(p->has(AttributeType::kDontFragment));
    auto algorithms = p->get_password_algorithms();
    REQUIRE(algorithms.ok());
    REQUIRE(algorithms->size() == 3);
    CHECK((*algorithms)[2] == PasswordAlgorithmValue{0x99, {1, 2, 3}});
    CHECK(p->get_password_algorithm()->algorithm == 2);
    auto address_error = p->get_address_error_code();
    REQUIRE(address_error.ok());
    CHECK(address_error->family == net::AddressFamily::kIpv6);
    CHECK(address_error->code == 440);
    CHECK(p->get_icmp().value() == IcmpValue{3, 1, 0xdeadbeef});
    CHECK(p->get_u32(AttributeType::kConnectionId).value() == 77);
    CHECK(p->get_bytes(AttributeType::kGoogNetworkInfo)->to_bytes() == Bytes{0, 1, 0, 10});
    CHECK(p->get_bytes(AttributeType::kData)->to_bytes() == Bytes{1, 2, 3, 4, 5});
    CHECK(p->unknown_comprehension_required().empty());
    CHECK(check_integrity(wire, key).ok());
    CHECK(check_integrity_sha256(wire, key).ok());
    CHECK(check_fingerprint(wire).ok());
    // The three trailer attributes are last, in order.
    REQUIRE(p->attributes().size() >= 3);
    CHECK(p->attributes()[p->attributes().size() - 3].type == AttributeType::kMessageIntegrity);
    CHECK(p->attributes()[p->attributes().size() - 2].type == AttributeType::kMessageIntegritySha256);
    CHECK(p->attributes().back().type == AttributeType::kFingerprint);
    // Re-serializing the parsed message is byte-identical.
    CHECK(to_hex(p->serialize(options)) == to_hex(wire));
    CHECK(to_hex(p->serialize()) == to_hex(wire));
}

TEST_CASE("stun.message: missing and malformed typed attributes are told apart") {
    Message m(MessageClass::kRequest, Method::kBinding, TransactionId{});
    CHECK(m.get_u32(AttributeType::kPriority).error() == StunError::kMissingAttribute);
    CHECK(m.get_xor_address(AttributeType::kXorMappedAddress).error() == StunError::kMissingAttribute);
    m.add(AttributeType::kPriority, Bytes{1, 2, 3});
    CHECK(m.get_u32(AttributeType::kPriority).error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kXorMappedAddress, Bytes{0, 3, 0, 0, 1, 2, 3, 4});  // family 3
    CHECK(m.get_xor_address(AttributeType::kXorMappedAddress).error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kMappedAddress, Bytes{0, 1, 0, 0, 1, 2, 3});  // IPv4 with 3 bytes
    CHECK(m.get_address(AttributeType::kMappedAddress).error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kErrorCode, Bytes{0, 0, 7, 0});  // class 7
    CHECK(m.get_error_code().error() == StunError::kMalformedAttribute);
    m.remove(AttributeType::kErrorCode);
    m.add(AttributeType::kErrorCode, Bytes{0, 0, 4, 100});  // number 100
    CHECK(m.get_error_code().error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kUsername, Bytes(509, 'u'));
    CHECK(m.get_string(AttributeType::kUsername).error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kRealm, Bytes(764, 'r'));
    CHECK(m.get_string(AttributeType::kRealm).error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kNonce, Bytes(763, 'n'));
    CHECK(m.get_string(AttributeType::kNonce)->size() == 763);
    m.add(AttributeType::kUnknownAttributes, Bytes{0, 1, 0});
    CHECK(m.get_unknown_attributes().error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kPasswordAlgorithms, Bytes{0, 1, 0, 8, 1});
    CHECK(m.get_password_algorithms().error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kEvenPort, Bytes{0x80, 0});
    CHECK(m.get_even_port().error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kRequestedAddressFamily, Bytes{3, 0, 0, 0});
    CHECK(m.get_address_family(AttributeType::kRequestedAddressFamily).error() == StunError::kMalformedAttribute);
    m.add(AttributeType::kIcmp, Bytes(7, 0));
    CHECK(m.get_icmp().error() == StunError::kMalformedAttribute);
}

TEST_CASE("stun.message: unknown comprehension-required attributes are reported once each, optional ones not") {
    Message m(MessageClass::kRequest, Method::kAllocate, TransactionId{});
    m.add(static_cast<AttributeType>(0x7001), Bytes{1});
    m.add(static_cast<AttributeType>(0xC001), Bytes{1});  // comprehension-optional
    m.add(static_cast<AttributeType>(0x7001), Bytes{2});
    m.add(static_cast<AttributeType>(0x0042), Bytes{});
    m.add_u32(AttributeType::kLifetime, 1);
    auto p = Message::parse(m.serialize());
    REQUIRE(p.ok());
    CHECK(p->unknown_comprehension_required() == std::vector<uint16_t>{0x7001, 0x0042});
    CHECK(p->to_string() == "Allocate request tid=000000000000000000000000 [0x7001, 0xc001, 0x7001, 0x0042, LIFETIME]");
}

TEST_CASE("stun.message: attributes after MESSAGE-INTEGRITY are ignored except MI-SHA256 and FINGERPRINT") {
    Message m(MessageClass::kRequest, Method::kBinding, TransactionId{});
    m.add_string(AttributeType::kUsername, "a:b");
    Bytes wire = m.serialize_with_integrity(short_term_key("pw"), false);
    // Append a PRIORITY after MESSAGE-INTEGRITY, then a FINGERPRINT; fix the length.
    ByteWriter w(wire);
    w.write_bytes(Bytes{0x00, 0x24, 0x00, 0x04, 0, 0, 0, 9});
    Bytes tampered = w.take();
    tampered[3] = static_cast<uint8_t>(tampered.size() - 20);
    auto p = Message::parse(tampered);
    REQUIRE(p.ok());
    CHECK_FALSE(p->has(AttributeType::kPriority));
    CHECK(check_integrity(tampered, short_term_key("pw")).ok());
}

TEST_CASE("stun.message: attributes after FINGERPRINT are rejected") {
    Message m(MessageClass::kIndication, Method::kBinding, TransactionId{});
    SerializeOptions options;
    options.fingerprint = true;
    ByteWriter w(m.serialize(options));
    w.write_bytes(Bytes{0x80, 0x22, 0x00, 0x00});  // empty SOFTWARE
    Bytes bad = w.take();
    bad[3] = static_cast<uint8_t>(bad.size() - 20);
    CHECK(Message::parse(bad).error() == StunError::kAttributeAfterFingerprint);
    CHECK(check_fingerprint(bad).error() == StunError::kAttributeAfterFingerprint);
}

TEST_CASE("stun.message: every truncation of a valid message fails cleanly") {
    auto rng = testing::seeded_rng("stun.message truncation");
    Bytes wire = rich_message(rng).serialize_with_integrity(short_term_key("x"));
    for (size_t n = 0; n < wire.size(); ++n) {
        ByteView cut(wire.data(), n);
        CAPTURE(n);
        auto p = Message::parse(cut);
        CHECK_FALSE(p.ok());
        CHECK_FALSE(is_stun(cut));
        CHECK_FALSE(check_integrity(cut, short_term_key("x")).ok());
        CHECK_FALSE(check_fingerprint(cut).ok());
        if (n < 20) CHECK(p.error() == StunError::kTooShort);
        if (n >= 20) CHECK(p.error() == StunError::kBadLength);
    }
}

TEST_CASE("stun.message: header and attribute framing errors") {
    Bytes good = Message(MessageClass::kRequest, Method::kBinding, TransactionId{}).serialize();
    REQUIRE(Message::parse(good).ok());

    Bytes top_bits = good;
    top_bits[0] = 0x40;
    CHECK(Message::parse(top_bits).error() == StunError::kNotStun);
    Bytes cookie = good;
    cookie[4] = 0x22;
    CHECK(Message::parse(cookie).error() == StunError::kBadMagicCookie);

    // Length not a multiple of 4 (and the bytes to match it).
    ByteWriter odd(good);
    odd.write_bytes(Bytes{0, 0x24});
    Bytes odd_bytes = odd.take();
    odd_bytes[3] = 2;
    CHECK(Message::parse(odd_bytes).error() == StunError::kBadLength);

    // An attribute whose length runs past the message (oversized attribute length).
    ByteWriter big(good);
    big.write_bytes(Bytes{0x00, 0x24, 0xFF, 0xF0, 0, 0, 0, 0});
    Bytes big_bytes = big.take();
    big_bytes[3] = 8;
    CHECK(Message::parse(big_bytes).error() == StunError::kTruncatedAttribute);

    // Missing padding: a 5-byte USERNAME value with the message ending right after it would
    // leave a length that is not a multiple of 4; with 4 trailing bytes instead of 8 the
    // padding crosses the end.
    ByteWriter pad(good);
    pad.write_bytes(Bytes{0x00, 0x06, 0x00, 0x05, 'a', 'b', 'c', 'd'});
    Bytes pad_bytes = pad.take();
    pad_bytes[3] = 8;
    CHECK(Message::parse(pad_bytes).error() == StunError::kTruncatedAttribute);

    // Wrong-size integrity and fingerprint attributes.
    ByteWriter mi(good);
    mi.write_bytes(Bytes{0x00, 0x08, 0x00, 0x04, 1, 2, 3, 4});
    Bytes mi_bytes = mi.take();
    mi_bytes[3] = 8;
    CHECK(Message::parse(mi_bytes).error() == StunError::kMalformedAttribute);
    ByteWriter fp(good);
    fp.write_bytes(Bytes{0x80, 0x28, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8});
    Bytes fp_bytes = fp.take();
    fp_bytes[3] = 12;
    CHECK(Message::parse(fp_bytes).error() == StunError::kMalformedAttribute);
}

TEST_CASE("stun.message: bad integrity and bad fingerprint are detected") {
    auto rng = testing::seeded_rng("stun.message bad integrity");
    Message m = Message::create(MessageClass::kRequest, Method::kBinding, rng);
    m.add_string(AttributeType::kUsername, "ufrag:peer");
    m.add_u32(AttributeType::kPriority, 12345);
    Bytes wire = m.serialize_with_integrity(short_term_key("secret"));
    CHECK(check_integrity(wire, short_term_key("secret")).ok());
    CHECK(check_fingerprint(wire).ok());
    CHECK(check_integrity(wire, short_term_key("Secret")).error() == StunError::kIntegrityMismatch);
    CHECK(check_integrity_sha256(wire, short_term_key("secret")).error() == StunError::kNoIntegrity);

    // Flip one bit in the PRIORITY value: both checks fail.
    Bytes flipped = wire;
    flipped[20 + 4 + 12 + 4 + 3] ^= 0x01;
    REQUIRE(Message::parse(flipped).ok());
    CHECK(check_integrity(flipped, short_term_key("secret")).error() == StunError::kIntegrityMismatch);
    CHECK(check_fingerprint(flipped).error() == StunError::kFingerprintMismatch);

    // Corrupt only the FINGERPRINT value.
    Bytes bad_crc = wire;
    bad_crc.back() ^= 0xff;
    CHECK(check_integrity(bad_crc, short_term_key("secret")).ok());
    CHECK(check_fingerprint(bad_crc).error() == StunError::kFingerprintMismatch);

    Bytes unprotected = m.serialize();
    CHECK(check_integrity(unprotected, short_term_key("secret")).error() == StunError::kNoIntegrity);
    CHECK(check_fingerprint(unprotected).error() == StunError::kNoFingerprint);
}

TEST_CASE("stun.message: garbage never crashes the parser or the checks") {
    auto rng = testing::seeded_rng("stun.message garbage");
    const Bytes base = rich_message(rng).serialize_with_integrity(short_term_key("k"));
    int parsed = 0;
    for (int i = 0; i < 2000; ++i) {
        Bytes junk;
        if (i % 2 == 0) {
            // Random bytes; half of them with a STUN header so the attribute walker runs.
            size_t size = rng.next_u32() % 120;
            junk = rng.bytes(size);
            if (size >= 20 && (i % 4) == 0) {
                size_t body = (size - 20) & ~size_t{3};
                junk.resize(20 + body);
                junk[0] &= 0x3f;
                junk[2] = static_cast<uint8_t>(body >> 8);
                junk[3] = static_cast<uint8_t>(body);
                junk[4] = 0x21;
                junk[5] = 0x12;
                junk[6] = 0xa4;
                junk[7] = 0x42;
            }
        } else {
            // A valid message with one to three bytes of its attributes overwritten.
            junk = base;
            for (uint32_t k = 0; k <= rng.next_u32() % 3; ++k) {
                junk[20 + rng.next_u32() % (junk.size() - 20)] = static_cast<uint8_t>(rng.next_u32());
            }
        }
        auto p = Message::parse(junk);
        if (p.ok()) {
            ++parsed;
            (void)p->unknown_comprehension_required();
            (void)p->get_xor_address(AttributeType::kXorMappedAddress);
            (void)p->get_error_code();
            (void)p->get_password_algorithms();
            (void)p->to_string();
            // Whatever parses re-serializes to something that parses to the same attributes.
            auto again = Message::parse(p->serialize());
            REQUIRE(again.ok());
            REQUIRE(again->attributes().size() == p->attributes().size());
            for (size_t a = 0; a < p->attributes().size(); ++a) {
                CHECK(again->attributes()[a].type == p->attributes()[a].type);
                CHECK(again->attributes()[a].value == p->attributes()[a].value);
            }
        }
        (void)check_integrity(junk, short_term_key("k"));
        (void)check_fingerprint(junk);
        (void)classify_packet(junk);
    }
    // The STUN-shaped half must reach the attribute walker often enough to mean something.
    CHECK(parsed > 100);
}

TEST_CASE("stun.message: messages too large for the 16-bit length fields serialize to nothing") {
    Message m(MessageClass::kIndication, Method::kData, TransactionId{});
    m.add_bytes(AttributeType::kData, Bytes(65536, 1));
    CHECK(m.serialize().empty());
    Message total(MessageClass::kIndication, Method::kData, TransactionId{});
    total.add_bytes(AttributeType::kData, Bytes(40000, 1));
    total.add_bytes(AttributeType::kData, Bytes(40000, 2));
    CHECK(total.encoded_size() > 65535 + 20);
    CHECK(total.serialize().empty());
    // The largest DATA that fits: 4 + 65528 = 65532, the largest multiple of 4 <= 65535.
    Message fits(MessageClass::kIndication, Method::kData, TransactionId{});
    fits.add_bytes(AttributeType::kData, Bytes(65528, 1));
    Bytes wire = fits.serialize();
    CHECK(wire.size() == 20 + 65532);
    CHECK(Message::parse(wire).ok());
    Message one_more(MessageClass::kIndication, Method::kData, TransactionId{});
    one_more.add_bytes(AttributeType::kData, Bytes(65529, 1));
    CHECK(one_more.serialize().empty());
    CHECK(serialize_channel_data(0x4000, Bytes(65536, 0)).empty());
    CHECK(serialize_channel_data(0x4000, Bytes(65535, 0)).size() == 65539);
}

TEST_CASE("stun.message: responses copy method and transaction id") {
    auto rng = testing::seeded_rng("stun.message response");
    Message request = Message::create(MessageClass::kRequest, Method::kCreatePermission, rng);
    Message response = Message::response_to(request, MessageClass::kErrorResponse);
    CHECK(response.method() == Method::kCreatePermission);
    CHECK(response.is_error());
    CHECK(response.transaction_id() == request.transaction_id());
    Message other = Message::create(MessageClass::kRequest, Method::kCreatePermission, rng);
    CHECK(other.transaction_id() != request.transaction_id());
}

TEST_CASE("stun.message: error codes and reason phrases") {
    CHECK(std::string(reason_phrase(401)) == "Unauthorized");
    CHECK(std::string(reason_phrase(438)) == "Stale Nonce");
    CHECK(std::string(reason_phrase(508)) == "Insufficient Capacity");
    CHECK(std::string(reason_phrase(499)).empty());
    for (uint16_t code : {300, 400, 401, 403, 420, 437, 438, 440, 441, 442, 443, 486, 487, 500, 508}) {
        CAPTURE(code);
        CHECK(std::string(reason_phrase(code)).size() > 0);
        Message m(MessageClass::kErrorResponse, Method::kAllocate, TransactionId{});
        m.add_error_code(code);
        auto p = Message::parse(m.serialize());
        REQUIRE(p.ok());
        CHECK(p->get_error_code()->code == code);
        CHECK(p->get_error_code()->reason == reason_phrase(code));
    }
}

}  // namespace polyrtc::stun
