// Whole-stack tests over an impaired UDP leg: seeded loss and reordering between the two
// relayed addresses, and the 1200-byte MTU every datagram must fit.
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stack/stack_test_support.hpp"

namespace polyrtc::testing {

namespace {

RelayPair::Options lossy(double loss, const std::string& seed) {
    RelayPair::Options options;
    options.peer_link.loss = loss;
    options.peer_link.reorder = 0.1;
    options.seed = seed;
    return options;
}

// A stream of messages whose sizes vary from 1 B to 16 KiB, plus a few of 64 KiB.
std::vector<Bytes> mixed_messages(size_t count, uint32_t tag) {
    std::vector<Bytes> out;
    for (size_t i = 0; i < count; ++i) {
        size_t size = i % 25 == 24 ? 65536 : 1 + (i * 2654435761u) % 16384;
        out.push_back(pattern(size, static_cast<uint32_t>(tag + i)));
    }
    return out;
}

uint32_t tag_of(const Bytes& data) {
    return static_cast<uint32_t>(data[0]) << 24 | static_cast<uint32_t>(data[1]) << 16 |
           static_cast<uint32_t>(data[2]) << 8 | data[3];
}

Bytes tagged(uint32_t tag, size_t size) {
    Bytes out = pattern(size, tag);
    out[0] = static_cast<uint8_t>(tag >> 24);
    out[1] = static_cast<uint8_t>(tag >> 16);
    out[2] = static_cast<uint8_t>(tag >> 8);
    out[3] = static_cast<uint8_t>(tag);
    return out;
}

}  // namespace

TEST_CASE("stack.impairment: a reliable channel delivers every byte in order under 10% loss with reordering") {
    // Loss and reordering are on from the start: ICE checks, the DTLS handshake, the SCTP
    // INIT exchange and DCEP all have to recover from lost datagrams too.
    RelayPair pair(lossy(0.10, "reliable under loss"));
    auto& a = pair.a();
    auto& z = pair.z();
    OpenChannel ch = open_channel(pair, channel_init("reliable"), true, Duration::seconds(60));

    // A and Z each send 100 messages (about 1 MB each way) at once.
    std::vector<Bytes> from_a = mixed_messages(100, 1000);
    std::vector<Bytes> from_z = mixed_messages(100, 5000);
    size_t bytes_a = 0;
    for (const auto& m : from_a) {
        REQUIRE(a.pc->send(pair.now(), ch.at_a, true, m).ok());
        bytes_a += m.size();
    }
    for (const auto& m : from_z) REQUIRE(z.pc->send(pair.now(), ch.at_z, true, m).ok());
    MESSAGE("A sends " << bytes_a << " bytes in " << from_a.size() << " messages");

    REQUIRE(pair.drive_until(
        [&] {
            return messages_on(pair, z, ch.at_z).size() == from_a.size() &&
                   messages_on(pair, a, ch.at_a).size() == from_z.size();
        },
        Duration::seconds(300)));

    // The link really lost and reordered datagrams in both directions...
    CHECK(pair.to_z().dropped_loss > 0);
    CHECK(pair.to_a().dropped_loss > 0);
    CHECK(pair.to_z().reordered > 0);
    // ...and Z still reads A's messages in order, every byte, no more, no fewer (and A Z's).
    auto at_z = messages_on(pair, z, ch.at_z);
    auto at_a = messages_on(pair, a, ch.at_a);
    for (size_t i = 0; i < from_a.size(); ++i) {
        INFO("message " << i);
        CHECK(at_z[i].data == from_a[i]);
        CHECK(at_a[i].data == from_z[i]);
    }
    pair.drive_for(Duration::seconds(2));
    CHECK(messages_on(pair, z, ch.at_z).size() == from_a.size());
    // The connection stayed up throughout: a lost consent response does not make it read
    // "disconnected" while DTLS keeps arriving on the pair (IceAgent::handle_activity).
    for (auto* side : {&a, &z}) {
        CAPTURE(side->name);
        CHECK(side->pc->connection_state() == peer::ConnectionState::kConnected);
        for (const auto& e : pair.events_of<peer::IceConnectionStateEvent>(*side)) {
            CHECK(e.state != ice::IceConnectionState::kDisconnected);
        }
    }
    check_within_mtu(pair, 1200);
    CHECK(pair.signaling_errors().empty());
}

TEST_CASE("stack.impairment: a maxRetransmits 0 unordered channel drops lost messages instead of stalling") {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();
    // The channel opens over a clean link (DCEP itself is reliable); then the loss starts.
    peer::DataChannelInit init = channel_init("state");
    init.ordered = false;
    init.max_retransmits = 0;
    OpenChannel ch = open_channel(pair, init, true);
    auto incoming = pair.events_of<peer::DataChannelEvent>(z);
    REQUIRE(incoming.size() == 1);
    CHECK(incoming[0].channel.init.max_retransmits == std::optional<uint16_t>(0));
    CHECK_FALSE(incoming[0].channel.init.ordered);

    pair.peer_link().loss = 0.10;
    pair.peer_link().reorder = 0.1;

    // A sends 400 tagged 1 KiB messages, 10 every 20 ms (a game's state updates).
    constexpr uint32_t kCount = 400;
    for (uint32_t i = 0; i < kCount; ++i) {
        REQUIRE(a.pc->send(pair.now(), ch.at_a, true, tagged(i, 1024)).ok());
        if (i % 10 == 9) pair.drive_for(Duration::millis(20));
    }
    // Long enough for the tail too: when the last packets of the burst are lost, nothing
    // after them reports the gap, so usrsctp abandons them only at its T3 timeout (RTO with
    // backoff) and the messages queued behind wait for the congestion window (seconds, with
    // some seeds). They are never retransmitted, so they cannot stall the channel for good.
    pair.drive_for(Duration::seconds(30));

    // Z got most messages, each intact and at most once, but not all: lost ones were never
    // retransmitted (FORWARD-TSN skipped them), and the ones sent last still arrived.
    auto got = messages_on(pair, z, ch.at_z);
    std::set<uint32_t> tags;
    for (const auto& m : got) {
        uint32_t tag = tag_of(m.data);
        REQUIRE(tag < kCount);
        CHECK(m.data == tagged(tag, 1024));
        CHECK(tags.insert(tag).second);
    }
    MESSAGE("Z received " << got.size() << " of " << kCount << " messages");
    CHECK(pair.to_z().dropped_loss > 0);
    CHECK(got.size() < kCount);
    CHECK(got.size() > kCount / 2);
    size_t last_twenty = 0;
    for (uint32_t tag = kCount - 20; tag < kCount; ++tag) last_twenty += tags.count(tag);
    CHECK(last_twenty > 0);
    // Nothing waits for a retransmission: A's buffer is empty and the connection is healthy.
    CHECK(a.pc->buffered_amount(ch.at_a) == 0);
    CHECK(connected(a));
    CHECK(connected(z));
}

TEST_CASE("stack.impairment: no datagram exceeds the 1200-byte MTU and a smaller MTU is enforced by the link") {
    // Part 1: with the link's MTU at 1200, the handshake (DTLS certificate flights) and a
    // 256 KiB message both ways fit: nothing is dropped for size.
    {
        RelayPair pair;
        OpenChannel ch = open_channel(pair, channel_init("mtu"), true);
        REQUIRE(pair.a().pc->send(pair.now(), ch.at_a, true, pattern(262144, 9)).ok());
        REQUIRE(pair.z().pc->send(pair.now(), ch.at_z, false, bytes_of(text_pattern(262144, 9))).ok());
        REQUIRE(pair.drive_until([&] {
            return !messages_on(pair, pair.z(), ch.at_z).empty() && !messages_on(pair, pair.a(), ch.at_a).empty();
        }));
        check_within_mtu(pair, 1200);
        // Full-size SCTP packets were sent: the largest datagram is close to the MTU.
        CHECK(pair.to_z().largest > 1100);
        MESSAGE("largest datagram A->Z " << pair.to_z().largest << " B, Z->A " << pair.to_a().largest << " B");
    }
    // Part 2: the link really drops what does not fit. With an MTU of 1000 the handshakes
    // still pass (their datagrams are smaller), but the full-size SCTP packets of a 64 KiB
    // message are dropped (and counted) every time they are sent, so it never arrives.
    {
        RelayPair::Options options;
        options.peer_link.mtu = 1000;
        RelayPair pair(options);
        OpenChannel ch = open_channel(pair, channel_init("too big"), true);
        CHECK(pair.to_z().dropped_mtu == 0);
        REQUIRE(pair.a().pc->send(pair.now(), ch.at_a, true, pattern(65536, 10)).ok());
        pair.drive_for(Duration::seconds(10));
        CHECK(pair.to_z().dropped_mtu > 0);
        CHECK(messages_on(pair, pair.z(), ch.at_z).empty());
    }
}

}  // namespace polyrtc::testing
