// Sans-IO RFC 4733 receiver: turns telephone-event packets, with duplicates, loss and
// reordering, into one (tone, duration) per event.
//
//   - Packets of one event share a timestamp; the longest duration seen wins, since updates
//     can arrive out of order.
//   - The event is reported when its first end packet arrives; the two retransmissions and
//     any late update are recognised by timestamp and dropped (2.5.2.2's duplicates).
//   - Long events (2.5.2.3): a packet for the same event code, without the marker, whose
//     timestamp follows the current segment by at most 0xFFFF units continues the event; the
//     reported duration adds the segments up.
//   - If all end packets are lost: the event is reported with the last duration seen when
//     `end_timeout` passes with no packet for it, or at once when a new event starts.
//
// Poll order: handle_packet / handle_timeout, then poll_event() until nullopt, then
// poll_timeout().
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/dtmf/telephone_event.hpp"

namespace polyrtc::dtmf {

struct DtmfReceiverConfig {
    uint32_t clock_rate = 8000;
    // No packet for this long ends the event (RFC 4733 leaves the value to the receiver; a
    // few packet intervals longer than the longest loss burst worth riding out).
    Duration end_timeout = Duration::millis(400);
};

struct ReceivedTone {
    char tone = 0;
    Duration duration;
    uint32_t rtp_timestamp = 0;  // of the event's first segment
    bool end_seen = false;       // false: ended by timeout or by the next event
};

class DtmfReceiver {
public:
    static Result<DtmfReceiver, DtmfError> create(DtmfReceiverConfig config);

    // One received telephone-event packet: its RTP timestamp and marker, and the payload.
    // Malformed payloads and non-DTMF event codes are dropped (counted).
    void handle_packet(Timestamp now, uint32_t rtp_timestamp, bool marker, ByteView payload);
    void handle_timeout(Timestamp now);

    std::optional<ReceivedTone> poll_event();
    std::optional<Timestamp> poll_timeout() const;

    uint64_t dropped_packets() const { return dropped_; }
    uint64_t duplicate_packets() const { return duplicates_; }

private:
    explicit DtmfReceiver(DtmfReceiverConfig config) : config_(config) {}
    void finish(bool end_seen);

    struct Active {
        uint8_t event = 0;
        uint32_t first_timestamp = 0;
        uint32_t segment_timestamp = 0;
        uint64_t previous_segments = 0;  // units in the segments before this one
        uint16_t duration = 0;           // in the current segment
        Timestamp last_packet;
    };

    DtmfReceiverConfig config_;
    std::optional<Active> active_;
    // The last segment timestamp of the most recent finished event: anything at or before
    // it is a duplicate or a late packet of something already reported.
    std::optional<uint32_t> finished_up_to_;
    std::deque<ReceivedTone> events_;
    uint64_t dropped_ = 0;
    uint64_t duplicates_ = 0;
};

}  // namespace polyrtc::dtmf
