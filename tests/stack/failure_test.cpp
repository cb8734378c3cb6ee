// Whole-stack failure and recovery: a DTLS fingerprint that does not match the certificate
// (the relay, or anyone on the signaling path, tampering with the SDP), and ICE restart.
#include <string>

#include <doctest/doctest.h>

#include "tests/stack/stack_test_support.hpp"

namespace polyrtc::testing {

namespace {

using peer::ConnectionState;

// Flips the first hex digit of the sha-256 fingerprint in `sdp`.
void tamper_fingerprint(std::string& sdp) {
    const std::string key = "a=fingerprint:sha-256 ";
    size_t at = sdp.find(key);
    REQUIRE(at != std::string::npos);
    char& digit = sdp[at + key.size()];
    digit = digit == '0' ? '1' : '0';
}

ice::IceConnectionState ice_state(const RelayPair::Side& side) {
    return side.pc->ice_connection_state();
}

bool ice_up(const RelayPair::Side& side) {
    return ice_state(side) == ice::IceConnectionState::kConnected ||
           ice_state(side) == ice::IceConnectionState::kCompleted;
}

// Runs a fingerprint-mismatch negotiation and checks that nothing got through.
void check_mismatch_fails(const RelayPair::NegotiateOptions& tamper, RelayPair::Side& (RelayPair::*verifier)()) {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();
    auto chat = a.pc->create_data_channel(pair.now(), channel_init("chat"));
    REQUIRE(chat.ok());
    negotiate(pair, tamper);

    // ICE connects (STUN does not involve the certificate), then the side holding the
    // tampered fingerprint reads the peer's Certificate message, finds its digest differs,
    // and fails the DTLS handshake: its connection goes to failed.
    RelayPair::Side& checker = (pair.*verifier)();
    REQUIRE(pair.drive_until([&] { return checker.pc->connection_state() == ConnectionState::kFailed; }));
    auto failures = pair.events_of<peer::TransportFailedEvent>(checker);
    REQUIRE(failures.size() == 1);
    CHECK(failures[0].layer == "dtls");
    MESSAGE(checker.name << " failed: " << failures[0].message);

    // Let everything settle: no channel ever opens on either side, Z never hears of the
    // channel, and A cannot send on it.
    pair.drive_for(Duration::seconds(30));
    for (auto* side : {&a, &z}) {
        INFO(side->name);
        CHECK(pair.count_of<peer::ChannelOpenEvent>(*side) == 0);
        CHECK(pair.count_of<peer::ChannelMessageEvent>(*side) == 0);
        CHECK(side->pc->connection_state() != ConnectionState::kConnected);
    }
    CHECK(pair.count_of<peer::DataChannelEvent>(z) == 0);
    auto refused = a.pc->send(pair.now(), chat->handle, false, bytes_of("secret"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().name == peer::ErrorName::kInvalidStateError);
    // The failed side never moved through connected.
    for (const auto& e : pair.events_of<peer::ConnectionStateEvent>(checker))
        CHECK(e.state != ConnectionState::kConnected);
}

void round_trip(RelayPair& pair, const OpenChannel& ch, const std::string& tag) {
    size_t at_z = messages_on(pair, pair.z(), ch.at_z).size();
    size_t at_a = messages_on(pair, pair.a(), ch.at_a).size();
    REQUIRE(pair.a().pc->send(pair.now(), ch.at_a, false, bytes_of("ping " + tag)).ok());
    REQUIRE(pair.z().pc->send(pair.now(), ch.at_z, false, bytes_of("pong " + tag)).ok());
    REQUIRE(pair.drive_until([&] {
        return messages_on(pair, pair.z(), ch.at_z).size() > at_z && messages_on(pair, pair.a(), ch.at_a).size() > at_a;
    }));
    CHECK(text_of(messages_on(pair, pair.z(), ch.at_z).back().data) == "ping " + tag);
    CHECK(text_of(messages_on(pair, pair.a(), ch.at_a).back().data) == "pong " + tag);
}

}  // namespace

TEST_CASE("stack.failure: a tampered fingerprint in the answer fails A's DTLS and nothing is delivered") {
    // A (DTLS server: a=setup:actpass answered with active) pins Z's certificate to the
    // fingerprint in the answer it received.
    RelayPair::NegotiateOptions tamper;
    tamper.edit_answer = tamper_fingerprint;
    check_mismatch_fails(tamper, &RelayPair::a);
}

TEST_CASE("stack.failure: a tampered fingerprint in the offer fails Z's DTLS and nothing is delivered") {
    // Z (DTLS client) pins A's certificate to the fingerprint in the offer it received.
    RelayPair::NegotiateOptions tamper;
    tamper.edit_offer = tamper_fingerprint;
    check_mismatch_fails(tamper, &RelayPair::z);
}

TEST_CASE("stack.restart: restartIce on a healthy connection negotiates new credentials and data keeps flowing") {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();
    OpenChannel ch = open_channel(pair, channel_init("chat"), true);
    round_trip(pair, ch, "before");
    const std::string a_ufrag = a.pc->ice().local_credentials().ufrag;
    const std::string z_ufrag = z.pc->ice().local_credentials().ufrag;
    const std::string a_pwd = a.pc->ice().local_credentials().pwd;

    // A calls restartIce(); its next offer carries a new ufrag and pwd, and Z's answer to a
    // restart offer carries new ones of Z's.
    a.pc->restart_ice();
    negotiate(pair);
    CHECK(a.pc->ice().local_credentials().ufrag != a_ufrag);
    CHECK(a.pc->ice().local_credentials().pwd != a_pwd);
    CHECK(z.pc->ice().local_credentials().ufrag != z_ufrag);
    CHECK(a.pc->local_description()->sdp.find("a=ice-ufrag:" + a.pc->ice().local_credentials().ufrag) !=
          std::string::npos);

    // While the new generation is checked, the old pair keeps carrying data.
    round_trip(pair, ch, "during");
    // The new generation is selected: each side's remote credentials are the other's new ones.
    REQUIRE(pair.drive_until([&] {
        auto selected_a = a.pc->ice().selected_pair();
        return ice_up(a) && ice_up(z) && a.pc->ice().remote_credentials() &&
               a.pc->ice().remote_credentials()->ufrag == z.pc->ice().local_credentials().ufrag && selected_a &&
               a.pc->ice().pairs().size() == 1;
    }));
    round_trip(pair, ch, "after");
    CHECK(connected(a));
    CHECK(connected(z));
    CHECK(pair.signaling_errors().empty());
}

TEST_CASE("stack.restart: after consent is lost an ICE restart brings the connection back and messages flow") {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();
    OpenChannel ch = open_channel(pair, channel_init("chat"), true);
    round_trip(pair, ch, "before");

    // The UDP leg between the relayed addresses goes dark (the client legs stay up). Consent
    // checks go unanswered: after 5 s both sides are disconnected, after 30 s consent is
    // lost and ICE (and the connection) fails.
    pair.peer_link().loss = 1.0;
    REQUIRE(pair.drive_until(
        [&] {
            return ice_state(a) == ice::IceConnectionState::kFailed && ice_state(z) == ice::IceConnectionState::kFailed;
        },
        Duration::seconds(40)));
    for (auto* side : {&a, &z}) {
        INFO(side->name);
        CHECK(side->pc->connection_state() == ConnectionState::kFailed);
        auto states = pair.events_of<peer::IceConnectionStateEvent>(*side);
        REQUIRE(states.size() >= 2);
        CHECK(states[states.size() - 2].state == ice::IceConnectionState::kDisconnected);
        CHECK(states.back().state == ice::IceConnectionState::kFailed);
    }

    // The path comes back, but failed is terminal until a restart. A message A sends now
    // waits in SCTP (the association survives the outage).
    pair.peer_link().loss = 0.0;
    pair.drive_for(Duration::seconds(3));
    CHECK(ice_state(a) == ice::IceConnectionState::kFailed);
    REQUIRE(a.pc->send(pair.now(), ch.at_a, false, bytes_of("queued while failed")).ok());

    // A restarts ICE: new credentials on both sides, checks on the new generation, a new
    // selected pair; the connection is back to connected.
    const std::string a_ufrag = a.pc->ice().local_credentials().ufrag;
    a.pc->restart_ice();
    negotiate(pair);
    CHECK(a.pc->ice().local_credentials().ufrag != a_ufrag);
    REQUIRE(pair.drive_until([&] { return connected(a) && connected(z); }));
    // connectionState on each side: ... disconnected, failed, then connecting (ICE checking
    // the new generation over the DTLS association that survived) and connected.
    for (auto* side : {&a, &z}) {
        auto states = pair.events_of<peer::ConnectionStateEvent>(*side);
        REQUIRE(states.size() >= 4);
        CHECK(states[states.size() - 4].state == ConnectionState::kDisconnected);
        CHECK(states[states.size() - 3].state == ConnectionState::kFailed);
        CHECK(states[states.size() - 2].state == ConnectionState::kConnecting);
        CHECK(states.back().state == ConnectionState::kConnected);
    }

    // The queued message arrives, and new ones flow both ways on the same channel.
    REQUIRE(pair.drive_until([&] {
        auto got = messages_on(pair, z, ch.at_z);
        return !got.empty() && text_of(got.back().data) == "queued while failed";
    }));
    round_trip(pair, ch, "after");
    CHECK(pair.signaling_errors().empty());
}

}  // namespace polyrtc::testing
