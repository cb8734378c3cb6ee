// Whole-stack message tests: every size from empty to the default max-message-size, text and
// binary, in both directions, and ordered versus unordered delivery over a reordering link.
#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stack/stack_test_support.hpp"

namespace polyrtc::testing {

namespace {

const std::vector<size_t> kSizes = {0, 1, 1024, 65536, 262144};

// One message as a test sends it: text or binary, and the bytes.
struct Sent {
    bool binary = false;
    Bytes data;
};

std::vector<Sent> size_matrix(uint32_t tag) {
    std::vector<Sent> out;
    for (size_t size : kSizes) {
        out.push_back(Sent{false, bytes_of(text_pattern(size, tag))});
        out.push_back(Sent{true, pattern(size, tag)});
    }
    return out;
}

void send_all(RelayPair& pair, RelayPair::Side& side, peer::ChannelHandle handle, const std::vector<Sent>& messages) {
    for (const auto& m : messages) {
        auto sent = side.pc->send(pair.now(), handle, m.binary, m.data);
        REQUIRE_MESSAGE(sent.ok(), side.name << " send of " << m.data.size() << " bytes");
    }
}

void check_received(const std::vector<peer::ChannelMessageEvent>& got, const std::vector<Sent>& sent) {
    REQUIRE(got.size() == sent.size());
    for (size_t i = 0; i < sent.size(); ++i) {
        INFO("message " << i << ": " << sent[i].data.size() << " bytes, binary " << sent[i].binary);
        CHECK(got[i].binary == sent[i].binary);
        CHECK(got[i].data.size() == sent[i].data.size());
        CHECK(got[i].data == sent[i].data);
    }
}

// Number of adjacent pairs delivered in the opposite order to the one they were sent in
// (payloads carry their sequence number in the first two bytes).
size_t inversions(const std::vector<peer::ChannelMessageEvent>& got) {
    size_t n = 0;
    for (size_t i = 1; i < got.size(); ++i) {
        unsigned prev = got[i - 1].data[0] * 256u + got[i - 1].data[1];
        unsigned cur = got[i].data[0] * 256u + got[i].data[1];
        n += cur < prev ? 1 : 0;
    }
    return n;
}

Bytes numbered(uint16_t seq, size_t size) {
    Bytes out = pattern(size, seq);
    out[0] = static_cast<uint8_t>(seq >> 8);
    out[1] = static_cast<uint8_t>(seq & 0xff);
    return out;
}

}  // namespace

TEST_CASE("stack.messages: text and binary from 0 B to 256 KiB arrive intact in both directions") {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();
    // A opens "bulk"; the pair negotiates, ICE connects, DTLS and SCTP come up, the channel opens.
    OpenChannel ch = open_channel(pair, channel_init("bulk"), true);

    // A sends 0 B, 1 B, 1 KiB, 64 KiB and 256 KiB, each as text and as binary; Z sends the
    // same sizes with other contents at the same time.
    std::vector<Sent> from_a = size_matrix(1);
    std::vector<Sent> from_z = size_matrix(2);
    send_all(pair, a, ch.at_a, from_a);
    send_all(pair, z, ch.at_z, from_z);
    REQUIRE(pair.drive_until([&] {
        return messages_on(pair, z, ch.at_z).size() == from_a.size() &&
               messages_on(pair, a, ch.at_a).size() == from_z.size();
    }));

    // Z reads A's ten messages in order, each with its type and every byte; A reads Z's.
    check_received(messages_on(pair, z, ch.at_z), from_a);
    check_received(messages_on(pair, a, ch.at_a), from_z);
    // Everything handed to SCTP: nothing stays buffered.
    CHECK(a.pc->buffered_amount(ch.at_a) == 0);
    CHECK(z.pc->buffered_amount(ch.at_z) == 0);
    // 256 KiB went through as 1200-byte datagrams at most.
    check_within_mtu(pair, 1200);
}

TEST_CASE("stack.messages: a message one byte over max-message-size is refused with a TypeError") {
    RelayPair pair;
    auto& a = pair.a();
    auto& z = pair.z();
    OpenChannel ch = open_channel(pair, channel_init("limits"), true);

    // Both sides signaled the default a=max-message-size:262144 (RTCSctpTransport.maxMessageSize).
    REQUIRE(a.pc->max_message_size() == size_t{262144});
    REQUIRE(z.pc->max_message_size() == size_t{262144});

    // A tries 262145 bytes, binary and text: both refused, nothing is buffered or sent.
    for (bool binary : {true, false}) {
        auto refused = a.pc->send(pair.now(), ch.at_a, binary, pattern(262145, 3));
        REQUIRE_FALSE(refused.ok());
        CHECK(refused.error().name == peer::ErrorName::kTypeError);
        CHECK(a.pc->buffered_amount(ch.at_a) == 0);
    }
    // Z is refused the same way.
    auto refused = z.pc->send(pair.now(), ch.at_z, true, pattern(262145, 4));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().name == peer::ErrorName::kTypeError);

    // The channel still works: A's next message (exactly the limit) arrives, alone.
    REQUIRE(a.pc->send(pair.now(), ch.at_a, true, pattern(262144, 5)).ok());
    REQUIRE(pair.drive_until([&] { return !messages_on(pair, z, ch.at_z).empty(); }));
    pair.drive_for(Duration::seconds(1));
    auto got = messages_on(pair, z, ch.at_z);
    REQUIRE(got.size() == 1);
    CHECK(got[0].data == pattern(262144, 5));
}

TEST_CASE("stack.messages: an ordered channel keeps order and an unordered one does not over a reordering link") {
    RelayPair::Options options;
    // The UDP leg holds back one datagram in five by 100 ms (more than the 42 ms round
    // trip, so what SCTP sends in the next round trips overtakes it).
    options.peer_link.reorder = 0.2;
    options.peer_link.reorder_delay = Duration::millis(100);
    RelayPair pair(options);
    auto& a = pair.a();
    auto& z = pair.z();

    OpenChannel ordered = open_channel(pair, channel_init("ordered"), true);
    peer::DataChannelInit unordered_init = channel_init("unordered");
    unordered_init.ordered = false;
    OpenChannel unordered = open_channel(pair, unordered_init, false);

    // Z learned each channel's ordering from A's DCEP OPEN.
    auto incoming = pair.events_of<peer::DataChannelEvent>(z);
    REQUIRE(incoming.size() == 2);
    CHECK(incoming[0].channel.init.ordered);
    CHECK_FALSE(incoming[1].channel.init.ordered);

    // RFC 8832 section 6: A sends ordered on the unordered channel until Z's DATA_CHANNEL_ACK
    // arrives (so that the OPEN cannot be overtaken); Z opened when it read the OPEN, and its
    // ACK reaches A a one-way trip later. Give it that time.
    pair.drive_for(Duration::millis(500));

    // A sends 200 numbered 1 KiB messages on each channel (one SCTP packet each).
    constexpr uint16_t kCount = 200;
    for (uint16_t i = 0; i < kCount; ++i) {
        REQUIRE(a.pc->send(pair.now(), ordered.at_a, true, numbered(i, 1024)).ok());
        REQUIRE(a.pc->send(pair.now(), unordered.at_a, true, numbered(i, 1024)).ok());
    }
    REQUIRE(pair.drive_until([&] {
        return messages_on(pair, z, ordered.at_z).size() == kCount &&
               messages_on(pair, z, unordered.at_z).size() == kCount;
    }));
    CHECK(pair.to_z().reordered > 0);

    // Ordered: Z reads 0, 1, 2, ... 199. Unordered: every message arrives (the channel is
    // reliable), some overtaken by later ones.
    auto got_ordered = messages_on(pair, z, ordered.at_z);
    auto got_unordered = messages_on(pair, z, unordered.at_z);
    CHECK(inversions(got_ordered) == 0);
    CHECK(inversions(got_unordered) > 0);
    std::vector<Bytes> sorted;
    for (const auto& m : got_unordered) sorted.push_back(m.data);
    std::sort(sorted.begin(), sorted.end());
    for (uint16_t i = 0; i < kCount; ++i) {
        CHECK(got_ordered[i].data == numbered(i, 1024));
        CHECK(sorted[i] == numbered(i, 1024));
    }
}

}  // namespace polyrtc::testing
