#include "core/sdp/audio_section.hpp"

#include <algorithm>

#include "core/sdp/text.hpp"

namespace polyrtc::sdp {

bool has_send(Direction direction) {
    return direction == Direction::kSendrecv || direction == Direction::kSendonly;
}

bool has_recv(Direction direction) {
    return direction == Direction::kSendrecv || direction == Direction::kRecvonly;
}

Direction make_direction(bool send, bool recv) {
    if (send && recv) return Direction::kSendrecv;
    if (send) return Direction::kSendonly;
    if (recv) return Direction::kRecvonly;
    return Direction::kInactive;
}

Direction reversed(Direction d) {
    return make_direction(has_recv(d), has_send(d));
}

Direction section_direction(const MediaDescription& m) {
    return m.direction().value_or(Direction::kSendrecv);
}

std::vector<std::string> msid_streams(const std::string& track_id, const std::vector<std::string>& stream_ids) {
    if (track_id.empty()) return {};
    if (stream_ids.empty()) return {"-"};
    return stream_ids;
}

namespace {

bool on_m_line(const MediaDescription& m, uint8_t pt) {
    return std::find(m.formats.begin(), m.formats.end(), std::to_string(pt)) != m.formats.end();
}

// RFC 5761 section 4: with rtcp-mux, RTP payload types 64..95 collide with RTCP packet
// types 192..223 (200..204 in practice); such a PT cannot be demultiplexed.
bool muxable(uint8_t pt) {
    return pt < 64 || pt > 95;
}

// The one-byte extension id of `uri`, if the section maps it once to an id in 1..14 that no
// other extension uses.
std::optional<uint8_t> extension_id(const std::vector<ExtMap>& maps, std::string_view uri) {
    std::optional<uint8_t> out;
    for (const auto& e : maps) {
        if (e.uri != uri) continue;
        if (out || e.id < 1 || e.id > 14) return std::nullopt;
        out = static_cast<uint8_t>(e.id);
    }
    if (!out) return std::nullopt;
    size_t users = std::count_if(maps.begin(), maps.end(), [&](const ExtMap& e) { return e.id == *out; });
    if (users != 1) return std::nullopt;
    return out;
}

}  // namespace

Result<AudioFormats, std::string> read_audio_formats(const MediaDescription& m) {
    if (m.media != "audio") return unexpected(std::string("not an audio section"));
    // RFC 8827 section 6.5: media is SRTP keyed by DTLS (UDP/TLS/RTP/SAVPF or TCP/...).
    if (!m.is_rtp() || m.protocol.find("TLS") == std::string::npos || m.protocol.find("SAVP") == std::string::npos) {
        return unexpected("protocol " + m.protocol + " is not DTLS-SRTP");
    }
    if (!m.rtcp_mux()) return unexpected(std::string("no a=rtcp-mux (only multiplexed RTCP is supported)"));
    AudioFormats f;
    f.telephone_event_48000.reset();
    f.telephone_event_8000.reset();
    std::optional<uint8_t> opus;
    for (const auto& r : m.rtpmaps()) {
        if (!on_m_line(m, r.payload_type) || !muxable(r.payload_type)) continue;
        if (text::iequals(r.encoding_name, "opus") && r.clock_rate == 48000 && r.channels == 2u) {
            if (!opus) opus = r.payload_type;
        } else if (text::iequals(r.encoding_name, "telephone-event") && r.channels.value_or(1) == 1) {
            if (r.clock_rate == 48000 && !f.telephone_event_48000) f.telephone_event_48000 = r.payload_type;
            if (r.clock_rate == 8000 && !f.telephone_event_8000) f.telephone_event_8000 = r.payload_type;
        }
    }
    if (!opus) return unexpected(std::string("no opus/48000/2"));
    f.opus_payload_type = *opus;
    // The same PT cannot be two codecs: a section naming one PT twice is not usable for it.
    if (f.telephone_event_48000 == f.opus_payload_type) f.telephone_event_48000.reset();
    if (f.telephone_event_8000 == f.opus_payload_type) f.telephone_event_8000.reset();
    f.opus_fmtp.clear();
    for (const auto& fmtp : m.fmtps()) {
        if (fmtp.payload_type != f.opus_payload_type) continue;
        for (const auto& [key, value] : fmtp.parameter_list()) {
            // RFC 7587 section 6.1: the receiver's preferences we implement.
            bool ours = (key == "minptime" && text::parse_uint(value, 120)) ||
                        (key == "useinbandfec" && (value == "0" || value == "1"));
            if (!ours) continue;
            if (!f.opus_fmtp.empty()) f.opus_fmtp += ";";
            f.opus_fmtp += key + "=" + value;
        }
        break;
    }
    auto maps = m.extmaps();
    f.audio_level_extension_id = extension_id(maps, kAudioLevelExtensionUri);
    f.mid_extension_id = extension_id(maps, kMidExtensionUri);
    f.rtcp_rsize = m.rtcp_rsize();
    return f;
}

RemoteSender read_remote_sender(const MediaDescription& m) {
    RemoteSender out;
    auto msids = m.msids();
    if (!msids.empty()) {
        for (const auto& msid : msids) {
            if (msid.stream_id != "-" &&
                std::find(out.stream_ids.begin(), out.stream_ids.end(), msid.stream_id) == out.stream_ids.end()) {
                out.stream_ids.push_back(msid.stream_id);
            }
        }
        out.track_id = msids.front().track_id.value_or("");
        return out;
    }
    // Plan B / older stacks: a=ssrc:<ssrc> msid:<stream> <track>.
    for (const auto& s : m.ssrcs()) {
        if (s.attribute != "msid" || !s.value) continue;
        if (auto msid = Msid::parse(*s.value)) {
            if (msid->stream_id != "-") out.stream_ids.push_back(msid->stream_id);
            out.track_id = msid->track_id.value_or("");
        }
        break;
    }
    return out;
}

void write_audio_section(MediaDescription& m, const AudioFormats& f, Direction direction, const AudioSender& sender) {
    m.formats = {std::to_string(f.opus_payload_type)};
    if (f.telephone_event_48000) m.formats.push_back(std::to_string(*f.telephone_event_48000));
    if (f.telephone_event_8000) m.formats.push_back(std::to_string(*f.telephone_event_8000));
    // Chromium orders extmaps by id.
    std::vector<std::pair<uint8_t, std::string_view>> extensions;
    if (f.audio_level_extension_id) extensions.emplace_back(*f.audio_level_extension_id, kAudioLevelExtensionUri);
    if (f.mid_extension_id) extensions.emplace_back(*f.mid_extension_id, kMidExtensionUri);
    std::sort(extensions.begin(), extensions.end());
    for (const auto& [id, uri] : extensions) m.add("extmap", std::to_string(id) + " " + std::string(uri));
    m.add_flag(to_string(direction));
    auto streams = msid_streams(sender.track_id, sender.stream_ids);
    for (const auto& stream : streams) m.add("msid", stream + " " + sender.track_id);
    m.add_flag("rtcp-mux");
    if (f.rtcp_rsize) m.add_flag("rtcp-rsize");
    m.add("rtpmap", std::to_string(f.opus_payload_type) + " opus/48000/2");
    if (!f.opus_fmtp.empty()) m.add("fmtp", std::to_string(f.opus_payload_type) + " " + f.opus_fmtp);
    if (f.telephone_event_48000) m.add("rtpmap", std::to_string(*f.telephone_event_48000) + " telephone-event/48000");
    if (f.telephone_event_8000) m.add("rtpmap", std::to_string(*f.telephone_event_8000) + " telephone-event/8000");
    // RFC 5576: a sender announces its SSRC (Chromium writes these only when sending).
    if (has_send(direction) && sender.ssrc != 0) {
        std::string ssrc = std::to_string(sender.ssrc);
        m.add("ssrc", ssrc + " cname:" + sender.cname);
        if (!streams.empty()) m.add("ssrc", ssrc + " msid:" + streams.front() + " " + sender.track_id);
    }
}

}  // namespace polyrtc::sdp
