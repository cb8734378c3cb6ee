// A scripted TURN server for client tests, built on polyrtc's own STUN codec. It answers
// what the client sends (A = client, Z = this server) and records everything it saw.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/stun/channel_data.hpp"
#include "core/stun/demux.hpp"
#include "core/stun/integrity.hpp"
#include "core/stun/message.hpp"

namespace polyrtc::turn::testing {

using stun::AttributeType;
using stun::Message;
using stun::MessageClass;
using stun::Method;

class FakeServer {
public:
    std::string realm = "example.org";
    std::string nonce = "nonce-1";
    std::string username = "alice";
    std::string password = "secret";
    uint32_t lifetime = 600;
    net::SocketAddress relayed = net::SocketAddress::parse("203.0.113.10:50000").value();
    net::SocketAddress mapped = net::SocketAddress::parse("198.51.100.20:40000").value();
    // Second relayed address for ADDITIONAL-ADDRESS-FAMILY IPv6 (RFC 8656 section 7.2).
    net::SocketAddress relayed_v6 = net::SocketAddress::parse("[2001:db8::10]:50002").value();
    // Answer the next N authenticated requests with 438 and a fresh nonce.
    int stale_nonce_responses = 0;
    // Error code to answer a method with (after authentication).
    std::map<Method, uint16_t> error_for;
    // Offer PASSWORD-ALGORITHMS in the 401 (with an "obMatJos2" nonce).
    std::optional<std::vector<stun::PasswordAlgorithmValue>> offer_algorithms;
    stun::PasswordAlgorithm algorithm = stun::PasswordAlgorithm::kMd5;

    std::vector<Message> received;  // every STUN message, parsed
    std::set<net::IpAddress> permissions;
    std::map<uint16_t, net::SocketAddress> channels;
    std::vector<std::pair<net::SocketAddress, Bytes>> to_peers;  // data relayed toward peers
    std::vector<Bytes> raw_channel_data;
    bool allocated = false;

    Bytes key() const { return stun::long_term_key(username, realm, password, algorithm); }

    // Z reads one message from A; returns Z's response, if any.
    std::optional<Bytes> handle(ByteView raw) {
        if (stun::classify_packet(raw) == stun::PacketKind::kChannelData) {
            raw_channel_data.push_back(raw.to_bytes());
            auto cd = stun::ChannelData::parse(raw);
            REQUIRE(cd.ok());
            auto it = channels.find(cd->channel_number);
            REQUIRE(it != channels.end());
            to_peers.emplace_back(it->second, cd->data);
            return std::nullopt;
        }
        auto parsed = Message::parse(raw);
        REQUIRE(parsed.ok());
        const Message& m = *parsed;
        received.push_back(m);
        if (m.is_indication()) {
            REQUIRE(m.method() == Method::kSend);
            auto peer = m.get_xor_address(AttributeType::kXorPeerAddress);
            REQUIRE(peer.ok());
            to_peers.emplace_back(*peer, m.get_bytes(AttributeType::kData)->to_bytes());
            return std::nullopt;
        }
        REQUIRE(m.is_request());
        CHECK(stun::check_fingerprint(raw).ok());
        if (!m.has(AttributeType::kMessageIntegrity)) return challenge(m);
        if (!stun::check_integrity(raw, key()).ok()) return error(m, 401, false, true);
        if (m.get_string(AttributeType::kNonce).value() != nonce) return error(m, 438, false, true);
        if (stale_nonce_responses > 0) {
            --stale_nonce_responses;
            nonce += "x";
            return error(m, 438, false, true);
        }
        auto e = error_for.find(m.method());
        if (e != error_for.end()) return error(m, e->second, true, false);

        Message ok = Message::response_to(m, MessageClass::kSuccessResponse);
        switch (m.method()) {
            case Method::kAllocate:
                allocated = true;
                ok.add_xor_address(AttributeType::kXorRelayedAddress, relayed);
                if (m.has(AttributeType::kAdditionalAddressFamily)) {
                    ok.add_xor_address(AttributeType::kXorRelayedAddress, relayed_v6);
                }
                ok.add_u32(AttributeType::kLifetime, lifetime);
                ok.add_xor_address(AttributeType::kXorMappedAddress, mapped);
                break;
            case Method::kRefresh: {
                uint32_t requested = m.get_u32(AttributeType::kLifetime).value_or(lifetime);
                if (requested == 0) allocated = false;
                ok.add_u32(AttributeType::kLifetime, requested == 0 ? 0 : lifetime);
                break;
            }
            case Method::kCreatePermission:
                permissions.insert(m.get_xor_address(AttributeType::kXorPeerAddress)->ip());
                break;
            case Method::kChannelBind: {
                auto peer = m.get_xor_address(AttributeType::kXorPeerAddress).value();
                channels[m.get_channel_number().value()] = peer;
                permissions.insert(peer.ip());
                break;
            }
            default: FAIL("unexpected method");
        }
        return ok.serialize_with_integrity(key());
    }

    // Z builds a Data indication from `peer`.
    static Bytes data_indication(const net::SocketAddress& peer, const Bytes& data) {
        Message m(MessageClass::kIndication, Method::kData,
                  stun::TransactionId{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}});
        m.add_xor_address(AttributeType::kXorPeerAddress, peer);
        m.add_bytes(AttributeType::kData, data);
        return m.serialize();
    }

private:
    Bytes challenge(const Message& m) {
        Message r = Message::response_to(m, MessageClass::kErrorResponse);
        r.add_error_code(401);
        r.add_string(AttributeType::kRealm, realm);
        if (offer_algorithms) {
            if (nonce.rfind("obMatJos2", 0) != 0) nonce = "obMatJos2AAAB" + nonce;
            r.add_string(AttributeType::kNonce, nonce);
            r.add_password_algorithms(*offer_algorithms);
        } else {
            r.add_string(AttributeType::kNonce, nonce);
        }
        return r.serialize();
    }

    Bytes error(const Message& m, uint16_t code, bool sign, bool with_nonce) {
        Message r = Message::response_to(m, MessageClass::kErrorResponse);
        r.add_error_code(code);
        if (with_nonce) {
            r.add_string(AttributeType::kRealm, realm);
            r.add_string(AttributeType::kNonce, nonce);
        }
        if (code == 300)
            r.add_address(AttributeType::kAlternateServer, net::SocketAddress::parse("192.0.2.50:3478").value());
        return sign ? r.serialize_with_integrity(key()) : r.serialize();
    }
};

}  // namespace polyrtc::turn::testing
