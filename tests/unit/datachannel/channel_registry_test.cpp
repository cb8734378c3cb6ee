// Data channels between peers A (DTLS client) and Z (DTLS server), wired in memory.
#include "core/datachannel/channel_registry.hpp"

#include <set>

#include <doctest/doctest.h>

#include "core/sctp/stack.hpp"
#include "tests/unit/sctp/sctp_pair.hpp"

namespace polyrtc::datachannel {
namespace {

using testing::LinkConfig;
using DcPair = testing::Pair<ChannelRegistry>;

DcPair make_pair(std::string_view seed, LinkConfig link = {}, sctp::AssociationConfig sctp_config = {}) {
    RegistryConfig a_config{DtlsRole::kClient, sctp_config};
    RegistryConfig z_config{DtlsRole::kServer, sctp_config};
    auto a = ChannelRegistry::create(a_config);
    auto z = ChannelRegistry::create(z_config);
    REQUIRE(a.ok());
    REQUIRE(z.ok());
    return DcPair(std::move(*a), std::move(*z), link, seed);
}

void connect(DcPair& pair) {
    REQUIRE(pair.a.start(pair.now()).ok());
    REQUIRE(pair.z.start(pair.now()).ok());
    REQUIRE(pair.drive_until([&] {
        return DcPair::count<TransportConnectedEvent>(pair.a_events) == 1 &&
               DcPair::count<TransportConnectedEvent>(pair.z_events) == 1;
    }));
    DcPair::take<TransportConnectedEvent>(pair.a_events);
    DcPair::take<TransportConnectedEvent>(pair.z_events);
}

Bytes pattern(size_t size, uint32_t seed) {
    Bytes out(size);
    uint32_t x = seed * 2654435761u + 7;
    for (auto& b : out) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b = static_cast<uint8_t>(x >> 11);
    }
    return out;
}

std::string text_pattern(size_t size, uint32_t seed) {
    std::string s(size, ' ');
    uint32_t x = seed + 1;
    for (auto& c : s) {
        x = x * 1103515245u + 12345u;
        c = static_cast<char>('a' + (x >> 16) % 26);
    }
    return s;
}

// Names of the events in `events`, for order checks.
std::vector<std::string> kinds(const std::deque<Event>& events, uint16_t id) {
    std::vector<std::string> out;
    for (const auto& e : events) {
        if (auto* c = std::get_if<ChannelClosingEvent>(&e); c && c->id == id) out.push_back("closing");
        if (auto* c = std::get_if<ChannelClosedEvent>(&e); c && c->id == id) out.push_back("closed");
        if (auto* c = std::get_if<ChannelMessageEvent>(&e); c && c->id == id) out.push_back("message");
    }
    return out;
}

}  // namespace

TEST_CASE("datachannel.registry: in-band channels open both ways with even/odd ids, labels and protocols") {
    auto pair = make_pair("dc-open");
    // A creates before the association is up (waits in connecting), Z after.
    ChannelInit chat;
    chat.label = "chat";
    chat.protocol = "json";
    auto a_id = pair.a.create_channel(chat);
    REQUIRE(a_id.ok());
    CHECK(*a_id == 0);  // DTLS client: even
    CHECK(pair.a.channel(0)->state == ChannelState::kConnecting);
    CHECK(pair.a.send_text(0, "early").error() == DataChannelError::kNotOpen);
    connect(pair);
    ChannelInit game;
    game.label = "game";
    game.protocol = "";
    game.ordered = false;
    game.max_retransmits = 3;
    game.priority = kPriorityHigh;
    auto z_id = pair.z.create_channel(game);
    REQUIRE(z_id.ok());
    CHECK(*z_id == 1);  // DTLS server: odd
    ChannelInit timed;
    timed.label = "timed";
    timed.max_packet_lifetime_ms = 1500;
    auto a_id2 = pair.a.create_channel(timed);
    REQUIRE(a_id2.ok());
    CHECK(*a_id2 == 2);
    REQUIRE(pair.drive_until([&] {
        return DcPair::count<ChannelIncomingEvent>(pair.z_events) == 2 &&
               DcPair::count<ChannelIncomingEvent>(pair.a_events) == 1;
    }));
    CHECK(pair.a.channel(0)->state == ChannelState::kOpen);
    // Z learned A's channels from DATA_CHANNEL_OPEN.
    const ChannelInfo* z_chat = pair.z.channel(0);
    REQUIRE(z_chat != nullptr);
    CHECK(z_chat->label == "chat");
    CHECK(z_chat->protocol == "json");
    CHECK(z_chat->ordered);
    CHECK_FALSE(z_chat->max_retransmits.has_value());
    CHECK(z_chat->state == ChannelState::kOpen);
    const ChannelInfo* z_timed = pair.z.channel(2);
    REQUIRE(z_timed != nullptr);
    CHECK(z_timed->max_packet_lifetime_ms == 1500u);
    const ChannelInfo* a_game = pair.a.channel(1);
    REQUIRE(a_game != nullptr);
    CHECK(a_game->label == "game");
    CHECK(a_game->protocol.empty());
    CHECK_FALSE(a_game->ordered);
    CHECK(a_game->max_retransmits == 3);
    CHECK(a_game->priority == kPriorityHigh);
    CHECK_FALSE(a_game->negotiated);
    // The incoming event comes before the open event (W3C: datachannel, then open).
    auto& ze = pair.z_events;
    auto incoming = std::find_if(ze.begin(), ze.end(), [](const Event& e) {
        auto* i = std::get_if<ChannelIncomingEvent>(&e);
        return i != nullptr && i->id == 0;
    });
    auto open = std::find_if(ze.begin(), ze.end(), [](const Event& e) {
        auto* o = std::get_if<ChannelOpenEvent>(&e);
        return o != nullptr && o->id == 0;
    });
    REQUIRE(incoming != ze.end());
    REQUIRE(open != ze.end());
    CHECK(incoming < open);
    // Messages flow both ways on the new channels.
    REQUIRE(pair.a.send_text(0, "hello z").ok());
    REQUIRE(pair.z.send_text(1, "hello a").ok());
    REQUIRE(pair.drive_until([&] {
        return DcPair::count<ChannelMessageEvent>(pair.z_events) == 1 &&
               DcPair::count<ChannelMessageEvent>(pair.a_events) == 1;
    }));
    auto at_z = DcPair::take<ChannelMessageEvent>(pair.z_events);
    CHECK(at_z->id == 0);
    CHECK_FALSE(at_z->binary);
    CHECK(at_z->data == Bytes{'h', 'e', 'l', 'l', 'o', ' ', 'z'});
    CHECK(DcPair::take<ChannelMessageEvent>(pair.a_events)->id == 1);
    CHECK(pair.a.stats().dcep_invalid == 0);
    CHECK(pair.z.stats().dcep_invalid == 0);
}

TEST_CASE("datachannel.registry: text and binary messages of 0 B to 256 KiB arrive intact, ordered and unordered") {
    auto pair = make_pair("dc-sizes");
    connect(pair);
    ChannelInit ordered_init;
    ordered_init.label = "ordered";
    ChannelInit unordered_init;
    unordered_init.label = "unordered";
    unordered_init.ordered = false;
    uint16_t ordered_id = *pair.a.create_channel(ordered_init);
    uint16_t unordered_id = *pair.a.create_channel(unordered_init);
    REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelOpenEvent>(pair.z_events) == 2; }));
    // Z's first message lets A stop waiting for the ACK on the unordered channel either way.
    const std::vector<size_t> sizes = {0, 1, 2, 1000, 1200, 16384, 65535, 65536, 131072, 262144};
    struct Sent {
        uint16_t id;
        bool binary;
        Bytes data;
    };
    std::vector<Sent> sent;
    uint32_t seed = 0;
    for (uint16_t id : {ordered_id, unordered_id}) {
        for (size_t size : sizes) {
            Bytes bin = pattern(size, ++seed);
            std::string text = text_pattern(size, ++seed);
            REQUIRE(pair.a.send_binary(id, bin).ok());
            REQUIRE(pair.a.send_text(id, text).ok());
            sent.push_back({id, true, bin});
            sent.push_back({id, false, Bytes(text.begin(), text.end())});
        }
    }
    std::vector<ChannelMessageEvent> got;
    REQUIRE(pair.drive_until(
        [&] {
            while (auto m = DcPair::take<ChannelMessageEvent>(pair.z_events)) got.push_back(std::move(*m));
            return got.size() == sent.size();
        },
        Duration::seconds(120)));
    // Ordered channel: exact order. Unordered channel: same multiset (every byte compared).
    std::vector<ChannelMessageEvent> got_ordered, got_unordered;
    for (auto& m : got) (m.id == ordered_id ? got_ordered : got_unordered).push_back(std::move(m));
    size_t k = 0;
    for (const auto& s : sent) {
        if (s.id != ordered_id) continue;
        REQUIRE(k < got_ordered.size());
        CHECK(got_ordered[k].binary == s.binary);
        CHECK(got_ordered[k].data == s.data);
        ++k;
    }
    CHECK(k == got_ordered.size());
    for (const auto& s : sent) {
        if (s.id != unordered_id) continue;
        auto it = std::find_if(got_unordered.begin(), got_unordered.end(),
                               [&](const ChannelMessageEvent& m) { return m.binary == s.binary && m.data == s.data; });
        REQUIRE(it != got_unordered.end());
        got_unordered.erase(it);
    }
    CHECK(got_unordered.empty());
}

TEST_CASE("datachannel.registry: a reliable channel delivers every byte in order under 10% loss") {
    LinkConfig link;
    link.loss = 0.10;
    link.latency = Duration::millis(30);
    auto pair = make_pair("dc-loss", link);
    connect(pair);
    ChannelInit init;
    init.label = "reliable";
    uint16_t id = *pair.a.create_channel(init);
    constexpr uint32_t kCount = 200;
    size_t total = 0;
    for (uint32_t i = 0; i < kCount; ++i) {
        size_t size = 100 + (i * 997) % 30000;
        total += size;
        REQUIRE(pair.a.send_binary(id, pattern(size, i)).ok());
    }
    Timestamp t0 = pair.now();
    std::vector<Bytes> got;
    REQUIRE(pair.drive_until(
        [&] {
            while (auto m = DcPair::take<ChannelMessageEvent>(pair.z_events)) got.push_back(std::move(m->data));
            return got.size() == kCount;
        },
        Duration::seconds(600)));
    for (uint32_t i = 0; i < kCount; ++i) REQUIRE(got[i] == pattern(100 + (i * 997) % 30000, i));
    CHECK(pair.a_to_z.dropped_loss > 0);
    double seconds = static_cast<double>((pair.now() - t0).as_millis()) / 1000.0;
    MESSAGE("10% loss, 30 ms one way: " << kCount << " messages, " << total << " bytes in " << seconds
                                        << " s simulated (" << (static_cast<double>(total) / seconds / 1000.0)
                                        << " kB/s)");
}

TEST_CASE("datachannel.registry: a maxRetransmits 0 unordered channel drops lost messages and keeps going") {
    LinkConfig link;
    link.latency = Duration::millis(20);
    auto pair = make_pair("dc-pr", link);
    connect(pair);
    ChannelInit init;
    init.label = "lossy";
    init.ordered = false;
    init.max_retransmits = 0;
    uint16_t id = *pair.a.create_channel(init);
    REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelOpenEvent>(pair.z_events) == 1; }));
    REQUIRE(pair.z.send_text(id, "ack me").ok());  // Z's data also acknowledges the OPEN
    REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelMessageEvent>(pair.a_events) == 1; }));
    pair.link().loss = 0.25;
    constexpr uint32_t kCount = 300;
    for (uint32_t i = 0; i < kCount; ++i) {
        std::string m = std::to_string(i) + ":" + text_pattern(400, i);
        REQUIRE(pair.a.send_text(id, m).ok());
    }
    pair.drive_for(Duration::seconds(3));
    pair.link().loss = 0.0;
    REQUIRE(pair.a.send_text(id, "last").ok());
    std::set<uint32_t> received;
    bool last = false;
    REQUIRE(pair.drive_until(
        [&] {
            while (auto m = DcPair::take<ChannelMessageEvent>(pair.z_events)) {
                std::string s(m->data.begin(), m->data.end());
                if (s == "last") {
                    last = true;
                    continue;
                }
                auto colon = s.find(':');
                REQUIRE(colon != std::string::npos);
                uint32_t i = static_cast<uint32_t>(std::stoul(s.substr(0, colon)));
                CHECK(s.substr(colon + 1) == text_pattern(400, i));
                received.insert(i);
            }
            return last;
        },
        Duration::seconds(10)));
    CHECK(received.size() < kCount);
    CHECK(received.size() > kCount / 2);
    CHECK(*received.rbegin() >= kCount - 10);
    MESSAGE("maxRetransmits 0 at 25% loss: " << received.size() << "/" << kCount << " delivered");
}

TEST_CASE("datachannel.registry: negotiated channels open on both sides with the agreed id and no DCEP") {
    auto pair = make_pair("dc-negotiated");
    ChannelInit init;
    init.label = "negotiated";
    init.negotiated = true;
    init.id = 7;  // odd, chosen by the application even though A is the DTLS client
    REQUIRE(pair.a.create_channel(init).ok());
    REQUIRE(pair.z.create_channel(init).ok());
    ChannelInit missing_id;
    missing_id.negotiated = true;
    CHECK(pair.a.create_channel(missing_id).error() == DataChannelError::kInvalidParameters);
    CHECK(pair.a.create_channel(init).error() == DataChannelError::kIdInUse);
    connect(pair);
    REQUIRE(pair.drive_until([&] {
        return DcPair::count<ChannelOpenEvent>(pair.a_events) == 1 &&
               DcPair::count<ChannelOpenEvent>(pair.z_events) == 1;
    }));
    CHECK(DcPair::count<ChannelIncomingEvent>(pair.z_events) == 0);
    CHECK(pair.a.channel(7)->negotiated);
    REQUIRE(pair.a.send_text(7, "").ok());         // empty string: PPID 56
    REQUIRE(pair.z.send_binary(7, Bytes{}).ok());  // empty binary: PPID 57
    REQUIRE(pair.z.send_binary(7, Bytes{1, 2, 3}).ok());
    REQUIRE(pair.drive_until([&] {
        return DcPair::count<ChannelMessageEvent>(pair.z_events) == 1 &&
               DcPair::count<ChannelMessageEvent>(pair.a_events) == 2;
    }));
    auto at_z = DcPair::take<ChannelMessageEvent>(pair.z_events);
    CHECK_FALSE(at_z->binary);
    CHECK(at_z->data.empty());
    auto at_a = DcPair::take<ChannelMessageEvent>(pair.a_events);
    CHECK(at_a->binary);
    CHECK(at_a->data.empty());
    CHECK(DcPair::take<ChannelMessageEvent>(pair.a_events)->data == Bytes{1, 2, 3});
    // A in-band channel created afterwards skips nothing: A still allocates from 0.
    ChannelInit inband;
    inband.label = "after";
    CHECK(*pair.a.create_channel(inband) == 0);
}

TEST_CASE("datachannel.registry: 100 channels in one association, each delivering to the right label") {
    auto pair = make_pair("dc-hundred");
    connect(pair);
    for (int i = 0; i < 50; ++i) {
        ChannelInit a_init;
        a_init.label = "a" + std::to_string(i);
        ChannelInit z_init;
        z_init.label = "z" + std::to_string(i);
        z_init.protocol = "p" + std::to_string(i);
        auto a_id = pair.a.create_channel(a_init);
        auto z_id = pair.z.create_channel(z_init);
        REQUIRE(a_id.ok());
        REQUIRE(z_id.ok());
        CHECK(*a_id == 2 * i);
        CHECK(*z_id == 2 * i + 1);
        REQUIRE(pair.a.send_text(*a_id, a_init.label).ok());
        REQUIRE(pair.z.send_text(*z_id, z_init.label).ok());
    }
    size_t at_a = 0, at_z = 0;
    REQUIRE(pair.drive_until([&] {
        while (auto m = DcPair::take<ChannelMessageEvent>(pair.z_events)) {
            const ChannelInfo* info = pair.z.channel(m->id);
            REQUIRE(info != nullptr);
            CHECK(std::string(m->data.begin(), m->data.end()) == info->label);
            ++at_z;
        }
        while (auto m = DcPair::take<ChannelMessageEvent>(pair.a_events)) {
            const ChannelInfo* info = pair.a.channel(m->id);
            REQUIRE(info != nullptr);
            CHECK(std::string(m->data.begin(), m->data.end()) == info->label);
            CHECK(info->protocol == "p" + info->label.substr(1));
            ++at_a;
        }
        return at_a == 50 && at_z == 50;
    }));
    CHECK(pair.a.channel_count() == 100);
    CHECK(pair.z.channel_count() == 100);
}

TEST_CASE("datachannel.registry: ids run out by parity and then creation fails") {
    sctp::AssociationConfig small;
    small.streams = 8;
    auto pair = make_pair("dc-ids", {}, small);
    connect(pair);
    for (uint16_t want : {0, 2, 4, 6}) {
        ChannelInit init;
        CHECK(*pair.a.create_channel(init) == want);
    }
    CHECK(pair.a.create_channel(ChannelInit{}).error() == DataChannelError::kNoAvailableId);
    ChannelInit explicit_id;
    explicit_id.negotiated = true;
    explicit_id.id = 8;
    CHECK(pair.a.create_channel(explicit_id).error() == DataChannelError::kIdOutOfRange);
    explicit_id.id = 65535;
    CHECK(pair.a.create_channel(explicit_id).error() == DataChannelError::kInvalidParameters);
    ChannelInit both;
    both.max_retransmits = 1;
    both.max_packet_lifetime_ms = 1;
    CHECK(pair.z.create_channel(both).error() == DataChannelError::kInvalidParameters);
    // Z (odd) still has its own ids.
    CHECK(*pair.z.create_channel(ChannelInit{}) == 1);
}

TEST_CASE("datachannel.registry: a message above the remote max-message-size is refused and nothing is sent") {
    sctp::AssociationConfig config;
    config.remote_max_message_size = 65536;
    auto pair = make_pair("dc-too-large", {}, config);
    connect(pair);
    uint16_t id = *pair.a.create_channel(ChannelInit{});
    REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelOpenEvent>(pair.z_events) == 1; }));
    CHECK(pair.a.max_message_size() == 65536);
    CHECK(pair.a.send_binary(id, Bytes(65537, 1)).error() == DataChannelError::kMessageTooLarge);
    CHECK(pair.a.send_text(id, std::string(65537, 'x')).error() == DataChannelError::kMessageTooLarge);
    CHECK(pair.a.buffered_amount(id) == 0);
    CHECK(pair.a.association().queued_bytes() == 0);
    REQUIRE(pair.a.send_binary(id, Bytes(65536, 1)).ok());
    REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelMessageEvent>(pair.z_events) == 1; }));
    CHECK(DcPair::take<ChannelMessageEvent>(pair.z_events)->data.size() == 65536);
    pair.drive_for(Duration::seconds(1));
    CHECK(DcPair::count<ChannelMessageEvent>(pair.z_events) == 0);
}

TEST_CASE("datachannel.registry: bufferedAmount grows on send and falls to 0 with one low-threshold event") {
    auto pair = make_pair("dc-buffered");
    connect(pair);
    uint16_t id = *pair.a.create_channel(ChannelInit{});
    REQUIRE(pair.a.set_buffered_amount_low_threshold(id, 65536).ok());
    constexpr size_t kChunk = 100000;
    constexpr int kChunks = 30;  // 3 MB: three times usrsctp's 1 MiB send buffer
    for (int i = 0; i < kChunks; ++i) REQUIRE(pair.a.send_binary(id, pattern(kChunk, static_cast<uint32_t>(i))).ok());
    REQUIRE(pair.a.send_text(id, "").ok());  // empty messages count 0 bytes
    CHECK(pair.a.buffered_amount(id) == kChunks * kChunk);
    pair.pump();
    size_t after_pump = pair.a.buffered_amount(id);
    CHECK(after_pump > 0);
    CHECK(after_pump < kChunks * kChunk);
    CHECK(DcPair::count<BufferedAmountLowEvent>(pair.a_events) == 0);
    size_t received = 0;
    std::vector<size_t> at_low_event;
    REQUIRE(pair.drive_until(
        [&] {
            while (auto m = DcPair::take<ChannelMessageEvent>(pair.z_events)) {
                if (!m->data.empty()) CHECK(m->data == pattern(kChunk, static_cast<uint32_t>(received)));
                ++received;
            }
            while (DcPair::take<BufferedAmountLowEvent>(pair.a_events))
                at_low_event.push_back(pair.a.buffered_amount(id));
            return received == kChunks + 1;
        },
        Duration::seconds(120)));
    CHECK(at_low_event.size() == 1);
    CHECK(at_low_event.at(0) <= 65536);
    CHECK(pair.a.buffered_amount(id) == 0);
    // Sending again below the threshold and draining fires it again (from above to below).
    REQUIRE(pair.a.set_buffered_amount_low_threshold(id, 0).ok());
    REQUIRE(pair.a.send_binary(id, Bytes(10, 1)).ok());
    CHECK(pair.a.buffered_amount(id) == 10);
    pair.pump();
    CHECK(pair.a.buffered_amount(id) == 0);
    CHECK(DcPair::count<BufferedAmountLowEvent>(pair.a_events) == 1);
}

TEST_CASE("datachannel.registry: closing from either side resets both streams with the spec's event order") {
    auto pair = make_pair("dc-close");
    connect(pair);
    uint16_t first = *pair.a.create_channel(ChannelInit{});
    uint16_t second = *pair.z.create_channel(ChannelInit{});
    REQUIRE(pair.drive_until([&] {
        return DcPair::count<ChannelOpenEvent>(pair.z_events) == 2 &&
               DcPair::count<ChannelOpenEvent>(pair.a_events) == 2;
    }));

    SUBCASE("A closes its channel; queued data arrives first") {
        REQUIRE(pair.a.send_text(first, "before close").ok());
        REQUIRE(pair.a.close_channel(first).ok());
        CHECK(pair.a.channel(first)->state == ChannelState::kClosing);
        CHECK(pair.a.send_text(first, "too late").error() == DataChannelError::kChannelClosing);
        REQUIRE(pair.drive_until([&] {
            return DcPair::count<ChannelClosedEvent>(pair.a_events) == 1 &&
                   DcPair::count<ChannelClosedEvent>(pair.z_events) == 1;
        }));
        CHECK(kinds(pair.z_events, first) == std::vector<std::string>{"message", "closing", "closed"});
        CHECK(kinds(pair.a_events, first) == std::vector<std::string>{"closed"});  // initiator: no closing event
        CHECK(pair.a.channel(first) == nullptr);
        CHECK(pair.z.channel(first) == nullptr);
    }
    SUBCASE("Z closes the channel A opened") {
        REQUIRE(pair.z.close_channel(first).ok());
        REQUIRE(pair.drive_until([&] {
            return DcPair::count<ChannelClosedEvent>(pair.a_events) == 1 &&
                   DcPair::count<ChannelClosedEvent>(pair.z_events) == 1;
        }));
        CHECK(kinds(pair.a_events, first) == std::vector<std::string>{"closing", "closed"});
        CHECK(kinds(pair.z_events, first) == std::vector<std::string>{"closed"});
    }
    SUBCASE("both close at once") {
        REQUIRE(pair.a.close_channel(second).ok());
        REQUIRE(pair.z.close_channel(second).ok());
        REQUIRE(pair.drive_until([&] {
            return DcPair::count<ChannelClosedEvent>(pair.a_events) == 1 &&
                   DcPair::count<ChannelClosedEvent>(pair.z_events) == 1;
        }));
        CHECK(kinds(pair.a_events, second) == std::vector<std::string>{"closed"});
        CHECK(kinds(pair.z_events, second) == std::vector<std::string>{"closed"});
    }
    // The other channel is untouched and the freed id is reusable.
    CHECK(pair.a.channel_count() == 1);
    REQUIRE(pair.drive_until([&] { return pair.a.channel_count() == 1 && pair.z.channel_count() == 1; }));
    ChannelInit again;
    again.negotiated = true;
    again.id = pair.a.channel(first) == nullptr ? first : second;
    REQUIRE(pair.a.create_channel(again).ok());
    REQUIRE(pair.z.create_channel(again).ok());
    pair.drive_for(Duration::millis(100));
    REQUIRE(pair.a.send_text(*again.id, "reused").ok());
    REQUIRE(pair.drive_until([&] {
        for (auto& e : pair.z_events) {
            if (auto* m = std::get_if<ChannelMessageEvent>(&e); m && m->id == *again.id) return true;
        }
        return false;
    }));
}

TEST_CASE("datachannel.registry: shutdown closes every channel, then the transport, on both sides") {
    sctp::StackStats before = sctp::Stack::stats();
    {
        auto pair = make_pair("dc-shutdown");
        connect(pair);
        uint16_t id = *pair.a.create_channel(ChannelInit{});
        REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelOpenEvent>(pair.z_events) == 1; }));
        REQUIRE(pair.a.shutdown(pair.now()).ok());
        REQUIRE(pair.drive_until([&] {
            return DcPair::count<TransportClosedEvent>(pair.a_events) == 1 &&
                   DcPair::count<TransportClosedEvent>(pair.z_events) == 1;
        }));
        CHECK(DcPair::count<ChannelClosedEvent>(pair.a_events) == 1);
        CHECK(DcPair::count<ChannelClosedEvent>(pair.z_events) == 1);
        CHECK(pair.a.create_channel(ChannelInit{}).error() == DataChannelError::kTransportClosed);
        CHECK(pair.a.send_text(id, "x").error() == DataChannelError::kUnknownChannel);
    }
    CHECK(sctp::Stack::stats().finishes == before.finishes + 1);
    CHECK(sctp::Stack::stats().live_associations == 0);
}

TEST_CASE("datachannel.registry: hostile DCEP and stray messages are dropped and counted, bad OPENs reset the stream") {
    // A is a raw SCTP association playing a hostile peer; Z is a registry (DTLS server).
    auto raw = sctp::SctpAssociation::create({});
    auto registry = ChannelRegistry::create(RegistryConfig{DtlsRole::kServer, {}});
    REQUIRE(raw.ok());
    REQUIRE(registry.ok());
    testing::Pair<sctp::SctpAssociation, ChannelRegistry> pair(std::move(*raw), std::move(*registry), {}, "dc-hostile");
    REQUIRE(pair.a.start(pair.now()).ok());
    REQUIRE(pair.z.start(pair.now()).ok());
    REQUIRE(pair.drive_until([&] { return pair.a.state() == sctp::AssociationState::kConnected; }));
    DcepOpen good;
    good.label = "ok";
    Bytes good_open = good.serialize();
    Bytes truncated(good_open.begin(), good_open.begin() + 7);
    Bytes bad_lengths = good_open;
    bad_lengths[9] = 0x40;  // label length 64, 2 bytes present
    Bytes bad_channel_type = good_open;
    bad_channel_type[1] = 0x7f;
    auto send = [&](uint16_t stream, uint32_t ppid_value, const Bytes& data) {
        REQUIRE(pair.a.send(stream, ppid_value, data, sctp::SendOptions{}).ok());
    };
    send(2, ppid::kDcep, truncated);
    send(4, ppid::kDcep, bad_lengths);
    send(6, ppid::kDcep, bad_channel_type);
    send(8, ppid::kDcep, Bytes{0x07, 1, 2, 3});  // unknown DCEP message type
    send(10, ppid::kDcep, Bytes{kDcepAck});      // ACK for a channel nobody opened
    send(12, ppid::kString, Bytes{'h', 'i'});    // data on a stream with no channel
    send(14, ppid::kDcep, good_open);            // a valid OPEN still works
    send(14, 99, Bytes{1});                      // unknown PPID on an open channel
    send(14, ppid::kDcep, good_open);            // repeated OPEN for a used stream
    send(14, ppid::kString, Bytes{'o', 'k'});
    REQUIRE(pair.drive_until([&] {
        return DcPair::count<ChannelMessageEvent>(pair.z_events) == 1 &&
               pair.z.stats().streams_reset_for_invalid_open == 3 &&
               DcPair::count<sctp::IncomingStreamsResetEvent>(pair.a_events) >= 1;
    }));
    pair.drive_for(Duration::seconds(1));
    const RegistryStats& s = pair.z.stats();
    CHECK(s.dcep_invalid == 5);  // truncated, bad lengths, bad channel type, unknown type, stray ACK
    CHECK(s.streams_reset_for_invalid_open == 3);
    CHECK(s.messages_unknown_stream == 1);
    CHECK(s.messages_unknown_ppid == 1);
    CHECK(s.dcep_open_rejected == 1);
    CHECK(pair.z.channel_count() == 1);
    CHECK(pair.z.channel(14)->label == "ok");
    // The peer saw Z reset exactly the streams that carried an invalid OPEN.
    std::set<uint16_t> reset;
    while (auto e = DcPair::take<sctp::IncomingStreamsResetEvent>(pair.a_events))
        reset.insert(e->streams.begin(), e->streams.end());
    CHECK(reset == std::set<uint16_t>{2, 4, 6});
    // Z answered the valid OPEN with an ACK (PPID 50, 0x02) on stream 14.
    bool acked = false;
    while (auto m = DcPair::take<sctp::MessageEvent>(pair.a_events)) {
        if (m->stream == 14 && m->ppid == ppid::kDcep && m->data == Bytes{kDcepAck}) acked = true;
    }
    CHECK(acked);
    CHECK(pair.a.state() == sctp::AssociationState::kConnected);
}

TEST_CASE("datachannel.registry: legacy partial PPIDs 52/54 are reassembled on receive") {
    auto raw = sctp::SctpAssociation::create({});
    auto registry = ChannelRegistry::create(RegistryConfig{DtlsRole::kServer, {}});
    REQUIRE(raw.ok());
    REQUIRE(registry.ok());
    testing::Pair<sctp::SctpAssociation, ChannelRegistry> pair(std::move(*raw), std::move(*registry), {}, "dc-legacy");
    REQUIRE(pair.a.start(pair.now()).ok());
    REQUIRE(pair.z.start(pair.now()).ok());
    REQUIRE(pair.drive_until([&] { return pair.a.state() == sctp::AssociationState::kConnected; }));
    DcepOpen open;
    open.label = "legacy";
    REQUIRE(pair.a.send(0, ppid::kDcep, open.serialize(), sctp::SendOptions{}).ok());
    REQUIRE(pair.a.send(0, ppid::kStringPartial, Bytes{'a', 'b'}, sctp::SendOptions{}).ok());
    REQUIRE(pair.a.send(0, ppid::kStringPartial, Bytes{'c'}, sctp::SendOptions{}).ok());
    REQUIRE(pair.a.send(0, ppid::kString, Bytes{'d'}, sctp::SendOptions{}).ok());
    REQUIRE(pair.a.send(0, ppid::kBinaryPartial, Bytes{1}, sctp::SendOptions{}).ok());
    REQUIRE(pair.a.send(0, ppid::kBinary, Bytes{2, 3}, sctp::SendOptions{}).ok());
    REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelMessageEvent>(pair.z_events) == 2; }));
    auto text = DcPair::take<ChannelMessageEvent>(pair.z_events);
    CHECK_FALSE(text->binary);
    CHECK(text->data == Bytes{'a', 'b', 'c', 'd'});
    auto bin = DcPair::take<ChannelMessageEvent>(pair.z_events);
    CHECK(bin->binary);
    CHECK(bin->data == Bytes{1, 2, 3});
}

TEST_CASE("datachannel.registry: an unordered channel sends ordered until the ACK, then unordered") {
    // A is a raw association standing in for the peer, so the wire flags are visible.
    auto raw = sctp::SctpAssociation::create({});
    auto registry = ChannelRegistry::create(RegistryConfig{DtlsRole::kServer, {}});
    REQUIRE(raw.ok());
    REQUIRE(registry.ok());
    testing::Pair<sctp::SctpAssociation, ChannelRegistry> pair(std::move(*raw), std::move(*registry), {},
                                                               "dc-unordered-ack");
    REQUIRE(pair.a.start(pair.now()).ok());
    REQUIRE(pair.z.start(pair.now()).ok());
    REQUIRE(pair.drive_until([&] { return pair.a.state() == sctp::AssociationState::kConnected; }));
    ChannelInit init;
    init.label = "u";
    init.protocol = "proto";
    init.ordered = false;
    init.max_retransmits = 5;
    uint16_t id = *pair.z.create_channel(init);
    CHECK(id == 1);
    REQUIRE(pair.z.send_text(id, "before ack").ok());
    REQUIRE(pair.drive_until([&] { return DcPair::count<sctp::MessageEvent>(pair.a_events) == 2; }));
    auto open = DcPair::take<sctp::MessageEvent>(pair.a_events);
    CHECK(open->stream == 1);
    CHECK(open->ppid == ppid::kDcep);
    CHECK_FALSE(open->unordered);  // DCEP is sent ordered and reliable
    auto parsed = DcepOpen::parse(open->data);
    REQUIRE(parsed.has_value());
    CHECK(parsed->channel_type == ChannelType::kPartialReliableRexmitUnordered);
    CHECK(parsed->reliability_parameter == 5);
    CHECK(parsed->label == "u");
    CHECK(parsed->protocol == "proto");
    auto before = DcPair::take<sctp::MessageEvent>(pair.a_events);
    CHECK(before->ppid == ppid::kString);
    CHECK_FALSE(before->unordered);
    REQUIRE(pair.a.send(1, ppid::kDcep, serialize_dcep_ack(), sctp::SendOptions{}).ok());
    pair.drive_for(Duration::millis(200));
    REQUIRE(pair.z.send_text(id, "after ack").ok());
    REQUIRE(pair.drive_until([&] { return DcPair::count<sctp::MessageEvent>(pair.a_events) == 1; }));
    auto after = DcPair::take<sctp::MessageEvent>(pair.a_events);
    CHECK(after->data == Bytes{'a', 'f', 't', 'e', 'r', ' ', 'a', 'c', 'k'});
    CHECK(after->unordered);
    CHECK(pair.z.stats().dcep_invalid == 0);
}

TEST_CASE("datachannel.registry: random DCEP payloads on random streams never break the registry") {
    auto raw = sctp::SctpAssociation::create({});
    auto registry = ChannelRegistry::create(RegistryConfig{DtlsRole::kServer, {}});
    REQUIRE(raw.ok());
    REQUIRE(registry.ok());
    testing::Pair<sctp::SctpAssociation, ChannelRegistry> pair(std::move(*raw), std::move(*registry), {}, "dc-fuzz");
    REQUIRE(pair.a.start(pair.now()).ok());
    REQUIRE(pair.z.start(pair.now()).ok());
    REQUIRE(pair.drive_until([&] { return pair.a.state() == sctp::AssociationState::kConnected; }));
    auto rng = testing::seeded_rng("dc-fuzz-bytes");
    DcepOpen valid;
    valid.label = "fuzz";
    Bytes valid_open = valid.serialize();
    for (int i = 0; i < 300; ++i) {
        uint16_t stream = static_cast<uint16_t>(rng.next_u32() % 64);
        Bytes payload;
        switch (rng.next_u32() % 3) {
            case 0: payload = rng.bytes(1 + rng.next_u32() % 40); break;
            case 1: {  // a valid OPEN with one byte flipped
                payload = valid_open;
                payload[rng.next_u32() % payload.size()] ^= static_cast<uint8_t>(1 + rng.next_u32() % 255);
                break;
            }
            default: {  // a valid OPEN cut short
                payload = Bytes(valid_open.begin(), valid_open.begin() + 1 + rng.next_u32() % (valid_open.size() - 1));
                break;
            }
        }
        uint32_t ppid_value = (rng.next_u32() % 4 == 0) ? ppid::kString : ppid::kDcep;
        REQUIRE(pair.a.send(stream, ppid_value, payload, sctp::SendOptions{}).ok());
    }
    pair.drive_for(Duration::seconds(5));
    const RegistryStats& s = pair.z.stats();
    CHECK(s.dcep_invalid > 0);
    CHECK(pair.z.channel_count() <= 64);
    CHECK(pair.a.state() == sctp::AssociationState::kConnected);
    // Still fully usable: Z opens a channel and A gets it.
    uint16_t id = *pair.z.create_channel(ChannelInit{});
    REQUIRE(pair.z.send_text(id, "alive").ok());
    CHECK(pair.drive_until([&] {
        for (const auto& e : pair.a_events) {
            if (auto* m = std::get_if<sctp::MessageEvent>(&e); m && m->stream == id && m->ppid == ppid::kString)
                return true;
        }
        return false;
    }));
}

TEST_CASE("datachannel.registry: the closer reports closed only after the peer has reset its side too") {
    // A is a registry (DTLS client); Z is a raw association, so Z's answer can be withheld.
    auto registry = ChannelRegistry::create(RegistryConfig{DtlsRole::kClient, {}});
    auto raw = sctp::SctpAssociation::create({});
    REQUIRE(registry.ok());
    REQUIRE(raw.ok());
    testing::Pair<ChannelRegistry, sctp::SctpAssociation> pair(std::move(*registry), std::move(*raw), {},
                                                               "dc-close-order");
    REQUIRE(pair.a.start(pair.now()).ok());
    REQUIRE(pair.z.start(pair.now()).ok());
    ChannelInit init;
    init.label = "c";
    uint16_t id = *pair.a.create_channel(init);
    REQUIRE(pair.drive_until([&] { return DcPair::count<sctp::MessageEvent>(pair.z_events) == 1; }));  // the OPEN
    REQUIRE(pair.z.send(id, ppid::kDcep, serialize_dcep_ack(), sctp::SendOptions{}).ok());
    REQUIRE(pair.a.close_channel(id).ok());
    // Z reads A's reset of A's outgoing stream; A's request completes.
    REQUIRE(pair.drive_until([&] { return DcPair::count<sctp::IncomingStreamsResetEvent>(pair.z_events) == 1; }));
    pair.drive_for(Duration::seconds(1));
    CHECK(DcPair::count<ChannelClosedEvent>(pair.a_events) == 0);
    REQUIRE(pair.a.channel(id) != nullptr);
    CHECK(pair.a.channel(id)->state == ChannelState::kClosing);
    // Z resets its side: now the channel is closed on A.
    REQUIRE(pair.z.reset_streams({id}).ok());
    REQUIRE(pair.drive_until([&] { return DcPair::count<ChannelClosedEvent>(pair.a_events) == 1; }));
    CHECK(DcPair::count<ChannelClosingEvent>(pair.a_events) == 0);
    CHECK(pair.a.channel(id) == nullptr);
}

}  // namespace polyrtc::datachannel
