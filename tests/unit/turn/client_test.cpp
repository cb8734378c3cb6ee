// TURN client (A) against a scripted TURN server (Z), in simulated time.
#include "core/turn/client.hpp"

#include <doctest/doctest.h>

#include "tests/unit/test_rng.hpp"
#include "tests/unit/turn/fake_server.hpp"

namespace polyrtc::turn {

using testing::FakeServer;

namespace {

net::SocketAddress addr(const char* text) {
    return net::SocketAddress::parse(text).value();
}
net::IpAddress ip(const char* text) {
    return net::IpAddress::parse(text).value();
}

ClientConfig config(net::TransportProtocol transport = net::TransportProtocol::kWebSocket) {
    ClientConfig c;
    c.username = "alice";
    c.password = "secret";
    c.transport = transport;
    return c;
}

struct Pair {
    explicit Pair(ClientConfig c) : rng(polyrtc::testing::seeded_rng("turn.client")), client(std::move(c), rng) {}

    crypto::Csprng rng;
    FakeServer server;
    Client client;
    Timestamp now = Timestamp::from_millis(1000);
    std::vector<Event> events;
    int drop_to_server = 0;  // lose the next N messages A sends
    int drop_to_client = 0;  // lose the next N answers Z sends
    size_t delivered_to_server = 0;

    // Moves A's output to Z and Z's answers back to A until nothing is left.
    void pump() {
        for (int round = 0; round < 1000; ++round) {
            bool moved = false;
            while (auto out = client.poll_transmit()) {
                moved = true;
                if (drop_to_server > 0) {
                    --drop_to_server;
                    continue;
                }
                ++delivered_to_server;
                auto reply = server.handle(*out);
                if (!reply) continue;
                if (drop_to_client > 0) {
                    --drop_to_client;
                    continue;
                }
                client.handle_receive(now, *reply);
            }
            while (auto e = client.poll_event()) events.push_back(std::move(*e));
            if (!moved) return;
        }
        FAIL("pump did not settle");
    }

    // Runs A's timers up to now + d, pumping after each.
    void advance(Duration d) {
        Timestamp target = now + d;
        for (int i = 0; i < 100000; ++i) {
            auto t = client.poll_timeout();
            if (!t || *t > target) break;
            if (*t > now) now = *t;
            client.handle_timeout(now);
            pump();
        }
        now = target;
    }

    std::vector<Event> take_events() {
        std::vector<Event> out = std::move(events);
        events.clear();
        return out;
    }

    void allocate() {
        REQUIRE(client.start_allocation(now).ok());
        pump();
        auto e = take_events();
        REQUIRE(e.size() == 1);
        REQUIRE(e[0].kind == EventKind::kAllocated);
    }
};

}  // namespace

TEST_CASE("turn.client: allocates after a 401 challenge, using long-term credentials") {
    Pair p(config());
    REQUIRE(p.client.start_allocation(p.now).ok());
    CHECK(p.client.state() == ClientState::kAllocating);
    CHECK(p.client.start_allocation(p.now).error() == TurnError::kInvalidState);

    // A's first Allocate has no credentials.
    auto first = p.client.poll_transmit();
    REQUIRE(first);
    auto m1 = stun::Message::parse(*first);
    REQUIRE(m1.ok());
    CHECK(m1->method() == stun::Method::kAllocate);
    CHECK(m1->get_requested_transport().value() == stun::kProtocolUdp);
    CHECK(m1->get_u32(stun::AttributeType::kLifetime).value() == 600);
    CHECK_FALSE(m1->has(stun::AttributeType::kUsername));
    CHECK_FALSE(m1->has(stun::AttributeType::kMessageIntegrity));
    CHECK(stun::check_fingerprint(*first).ok());

    // Z challenges with 401 + REALM + NONCE.
    auto challenge = p.server.handle(*first);
    REQUIRE(challenge);
    p.client.handle_receive(p.now, *challenge);
    CHECK(p.client.poll_event() == std::nullopt);

    // A retries with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under MD5(user:realm:pass).
    auto second = p.client.poll_transmit();
    REQUIRE(second);
    auto m2 = stun::Message::parse(*second);
    REQUIRE(m2.ok());
    CHECK(m2->transaction_id() != m1->transaction_id());
    CHECK(m2->get_string(stun::AttributeType::kUsername).value() == "alice");
    CHECK(m2->get_string(stun::AttributeType::kRealm).value() == "example.org");
    CHECK(m2->get_string(stun::AttributeType::kNonce).value() == "nonce-1");
    CHECK(stun::check_integrity(*second, stun::long_term_key("alice", "example.org", "secret")).ok());

    auto success = p.server.handle(*second);
    REQUIRE(success);
    p.client.handle_receive(p.now, *success);
    auto e = p.client.poll_event();
    REQUIRE(e);
    CHECK(e->kind == EventKind::kAllocated);
    REQUIRE(e->relayed.size() == 1);
    CHECK(e->relayed[0].to_string() == "203.0.113.10:50000");
    REQUIRE(e->mapped);
    CHECK(e->mapped->to_string() == "198.51.100.20:40000");
    CHECK(e->lifetime == Duration::seconds(600));
    CHECK(p.client.state() == ClientState::kAllocated);
    CHECK(p.client.relayed_addresses() == e->relayed);
    CHECK(p.client.poll_transmit() == std::nullopt);
}

TEST_CASE("turn.client: 438 stale nonce is retried with the new nonce, at most three times") {
    SUBCASE("one stale nonce, then success") {
        Pair p(config());
        p.server.stale_nonce_responses = 1;
        p.allocate();
        // 401-challenged, 438-refused, then accepted: three Allocates, the last with the new nonce.
        REQUIRE(p.server.received.size() == 3);
        CHECK(p.server.received[1].get_string(stun::AttributeType::kNonce).value() == "nonce-1");
        CHECK(p.server.received[2].get_string(stun::AttributeType::kNonce).value() == "nonce-1x");
    }
    SUBCASE("endless stale nonces fail the allocation") {
        Pair p(config());
        p.server.stale_nonce_responses = 100;
        REQUIRE(p.client.start_allocation(p.now).ok());
        p.pump();
        auto e = p.take_events();
        REQUIRE(e.size() == 1);
        CHECK(e[0].kind == EventKind::kAllocationFailed);
        CHECK(e[0].error_code == 438);
        CHECK(p.server.received.size() == 5);  // unauthenticated + authenticated + 3 retries
        CHECK(p.client.state() == ClientState::kClosed);
    }
}

TEST_CASE("turn.client: wrong password fails with 401 instead of looping") {
    ClientConfig c = config();
    c.password = "wrong";
    Pair p(c);
    REQUIRE(p.client.start_allocation(p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kAllocationFailed);
    CHECK(e[0].error_code == 401);
    CHECK(p.server.received.size() == 2);
}

TEST_CASE("turn.client: a server that keeps changing the nonce cannot keep the client retrying") {
    Pair p(config());
    REQUIRE(p.client.start_allocation(p.now).ok());
    int answered = 0;
    for (int i = 0; i < 20; ++i) {
        auto out = p.client.poll_transmit();
        if (!out) break;
        auto request = stun::Message::parse(*out).value();
        // Z answers every request with 401, a realm-less challenge and a brand-new nonce.
        stun::Message r = stun::Message::response_to(request, stun::MessageClass::kErrorResponse);
        r.add_error_code(401);
        r.add_string(stun::AttributeType::kNonce, "n" + std::to_string(i));
        p.client.handle_receive(p.now, r.serialize());
        ++answered;
    }
    CHECK(answered == 4);  // the first try and three retries
    auto e = p.client.poll_event();
    REQUIRE(e);
    CHECK(e->kind == EventKind::kAllocationFailed);
    CHECK(e->error_code == 401);
}

TEST_CASE("turn.client: 300 Try Alternate surfaces the alternate server") {
    Pair p(config());
    p.server.error_for[stun::Method::kAllocate] = 300;
    REQUIRE(p.client.start_allocation(p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kAllocationFailed);
    CHECK(e[0].error_code == 300);
    REQUIRE(e[0].alternate_server);
    CHECK(e[0].alternate_server->to_string() == "192.0.2.50:3478");
}

TEST_CASE("turn.client: other Allocate errors end the attempt with code and reason") {
    Pair p(config());
    p.server.error_for[stun::Method::kAllocate] = 486;
    REQUIRE(p.client.start_allocation(p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kAllocationFailed);
    CHECK(e[0].error_code == 486);
    CHECK(e[0].reason == "Allocation Quota Reached");
    CHECK(p.client.create_permission(ip("192.0.2.1"), p.now).error() == TurnError::kInvalidState);
}

TEST_CASE("turn.client: dual-stack allocation relays to IPv4 and IPv6 peers") {
    ClientConfig c = config();
    c.request_additional_ipv6 = true;
    Pair p(c);
    REQUIRE(p.client.start_allocation(p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    REQUIRE(e[0].relayed.size() == 2);
    CHECK(e[0].relayed[1].to_string() == "[2001:db8::10]:50002");
    CHECK(p.server.received.at(1).get_address_family(stun::AttributeType::kAdditionalAddressFamily).value() ==
          net::AddressFamily::kIpv6);
    CHECK_FALSE(p.server.received.at(1).has(stun::AttributeType::kRequestedAddressFamily));
    net::SocketAddress v6_peer = addr("[2001:db8::77]:9000");
    REQUIRE(p.client.create_permission(v6_peer.ip(), p.now).ok());
    REQUIRE(p.client.send(v6_peer, Bytes{6}, p.now).ok());
    p.pump();
    CHECK(p.server.to_peers.back().first == v6_peer);
    CHECK(p.take_events().at(0).kind == EventKind::kPermissionCreated);
}

TEST_CASE("turn.client: PASSWORD-ALGORITHMS offer selects SHA-256 keys") {
    Pair p(config());
    p.server.offer_algorithms = std::vector<stun::PasswordAlgorithmValue>{{2, {}}, {1, {}}};
    p.server.algorithm = stun::PasswordAlgorithm::kSha256;
    p.allocate();
    const auto& request = p.server.received.at(1);
    CHECK(request.get_password_algorithm()->algorithm == 2);
    CHECK(request.get_password_algorithms()->size() == 2);
}

TEST_CASE("turn.client: a success response without valid integrity is dropped as forged") {
    Pair p(config());
    REQUIRE(p.client.start_allocation(p.now).ok());
    auto first = p.client.poll_transmit();
    p.client.handle_receive(p.now, *p.server.handle(*first));
    auto second = p.client.poll_transmit();
    REQUIRE(second);
    auto request = stun::Message::parse(*second).value();

    stun::Message forged = stun::Message::response_to(request, stun::MessageClass::kSuccessResponse);
    forged.add_xor_address(stun::AttributeType::kXorRelayedAddress, addr("192.0.2.66:1"));
    p.client.handle_receive(p.now, forged.serialize());  // unsigned
    p.client.handle_receive(p.now, forged.serialize_with_integrity(stun::short_term_key("guess")));
    CHECK(p.client.poll_event() == std::nullopt);
    CHECK(p.client.stats().dropped == 2);
    CHECK(p.client.state() == ClientState::kAllocating);

    // The genuine answer still completes the transaction.
    p.client.handle_receive(p.now, *p.server.handle(*second));
    auto e = p.client.poll_event();
    REQUIRE(e);
    CHECK(e->kind == EventKind::kAllocated);
}

TEST_CASE("turn.client: refreshes the allocation a minute before it expires") {
    Pair p(config());
    Timestamp start = p.now;
    p.allocate();
    REQUIRE(p.client.poll_timeout());
    CHECK(*p.client.poll_timeout() == start + Duration::seconds(540));

    p.advance(Duration::seconds(539));
    CHECK(p.server.received.size() == 2);
    p.advance(Duration::seconds(1));
    REQUIRE(p.server.received.size() == 3);
    const auto& refresh = p.server.received.back();
    CHECK(refresh.method() == stun::Method::kRefresh);
    CHECK(refresh.get_u32(stun::AttributeType::kLifetime).value() == 600);
    CHECK(refresh.has(stun::AttributeType::kMessageIntegrity));
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kRefreshed);
    CHECK(*p.client.poll_timeout() == start + Duration::seconds(1080));

    // An hour later it has refreshed every 540 s and is still allocated.
    p.advance(Duration::seconds(3600));
    CHECK(p.client.state() == ClientState::kAllocated);
    CHECK(p.server.received.size() == 3 + 3600 / 540);
}

TEST_CASE("turn.client: short lifetimes refresh at 80 percent") {
    Pair p(config());
    p.server.lifetime = 100;
    Timestamp start = p.now;
    p.allocate();
    CHECK(*p.client.poll_timeout() == start + Duration::seconds(80));
}

TEST_CASE("turn.client: a refused refresh loses the allocation") {
    Pair p(config());
    p.allocate();
    p.server.error_for[stun::Method::kRefresh] = 437;
    p.advance(Duration::seconds(600));
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kAllocationLost);
    CHECK(e[0].error_code == 437);
    CHECK(p.client.state() == ClientState::kClosed);
    CHECK(p.client.poll_timeout() == std::nullopt);
}

TEST_CASE("turn.client: stale nonce on refresh is retried transparently") {
    Pair p(config());
    p.allocate();
    p.server.stale_nonce_responses = 1;
    p.advance(Duration::seconds(540));
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kRefreshed);
    CHECK(p.server.received.back().get_string(stun::AttributeType::kNonce).value() == "nonce-1x");
}

TEST_CASE("turn.client: permissions are created, refreshed every 240 s while used, and lapse when not") {
    Pair p(config());
    p.allocate();
    net::SocketAddress peer = addr("192.0.2.77:6000");
    CHECK(p.client.send(peer, Bytes{1}, p.now).error() == TurnError::kNoPermission);
    REQUIRE(p.client.create_permission(peer.ip(), p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kPermissionCreated);
    CHECK(e[0].peer.ip() == peer.ip());
    CHECK(p.client.has_permission(peer.ip()));
    CHECK(p.server.permissions.count(peer.ip()) == 1);
    CHECK(p.server.received.back().get_xor_address(stun::AttributeType::kXorPeerAddress)->ip() == peer.ip());
    // A second create_permission for a confirmed permission sends nothing.
    size_t before = p.server.received.size();
    REQUIRE(p.client.create_permission(peer.ip(), p.now).ok());
    p.pump();
    CHECK(p.server.received.size() == before);

    // Used every 30 s: refreshed at 240 s and 480 s.
    auto count_permissions = [&p] {
        size_t n = 0;
        for (const auto& m : p.server.received) n += m.method() == stun::Method::kCreatePermission;
        return n;
    };
    for (int i = 0; i < 17; ++i) {
        p.advance(Duration::seconds(30));
        REQUIRE(p.client.send(peer, Bytes{2}, p.now).ok());
        p.pump();
    }
    CHECK(count_permissions() == 3);  // at 0 s, 240 s and 480 s
    CHECK(p.take_events().empty());   // refreshes raise no new events

    // Last used at 510 s, after the 480 s install: refreshed once more at 720 s ...
    p.advance(Duration::seconds(300));
    CHECK(count_permissions() == 4);
    // ... and, unused since, skipped at 960 s: the permission disappears.
    p.advance(Duration::seconds(240));
    CHECK(count_permissions() == 4);
    CHECK_FALSE(p.client.has_permission(peer.ip()));
    CHECK(p.client.send(peer, Bytes{3}, p.now).error() == TurnError::kNoPermission);
}

TEST_CASE("turn.client: a refused permission is reported") {
    Pair p(config());
    p.allocate();
    p.server.error_for[stun::Method::kCreatePermission] = 403;
    REQUIRE(p.client.create_permission(ip("10.0.0.1"), p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kPermissionFailed);
    CHECK(e[0].error_code == 403);
    CHECK(e[0].peer.ip() == ip("10.0.0.1"));
    CHECK(p.client.send(addr("10.0.0.1:1"), Bytes{1}, p.now).error() == TurnError::kNoPermission);
}

TEST_CASE("turn.client: Send indications until a channel is bound, then ChannelData") {
    Pair p(config());
    p.allocate();
    net::SocketAddress peer = addr("192.0.2.77:6000");
    REQUIRE(p.client.create_permission(peer.ip(), p.now).ok());
    p.pump();
    p.take_events();

    REQUIRE(p.client.send(peer, Bytes{'h', 'i'}, p.now).ok());
    p.pump();
    REQUIRE(p.server.to_peers.size() == 1);
    CHECK(p.server.to_peers[0].first == peer);
    CHECK(p.server.to_peers[0].second == Bytes{'h', 'i'});
    CHECK(p.server.received.back().method() == stun::Method::kSend);
    CHECK(p.server.received.back().is_indication());

    auto channel = p.client.bind_channel(peer, p.now);
    REQUIRE(channel.ok());
    CHECK(*channel == 0x4000);
    // Still unconfirmed: the next send goes as a Send indication, before the ChannelBind answer
    // is processed... (the request is queued first, so Z sees ChannelBind, then Send).
    REQUIRE(p.client.send(peer, Bytes{'a'}, p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kChannelBound);
    CHECK(e[0].channel == 0x4000);
    CHECK(e[0].peer == peer);
    CHECK(p.client.channel_for(peer) == std::optional<uint16_t>(0x4000));
    CHECK(p.server.channels.at(0x4000) == peer);
    CHECK(p.server.raw_channel_data.empty());

    REQUIRE(p.client.send(peer, Bytes{'x', 'y', 'z'}, p.now).ok());
    p.pump();
    REQUIRE(p.server.raw_channel_data.size() == 1);
    CHECK(to_hex(p.server.raw_channel_data[0]) == "4000000378797a");  // WebSocket: not padded
    CHECK(p.server.to_peers.back().second == Bytes{'x', 'y', 'z'});
    // Binding the same peer again returns the same channel without a request.
    size_t before = p.server.received.size();
    CHECK(p.client.bind_channel(peer, p.now).value() == 0x4000);
    p.pump();
    CHECK(p.server.received.size() == before);
    CHECK(p.client.bind_channel(addr("192.0.2.78:1"), p.now).value() == 0x4001);
}

TEST_CASE("turn.client: channels are refreshed at 540 s while used") {
    Pair p(config());
    p.allocate();
    net::SocketAddress peer = addr("192.0.2.77:6000");
    REQUIRE(p.client.bind_channel(peer, p.now).ok());
    p.pump();
    p.take_events();
    CHECK(p.client.has_permission(peer.ip()));  // installed by the ChannelBind
    auto count_binds = [&p] {
        size_t n = 0;
        for (const auto& m : p.server.received) n += m.method() == stun::Method::kChannelBind;
        return n;
    };
    for (int i = 0; i < 20; ++i) {
        p.advance(Duration::seconds(30));
        REQUIRE(p.client.send(peer, Bytes{1}, p.now).ok());
        p.pump();
    }
    CHECK(count_binds() == 2);  // at 0 s and 540 s
    CHECK(p.client.channel_for(peer).has_value());
    // Last used at 600 s, after the 540 s refresh: refreshed again at 1080 s ...
    p.advance(Duration::seconds(600));
    CHECK(count_binds() == 3);
    CHECK(p.client.channel_for(peer).has_value());
    // ... then unused: at 1620 s it stops using the channel instead of refreshing it.
    p.advance(Duration::seconds(600));
    CHECK_FALSE(p.client.channel_for(peer).has_value());
    CHECK(count_binds() == 3);
}

TEST_CASE("turn.client: a refused ChannelBind is reported and Send indications continue") {
    Pair p(config());
    p.allocate();
    net::SocketAddress peer = addr("192.0.2.77:6000");
    REQUIRE(p.client.create_permission(peer.ip(), p.now).ok());
    p.pump();
    p.take_events();
    p.server.error_for[stun::Method::kChannelBind] = 400;
    REQUIRE(p.client.bind_channel(peer, p.now).ok());
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kChannelBindFailed);
    CHECK(e[0].error_code == 400);
    CHECK_FALSE(p.client.channel_for(peer));
    REQUIRE(p.client.send(peer, Bytes{5}, p.now).ok());
    p.pump();
    CHECK(p.server.received.back().method() == stun::Method::kSend);
}

TEST_CASE("turn.client: Data indications and ChannelData come back as (peer, bytes)") {
    Pair p(config());
    p.allocate();
    net::SocketAddress peer = addr("192.0.2.77:6000");
    REQUIRE(p.client.bind_channel(peer, p.now).ok());
    p.pump();
    p.take_events();

    p.client.handle_receive(p.now, FakeServer::data_indication(addr("192.0.2.99:7"), Bytes{9, 8}));
    p.client.handle_receive(p.now, stun::serialize_channel_data(0x4000, Bytes{7, 7, 7}));
    p.client.handle_receive(p.now, stun::serialize_channel_data(0x4000, Bytes{6}, true));  // padded
    p.client.handle_receive(p.now, stun::serialize_channel_data(0x4123, Bytes{1}));        // unbound
    p.pump();
    auto e = p.take_events();
    REQUIRE(e.size() == 3);
    CHECK(e[0].kind == EventKind::kData);
    CHECK(e[0].peer == addr("192.0.2.99:7"));
    CHECK(e[0].data == Bytes{9, 8});
    CHECK(e[1].peer == peer);
    CHECK(e[1].data == Bytes{7, 7, 7});
    CHECK(e[2].data == Bytes{6});
    CHECK(p.client.stats().dropped == 1);
}

TEST_CASE("turn.client: over UDP a lost request is retransmitted at 0.5, 1.5, 3.5 ... and fails at 39.5 s") {
    Pair p(config(net::TransportProtocol::kUdp));
    Timestamp start = p.now;
    p.drop_to_server = 1000;
    REQUIRE(p.client.start_allocation(p.now).ok());
    std::vector<int64_t> sent_at_ms;
    auto drain = [&] {
        while (p.client.poll_transmit()) sent_at_ms.push_back((p.now - start).as_millis());
    };
    drain();
    for (int i = 0; i < 20; ++i) {
        auto t = p.client.poll_timeout();
        if (!t) break;
        p.now = *t;
        p.client.handle_timeout(p.now);
        drain();
    }
    CHECK(sent_at_ms == std::vector<int64_t>{0, 500, 1500, 3500, 7500, 15500, 31500});
    auto e = p.client.poll_event();
    REQUIRE(e);
    CHECK(e->kind == EventKind::kAllocationFailed);
    CHECK(e->error_code == 0);
    CHECK(p.now - start == Duration::millis(39500));
    CHECK(p.client.stats().retransmissions == 6);
}

TEST_CASE("turn.client: over UDP, losses are recovered by retransmission") {
    Pair p(config(net::TransportProtocol::kUdp));
    p.drop_to_server = 2;  // the first Allocate and its first retransmission
    p.drop_to_client = 1;  // the 401
    REQUIRE(p.client.start_allocation(p.now).ok());
    p.pump();
    p.advance(Duration::seconds(10));
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kAllocated);
    CHECK(p.client.stats().retransmissions >= 3);
    // A duplicate response to a finished transaction is ignored.
    uint64_t dropped = p.client.stats().dropped;
    stun::Message stale(stun::MessageClass::kSuccessResponse, stun::Method::kAllocate,
                        p.server.received.back().transaction_id());
    p.client.handle_receive(p.now, stale.serialize());
    CHECK(p.client.stats().dropped == dropped + 1);
}

TEST_CASE("turn.client: over a reliable transport a request is sent once and times out after 39.5 s") {
    Pair p(config(net::TransportProtocol::kWebSocket));
    Timestamp start = p.now;
    p.drop_to_server = 1000;
    REQUIRE(p.client.start_allocation(p.now).ok());
    p.pump();
    CHECK(*p.client.poll_timeout() == start + Duration::millis(39500));
    p.advance(Duration::seconds(39));
    CHECK(p.take_events().empty());
    p.advance(Duration::millis(500));
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kAllocationFailed);
    CHECK(p.client.stats().requests_sent == 1);
    CHECK(p.client.stats().retransmissions == 0);
}

TEST_CASE("turn.client: deallocate sends Refresh with LIFETIME 0") {
    Pair p(config());
    p.allocate();
    p.client.deallocate(p.now);
    CHECK(p.client.state() == ClientState::kClosing);
    p.pump();
    const auto& last = p.server.received.back();
    CHECK(last.method() == stun::Method::kRefresh);
    CHECK(last.get_u32(stun::AttributeType::kLifetime).value() == 0);
    CHECK_FALSE(p.server.allocated);
    auto e = p.take_events();
    REQUIRE(e.size() == 1);
    CHECK(e[0].kind == EventKind::kDeallocated);
    CHECK(p.client.state() == ClientState::kClosed);
    CHECK(p.client.send(addr("192.0.2.1:1"), Bytes{1}, p.now).error() == TurnError::kInvalidState);
    p.client.handle_receive(p.now, FakeServer::data_indication(addr("192.0.2.99:7"), Bytes{1}));
    CHECK(p.client.poll_event() == std::nullopt);
}

TEST_CASE("turn.client: over TCP the byte stream is reassembled and ChannelData is padded") {
    Pair p(config(net::TransportProtocol::kTcp));
    REQUIRE(p.client.start_allocation(p.now).ok());
    // Z's answers arrive in 3-byte chunks.
    auto feed_chunked = [&p](const Bytes& bytes) {
        for (size_t i = 0; i < bytes.size(); i += 3) {
            p.client.handle_receive(p.now, ByteView(bytes).subview(i, 3));
        }
    };
    for (int i = 0; i < 2; ++i) {
        auto out = p.client.poll_transmit();
        REQUIRE(out);
        feed_chunked(*p.server.handle(*out));
    }
    auto e = p.client.poll_event();
    REQUIRE(e);
    CHECK(e->kind == EventKind::kAllocated);

    net::SocketAddress peer = addr("192.0.2.77:6000");
    REQUIRE(p.client.bind_channel(peer, p.now).ok());
    feed_chunked(*p.server.handle(*p.client.poll_transmit()));
    REQUIRE(p.client.poll_event()->kind == EventKind::kChannelBound);
    REQUIRE(p.client.send(peer, Bytes{1, 2, 3, 4, 5}, p.now).ok());
    CHECK(to_hex(*p.client.poll_transmit()) == "400000050102030405000000");

    // Two messages in one chunk.
    Bytes both = stun::serialize_channel_data(0x4000, Bytes{1}, true);
    Bytes second = FakeServer::data_indication(peer, Bytes{2});
    both.insert(both.end(), second.begin(), second.end());
    p.client.handle_receive(p.now, both);
    CHECK(p.client.poll_event()->data == Bytes{1});
    CHECK(p.client.poll_event()->data == Bytes{2});

    // Garbage on the stream loses the allocation.
    p.client.handle_receive(p.now, Bytes{0xff, 0xff, 0xff, 0xff});
    auto lost = p.client.poll_event();
    REQUIRE(lost);
    CHECK(lost->kind == EventKind::kAllocationLost);
    CHECK(p.client.state() == ClientState::kClosed);
}

TEST_CASE("turn.client: commands are checked against state, family and size") {
    Pair p(config());
    CHECK(p.client.create_permission(ip("192.0.2.1"), p.now).error() == TurnError::kInvalidState);
    CHECK(p.client.bind_channel(addr("192.0.2.1:1"), p.now).error() == TurnError::kInvalidState);
    CHECK(p.client.send(addr("192.0.2.1:1"), Bytes{1}, p.now).error() == TurnError::kInvalidState);
    p.allocate();
    CHECK(p.client.create_permission(ip("2001:db8::1"), p.now).error() == TurnError::kFamilyMismatch);
    CHECK(p.client.bind_channel(addr("[2001:db8::1]:5"), p.now).error() == TurnError::kFamilyMismatch);
    REQUIRE(p.client.create_permission(ip("192.0.2.1"), p.now).ok());
    CHECK(p.client.send(addr("192.0.2.1:1"), Bytes(65535, 0), p.now).error() == TurnError::kDataTooLarge);
    // IPv4-mapped peers are treated as IPv4.
    CHECK(p.client.send(addr("[::ffff:192.0.2.1]:1"), Bytes{1}, p.now).ok());
}

TEST_CASE("turn.client: garbage and unsolicited messages are dropped and counted") {
    Pair p(config());
    p.allocate();
    auto rng = polyrtc::testing::seeded_rng("turn.client garbage");
    for (int i = 0; i < 500; ++i) p.client.handle_receive(p.now, rng.bytes(rng.next_u32() % 64));
    stun::Message request = stun::Message::create(stun::MessageClass::kRequest, stun::Method::kBinding, rng);
    p.client.handle_receive(p.now, request.serialize());
    stun::Message unsolicited =
        stun::Message::create(stun::MessageClass::kSuccessResponse, stun::Method::kAllocate, rng);
    p.client.handle_receive(p.now, unsolicited.serialize());
    CHECK(p.client.stats().dropped == 502);
    CHECK(p.client.poll_event() == std::nullopt);
    CHECK(p.client.state() == ClientState::kAllocated);
}

TEST_CASE("turn.client: channel numbers run out after 4096 bindings") {
    Pair p(config());
    p.allocate();
    for (uint32_t i = 0; i < 4096; ++i) {
        auto peer = net::SocketAddress(net::IpAddress::v4(0xC6336400u), static_cast<uint16_t>(1000 + i));
        auto channel = p.client.bind_channel(peer, p.now);
        REQUIRE(channel.ok());
        CHECK(*channel == 0x4000 + i);
        while (p.client.poll_transmit()) {
        }
    }
    CHECK(p.client.bind_channel(addr("198.51.100.1:1"), p.now).error() == TurnError::kChannelsExhausted);
}

}  // namespace polyrtc::turn
