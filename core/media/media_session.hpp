// MediaSession: the audio half of one peer connection's media, sans-IO.
//
// It owns the SRTP session of the connection's DTLS-SRTP association and, per audio
// transceiver, a sending stream (Opus encoder, RTP sequence/timestamp, RFC 6464 audio level,
// RFC 4733 DTMF packetizer) and a receiving stream (jitter buffer with loss concealment,
// RFC 4733 receiver, RFC 3550 reception statistics). PeerConnection routes RTP/RTCP (RFC 7983
// first byte 128..191) between it and the selected ICE pair; it never sees SDP: the peer
// hands it the negotiated parameters as plain structs.
//
// Shape (docs/internals/media-contract.md, STYLE.md):
//   commands  configure(), remove(), set_srtp_keys(), send_audio(), receive_audio(), play_dtmf()
//   inputs    handle_packet(now, srtp_or_srtcp), handle_timeout(now)
//   outputs   poll_transmit() (protected packets for the selected pair), poll_event(), poll_timeout()
// After any command or input, drain poll_transmit() and poll_event(), then re-arm poll_timeout().
//
// Rules it keeps:
//   - Nothing leaves before set_srtp_keys(): send_audio() and play_dtmf() before that are
//     counted as dropped (the page keeps capturing while ICE/DTLS connect).
//   - A sending stream's SSRC, sequence numbers and timestamps are continuous across
//     configure() calls that keep the SSRC (renegotiation, replaceTrack); DTMF packets share the
//     audio stream's SSRC and sequence numbers, with their own payload type, and audio frames
//     are not sent while a tone's packets are going out (RFC 4733 2.5.1.2/2.5.1.4).
//   - Received packets are matched to a receiving stream by SSRC (the remote a=ssrc, or one
//     learned before), else by the RFC 8843 mid header extension, else, when exactly one
//     receiving stream is configured, by payload type (and the SSRC is learned). Anything
//     else, and anything SRTP rejects, is dropped and counted.
//   - RTCP: a compound SR (sending) or RR (receive only) with SDES CNAME per stream about once
//     a second (RFC 3550 6.2, browsers' audio cadence) with report blocks for what we receive;
//     received SRs give LSR/DLSR and received RR blocks give round-trip time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/audio/opus_codec.hpp"
#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/crypto/csprng.hpp"
#include "core/dtls/endpoint.hpp"
#include "core/dtls/role.hpp"

namespace polyrtc::media {

// The transceiver id the peer connection and the page use (sdp::TransceiverId).
using TransceiverId = uint32_t;

enum class MediaError {
    kUnknownTransceiver,  // no stream configured for that transceiver
    kNotSending,          // the transceiver has no sending stream
    kNoTelephoneEvent,    // play_dtmf(): telephone-event was not negotiated
    kBadTone,             // play_dtmf(): not one of 0-9 * # A-D (a-d accepted)
    kBadFrame,            // send_audio(): not 960 samples
    kBadKeys,             // set_srtp_keys(): profile or key sizes the SRTP layer refuses
};
const char* to_string(MediaError error);

// What a sending stream needs (from the negotiated local and remote sections).
struct AudioSendConfig {
    std::string mid;
    uint32_t ssrc = 0;  // our a=ssrc
    std::string cname;  // our a=ssrc:<ssrc> cname:
    uint8_t opus_payload_type = 111;
    std::optional<uint8_t> dtmf_payload_type;         // telephone-event, when negotiated
    uint32_t dtmf_clock_rate = 48000;                 // 48000 or 8000: the negotiated telephone-event's rate
    std::optional<uint8_t> audio_level_extension_id;  // urn:ietf:params:rtp-hdrext:ssrc-audio-level
    std::optional<uint8_t> mid_extension_id;          // urn:ietf:params:rtp-hdrext:sdes:mid
};

// What a receiving stream needs.
struct AudioReceiveConfig {
    std::string mid;
    std::vector<uint32_t> remote_ssrcs;  // the remote section's a=ssrc values (may be empty)
    uint8_t opus_payload_type = 111;
    std::vector<uint8_t> dtmf_payload_types;  // telephone-event PTs we accept (any clock rate)
    // Their rtpmap clock rates, in the same order. A PT without one has its rate learned from
    // its packets' timing, which bursts of arrivals in a busy page can fool.
    std::vector<uint32_t> dtmf_clock_rates;
    std::optional<uint8_t> audio_level_extension_id;
    std::optional<uint8_t> mid_extension_id;
};

// A tone the remote side sent (RFC 4733), reported once when it ends.
struct DtmfReceivedEvent {
    TransceiverId transceiver = 0;
    char tone = 0;  // 0-9 * # A-D
    Duration duration;
};
using MediaEvent = std::variant<DtmfReceivedEvent>;

// RTCOutboundRtpStreamStats / RTCInboundRtpStreamStats / RTCAudioSourceStats material.
struct OutboundAudioStats {
    uint32_t ssrc = 0;
    std::string mid;
    uint64_t packets_sent = 0;  // audio and telephone-event
    uint64_t bytes_sent = 0;    // RTP payload bytes
    uint64_t header_bytes_sent = 0;
    uint64_t frames_dropped = 0;  // send_audio() frames not sent (no keys yet, DTMF playing)
    uint64_t dtmf_events_sent = 0;
    double audio_level = 0;         // media-source: linear 0..1 of the last frame
    double total_audio_energy = 0;  // media-source: sum of level^2 * 0.02 s
    double total_samples_duration = 0;
    std::optional<double> round_trip_time;  // seconds, from the remote side's RR (remote-inbound-rtp)
    std::optional<double> remote_fraction_lost;
    std::optional<int64_t> remote_packets_lost;
    std::optional<double> remote_jitter;  // seconds
};
struct InboundAudioStats {
    uint32_t ssrc = 0;  // 0 until the first packet
    std::string mid;
    uint64_t packets_received = 0;
    int64_t packets_lost = 0;  // RFC 3550 A.3 cumulative (may be negative with duplicates)
    uint64_t bytes_received = 0;
    uint64_t header_bytes_received = 0;
    double jitter = 0;  // seconds, RFC 3550 A.8
    uint64_t total_samples_received = 0;
    uint64_t concealed_samples = 0;
    uint64_t silent_concealed_samples = 0;
    double audio_level = 0;  // linear 0..1 of the last played frame
    double total_audio_energy = 0;
    double total_samples_duration = 0;
    uint64_t dtmf_events_received = 0;
    std::optional<Timestamp> last_packet_received;
};

class MediaSession {
public:
    // `rng` draws the first sequence numbers and timestamps of each sending stream.
    explicit MediaSession(crypto::Csprng rng);
    ~MediaSession();
    MediaSession(MediaSession&&) noexcept;
    MediaSession& operator=(MediaSession&&) noexcept;

    // (Re)configures a transceiver's streams: nullopt removes that direction. Keeps a
    // sending stream's state when its SSRC is unchanged, a receiving stream's jitter buffer
    // when its mid is unchanged.
    Status<MediaError> configure(TransceiverId id, const std::optional<AudioSendConfig>& send,
                                 const std::optional<AudioReceiveConfig>& receive);
    void remove(TransceiverId id);
    // Keys from the DTLS handshake (dtls::Connected). Until then nothing is sent or accepted.
    Status<MediaError> set_srtp_keys(const dtls::SrtpKeyingMaterial& keys, dtls::DtlsRole local_role);
    bool has_keys() const;

    // One 20 ms frame (960 samples, 48 kHz mono) captured at `now`: encoded and sent, or
    // dropped (counted) when there are no keys yet or a tone is on the wire.
    Status<MediaError> send_audio(Timestamp now, TransceiverId id, const audio::Samples& frame);
    // The next 20 ms for playback (concealment or silence when nothing arrived); an unknown
    // or non-receiving transceiver gets silence.
    audio::Samples receive_audio(Timestamp now, TransceiverId id);
    // True when the transceiver sends and telephone-event was negotiated.
    bool can_insert_dtmf(TransceiverId id) const;
    // Puts one RFC 4733 event on the wire (media-contract.md's playDtmfTone).
    Status<MediaError> play_dtmf(Timestamp now, TransceiverId id, char tone, Duration duration);

    // One SRTP or SRTCP packet from the selected pair.
    void handle_packet(Timestamp now, ByteView packet);
    void handle_timeout(Timestamp now);

    std::optional<Bytes> poll_transmit();
    std::optional<MediaEvent> poll_event();
    std::optional<Timestamp> poll_timeout() const;

    std::optional<OutboundAudioStats> outbound_stats(TransceiverId id) const;
    std::optional<InboundAudioStats> inbound_stats(TransceiverId id) const;
    uint64_t dropped_packets() const;  // unmatched, unauthenticated, malformed, replayed

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace polyrtc::media
