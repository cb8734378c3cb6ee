// A TurnServer on a simulated clock, with clients that speak TURN through stun::Message.
// The harness plays the glue: it answers OpenRelay with handle_relay_opened (or failure, if
// told to) and collects everything else the server does.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/stun/integrity.hpp"
#include "core/stun/message.hpp"
#include "relay/turn/turn_server.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::relay::turn::testing {

inline net::SocketAddress addr(const char* text) {
    return net::SocketAddress::parse(text).value();
}
inline net::IpAddress ip(const char* text) {
    return net::IpAddress::parse(text).value();
}

constexpr int64_t kUnixStart = 1800000000;  // wall clock at the harness's start

inline TurnConfig default_config() {
    TurnConfig config;
    config.credentials.realm = "example.org";
    config.credentials.static_users = {{"alice", "alice-pass"}, {"bob", "bob-pass"}};
    return config;
}

struct Harness {
    explicit Harness(TurnConfig config = default_config())
        : server(std::move(config), polyrtc::testing::seeded_rng("turn-server")),
          rng(polyrtc::testing::seeded_rng("turn-client")) {}

    TurnServer server;
    crypto::Csprng rng;
    Timestamp now = Timestamp::from_millis(1000000);
    int64_t unix_now = kUnixStart;
    bool fail_next_open = false;
    uint16_t next_relay_port = 50000;

    // Everything the last call produced (after the harness answered OpenRelay).
    Actions last;
    // Every log record seen so far.
    std::vector<log::LogRecord> logs;

    void advance(Duration d) {
        now = now + d;
        unix_now += d.as_micros() / 1000000;
    }

    // Feeds `bytes` from `client` and plays the glue for OpenRelay.
    const Actions& feed(const ClientKey& client, ByteView bytes) {
        return absorb(server.handle_client_message(client, bytes, now, unix_now));
    }
    const Actions& absorb(Actions actions) {
        last.clear();
        for (auto& action : actions) {
            if (auto* open = std::get_if<OpenRelay>(&action)) {
                last.push_back(action);
                Actions more = fail_next_open
                                   ? server.handle_relay_open_failed(open->allocation, now)
                                   : server.handle_relay_opened(
                                         open->allocation,
                                         addr(("203.0.113.10:" + std::to_string(next_relay_port++)).c_str()), now);
                fail_next_open = false;
                for (auto& m : more) record(m);
            } else {
                record(action);
            }
        }
        return last;
    }
    void record(Action& action) {
        if (auto* l = std::get_if<log::LogRecord>(&action)) logs.push_back(*l);
        last.push_back(action);
    }

    template <class T>
    std::vector<T> of_type() const {
        std::vector<T> out;
        for (const auto& a : last) {
            if (auto* t = std::get_if<T>(&a)) out.push_back(*t);
        }
        return out;
    }
    // The one message sent to `client` by the last call, parsed.
    stun::Message response(const ClientKey& client) {
        auto sends = of_type<SendToClient>();
        REQUIRE(sends.size() == 1);
        CHECK(sends[0].client == client);
        auto parsed = stun::Message::parse(sends[0].bytes);
        REQUIRE(parsed.ok());
        last_response_bytes = sends[0].bytes;
        return *parsed;
    }
    Bytes last_response_bytes;

    bool has_log(const std::string& event) const {
        for (const auto& l : logs) {
            if (l.event == event) return true;
        }
        return false;
    }
};

// A TURN client: one 5-tuple, credentials, and the nonce it learned.
struct Client {
    ClientKey key;
    std::string username;
    std::string password;
    std::string realm = "example.org";
    std::string nonce;
    bool use_fingerprint = false;

    Bytes integrity_key() const { return stun::long_term_key(username, realm, password); }

    // A request of `method` with `extra` attributes added by the caller, signed when the
    // client knows a nonce.
    template <class F>
    Bytes request(Harness& h, stun::Method method, F&& extra, bool sign = true) {
        stun::Message m = stun::Message::create(stun::MessageClass::kRequest, method, h.rng);
        extra(m);
        return sign_message(m, sign);
    }
    Bytes request(Harness& h, stun::Method method) {
        return request(h, method, [](stun::Message&) {});
    }
    Bytes sign_message(stun::Message& m, bool sign = true) {
        if (sign && !nonce.empty() && !username.empty()) {
            m.add_string(stun::AttributeType::kUsername, username);
            m.add_string(stun::AttributeType::kRealm, realm);
            m.add_string(stun::AttributeType::kNonce, nonce);
            return m.serialize_with_integrity(integrity_key(), use_fingerprint);
        }
        stun::SerializeOptions options;
        options.fingerprint = use_fingerprint;
        return m.serialize(options);
    }

    // Learns the nonce from a 401 (the first Allocate attempt), then allocates.
    // Returns the final response.
    stun::Message allocate(Harness& h, uint32_t lifetime = 0) {
        auto build = [lifetime](stun::Message& m) {
            m.add_requested_transport();
            if (lifetime) m.add_u32(stun::AttributeType::kLifetime, lifetime);
        };
        if (nonce.empty() && !username.empty()) {
            h.feed(key, request(h, stun::Method::kAllocate, build, false));
            auto challenge = h.response(key);
            REQUIRE(challenge.is_error());
            REQUIRE(challenge.get_error_code()->code == 401);
            nonce = challenge.get_string(stun::AttributeType::kNonce).value();
        }
        h.feed(key, request(h, stun::Method::kAllocate, build));
        return h.response(key);
    }

    // An unsigned request is challenged with 401 and a fresh nonce: learn it.
    void renew_nonce(Harness& h) {
        h.feed(key, request(
                        h, stun::Method::kRefresh, [](stun::Message&) {}, false));
        auto challenge = h.response(key);
        REQUIRE(error_of_challenge(challenge) == 401);
        nonce = challenge.get_string(stun::AttributeType::kNonce).value();
    }
    static uint16_t error_of_challenge(const stun::Message& m) {
        auto e = m.get_error_code();
        return e ? e->code : 0;
    }

    stun::Message create_permission(Harness& h, const std::vector<net::SocketAddress>& peers) {
        h.feed(key, request(h, stun::Method::kCreatePermission, [&](stun::Message& m) {
                   for (const auto& p : peers) m.add_xor_address(stun::AttributeType::kXorPeerAddress, p);
               }));
        return h.response(key);
    }

    stun::Message channel_bind(Harness& h, uint16_t channel, const net::SocketAddress& peer) {
        h.feed(key, request(h, stun::Method::kChannelBind, [&](stun::Message& m) {
                   m.add_channel_number(channel);
                   m.add_xor_address(stun::AttributeType::kXorPeerAddress, peer);
               }));
        return h.response(key);
    }

    stun::Message refresh(Harness& h, std::optional<uint32_t> lifetime) {
        h.feed(key, request(h, stun::Method::kRefresh, [&](stun::Message& m) {
                   if (lifetime) m.add_u32(stun::AttributeType::kLifetime, *lifetime);
               }));
        return h.response(key);
    }

    Bytes send_indication(Harness& h, const net::SocketAddress& peer, const Bytes& data) {
        stun::Message m = stun::Message::create(stun::MessageClass::kIndication, stun::Method::kSend, h.rng);
        m.add_xor_address(stun::AttributeType::kXorPeerAddress, peer);
        m.add_bytes(stun::AttributeType::kData, data);
        return m.serialize();
    }
};

inline Client udp_client(const char* remote, std::string username = "alice", std::string password = "alice-pass") {
    Client c;
    c.key.transport = net::TransportProtocol::kUdp;
    c.key.remote = addr(remote);
    c.key.local = addr("198.51.100.1:3478");
    c.username = std::move(username);
    c.password = std::move(password);
    return c;
}

inline uint16_t error_of(const stun::Message& m) {
    auto e = m.get_error_code();
    return e ? e->code : 0;
}

}  // namespace polyrtc::relay::turn::testing
