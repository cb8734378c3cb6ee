// Sans-IO RFC 4733 packetizer for one tone at a time (the page's RTCDTMFSender schedules the
// tone buffer, gaps and events; the core only puts a tone on the wire).
//
// For a tone started at `now` with RTP timestamp T (the timestamp the audio would have had):
//   - every packet carries timestamp T (2.5.1.2: "the RTP timestamp ... the same for all
//     packets of an event"); the first has the marker bit (2.5.1.1);
//   - one update per packet interval (ptime), at start + k * ptime, with the duration so far;
//   - the final packet has E set and the full duration and is sent three times, one ptime
//     apart, with the same duration and timestamp (2.5.1.4);
//   - while the event lasts (until the third end packet), audio must not be sent:
//     `suppresses_audio()` says so; the audio clock keeps running underneath.
//   - Long events (2.5.1.3): the duration field holds at most 0xFFFF units (1.37 s at 48 kHz,
//     8.2 s at 8 kHz). When a segment reaches that, a packet with duration 0xFFFF and no E bit
//     closes it and the event continues as a new segment with timestamp T + 0xFFFF, no marker.
//
// Poll order: `poll_packet(now)` until nullopt, then `poll_timeout()` for the next wake-up.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/dtmf/telephone_event.hpp"

namespace polyrtc::dtmf {

struct DtmfSenderConfig {
    uint32_t clock_rate = 8000;             // the telephone-event rtpmap rate: 8000 or 48000
    Duration ptime = Duration::millis(20);  // update interval
    uint8_t volume = 10;                    // -10 dBm0, what browsers send
};

// What the RTP layer sends: it adds the sequence number, SSRC and payload type.
struct DtmfPacket {
    uint32_t rtp_timestamp = 0;
    bool marker = false;
    TelephoneEvent event;
    Bytes payload() const { return serialize_telephone_event(event); }
};

class DtmfSender {
public:
    static Result<DtmfSender, DtmfError> create(DtmfSenderConfig config);

    // Starts `tone` (0-9 * # A-D) lasting `duration`. `rtp_timestamp` is the audio stream's
    // timestamp at `now`. A tone still on the wire is cut there: its end packet (with the
    // duration reached) and the retransmissions go out at once, before the new tone's first
    // packet. (The page schedules tones duration + interToneGap apart, but a late timer can
    // start one before the previous one's end retransmissions are done.)
    Status<DtmfError> play(Timestamp now, char tone, Duration duration, uint32_t rtp_timestamp);

    // The next packet due at or before `now`, oldest first.
    std::optional<DtmfPacket> poll_packet(Timestamp now);
    // When the next packet is due; nullopt when idle.
    std::optional<Timestamp> poll_timeout() const;

    bool is_playing() const { return active_; }
    // True from play() until the last end packet went out: audio frames are not sent.
    bool suppresses_audio() const { return active_ || !flushed_.empty(); }

private:
    explicit DtmfSender(DtmfSenderConfig config, uint32_t ptime_units) : config_(config), ptime_units_(ptime_units) {}

    DtmfSenderConfig config_;
    uint32_t ptime_units_ = 0;

    bool active_ = false;
    uint8_t event_ = 0;
    Timestamp start_;
    uint64_t total_units_ = 0;
    uint32_t segment_timestamp_ = 0;
    uint64_t segment_start_units_ = 0;  // units before the current segment
    bool first_packet_ = true;
    uint32_t tick_ = 0;  // packets due at start + tick * ptime
    int end_sent_ = 0;
    std::deque<DtmfPacket> flushed_;  // a cut tone's end packets, sent before anything else

    void cut(Timestamp now);
};

}  // namespace polyrtc::dtmf
