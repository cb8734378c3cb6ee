// Transceivers as JSEP sees them (RFC 8829 section 3.4, W3C webrtc-pc section 5.4): what the
// negotiator needs to write an audio m= section, what it keeps about each transceiver, and
// what a completed negotiation gives the RTP layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sdp/attributes.hpp"

namespace polyrtc::sdp {

// RTCRtpTransceiverDirection is the SDP direction (attributes.hpp); "stopped" is a flag.
bool has_send(Direction direction);
bool has_recv(Direction direction);

using TransceiverId = uint32_t;

// The payload types and header extensions we offer for audio (Chromium's numbers, so a native
// peer's answer and our offers look alike).
inline constexpr uint8_t kOpusPayloadType = 111;
inline constexpr uint8_t kTelephoneEvent48000PayloadType = 110;
inline constexpr uint8_t kTelephoneEvent8000PayloadType = 126;
inline constexpr uint8_t kAudioLevelExtensionId = 1;  // urn:ietf:params:rtp-hdrext:ssrc-audio-level
inline constexpr uint8_t kMidExtensionId = 4;         // urn:ietf:params:rtp-hdrext:sdes:mid
inline constexpr std::string_view kAudioLevelExtensionUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
inline constexpr std::string_view kMidExtensionUri = "urn:ietf:params:rtp-hdrext:sdes:mid";

// What the API layer says about a transceiver it adds (addTrack / addTransceiver).
struct TransceiverInit {
    std::string kind = "audio";  // only "audio" is accepted by PeerConnection today
    Direction direction = Direction::kSendrecv;
    uint32_t ssrc = 0;                    // our sending SSRC, drawn by the peer connection
    std::string cname;                    // one per connection (RFC 7022)
    std::vector<std::string> stream_ids;  // a=msid stream ids; empty -> "-" (RFC 8830)
    std::string track_id;                 // the sender's track; empty = no track
};

// A transceiver as the negotiator keeps it.
struct TransceiverState {
    TransceiverId id = 0;
    std::string kind = "audio";
    std::optional<std::string> mid;  // once associated with an m= section
    Direction direction = Direction::kSendrecv;
    std::optional<Direction> current_direction;  // negotiated, from our side; nullopt before
    bool stopping = false;                       // stop() called, not yet negotiated
    bool stopped = false;                        // the section is rejected in a completed negotiation
    uint32_t ssrc = 0;
    std::string cname;
    std::vector<std::string> stream_ids;
    std::string track_id;
    bool created_by_remote = false;  // made by a remote offer (W3C: no addTrack associated)
    // The remote section's a=msid (the receiver's streams); empty when it has none.
    std::vector<std::string> remote_stream_ids;
    std::string remote_track_id;
    // The applied remote description's section sends to us (a=sendrecv or a=sendonly). The
    // peer fires `track` when this turns true and `removetrack` when it turns false.
    bool remote_sending = false;
};

// What the RTP layer needs for one negotiated audio section (both descriptions applied).
struct NegotiatedAudio {
    TransceiverId transceiver = 0;
    std::string mid;
    bool send = false;  // current direction has send
    bool recv = false;
    uint8_t opus_payload_type = kOpusPayloadType;
    // The telephone-event we send with: the 48000 one when both sides have it (it shares
    // Opus's clock), else the 8000 one; nullopt when the peer has neither.
    std::optional<uint8_t> dtmf_payload_type;
    uint32_t dtmf_clock_rate = 48000;
    std::vector<uint8_t> receive_dtmf_payload_types;  // every telephone-event PT negotiated
    std::vector<uint32_t> receive_dtmf_clock_rates;   // their rtpmap clock rates, in the same order
    std::optional<uint8_t> audio_level_extension_id;
    std::optional<uint8_t> mid_extension_id;
    uint32_t local_ssrc = 0;
    std::string local_cname;
    std::vector<uint32_t> remote_ssrcs;
};

}  // namespace polyrtc::sdp
