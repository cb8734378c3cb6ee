#include "core/stun/channel_data.hpp"

namespace polyrtc::stun {

// RFC 8656 section 12.4. "The Length field specifies the length in bytes of the application
// data field (i.e., it does not include the size of the ChannelData header)." Section 12.5:
// "Over UDP, the padding is not required but MAY be included" -- so bytes beyond Length are
// ignored.
Result<ChannelData, StunError> ChannelData::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto channel = r.read_u16();
    auto length = r.read_u16();
    if (!channel || !length) return unexpected(StunError::kTooShort);
    if (!is_valid_channel_number(*channel)) return unexpected(StunError::kBadChannelNumber);
    auto data = r.read_bytes(*length);
    if (!data) return unexpected(StunError::kTruncatedChannelData);
    return ChannelData{*channel, data->to_bytes()};
}

Bytes serialize_channel_data(uint16_t channel_number, ByteView data, bool pad) {
    if (data.size() > 0xFFFF) return Bytes{};
    ByteWriter w;
    w.write_u16(channel_number);
    w.write_u16(static_cast<uint16_t>(data.size()));
    w.write_bytes(data);
    // Section 12.5: "over TCP and TLS-over-TCP, the ChannelData message MUST be padded to a
    // multiple of four bytes".
    if (pad) w.write_zeros((4 - data.size() % 4) % 4);
    return w.take();
}

Bytes ChannelData::serialize(bool pad) const {
    return serialize_channel_data(channel_number, data, pad);
}

bool StreamFramer::push(ByteView bytes) {
    if (desync_) return false;
    // Compact before growing.
    if (read_pos_ > 0 && read_pos_ == buffer_.size()) {
        buffer_.clear();
        read_pos_ = 0;
    }
    if (buffered() + bytes.size() > max_buffered_) {
        desync_ = true;
        buffer_.clear();
        read_pos_ = 0;
        return false;
    }
    if (read_pos_ > 0) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_pos_));
        read_pos_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    return true;
}

// RFC 8656 section 12.5 / RFC 8489 section 6.2.2: over a stream, STUN messages are
// self-delimiting by their Length field; ChannelData messages are delimited by Length
// rounded up to a multiple of 4.
Result<std::optional<Bytes>, StunError> StreamFramer::next() {
    if (desync_) return unexpected(StunError::kStreamDesync);
    ByteView rest = ByteView(buffer_).subview(read_pos_);
    if (rest.size() < 4) return std::optional<Bytes>();
    uint8_t top = rest[0] >> 6;
    uint16_t length = static_cast<uint16_t>((rest[2] << 8) | rest[3]);
    size_t frame_size = 0;
    if (top == 0) {
        if (rest.size() < 8) return std::optional<Bytes>();
        uint32_t cookie = (uint32_t{rest[4]} << 24) | (uint32_t{rest[5]} << 16) | (uint32_t{rest[6]} << 8) | rest[7];
        if (length % 4 != 0 || cookie != kMagicCookie) {
            desync_ = true;
            return unexpected(StunError::kStreamDesync);
        }
        frame_size = kHeaderSize + length;
    } else if (top == 1) {
        uint16_t channel = static_cast<uint16_t>((rest[0] << 8) | rest[1]);
        if (!is_valid_channel_number(channel)) {
            desync_ = true;
            return unexpected(StunError::kStreamDesync);
        }
        frame_size = kChannelDataHeaderSize + ((length + 3u) & ~3u);
    } else {
        desync_ = true;
        return unexpected(StunError::kStreamDesync);
    }
    if (rest.size() < frame_size) return std::optional<Bytes>();
    Bytes frame = rest.subview(0, frame_size).to_bytes();
    read_pos_ += frame_size;
    return std::optional<Bytes>(std::move(frame));
}

}  // namespace polyrtc::stun
