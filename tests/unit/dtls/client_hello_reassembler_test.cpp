#include "core/dtls/client_hello_reassembler.hpp"

#include <doctest/doctest.h>

#include "tests/unit/dtls/chromium_client_hello.hpp"
#include "tests/unit/dtls/dtls_pair.hpp"
#include "tests/unit/stun/hex.hpp"

namespace polyrtc::dtls {

using polyrtc::testing::from_hex;
using Verdict = ClientHelloReassembler::Verdict;

namespace {

uint32_t u24(const Bytes& b, size_t at) {
    return (uint32_t{b[at]} << 16) | (uint32_t{b[at + 1]} << 8) | b[at + 2];
}

// One handshake record: `body` is the fragment [offset, offset + body.size()) of a message of
// `length` bytes.
Bytes handshake_record(uint8_t msg_type, uint64_t sequence, uint32_t length, uint32_t offset, ByteView body,
                       uint16_t message_seq = 0) {
    ByteWriter w;
    w.write_u8(22);
    w.write_u16(0xfefd);
    w.write_u16(0);
    w.write_u16(static_cast<uint16_t>(sequence >> 32));
    w.write_u32(static_cast<uint32_t>(sequence));
    w.write_u16(static_cast<uint16_t>(12 + body.size()));
    w.write_u8(msg_type);
    w.write_u24(length);
    w.write_u16(message_seq);
    w.write_u24(offset);
    w.write_u24(static_cast<uint32_t>(body.size()));
    w.write_bytes(body);
    return w.take();
}

Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

}  // namespace

TEST_CASE("dtls.client_hello_reassembler: Chromium 156's two ClientHello fragments become one record") {
    Bytes f1 = from_hex(testing::kChromiumClientHelloFragment1);
    Bytes f2 = from_hex(testing::kChromiumClientHelloFragment2);
    REQUIRE(f1.size() == 1200);
    REQUIRE(f2.size() == 263);
    ClientHelloReassembler r;
    CHECK(r.handle(f1) == Verdict::kHeld);
    CHECK(r.take().empty());
    CHECK(r.handle(f2) == Verdict::kComplete);
    Bytes out = r.take();
    // Record: handshake, Chromium's version feff, epoch 0, the later fragment's sequence 1.
    REQUIRE(out.size() == 13 + 12 + 1413);
    CHECK(out[0] == 22);
    CHECK(out[1] == 0xfe);
    CHECK(out[2] == 0xff);
    CHECK(out[3] == 0);
    CHECK(out[4] == 0);
    CHECK(out[10] == 1);
    CHECK(((out[11] << 8) | out[12]) == 12 + 1413);
    // Handshake header: ClientHello, length 1413, message_seq 0, one fragment covering it all.
    CHECK(out[13] == 1);
    CHECK(u24(out, 14) == 1413);
    CHECK(((out[17] << 8) | out[18]) == 0);
    CHECK(u24(out, 19) == 0);
    CHECK(u24(out, 22) == 1413);
    // Body: fragment 1's 1175 bytes then fragment 2's 238.
    CHECK(Bytes(out.begin() + 25, out.begin() + 25 + 1175) == Bytes(f1.begin() + 25, f1.end()));
    CHECK(Bytes(out.begin() + 25 + 1175, out.end()) == Bytes(f2.begin() + 25, f2.end()));
    CHECK(out[25] == 0xfe);  // client_version DTLS 1.2
    CHECK(out[26] == 0xfd);
    CHECK(r.fragments_held() == 2);
    CHECK(r.take().empty());
}

TEST_CASE("dtls.client_hello_reassembler: reordered, repeated and coalesced fragments give the same record") {
    Bytes f1 = from_hex(testing::kChromiumClientHelloFragment1);
    Bytes f2 = from_hex(testing::kChromiumClientHelloFragment2);
    ClientHelloReassembler in_order;
    (void)in_order.handle(f1);
    REQUIRE(in_order.handle(f2) == Verdict::kComplete);
    Bytes expected = in_order.take();

    ClientHelloReassembler reversed;
    CHECK(reversed.handle(f2) == Verdict::kHeld);
    CHECK(reversed.handle(f2) == Verdict::kHeld);  // a retransmission of the same fragment
    CHECK(reversed.handle(f1) == Verdict::kComplete);
    CHECK(reversed.take() == expected);

    ClientHelloReassembler one_datagram;
    CHECK(one_datagram.handle(concat(f1, f2)) == Verdict::kComplete);
    CHECK(one_datagram.take() == expected);
}

TEST_CASE("dtls.client_hello_reassembler: overlapping fragments fill the message once") {
    Bytes body(100);
    for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<uint8_t>(i);
    ClientHelloReassembler r;
    CHECK(r.handle(handshake_record(1, 0, 100, 0, ByteView(body.data(), 60))) == Verdict::kHeld);
    CHECK(r.handle(handshake_record(1, 1, 100, 40, ByteView(body.data() + 40, 50))) == Verdict::kHeld);
    CHECK(r.handle(handshake_record(1, 2, 100, 90, ByteView(body.data() + 90, 10))) == Verdict::kComplete);
    Bytes out = r.take();
    REQUIRE(out.size() == 13 + 12 + 100);
    CHECK(out[10] == 2);  // the highest record sequence number
    CHECK(Bytes(out.begin() + 25, out.end()) == body);
}

TEST_CASE("dtls.client_hello_reassembler: a later ClientHello replaces an incomplete one") {
    Bytes body(50, 0xab);
    ClientHelloReassembler r;
    CHECK(r.handle(handshake_record(1, 0, 50, 0, ByteView(body.data(), 20), 0)) == Verdict::kHeld);
    // message_seq 1 (a ClientHello with a cookie): the message_seq-0 fragment is forgotten.
    CHECK(r.handle(handshake_record(1, 1, 50, 20, ByteView(body.data(), 30), 1)) == Verdict::kHeld);
    CHECK(r.handle(handshake_record(1, 2, 50, 0, ByteView(body.data(), 20), 0)) == Verdict::kHeld);  // stale
    CHECK(r.handle(handshake_record(1, 3, 50, 0, ByteView(body.data(), 20), 1)) == Verdict::kComplete);
    Bytes out = r.take();
    CHECK(((out[17] << 8) | out[18]) == 1);
}

TEST_CASE("dtls.client_hello_reassembler: whole ClientHellos, other messages and bad fragments pass to mbedTLS") {
    Bytes body(40, 1);
    ClientHelloReassembler r;
    CHECK(r.handle(handshake_record(1, 0, 40, 0, body)) == Verdict::kPass);   // not fragmented
    CHECK(r.handle(handshake_record(11, 0, 80, 0, body)) == Verdict::kPass);  // a Certificate fragment
    CHECK(r.handle(handshake_record(1, 0, 60, 30, body)) == Verdict::kPass);  // overruns its message
    CHECK(r.handle(handshake_record(1, 0, ClientHelloReassembler::kMaxMessage + 1, 0, body)) == Verdict::kPass);
    Bytes app = from_hex("17 fefd 0001 000000000005 0005 0102030405");
    CHECK(r.handle(app) == Verdict::kPass);
    CHECK(r.fragments_held() == 0);
}

TEST_CASE("dtls.endpoint: a server answers Chromium 156's fragmented ClientHello with its flight") {
    // Before the reassembler mbedTLS failed this with MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO
    // (-0x7900), which is how every polyrtc offer to a native Chromium failed.
    testing::DtlsPair pair("chromium client hello");
    (void)pair.server().endpoint().start(pair.now());
    pair.inject(pair.server(), from_hex(testing::kChromiumClientHelloFragment1));
    CHECK(pair.transcript().empty());  // held: nothing to answer yet
    pair.inject(pair.server(), from_hex(testing::kChromiumClientHelloFragment2));
    CHECK(!pair.server().failed());
    CHECK(pair.server().endpoint().state() == DtlsState::kHandshaking);
    CHECK(pair.server().endpoint().stats().hello_fragments == 2);
    REQUIRE(!pair.transcript().empty());
    const Bytes& flight = pair.transcript().front().bytes;
    CHECK(pair.transcript().front().from == pair.server().name);
    REQUIRE(flight.size() > 27);
    CHECK(flight[0] == 22);     // handshake
    CHECK(flight[13] == 2);     // ServerHello
    CHECK(flight[25] == 0xfe);  // server_version DTLS 1.2: we do not speak 1.3
    CHECK(flight[26] == 0xfd);
}

TEST_CASE("dtls.endpoint: a handshake completes when the client's ClientHello is split into two fragments") {
    // mbedTLS hashes its ClientHello unfragmented (RFC 6347 4.2.6); the server must hash the
    // reassembled message the same way or the Finished messages would not verify.
    testing::DtlsPair pair("fragmented client hello");
    bool split = false;
    pair.filter = [&](char from, Bytes& datagram) {
        if (split || from != pair.client().name || datagram.size() < 25 || datagram[13] != 1) return true;
        split = true;
        uint32_t length = u24(datagram, 14);
        ByteView body(datagram.data() + 25, length);
        uint32_t half = length / 2;
        // Both fragments keep the record sequence number 0: the client's next record is 1.
        datagram = concat(handshake_record(1, 0, length, 0, ByteView(body.data(), half)),
                          handshake_record(1, 0, length, half, ByteView(body.data() + half, length - half)));
        return true;
    };
    pair.start();
    REQUIRE(pair.drive_until_connected());
    CHECK(split);
    CHECK(pair.server().endpoint().stats().hello_fragments == 1);
    CHECK(pair.client().connected()->srtp_keys.client_write_key ==
          pair.server().connected()->srtp_keys.client_write_key);
}

}  // namespace polyrtc::dtls
