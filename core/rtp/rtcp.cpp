#include "core/rtp/rtcp.hpp"

namespace polyrtc::rtp {

const char* to_string(RtcpError error) {
    switch (error) {
        case RtcpError::kTruncated: return "truncated RTCP packet";
        case RtcpError::kBadVersion: return "RTCP version is not 2";
        case RtcpError::kBadPadding: return "bad RTCP padding";
        case RtcpError::kBadLength: return "RTCP length does not fit its contents";
        case RtcpError::kEmpty: return "empty RTCP datagram";
        case RtcpError::kTooLarge: return "RTCP packet too large to encode";
    }
    return "unknown RTCP error";
}

bool ReportBlock::operator==(const ReportBlock& o) const {
    return ssrc == o.ssrc && fraction_lost == o.fraction_lost && cumulative_lost == o.cumulative_lost &&
           extended_highest_sequence == o.extended_highest_sequence && jitter == o.jitter && last_sr == o.last_sr &&
           delay_since_last_sr == o.delay_since_last_sr;
}

namespace {

constexpr size_t kReportBlockSize = 24;
constexpr uint8_t kSdesEnd = 0;
constexpr uint8_t kSdesCname = 1;

Result<std::vector<ReportBlock>, RtcpError> read_report_blocks(ByteReader& r, size_t count) {
    std::vector<ReportBlock> out;
    if (r.remaining() < count * kReportBlockSize) return unexpected(RtcpError::kBadLength);
    for (size_t i = 0; i < count; ++i) {
        ReportBlock b;
        b.ssrc = *r.read_u32();
        uint32_t lost = *r.read_u32();
        b.fraction_lost = static_cast<uint8_t>(lost >> 24);
        // Sign-extend the 24-bit cumulative number of packets lost.
        uint32_t cumulative = lost & 0xFFFFFF;
        b.cumulative_lost =
            (cumulative & 0x800000) ? static_cast<int32_t>(cumulative) - 0x1000000 : static_cast<int32_t>(cumulative);
        b.extended_highest_sequence = *r.read_u32();
        b.jitter = *r.read_u32();
        b.last_sr = *r.read_u32();
        b.delay_since_last_sr = *r.read_u32();
        out.push_back(b);
    }
    return out;
}

void write_report_blocks(ByteWriter& w, const std::vector<ReportBlock>& blocks) {
    for (const auto& b : blocks) {
        w.write_u32(b.ssrc);
        w.write_u32((uint32_t{b.fraction_lost} << 24) | (static_cast<uint32_t>(b.cumulative_lost) & 0xFFFFFF));
        w.write_u32(b.extended_highest_sequence);
        w.write_u32(b.jitter);
        w.write_u32(b.last_sr);
        w.write_u32(b.delay_since_last_sr);
    }
}

// RFC 3550 6.5: each chunk is an SSRC followed by items, ended by a null octet and padded
// with null octets to the next 32-bit boundary.
Result<Sdes, RtcpError> parse_sdes(ByteView body, size_t count) {
    ByteReader r(body);
    Sdes sdes;
    for (size_t i = 0; i < count; ++i) {
        auto ssrc = r.read_u32();
        if (!ssrc) return unexpected(RtcpError::kBadLength);
        SdesChunk chunk{*ssrc, {}};
        for (;;) {
            auto type = r.read_u8();
            if (!type) return unexpected(RtcpError::kBadLength);
            if (*type == kSdesEnd) break;
            auto length = r.read_u8();
            if (!length) return unexpected(RtcpError::kBadLength);
            auto text = r.read_bytes(*length);
            if (!text) return unexpected(RtcpError::kBadLength);
            if (*type == kSdesCname) chunk.cname.assign(text->begin(), text->end());
        }
        // Skip the null padding up to the boundary (the chunk began at a boundary).
        while (r.position() % 4 != 0) {
            auto pad = r.read_u8();
            if (!pad) return unexpected(RtcpError::kBadLength);
            if (*pad != 0) return unexpected(RtcpError::kBadLength);
        }
        sdes.chunks.push_back(std::move(chunk));
    }
    return sdes;
}

Result<RtcpPacket, RtcpError> parse_one(uint8_t type, uint8_t count, ByteView body) {
    ByteReader r(body);
    switch (type) {
        case kRtcpSr: {
            SenderReport sr;
            if (r.remaining() < 24) return unexpected(RtcpError::kBadLength);
            sr.ssrc = *r.read_u32();
            sr.ntp_timestamp = *r.read_u64();
            sr.rtp_timestamp = *r.read_u32();
            sr.packet_count = *r.read_u32();
            sr.octet_count = *r.read_u32();
            auto blocks = read_report_blocks(r, count);
            if (!blocks) return unexpected(blocks.error());
            sr.reports = std::move(*blocks);
            // Anything after the blocks is a profile-specific extension (6.4.1); ignored.
            return RtcpPacket{std::move(sr)};
        }
        case kRtcpRr: {
            ReceiverReport rr;
            auto ssrc = r.read_u32();
            if (!ssrc) return unexpected(RtcpError::kBadLength);
            rr.ssrc = *ssrc;
            auto blocks = read_report_blocks(r, count);
            if (!blocks) return unexpected(blocks.error());
            rr.reports = std::move(*blocks);
            return RtcpPacket{std::move(rr)};
        }
        case kRtcpSdes: {
            auto sdes = parse_sdes(body, count);
            if (!sdes) return unexpected(sdes.error());
            return RtcpPacket{std::move(*sdes)};
        }
        case kRtcpBye: {
            // RFC 3550 6.6: SC SSRCs, then an optional length-prefixed reason.
            Bye bye;
            for (size_t i = 0; i < count; ++i) {
                auto ssrc = r.read_u32();
                if (!ssrc) return unexpected(RtcpError::kBadLength);
                bye.ssrcs.push_back(*ssrc);
            }
            if (!r.empty()) {
                uint8_t length = *r.read_u8();
                auto text = r.read_bytes(length);
                if (!text) return unexpected(RtcpError::kBadLength);
                bye.reason.assign(text->begin(), text->end());
            }
            return RtcpPacket{std::move(bye)};
        }
        default: return RtcpPacket{UnknownRtcp{type, count, body.to_bytes()}};
    }
}

}  // namespace

Result<std::vector<RtcpPacket>, RtcpError> parse_rtcp_compound(ByteView datagram) {
    if (datagram.empty()) return unexpected(RtcpError::kEmpty);
    std::vector<RtcpPacket> packets;
    ByteReader r(datagram);
    while (!r.empty()) {
        auto b0 = r.read_u8();
        auto type = r.read_u8();
        auto words = r.read_u16();
        if (!words) return unexpected(RtcpError::kTruncated);
        if ((*b0 >> 6) != 2) return unexpected(RtcpError::kBadVersion);
        auto body = r.read_bytes(size_t{*words} * 4);
        if (!body) return unexpected(RtcpError::kTruncated);
        ByteView content = *body;
        if (*b0 & 0x20) {
            // RFC 3550 6.4.1: padding "should only be required on the last individual packet".
            if (!r.empty() || content.empty()) return unexpected(RtcpError::kBadPadding);
            uint8_t pad = content[content.size() - 1];
            if (pad == 0 || pad > content.size()) return unexpected(RtcpError::kBadPadding);
            content = content.subview(0, content.size() - pad);
        }
        auto packet = parse_one(*type, *b0 & 0x1F, content);
        if (!packet) return unexpected(packet.error());
        packets.push_back(std::move(*packet));
    }
    return packets;
}

namespace {

Status<RtcpError> write_packet(ByteWriter& out, uint8_t type, size_t count, const Bytes& body) {
    if (count > 31 || body.size() % 4 != 0 || body.size() / 4 > 0xFFFF) return unexpected(RtcpError::kTooLarge);
    out.write_u8(static_cast<uint8_t>(0x80 | count));
    out.write_u8(type);
    out.write_u16(static_cast<uint16_t>(body.size() / 4));
    out.write_bytes(body);
    return {};
}

struct Serializer {
    ByteWriter& out;
    Status<RtcpError> operator()(const SenderReport& sr) {
        ByteWriter w;
        w.write_u32(sr.ssrc);
        w.write_u64(sr.ntp_timestamp);
        w.write_u32(sr.rtp_timestamp);
        w.write_u32(sr.packet_count);
        w.write_u32(sr.octet_count);
        write_report_blocks(w, sr.reports);
        return write_packet(out, kRtcpSr, sr.reports.size(), w.bytes());
    }
    Status<RtcpError> operator()(const ReceiverReport& rr) {
        ByteWriter w;
        w.write_u32(rr.ssrc);
        write_report_blocks(w, rr.reports);
        return write_packet(out, kRtcpRr, rr.reports.size(), w.bytes());
    }
    Status<RtcpError> operator()(const Sdes& sdes) {
        ByteWriter w;
        for (const auto& chunk : sdes.chunks) {
            if (chunk.cname.size() > 255) return unexpected(RtcpError::kTooLarge);
            size_t start = w.size();
            w.write_u32(chunk.ssrc);
            w.write_u8(kSdesCname);
            w.write_u8(static_cast<uint8_t>(chunk.cname.size()));
            w.write_string(chunk.cname);
            // The end item, then null octets to the boundary (at least one null: 6.5).
            w.write_u8(kSdesEnd);
            while ((w.size() - start) % 4 != 0) w.write_u8(0);
        }
        return write_packet(out, kRtcpSdes, sdes.chunks.size(), w.bytes());
    }
    Status<RtcpError> operator()(const Bye& bye) {
        ByteWriter w;
        for (uint32_t ssrc : bye.ssrcs) w.write_u32(ssrc);
        if (!bye.reason.empty()) {
            if (bye.reason.size() > 255) return unexpected(RtcpError::kTooLarge);
            w.write_u8(static_cast<uint8_t>(bye.reason.size()));
            w.write_string(bye.reason);
            while (w.size() % 4 != 0) w.write_u8(0);
        }
        return write_packet(out, kRtcpBye, bye.ssrcs.size(), w.bytes());
    }
    Status<RtcpError> operator()(const UnknownRtcp& p) { return write_packet(out, p.packet_type, p.count, p.body); }
};

}  // namespace

Result<Bytes, RtcpError> serialize_rtcp_compound(const std::vector<RtcpPacket>& packets) {
    ByteWriter out;
    for (const auto& p : packets) {
        auto st = std::visit(Serializer{out}, p);
        if (!st) return unexpected(st.error());
    }
    return out.take();
}

}  // namespace polyrtc::rtp
