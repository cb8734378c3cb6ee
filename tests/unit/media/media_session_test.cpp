// MediaSession end to end: A and Z wired in memory (media_pair.hpp) with the same DTLS-SRTP
// keys (A is the DTLS client, Z the server), 20 ms capture ticks on a simulated clock.
#include <algorithm>
#include <set>

#include <doctest/doctest.h>

#include "core/dtmf/telephone_event.hpp"
#include "core/rtp/rtcp.hpp"
#include "tests/unit/media/media_pair.hpp"

namespace polyrtc::media {

using polyrtc::testing::goertzel_power;
using polyrtc::testing::rms;
using polyrtc::testing::sine_frame;
using testing::MediaPair;
using testing::receive_config;
using testing::send_config;

namespace {
constexpr uint32_t kSsrcA = 0xA0A0A0A0;
constexpr uint32_t kSsrcZ = 0x5A5A5A5A;
constexpr double kPeak = 8000;

Duration ticks(int64_t k) {
    return Duration::millis(20 * k);
}

// Mean tone power against total power over `samples` (1.0: a pure tone).
double purity(const audio::Samples& samples, double hz) {
    double level = rms(samples);
    return level == 0 ? 0 : goertzel_power(samples, hz) / (level * level);
}

audio::Samples slice(const audio::Samples& x, int from_frame, int to_frame) {
    return audio::Samples(x.begin() + from_frame * audio::kFrameSamples, x.begin() + to_frame * audio::kFrameSamples);
}

std::vector<DtmfReceivedEvent> poll_tones(MediaSession& s) {
    std::vector<DtmfReceivedEvent> out;
    while (auto e = s.poll_event()) out.push_back(std::get<DtmfReceivedEvent>(*e));
    return out;
}
}  // namespace

TEST_CASE(
    "media.session: A and Z talk both ways at once: 440 Hz and 660 Hz arrive at frequency and level, RTCP gives the "
    "round-trip time") {
    MediaPair p;
    // A knows Z's SSRC from SDP; Z learns A's by payload type (one receiving stream, no SSRC,
    // no mid extension).
    auto z_receive = receive_config("0", {});
    z_receive.mid_extension_id.reset();
    REQUIRE(p.a.configure(0, send_config("0", kSsrcA), receive_config("0", {kSsrcZ})).ok());
    REQUIRE(p.z.configure(0, send_config("0", kSsrcZ), z_receive).ok());
    p.key_both();

    audio::Samples heard_by_z, heard_by_a;
    const Timestamp t0 = p.now;
    const int kFrames = 200;  // 4 s
    for (int k = 0; k < kFrames; ++k) {
        p.advance_to(t0 + ticks(k));
        REQUIRE(p.a.send_audio(p.now, 0, sine_frame(440, kPeak, k)).ok());
        REQUIRE(p.z.send_audio(p.now, 0, sine_frame(660, kPeak, k)).ok());
        p.drain_both();
        auto za = p.z.receive_audio(p.now, 0);
        auto az = p.a.receive_audio(p.now, 0);
        REQUIRE(za.size() == audio::kFrameSamples);
        heard_by_z.insert(heard_by_z.end(), za.begin(), za.end());
        heard_by_a.insert(heard_by_a.end(), az.begin(), az.end());
    }
    p.advance_to(p.now + Duration::millis(100));

    // Z hears 440 Hz at the level A captured, A hears 660 Hz.
    auto z_steady = slice(heard_by_z, 20, kFrames);
    auto a_steady = slice(heard_by_a, 20, kFrames);
    CHECK(rms(z_steady) > kPeak / std::sqrt(2.0) * 0.7);
    CHECK(rms(a_steady) > kPeak / std::sqrt(2.0) * 0.7);
    CHECK(purity(z_steady, 440) > 0.8);
    CHECK(purity(z_steady, 660) < 0.05);
    CHECK(purity(a_steady, 660) > 0.8);
    CHECK(purity(a_steady, 440) < 0.05);

    auto out_a = p.a.outbound_stats(0).value();
    auto in_z = p.z.inbound_stats(0).value();
    CHECK(out_a.ssrc == kSsrcA);
    CHECK(out_a.packets_sent == kFrames);
    CHECK(out_a.frames_dropped == 0);
    CHECK(out_a.audio_level == doctest::Approx(kPeak / std::sqrt(2.0) / 32768).epsilon(0.01));
    CHECK(out_a.total_samples_duration == doctest::Approx(kFrames * 0.02));
    CHECK(in_z.ssrc == kSsrcA);  // learned
    CHECK(in_z.mid == "0");
    CHECK(in_z.packets_received == kFrames);
    CHECK(in_z.packets_lost == 0);
    CHECK(in_z.bytes_received == out_a.bytes_sent);
    CHECK(in_z.header_bytes_received == out_a.header_bytes_sent);
    CHECK(in_z.jitter < 0.001);  // a constant delay: no jitter
    CHECK(in_z.audio_level > 0.1);
    CHECK(in_z.total_samples_received > 150 * audio::kFrameSamples);
    CHECK(p.z.dropped_packets() == 0);
    CHECK(p.a.dropped_packets() == 0);

    // RTCP: each side's SRs came back in the other's report blocks: RTT = 2 x 25 ms.
    for (MediaSession* s : {&p.a, &p.z}) {
        auto out = s->outbound_stats(0).value();
        REQUIRE(out.round_trip_time.has_value());
        CHECK(*out.round_trip_time == doctest::Approx(0.050).epsilon(0.02));  // within 1 ms
        CHECK(out.remote_packets_lost == 0);
        CHECK(out.remote_fraction_lost == 0);
        REQUIRE(out.remote_jitter.has_value());
        CHECK(*out.remote_jitter < 0.001);
    }
}

TEST_CASE(
    "media.session: with 10% seeded loss and reordering both ways the tone still plays and packets_lost matches the "
    "loss") {
    MediaPair p;
    p.loss_percent = 10;
    p.reorder_ms = 30;
    REQUIRE(p.a.configure(0, send_config("0", kSsrcA), receive_config("0", {kSsrcZ})).ok());
    REQUIRE(p.z.configure(0, send_config("0", kSsrcZ), receive_config("0", {kSsrcA})).ok());
    p.key_both();

    audio::Samples heard_by_z;
    const Timestamp t0 = p.now;
    const int kFrames = 300;
    for (int k = 0; k < kFrames; ++k) {
        // The last frames travel without loss so every loss is followed by a received packet.
        if (k == kFrames - 10) p.loss_percent = 0;
        p.advance_to(t0 + ticks(k));
        REQUIRE(p.a.send_audio(p.now, 0, sine_frame(440, kPeak, k)).ok());
        REQUIRE(p.z.send_audio(p.now, 0, sine_frame(660, kPeak, k)).ok());
        p.drain_both();
        auto za = p.z.receive_audio(p.now, 0);
        heard_by_z.insert(heard_by_z.end(), za.begin(), za.end());
        p.a.receive_audio(p.now, 0);
    }
    // Three more seconds of RTCP (A keeps sending SRs about what it sent).
    p.advance_to(p.now + Duration::seconds(3));

    REQUIRE(p.a_rtp_dropped > 10);
    auto in_z = p.z.inbound_stats(0).value();
    auto in_a = p.a.inbound_stats(0).value();
    CHECK(in_z.packets_lost == static_cast<int64_t>(p.a_rtp_dropped));
    CHECK(in_a.packets_lost == static_cast<int64_t>(p.z_rtp_dropped));
    CHECK(in_z.packets_received + p.a_rtp_dropped == kFrames);
    CHECK(in_z.jitter > 0);
    CHECK(in_z.concealed_samples > 0);
    // The senders learn the same numbers from the last report blocks.
    auto out_a = p.a.outbound_stats(0).value();
    auto out_z = p.z.outbound_stats(0).value();
    CHECK(out_a.remote_packets_lost == in_z.packets_lost);
    CHECK(out_z.remote_packets_lost == in_a.packets_lost);
    CHECK(out_a.round_trip_time.has_value());
    CHECK(out_z.round_trip_time.has_value());

    auto steady = slice(heard_by_z, 20, kFrames);
    CHECK(rms(steady) > kPeak / std::sqrt(2.0) * 0.6);
    CHECK(purity(steady, 440) > 0.7);
    CHECK(p.z.dropped_packets() == 0);  // lost is not dropped: nothing bad arrived
}

namespace {
struct DtmfRun {
    std::vector<const rtp::RtpPacketView*> packets;
};

void check_dtmf_call(uint32_t te_rate, uint32_t reorder_ms = 0) {
    CAPTURE(te_rate);
    CAPTURE(reorder_ms);
    const uint8_t te_pt = te_rate == 48000 ? 110 : 126;
    MediaPair p;
    p.reorder_ms = reorder_ms;
    auto a_send = send_config("0", kSsrcA);
    a_send.dtmf_payload_type = te_pt;
    a_send.dtmf_clock_rate = te_rate;
    REQUIRE(p.a.configure(0, a_send, std::nullopt).ok());
    REQUIRE(p.z.configure(0, std::nullopt, receive_config("0", {kSsrcA})).ok());
    REQUIRE(p.a.can_insert_dtmf(0));
    CHECK_FALSE(p.z.can_insert_dtmf(0));
    p.key_both();

    std::vector<DtmfReceivedEvent> tones;
    const Timestamp t0 = p.now;
    const Timestamp one_at = t0 + ticks(25) + Duration::millis(7);  // between two capture ticks
    const Timestamp hash_at = one_at + Duration::millis(100 + 70);
    bool one_played = false, hash_played = false;
    const int kFrames = 200;
    for (int k = 0; k < kFrames; ++k) {
        Timestamp tick = t0 + ticks(k);
        if (!one_played && one_at <= tick) {
            p.advance_to(one_at);
            REQUIRE(p.a.play_dtmf(p.now, 0, '1', Duration::millis(100)).ok());
            one_played = true;
        }
        if (!hash_played && hash_at <= tick) {
            p.advance_to(hash_at);
            REQUIRE(p.a.play_dtmf(p.now, 0, '#', Duration::millis(2000)).ok());
            hash_played = true;
        }
        p.advance_to(tick);
        REQUIRE(p.a.send_audio(p.now, 0, sine_frame(440, kPeak, k)).ok());
        p.drain_both();
        p.z.receive_audio(p.now, 0);
        auto t = poll_tones(p.z);
        tones.insert(tones.end(), t.begin(), t.end());
    }
    p.advance_to(p.now + Duration::seconds(1));
    auto t = poll_tones(p.z);
    tones.insert(tones.end(), t.begin(), t.end());

    // Z reports each tone once, with its duration within one ptime.
    REQUIRE(tones.size() == 2);
    CHECK(tones[0].tone == '1');
    CHECK(tones[0].transceiver == 0);
    CHECK(std::abs(tones[0].duration.as_millis() - 100) <= 20);
    CHECK(tones[1].tone == '#');
    CHECK(std::abs(tones[1].duration.as_millis() - 2000) <= 20);
    auto in_z = p.z.inbound_stats(0).value();
    CHECK(in_z.dtmf_events_received == 2);
    CHECK(in_z.packets_lost == 0);  // the telephone-event packets fill the audio's sequence
    // ... and the jitter buffer plays their slots, not PLC (with a steady link, where nothing is late).
    if (reorder_ms == 0) CHECK(in_z.concealed_samples == 0);
    auto out_a = p.a.outbound_stats(0).value();
    CHECK(out_a.dtmf_events_sent == 2);
    CHECK(out_a.frames_dropped > 100);  // ~2.2 s of audio held back for the tones
    CHECK(out_a.packets_sent == in_z.packets_received);

    // The wire, as Z's SRTP context sees A's packets.
    std::vector<Bytes> storage;
    auto packets = testing::unprotect_all(p.a_sent, storage);
    REQUIRE(packets.size() == out_a.packets_sent);
    std::vector<DtmfRun> runs;
    const rtp::RtpPacketView* last_audio = nullptr;
    std::vector<uint32_t> tone_start_after_audio;
    for (size_t i = 0; i < packets.size(); ++i) {
        const auto& pk = packets[i];
        CHECK(pk.header.ssrc == kSsrcA);
        if (i > 0) CHECK(pk.header.sequence_number == static_cast<uint16_t>(packets[i - 1].header.sequence_number + 1));
        if (pk.header.payload_type == 111) {
            CHECK(pk.header.marker == (i == 0));  // the first packet only: capture never paused
            const auto* level = pk.header.find_extension(1);
            REQUIRE(level != nullptr);
            CHECK(level->value == Bytes{0x80 | 15});  // voice, -15 dBov: a 8000-peak sine
            const auto* mid = pk.header.find_extension(4);
            REQUIRE(mid != nullptr);
            CHECK(mid->value == Bytes{'0'});
            last_audio = &pk;
            continue;
        }
        REQUIRE(pk.header.payload_type == te_pt);
        if (i == 0 || packets[i - 1].header.payload_type != te_pt) {
            runs.emplace_back();
            REQUIRE(last_audio != nullptr);
            tone_start_after_audio.push_back(last_audio->header.timestamp + 960);
        }
        runs.back().packets.push_back(&pk);
        CHECK(pk.header.find_extension(4) != nullptr);
        CHECK(pk.header.find_extension(1) == nullptr);
    }
    // Two tones, each one contiguous run: no audio packet while a tone is on the wire.
    REQUIRE(runs.size() == 2);
    const uint8_t codes[2] = {1, 11};
    const uint32_t units[2] = {te_rate / 10, te_rate * 2};
    for (size_t r = 0; r < 2; ++r) {
        CAPTURE(r);
        const auto& run = runs[r].packets;
        std::set<uint32_t> timestamps;
        size_t ends = 0;
        for (size_t i = 0; i < run.size(); ++i) {
            auto e = dtmf::parse_telephone_event(run[i]->payload).value();
            CHECK(e.event == codes[r]);
            CHECK(e.volume == 10);
            CHECK(run[i]->header.marker == (i == 0));
            timestamps.insert(run[i]->header.timestamp);
            if (e.end) {
                ++ends;
                CHECK(i + 3 >= run.size());  // the ends are the last three
                CHECK(run[i]->payload.size() == 4);
            }
        }
        CHECK(ends == 3);
        // The event starts at the next audio frame's timestamp.
        uint32_t start = run.front()->header.timestamp;
        CHECK(start == tone_start_after_audio[r]);
        // One timestamp per event; a 2 s event at 48 kHz needs two segments (RFC 4733 2.5.1.3).
        if (te_rate == 48000 && r == 1) {
            CHECK(timestamps == std::set<uint32_t>{start, start + 0xFFFF});
        } else {
            CHECK(timestamps.size() == 1);
        }
        auto last = dtmf::parse_telephone_event(run.back()->payload).value();
        uint32_t segments = static_cast<uint32_t>(run.back()->header.timestamp - start);
        CHECK(segments + last.duration == units[r]);
        // No audio packet's timestamp falls inside the event.
        uint32_t length_48k = units[r] * (48000 / te_rate);
        for (const auto& pk : packets) {
            if (pk.header.payload_type != 111) continue;
            CHECK(static_cast<uint32_t>(pk.header.timestamp - start) >= length_48k);
        }
    }
}
}  // namespace

TEST_CASE(
    "media.session: DTMF '1' for 100 ms then '#' for 2000 ms (telephone-event/48000): Z reports both, the wire follows "
    "RFC 4733") {
    check_dtmf_call(48000);
}

TEST_CASE("media.session: DTMF at telephone-event/8000: durations in 8 kHz units, timestamps on the audio clock") {
    check_dtmf_call(8000);
}

TEST_CASE(
    "media.session: DTMF through a jittery, reordering link: Z still learns each telephone-event clock and reports the "
    "durations") {
    check_dtmf_call(8000, 30);
    check_dtmf_call(48000, 30);
}

TEST_CASE("media.session: two transceivers at once, demultiplexed by the mid extension when SDP gave no SSRCs") {
    MediaPair p;
    REQUIRE(p.a.configure(7, send_config("0", 1111), std::nullopt).ok());
    REQUIRE(p.a.configure(9, send_config("1", 2222), std::nullopt).ok());
    REQUIRE(p.z.configure(3, std::nullopt, receive_config("0", {})).ok());
    REQUIRE(p.z.configure(4, std::nullopt, receive_config("1", {})).ok());
    p.key_both();
    audio::Samples z3, z4;
    const Timestamp t0 = p.now;
    for (int k = 0; k < 100; ++k) {
        p.advance_to(t0 + ticks(k));
        REQUIRE(p.a.send_audio(p.now, 7, sine_frame(440, kPeak, k)).ok());
        REQUIRE(p.a.send_audio(p.now, 9, sine_frame(880, kPeak, k)).ok());
        p.drain_both();
        auto f3 = p.z.receive_audio(p.now, 3);
        auto f4 = p.z.receive_audio(p.now, 4);
        z3.insert(z3.end(), f3.begin(), f3.end());
        z4.insert(z4.end(), f4.begin(), f4.end());
    }
    p.advance_to(p.now + Duration::seconds(2));
    CHECK(purity(slice(z3, 20, 100), 440) > 0.8);
    CHECK(purity(slice(z4, 20, 100), 880) > 0.8);
    CHECK(p.z.inbound_stats(3)->ssrc == 1111);
    CHECK(p.z.inbound_stats(4)->ssrc == 2222);
    CHECK(p.z.inbound_stats(3)->packets_received == 100);
    CHECK(p.z.inbound_stats(4)->packets_received == 100);
    CHECK(p.z.dropped_packets() == 0);
    // Z only receives: its RR (from a random SSRC) reports on both of A's streams.
    CHECK(p.a.outbound_stats(7)->round_trip_time.has_value());
    CHECK(p.a.outbound_stats(9)->round_trip_time.has_value());
    CHECK(p.a.outbound_stats(9)->remote_packets_lost == 0);
    // A's SRs carry both SSRCs with their CNAMEs.
    auto z_srtp = srtp::SrtpSession::create(testing::test_keys(), dtls::DtlsRole::kServer).value();
    std::set<uint32_t> sr_ssrcs;
    std::map<uint32_t, rtp::SenderReport> last_sr;
    int sr_pairs = 0;
    std::set<std::string> cnames;
    for (const Bytes& d : p.a_sent) {
        if (rtp::classify_media_packet(d) != rtp::MediaPacketKind::kRtcp) continue;
        auto plain = z_srtp.inbound.unprotect_rtcp(d).value();
        auto compound = rtp::parse_rtcp_compound(plain).value();
        for (const auto& pk : compound) {
            if (auto* sr = std::get_if<rtp::SenderReport>(&pk)) {
                sr_ssrcs.insert(sr->ssrc);
                // The SR's RTP timestamp is the audio clock at its NTP time (RFC 3550 6.4.1).
                if (auto prev = last_sr.find(sr->ssrc); prev != last_sr.end() && sr->packet_count < 100) {
                    double seconds = static_cast<double>(sr->ntp_timestamp - prev->second.ntp_timestamp) / 4294967296.0;
                    double units = static_cast<uint32_t>(sr->rtp_timestamp - prev->second.rtp_timestamp);
                    CHECK(units == doctest::Approx(seconds * 48000).epsilon(0.001));
                    ++sr_pairs;
                }
                last_sr[sr->ssrc] = *sr;
            }
            if (auto* sdes = std::get_if<rtp::Sdes>(&pk)) {
                for (const auto& c : sdes->chunks) cnames.insert(c.cname);
            }
        }
    }
    CHECK(sr_ssrcs == std::set<uint32_t>{1111, 2222});
    CHECK(sr_pairs >= 2);
    CHECK(cnames == std::set<std::string>{"cname-1111", "cname-2222"});
}

TEST_CASE("media.session: before set_srtp_keys nothing is sent or accepted") {
    MediaPair p;
    REQUIRE(p.a.configure(0, send_config("0", kSsrcA), std::nullopt).ok());
    REQUIRE(p.z.configure(0, std::nullopt, receive_config("0", {kSsrcA})).ok());
    CHECK_FALSE(p.a.has_keys());
    for (int k = 0; k < 10; ++k) {
        REQUIRE(p.a.send_audio(p.now + ticks(k), 0, sine_frame(440, kPeak, k)).ok());
    }
    CHECK(p.a.play_dtmf(p.now, 0, '5', Duration::millis(100)).ok());
    CHECK_FALSE(p.a.poll_transmit().has_value());
    CHECK_FALSE(p.a.poll_timeout().has_value());
    CHECK(p.a.outbound_stats(0)->frames_dropped == 10);
    CHECK(p.a.outbound_stats(0)->packets_sent == 0);
    CHECK(p.a.outbound_stats(0)->dtmf_events_sent == 0);
    p.z.handle_packet(p.now, Bytes{0x80, 111, 0, 1, 0, 0, 0, 1, 0xA0, 0xA0, 0xA0, 0xA0, 1, 2, 3});
    CHECK(p.z.dropped_packets() == 1);

    // Keys arrive: the next frame goes out, with the marker, and RTCP is scheduled.
    p.now = p.now + ticks(10);
    p.key_both();
    CHECK(p.a.has_keys());
    REQUIRE(p.a.send_audio(p.now, 0, sine_frame(440, kPeak, 10)).ok());
    auto d = p.a.poll_transmit();
    REQUIRE(d.has_value());
    p.a_sent.push_back(*d);
    std::vector<Bytes> storage;
    auto packets = testing::unprotect_all(p.a_sent, storage);
    REQUIRE(packets.size() == 1);
    CHECK(packets[0].header.marker);
    REQUIRE(p.a.poll_timeout().has_value());
    CHECK(*p.a.poll_timeout() <= p.now + Duration::millis(200));
}

TEST_CASE("media.session: garbage, truncated, tampered, replayed packets and unknown SSRCs are dropped and counted") {
    MediaPair p;
    // Two receiving streams with SSRCs from SDP: neither the single-stream nor (with no mid
    // extension) the mid rule can claim a stranger.
    REQUIRE(p.a.configure(0, send_config("0", kSsrcA), std::nullopt).ok());
    auto rx0 = receive_config("0", {kSsrcA});
    auto rx1 = receive_config("1", {0x1234});
    REQUIRE(p.z.configure(0, std::nullopt, rx0).ok());
    REQUIRE(p.z.configure(1, std::nullopt, rx1).ok());
    p.key_both();
    // A stranger with the right keys but an SSRC nobody announced.
    MediaSession stranger(polyrtc::testing::seeded_rng("stranger"));
    REQUIRE(stranger.configure(0, send_config("9", 0x99999999), std::nullopt).ok());
    REQUIRE(stranger.set_srtp_keys(testing::test_keys(), dtls::DtlsRole::kClient).ok());

    std::vector<Bytes> good;
    for (int k = 0; k < 5; ++k) {
        REQUIRE(p.a.send_audio(p.now + ticks(k), 0, sine_frame(440, kPeak, k)).ok());
        while (auto d = p.a.poll_transmit()) good.push_back(*d);
    }
    REQUIRE(good.size() == 5);
    REQUIRE(stranger.send_audio(p.now, 0, sine_frame(440, kPeak, 0)).ok());
    Bytes foreign = stranger.poll_transmit().value();

    uint64_t expected = 0;
    auto feed = [&](ByteView b, bool bad) {
        p.z.handle_packet(p.now, b);
        if (bad) ++expected;
        CHECK(p.z.dropped_packets() == expected);
    };
    feed(good[0], false);
    feed(Bytes{}, true);
    feed(Bytes{0x80}, true);
    feed(Bytes(40, 0xFF), true);                              // not RTP at all (first byte)
    feed(Bytes(good[1].begin(), good[1].begin() + 8), true);  // truncated header
    feed(Bytes(good[1].begin(), good[1].end() - 5), true);    // truncated tag
    Bytes tampered = good[1];
    tampered[20] ^= 0x01;
    feed(tampered, true);
    feed(good[1], false);
    feed(good[1], true);  // replay
    feed(foreign, true);  // unknown SSRC
    Bytes rtcp_garbage{0x80, 200, 0, 1, 1, 2, 3, 4, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    feed(rtcp_garbage, true);  // SRTCP that does not authenticate
    // Randomized garbage in the RTP range: never a crash, always dropped.
    polyrtc::testing::XorShift rng{77};
    for (int i = 0; i < 500; ++i) {
        Bytes junk(rng.below(200), 0);
        for (auto& b : junk) b = static_cast<uint8_t>(rng.next());
        if (!junk.empty()) junk[0] = static_cast<uint8_t>(0x80 | (junk[0] & 0x3F));
        feed(junk, true);
    }
    auto in = p.z.inbound_stats(0).value();
    CHECK(in.packets_received == 2);
    CHECK(p.z.inbound_stats(1)->packets_received == 0);
    CHECK(p.z.inbound_stats(1)->ssrc == 0);
}

TEST_CASE("media.session: reconfiguring with the same SSRC keeps sequence numbers and timestamps continuous") {
    MediaPair p;
    REQUIRE(p.a.configure(0, send_config("0", kSsrcA), std::nullopt).ok());
    p.key_both();
    for (int k = 0; k < 3; ++k) REQUIRE(p.a.send_audio(p.now + ticks(k), 0, sine_frame(440, kPeak, k)).ok());
    // Renegotiation: another Opus PT and telephone-event removed, same SSRC.
    auto changed = send_config("0", kSsrcA);
    changed.opus_payload_type = 109;
    changed.dtmf_payload_type.reset();
    REQUIRE(p.a.configure(0, changed, receive_config("0", {})).ok());
    CHECK_FALSE(p.a.can_insert_dtmf(0));
    CHECK(p.a.play_dtmf(p.now, 0, '1', Duration::millis(100)).error() == MediaError::kNoTelephoneEvent);
    for (int k = 3; k < 6; ++k) REQUIRE(p.a.send_audio(p.now + ticks(k), 0, sine_frame(440, kPeak, k)).ok());
    // A new SSRC (a new sender) starts over at random values.
    REQUIRE(p.a.configure(0, send_config("0", 0x77777777), std::nullopt).ok());
    REQUIRE(p.a.send_audio(p.now + ticks(6), 0, sine_frame(440, kPeak, 6)).ok());
    while (auto d = p.a.poll_transmit()) p.a_sent.push_back(*d);
    std::vector<Bytes> storage;
    auto packets = testing::unprotect_all(p.a_sent, storage);
    REQUIRE(packets.size() == 7);
    for (size_t i = 1; i < 6; ++i) {
        CHECK(packets[i].header.ssrc == kSsrcA);
        CHECK(packets[i].header.sequence_number == static_cast<uint16_t>(packets[i - 1].header.sequence_number + 1));
        CHECK(packets[i].header.timestamp == packets[i - 1].header.timestamp + 960);
        CHECK_FALSE(packets[i].header.marker);
    }
    CHECK(packets[2].header.payload_type == 111);
    CHECK(packets[3].header.payload_type == 109);
    CHECK(packets[6].header.ssrc == 0x77777777);
    CHECK(packets[6].header.marker);
    CHECK(p.a.outbound_stats(0)->packets_sent == 1);

    // Errors for what cannot be done.
    CHECK(p.a.send_audio(p.now, 42, audio::Samples(960)).error() == MediaError::kUnknownTransceiver);
    CHECK(p.a.send_audio(p.now, 0, audio::Samples(480)).error() == MediaError::kBadFrame);
    CHECK(p.a.play_dtmf(p.now, 0, 'x', Duration::millis(100)).error() == MediaError::kBadTone);
    REQUIRE(p.a.configure(0, std::nullopt, receive_config("0", {})).ok());
    CHECK(p.a.send_audio(p.now, 0, audio::Samples(960)).error() == MediaError::kNotSending);
    CHECK(p.a.receive_audio(p.now, 42) == audio::Samples(960, 0));
    p.a.remove(0);
    CHECK_FALSE(p.a.inbound_stats(0).has_value());
    dtls::SrtpKeyingMaterial bad = testing::test_keys();
    bad.client_write_key.resize(8);
    CHECK(p.a.set_srtp_keys(bad, dtls::DtlsRole::kClient).error() == MediaError::kBadKeys);
}

TEST_CASE("media.session: a capture pause starts a new talkspurt: marker set, timestamp moved on by the pause") {
    MediaPair p;
    REQUIRE(p.a.configure(0, send_config("0", kSsrcA), std::nullopt).ok());
    p.key_both();
    REQUIRE(p.a.send_audio(p.now, 0, sine_frame(440, kPeak, 0)).ok());
    REQUIRE(p.a.send_audio(p.now + ticks(1), 0, sine_frame(440, kPeak, 1)).ok());
    REQUIRE(p.a.send_audio(p.now + ticks(11), 0, sine_frame(440, kPeak, 2)).ok());  // 200 ms later
    while (auto d = p.a.poll_transmit()) p.a_sent.push_back(*d);
    std::vector<Bytes> storage;
    auto packets = testing::unprotect_all(p.a_sent, storage);
    REQUIRE(packets.size() == 3);
    CHECK(packets[1].header.timestamp - packets[0].header.timestamp == 960);
    CHECK(packets[2].header.timestamp - packets[1].header.timestamp == 10 * 960);
    CHECK_FALSE(packets[1].header.marker);
    CHECK(packets[2].header.marker);
}

}  // namespace polyrtc::media

namespace polyrtc::media {

TEST_CASE("media.session: the remote replaces its sender (new SSRC): Z follows it and plays the new source") {
    MediaPair p;
    REQUIRE(p.a.configure(0, send_config("0", 1111), std::nullopt).ok());
    REQUIRE(p.z.configure(0, std::nullopt, receive_config("0", {})).ok());
    p.key_both();
    audio::Samples heard;
    const Timestamp t0 = p.now;
    for (int k = 0; k < 150; ++k) {
        if (k == 50) REQUIRE(p.a.configure(0, send_config("0", 2222), std::nullopt).ok());
        p.advance_to(t0 + ticks(k));
        REQUIRE(p.a.send_audio(p.now, 0, sine_frame(k < 50 ? 440 : 880, kPeak, k)).ok());
        p.drain_both();
        auto f = p.z.receive_audio(p.now, 0);
        heard.insert(heard.end(), f.begin(), f.end());
    }
    p.advance_to(p.now + Duration::millis(100));
    auto in = p.z.inbound_stats(0).value();
    CHECK(in.ssrc == 2222);
    CHECK(in.packets_lost == 0);
    CHECK(in.packets_received == 100);  // counted for the current source
    audio::Samples late(heard.begin() + 70 * audio::kFrameSamples, heard.end());
    CHECK(rms(late) > kPeak / std::sqrt(2.0) * 0.7);
    CHECK(goertzel_power(late, 880) > 0.8 * rms(late) * rms(late));
}

}  // namespace polyrtc::media
