#include "core/dtmf/telephone_event.hpp"

namespace polyrtc::dtmf {

const char* to_string(DtmfError error) {
    switch (error) {
        case DtmfError::kTruncated: return "telephone-event payload shorter than 4 bytes";
        case DtmfError::kBadTone: return "not a DTMF tone";
        case DtmfError::kBadDuration: return "tone duration must be positive";
        case DtmfError::kBadClockRate: return "telephone-event clock rate must be 8000 or 48000";
        case DtmfError::kBadPtime: return "bad telephone-event packet interval";
        case DtmfError::kBadVolume: return "volume must be 0..63";
    }
    return "unknown DTMF error";
}

Result<TelephoneEvent, DtmfError> parse_telephone_event(ByteView payload) {
    ByteReader r(payload);
    auto event = r.read_u8();
    auto flags = r.read_u8();
    auto duration = r.read_u16();
    if (!duration) return unexpected(DtmfError::kTruncated);
    TelephoneEvent e;
    e.event = *event;
    e.end = (*flags & 0x80) != 0;
    e.volume = *flags & 0x3F;  // R (0x40) ignored
    e.duration = *duration;
    return e;
}

Bytes serialize_telephone_event(const TelephoneEvent& event) {
    ByteWriter w;
    w.write_u8(event.event);
    w.write_u8(static_cast<uint8_t>((event.end ? 0x80 : 0) | (event.volume & 0x3F)));
    w.write_u16(event.duration);
    return w.take();
}

std::optional<uint8_t> tone_to_event(char tone) {
    if (tone >= '0' && tone <= '9') return static_cast<uint8_t>(tone - '0');
    if (tone == '*') return 10;
    if (tone == '#') return 11;
    if (tone >= 'A' && tone <= 'D') return static_cast<uint8_t>(12 + tone - 'A');
    if (tone >= 'a' && tone <= 'd') return static_cast<uint8_t>(12 + tone - 'a');
    return std::nullopt;
}

std::optional<char> event_to_tone(uint8_t event) {
    static constexpr char kTones[] = "0123456789*#ABCD";
    if (event > 15) return std::nullopt;
    return kTones[event];
}

}  // namespace polyrtc::dtmf
