// TURN ChannelData messages (RFC 8656 section 12.4) and stream framing (section 12.5).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Channel Number        |            Length             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   /                       Application Data                        /
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Over TCP/TLS the message is padded to a multiple of 4 bytes; over UDP padding is optional.
#pragma once

#include <cstdint>
#include <optional>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/stun/attributes.hpp"

namespace polyrtc::stun {

constexpr uint16_t kMinChannelNumber = 0x4000;
constexpr uint16_t kMaxChannelNumber = 0x4FFF;
constexpr size_t kChannelDataHeaderSize = 4;
inline bool is_valid_channel_number(uint16_t channel) {
    return channel >= kMinChannelNumber && channel <= kMaxChannelNumber;
}

struct ChannelData {
    uint16_t channel_number = 0;
    Bytes data;

    // One ChannelData message. Bytes after Length (padding, or UDP trailing bytes) are
    // ignored. kBadChannelNumber outside 0x4000..0x4FFF ("the channel number MUST be in the
    // range 0x4000 through 0x4FFF"), kTruncatedChannelData if Length runs past the end.
    static Result<ChannelData, StunError> parse(ByteView bytes);

    // Header + data, padded with zeros to a multiple of 4 if `pad` (TCP/TLS).
    // Data over 65535 bytes cannot be encoded: the result is then empty.
    Bytes serialize(bool pad = false) const;
};
// Same without building a ChannelData value.
Bytes serialize_channel_data(uint16_t channel_number, ByteView data, bool pad = false);

// Splits a TCP/TLS byte stream into whole STUN messages and ChannelData messages
// (RFC 8656 section 12.5: the first two bits tell them apart, 0b00 STUN, 0b01 ChannelData).
// A STUN frame must carry the magic cookie (RFC 8489 section 6.2.2 frames only
// RFC 5389/8489 STUN, never classic RFC 3489 STUN, over TCP here).
// Each frame returned is exactly one message: a STUN message of 20 + Length bytes, or a
// ChannelData message of 4 + Length bytes rounded up to 4 (the padding is part of the frame).
//
// Anything else desynchronizes the stream for good (there is no way to find the next
// message boundary): next() then returns kStreamDesync forever and the caller closes the
// connection.
class StreamFramer {
public:
    // `max_buffered` bounds memory: a peer that announces nothing but partial frames
    // cannot make the framer hold more than this (a full STUN message is at most 65555 B).
    explicit StreamFramer(size_t max_buffered = 65536 + 1024) : max_buffered_(max_buffered) {}

    // Appends received bytes. Returns false (and keeps nothing) if that would exceed the
    // limit; the stream is then desynchronized.
    bool push(ByteView bytes);

    // The next complete frame, nullopt when more bytes are needed, or kStreamDesync.
    Result<std::optional<Bytes>, StunError> next();

    size_t buffered() const { return buffer_.size() - read_pos_; }
    // How many bytes the next push() may carry. A reader sizes its reads by this: once the
    // complete frames are drained at most one partial frame (< 65556 B) is held, so the
    // room is never below 1 KiB and a read of that size always makes progress.
    size_t room() const { return desync_ ? 0 : max_buffered_ - buffered(); }
    bool desynchronized() const { return desync_; }

private:
    Bytes buffer_;
    size_t read_pos_ = 0;
    size_t max_buffered_;
    bool desync_ = false;
};

}  // namespace polyrtc::stun
