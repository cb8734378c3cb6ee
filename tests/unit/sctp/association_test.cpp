// SctpAssociation between two peers A and Z wired in memory (sctp_pair.hpp).
#include "core/sctp/association.hpp"

#include <memory>

#include <doctest/doctest.h>

#include "core/sctp/stack.hpp"
#include "tests/unit/sctp/sctp_pair.hpp"

namespace polyrtc::sctp {
namespace {

using testing::LinkConfig;
using SctpPair = testing::Pair<SctpAssociation>;

SctpPair make_pair(std::string_view seed, LinkConfig link = {}, AssociationConfig config = {}) {
    auto a = SctpAssociation::create(config);
    auto z = SctpAssociation::create(config);
    REQUIRE(a.ok());
    REQUIRE(z.ok());
    return SctpPair(std::move(*a), std::move(*z), link, seed);
}

void connect(SctpPair& pair) {
    REQUIRE(pair.a.start(pair.now()).ok());
    REQUIRE(pair.z.start(pair.now()).ok());
    REQUIRE(pair.drive_until([&] {
        return pair.a.state() == AssociationState::kConnected && pair.z.state() == AssociationState::kConnected;
    }));
    REQUIRE(SctpPair::take<ConnectedEvent>(pair.a_events).has_value());
    REQUIRE(SctpPair::take<ConnectedEvent>(pair.z_events).has_value());
}

Bytes pattern(size_t size, uint32_t seed) {
    Bytes out(size);
    uint32_t x = seed * 2654435761u + 1;
    for (auto& b : out) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<uint8_t>(x >> 11);
    }
    return out;
}

std::vector<MessageEvent> messages(std::deque<Event>& events) {
    std::vector<MessageEvent> out;
    while (auto m = SctpPair::take<MessageEvent>(events)) out.push_back(std::move(*m));
    return out;
}

}  // namespace

TEST_CASE("sctp.association: both peers connect (simultaneous open) and agree on 1024 streams") {
    auto pair = make_pair("sctp-connect");
    Timestamp t0 = pair.now();
    connect(pair);
    CHECK(pair.a.outbound_streams() == kMaxStreams);
    CHECK(pair.a.inbound_streams() == kMaxStreams);
    CHECK(pair.z.outbound_streams() == kMaxStreams);
    // One round trip plus the cookie exchange: well under a second with 10 ms latency.
    CHECK((pair.now() - t0) < Duration::millis(200));
    CHECK(Stack::stats().live_associations >= 2);
}

TEST_CASE(
    "sctp.association: a peer INIT that arrives before our start() is dropped and our own INIT connects at once") {
    auto pair = make_pair("sctp-late-start");
    Timestamp t0 = pair.now();
    REQUIRE(pair.a.start(pair.now()).ok());
    // A's INIT reaches Z at 10 ms; Z's DTLS "finishes" at 15 ms and only then starts SCTP.
    pair.drive_for(Duration::millis(15));
    CHECK(pair.z_to_a.sent == 0);
    CHECK(pair.a_to_z.delivered == 1);
    REQUIRE(pair.z.start(pair.now()).ok());
    REQUIRE(pair.drive_until([&] {
        return pair.a.state() == AssociationState::kConnected && pair.z.state() == AssociationState::kConnected;
    }));
    // Z's INIT meets A in COOKIE-WAIT (RFC 4960 §5.2.1): no need to wait for A's INIT
    // retransmission (RTO 1 s).
    CHECK((pair.now() - t0) < Duration::millis(300));
    CHECK(pair.z.stats().packets_dropped_before_start == 1);
}

TEST_CASE("sctp.association: messages of 1 B to 256 KiB arrive intact, ordered and unordered, both ways") {
    auto pair = make_pair("sctp-sizes");
    connect(pair);
    const std::vector<size_t> sizes = {1, 2, 100, 1151, 1152, 1153, 4000, 65535, 65536, 65537, 100000, 262144};
    uint32_t seed = 1;
    for (bool ordered : {true, false}) {
        for (size_t size : sizes) {
            Reliability r;
            r.ordered = ordered;
            REQUIRE(pair.a.send(1, 53, pattern(size, seed), SendOptions{r, true}).ok());
            REQUIRE(pair.z.send(2, 51, pattern(size, seed + 1000), SendOptions{r, true}).ok());
            ++seed;
        }
    }
    size_t expected = sizes.size() * 2;
    std::vector<MessageEvent> at_z, at_a;
    REQUIRE(pair.drive_until([&] {
        for (auto& m : messages(pair.z_events)) at_z.push_back(std::move(m));
        for (auto& m : messages(pair.a_events)) at_a.push_back(std::move(m));
        return at_z.size() == expected && at_a.size() == expected;
    }));
    // Ordered messages keep their order; unordered ones may overtake each other, so match by
    // content (every byte compared).
    seed = 1;
    for (bool ordered : {true, false}) {
        for (size_t size : sizes) {
            Bytes want_z = pattern(size, seed), want_a = pattern(size, seed + 1000);
            auto find = [&](std::vector<MessageEvent>& got, const Bytes& want, uint16_t stream, uint32_t ppid) {
                for (auto& m : got) {
                    if (m.data == want && m.stream == stream && m.ppid == ppid && m.unordered == !ordered) return true;
                }
                return false;
            };
            CHECK(find(at_z, want_z, 1, 53));
            CHECK(find(at_a, want_a, 2, 51));
            ++seed;
        }
    }
    for (size_t i = 0; i < sizes.size(); ++i) {
        CHECK(at_z[i].data.size() == sizes[i]);  // the ordered ones came first, in order
        CHECK_FALSE(at_z[i].unordered);
    }
}

TEST_CASE("sctp.association: no packet is larger than the configured SCTP packet size") {
    LinkConfig link;
    link.mtu = kDefaultMaxPacketSize;  // the pair drops (and counts) anything larger
    auto pair = make_pair("sctp-mtu", link);
    connect(pair);
    REQUIRE(pair.a.send(1, 53, pattern(200000, 7), SendOptions{}).ok());
    REQUIRE(pair.drive_until([&] { return SctpPair::count<MessageEvent>(pair.z_events) == 1; }));
    CHECK(pair.a_to_z.dropped_mtu == 0);
    CHECK(pair.z_to_a.dropped_mtu == 0);
    CHECK(pair.a.stats().largest_packet_sent <= kDefaultMaxPacketSize);
    // Full-sized DATA packets were used (not a needlessly small MTU).
    CHECK(pair.a.stats().largest_packet_sent > kDefaultMaxPacketSize - 32);
    CHECK(kDefaultMaxPacketSize + kDtlsRecordOverhead == 1200);
}

TEST_CASE("sctp.association: a reliable ordered stream delivers every byte in order under 10% loss") {
    LinkConfig link;
    link.loss = 0.10;
    link.reorder = 0.05;
    link.latency = Duration::millis(25);
    auto pair = make_pair("sctp-loss", link);
    connect(pair);
    Timestamp t0 = pair.now();
    constexpr int kCount = 300;
    for (int i = 0; i < kCount; ++i) {
        size_t size = (i % 10 == 9) ? 20000 : 1000 + static_cast<size_t>(i);
        REQUIRE(pair.a.send(3, 53, pattern(size, static_cast<uint32_t>(i)), SendOptions{}).ok());
    }
    std::vector<MessageEvent> got;
    REQUIRE(pair.drive_until(
        [&] {
            for (auto& m : messages(pair.z_events)) got.push_back(std::move(m));
            return got.size() == kCount;
        },
        Duration::seconds(600)));
    for (int i = 0; i < kCount; ++i) {
        size_t size = (i % 10 == 9) ? 20000 : 1000 + static_cast<size_t>(i);
        REQUIRE(got[static_cast<size_t>(i)].data == pattern(size, static_cast<uint32_t>(i)));
    }
    CHECK(pair.a_to_z.dropped_loss > 10);
    CHECK(pair.a.state() == AssociationState::kConnected);
    MESSAGE("10% loss, 25 ms one way: 300 messages in " << (pair.now() - t0).as_millis() << " ms simulated");
}

TEST_CASE("sctp.association: max_retransmits 0 unordered drops lost messages instead of stalling") {
    LinkConfig link;
    link.latency = Duration::millis(20);
    auto pair = make_pair("sctp-pr", link);
    connect(pair);
    pair.link().loss = 0.2;
    constexpr uint32_t kCount = 200;
    Reliability pr;
    pr.ordered = false;
    pr.max_retransmits = 0;
    for (uint32_t i = 0; i < kCount; ++i) {
        Bytes m = pattern(500, i);
        m[0] = static_cast<uint8_t>(i);
        m[1] = static_cast<uint8_t>(i >> 8);
        REQUIRE(pair.a.send(5, 53, m, SendOptions{pr, true}).ok());
    }
    pair.drive_for(Duration::seconds(5));
    pair.link().loss = 0.0;
    // A reliable marker sent after the loss: it arrives, so nothing stalls behind the lost ones.
    REQUIRE(pair.a.send(6, 51, Bytes{'e', 'n', 'd'}, SendOptions{}).ok());
    std::vector<MessageEvent> got;
    bool marker = false;
    REQUIRE(pair.drive_until(
        [&] {
            for (auto& m : messages(pair.z_events)) {
                if (m.stream == 6)
                    marker = true;
                else
                    got.push_back(std::move(m));
            }
            return marker;
        },
        Duration::seconds(30)));
    pair.drive_for(Duration::seconds(2));
    for (auto& m : messages(pair.z_events)) got.push_back(std::move(m));
    CHECK(got.size() < kCount);      // some were abandoned, not retransmitted
    CHECK(got.size() > kCount / 2);  // most arrived
    uint32_t highest = 0;
    for (auto& m : got) {
        CHECK(m.unordered);
        uint32_t i = static_cast<uint32_t>(m.data[0]) | (static_cast<uint32_t>(m.data[1]) << 8);
        Bytes want = pattern(500, i);
        want[0] = m.data[0];
        want[1] = m.data[1];
        CHECK(m.data == want);
        highest = std::max(highest, i);
    }
    CHECK(highest >= kCount - 5);  // messages after the lost ones arrived
    MESSAGE("max_retransmits 0 at 20% loss: " << got.size() << "/" << kCount << " delivered");
}

TEST_CASE("sctp.association: messages above the remote max-message-size are refused, nothing queued") {
    AssociationConfig config;
    config.remote_max_message_size = 1000;
    auto pair = make_pair("sctp-too-large", {}, config);
    connect(pair);
    auto status = pair.a.send(1, 53, Bytes(1001, 1), SendOptions{});
    REQUIRE_FALSE(status.ok());
    CHECK(status.error() == SctpError::kMessageTooLarge);
    CHECK(pair.a.queued_bytes() == 0);
    CHECK(pair.a.send(1, 53, Bytes(1000, 1), SendOptions{}).ok());
    CHECK(pair.a.send(1, 53, Bytes(), SendOptions{}).error() == SctpError::kEmptyMessage);
    CHECK(pair.a.send(kMaxStreams, 53, Bytes(1, 1), SendOptions{}).error() == SctpError::kInvalidStream);
    Reliability both;
    both.max_retransmits = 1;
    both.max_packet_lifetime_ms = 1;
    CHECK(pair.a.send(1, 53, Bytes(1, 1), SendOptions{both, true}).error() == SctpError::kInvalidReliability);
}

TEST_CASE("sctp.association: incoming messages above the local max-message-size are discarded") {
    AssociationConfig big;
    big.remote_max_message_size = 100000;
    big.local_max_message_size = 100000;
    AssociationConfig small = big;
    small.local_max_message_size = 5000;
    auto a = SctpAssociation::create(big);
    auto z = SctpAssociation::create(small);
    REQUIRE(a.ok());
    REQUIRE(z.ok());
    SctpPair pair(std::move(*a), std::move(*z), {}, "sctp-local-limit");
    connect(pair);
    REQUIRE(pair.a.send(1, 53, pattern(50000, 1), SendOptions{}).ok());
    REQUIRE(pair.a.send(1, 53, pattern(5000, 2), SendOptions{}).ok());
    REQUIRE(pair.drive_until([&] { return SctpPair::count<MessageEvent>(pair.z_events) == 1; }));
    auto m = SctpPair::take<MessageEvent>(pair.z_events);
    CHECK(m->data == pattern(5000, 2));
    CHECK(pair.z.stats().messages_dropped_too_large == 1);
}

TEST_CASE("sctp.association: buffered amount grows on send and falls to 0 as usrsctp takes the bytes") {
    auto pair = make_pair("sctp-buffered");
    connect(pair);
    // 4 MiB on stream 1: more than the 1 MiB send buffer, so usrsctp takes it in pieces.
    constexpr size_t kMessage = 200000;
    for (int i = 0; i < 20; ++i)
        REQUIRE(pair.a.send(1, 53, pattern(kMessage, static_cast<uint32_t>(i)), SendOptions{}).ok());
    REQUIRE(pair.a.send(2, 50, Bytes(10, 1), SendOptions{Reliability{}, false}).ok());  // not counted
    CHECK(pair.a.buffered_amount(1) == 20 * kMessage);
    CHECK(pair.a.buffered_amount(2) == 0);
    CHECK(pair.a.queued_bytes() == 20 * kMessage + 10);
    pair.pump();
    // The first flush filled usrsctp's buffer; the rest is still ours.
    size_t after_first = pair.a.buffered_amount(1);
    CHECK(after_first > 0);
    CHECK(after_first < 20 * kMessage);
    std::vector<size_t> reported;
    size_t received = 0;
    REQUIRE(pair.drive_until(
        [&] {
            while (auto e = SctpPair::take<BufferedAmountDecreasedEvent>(pair.a_events)) {
                CHECK(e->stream == 1);
                reported.push_back(e->buffered_amount);
            }
            received += messages(pair.z_events).size();
            return received == 21;
        },
        Duration::seconds(120)));
    REQUIRE(reported.size() >= 3);
    CHECK(std::is_sorted(reported.rbegin(), reported.rend()));  // only ever decreases
    CHECK(reported.back() == 0);
    CHECK(pair.a.buffered_amount(1) == 0);
    CHECK(pair.a.queued_bytes() == 0);
}

TEST_CASE("sctp.association: resetting a stream completes on the sender and is reported to the receiver") {
    auto pair = make_pair("sctp-reset");
    connect(pair);
    REQUIRE(pair.a.send(4, 53, pattern(3000, 1), SendOptions{}).ok());
    REQUIRE(pair.a.reset_streams({4}).ok());  // after the queued message
    REQUIRE(pair.drive_until([&] {
        return SctpPair::count<OutgoingStreamsResetEvent>(pair.a_events) == 1 &&
               SctpPair::count<IncomingStreamsResetEvent>(pair.z_events) == 1;
    }));
    // The message went out before the reset.
    auto m = SctpPair::take<MessageEvent>(pair.z_events);
    REQUIRE(m.has_value());
    CHECK(m->data == pattern(3000, 1));
    CHECK(SctpPair::take<IncomingStreamsResetEvent>(pair.z_events)->streams == std::vector<uint16_t>{4});
    CHECK(SctpPair::take<OutgoingStreamsResetEvent>(pair.a_events)->streams == std::vector<uint16_t>{4});
    // Z answers by resetting its side, as a data channel close does.
    REQUIRE(pair.z.reset_streams({4}).ok());
    REQUIRE(pair.drive_until([&] { return SctpPair::count<IncomingStreamsResetEvent>(pair.a_events) == 1; }));
    // The stream can be used again afterwards.
    REQUIRE(pair.a.send(4, 51, Bytes{'x'}, SendOptions{}).ok());
    REQUIRE(pair.drive_until([&] { return SctpPair::count<MessageEvent>(pair.z_events) == 1; }));
}

TEST_CASE("sctp.association: garbage packets are dropped and the association carries on") {
    auto pair = make_pair("sctp-garbage");
    connect(pair);
    auto rng = testing::seeded_rng("sctp-garbage-bytes");
    pair.inject_to_z(Bytes{});
    pair.inject_to_z(Bytes(5, 0xff));
    for (int i = 0; i < 200; ++i) pair.inject_to_z(rng.bytes(12 + rng.next_u32() % 1500));
    // A real packet with a flipped byte fails the CRC32c.
    REQUIRE(pair.a.send(1, 53, pattern(300, 1), SendOptions{}).ok());
    auto packet = pair.a.poll_transmit();
    REQUIRE(packet.has_value());
    Bytes corrupt = *packet;
    corrupt[corrupt.size() / 2] ^= 0x5a;
    pair.inject_to_z(corrupt);
    CHECK(SctpPair::count<MessageEvent>(pair.z_events) == 0);
    pair.inject_to_z(*packet);
    REQUIRE(pair.drive_until([&] { return SctpPair::count<MessageEvent>(pair.z_events) == 1; }));
    CHECK(pair.z.stats().packets_dropped_short == 2);
    CHECK(pair.z.state() == AssociationState::kConnected);
    REQUIRE(pair.z.send(1, 53, pattern(300, 2), SendOptions{}).ok());
    CHECK(pair.drive_until([&] { return SctpPair::count<MessageEvent>(pair.a_events) == 1; }));
}

TEST_CASE("sctp.association: shutdown closes both sides and the last association finishes usrsctp") {
    StackStats before = Stack::stats();
    CHECK(before.live_associations == 0);
    {
        auto pair = make_pair("sctp-shutdown");
        CHECK(Stack::stats().initialized);
        CHECK(Stack::stats().live_associations == 2);
        connect(pair);
        REQUIRE(pair.a.send(1, 53, pattern(10000, 1), SendOptions{}).ok());
        REQUIRE(pair.a.shutdown(pair.now()).ok());
        CHECK(pair.a.send(1, 53, Bytes(1, 1), SendOptions{}).error() == SctpError::kInvalidState);
        REQUIRE(pair.drive_until([&] {
            return pair.a.state() == AssociationState::kClosed && pair.z.state() == AssociationState::kClosed;
        }));
        // Queued data went out before the SHUTDOWN.
        auto m = SctpPair::take<MessageEvent>(pair.z_events);
        REQUIRE(m.has_value());
        CHECK(m->data == pattern(10000, 1));
        CHECK(SctpPair::take<ClosedEvent>(pair.a_events).has_value());
        CHECK(SctpPair::take<ClosedEvent>(pair.z_events).has_value());
        CHECK_FALSE(pair.a.poll_timeout().has_value());
    }
    StackStats after = Stack::stats();
    CHECK(after.live_associations == 0);
    CHECK_FALSE(after.initialized);
    CHECK(after.finishes == before.finishes + 1);
    CHECK(after.inits == before.inits + 1);
    CHECK(after.finish_give_ups == 0);
}

TEST_CASE("sctp.association: the peer going silent fails the association after the retransmission limit") {
    auto pair = make_pair("sctp-silent");
    connect(pair);
    pair.link().loss = 1.0;
    REQUIRE(pair.a.send(1, 53, pattern(100, 1), SendOptions{}).ok());
    REQUIRE(pair.drive_until([&] { return pair.a.state() == AssociationState::kFailed; }, Duration::seconds(600)));
    CHECK(SctpPair::take<FailedEvent>(pair.a_events).has_value());
    CHECK_FALSE(pair.a.poll_timeout().has_value());
}

TEST_CASE("sctp.association: abort sends ABORT and the peer reports a close by abort") {
    auto pair = make_pair("sctp-abort");
    connect(pair);
    pair.z.abort(pair.now());
    CHECK(pair.z.state() == AssociationState::kClosed);
    CHECK(pair.z.send(1, 53, Bytes(1, 1), SendOptions{}).error() == SctpError::kInvalidState);
    REQUIRE(pair.drive_until([&] { return pair.a.state() == AssociationState::kClosed; }));
    auto closed = SctpPair::take<ClosedEvent>(pair.a_events);
    REQUIRE(closed.has_value());
    CHECK(closed->by_peer_abort);
    CHECK(SctpPair::take<ClosedEvent>(pair.z_events).has_value());
    CHECK(SctpPair::count<FailedEvent>(pair.a_events) == 0);
}

TEST_CASE("sctp.association: messages past max_packet_lifetime_ms are abandoned, later ones still arrive") {
    LinkConfig link;
    link.latency = Duration::millis(20);
    auto pair = make_pair("sctp-ttl", link);
    connect(pair);
    pair.link().loss = 1.0;  // a black hole for two seconds
    Reliability timed;
    timed.ordered = true;
    timed.max_packet_lifetime_ms = 300;
    for (uint32_t i = 0; i < 20; ++i) REQUIRE(pair.a.send(7, 53, pattern(800, i), SendOptions{timed, true}).ok());
    pair.drive_for(Duration::seconds(2));
    pair.link().loss = 0.0;
    REQUIRE(pair.a.send(7, 53, pattern(800, 99), SendOptions{timed, true}).ok());
    // The fresh message arrives (FORWARD-TSN skipped the expired ones on the ordered stream).
    REQUIRE(pair.drive_until(
        [&] {
            for (const auto& e : pair.z_events) {
                if (auto* m = std::get_if<MessageEvent>(&e); m && m->data == pattern(800, 99)) return true;
            }
            return false;
        },
        Duration::seconds(60)));
    // usrsctp abandons an expired message when it would retransmit it: the ones sent into
    // the black hole are skipped by FORWARD-TSN. Expired messages the congestion window had
    // not yet let out are still sent (usrsctp checks lifetimes of unsent data only when the
    // send buffer is full), so some of the 20 do arrive -- intact and in order.
    auto got = messages(pair.z_events);
    REQUIRE(!got.empty());
    CHECK(got.back().data == pattern(800, 99));
    got.pop_back();
    CHECK(got.size() < 20);
    uint32_t next = 0;
    for (auto& m : got) {
        bool matched = false;
        while (next < 20 && !matched) matched = m.data == pattern(800, next++);
        CHECK(matched);
    }
    MESSAGE("lifetime 300 ms through a 2 s black hole: " << got.size() << "/20 expired messages still delivered");
    CHECK(pair.a.state() == AssociationState::kConnected);
}

TEST_CASE("sctp.stack: two pairs share one usrsctp stack, finished when the last association goes") {
    StackStats before = Stack::stats();
    REQUIRE(before.live_associations == 0);
    auto first = std::make_unique<SctpPair>(make_pair("sctp-stack-1"));
    {
        auto second = make_pair("sctp-stack-2");
        CHECK(Stack::stats().live_associations == 4);
        CHECK(Stack::stats().inits == before.inits + 1);  // initialized once
        connect(*first);
        connect(second);
        // Both carry traffic at the same time; timers of one pair fire from the other's inputs.
        REQUIRE(first->a.send(1, 53, pattern(50000, 1), SendOptions{}).ok());
        REQUIRE(second.z.send(1, 53, pattern(50000, 2), SendOptions{}).ok());
        bool got_first = false, got_second = false;
        Timestamp start = first->now();
        while (!(got_first && got_second)) {
            (void)first->drive_until([&] { return SctpPair::count<MessageEvent>(first->z_events) == 1; },
                                     Duration::millis(50));
            (void)second.drive_until([&] { return SctpPair::count<MessageEvent>(second.a_events) == 1; },
                                     Duration::millis(50));
            got_first = SctpPair::count<MessageEvent>(first->z_events) == 1;
            got_second = SctpPair::count<MessageEvent>(second.a_events) == 1;
            REQUIRE(first->now() - start < Duration::seconds(60));
        }
        CHECK(SctpPair::take<MessageEvent>(first->z_events)->data == pattern(50000, 1));
        CHECK(SctpPair::take<MessageEvent>(second.a_events)->data == pattern(50000, 2));
    }
    CHECK(Stack::stats().live_associations == 2);
    CHECK(Stack::stats().initialized);
    CHECK(Stack::stats().finishes == before.finishes);
    first.reset();
    CHECK(Stack::stats().live_associations == 0);
    CHECK_FALSE(Stack::stats().initialized);
    CHECK(Stack::stats().finishes == before.finishes + 1);
}

}  // namespace polyrtc::sctp

namespace polyrtc::sctp {

TEST_CASE("sctp.association: an idle association asks for a 1 s tick, a busy one for the 10 ms tick") {
    auto pair = make_pair("sctp-idle-tick");
    connect(pair);
    // Busy right after the handshake: the next deadline is the stack's 10 ms tick.
    REQUIRE(pair.a.poll_timeout().has_value());
    CHECK(*pair.a.poll_timeout() - pair.now() <= Duration::millis(Stack::kTimerTickMs));

    // Nothing to send, nothing unacknowledged: after 200 ms A only needs waking for
    // heartbeats, once a second.
    // (handle_timeout first: the pair advanced the clock past A's last input.)
    pair.drive_for(Duration::seconds(1));
    pair.a.handle_timeout(pair.now());
    REQUIRE(pair.a.poll_timeout().has_value());
    CHECK(*pair.a.poll_timeout() - pair.now() >= Duration::seconds(1));

    // Heartbeats still run while idle (10 s interval): A sends some and stays connected.
    uint64_t sent_before = pair.a.stats().packets_sent;
    pair.drive_for(Duration::seconds(60));
    CHECK(pair.a.stats().packets_sent > sent_before);
    CHECK(pair.a.state() == AssociationState::kConnected);

    // A message makes A busy again at once, and it arrives.
    REQUIRE(pair.a.send(0, 53, Bytes{1, 2, 3}, SendOptions{}).ok());
    CHECK(*pair.a.poll_timeout() - pair.now() <= Duration::millis(Stack::kTimerTickMs));
    REQUIRE(pair.drive_until([&] { return SctpPair::count<MessageEvent>(pair.z_events) == 1; }));
}

}  // namespace polyrtc::sctp
