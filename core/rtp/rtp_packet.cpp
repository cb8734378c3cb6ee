#include "core/rtp/rtp_packet.hpp"

namespace polyrtc::rtp {

const char* to_string(RtpError error) {
    switch (error) {
        case RtpError::kTruncated: return "truncated RTP packet";
        case RtpError::kBadVersion: return "RTP version is not 2";
        case RtpError::kBadPadding: return "bad RTP padding";
        case RtpError::kBadExtension: return "malformed RTP header extension";
        case RtpError::kTooManyExtensions: return "header extension element cannot be encoded";
        case RtpError::kTooManyCsrcs: return "more than 15 CSRCs";
    }
    return "unknown RTP error";
}

const HeaderExtension* RtpHeader::find_extension(uint8_t id) const {
    for (const auto& e : extensions) {
        if (e.id == id) return &e;
    }
    return nullptr;
}

namespace {

// RFC 8285 section 4.2, one-byte form: "ID (4 bits) L (4 bits)", L is length - 1. "The
// local identifier value 15 is reserved for a future extension and MUST NOT be used as an
// identifier. If the ID value 15 is encountered, its length field should be ignored,
// processing of the entire extension should terminate at that point". ID 0 is a padding
// byte.
//
// Section 4.3, two-byte form: an ID byte and a length byte; ID 0 is a padding byte.
Status<RtpError> parse_rfc8285(ByteView block, bool two_byte, std::vector<HeaderExtension>& out) {
    ByteReader r(block);
    while (!r.empty()) {
        uint8_t first = *r.read_u8();
        if (first == 0) continue;  // padding
        uint8_t id = 0;
        size_t length = 0;
        if (two_byte) {
            auto len = r.read_u8();
            if (!len) return unexpected(RtpError::kBadExtension);
            id = first;
            length = *len;
        } else {
            id = first >> 4;
            if (id == 15) break;
            length = size_t{first & 0x0Fu} + 1;
        }
        auto value = r.read_bytes(length);
        if (!value) return unexpected(RtpError::kBadExtension);
        // "The local identifier value 0 is reserved for padding and MUST NOT be used as a
        // local identifier": a one-byte element with ID 0 and a length is skipped.
        if (id == 0) continue;
        out.push_back(HeaderExtension{id, value->to_bytes()});
    }
    return {};
}

}  // namespace

Result<RtpPacketView, RtpError> parse_rtp(ByteView packet) {
    auto view = parse_rtp_header(packet);
    if (!view) return view;
    bool has_padding = (packet[0] & 0x20) != 0;
    size_t body = view->payload.size();
    if (has_padding) {
        // The count includes itself, so 0 is malformed; it may not reach into the header.
        uint8_t count = packet[packet.size() - 1];
        if (body == 0 || count == 0 || count > body) return unexpected(RtpError::kBadPadding);
        view->padding = count;
        view->payload = packet.subview(view->header_size, body - count);
    }
    return view;
}

Result<RtpPacketView, RtpError> parse_rtp_header(ByteView packet) {
    ByteReader r(packet);
    auto b0 = r.read_u8();
    auto b1 = r.read_u8();
    auto seq = r.read_u16();
    auto ts = r.read_u32();
    auto ssrc = r.read_u32();
    if (!ssrc) return unexpected(RtpError::kTruncated);
    if ((*b0 >> 6) != 2) return unexpected(RtpError::kBadVersion);
    bool has_extension = (*b0 & 0x10) != 0;
    size_t csrc_count = *b0 & 0x0F;

    RtpPacketView view;
    RtpHeader& h = view.header;
    h.marker = (*b1 & 0x80) != 0;
    h.payload_type = *b1 & 0x7F;
    h.sequence_number = *seq;
    h.timestamp = *ts;
    h.ssrc = *ssrc;
    for (size_t i = 0; i < csrc_count; ++i) {
        auto csrc = r.read_u32();
        if (!csrc) return unexpected(RtpError::kTruncated);
        h.csrcs.push_back(*csrc);
    }
    if (has_extension) {
        // RFC 3550 5.3.1: a 16-bit profile field and "a 16-bit length field that counts the
        // number of 32-bit words in the extension, excluding the four-octet extension header".
        auto profile = r.read_u16();
        auto words = r.read_u16();
        if (!words) return unexpected(RtpError::kTruncated);
        auto block = r.read_bytes(size_t{*words} * 4);
        if (!block) return unexpected(RtpError::kTruncated);
        h.extension_profile = *profile;
        if (*profile == kOneByteExtensionProfile || (*profile & 0xFFF0) == kTwoByteExtensionProfile) {
            auto st = parse_rfc8285(*block, *profile != kOneByteExtensionProfile, h.extensions);
            if (!st) return unexpected(st.error());
        } else {
            h.raw_extension = block->to_bytes();
        }
    }
    view.header_size = r.position();
    view.payload = r.rest();
    return view;
}

Result<Bytes, RtpError> serialize_rtp(const RtpHeader& header, ByteView payload, uint8_t padding) {
    if (header.csrcs.size() > 15) return unexpected(RtpError::kTooManyCsrcs);
    bool one_byte = true;
    for (const auto& e : header.extensions) {
        if (e.id == 0) return unexpected(RtpError::kTooManyExtensions);
        if (e.value.size() > 255) return unexpected(RtpError::kTooManyExtensions);
        if (e.id > 14 || e.value.empty() || e.value.size() > 16) one_byte = false;
    }
    bool has_extension = !header.extensions.empty() || header.extension_profile.has_value();

    ByteWriter w;
    w.write_u8(static_cast<uint8_t>(0x80 | (padding ? 0x20 : 0) | (has_extension ? 0x10 : 0) | header.csrcs.size()));
    w.write_u8(static_cast<uint8_t>((header.marker ? 0x80 : 0) | (header.payload_type & 0x7F)));
    w.write_u16(header.sequence_number);
    w.write_u32(header.timestamp);
    w.write_u32(header.ssrc);
    for (uint32_t csrc : header.csrcs) w.write_u32(csrc);
    if (has_extension) {
        Bytes block;
        uint16_t profile = 0;
        if (!header.extensions.empty()) {
            profile = one_byte ? kOneByteExtensionProfile : kTwoByteExtensionProfile;
            ByteWriter b;
            for (const auto& e : header.extensions) {
                if (one_byte) {
                    b.write_u8(static_cast<uint8_t>((e.id << 4) | (e.value.size() - 1)));
                } else {
                    b.write_u8(e.id);
                    b.write_u8(static_cast<uint8_t>(e.value.size()));
                }
                b.write_bytes(e.value);
            }
            block = b.take();
        } else {
            profile = *header.extension_profile;
            block = header.raw_extension;
        }
        // The block is a whole number of 32-bit words; RFC 8285 pads with zero bytes.
        block.resize((block.size() + 3) / 4 * 4, 0);
        if (block.size() / 4 > 0xFFFF) return unexpected(RtpError::kTooManyExtensions);
        w.write_u16(profile);
        w.write_u16(static_cast<uint16_t>(block.size() / 4));
        w.write_bytes(block);
    }
    w.write_bytes(payload);
    if (padding) {
        w.write_zeros(padding - 1u);
        w.write_u8(padding);
    }
    return w.take();
}

}  // namespace polyrtc::rtp
