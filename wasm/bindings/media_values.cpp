#include "wasm/bindings/media_values.hpp"

#include <algorithm>
#include <string>

namespace polyrtc::wasm {

using emscripten::val;

namespace {

val string_array(const std::vector<std::string>& items) {
    val out = val::array();
    for (const auto& item : items) out.call<void>("push", item);
    return out;
}

}  // namespace

std::optional<sdp::Direction> parse_transceiver_direction(const std::string& text) {
    return sdp::parse_direction(text);
}

val transceivers_value(const peer::PeerConnection& pc) {
    val out = val::array();
    for (const auto& t : pc.transceivers()) {
        val v = val::object();
        v.set("transceiverId", t.id);
        v.set("mid", t.mid ? val(*t.mid) : val::null());
        v.set("kind", t.kind);
        v.set("direction", std::string(sdp::to_string(t.direction)));
        v.set("currentDirection",
              t.current_direction ? val(std::string(sdp::to_string(*t.current_direction))) : val::null());
        v.set("stopped", t.stopped);
        v.set("stopping", t.stopping);
        v.set("senderTrackId", t.track_id);
        v.set("streamIds", string_array(t.stream_ids));
        v.set("remoteTrackId", t.remote_track_id);
        v.set("remoteStreamIds", string_array(t.remote_stream_ids));
        v.set("remoteSending", t.remote_sending);
        v.set("createdByRemote", t.created_by_remote);
        out.call<void>("push", v);
    }
    return out;
}

void append_media_stats(const peer::PeerConnection& pc, double timestamp_ms, val& out) {
    std::vector<uint8_t> codecs_listed;
    auto codec = [&](uint8_t payload_type, const char* mime, uint32_t clock_rate, int channels) {
        std::string id = "CO" + std::to_string(payload_type);
        if (std::find(codecs_listed.begin(), codecs_listed.end(), payload_type) == codecs_listed.end()) {
            codecs_listed.push_back(payload_type);
            val c = val::object();
            c.set("id", id);
            c.set("type", std::string("codec"));
            c.set("timestamp", timestamp_ms);
            c.set("transportId", std::string("T01"));
            c.set("payloadType", payload_type);
            c.set("mimeType", std::string(mime));
            c.set("clockRate", clock_rate);
            if (channels > 0) c.set("channels", channels);
            out.call<void>("push", c);
        }
        return id;
    };
    for (const auto& t : pc.transceivers()) {
        std::string suffix = std::to_string(t.id);
        if (auto o = pc.media().outbound_stats(t.id)) {
            val source = val::object();
            source.set("id", "S" + suffix);
            source.set("type", std::string("media-source"));
            source.set("timestamp", timestamp_ms);
            source.set("kind", std::string("audio"));
            source.set("transceiverId", t.id);
            source.set("audioLevel", o->audio_level);
            source.set("totalAudioEnergy", o->total_audio_energy);
            source.set("totalSamplesDuration", o->total_samples_duration);
            out.call<void>("push", source);

            val rtp = val::object();
            rtp.set("id", "OT" + suffix);
            rtp.set("type", std::string("outbound-rtp"));
            rtp.set("timestamp", timestamp_ms);
            rtp.set("kind", std::string("audio"));
            rtp.set("transceiverId", t.id);
            rtp.set("mid", o->mid);
            rtp.set("ssrc", o->ssrc);
            rtp.set("transportId", std::string("T01"));
            rtp.set("mediaSourceId", "S" + suffix);
            rtp.set("codecId", codec(sdp::kOpusPayloadType, "audio/opus", 48000, 2));
            rtp.set("packetsSent", static_cast<double>(o->packets_sent));
            rtp.set("bytesSent", static_cast<double>(o->bytes_sent));
            rtp.set("headerBytesSent", static_cast<double>(o->header_bytes_sent));
            rtp.set("active", true);
            // Not in the W3C dictionary: frames the page captured that did not go out (no
            // keys yet, or a DTMF tone on the wire), and tones sent.
            rtp.set("polyrtcFramesDropped", static_cast<double>(o->frames_dropped));
            rtp.set("polyrtcDtmfEventsSent", static_cast<double>(o->dtmf_events_sent));
            if (o->round_trip_time) {
                rtp.set("remoteId", "RI" + suffix);
                val remote = val::object();
                remote.set("id", "RI" + suffix);
                remote.set("type", std::string("remote-inbound-rtp"));
                remote.set("timestamp", timestamp_ms);
                remote.set("kind", std::string("audio"));
                remote.set("transceiverId", t.id);
                remote.set("ssrc", o->ssrc);
                remote.set("transportId", std::string("T01"));
                remote.set("localId", "OT" + suffix);
                remote.set("roundTripTime", *o->round_trip_time);
                if (o->remote_fraction_lost) remote.set("fractionLost", *o->remote_fraction_lost);
                if (o->remote_packets_lost) remote.set("packetsLost", static_cast<double>(*o->remote_packets_lost));
                if (o->remote_jitter) remote.set("jitter", *o->remote_jitter);
                out.call<void>("push", remote);
            }
            out.call<void>("push", rtp);
        }
        if (auto i = pc.media().inbound_stats(t.id)) {
            val rtp = val::object();
            rtp.set("id", "IT" + suffix);
            rtp.set("type", std::string("inbound-rtp"));
            rtp.set("timestamp", timestamp_ms);
            rtp.set("kind", std::string("audio"));
            rtp.set("transceiverId", t.id);
            rtp.set("mid", i->mid);
            rtp.set("ssrc", i->ssrc);
            rtp.set("transportId", std::string("T01"));
            rtp.set("codecId", codec(sdp::kOpusPayloadType, "audio/opus", 48000, 2));
            rtp.set("packetsReceived", static_cast<double>(i->packets_received));
            rtp.set("packetsLost", static_cast<double>(i->packets_lost));
            rtp.set("bytesReceived", static_cast<double>(i->bytes_received));
            rtp.set("headerBytesReceived", static_cast<double>(i->header_bytes_received));
            rtp.set("jitter", i->jitter);
            rtp.set("totalSamplesReceived", static_cast<double>(i->total_samples_received));
            rtp.set("concealedSamples", static_cast<double>(i->concealed_samples));
            rtp.set("silentConcealedSamples", static_cast<double>(i->silent_concealed_samples));
            rtp.set("audioLevel", i->audio_level);
            rtp.set("totalAudioEnergy", i->total_audio_energy);
            rtp.set("totalSamplesDuration", i->total_samples_duration);
            rtp.set("polyrtcDtmfEventsReceived", static_cast<double>(i->dtmf_events_received));
            if (i->last_packet_received) {
                // The page's clock is performance.now(); JS rebases stats timestamps to the epoch.
                rtp.set("lastPacketReceivedTimestamp",
                        static_cast<double>(i->last_packet_received->as_micros()) / 1000.0);
            }
            out.call<void>("push", rtp);
        }
    }
}

}  // namespace polyrtc::wasm
