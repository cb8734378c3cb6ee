// The audio m= section (internal to core/sdp): what a section offers or answers in the codecs
// and header extensions we implement, and how we write one, line for line as Chromium does:
//
//   m=audio 9 UDP/TLS/RTP/SAVPF 111 110 126
//   c=IN IP4 0.0.0.0
//   a=rtcp:9 IN IP4 0.0.0.0
//   a=ice-ufrag / ice-pwd / ice-options / fingerprint / setup / mid
//   a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level
//   a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid
//   a=sendrecv
//   a=msid:<stream> <track>
//   a=rtcp-mux
//   a=rtcp-rsize
//   a=rtpmap:111 opus/48000/2
//   a=fmtp:111 minptime=10;useinbandfec=1
//   a=rtpmap:110 telephone-event/48000
//   a=rtpmap:126 telephone-event/8000
//   a=ssrc:<ssrc> cname:<cname>
//   a=ssrc:<ssrc> msid:<stream> <track>
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.hpp"
#include "core/sdp/session_description.hpp"
#include "core/sdp/transceiver.hpp"

namespace polyrtc::sdp {

// The part of an audio section we use. Defaults are what we offer.
struct AudioFormats {
    uint8_t opus_payload_type = kOpusPayloadType;
    // The Opus a=fmtp parameters we honour (RFC 7587 section 6.1: minptime, useinbandfec);
    // empty writes no a=fmtp line.
    std::string opus_fmtp = "minptime=10;useinbandfec=1";
    std::optional<uint8_t> telephone_event_48000 = kTelephoneEvent48000PayloadType;
    std::optional<uint8_t> telephone_event_8000 = kTelephoneEvent8000PayloadType;
    std::optional<uint8_t> audio_level_extension_id = kAudioLevelExtensionId;
    std::optional<uint8_t> mid_extension_id = kMidExtensionId;
    bool rtcp_rsize = true;
};

// What a section's sender says about itself (a=msid, RFC 8830; or a=ssrc msid, the Plan B form).
struct RemoteSender {
    std::vector<std::string> stream_ids;  // "-" (no stream) is left out
    std::string track_id;
};

// Reads an audio section (offer, answer or our own) restricted to what we implement: Opus at
// 48000/2 (rtpmap matched case-insensitively, on the m= line, not a PT RTCP could be confused
// with), telephone-event/48000 and /8000, the audio-level and mid extensions with one-byte ids
// (1..14, RFC 8285 section 4.2). The error says why the section cannot be accepted: not
// (D)TLS-protected RTP, no a=rtcp-mux (we only multiplex, RFC 8843 section 9.1), no Opus.
Result<AudioFormats, std::string> read_audio_formats(const MediaDescription& m);

RemoteSender read_remote_sender(const MediaDescription& m);

// The media direction a section states (RFC 3264 section 5.1: none means sendrecv).
Direction section_direction(const MediaDescription& m);
// The direction as seen from the other side (sendonly <-> recvonly).
Direction reversed(Direction d);
Direction make_direction(bool send, bool recv);

// The a=msid stream ids a sending transceiver writes: none without a track, "-" for a track
// with no stream (RFC 8830 section 2).
std::vector<std::string> msid_streams(const std::string& track_id, const std::vector<std::string>& stream_ids);

// What write_audio_section needs about the local sender.
struct AudioSender {
    uint32_t ssrc = 0;  // 0: not known yet, no a=ssrc lines
    std::string cname;
    std::vector<std::string> stream_ids;
    std::string track_id;  // empty: no a=msid
};

// Appends the lines after a=mid (a=extmap ... a=ssrc) to `m` and sets its m= formats.
void write_audio_section(MediaDescription& m, const AudioFormats& f, Direction direction, const AudioSender& sender);

}  // namespace polyrtc::sdp
