// PeerConnection's media half: transceiver commands, the negotiated audio handed to the
// media session, and its packets routed over the selected ICE pair. The routing of the other
// engines is in peer_connection.cpp.
#include <algorithm>

#include "core/peer/peer_connection.hpp"

namespace polyrtc::peer {

namespace {

ApiError from_media_error(media::MediaError error) {
    ApiError out{ErrorName::kInvalidStateError, media::to_string(error), {}, {}};
    switch (error) {
        case media::MediaError::kBadTone: out.name = ErrorName::kInvalidCharacterError; break;
        case media::MediaError::kBadFrame: out.name = ErrorName::kTypeError; break;
        case media::MediaError::kBadKeys: out.name = ErrorName::kOperationError; break;
        default: break;
    }
    return out;
}

ApiError closed_media_error() {
    return ApiError{ErrorName::kInvalidStateError, "the RTCPeerConnection is closed", {}, {}};
}

}  // namespace

Result<sdp::TransceiverId, ApiError> PeerConnection::add_transceiver(Timestamp now, const TransceiverRequest& request) {
    if (closed_) return unexpected(closed_media_error());
    if (request.kind != "audio") {
        return unexpected(ApiError{
            ErrorName::kNotSupportedError,
            "polyrtc sends and receives audio only; a " + request.kind + " transceiver cannot be added (docs/media.md)",
            {},
            {}});
    }
    sdp::TransceiverInit init;
    init.kind = request.kind;
    init.direction = request.direction;
    init.cname = cname_;
    init.stream_ids = request.stream_ids;
    init.track_id = request.track_id;
    init.ssrc = draw_ssrc();
    auto id = negotiator_.add_transceiver(init);
    if (!id) return unexpected(from_negotiation(id.error()));
    check_transceiver_negotiation();
    pump(now);
    return *id;
}

Status<ApiError> PeerConnection::set_transceiver_direction(Timestamp now, sdp::TransceiverId id,
                                                           sdp::Direction direction) {
    if (closed_) return unexpected(closed_media_error());
    auto status = negotiator_.set_direction(id, direction);
    if (!status) return unexpected(from_negotiation(status.error()));
    check_transceiver_negotiation();
    pump(now);
    return {};
}

Status<ApiError> PeerConnection::set_sender_track(Timestamp now, sdp::TransceiverId id, std::string track_id,
                                                  std::vector<std::string> stream_ids) {
    if (closed_) return unexpected(closed_media_error());
    auto status = negotiator_.set_sender(id, std::move(track_id), std::move(stream_ids));
    if (!status) return unexpected(from_negotiation(status.error()));
    check_transceiver_negotiation();
    pump(now);
    return {};
}

Status<ApiError> PeerConnection::stop_transceiver(Timestamp now, sdp::TransceiverId id) {
    if (closed_) return unexpected(closed_media_error());
    auto status = negotiator_.stop_transceiver(id);
    if (!status) return unexpected(from_negotiation(status.error()));
    // W3C "stop sending and receiving": at once, not when the next offer is applied.
    media_.remove(id);
    check_transceiver_negotiation();
    pump(now);
    return {};
}

Status<ApiError> PeerConnection::send_audio(Timestamp now, sdp::TransceiverId id, const audio::Samples& frame) {
    if (closed_) return unexpected(closed_media_error());
    auto status = media_.send_audio(now, id, frame);
    pump(now);
    // A transceiver that does not send (yet) drops the frame: capture runs before negotiation.
    if (!status && status.error() == media::MediaError::kBadFrame) return unexpected(from_media_error(status.error()));
    return {};
}

audio::Samples PeerConnection::receive_audio(Timestamp now, sdp::TransceiverId id) {
    if (closed_) return audio::Samples(audio::kFrameSamples, 0);
    return media_.receive_audio(now, id);
}

bool PeerConnection::can_insert_dtmf(sdp::TransceiverId id) const {
    return !closed_ && media_.can_insert_dtmf(id);
}

Status<ApiError> PeerConnection::play_dtmf_tone(Timestamp now, sdp::TransceiverId id, char tone, Duration duration) {
    if (closed_) return unexpected(closed_media_error());
    auto status = media_.play_dtmf(now, id, tone, duration);
    if (!status) return unexpected(from_media_error(status.error()));
    pump(now);
    return {};
}

uint32_t PeerConnection::draw_ssrc() {
    // Non-zero (0 marks "not assigned") and distinct from every SSRC of this connection.
    for (;;) {
        uint32_t ssrc = rng_.next_u32();
        if (ssrc == 0) continue;
        const auto& all = negotiator_.transceivers();
        if (std::none_of(all.begin(), all.end(), [&](const sdp::TransceiverState& t) { return t.ssrc == ssrc; })) {
            return ssrc;
        }
    }
}

void PeerConnection::apply_negotiated_media() {
    // Transceivers a remote offer created have no SSRC of their own yet.
    for (const auto& t : negotiator_.transceivers()) {
        if (t.ssrc == 0) (void)negotiator_.set_local_ssrc(t.id, draw_ssrc(), cname_);
    }
    std::vector<sdp::NegotiatedAudio> negotiated = negotiator_.negotiated_audio();
    for (const auto& t : negotiator_.transceivers()) {
        auto it = std::find_if(negotiated.begin(), negotiated.end(),
                               [&](const sdp::NegotiatedAudio& a) { return a.transceiver == t.id; });
        if (it == negotiated.end() || t.stopped || t.stopping) {
            media_.remove(t.id);
            continue;
        }
        std::optional<media::AudioSendConfig> send;
        if (it->send) {
            media::AudioSendConfig c;
            c.mid = it->mid;
            c.ssrc = it->local_ssrc;
            c.cname = it->local_cname;
            c.opus_payload_type = it->opus_payload_type;
            c.dtmf_payload_type = it->dtmf_payload_type;
            c.dtmf_clock_rate = it->dtmf_clock_rate;
            c.audio_level_extension_id = it->audio_level_extension_id;
            c.mid_extension_id = it->mid_extension_id;
            send = std::move(c);
        }
        std::optional<media::AudioReceiveConfig> receive;
        if (it->recv) {
            media::AudioReceiveConfig c;
            c.mid = it->mid;
            c.remote_ssrcs = it->remote_ssrcs;
            c.opus_payload_type = it->opus_payload_type;
            c.dtmf_payload_types = it->receive_dtmf_payload_types;
            c.dtmf_clock_rates = it->receive_dtmf_clock_rates;
            c.audio_level_extension_id = it->audio_level_extension_id;
            c.mid_extension_id = it->mid_extension_id;
            receive = std::move(c);
        }
        (void)media_.configure(t.id, send, receive);
    }
}

void PeerConnection::check_transceiver_negotiation() {
    if (!closed_ && negotiator_.signaling_state() == sdp::SignalingState::kStable &&
        negotiator_.transceivers_need_negotiation()) {
        events_.push_back(NegotiationNeededEvent{});
    }
}

bool PeerConnection::drain_media(Timestamp now) {
    bool moved = false;
    while (auto packet = media_.poll_transmit()) {
        moved = true;
        // Media goes only on the selected pair (RFC 8445 section 12); before one exists there
        // are no keys either, so nothing is lost here that would have been sent.
        if (selected_pair_ && !relay_closed_) (void)turn_.send(selected_pair_->remote.address, *packet, now);
    }
    while (auto event = media_.poll_event()) {
        moved = true;
        if (auto* dtmf = std::get_if<media::DtmfReceivedEvent>(&*event)) {
            events_.push_back(DtmfReceivedEvent{dtmf->transceiver, dtmf->tone, dtmf->duration});
        }
    }
    return moved;
}

}  // namespace polyrtc::peer
