// TurnServer, driven on a simulated clock. Client A ("alice") and client B ("bob") allocate,
// talk to peers, and break every rule once; each case narrates what the server must answer.
#include "relay/turn/turn_server.hpp"

#include <doctest/doctest.h>

#include "core/stun/channel_data.hpp"
#include "tests/relay/unit/turn_harness.hpp"

namespace polyrtc::relay::turn {

using namespace testing;
using stun::AttributeType;
using stun::Message;
using stun::MessageClass;
using stun::Method;

namespace {
const net::SocketAddress kPeer = addr("93.184.216.34:40000");  // a global unicast peer
const net::SocketAddress kPeer2 = addr("93.184.216.35:40001");
const net::SocketAddress kPeerSameIp = addr("93.184.216.34:40002");  // kPeer's IP, another port
}  // namespace

TEST_CASE("relay.turn: Binding needs no credentials and reflects the client address") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    h.feed(a.key, a.request(h, Method::kBinding));
    Message r = h.response(a.key);
    CHECK(r.is_success());
    CHECK(r.get_xor_address(AttributeType::kXorMappedAddress).value() == a.key.remote);
}

TEST_CASE("relay.turn: Allocate without credentials is challenged with 401, REALM and NONCE") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.username.clear();  // sends no credentials at all
    h.feed(a.key, a.request(h, Method::kAllocate, [](Message& m) { m.add_requested_transport(); }));
    Message r = h.response(a.key);
    CHECK(error_of(r) == 401);
    CHECK(r.get_string(AttributeType::kRealm).value() == "example.org");
    CHECK(r.get_string(AttributeType::kNonce).value().size() == 32);
    CHECK_FALSE(r.has(AttributeType::kMessageIntegrity));  // a challenge is never signed
    CHECK(h.server.allocation_count() == 0);
    CHECK(h.server.stats().auth_failures == 0);  // the normal first round trip is not a failure
}

TEST_CASE("relay.turn: A allocates: OpenRelay, then a signed success with relayed/mapped address and lifetime") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.use_fingerprint = true;
    Message r = a.allocate(h);
    REQUIRE(r.is_success());
    CHECK(h.of_type<OpenRelay>().size() == 1);
    CHECK(h.of_type<OpenRelay>()[0].family == net::AddressFamily::kIpv4);
    CHECK(r.get_xor_address(AttributeType::kXorRelayedAddress).value() == addr("203.0.113.10:50000"));
    CHECK(r.get_xor_address(AttributeType::kXorMappedAddress).value() == a.key.remote);
    CHECK(r.get_u32(AttributeType::kLifetime).value() == 600);
    CHECK(stun::check_integrity(h.last_response_bytes, a.integrity_key()).ok());
    CHECK(stun::check_fingerprint(h.last_response_bytes).ok());  // mirrored because A used it
    CHECK(h.server.allocation_count() == 1);
    CHECK(h.has_log("allocation_created"));
}

TEST_CASE("relay.turn: a retransmitted Allocate gets the same response; a new one on the 5-tuple gets 437") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);  // learns the nonce
    // Build one signed Allocate and send it twice.
    Message m = Message::create(MessageClass::kRequest, Method::kAllocate, h.rng);
    m.add_requested_transport();
    // (A's first allocation exists already, so use a fresh client for the retransmission.)
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = a.nonce;
    Bytes request = b.sign_message(m);
    h.feed(b.key, request);
    Bytes first = h.response(b.key).is_success() ? h.last_response_bytes : Bytes{};
    REQUIRE_FALSE(first.empty());
    h.feed(b.key, request);
    CHECK(h.of_type<OpenRelay>().empty());
    CHECK(h.of_type<SendToClient>().at(0).bytes == first);
    Message again = b.allocate(h);
    CHECK(error_of(again) == 437);
    CHECK(stun::check_integrity(h.last_response_bytes, b.integrity_key()).ok());
    CHECK(h.server.allocation_count() == 2);
}

TEST_CASE("relay.turn: wrong password, unknown user and missing USERNAME/REALM/NONCE") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000", "alice", "wrong");
    Message r = a.allocate(h);
    CHECK(error_of(r) == 401);
    CHECK(r.has(AttributeType::kNonce));
    CHECK(h.server.stats().auth_failures == 1);
    CHECK(h.has_log("auth_failed"));

    Client mallory = udp_client("192.0.2.51:6000", "mallory", "x");
    CHECK(error_of(mallory.allocate(h)) == 401);
    CHECK(h.server.stats().auth_failures == 2);

    // MESSAGE-INTEGRITY present but no NONCE: 400 Bad Request.
    Client c = udp_client("192.0.2.52:6000");
    Message m = Message::create(MessageClass::kRequest, Method::kAllocate, h.rng);
    m.add_requested_transport();
    m.add_string(AttributeType::kUsername, "alice");
    m.add_string(AttributeType::kRealm, "example.org");
    h.feed(c.key, m.serialize_with_integrity(c.integrity_key(), false));
    CHECK(error_of(h.response(c.key)) == 400);
    CHECK(h.server.allocation_count() == 0);
}

TEST_CASE("relay.turn: an expired or forged nonce gets 438 with a fresh nonce") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    h.advance(Duration::seconds(601));  // nonce lifetime is 600 s; allocation lifetime too
    Message r = a.refresh(h, 600);
    CHECK(error_of(r) == 438);
    const std::string fresh = r.get_string(AttributeType::kNonce).value();
    CHECK(fresh != a.nonce);
    CHECK(r.get_string(AttributeType::kRealm).value() == "example.org");

    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = "0000000000000000ffffffffffffffff";  // never issued
    CHECK(error_of(b.allocate(h)) == 438);
    b.nonce = fresh.substr(0, 16) + "0000000000000000";  // right time, wrong MAC
    CHECK(error_of(b.allocate(h)) == 438);
    b.nonce = fresh;
    CHECK(b.allocate(h).is_success());
}

TEST_CASE("relay.turn: REST API credentials (EXPIRY:USER, base64 HMAC-SHA1), expiry and secret rotation") {
    TurnConfig config = default_config();
    config.credentials.rest_secrets = {"old-secret", "north-secret"};
    Harness h(config);
    CHECK(rest_api_password("north-secret", "1700000000:alice") == "g+jb180fcj+xlpA/2mP60OdIgU0=");

    const std::string name = std::to_string(kUnixStart + 3600) + ":carol";
    Client c = udp_client("192.0.2.60:6000", name, rest_api_password("north-secret", name));
    CHECK(c.allocate(h).is_success());

    const std::string old_name = std::to_string(kUnixStart + 3600) + ":dave";
    Client d = udp_client("192.0.2.61:6000", old_name, rest_api_password("old-secret", old_name));
    CHECK(d.allocate(h).is_success());

    const std::string expired = std::to_string(kUnixStart - 1) + ":erin";
    Client e = udp_client("192.0.2.62:6000", expired, rest_api_password("north-secret", expired));
    CHECK(error_of(e.allocate(h)) == 401);

    Client f = udp_client("192.0.2.63:6000", name, rest_api_password("other-secret", name));
    CHECK(error_of(f.allocate(h)) == 401);

    const std::string bare = std::to_string(kUnixStart + 60);  // coturn accepts a bare EXPIRY
    Client g = udp_client("192.0.2.64:6000", bare, rest_api_password("north-secret", bare));
    CHECK(g.allocate(h).is_success());
    CHECK(h.server.stats().auth_failures == 2);
}

TEST_CASE("relay.turn: REST credentials are off unless a secret is configured") {
    Harness h;
    const std::string name = std::to_string(kUnixStart + 3600) + ":carol";
    Client c = udp_client("192.0.2.60:6000", name, rest_api_password("north-secret", name));
    CHECK(error_of(c.allocate(h)) == 401);
}

TEST_CASE("relay.turn: lifetime is max(default, min(requested, maximum))") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    CHECK(a.allocate(h, 100).get_u32(AttributeType::kLifetime).value() == 600);
    CHECK(a.refresh(h, 1200).get_u32(AttributeType::kLifetime).value() == 1200);
    CHECK(a.refresh(h, 99999).get_u32(AttributeType::kLifetime).value() == 3600);
    CHECK(a.refresh(h, std::nullopt).get_u32(AttributeType::kLifetime).value() == 600);
}

TEST_CASE("relay.turn: REQUESTED-TRANSPORT missing is 400, TCP is 442") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);  // learn a nonce and hold an allocation on this 5-tuple
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = a.nonce;
    h.feed(b.key, b.request(h, Method::kAllocate));
    CHECK(error_of(h.response(b.key)) == 400);
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) { m.add_requested_transport(stun::kProtocolTcp); }));
    Message r = h.response(b.key);
    CHECK(error_of(r) == 442);
    CHECK(stun::check_integrity(h.last_response_bytes, b.integrity_key()).ok());  // errors after auth are signed
    CHECK(h.server.allocation_count() == 1);
}

TEST_CASE("relay.turn: DONT-FRAGMENT and unknown comprehension-required attributes get 420") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = a.nonce;
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add_flag(AttributeType::kDontFragment);
    }));
    Message r = h.response(b.key);
    CHECK(error_of(r) == 420);
    CHECK(r.get_unknown_attributes().value() == std::vector<uint16_t>{0x001A});

    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add(static_cast<AttributeType>(0x7777), Bytes{1, 2, 3, 4});
        m.add(static_cast<AttributeType>(0xC0DE), Bytes{1});  // comprehension-optional: fine
    }));
    r = h.response(b.key);
    CHECK(error_of(r) == 420);
    CHECK(r.get_unknown_attributes().value() == std::vector<uint16_t>{0x7777});
}

TEST_CASE("relay.turn: RESERVATION-TOKEN and EVEN-PORT are refused cleanly (508, or 400 when combined)") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = a.nonce;
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add_u64(AttributeType::kReservationToken, 42);
    }));
    CHECK(error_of(h.response(b.key)) == 508);
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add_even_port(true);
    }));
    CHECK(error_of(h.response(b.key)) == 508);
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add_even_port(false);
        m.add_u64(AttributeType::kReservationToken, 42);
    }));
    CHECK(error_of(h.response(b.key)) == 400);
    CHECK(h.server.allocation_count() == 1);
}

TEST_CASE("relay.turn: address families: IPv6 requested is 440; dual-stack gets IPv4 plus ADDRESS-ERROR-CODE") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = a.nonce;
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add_address_family(AttributeType::kRequestedAddressFamily, net::AddressFamily::kIpv6);
    }));
    CHECK(error_of(h.response(b.key)) == 440);
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add_address_family(AttributeType::kAdditionalAddressFamily, net::AddressFamily::kIpv4);
    }));
    CHECK(error_of(h.response(b.key)) == 400);
    h.feed(b.key, b.request(h, Method::kAllocate, [](Message& m) {
        m.add_requested_transport();
        m.add_address_family(AttributeType::kAdditionalAddressFamily, net::AddressFamily::kIpv6);
    }));
    Message r = h.response(b.key);
    REQUIRE(r.is_success());
    CHECK(r.get_xor_addresses(AttributeType::kXorRelayedAddress).value().size() == 1);
    auto family_error = r.get_address_error_code();
    REQUIRE(family_error.ok());
    CHECK(family_error->family == net::AddressFamily::kIpv6);
    CHECK(family_error->code == 440);
}

TEST_CASE("relay.turn: requests without an allocation get 437; another user's credentials get 441") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = a.nonce;
    CHECK(error_of(b.refresh(h, 600)) == 437);
    CHECK(error_of(b.create_permission(h, {kPeer})) == 437);
    CHECK(error_of(b.channel_bind(h, 0x4000, kPeer)) == 437);

    // Bob signs a request on Alice's 5-tuple.
    Client impostor = b;
    impostor.key = a.key;
    Message r = impostor.refresh(h, 600);
    CHECK(error_of(r) == 441);
    CHECK(stun::check_integrity(h.last_response_bytes, b.integrity_key()).ok());
}

TEST_CASE("relay.turn: Refresh extends; lifetime 0 deletes the allocation and closes the relayed socket") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    h.advance(Duration::seconds(500));
    CHECK(a.refresh(h, 600).is_success());
    h.advance(Duration::seconds(500));  // 1000 s after Allocate, 500 s after Refresh
    h.absorb(h.server.handle_timeout(h.now));
    CHECK(h.server.allocation_count() == 1);
    a.renew_nonce(h);  // the nonce (600 s) has expired meanwhile

    Message r = a.refresh(h, 0);
    CHECK(r.is_success());
    CHECK(r.get_u32(AttributeType::kLifetime).value() == 0);
    CHECK(h.of_type<CloseRelay>().size() == 1);
    CHECK(h.server.allocation_count() == 0);
    CHECK(error_of(a.refresh(h, 600)) == 437);
    // The 5-tuple is free again.
    CHECK(a.allocate(h).is_success());
}

TEST_CASE("relay.turn: allocations expire: the timeout closes the socket, requests then get 437") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    h.advance(Duration::seconds(599));
    h.absorb(h.server.handle_timeout(h.now));
    CHECK(h.of_type<CloseRelay>().empty());
    h.advance(Duration::seconds(1));
    h.absorb(h.server.handle_timeout(h.now));
    CHECK(h.of_type<CloseRelay>().size() == 1);
    CHECK(h.server.allocation_count() == 0);
    CHECK(h.has_log("allocation_deleted"));
}

TEST_CASE("relay.turn: an expired allocation is gone even before the sweep runs") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    h.advance(Duration::seconds(600));
    a.renew_nonce(h);  // the nonce expired with the allocation
    CHECK(error_of(a.refresh(h, 600)) == 437);
    CHECK(h.server.allocation_count() == 0);
}

TEST_CASE("relay.turn: CreatePermission: 400 without a peer, 443 family mismatch, all-or-nothing 403") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    CHECK(error_of(a.create_permission(h, {})) == 400);
    CHECK(error_of(a.create_permission(h, {addr("[2001:4860::1]:9")})) == 443);
    CHECK(error_of(a.create_permission(h, {kPeer, addr("10.1.2.3:9")})) == 403);
    CHECK(h.has_log("peer_refused"));
    // kPeer was not installed by the refused request:
    h.feed(a.key, a.send_indication(h, kPeer, Bytes{1}));
    CHECK(h.of_type<SendToPeer>().empty());
    CHECK(a.create_permission(h, {kPeer, kPeer2}).is_success());
}

TEST_CASE("relay.turn: default peer policy refuses loopback, private, link-local, metadata, multicast, reserved") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    for (const char* peer :
         {"127.0.0.1:9", "10.0.0.1:9", "172.16.5.4:9", "192.168.1.1:9", "100.64.0.1:9", "169.254.1.1:9",
          "169.254.169.254:80", "224.0.0.1:9", "255.255.255.255:9", "0.0.0.0:9", "240.0.0.1:9", "192.0.2.1:9"}) {
        CHECK_MESSAGE(error_of(a.create_permission(h, {addr(peer)})) == 403, peer);
        CHECK_MESSAGE(error_of(a.channel_bind(h, 0x4001, addr(peer))) == 403, peer);
    }
}

TEST_CASE("relay.turn: --allow-loopback-peers and --allowed-peer-ip open exactly what they name") {
    TurnConfig config = default_config();
    config.peer_policy.allow_loopback_peers = true;
    config.peer_policy.allowed.push_back(PeerRange::parse("10.5.0.0/16").value());
    config.peer_policy.denied.push_back(PeerRange::parse("93.184.216.0-93.184.216.255").value());
    Harness h(config);
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    CHECK(a.create_permission(h, {addr("127.0.0.1:9")}).is_success());
    CHECK(a.create_permission(h, {addr("10.5.1.1:9")}).is_success());
    CHECK(error_of(a.create_permission(h, {addr("10.6.1.1:9")})) == 403);
    CHECK(error_of(a.create_permission(h, {kPeer})) == 403);  // a global address, but denied
    CHECK(a.create_permission(h, {addr("8.8.8.8:53")}).is_success());
}

TEST_CASE("relay.turn: Send indication reaches the peer only with a live permission (300 s)") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    h.feed(a.key, a.send_indication(h, kPeer, Bytes{1, 2, 3}));
    CHECK(h.of_type<SendToPeer>().empty());
    CHECK(h.server.stats().dropped_no_permission == 1);

    REQUIRE(a.create_permission(h, {kPeer}).is_success());
    h.feed(a.key, a.send_indication(h, kPeerSameIp, Bytes{1, 2, 3}));  // permissions are per IP
    auto sent = h.of_type<SendToPeer>();
    REQUIRE(sent.size() == 1);
    CHECK(h.server.stats().packets_to_peers == 1);
    CHECK(h.server.stats().bytes_to_peers == 3);
    CHECK(sent[0].peer == kPeerSameIp);
    CHECK(sent[0].bytes == Bytes{1, 2, 3});
    CHECK(h.of_type<SendToClient>().empty());  // indications get no response

    h.advance(Duration::seconds(299));
    h.feed(a.key, a.send_indication(h, kPeer, Bytes{4}));
    CHECK(h.of_type<SendToPeer>().size() == 1);
    h.advance(Duration::seconds(1));
    h.feed(a.key, a.send_indication(h, kPeer, Bytes{5}));
    CHECK(h.of_type<SendToPeer>().empty());
}

TEST_CASE("relay.turn: peer datagrams become Data indications, only from permitted peers") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    const AllocationId id = 1;
    h.absorb(h.server.handle_peer_datagram(id, kPeer, Bytes{9, 8, 7}, h.now));
    CHECK(h.last.empty());
    REQUIRE(a.create_permission(h, {kPeer}).is_success());
    h.absorb(h.server.handle_peer_datagram(id, kPeerSameIp, Bytes{9, 8, 7}, h.now));
    Message data = h.response(a.key);
    CHECK(data.is_indication());
    CHECK(data.method() == Method::kData);
    CHECK(data.get_xor_address(AttributeType::kXorPeerAddress).value() == kPeerSameIp);
    CHECK(data.get_bytes(AttributeType::kData).value().to_bytes() == Bytes{9, 8, 7});
    CHECK(h.server.stats().packets_to_clients == 1);
    CHECK(h.server.stats().bytes_to_clients == 3);
    h.absorb(h.server.handle_peer_datagram(id, kPeer2, Bytes{1}, h.now));
    CHECK(h.last.empty());
    h.absorb(h.server.handle_peer_datagram(99, kPeer, Bytes{1}, h.now));  // no such allocation
    CHECK(h.last.empty());
}

TEST_CASE("relay.turn: ChannelBind, then ChannelData both ways (padded only over TCP)") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    REQUIRE(a.channel_bind(h, 0x4000, kPeer).is_success());

    h.feed(a.key, stun::serialize_channel_data(0x4000, Bytes{1, 2, 3}));
    auto sent = h.of_type<SendToPeer>();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].peer == kPeer);
    CHECK(sent[0].bytes == Bytes{1, 2, 3});

    h.absorb(h.server.handle_peer_datagram(1, kPeer, Bytes{4, 5, 6}, h.now));
    auto to_client = h.of_type<SendToClient>();
    REQUIRE(to_client.size() == 1);
    CHECK(to_client[0].bytes == Bytes{0x40, 0x00, 0x00, 0x03, 4, 5, 6});  // UDP: no padding

    // The binding installed a permission for the peer's IP, so Send works too.
    h.feed(a.key, a.send_indication(h, kPeerSameIp, Bytes{7}));
    CHECK(h.of_type<SendToPeer>().size() == 1);
    // A datagram from the same IP but another port is not on the channel: Data indication.
    h.absorb(h.server.handle_peer_datagram(1, kPeerSameIp, Bytes{8}, h.now));
    CHECK(h.response(a.key).method() == Method::kData);

    // Unbound channel number: dropped.
    h.feed(a.key, stun::serialize_channel_data(0x4001, Bytes{1}));
    CHECK(h.last.empty());

    Harness t;
    Client c = udp_client("192.0.2.70:6000");
    c.key.transport = net::TransportProtocol::kTcp;
    c.key.connection = 5;
    REQUIRE(c.allocate(t).is_success());
    REQUIRE(c.channel_bind(t, 0x4FFF, kPeer).is_success());
    t.absorb(t.server.handle_peer_datagram(1, kPeer, Bytes{4, 5, 6}, t.now));
    CHECK(t.of_type<SendToClient>().at(0).bytes == Bytes{0x4F, 0xFF, 0x00, 0x03, 4, 5, 6, 0});
}

TEST_CASE("relay.turn: ChannelBind errors: number range, missing attributes, rebinding rules") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    CHECK(error_of(a.channel_bind(h, 0x3FFF, kPeer)) == 400);
    CHECK(error_of(a.channel_bind(h, 0x5000, kPeer)) == 400);
    h.feed(a.key, a.request(h, Method::kChannelBind, [](Message& m) { m.add_channel_number(0x4000); }));
    CHECK(error_of(h.response(a.key)) == 400);
    h.feed(a.key, a.request(h, Method::kChannelBind,
                            [](Message& m) { m.add_xor_address(AttributeType::kXorPeerAddress, kPeer); }));
    CHECK(error_of(h.response(a.key)) == 400);
    CHECK(error_of(a.channel_bind(h, 0x4000, addr("[2001:4860::1]:9"))) == 443);

    REQUIRE(a.channel_bind(h, 0x4000, kPeer).is_success());
    CHECK(a.channel_bind(h, 0x4000, kPeer).is_success());        // same binding: a refresh
    CHECK(error_of(a.channel_bind(h, 0x4000, kPeer2)) == 400);   // number taken by another peer
    CHECK(error_of(a.channel_bind(h, 0x4001, kPeer)) == 400);    // peer already on another number
    CHECK(a.channel_bind(h, 0x4001, kPeerSameIp).is_success());  // same IP, other port: fine
}

TEST_CASE("relay.turn: channels expire after 600 s and stay reserved 300 s more") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000", "alice", "alice-pass");
    REQUIRE(a.allocate(h, 3600).is_success());
    REQUIRE(a.channel_bind(h, 0x4000, kPeer).is_success());
    h.advance(Duration::seconds(599));
    a.renew_nonce(h);
    REQUIRE(a.create_permission(h, {kPeer}).is_success());  // keep the permission alive
    h.feed(a.key, stun::serialize_channel_data(0x4000, Bytes{1}));
    CHECK(h.of_type<SendToPeer>().size() == 1);
    h.advance(Duration::seconds(1));
    h.feed(a.key, stun::serialize_channel_data(0x4000, Bytes{1}));
    CHECK(h.of_type<SendToPeer>().empty());  // channel expired
    h.absorb(h.server.handle_timeout(h.now));
    CHECK(error_of(a.channel_bind(h, 0x4000, kPeer2)) == 400);  // still cooling down
    h.advance(Duration::seconds(300));
    h.absorb(h.server.handle_timeout(h.now));
    a.renew_nonce(h);
    CHECK(a.channel_bind(h, 0x4000, kPeer2).is_success());
}

TEST_CASE("relay.turn: per-user quota is 486, total quota is 508, and both free up") {
    TurnConfig config = default_config();
    config.user_quota = 1;
    config.total_quota = 2;
    config.credentials.rest_secrets = {"s"};
    Harness h(config);
    Client a1 = udp_client("192.0.2.50:6000");
    Client a2 = udp_client("192.0.2.50:6001");
    REQUIRE(a1.allocate(h).is_success());
    Message r = a2.allocate(h);
    CHECK(error_of(r) == 486);
    CHECK(h.has_log("quota_reached"));
    // REST usernames count against their user part.
    const std::string n1 = std::to_string(kUnixStart + 100) + ":alice";
    Client rest = udp_client("192.0.2.52:6000", n1, rest_api_password("s", n1));
    CHECK(error_of(rest.allocate(h)) == 486);

    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    REQUIRE(b.allocate(h).is_success());
    const std::string n2 = std::to_string(kUnixStart + 100) + ":carol";
    Client c = udp_client("192.0.2.53:6000", n2, rest_api_password("s", n2));
    CHECK(error_of(c.allocate(h)) == 508);

    REQUIRE(a1.refresh(h, 0).is_success());
    CHECK(a2.allocate(h).is_success());
}

TEST_CASE("relay.turn: no free relay port: 508 and nothing is kept") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);  // nonce + first allocation
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    b.nonce = a.nonce;
    h.fail_next_open = true;
    Message r = b.allocate(h);
    CHECK(error_of(r) == 508);
    CHECK(stun::check_integrity(h.last_response_bytes, b.integrity_key()).ok());
    CHECK(h.server.allocation_count() == 1);
    CHECK(b.allocate(h).is_success());  // and the 5-tuple can try again
}

TEST_CASE("relay.turn: a socket opened for a client that left is closed again") {
    TurnConfig config = default_config();
    config.no_auth = true;
    TurnServer server(config, polyrtc::testing::seeded_rng("x"));
    crypto::Csprng rng = polyrtc::testing::seeded_rng("y");
    ClientKey key{net::TransportProtocol::kWebSocket, 7, addr("192.0.2.1:5000"), addr("192.0.2.2:8080")};
    Message m = Message::create(MessageClass::kRequest, Method::kAllocate, rng);
    m.add_requested_transport();
    Actions out = server.handle_client_message(key, m.serialize(), Timestamp::from_millis(0), kUnixStart);
    REQUIRE(out.size() == 1);
    const AllocationId id = std::get<OpenRelay>(out[0]).allocation;
    out = server.handle_client_closed(key, Timestamp::from_millis(1));
    CHECK(out.size() == 1);  // a log line; no CloseRelay: the socket is not open yet
    out = server.handle_relay_opened(id, addr("203.0.113.1:50000"), Timestamp::from_millis(2));
    REQUIRE(out.size() == 1);
    CHECK(std::get<CloseRelay>(out[0]).allocation == id);
    CHECK(server.allocation_count() == 0);
}

TEST_CASE("relay.turn: a WebSocket client that disconnects loses its allocation") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.key.transport = net::TransportProtocol::kWebSocket;
    a.key.connection = 3;
    REQUIRE(a.allocate(h).is_success());
    h.absorb(h.server.handle_client_closed(a.key, h.now));
    CHECK(h.of_type<CloseRelay>().size() == 1);
    CHECK(h.server.allocation_count() == 0);
    h.absorb(h.server.handle_client_closed(a.key, h.now));  // twice: nothing
    CHECK(h.last.empty());
}

TEST_CASE("relay.turn: --no-auth allocates without credentials and signs nothing") {
    TurnConfig config = default_config();
    config.no_auth = true;
    Harness h(config);
    Client a = udp_client("192.0.2.50:6000");
    a.username.clear();
    Message r = a.allocate(h);
    REQUIRE(r.is_success());
    CHECK_FALSE(r.has(AttributeType::kMessageIntegrity));
    REQUIRE(a.create_permission(h, {kPeer}).is_success());
    CHECK(error_of(a.create_permission(h, {addr("127.0.0.1:1")})) == 403);  // policy still applies
}

TEST_CASE("relay.turn: hostile input is dropped without a response") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    REQUIRE(a.allocate(h).is_success());
    const auto before = h.server.stats().dropped_malformed;
    h.feed(a.key, Bytes{});
    CHECK(h.last.empty());
    h.feed(a.key, Bytes{0x80, 1, 2, 3});  // RTP-looking
    CHECK(h.last.empty());
    h.feed(a.key, Bytes{0x00, 0x01, 0x00});  // truncated STUN
    CHECK(h.last.empty());
    Bytes bad_length = a.request(h, Method::kBinding);
    bad_length[3] = 0x40;  // length beyond the bytes
    h.feed(a.key, bad_length);
    CHECK(h.last.empty());
    Client f = a;
    f.use_fingerprint = true;
    Bytes bad_fingerprint = f.request(h, Method::kBinding);
    bad_fingerprint.back() ^= 1;
    h.feed(a.key, bad_fingerprint);
    CHECK(h.last.empty());
    h.feed(a.key, Bytes{0x40, 0x00, 0x00, 0x10, 1});  // ChannelData shorter than its length
    CHECK(h.last.empty());
    h.feed(a.key, Bytes{0x50, 0x00, 0x00, 0x00});  // channel number outside the range
    CHECK(h.last.empty());
    CHECK(h.server.stats().dropped_malformed == before + 7);
    // A response or a Data indication from a client is ignored.
    Message bogus(MessageClass::kSuccessResponse, Method::kAllocate, stun::TransactionId::random(h.rng));
    h.feed(a.key, bogus.serialize());
    CHECK(h.last.empty());
    // ChannelData and Send from a 5-tuple with no allocation.
    Client stranger = udp_client("192.0.2.99:1");
    h.feed(stranger.key, stun::serialize_channel_data(0x4000, Bytes{1}));
    h.feed(stranger.key, stranger.send_indication(h, kPeer, Bytes{1}));
    CHECK(h.last.empty());
    CHECK(h.server.stats().dropped_no_allocation == 2);
    // Unknown method and RFC 6062 Connect: 400.
    h.feed(a.key, a.request(h, Method::kConnect));
    CHECK(error_of(h.response(a.key)) == 400);
    CHECK(h.server.allocation_count() == 1);
}

TEST_CASE("relay.turn: MESSAGE-INTEGRITY-SHA256 alone is accepted and answered in kind") {
    Harness h;
    Client a = udp_client("192.0.2.50:6000");
    a.allocate(h);
    Client b = udp_client("192.0.2.51:6000", "bob", "bob-pass");
    Message m = Message::create(MessageClass::kRequest, Method::kAllocate, h.rng);
    m.add_requested_transport();
    m.add_string(AttributeType::kUsername, "bob");
    m.add_string(AttributeType::kRealm, "example.org");
    m.add_string(AttributeType::kNonce, a.nonce);
    stun::SerializeOptions options;
    options.integrity_sha256_key = b.integrity_key();
    h.feed(b.key, m.serialize(options));
    Message r = h.response(b.key);
    CHECK(r.is_success());
    CHECK(stun::check_integrity_sha256(h.last_response_bytes, b.integrity_key()).ok());
}

}  // namespace polyrtc::relay::turn

namespace polyrtc::relay::turn {

using namespace testing;

TEST_CASE("relay.turn: failed auth is rate limited per client IP, then forgiven after the window") {
    TurnConfig config = default_config();
    config.auth_failure_limit = 3;
    config.auth_failure_window = Duration::seconds(60);
    Harness h(config);
    Client mallory = udp_client("192.0.2.66:6000", "alice", "guess");
    for (int i = 0; i < 3; ++i) CHECK(error_of(mallory.allocate(h)) == 401);
    CHECK(h.has_log("auth_rate_limited"));
    // Further requests from that IP (any port) are dropped unanswered, even with the right password.
    Client same_ip = udp_client("192.0.2.66:6001");
    same_ip.nonce = mallory.nonce;
    h.feed(same_ip.key,
           same_ip.request(h, stun::Method::kAllocate, [](stun::Message& m) { m.add_requested_transport(); }));
    CHECK(h.last.empty());
    CHECK(h.server.stats().dropped_rate_limited == 1);
    // Binding (no auth) still works; other IPs are unaffected.
    h.feed(same_ip.key, same_ip.request(h, stun::Method::kBinding));
    CHECK(h.response(same_ip.key).is_success());
    Client other = udp_client("192.0.2.67:6000");
    CHECK(other.allocate(h).is_success());
    // After the window the IP may try again.
    h.advance(Duration::seconds(60));
    h.absorb(h.server.handle_timeout(h.now));
    same_ip.renew_nonce(h);
    CHECK(same_ip.allocate(h).is_success());
}

TEST_CASE("relay.turn: auth_failure_limit 0 disables the rate limit") {
    TurnConfig config = default_config();
    config.auth_failure_limit = 0;
    Harness h(config);
    Client mallory = udp_client("192.0.2.66:6000", "alice", "guess");
    for (int i = 0; i < 50; ++i) CHECK(error_of(mallory.allocate(h)) == 401);
    CHECK(h.server.stats().dropped_rate_limited == 0);
}

}  // namespace polyrtc::relay::turn
