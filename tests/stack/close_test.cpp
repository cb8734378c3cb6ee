// Whole-stack close: a data channel closed by either side (RFC 8831 section 6.7 stream reset,
// W3C closing procedure) and the PeerConnection closed (SCTP ABORT, DTLS close_notify).
#include <string>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stack/stack_test_support.hpp"

namespace polyrtc::testing {

namespace {

// What one side saw of one channel after it opened, as short names in order.
std::vector<std::string> channel_story(const RelayPair::Side& side, peer::ChannelHandle handle) {
    std::vector<std::string> out;
    for (const auto& event : side.events) {
        if (auto* m = std::get_if<peer::ChannelMessageEvent>(&event); m && m->handle == handle) {
            out.push_back("message " + std::to_string(m->data.size()));
        } else if (auto* c = std::get_if<peer::ChannelClosingEvent>(&event); c && c->handle == handle) {
            out.push_back("closing");
        } else if (auto* d = std::get_if<peer::ChannelClosedEvent>(&event); d && d->handle == handle) {
            out.push_back("closed");
        }
    }
    return out;
}

bool closed(const RelayPair& pair, const RelayPair::Side& side, peer::ChannelHandle handle) {
    for (const auto& e : pair.events_of<peer::ChannelClosedEvent>(side)) {
        if (e.handle == handle) return true;
    }
    return false;
}

// `closer` closes the channel right after sending a 64 KiB message; both sides must see the
// message before the close, the peer "closing" then "closed", the closer only "closed".
void check_close_from(RelayPair& pair, const OpenChannel& ch, bool a_closes) {
    RelayPair::Side& closer = a_closes ? pair.a() : pair.z();
    RelayPair::Side& peer_side = a_closes ? pair.z() : pair.a();
    peer::ChannelHandle closer_handle = a_closes ? ch.at_a : ch.at_z;
    peer::ChannelHandle peer_handle = a_closes ? ch.at_z : ch.at_a;

    // The closer sends 64 KiB and closes at once: the W3C closing procedure lets buffered
    // messages go first, then resets the outgoing stream.
    REQUIRE(closer.pc->send(pair.now(), closer_handle, true, pattern(65536, 1)).ok());
    closer.pc->close_data_channel(pair.now(), closer_handle);
    // No more sending on a closing channel.
    auto refused = closer.pc->send(pair.now(), closer_handle, true, pattern(10, 2));
    CHECK_FALSE(refused.ok());

    // The peer reads the message, then the incoming reset (closing), resets its own side;
    // the closer's reset is answered and both directions are closed.
    REQUIRE(
        pair.drive_until([&] { return closed(pair, closer, closer_handle) && closed(pair, peer_side, peer_handle); }));
    CHECK(channel_story(peer_side, peer_handle) == std::vector<std::string>{"message 65536", "closing", "closed"});
    CHECK(channel_story(closer, closer_handle) == std::vector<std::string>{"closed"});

    // Sending on the closed channel fails on both sides with InvalidStateError.
    for (auto [side, handle] : {std::pair{&closer, closer_handle}, std::pair{&peer_side, peer_handle}}) {
        auto send = side->pc->send(pair.now(), handle, false, bytes_of("late"));
        REQUIRE_FALSE(send.ok());
        CHECK(send.error().name == peer::ErrorName::kInvalidStateError);
    }
    // The connection itself is untouched.
    CHECK(connected(pair.a()));
    CHECK(connected(pair.z()));
}

}  // namespace

TEST_CASE("stack.close: A closes a channel, Z sees closing then closed, A sees closed") {
    RelayPair pair;
    OpenChannel ch = open_channel(pair, channel_init("chat"), true);
    check_close_from(pair, ch, true);

    // The stream id is free again: a new channel opens and carries messages.
    OpenChannel next = open_channel(pair, channel_init("again"), false);
    REQUIRE(pair.a().pc->send(pair.now(), next.at_a, false, bytes_of("hello again")).ok());
    REQUIRE(pair.drive_until([&] { return !messages_on(pair, pair.z(), next.at_z).empty(); }));
}

TEST_CASE("stack.close: Z closes a channel A opened, A sees closing then closed, Z sees closed") {
    RelayPair pair;
    OpenChannel ch = open_channel(pair, channel_init("chat"), true);
    check_close_from(pair, ch, false);
}

TEST_CASE("stack.close: closing A's PeerConnection closes every channel at Z and A fires nothing") {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();
    OpenChannel one = open_channel(pair, channel_init("one"), true);
    OpenChannel two = open_channel(pair, channel_init("two"), false);
    size_t a_events = a.events.size();

    // A closes: the SCTP ABORT and the DTLS close_notify leave, the allocation is released.
    a.pc->close(pair.now());
    CHECK(a.pc->connection_state() == peer::ConnectionState::kClosed);
    CHECK(a.pc->signaling_state() == sdp::SignalingState::kClosed);
    CHECK(a.pc->ice_connection_state() == ice::IceConnectionState::kClosed);
    CHECK_FALSE(a.pc->poll_timeout().has_value());

    // Z reads the ABORT: both its channels close.
    REQUIRE(pair.drive_until([&] { return closed(pair, z, one.at_z) && closed(pair, z, two.at_z); }));
    pair.drive_for(Duration::seconds(5));
    // W3C close(): A fires no event for its own closing, not even channel close events.
    CHECK(a.events.size() == a_events);
    // Every command on A now fails with InvalidStateError; Z cannot send either.
    auto send = a.pc->send(pair.now(), one.at_a, false, bytes_of("x"));
    REQUIRE_FALSE(send.ok());
    CHECK(send.error().name == peer::ErrorName::kInvalidStateError);
    auto created = a.pc->create_data_channel(pair.now(), channel_init("late"));
    REQUIRE_FALSE(created.ok());
    CHECK(created.error().name == peer::ErrorName::kInvalidStateError);
    auto z_send = z.pc->send(pair.now(), one.at_z, false, bytes_of("x"));
    REQUIRE_FALSE(z_send.ok());
    CHECK(z_send.error().name == peer::ErrorName::kInvalidStateError);

    // Nothing answers Z's consent checks any more: Z goes disconnected, then failed (what a
    // browser shows when the far end closes without signaling it).
    pair.drive_for(Duration::seconds(40));
    auto states = pair.events_of<peer::ConnectionStateEvent>(z);
    REQUIRE(states.size() >= 2);
    CHECK(states[states.size() - 2].state == peer::ConnectionState::kDisconnected);
    CHECK(states.back().state == peer::ConnectionState::kFailed);
    CHECK(a.events.size() == a_events);
}

}  // namespace polyrtc::testing
