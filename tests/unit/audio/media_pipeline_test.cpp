// The wire modules together, as the peer connection will wire them (issue 7): A sends a
// 440 Hz tone as Opus over SRTP with a DTMF digit in the middle and an RTCP SR; Z demuxes,
// unprotects, dispatches by payload type, and plays out through the jitter buffer.
#include <deque>

#include <doctest/doctest.h>

#include "core/audio/jitter_buffer.hpp"
#include "core/dtmf/dtmf_receiver.hpp"
#include "core/dtmf/dtmf_sender.hpp"
#include "core/rtp/demux.hpp"
#include "core/rtp/rtcp.hpp"
#include "core/rtp/rtp_packet.hpp"
#include "core/srtp/srtp_session.hpp"
#include "tests/unit/audio/tone.hpp"

namespace polyrtc::audio {

using testing::goertzel_power;
using testing::rms;
using testing::sine_frame;

namespace {
constexpr uint8_t kOpusPt = 111;
constexpr uint8_t kTelephoneEventPt = 110;  // telephone-event/48000, as Chromium offers it
constexpr uint32_t kSsrc = 0x5eed1234;

struct InFlight {
    Timestamp arrives;
    Bytes datagram;
};
}  // namespace

TEST_CASE("audio.pipeline: A sends Opus and a DTMF digit over SRTP, Z plays the tone and reports the digit") {
    dtls::SrtpKeyingMaterial keys;
    keys.profile = dtls::SrtpProfile::kAes128CmHmacSha1_80;
    keys.client_write_key = Bytes(16, 0x11);
    keys.server_write_key = Bytes(16, 0x22);
    keys.client_write_salt = Bytes(14, 0x33);
    keys.server_write_salt = Bytes(14, 0x44);
    auto a_srtp = srtp::SrtpSession::create(keys, dtls::DtlsRole::kClient).value();
    auto z_srtp = srtp::SrtpSession::create(keys, dtls::DtlsRole::kServer).value();

    auto encoder = OpusFrameEncoder::create({}).value();
    dtmf::DtmfSenderConfig dtmf_config;
    dtmf_config.clock_rate = 48000;
    auto dtmf_tx = dtmf::DtmfSender::create(dtmf_config).value();
    dtmf::DtmfReceiverConfig dtmf_rx_config;
    dtmf_rx_config.clock_rate = 48000;
    auto dtmf_rx = dtmf::DtmfReceiver::create(dtmf_rx_config).value();
    auto jitter = JitterBuffer::create({}).value();

    std::deque<InFlight> wire;
    const Duration latency = Duration::millis(30);
    uint16_t seq = 60000;
    uint32_t audio_ts = 0xFFFFF000u;  // the RTP timestamp wraps during the call
    uint32_t packets_sent = 0;
    auto send_rtp = [&](Timestamp now, uint8_t pt, bool marker, uint32_t ts, ByteView payload) {
        rtp::RtpHeader h;
        h.payload_type = pt;
        h.marker = marker;
        h.sequence_number = seq++;
        h.timestamp = ts;
        h.ssrc = kSsrc;
        h.extensions = {{1, Bytes{0x30}}};  // ssrc-audio-level, as browsers send it
        Bytes packet = rtp::serialize_rtp(h, payload).value();
        wire.push_back({now + latency, a_srtp.outbound.protect_rtp(packet).value()});
        ++packets_sent;
    };

    Samples played;
    std::vector<dtmf::ReceivedTone> tones;
    uint32_t rtcp_reports = 0;
    size_t dtmf_frames_sent = 0;
    const int kTicks = 100;  // 2 s
    for (int tick = 0; tick < kTicks + 10; ++tick) {
        Timestamp now = Timestamp::from_millis(20 * tick);
        // A: one 20 ms tick of the page's capture clock.
        if (tick < kTicks) {
            if (tick == 40) REQUIRE(dtmf_tx.play(now, '5', Duration::millis(100), audio_ts).ok());
            while (auto p = dtmf_tx.poll_packet(now)) {
                send_rtp(now, kTelephoneEventPt, p->marker, p->rtp_timestamp, p->payload());
                ++dtmf_frames_sent;
            }
            if (!dtmf_tx.suppresses_audio()) {
                send_rtp(now, kOpusPt, tick == 0, audio_ts, encoder.encode(sine_frame(440, 8000, tick)).value());
            }
            audio_ts += kFrameSamples;
            if (tick % 50 == 49) {
                rtp::SenderReport sr;
                sr.ssrc = kSsrc;
                sr.rtp_timestamp = audio_ts;
                sr.packet_count = packets_sent;
                Bytes rtcp = rtp::serialize_rtcp_compound({sr, rtp::Sdes{{{kSsrc, "a-cname"}}}}).value();
                wire.push_back({now + latency, a_srtp.outbound.protect_rtcp(rtcp).value()});
            }
        }
        // Z: everything that has arrived, then one frame of playout.
        while (!wire.empty() && wire.front().arrives <= now) {
            Bytes datagram = std::move(wire.front().datagram);
            Timestamp at = wire.front().arrives;
            wire.pop_front();
            switch (rtp::classify_media_packet(datagram)) {
                case rtp::MediaPacketKind::kRtp: {
                    Bytes plain = z_srtp.inbound.unprotect_rtp(datagram).value();
                    auto packet = rtp::parse_rtp(plain).value();
                    CHECK(packet.header.ssrc == kSsrc);
                    if (packet.header.payload_type == kOpusPt) {
                        jitter.insert(at, packet.header.sequence_number, packet.payload);
                    } else if (packet.header.payload_type == kTelephoneEventPt) {
                        dtmf_rx.handle_packet(at, packet.header.timestamp, packet.header.marker, packet.payload);
                        jitter.insert_placeholder(at, packet.header.sequence_number);
                    }
                    break;
                }
                case rtp::MediaPacketKind::kRtcp: {
                    Bytes plain = z_srtp.inbound.unprotect_rtcp(datagram).value();
                    auto compound = rtp::parse_rtcp_compound(plain).value();
                    REQUIRE(compound.size() == 2);
                    CHECK(std::get<rtp::SenderReport>(compound[0]).ssrc == kSsrc);
                    CHECK(std::get<rtp::Sdes>(compound[1]).chunks.at(0).cname == "a-cname");
                    ++rtcp_reports;
                    break;
                }
                case rtp::MediaPacketKind::kNotMedia: FAIL("not media"); break;
            }
        }
        dtmf_rx.handle_timeout(now);
        while (auto t = dtmf_rx.poll_event()) tones.push_back(*t);
        auto frame = jitter.play_out(now);
        played.insert(played.end(), frame.samples.begin(), frame.samples.end());
    }

    // The digit: once, with its duration, at the timestamp the audio had when it started.
    REQUIRE(tones.size() == 1);
    CHECK(tones[0].tone == '5');
    CHECK(tones[0].duration == Duration::millis(100));
    CHECK(tones[0].end_seen);
    CHECK(tones[0].rtp_timestamp == static_cast<uint32_t>(0xFFFFF000u + 40 * kFrameSamples));
    CHECK(dtmf_frames_sent == 7);  // 4 updates, the end, 2 retransmissions
    CHECK(rtcp_reports == 2);
    // The telephone-event slots are placeholders, not gaps: the only frames "lost" are the
    // ones concealed after A stopped sending, until the buffer gave up.
    const auto& s = jitter.stats();
    CHECK(s.lost == static_cast<uint64_t>(JitterBufferConfig{}.max_concealed_run));
    CHECK(s.late == 0);
    CHECK(s.placeholder_frames == 7);
    // The tone before the digit is 440 Hz at its level.
    Samples before(played.begin() + 10 * kFrameSamples, played.begin() + 40 * kFrameSamples);
    double level = rms(before);
    CHECK(level > 8000 / std::sqrt(2.0) * 0.7);
    CHECK(goertzel_power(before, 440) > 0.8 * level * level);
}

}  // namespace polyrtc::audio
