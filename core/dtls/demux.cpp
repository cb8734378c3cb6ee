#include "core/dtls/demux.hpp"

namespace polyrtc::dtls {

const char* to_string(PacketKind kind) {
    switch (kind) {
        case PacketKind::kStun: return "stun";
        case PacketKind::kZrtp: return "zrtp";
        case PacketKind::kDtls: return "dtls";
        case PacketKind::kTurnChannel: return "turn-channel";
        case PacketKind::kRtpOrRtcp: return "rtp/rtcp";
        case PacketKind::kUnrecognized: return "unrecognized";
    }
    return "unknown";
}

}  // namespace polyrtc::dtls
