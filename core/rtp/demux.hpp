// RTP/RTCP demultiplexing on one transport (rtcp-mux, RFC 5761 section 4).
//
// RFC 7983's first-byte ranges (core/stun/demux) say a packet is RTP or RTCP; RFC 5761
// separates the two by the second byte: "if the payload type field of the RTP header has a
// value in the range 64-95 [with the marker bit masked off], the packet is RTCP" (RTCP
// packet types 192-223 fall there), and RTP payload types must avoid that range.
#pragma once

#include "core/common/bytes.hpp"

namespace polyrtc::rtp {

enum class MediaPacketKind {
    kRtp,
    kRtcp,
    kNotMedia,  // not in RFC 7983's RTP/RTCP range, or too short to tell
};
const char* to_string(MediaPacketKind kind);

MediaPacketKind classify_media_packet(ByteView packet);

}  // namespace polyrtc::rtp
