// Demultiplexing of packets that share one ICE 5-tuple (RFC 7983, updating RFC 5764 section 5.1.2).
//
// STUN, DTLS, TURN ChannelData and SRTP/SRTCP arrive on the same transport address. The first
// byte tells them apart:
//
//                  +----------------+
//                  |        [0..3] -+--> forward to STUN
//                  |                |
//                  |      [16..19] -+--> forward to ZRTP
//      packet -->  |                |
//                  |      [20..63] -+--> forward to DTLS
//                  |                |
//                  |      [64..79] -+--> forward to TURN Channel
//                  |                |
//                  |    [128..191] -+--> forward to RTP/RTCP
//                  +----------------+
//
// RFC 7983 section 7: "If the value of the first byte is in the range 20 to 63 (inclusive), the
// packet is a DTLS packet." Anything else in 0..255 that no range claims MUST be dropped.
#pragma once

#include <cstdint>

#include "core/common/bytes.hpp"

namespace polyrtc::dtls {

enum class PacketKind {
    kStun,          // 0..3
    kZrtp,          // 16..19
    kDtls,          // 20..63
    kTurnChannel,   // 64..79
    kRtpOrRtcp,     // 128..191
    kUnrecognized,  // any other first byte, or an empty packet: drop
};

constexpr PacketKind classify_packet(ByteView packet) {
    if (packet.empty()) return PacketKind::kUnrecognized;
    const uint8_t b = packet[0];
    if (b <= 3) return PacketKind::kStun;
    if (b >= 16 && b <= 19) return PacketKind::kZrtp;
    if (b >= 20 && b <= 63) return PacketKind::kDtls;
    if (b >= 64 && b <= 79) return PacketKind::kTurnChannel;
    if (b >= 128 && b <= 191) return PacketKind::kRtpOrRtcp;
    return PacketKind::kUnrecognized;
}

// True if `packet` goes to the DTLS endpoint (first byte 20..63). This is only the demux test;
// DtlsEndpoint::handle_receive still validates every record header and drops what is malformed.
constexpr bool is_dtls_record(ByteView packet) {
    return classify_packet(packet) == PacketKind::kDtls;
}

const char* to_string(PacketKind kind);

}  // namespace polyrtc::dtls
