// The RFC 4733 sender and receiver, alone and wired together through loss and reordering.
#include <algorithm>
#include <vector>

#include <doctest/doctest.h>

#include "core/dtmf/dtmf_receiver.hpp"
#include "core/dtmf/dtmf_sender.hpp"

namespace polyrtc::dtmf {

namespace {

struct Sent {
    Timestamp at;
    DtmfPacket packet;
};

// Drives the sender like the RTP layer would: wake at poll_timeout(), drain poll_packet().
std::vector<Sent> run_sender(DtmfSender& s, Timestamp now) {
    std::vector<Sent> out;
    for (int guard = 0; guard < 100000; ++guard) {
        while (auto p = s.poll_packet(now)) out.push_back({now, *p});
        auto next = s.poll_timeout();
        if (!next) break;
        now = *next;
    }
    return out;
}

DtmfSender make_sender(uint32_t rate, int ptime_ms = 20) {
    DtmfSenderConfig c;
    c.clock_rate = rate;
    c.ptime = Duration::millis(ptime_ms);
    return DtmfSender::create(c).value();
}

DtmfReceiver make_receiver(uint32_t rate) {
    DtmfReceiverConfig c;
    c.clock_rate = rate;
    return DtmfReceiver::create(c).value();
}

}  // namespace

TEST_CASE("dtmf.sender: a 40 ms tone is one timestamp, marker first, updates, then three identical ends") {
    auto s = make_sender(8000);
    Timestamp t0 = Timestamp::from_millis(1000);
    REQUIRE(s.play(t0, '7', Duration::millis(40), 4000).ok());
    CHECK(s.suppresses_audio());
    CHECK(s.poll_packet(t0).has_value() == false);  // the first update is one ptime in
    auto sent = run_sender(s, t0);
    REQUIRE(sent.size() == 4);
    // t0+20: duration 160 with the marker; t0+40: end with 320; t0+60, t0+80: the same end.
    CHECK(sent[0].at == t0 + Duration::millis(20));
    CHECK(sent[0].packet.marker);
    CHECK_FALSE(sent[0].packet.event.end);
    CHECK(sent[0].packet.event.duration == 160);
    for (size_t i = 1; i < 4; ++i) {
        CHECK(sent[i].at == t0 + Duration::millis(20 * static_cast<int64_t>(i + 1)));
        CHECK_FALSE(sent[i].packet.marker);
        CHECK(sent[i].packet.event.end);
        CHECK(sent[i].packet.event.duration == 320);
        CHECK(sent[i].packet.payload() == sent[1].packet.payload());
    }
    for (const auto& p : sent) {
        CHECK(p.packet.rtp_timestamp == 4000);
        CHECK(p.packet.event.event == 7);
        CHECK(p.packet.event.volume == 10);
    }
    CHECK_FALSE(s.suppresses_audio());
    CHECK_FALSE(s.poll_timeout().has_value());
}

TEST_CASE("dtmf.sender: validates its configuration and the tone") {
    DtmfSenderConfig c;
    c.clock_rate = 16000;
    CHECK(DtmfSender::create(c).error() == DtmfError::kBadClockRate);
    c.clock_rate = 8000;
    c.ptime = Duration::millis(5);
    CHECK(DtmfSender::create(c).error() == DtmfError::kBadPtime);
    c.ptime = Duration::micros(20010);  // 160.08 units
    CHECK(DtmfSender::create(c).error() == DtmfError::kBadPtime);
    c.ptime = Duration::millis(20);
    c.volume = 64;
    CHECK(DtmfSender::create(c).error() == DtmfError::kBadVolume);

    auto s = make_sender(48000, 10);
    Timestamp t0;
    CHECK(s.play(t0, 'X', Duration::millis(100), 0).error() == DtmfError::kBadTone);
    CHECK(s.play(t0, '1', Duration::millis(0), 0).error() == DtmfError::kBadDuration);
    REQUIRE(s.play(t0, '#', Duration::millis(100), 0).ok());
    auto sent = run_sender(s, t0);
    // 10 ms ptime at 48 kHz: updates of 480 units, end at 4800, 9 updates + 3 ends.
    REQUIRE(sent.size() == 12);
    CHECK(sent[8].packet.event.duration == 4320);
    CHECK(sent[9].packet.event.duration == 4800);
    CHECK(sent[9].packet.event.end);
    CHECK(s.play(t0 + Duration::seconds(1), '1', Duration::millis(100), 0).ok());
}

TEST_CASE("dtmf.sender: a tone started while one is on the wire cuts it: its three ends go first") {
    // A late page timer started '1' 60 ms into a 100 ms '#' (20 ms ptime, 48 kHz).
    auto s = make_sender(48000, 20);
    const Timestamp t0 = Timestamp::from_millis(1000);
    REQUIRE(s.play(t0, '#', Duration::millis(100), 1000).ok());
    std::vector<Sent> sent;
    Timestamp now = t0;
    while (now <= t0 + Duration::millis(60)) {
        while (auto p = s.poll_packet(now)) sent.push_back({now, *p});
        now = now + Duration::millis(1);
    }
    REQUIRE(sent.size() == 3);  // updates at 20, 40 and 60 ms
    CHECK(sent.back().packet.event.duration == 2880);
    const Timestamp cut_at = t0 + Duration::millis(65);
    REQUIRE(s.play(cut_at, '1', Duration::millis(100), 1000 + 3120).ok());
    CHECK(s.suppresses_audio());
    auto rest = run_sender(s, cut_at);
    // The cut tone: three end packets at once, its timestamp, the 65 ms it lasted (3120 units).
    REQUIRE(rest.size() == 3 + 7);  // then updates at 20..80 ms and three ends
    for (int i = 0; i < 3; ++i) {
        CHECK(rest[i].at == cut_at);
        CHECK(rest[i].packet.rtp_timestamp == 1000);
        CHECK(rest[i].packet.event.event == 11);  // '#'
        CHECK(rest[i].packet.event.end);
        CHECK(rest[i].packet.event.duration == 3120);
        CHECK_FALSE(rest[i].packet.marker);
    }
    // Then the new tone as usual: its own timestamp, marker first, three ends at 100 ms.
    CHECK(rest[3].packet.event.event == 1);
    CHECK(rest[3].packet.marker);
    CHECK(rest[3].packet.rtp_timestamp == 1000 + 3120);
    CHECK(rest.back().packet.event.end);
    CHECK(rest.back().packet.event.duration == 4800);
    CHECK_FALSE(s.is_playing());
}

TEST_CASE("dtmf.sender: a 6000 ms tone at 8 kHz fits one segment of 48000 units") {
    auto s = make_sender(8000);
    REQUIRE(s.play(Timestamp(), '5', Duration::millis(6000), 123).ok());
    auto sent = run_sender(s, Timestamp());
    REQUIRE(sent.size() == 300 + 2);
    for (const auto& p : sent) CHECK(p.packet.rtp_timestamp == 123);
    CHECK(sent.front().packet.marker);
    CHECK(sent[298].packet.event.duration == 47840);
    CHECK_FALSE(sent[298].packet.event.end);
    CHECK(sent[299].packet.event.duration == 48000);
    CHECK(sent.back().packet.event.end);
    CHECK(std::count_if(sent.begin(), sent.end(), [](const Sent& x) { return x.packet.event.end; }) == 3);
}

TEST_CASE("dtmf.sender: a 6000 ms tone at 48 kHz is split into 0xFFFF-unit segments (RFC 4733 2.5.1.3)") {
    auto s = make_sender(48000);
    uint32_t ts0 = 0xFFFF0000u;  // also crosses the 32-bit timestamp wrap
    REQUIRE(s.play(Timestamp(), '9', Duration::millis(6000), ts0).ok());
    auto sent = run_sender(s, Timestamp());
    // 288000 units: four full segments of 65535 and a last one of 25860.
    std::vector<uint32_t> segment_ts;
    for (const auto& p : sent) {
        if (segment_ts.empty() || segment_ts.back() != p.packet.rtp_timestamp)
            segment_ts.push_back(p.packet.rtp_timestamp);
    }
    REQUIRE(segment_ts.size() == 5);
    for (size_t i = 0; i < 5; ++i) CHECK(segment_ts[i] == ts0 + static_cast<uint32_t>(i) * 0xFFFFu);
    // Each closed segment ends with exactly one 0xFFFF packet without E; only the first
    // packet of the event has the marker.
    int closing = 0;
    int markers = 0;
    for (const auto& p : sent) {
        if (p.packet.event.duration == 0xFFFF) {
            ++closing;
            CHECK_FALSE(p.packet.event.end);
        }
        markers += p.packet.marker ? 1 : 0;
    }
    CHECK(closing == 4);
    CHECK(markers == 1);
    CHECK(sent.back().packet.event.end);
    CHECK(sent.back().packet.event.duration == 288000 - 4 * 65535);
    CHECK(sent.back().packet.rtp_timestamp == ts0 + 4 * 0xFFFFu);
    // Packets keep the 20 ms cadence throughout.
    for (size_t i = 1; i < sent.size(); ++i) CHECK(sent[i].at - sent[i - 1].at == Duration::millis(20));
}

TEST_CASE("dtmf.receiver: one tone reported once, end retransmissions and late updates dropped") {
    auto s = make_sender(8000);
    auto r = make_receiver(8000);
    REQUIRE(s.play(Timestamp(), '3', Duration::millis(100), 777).ok());
    auto sent = run_sender(s, Timestamp());
    for (const auto& p : sent) {
        r.handle_packet(p.at, p.packet.rtp_timestamp, p.packet.marker, p.packet.payload());
    }
    // A late update after the end changes nothing.
    r.handle_packet(Timestamp::from_millis(500), 777, false, sent[0].packet.payload());
    auto e = r.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->tone == '3');
    CHECK(e->duration == Duration::millis(100));
    CHECK(e->rtp_timestamp == 777);
    CHECK(e->end_seen);
    CHECK_FALSE(r.poll_event().has_value());
    CHECK(r.duplicate_packets() == 3);
    CHECK_FALSE(r.poll_timeout().has_value());
}

TEST_CASE("dtmf.receiver: reordering and loss of updates still give the full duration") {
    auto s = make_sender(48000);
    auto r = make_receiver(48000);
    REQUIRE(s.play(Timestamp(), 'A', Duration::millis(200), 1).ok());
    auto sent = run_sender(s, Timestamp());
    REQUIRE(sent.size() == 12);
    // Lose the marker packet and four updates, swap neighbours, reorder the ends.
    std::vector<size_t> order = {3, 2, 5, 4, 7, 10, 9, 11};
    for (size_t i : order) {
        const auto& p = sent[i];
        r.handle_packet(p.at, p.packet.rtp_timestamp, p.packet.marker, p.packet.payload());
    }
    auto e = r.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->tone == 'A');
    CHECK(e->duration == Duration::millis(200));
    CHECK_FALSE(r.poll_event().has_value());
}

TEST_CASE("dtmf.receiver: lost end packets fall back to the timeout, or to the next event") {
    auto r = make_receiver(8000);
    auto s = make_sender(8000);
    REQUIRE(s.play(Timestamp(), '1', Duration::millis(100), 1000).ok());
    auto sent = run_sender(s, Timestamp());
    Timestamp last;
    for (const auto& p : sent) {
        if (p.packet.event.end) continue;  // every end packet is lost
        r.handle_packet(p.at, p.packet.rtp_timestamp, p.packet.marker, p.packet.payload());
        last = p.at;
    }
    CHECK_FALSE(r.poll_event().has_value());
    REQUIRE(r.poll_timeout() == last + Duration::millis(400));
    r.handle_timeout(last + Duration::millis(399));
    CHECK_FALSE(r.poll_event().has_value());
    r.handle_timeout(last + Duration::millis(400));
    auto e = r.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->tone == '1');
    CHECK(e->duration == Duration::millis(80));  // the last update seen
    CHECK_FALSE(e->end_seen);

    // Next: '2' loses its ends, then '2' again starts (marker lost too): two events.
    auto s2 = make_sender(8000);
    Timestamp t = Timestamp::from_millis(5000);
    REQUIRE(s2.play(t, '2', Duration::millis(60), 9000).ok());
    for (const auto& p : run_sender(s2, t)) {
        if (!p.packet.event.end) r.handle_packet(p.at, p.packet.rtp_timestamp, p.packet.marker, p.packet.payload());
    }
    t = t + Duration::millis(200);
    REQUIRE(s2.play(t, '2', Duration::millis(60), 9000 + 1600).ok());
    for (const auto& p : run_sender(s2, t)) {
        if (!p.packet.marker) r.handle_packet(p.at, p.packet.rtp_timestamp, p.packet.marker, p.packet.payload());
    }
    auto first = r.poll_event();
    auto second = r.poll_event();
    REQUIRE(first.has_value());
    REQUIRE(second.has_value());
    CHECK(first->duration == Duration::millis(40));
    CHECK_FALSE(first->end_seen);
    CHECK(second->duration == Duration::millis(60));
    CHECK(second->end_seen);
    CHECK(second->rtp_timestamp == 9000 + 1600);
}

TEST_CASE("dtmf.receiver: a segmented 6000 ms tone at 48 kHz is one event of 6000 ms, even with losses") {
    auto s = make_sender(48000);
    REQUIRE(s.play(Timestamp(), '0', Duration::millis(6000), 0xFFFF0000u).ok());
    auto sent = run_sender(s, Timestamp());
    for (bool drop_closing : {false, true}) {
        auto r = make_receiver(48000);
        for (size_t i = 0; i < sent.size(); ++i) {
            const auto& p = sent[i];
            // Drop every 7th packet and, in the second run, the packets that close segments.
            if (i % 7 == 3) continue;
            if (drop_closing && p.packet.event.duration == 0xFFFF) continue;
            r.handle_packet(p.at, p.packet.rtp_timestamp, p.packet.marker, p.packet.payload());
        }
        auto e = r.poll_event();
        REQUIRE(e.has_value());
        CHECK(e->tone == '0');
        CHECK(e->duration == Duration::millis(6000));
        CHECK(e->rtp_timestamp == 0xFFFF0000u);
        CHECK(e->end_seen);
        CHECK_FALSE(r.poll_event().has_value());
    }
}

TEST_CASE("dtmf.receiver: malformed payloads and non-DTMF events are dropped") {
    auto r = make_receiver(8000);
    r.handle_packet(Timestamp(), 1, true, Bytes{1, 2});
    r.handle_packet(Timestamp(), 1, true, Bytes{16, 0x8a, 0, 160});  // event 16 (not DTMF)
    CHECK(r.dropped_packets() == 2);
    CHECK_FALSE(r.poll_event().has_value());
    // A single end packet alone is a complete event.
    r.handle_packet(Timestamp(), 2, true, Bytes{4, 0x8a, 0x01, 0x40});
    auto e = r.poll_event();
    REQUIRE(e.has_value());
    CHECK(e->tone == '4');
    CHECK(e->duration == Duration::millis(40));
    DtmfReceiverConfig bad;
    bad.clock_rate = 44100;
    CHECK(DtmfReceiver::create(bad).error() == DtmfError::kBadClockRate);
}

}  // namespace polyrtc::dtmf
