// First-byte demultiplexing of packets arriving on one ICE component (RFC 7983 section 7,
// updating RFC 5764 section 5.1.2):
//
//                +----------------+
//                |        [0..3] -+--> forward to STUN
//                |      [16..19] -+--> forward to ZRTP
//    packet -->  |      [20..63] -+--> forward to DTLS
//                |      [64..79] -+--> forward to TURN Channel
//                |    [128..191] -+--> forward to RTP/RTCP
//                +----------------+
#pragma once

#include "core/common/bytes.hpp"

namespace polyrtc::stun {

enum class PacketKind {
    kStun,
    kZrtp,
    kDtls,
    kChannelData,
    kRtp,      // RTP or RTCP
    kUnknown,  // empty, or a first byte in none of the ranges: drop
};
const char* to_string(PacketKind kind);

PacketKind classify_packet(ByteView packet);

// Cheap header check that `packet` is exactly one STUN message: at least 20 bytes, the two
// top bits zero, the magic cookie, a length that is a multiple of 4 and equals the rest.
bool is_stun(ByteView packet);

}  // namespace polyrtc::stun
