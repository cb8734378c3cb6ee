// Whole-stack tests: two PeerConnections, each the full core (SDP, TURN client, ICE, DTLS,
// SCTP, data channels), connected through the relay's real TURN logic in memory.
#include <string>

#include <doctest/doctest.h>

#include "tests/stack/stack_test_support.hpp"

namespace polyrtc::testing {

using peer::ConnectionState;

TEST_CASE("stack.peer: A and Z connect through the relay and chat over a data channel") {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();

    // A creates the chat channel first, as spec example 10.3's initiator does.
    auto chat = a.pc->create_data_channel(pair.now(), channel_init("chat"));
    REQUIRE(chat.ok());
    CHECK(a.pc->negotiation_needed());

    negotiate(pair);
    CHECK(a.pc->signaling_state() == sdp::SignalingState::kStable);
    CHECK(z.pc->signaling_state() == sdp::SignalingState::kStable);

    // Z learns about the channel in-band (DCEP) and both sides see it open.
    REQUIRE(pair.drive_until([&] {
        return connected(a) && connected(z) && !pair.events_of<peer::ChannelOpenEvent>(a).empty() &&
               !pair.events_of<peer::ChannelOpenEvent>(z).empty();
    }));
    auto incoming = pair.events_of<peer::DataChannelEvent>(z);
    REQUIRE(incoming.size() == 1);
    CHECK(incoming[0].channel.init.label == "chat");
    CHECK(incoming[0].channel.init.ordered);
    // A is the DTLS client (a=setup:actpass answered with active? no: the answerer is active)
    // so the ids come from Z's role; whatever the role, both sides agree on the id.
    CHECK(incoming[0].channel.id == pair.events_of<peer::ChannelOpenEvent>(a)[0].id);

    // A says hi (text), Z answers in binary.
    const std::string hello = "hi from A";
    REQUIRE(a.pc->send(pair.now(), chat->handle, false, Bytes(hello.begin(), hello.end())).ok());
    REQUIRE(pair.drive_until([&] { return !pair.events_of<peer::ChannelMessageEvent>(z).empty(); }));
    auto at_z = pair.events_of<peer::ChannelMessageEvent>(z);
    CHECK_FALSE(at_z[0].binary);
    CHECK(text_of(at_z[0].data) == hello);

    const Bytes reply = {0x00, 0x01, 0xfe, 0xff};
    REQUIRE(z.pc->send(pair.now(), incoming[0].channel.handle, true, reply).ok());
    REQUIRE(pair.drive_until([&] { return !pair.events_of<peer::ChannelMessageEvent>(a).empty(); }));
    auto at_a = pair.events_of<peer::ChannelMessageEvent>(a);
    CHECK(at_a[0].binary);
    CHECK(at_a[0].data == reply);
}

TEST_CASE("stack.peer: gathering yields one relay candidate, then the null candidate") {
    RelayPair pair;
    (void)pair.a().pc->create_data_channel(pair.now(), channel_init("x"));
    negotiate(pair);
    REQUIRE(pair.drive_until([&] { return pair.a().pc->ice_gathering_state() == peer::IceGatheringState::kComplete; }));
    auto candidates = pair.events_of<peer::IceCandidateEvent>(pair.a());
    REQUIRE(candidates.size() == 2);
    CHECK(candidates[0].candidate.find(" typ relay raddr 0.0.0.0 rport 0") != std::string::npos);
    CHECK(candidates[0].sdp_mid == "0");
    CHECK(candidates[1].end_of_candidates);
    // localDescription reflects the gathered candidate.
    CHECK(pair.a().pc->local_description()->sdp.find("a=candidate:") != std::string::npos);
}

TEST_CASE("stack.peer: connection states move new, connecting, connected on both sides") {
    RelayPair pair;
    (void)pair.a().pc->create_data_channel(pair.now(), channel_init("x"));
    negotiate(pair);
    REQUIRE(pair.drive_until([&] { return connected(pair.a()) && connected(pair.z()); }));
    for (auto* side : {&pair.a(), &pair.z()}) {
        auto states = pair.events_of<peer::ConnectionStateEvent>(*side);
        REQUIRE(states.size() == 2);
        CHECK(states[0].state == ConnectionState::kConnecting);
        CHECK(states[1].state == ConnectionState::kConnected);
        auto ice_states = pair.events_of<peer::IceConnectionStateEvent>(*side);
        REQUIRE(ice_states.size() >= 2);
        CHECK(ice_states[0].state == ice::IceConnectionState::kChecking);
        CHECK(ice_states[1].state == ice::IceConnectionState::kConnected);
    }
}

TEST_CASE("stack.peer: the relay's long-term credentials are used when configured") {
    RelayPair::Options options;
    options.username = "alice";
    options.password = "correct horse";
    RelayPair pair(options);
    (void)pair.a().pc->create_data_channel(pair.now(), channel_init("x"));
    negotiate(pair);
    REQUIRE(pair.drive_until([&] { return connected(pair.a()) && connected(pair.z()); }));
}

}  // namespace polyrtc::testing
