// Helpers shared by the whole-stack tests (tests/stack/*_test.cpp): the steps every test
// narrates (negotiate, wait for open, send, collect) with doctest checks on each.
#pragma once

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stack/relay_pair.hpp"

namespace polyrtc::testing {

inline peer::DataChannelInit channel_init(const std::string& label) {
    peer::DataChannelInit init;
    init.label = label;
    return init;
}

inline bool connected(const RelayPair::Side& side) {
    return side.pc->connection_state() == peer::ConnectionState::kConnected;
}

inline std::string text_of(const Bytes& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

inline Bytes bytes_of(const std::string& text) {
    return Bytes(text.begin(), text.end());
}

// `size` bytes whose content depends on `tag` and the position (a misplaced or corrupted
// byte shows up as a mismatch).
inline Bytes pattern(size_t size, uint32_t tag) {
    Bytes out(size);
    for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>((i * 31 + tag * 7 + (i >> 8)) & 0xff);
    return out;
}

// Printable text of `size` bytes (text messages must be UTF-8).
inline std::string text_pattern(size_t size, uint32_t tag) {
    std::string out(size, 'a');
    for (size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i + tag) % 26);
    return out;
}

inline void negotiate(RelayPair& pair, const RelayPair::NegotiateOptions& options = RelayPair::NegotiateOptions()) {
    std::string error = pair.negotiate(options);
    REQUIRE_MESSAGE(error.empty(), error);
}

// A channel as both sides know it once it is open.
struct OpenChannel {
    peer::ChannelHandle at_a = 0;
    peer::ChannelHandle at_z = 0;
    uint16_t id = 0;
};

// Z's handle of the channel A announced in-band with stream id `id` (its DataChannelEvent).
inline std::optional<peer::ChannelHandle> incoming_handle(const RelayPair& pair, uint16_t id) {
    for (const auto& e : pair.events_of<peer::DataChannelEvent>(pair.z())) {
        if (e.channel.id == id) return e.channel.handle;
    }
    return std::nullopt;
}

inline bool opened(const RelayPair& pair, const RelayPair::Side& side, peer::ChannelHandle handle) {
    for (const auto& e : pair.events_of<peer::ChannelOpenEvent>(side)) {
        if (e.handle == handle) return true;
    }
    return false;
}

// A creates a channel (before or after negotiation), then the pair runs until both sides
// report it open. Negotiates first when `negotiate_first` (the first channel of a connection).
inline OpenChannel open_channel(RelayPair& pair, const peer::DataChannelInit& init, bool negotiate_first,
                                Duration limit = Duration::seconds(30)) {
    auto created = pair.a().pc->create_data_channel(pair.now(), init);
    REQUIRE(created.ok());
    if (negotiate_first) negotiate(pair);
    OpenChannel out;
    out.at_a = created->handle;
    REQUIRE(pair.drive_until(
        [&] {
            auto info = pair.events_of<peer::ChannelOpenEvent>(pair.a());
            for (const auto& e : info) {
                if (e.handle != out.at_a) continue;
                out.id = e.id;
                auto z_handle = incoming_handle(pair, e.id);
                if (!z_handle) return false;
                out.at_z = *z_handle;
                return opened(pair, pair.z(), out.at_z);
            }
            return false;
        },
        limit));
    return out;
}

// Messages one side received on `handle`, in delivery order.
inline std::vector<peer::ChannelMessageEvent> messages_on(const RelayPair& pair, const RelayPair::Side& side,
                                                          peer::ChannelHandle handle) {
    std::vector<peer::ChannelMessageEvent> out;
    for (auto& e : pair.events_of<peer::ChannelMessageEvent>(side)) {
        if (e.handle == handle) out.push_back(std::move(e));
    }
    return out;
}

// Every peer-leg datagram fitted the MTU: the stack (DTLS records carrying SCTP packets,
// STUN checks) never emitted a larger one.
inline void check_within_mtu(const RelayPair& pair, size_t mtu) {
    CHECK(pair.to_z().dropped_mtu == 0);
    CHECK(pair.to_a().dropped_mtu == 0);
    CHECK(pair.to_z().largest <= mtu);
    CHECK(pair.to_a().largest <= mtu);
}

}  // namespace polyrtc::testing
