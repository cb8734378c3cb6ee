// RFC 4733 telephone-event payload (section 2.3) and the DTMF event codes (section 3.2).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     event     |E|R| volume    |          duration             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// duration is in RTP timestamp units from the event's (or segment's) timestamp. volume is
// the power level in -dBm0 (0..63). "R: This field is reserved for future use. The sender
// MUST set it to zero, and the receiver MUST ignore it."
#pragma once

#include <cstdint>
#include <optional>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"

namespace polyrtc::dtmf {

enum class DtmfError {
    kTruncated,     // fewer than 4 payload bytes
    kBadTone,       // not one of 0-9 * # A-D
    kBadDuration,   // zero or negative tone duration
    kBadClockRate,  // not 8000 or 48000
    kBadPtime,      // packet interval not in 10..100 ms or not a whole number of units
    kBadVolume,     // over 63
};
const char* to_string(DtmfError error);

inline constexpr size_t kTelephoneEventSize = 4;
inline constexpr uint16_t kMaxDuration = 0xFFFF;

struct TelephoneEvent {
    uint8_t event = 0;  // 0..15 for DTMF
    bool end = false;
    uint8_t volume = 0;  // 6 bits
    uint16_t duration = 0;
    bool operator==(const TelephoneEvent& o) const {
        return event == o.event && end == o.end && volume == o.volume && duration == o.duration;
    }
};

// Reads the first event of the payload. Further 4-byte blocks would be simultaneous events
// (2.5.1.5), which DTMF never uses; they are ignored.
Result<TelephoneEvent, DtmfError> parse_telephone_event(ByteView payload);
Bytes serialize_telephone_event(const TelephoneEvent& event);

// RFC 4733 3.2, table 7: '0'..'9' -> 0..9, '*' -> 10, '#' -> 11, 'A'..'D' -> 12..15
// (lower case accepted, as RTCDTMFSender does).
std::optional<uint8_t> tone_to_event(char tone);
std::optional<char> event_to_tone(uint8_t event);  // upper-case A-D

}  // namespace polyrtc::dtmf
