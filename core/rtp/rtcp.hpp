// RTCP compound packets (RFC 3550 section 6): SR, RR, SDES, BYE; anything else is kept raw.
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|    RC   |   PT=SR=200   |             length            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         SSRC of sender                        |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |   NTP timestamp (64) | RTP timestamp | packet count | octet count   (SR only)
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |                 report block 1 .. RC (24 bytes each)          |
//
// "length: 16 bits. The length of this RTCP packet in 32-bit words minus one, including the
// header and any padding." A compound packet is several of these back to back in one
// datagram (section 6.1); only the last may carry padding.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"

namespace polyrtc::rtp {

enum class RtcpError {
    kTruncated,   // a header, length or body runs past the datagram
    kBadVersion,  // V != 2
    kBadPadding,  // padding on a packet that is not the last, or a bad count
    kBadLength,   // the body does not fit the count (e.g. RC report blocks)
    kEmpty,       // no packet at all
    kTooLarge,    // serialize: more than 31 items or a packet over 2^16 words
};
const char* to_string(RtcpError error);

enum RtcpPacketType : uint8_t {
    kRtcpSr = 200,
    kRtcpRr = 201,
    kRtcpSdes = 202,
    kRtcpBye = 203,
    kRtcpApp = 204,
    kRtcpRtpfb = 205,  // RFC 4585 transport-layer feedback (NACK), kept raw for now
    kRtcpPsfb = 206,   // RFC 4585 payload-specific feedback (PLI), kept raw for now
};

// RFC 3550 6.4.1 report block.
struct ReportBlock {
    uint32_t ssrc = 0;
    uint8_t fraction_lost = 0;
    int32_t cumulative_lost = 0;  // 24-bit signed on the wire
    uint32_t extended_highest_sequence = 0;
    uint32_t jitter = 0;
    uint32_t last_sr = 0;
    uint32_t delay_since_last_sr = 0;  // 1/65536 s
    bool operator==(const ReportBlock& o) const;
};

struct SenderReport {
    uint32_t ssrc = 0;
    uint64_t ntp_timestamp = 0;
    uint32_t rtp_timestamp = 0;
    uint32_t packet_count = 0;
    uint32_t octet_count = 0;
    std::vector<ReportBlock> reports;
};

struct ReceiverReport {
    uint32_t ssrc = 0;
    std::vector<ReportBlock> reports;
};

// RFC 3550 6.5: only CNAME (item 1) is kept; other items are skipped on parse.
struct SdesChunk {
    uint32_t ssrc = 0;
    std::string cname;
};
struct Sdes {
    std::vector<SdesChunk> chunks;
};

struct Bye {
    std::vector<uint32_t> ssrcs;
    std::string reason;
};

// Any other packet type (APP, feedback, XR): header fields and the body after the header.
struct UnknownRtcp {
    uint8_t packet_type = 0;
    uint8_t count = 0;  // the 5-bit field
    Bytes body;
};

using RtcpPacket = std::variant<SenderReport, ReceiverReport, Sdes, Bye, UnknownRtcp>;

// Parses a compound packet. Every packet must be well-formed; one bad packet rejects the
// datagram (RFC 3550 A.2's validity checks: version 2, padding only on the last packet, the
// lengths add up to the datagram). The rule that the first packet is SR or RR is not
// enforced: RFC 5506 reduced-size RTCP (negotiated by a=rtcp-rsize) lifts it.
Result<std::vector<RtcpPacket>, RtcpError> parse_rtcp_compound(ByteView datagram);

// Serializes packets back to back; no padding.
Result<Bytes, RtcpError> serialize_rtcp_compound(const std::vector<RtcpPacket>& packets);

}  // namespace polyrtc::rtp
