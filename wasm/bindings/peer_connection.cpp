// Embind surface of core/peer: PeerConnectionCore, one per RTCPeerConnection.
//
// The contract with web/ is docs/internals/engine-contract.md. Every method returns a value;
// failures are {error: {name, message, ...}} objects, never exceptions. Time arrives as a
// performance.now()-style millisecond double; bytes cross as Uint8Array copies.
#include "core/peer/peer_connection.hpp"

#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "wasm/bindings/js_bytes.hpp"
#include "wasm/bindings/media_values.hpp"

namespace polyrtc::wasm {

namespace {

using emscripten::val;

Timestamp to_timestamp(double now_ms) {
    return Timestamp::from_micros(static_cast<int64_t>(std::llround(now_ms * 1000.0)));
}

val error_value(const peer::ApiError& error) {
    val e = val::object();
    e.set("name", std::string(peer::to_string(error.name)));
    e.set("message", error.message);
    if (error.error_detail) e.set("errorDetail", *error.error_detail);
    if (error.sdp_line_number) e.set("sdpLineNumber", *error.sdp_line_number);
    val out = val::object();
    out.set("error", e);
    return out;
}

val description_value(const std::optional<peer::Description>& description) {
    if (!description) return val::null();
    val out = val::object();
    out.set("type", std::string(sdp::to_string(description->type)));
    out.set("sdp", description->sdp);
    return out;
}

std::optional<sdp::SdpType> parse_type(const std::string& type) {
    return sdp::parse_sdp_type(type);
}

template <class T>
std::optional<T> optional_number(const val& object, const char* key) {
    val v = object[key];
    if (v.isUndefined() || v.isNull()) return std::nullopt;
    return static_cast<T>(v.as<double>());
}

std::string string_or(const val& object, const char* key, const std::string& fallback) {
    val v = object[key];
    return v.isString() ? v.as<std::string>() : fallback;
}

std::vector<std::string> string_list(const val& array) {
    std::vector<std::string> out;
    if (!array.isArray()) return out;
    const unsigned count = array["length"].as<unsigned>();
    for (unsigned i = 0; i < count; ++i) {
        if (array[i].isString()) out.push_back(array[i].as<std::string>());
    }
    return out;
}

val event_value(peer::Event& event) {
    val out = val::object();
    std::visit(
        [&out](auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, peer::IceCandidateEvent>) {
                out.set("type", std::string("icecandidate"));
                if (e.end_of_candidates) {
                    out.set("candidate", val::null());
                } else {
                    out.set("candidate", e.candidate);
                    out.set("sdpMid", e.sdp_mid);
                    out.set("sdpMLineIndex", e.sdp_mline_index);
                    out.set("usernameFragment", e.username_fragment);
                }
            } else if constexpr (std::is_same_v<E, peer::IceCandidateErrorEvent>) {
                out.set("type", std::string("icecandidateerror"));
                out.set("errorCode", e.error_code);
                out.set("errorText", e.error_text);
            } else if constexpr (std::is_same_v<E, peer::IceGatheringStateEvent>) {
                out.set("type", std::string("icegatheringstatechange"));
                out.set("state", std::string(peer::to_string(e.state)));
            } else if constexpr (std::is_same_v<E, peer::IceConnectionStateEvent>) {
                out.set("type", std::string("iceconnectionstatechange"));
                out.set("state", std::string(ice::to_string(e.state)));
            } else if constexpr (std::is_same_v<E, peer::ConnectionStateEvent>) {
                out.set("type", std::string("connectionstatechange"));
                out.set("state", std::string(peer::to_string(e.state)));
            } else if constexpr (std::is_same_v<E, peer::DataChannelEvent>) {
                const auto& init = e.channel.init;
                out.set("type", std::string("datachannel"));
                out.set("handle", e.channel.handle);
                out.set("id", e.channel.id ? val(*e.channel.id) : val::null());
                out.set("label", init.label);
                out.set("protocol", init.protocol);
                out.set("ordered", init.ordered);
                out.set("negotiated", init.negotiated);
                out.set("maxRetransmits", init.max_retransmits ? val(*init.max_retransmits) : val::null());
                out.set("maxPacketLifeTime",
                        init.max_packet_lifetime_ms ? val(*init.max_packet_lifetime_ms) : val::null());
            } else if constexpr (std::is_same_v<E, peer::ChannelOpenEvent>) {
                out.set("type", std::string("channelopen"));
                out.set("handle", e.handle);
                out.set("id", e.id);
            } else if constexpr (std::is_same_v<E, peer::ChannelMessageEvent>) {
                out.set("type", std::string("channelmessage"));
                out.set("handle", e.handle);
                out.set("binary", e.binary);
                out.set("data", to_uint8array(e.data));
            } else if constexpr (std::is_same_v<E, peer::ChannelBufferedAmountLowEvent>) {
                out.set("type", std::string("bufferedamountlow"));
                out.set("handle", e.handle);
            } else if constexpr (std::is_same_v<E, peer::ChannelClosingEvent>) {
                out.set("type", std::string("channelclosing"));
                out.set("handle", e.handle);
            } else if constexpr (std::is_same_v<E, peer::ChannelClosedEvent>) {
                out.set("type", std::string("channelclose"));
                out.set("handle", e.handle);
            } else if constexpr (std::is_same_v<E, peer::TransportFailedEvent>) {
                out.set("type", std::string("transportfailed"));
                out.set("layer", e.layer);
                out.set("message", e.message);
            } else if constexpr (std::is_same_v<E, peer::NegotiationNeededEvent>) {
                out.set("type", std::string("negotiationneeded"));
            } else if constexpr (std::is_same_v<E, peer::DtmfReceivedEvent>) {
                out.set("type", std::string("dtmfreceived"));
                out.set("transceiverId", e.transceiver);
                out.set("tone", std::string(1, e.tone));
                out.set("durationMs", static_cast<double>(e.duration.as_micros()) / 1000.0);
            }
        },
        event);
    return out;
}

}  // namespace

class PeerConnectionCore {
public:
    // config: {seed: Uint8Array(>=32), nowMs, wallClockSeconds, iceServers: [{urls, username,
    // credential}]}. The TURN credentials are those of the first entry that has them.
    explicit PeerConnectionCore(val config) {
        peer::PeerConnectionConfig c;
        c.seed = from_uint8array(config["seed"]);
        c.wall_clock_unix = static_cast<int64_t>(config["wallClockSeconds"].as<double>());
        val servers = config["iceServers"];
        if (servers.isArray()) {
            const unsigned count = servers["length"].as<unsigned>();
            for (unsigned i = 0; i < count; ++i) {
                val server = servers[i];
                if (server["username"].isString() && server["credential"].isString()) {
                    c.turn_username = server["username"].as<std::string>();
                    c.turn_password = server["credential"].as<std::string>();
                    break;
                }
            }
        }
        now_ms_ = config["nowMs"].as<double>();
        auto created = peer::PeerConnection::create(c, now());
        if (created) {
            pc_ = std::move(*created);
        } else {
            creation_error_ = created.error();
        }
    }

    // --- commands
    val createOffer(val options) {
        if (!pc_) return error_value(*creation_error_);
        bool restart = !options.isUndefined() && !options.isNull() && options["iceRestart"].isTrue();
        auto offer = pc_->create_offer(now(), restart);
        if (!offer) return error_value(offer.error());
        val out = val::object();
        out.set("sdp", *offer);
        return out;
    }

    val createAnswer() {
        if (!pc_) return error_value(*creation_error_);
        auto answer = pc_->create_answer(now());
        if (!answer) return error_value(answer.error());
        val out = val::object();
        out.set("sdp", *answer);
        return out;
    }

    val setLocalDescription(std::string type, std::string sdp) {
        if (!pc_) return error_value(*creation_error_);
        auto parsed = parse_type(type);
        if (!parsed) return error_value({peer::ErrorName::kTypeError, "unknown RTCSdpType '" + type + "'", {}, {}});
        auto status = pc_->set_local_description(now(), *parsed, sdp);
        if (!status) return error_value(status.error());
        val out = description_value(pc_->local_description());
        return out.isNull() ? val::object() : out;
    }

    val setRemoteDescription(std::string type, std::string sdp) {
        if (!pc_) return error_value(*creation_error_);
        auto parsed = parse_type(type);
        if (!parsed) return error_value({peer::ErrorName::kTypeError, "unknown RTCSdpType '" + type + "'", {}, {}});
        auto status = pc_->set_remote_description(now(), *parsed, sdp);
        if (!status) return error_value(status.error());
        return val::object();
    }

    // candidate: {candidate, sdpMid, sdpMLineIndex, usernameFragment}; candidate '' = end.
    val addIceCandidate(val candidate) {
        if (!pc_) return error_value(*creation_error_);
        sdp::IceCandidateInit init;
        init.candidate = string_or(candidate, "candidate", "");
        if (candidate["sdpMid"].isString()) init.sdp_mid = candidate["sdpMid"].as<std::string>();
        init.sdp_mline_index = optional_number<uint32_t>(candidate, "sdpMLineIndex");
        if (candidate["usernameFragment"].isString()) {
            init.username_fragment = candidate["usernameFragment"].as<std::string>();
        }
        auto status = pc_->add_ice_candidate(now(), init);
        if (!status) return error_value(status.error());
        return val::object();
    }

    val createDataChannel(val init) {
        if (!pc_) return error_value(*creation_error_);
        peer::DataChannelInit c;
        c.label = string_or(init, "label", "");
        c.protocol = string_or(init, "protocol", "");
        c.ordered = !init["ordered"].isFalse();
        c.max_retransmits = optional_number<uint16_t>(init, "maxRetransmits");
        c.max_packet_lifetime_ms = optional_number<uint32_t>(init, "maxPacketLifeTime");
        c.negotiated = init["negotiated"].isTrue();
        c.id = optional_number<uint16_t>(init, "id");
        auto channel = pc_->create_data_channel(now(), c);
        if (!channel) return error_value(channel.error());
        val out = val::object();
        out.set("handle", channel->handle);
        out.set("id", channel->id ? static_cast<int>(*channel->id) : -1);
        return out;
    }

    val sendData(uint32_t handle, bool binary, val bytes) {
        if (!pc_) return error_value(*creation_error_);
        auto status = pc_->send(now(), handle, binary, from_uint8array(bytes));
        if (!status) return error_value(status.error());
        return val::object();
    }

    val closeDataChannel(uint32_t handle) {
        if (pc_) pc_->close_data_channel(now(), handle);
        return val::object();
    }

    double bufferedAmount(uint32_t handle) const { return pc_ ? static_cast<double>(pc_->buffered_amount(handle)) : 0; }

    val restartIce() {
        if (pc_) pc_->restart_ice();
        return val::object();
    }

    val close() {
        if (pc_) pc_->close(now());
        return val::object();
    }

    // --- media (docs/internals/media-contract.md)
    // init: {kind, direction, streamIds, trackId}
    val addTransceiver(val init) {
        if (!pc_) return error_value(*creation_error_);
        peer::TransceiverRequest request;
        request.kind = string_or(init, "kind", "audio");
        std::string direction = string_or(init, "direction", "sendrecv");
        auto parsed = parse_transceiver_direction(direction);
        if (!parsed) {
            return error_value(
                {peer::ErrorName::kTypeError, "unknown RTCRtpTransceiverDirection '" + direction + "'", {}, {}});
        }
        request.direction = *parsed;
        request.stream_ids = string_list(init["streamIds"]);
        request.track_id = string_or(init, "trackId", "");
        auto id = pc_->add_transceiver(now(), request);
        if (!id) return error_value(id.error());
        val out = val::object();
        out.set("transceiverId", *id);
        return out;
    }

    val setTransceiverDirection(uint32_t id, std::string direction) {
        if (!pc_) return error_value(*creation_error_);
        auto parsed = parse_transceiver_direction(direction);
        if (!parsed) {
            return error_value(
                {peer::ErrorName::kTypeError, "unknown RTCRtpTransceiverDirection '" + direction + "'", {}, {}});
        }
        auto status = pc_->set_transceiver_direction(now(), id, *parsed);
        if (!status) return error_value(status.error());
        return val::object();
    }

    val setSenderTrack(uint32_t id, std::string track_id, val stream_ids) {
        if (!pc_) return error_value(*creation_error_);
        auto status = pc_->set_sender_track(now(), id, std::move(track_id), string_list(stream_ids));
        if (!status) return error_value(status.error());
        return val::object();
    }

    val stopTransceiver(uint32_t id) {
        if (!pc_) return error_value(*creation_error_);
        auto status = pc_->stop_transceiver(now(), id);
        if (!status) return error_value(status.error());
        return val::object();
    }

    val transceivers() const { return pc_ ? transceivers_value(*pc_) : val::array(); }

    // samples: Int16Array(960), 20 ms of 48 kHz mono captured at now_ms.
    val sendAudio(uint32_t id, double now_ms, val samples) {
        if (!pc_) return error_value(*creation_error_);
        now_ms_ = now_ms;
        auto status = pc_->send_audio(now(), id, emscripten::convertJSArrayToNumberVector<int16_t>(samples));
        if (!status) return error_value(status.error());
        return val::object();
    }

    // The next 20 ms for playback, as a fresh Int16Array(960).
    val receiveAudio(uint32_t id, double now_ms) {
        now_ms_ = now_ms;
        audio::Samples frame = pc_ ? pc_->receive_audio(now(), id) : audio::Samples(audio::kFrameSamples, 0);
        val view(emscripten::typed_memory_view(frame.size(), frame.data()));
        return view.call<val>("slice");
    }

    bool canInsertDtmf(uint32_t id) const { return pc_ && pc_->can_insert_dtmf(id); }

    val playDtmfTone(uint32_t id, double now_ms, std::string tone, double duration_ms) {
        if (!pc_) return error_value(*creation_error_);
        now_ms_ = now_ms;
        if (tone.size() != 1) {
            return error_value({peer::ErrorName::kInvalidCharacterError, "one DTMF tone at a time", {}, {}});
        }
        auto duration = Duration::micros(static_cast<int64_t>(std::llround(duration_ms * 1000.0)));
        auto status = pc_->play_dtmf_tone(now(), id, tone[0], duration);
        if (!status) return error_value(status.error());
        return val::object();
    }

    // RTCStats dictionaries the core can fill: the transport, its selected pair and candidates,
    // and the local certificate.
    val getStats() {
        val out = val::array();
        if (!pc_) return out;
        double timestamp = now_ms_;
        val transport = val::object();
        transport.set("id", std::string("T01"));
        transport.set("type", std::string("transport"));
        transport.set("timestamp", timestamp);
        transport.set("iceState", std::string(ice::to_string(pc_->ice_connection_state())));
        transport.set("selectedCandidatePairChanges", 0);
        // Not in the W3C dictionary: the failing layer (relay, ice, dtls, sctp) and its reason.
        if (!pc_->failure().empty()) transport.set("polyrtcFailure", pc_->failure());
        auto selected = pc_->ice().selected_pair();
        if (selected) {
            transport.set("selectedCandidatePairId", std::string("CP01"));
            val pair = val::object();
            pair.set("id", std::string("CP01"));
            pair.set("type", std::string("candidate-pair"));
            pair.set("timestamp", timestamp);
            pair.set("transportId", std::string("T01"));
            pair.set("localCandidateId", std::string("CL01"));
            pair.set("remoteCandidateId", std::string("CR01"));
            pair.set("state", std::string(ice::to_string(selected->state)));
            pair.set("nominated", selected->nominated);
            out.call<void>("push", pair);
            for (const auto& [id, kind, candidate] : {std::make_tuple("CL01", "local-candidate", selected->local),
                                                      std::make_tuple("CR01", "remote-candidate", selected->remote)}) {
                val c = val::object();
                c.set("id", std::string(id));
                c.set("type", std::string(kind));
                c.set("timestamp", timestamp);
                c.set("transportId", std::string("T01"));
                c.set("address", candidate.address.ip().to_string());
                c.set("port", candidate.address.port());
                c.set("protocol", std::string("udp"));
                c.set("candidateType", std::string(ice::to_string(candidate.type)));
                c.set("priority", candidate.priority);
                out.call<void>("push", c);
            }
        }
        // The local certificate (RTCCertificateStats); JS turns `der` into base64Certificate.
        const dtls::Certificate& certificate = pc_->certificate();
        val local_certificate = val::object();
        local_certificate.set("id", std::string("CFlocal"));
        local_certificate.set("type", std::string("certificate"));
        local_certificate.set("timestamp", timestamp);
        local_certificate.set("fingerprint", certificate.fingerprint().hex());
        local_certificate.set("fingerprintAlgorithm", certificate.fingerprint().algorithm);
        local_certificate.set("der", to_uint8array(certificate.der()));
        out.call<void>("push", local_certificate);
        transport.set("localCertificateId", std::string("CFlocal"));
        out.call<void>("push", transport);
        append_media_stats(*pc_, timestamp, out);
        return out;
    }

    // --- inputs
    void handleReceive(double now_ms, val bytes) {
        now_ms_ = now_ms;
        if (pc_) pc_->handle_relay_receive(to_timestamp(now_ms), from_uint8array(bytes));
    }
    void handleTimeout(double now_ms) {
        now_ms_ = now_ms;
        if (pc_) pc_->handle_timeout(to_timestamp(now_ms));
    }
    void handleTransportClosed(double now_ms) {
        now_ms_ = now_ms;
        if (pc_) pc_->handle_relay_closed(to_timestamp(now_ms));
    }

    // --- outputs
    val pollTransmit() {
        if (!pc_) return val::null();
        auto frame = pc_->poll_relay_transmit();
        if (!frame) return val::null();
        val out = val::object();
        out.set("data", to_uint8array(*frame));
        return out;
    }
    val pollEvent() {
        if (!pc_) return val::null();
        auto event = pc_->poll_event();
        if (!event) return val::null();
        val out = event_value(*event);
        // The contract's bufferedamountlow carries the amount the engine still holds; without
        // it the page's bufferedAmount became NaN after the first drain.
        if (const auto* low = std::get_if<peer::ChannelBufferedAmountLowEvent>(&*event))
            out.set("bufferedAmount", bufferedAmount(low->handle));
        return out;
    }
    double pollTimeout() const {
        if (!pc_) return -1;
        auto deadline = pc_->poll_timeout();
        return deadline ? static_cast<double>(deadline->as_micros()) / 1000.0 : -1;
    }

    // --- getters
    std::string signalingState() const { return pc_ ? sdp::to_string(pc_->signaling_state()) : "closed"; }
    val localDescription() const { return pc_ ? description_value(pc_->local_description()) : val::null(); }
    val remoteDescription() const { return pc_ ? description_value(pc_->remote_description()) : val::null(); }
    val currentLocalDescription() const {
        return pc_ ? description_value(pc_->current_local_description()) : val::null();
    }
    val pendingLocalDescription() const {
        return pc_ ? description_value(pc_->pending_local_description()) : val::null();
    }
    val currentRemoteDescription() const {
        return pc_ ? description_value(pc_->current_remote_description()) : val::null();
    }
    val pendingRemoteDescription() const {
        return pc_ ? description_value(pc_->pending_remote_description()) : val::null();
    }
    bool negotiationNeeded() const { return pc_ && pc_->negotiation_needed(); }
    // The remote a=max-message-size once negotiated, else -1 (RTCSctpTransport.maxMessageSize).
    double maxMessageSize() const {
        auto size = pc_ ? pc_->max_message_size() : std::nullopt;
        return size ? static_cast<double>(*size) : -1;
    }

private:
    // Commands carry no time from JS; they run at the time of the latest input, which the
    // page's pump keeps current (every input and timer passes performance.now()).
    Timestamp now() const { return to_timestamp(now_ms_); }

    std::unique_ptr<peer::PeerConnection> pc_;
    std::optional<peer::ApiError> creation_error_;
    double now_ms_ = 0;
};

EMSCRIPTEN_BINDINGS(polyrtc_peer_connection) {
    emscripten::class_<PeerConnectionCore>("PeerConnectionCore")
        .constructor<val>()
        .function("createOffer", &PeerConnectionCore::createOffer)
        .function("createAnswer", &PeerConnectionCore::createAnswer)
        .function("setLocalDescription", &PeerConnectionCore::setLocalDescription)
        .function("setRemoteDescription", &PeerConnectionCore::setRemoteDescription)
        .function("addIceCandidate", &PeerConnectionCore::addIceCandidate)
        .function("createDataChannel", &PeerConnectionCore::createDataChannel)
        .function("sendData", &PeerConnectionCore::sendData)
        .function("closeDataChannel", &PeerConnectionCore::closeDataChannel)
        .function("bufferedAmount", &PeerConnectionCore::bufferedAmount)
        .function("restartIce", &PeerConnectionCore::restartIce)
        .function("close", &PeerConnectionCore::close)
        .function("addTransceiver", &PeerConnectionCore::addTransceiver)
        .function("setTransceiverDirection", &PeerConnectionCore::setTransceiverDirection)
        .function("setSenderTrack", &PeerConnectionCore::setSenderTrack)
        .function("stopTransceiver", &PeerConnectionCore::stopTransceiver)
        .function("transceivers", &PeerConnectionCore::transceivers)
        .function("sendAudio", &PeerConnectionCore::sendAudio)
        .function("receiveAudio", &PeerConnectionCore::receiveAudio)
        .function("canInsertDtmf", &PeerConnectionCore::canInsertDtmf)
        .function("playDtmfTone", &PeerConnectionCore::playDtmfTone)
        .function("getStats", &PeerConnectionCore::getStats)
        .function("handleReceive", &PeerConnectionCore::handleReceive)
        .function("handleTimeout", &PeerConnectionCore::handleTimeout)
        .function("handleTransportClosed", &PeerConnectionCore::handleTransportClosed)
        .function("pollTransmit", &PeerConnectionCore::pollTransmit)
        .function("pollEvent", &PeerConnectionCore::pollEvent)
        .function("pollTimeout", &PeerConnectionCore::pollTimeout)
        .property("signalingState", &PeerConnectionCore::signalingState)
        .property("localDescription", &PeerConnectionCore::localDescription)
        .property("remoteDescription", &PeerConnectionCore::remoteDescription)
        .property("currentLocalDescription", &PeerConnectionCore::currentLocalDescription)
        .property("pendingLocalDescription", &PeerConnectionCore::pendingLocalDescription)
        .property("currentRemoteDescription", &PeerConnectionCore::currentRemoteDescription)
        .property("pendingRemoteDescription", &PeerConnectionCore::pendingRemoteDescription)
        .property("negotiationNeeded", &PeerConnectionCore::negotiationNeeded)
        .property("maxMessageSize", &PeerConnectionCore::maxMessageSize);
}

}  // namespace polyrtc::wasm
