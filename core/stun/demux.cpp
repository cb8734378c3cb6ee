#include "core/stun/demux.hpp"

#include "core/stun/attributes.hpp"

namespace polyrtc::stun {

const char* to_string(PacketKind kind) {
    switch (kind) {
        case PacketKind::kStun: return "STUN";
        case PacketKind::kZrtp: return "ZRTP";
        case PacketKind::kDtls: return "DTLS";
        case PacketKind::kChannelData: return "ChannelData";
        case PacketKind::kRtp: return "RTP/RTCP";
        case PacketKind::kUnknown: return "unknown";
    }
    return "unknown";
}

// RFC 7983 section 7: "the first byte ... [0..3] STUN, [16..19] ZRTP, [20..63] DTLS,
// [64..79] TURN Channel, [128..191] RTP/RTCP". Anything else is dropped.
PacketKind classify_packet(ByteView packet) {
    if (packet.empty()) return PacketKind::kUnknown;
    uint8_t b = packet[0];
    if (b <= 3) return PacketKind::kStun;
    if (b >= 16 && b <= 19) return PacketKind::kZrtp;
    if (b >= 20 && b <= 63) return PacketKind::kDtls;
    if (b >= 64 && b <= 79) return PacketKind::kChannelData;
    if (b >= 128 && b <= 191) return PacketKind::kRtp;
    return PacketKind::kUnknown;
}

bool is_stun(ByteView packet) {
    ByteReader r(packet);
    auto type = r.read_u16();
    auto length = r.read_u16();
    auto cookie = r.read_u32();
    if (!type || !length || !cookie || packet.size() < kHeaderSize) return false;
    return (*type & 0xC000) == 0 && *cookie == kMagicCookie && *length % 4 == 0 &&
           packet.size() == kHeaderSize + *length;
}

}  // namespace polyrtc::stun
