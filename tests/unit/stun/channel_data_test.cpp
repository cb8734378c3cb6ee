#include "core/stun/channel_data.hpp"

#include <algorithm>

#include <doctest/doctest.h>

#include "core/stun/demux.hpp"
#include "core/stun/message.hpp"
#include "tests/unit/stun/hex.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::stun {

using testing::from_hex;

TEST_CASE("stun.channel_data: serialize with and without stream padding, parse back") {
    ChannelData cd{0x4001, Bytes{'h', 'e', 'l', 'l', 'o'}};
    CHECK(to_hex(cd.serialize()) == "4001000568656c6c6f");
    CHECK(to_hex(cd.serialize(true)) == "4001000568656c6c6f000000");
    for (bool pad : {false, true}) {
        auto p = ChannelData::parse(cd.serialize(pad));
        REQUIRE(p.ok());
        CHECK(p->channel_number == 0x4001);
        CHECK(p->data == cd.data);
    }
    CHECK(to_hex(serialize_channel_data(0x4FFF, Bytes{}, true)) == "4fff0000");
    CHECK(classify_packet(cd.serialize()) == PacketKind::kChannelData);
}

TEST_CASE("stun.channel_data: rejects short, truncated and out-of-range channel messages") {
    CHECK(ChannelData::parse(from_hex("4001")).error() == StunError::kTooShort);
    CHECK(ChannelData::parse(from_hex("40010005 68656c6c")).error() == StunError::kTruncatedChannelData);
    CHECK(ChannelData::parse(from_hex("3fff0000")).error() == StunError::kBadChannelNumber);
    CHECK(ChannelData::parse(from_hex("50000000")).error() == StunError::kBadChannelNumber);
    CHECK(ChannelData::parse(from_hex("40000000"))->data.empty());
    Bytes cd = serialize_channel_data(0x4100, Bytes(100, 7));
    for (size_t n = 0; n < cd.size(); ++n) CHECK_FALSE(ChannelData::parse(ByteView(cd.data(), n)).ok());
}

TEST_CASE("stun.demux: RFC 7983 first-byte ranges") {
    CHECK(classify_packet(Bytes{}) == PacketKind::kUnknown);
    CHECK(classify_packet(Bytes{0}) == PacketKind::kStun);
    CHECK(classify_packet(Bytes{3}) == PacketKind::kStun);
    CHECK(classify_packet(Bytes{4}) == PacketKind::kUnknown);
    CHECK(classify_packet(Bytes{16}) == PacketKind::kZrtp);
    CHECK(classify_packet(Bytes{20}) == PacketKind::kDtls);
    CHECK(classify_packet(Bytes{22}) == PacketKind::kDtls);
    CHECK(classify_packet(Bytes{63}) == PacketKind::kDtls);
    CHECK(classify_packet(Bytes{64}) == PacketKind::kChannelData);
    CHECK(classify_packet(Bytes{79}) == PacketKind::kChannelData);
    CHECK(classify_packet(Bytes{80}) == PacketKind::kUnknown);
    CHECK(classify_packet(Bytes{127}) == PacketKind::kUnknown);
    CHECK(classify_packet(Bytes{128}) == PacketKind::kRtp);
    CHECK(classify_packet(Bytes{191}) == PacketKind::kRtp);
    CHECK(classify_packet(Bytes{192}) == PacketKind::kUnknown);
    CHECK_FALSE(is_stun(Bytes{0, 1, 0, 0}));
    CHECK_FALSE(is_stun(from_hex("16fefd0000000000000000000000000000000000")));  // DTLS record
}

TEST_CASE("stun.stream_framer: splits a byte stream fed one byte at a time") {
    auto rng = testing::seeded_rng("stun.stream_framer");
    Message m = Message::create(MessageClass::kRequest, Method::kAllocate, rng);
    m.add_requested_transport();
    m.add_string(AttributeType::kUsername, "abc");
    Bytes stun = m.serialize();
    Bytes cd1 = serialize_channel_data(0x4000, Bytes{1, 2, 3}, true);
    Bytes cd2 = serialize_channel_data(0x4fff, Bytes(9, 0xaa), true);
    Bytes stream;
    for (const Bytes* part : {&cd1, &stun, &cd2, &stun}) stream.insert(stream.end(), part->begin(), part->end());

    StreamFramer framer;
    std::vector<Bytes> frames;
    for (uint8_t b : stream) {
        REQUIRE(framer.push(ByteView(&b, 1)));
        for (;;) {
            auto f = framer.next();
            REQUIRE(f.ok());
            if (!*f) break;
            frames.push_back(std::move(**f));
        }
    }
    REQUIRE(frames.size() == 4);
    CHECK(frames[0] == cd1);
    CHECK(frames[1] == stun);
    CHECK(frames[2] == cd2);
    CHECK(frames[3] == stun);
    CHECK(framer.buffered() == 0);
    CHECK(ChannelData::parse(frames[2])->data == Bytes(9, 0xaa));
    CHECK(Message::parse(frames[3]).ok());
}

TEST_CASE("stun.stream_framer: whole buffer at once, then partial tail waits") {
    Bytes a = serialize_channel_data(0x4001, Bytes(5, 1), true);
    Bytes b = serialize_channel_data(0x4002, Bytes(6, 2), true);
    Bytes stream = a;
    stream.insert(stream.end(), b.begin(), b.end() - 3);
    StreamFramer framer;
    REQUIRE(framer.push(stream));
    CHECK(*framer.next().value() == a);
    CHECK_FALSE(framer.next().value().has_value());
    REQUIRE(framer.push(ByteView(b.data() + b.size() - 3, 3)));
    CHECK(*framer.next().value() == b);
}

TEST_CASE("stun.stream_framer: desynchronized streams fail for good") {
    StreamFramer framer;
    REQUIRE(framer.push(from_hex("16 fe fd 00 00 00 00 00")));  // a DTLS record is not TURN framing
    CHECK(framer.next().error() == StunError::kStreamDesync);
    CHECK(framer.desynchronized());
    CHECK_FALSE(framer.push(Bytes{0, 1, 0, 0}));
    CHECK(framer.next().error() == StunError::kStreamDesync);

    StreamFramer bad_channel;
    REQUIRE(bad_channel.push(from_hex("7fff0000")));
    CHECK(bad_channel.next().error() == StunError::kStreamDesync);

    StreamFramer odd_length;
    REQUIRE(odd_length.push(from_hex("00010003 2112a442")));
    CHECK(odd_length.next().error() == StunError::kStreamDesync);

    StreamFramer small(64);
    CHECK(small.push(Bytes(60, 0)));
    CHECK_FALSE(small.push(Bytes(10, 0)));
    CHECK(small.desynchronized());
}

TEST_CASE("stun.stream_framer: reads sized by room() carry back-to-back maximum frames") {
    // A TCP reader asks for up to 64 KiB at a time; with a partial 64 KiB frame buffered a
    // full read would not fit. Reading at most room() bytes always fits and makes progress.
    Bytes frame = serialize_channel_data(0x4000, Bytes(65535, 0x5a), true);
    Bytes stream;
    for (int i = 0; i < 5; ++i) stream.insert(stream.end(), frame.begin(), frame.end());
    StreamFramer framer;
    size_t offset = 0;
    size_t frames = 0;
    constexpr size_t kRead = 64 * 1024;
    while (offset < stream.size()) {
        size_t n = std::min({kRead, framer.room(), stream.size() - offset});
        REQUIRE(n > 0);
        REQUIRE(framer.push(ByteView(stream.data() + offset, n)));
        offset += n;
        for (;;) {
            auto f = framer.next();
            REQUIRE(f.ok());
            if (!*f) break;
            CHECK(**f == frame);
            ++frames;
        }
    }
    CHECK(frames == 5);
    CHECK(framer.buffered() == 0);
}

}  // namespace polyrtc::stun
