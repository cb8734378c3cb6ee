// TurnServer's bandwidth cap (--max-bps) and credential reload (SIGHUP), on a simulated
// clock. Client A ("alice") relays to a global peer.
#include <doctest/doctest.h>

#include "relay/turn/turn_server.hpp"
#include "tests/relay/unit/turn_harness.hpp"

namespace polyrtc::relay::turn {

using namespace testing;
using stun::Method;

namespace {
const net::SocketAddress kPeer = addr("93.184.216.34:40000");
}  // namespace

TEST_CASE("relay.turn_limits: max_bps passes one second's worth, drops the rest, refills with time") {
    TurnConfig config = default_config();
    config.max_bps = 1000;
    Harness h(config);
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    REQUIRE(a.create_permission(h, {kPeer}).is_success());
    const Bytes payload(400, 7);

    // A's Send indications: 400 + 400 fit in 1000 bytes, the third does not.
    size_t relayed = 0;
    for (int i = 0; i < 3; ++i) {
        h.feed(a.key, a.send_indication(h, kPeer, payload));
        relayed += h.of_type<SendToPeer>().size();
    }
    CHECK(relayed == 2);
    CHECK(h.server.stats().dropped_bandwidth == 1);

    // 200 bytes left; 0.3 s later 500: one more fits, a second does not.
    h.advance(Duration::millis(300));
    h.feed(a.key, a.send_indication(h, kPeer, payload));
    CHECK(h.of_type<SendToPeer>().size() == 1);
    h.feed(a.key, a.send_indication(h, kPeer, payload));
    CHECK(h.of_type<SendToPeer>().empty());

    // The bucket never holds more than one second's worth, however long A was idle.
    h.advance(Duration::seconds(100));
    relayed = 0;
    for (int i = 0; i < 5; ++i) {
        h.feed(a.key, a.send_indication(h, kPeer, payload));
        relayed += h.of_type<SendToPeer>().size();
    }
    CHECK(relayed == 2);
}

TEST_CASE("relay.turn_limits: max_bps counts the peer-to-client direction separately") {
    TurnConfig config = default_config();
    config.max_bps = 1000;
    Harness h(config);
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    REQUIRE(a.create_permission(h, {kPeer}).is_success());
    // Use up A's sending budget...
    h.feed(a.key, a.send_indication(h, kPeer, Bytes(1000, 1)));
    REQUIRE(h.of_type<SendToPeer>().size() == 1);
    // ...the peer's datagrams to A still have their own second's worth.
    h.absorb(h.server.handle_peer_datagram(1, kPeer, Bytes(900, 2), h.now));
    CHECK(h.of_type<SendToClient>().size() == 1);
    h.absorb(h.server.handle_peer_datagram(1, kPeer, Bytes(200, 2), h.now));
    CHECK(h.of_type<SendToClient>().empty());
    CHECK(h.server.stats().dropped_bandwidth == 1);
}

TEST_CASE("relay.turn_limits: max_bps 0 relays everything") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    REQUIRE(a.create_permission(h, {kPeer}).is_success());
    for (int i = 0; i < 100; ++i) h.feed(a.key, a.send_indication(h, kPeer, Bytes(1200, 3)));
    CHECK(h.server.stats().packets_to_peers == 100);
    CHECK(h.server.stats().dropped_bandwidth == 0);
}

TEST_CASE("relay.turn_limits: set_credentials swaps users, keeps issued nonces valid") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());  // A learned a nonce

    CredentialConfig reloaded = h.server.config().credentials;
    reloaded.static_users = {{"alice", "new-pass"}, {"carol", "carol-pass"}};
    h.server.set_credentials(reloaded);

    // A's next request with the old password is refused; with the new one and the nonce it
    // already has (no 438 round trip), it is accepted.
    CHECK(error_of(a.refresh(h, 600)) == 401);
    a.password = "new-pass";
    CHECK(a.refresh(h, 600).is_success());
    // bob is gone, carol is new.
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    CHECK(error_of(b.allocate(h)) == 401);
    Client c = udp_client("192.0.2.52:6000", "carol", "carol-pass");
    CHECK(c.allocate(h).is_success());
}

}  // namespace polyrtc::relay::turn
