// Hostile input against TurnServer: random bytes and mutated valid messages must never crash
// it, never produce a message for any 5-tuple but the sender's, and never reach a peer
// without a permission.
#include <doctest/doctest.h>

#include "core/stun/channel_data.hpp"
#include "relay/turn/turn_server.hpp"
#include "tests/relay/unit/turn_harness.hpp"

namespace polyrtc::relay::turn {

using namespace testing;

TEST_CASE("relay.turn.fuzz: random and mutated input from one client never reaches another or a peer") {
    TurnConfig config = default_config();
    config.auth_failure_limit = 0;  // keep answering the mutated requests: they are the point
    Harness h(config);
    Client victim = udp_client("192.0.2.10:1000", "bob", "bob-pass");
    REQUIRE(victim.allocate(h).is_success());
    Client attacker = udp_client("192.0.2.66:6666");
    REQUIRE(attacker.allocate(h).is_success());
    const net::SocketAddress peer = addr("93.184.216.34:40000");
    REQUIRE(victim.create_permission(h, {peer}).is_success());

    // Valid messages to mutate: every request kind plus Send and ChannelData.
    std::vector<Bytes> seeds = {
        attacker.request(h, stun::Method::kAllocate, [](stun::Message& m) { m.add_requested_transport(); }),
        attacker.request(h, stun::Method::kRefresh,
                         [](stun::Message& m) { m.add_u32(stun::AttributeType::kLifetime, 700); }),
        attacker.request(h, stun::Method::kCreatePermission,
                         [&](stun::Message& m) { m.add_xor_address(stun::AttributeType::kXorPeerAddress, peer); }),
        attacker.request(h, stun::Method::kChannelBind,
                         [&](stun::Message& m) {
                             m.add_channel_number(0x4000);
                             m.add_xor_address(stun::AttributeType::kXorPeerAddress, peer);
                         }),
        attacker.send_indication(h, peer, Bytes(40, 0xAB)),
        stun::serialize_channel_data(0x4000, Bytes(30, 0xCD)),
        attacker.request(h, stun::Method::kBinding),
    };
    crypto::Csprng fuzz = polyrtc::testing::seeded_rng("fuzz");
    size_t responses = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes input;
        if (i % 4 == 0) {
            input = fuzz.bytes(fuzz.next_u32() % 200);
        } else {
            input = seeds[fuzz.next_u32() % seeds.size()];
            const int flips = 1 + static_cast<int>(fuzz.next_u32() % 4);
            for (int f = 0; f < flips && !input.empty(); ++f) {
                input[fuzz.next_u32() % input.size()] ^= static_cast<uint8_t>(1u << (fuzz.next_u32() % 8));
            }
            if (fuzz.next_u32() % 8 == 0) input.resize(fuzz.next_u32() % (input.size() + 1));
        }
        for (const auto& action : h.feed(attacker.key, input)) {
            if (auto* send = std::get_if<SendToClient>(&action)) {
                CHECK(send->client == attacker.key);
                ++responses;
            }
            if (auto* to_peer = std::get_if<SendToPeer>(&action)) {
                // Only the attacker's own allocation (id 2), and only to a permitted peer.
                CHECK(to_peer->allocation == 2);
            }
        }
        if (i % 1000 == 0) h.advance(Duration::seconds(1));
    }
    CHECK(responses > 0);  // the mutations did exercise the request paths
    // The victim's allocation is untouched.
    h.feed(victim.key, victim.send_indication(h, peer, Bytes{1}));
    CHECK(h.of_type<SendToPeer>().size() == 1);
}

}  // namespace polyrtc::relay::turn
