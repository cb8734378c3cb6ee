#include "core/rtp/demux.hpp"

#include "core/stun/demux.hpp"

namespace polyrtc::rtp {

const char* to_string(MediaPacketKind kind) {
    switch (kind) {
        case MediaPacketKind::kRtp: return "RTP";
        case MediaPacketKind::kRtcp: return "RTCP";
        case MediaPacketKind::kNotMedia: return "not RTP/RTCP";
    }
    return "unknown";
}

MediaPacketKind classify_media_packet(ByteView packet) {
    // RTCP's smallest packet is a 4-byte header (an empty RR is 8); RTP's is 12.
    if (packet.size() < 4 || stun::classify_packet(packet) != stun::PacketKind::kRtp) return MediaPacketKind::kNotMedia;
    uint8_t pt = packet[1] & 0x7F;
    if (pt >= 64 && pt <= 95) return MediaPacketKind::kRtcp;
    return packet.size() >= 12 ? MediaPacketKind::kRtp : MediaPacketKind::kNotMedia;
}

}  // namespace polyrtc::rtp
