// SessionNegotiator's transceivers: the W3C API commands (addTransceiver, direction, stop),
// how applied descriptions associate and update them (W3C webrtc-pc 4.4.1.5), what a
// completed negotiation gives the RTP layer, and "check if negotiation is needed".
#include <algorithm>

#include "core/sdp/jsep.hpp"
#include "core/sdp/text.hpp"

namespace polyrtc::sdp {

namespace {

Unexpected<NegotiationError> error(JsepError name, std::string message) {
    return unexpected(NegotiationError{name, std::move(message), std::nullopt});
}

// a=msid ids (RFC 8830 section 2: 1*64 token-char; we take what a=msid parses back).
bool valid_msid_id(const std::string& id) {
    return !id.empty() && id.size() <= 64 && text::is_non_ws_string(id) && id != "-";
}

Status<NegotiationError> check_sender(const std::string& track_id, const std::vector<std::string>& stream_ids) {
    if (!track_id.empty() && !valid_msid_id(track_id)) {
        return error(JsepError::kTypeError, "track id \"" + track_id + "\" cannot be written in a=msid");
    }
    for (const auto& s : stream_ids) {
        if (!valid_msid_id(s))
            return error(JsepError::kTypeError, "stream id \"" + s + "\" cannot be written in a=msid");
    }
    return {};
}

// RFC 7022 CNAMEs are short random strings; anything without whitespace reads back.
bool valid_cname(const std::string& cname) {
    return cname.size() <= 255 && (cname.empty() || text::is_non_ws_string(cname));
}

}  // namespace

TransceiverState* SessionNegotiator::find_transceiver(TransceiverId id) {
    for (auto& t : transceivers_) {
        if (t.id == id) return &t;
    }
    return nullptr;
}

TransceiverState* SessionNegotiator::transceiver_with_mid(std::string_view mid) {
    for (auto& t : transceivers_) {
        if (t.mid == mid) return &t;
    }
    return nullptr;
}

const TransceiverState* SessionNegotiator::transceiver_with_mid(std::string_view mid) const {
    for (const auto& t : transceivers_) {
        if (t.mid == mid) return &t;
    }
    return nullptr;
}

AudioSender SessionNegotiator::sender_of(const TransceiverState& t) {
    return AudioSender{t.ssrc, t.cname, t.stream_ids, t.track_id};
}

Result<TransceiverId, NegotiationError> SessionNegotiator::add_transceiver(const TransceiverInit& init) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "addTransceiver: closed");
    if (init.kind != "audio") {
        return error(JsepError::kTypeError, "addTransceiver: kind \"" + init.kind + "\" is not supported");
    }
    if (auto s = check_sender(init.track_id, init.stream_ids); !s) return unexpected(s.error());
    if (!valid_cname(init.cname)) return error(JsepError::kTypeError, "addTransceiver: cname cannot be written");
    TransceiverState t;
    t.id = next_transceiver_id_++;
    t.kind = init.kind;
    t.direction = init.direction;
    t.ssrc = init.ssrc;
    t.cname = init.cname;
    t.stream_ids = init.stream_ids;
    t.track_id = init.track_id;
    transceivers_.push_back(std::move(t));
    return transceivers_.back().id;
}

Status<NegotiationError> SessionNegotiator::set_direction(TransceiverId id, Direction direction) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "direction: closed");
    TransceiverState* t = find_transceiver(id);
    if (t == nullptr) return error(JsepError::kOperationError, "direction: unknown transceiver");
    if (t->stopping || t->stopped) return error(JsepError::kInvalidStateError, "direction: the transceiver is stopped");
    t->direction = direction;
    return {};
}

Status<NegotiationError> SessionNegotiator::set_sender(TransceiverId id, std::string track_id,
                                                       std::vector<std::string> stream_ids) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "sender: closed");
    TransceiverState* t = find_transceiver(id);
    if (t == nullptr) return error(JsepError::kOperationError, "sender: unknown transceiver");
    if (t->stopping || t->stopped) return error(JsepError::kInvalidStateError, "sender: the transceiver is stopped");
    if (auto s = check_sender(track_id, stream_ids); !s) return s;
    t->track_id = std::move(track_id);
    t->stream_ids = std::move(stream_ids);
    return {};
}

Status<NegotiationError> SessionNegotiator::set_local_ssrc(TransceiverId id, uint32_t ssrc, std::string cname) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "ssrc: closed");
    TransceiverState* t = find_transceiver(id);
    if (t == nullptr) return error(JsepError::kOperationError, "ssrc: unknown transceiver");
    if (!valid_cname(cname)) return error(JsepError::kTypeError, "ssrc: cname cannot be written");
    t->ssrc = ssrc;
    t->cname = std::move(cname);
    return {};
}

Status<NegotiationError> SessionNegotiator::stop_transceiver(TransceiverId id) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "stop: closed");
    TransceiverState* t = find_transceiver(id);
    if (t == nullptr) return error(JsepError::kOperationError, "stop: unknown transceiver");
    if (t->stopped) return {};
    if (!t->mid) {
        // Never in a description: there is no section to reject, so nothing to negotiate.
        t->stopped = true;
        t->current_direction.reset();
        return {};
    }
    t->stopping = true;
    return {};
}

void SessionNegotiator::associate_remote_offer(const SessionDescription& offer) {
    for (const auto& m : offer.media) {
        if (m.rejected() || m.media != "audio") continue;
        auto mid = m.mid();
        if (!mid || transceiver_with_mid(*mid) != nullptr) continue;
        // A section we would reject (no Opus, no rtcp-mux, not DTLS-SRTP) gets no transceiver.
        if (!read_audio_formats(m)) continue;
        // W3C 4.4.1.5: "find a transceiver created by addTrack" that has no mid yet.
        auto it = std::find_if(transceivers_.begin(), transceivers_.end(), [](const TransceiverState& t) {
            return t.kind == "audio" && !t.mid && !t.stopping && !t.stopped && !t.created_by_remote &&
                   has_send(t.direction);
        });
        if (it != transceivers_.end()) {
            it->mid = std::string(*mid);
            continue;
        }
        TransceiverState t;
        t.id = next_transceiver_id_++;
        t.kind = "audio";
        t.mid = std::string(*mid);
        t.direction = Direction::kRecvonly;
        t.created_by_remote = true;
        transceivers_.push_back(std::move(t));
    }
}

void SessionNegotiator::update_remote_senders(const SessionDescription& remote) {
    for (auto& t : transceivers_) {
        if (!t.mid) continue;
        auto i = remote.find_mid(*t.mid);
        if (!i) continue;
        const MediaDescription& m = remote.media[*i];
        if (m.rejected() || m.media != "audio") {
            t.remote_sending = false;
            continue;
        }
        RemoteSender sender = read_remote_sender(m);
        t.remote_stream_ids = std::move(sender.stream_ids);
        t.remote_track_id = std::move(sender.track_id);
        t.remote_sending = has_send(section_direction(m));
    }
}

void SessionNegotiator::update_current_directions(const SessionDescription& local, const SessionDescription& remote,
                                                  bool local_is_answer, bool final) {
    for (auto& t : transceivers_) {
        if (!t.mid || t.stopped) continue;
        auto li = local.find_mid(*t.mid);
        auto ri = remote.find_mid(*t.mid);
        bool accepted = li && ri && !local.media[*li].rejected() && !remote.media[*ri].rejected() &&
                        local.media[*li].media == "audio";
        if (!accepted) {
            // W3C 4.4.1.5: a transceiver whose section a completed negotiation rejects is stopped.
            if (final) {
                t.stopped = true;
                t.stopping = false;
                t.current_direction.reset();
                t.remote_sending = false;
            }
            continue;
        }
        // The answer's direction is the negotiated one; the offerer sees it reversed.
        Direction answered = section_direction(local_is_answer ? local.media[*li] : remote.media[*ri]);
        t.current_direction = local_is_answer ? answered : reversed(answered);
    }
}

void SessionNegotiator::restore_transceivers() {
    if (!transceivers_before_offer_) return;
    const auto& before = *transceivers_before_offer_;
    std::vector<TransceiverState> out;
    for (auto& t : transceivers_) {
        auto old = std::find_if(before.begin(), before.end(), [&](const TransceiverState& b) { return b.id == t.id; });
        if (old != before.end()) {
            // What the rolled-back offer changed goes back; the app's changes stay.
            t.mid = old->mid;
            t.created_by_remote = old->created_by_remote;
            t.remote_stream_ids = old->remote_stream_ids;
            t.remote_track_id = old->remote_track_id;
            t.remote_sending = old->remote_sending;
            t.current_direction = old->current_direction;
            out.push_back(std::move(t));
        } else if (t.created_by_remote && t.track_id.empty()) {
            // W3C 4.4.1.5 (rollback): made by the remote offer and not since given a track.
            continue;
        } else {
            t.mid.reset();
            t.remote_stream_ids.clear();
            t.remote_track_id.clear();
            t.remote_sending = false;
            out.push_back(std::move(t));
        }
    }
    transceivers_ = std::move(out);
    transceivers_before_offer_.reset();
}

std::vector<NegotiatedAudio> SessionNegotiator::negotiated_audio() const {
    std::vector<NegotiatedAudio> out;
    const SessionDescription* local = nullptr;
    const SessionDescription* remote = nullptr;
    bool local_offered = false;
    if (!negotiated_pair(local, remote, local_offered)) return out;
    for (const auto& t : transceivers_) {
        if (!t.mid || t.stopped || !t.current_direction) continue;
        auto li = local->find_mid(*t.mid);
        auto ri = remote->find_mid(*t.mid);
        if (!li || !ri) continue;
        const MediaDescription& lm = local->media[*li];
        const MediaDescription& rm = remote->media[*ri];
        if (lm.rejected() || rm.rejected() || lm.media != "audio" || rm.media != "audio") continue;
        // The answer holds what both sides have, with the offer's payload types.
        auto formats = read_audio_formats(local_offered ? rm : lm);
        if (!formats) continue;
        NegotiatedAudio a;
        a.transceiver = t.id;
        a.mid = *t.mid;
        a.send = has_send(*t.current_direction);
        a.recv = has_recv(*t.current_direction);
        a.opus_payload_type = formats->opus_payload_type;
        if (formats->telephone_event_48000) {
            a.dtmf_payload_type = formats->telephone_event_48000;
            a.dtmf_clock_rate = 48000;
            a.receive_dtmf_payload_types.push_back(*formats->telephone_event_48000);
            a.receive_dtmf_clock_rates.push_back(48000);
        }
        if (formats->telephone_event_8000) {
            if (!a.dtmf_payload_type) {
                a.dtmf_payload_type = formats->telephone_event_8000;
                a.dtmf_clock_rate = 8000;
            }
            a.receive_dtmf_payload_types.push_back(*formats->telephone_event_8000);
            a.receive_dtmf_clock_rates.push_back(8000);
        }
        a.audio_level_extension_id = formats->audio_level_extension_id;
        a.mid_extension_id = formats->mid_extension_id;
        a.local_ssrc = t.ssrc;
        a.local_cname = t.cname;
        for (const auto& s : rm.ssrcs()) {
            if (std::find(a.remote_ssrcs.begin(), a.remote_ssrcs.end(), s.ssrc) == a.remote_ssrcs.end()) {
                a.remote_ssrcs.push_back(s.ssrc);
            }
        }
        out.push_back(std::move(a));
    }
    return out;
}

bool SessionNegotiator::transceivers_need_negotiation() const {
    // W3C "check if negotiation is needed" runs only in stable; leaving a negotiation re-checks.
    if (state_ != SignalingState::kStable) return false;
    const SessionDescription* local = current_local_ ? &*current_local_ : nullptr;
    const SessionDescription* remote = current_remote_ ? &*current_remote_ : nullptr;
    for (const auto& t : transceivers_) {
        if (t.stopped) continue;
        if (t.stopping) return true;  // its section is not rejected yet
        if (!t.mid || local == nullptr) return true;
        auto li = local->find_mid(*t.mid);
        if (!li) return true;
        const MediaDescription& lm = local->media[*li];
        if (lm.rejected()) continue;  // stopped when that negotiation completed
        Direction written = section_direction(lm);
        if (current_local_type_ == SdpType::kOffer) {
            if (written != t.direction) return true;
        } else if (remote != nullptr) {
            // W3C step 5.4 for an answerer: the answer's direction is ours limited by the offer.
            auto ri = remote->find_mid(*t.mid);
            if (ri) {
                Direction offered = section_direction(remote->media[*ri]);
                Direction expected = make_direction(has_send(t.direction) && has_recv(offered),
                                                    has_recv(t.direction) && has_send(offered));
                if (written != expected) return true;
            }
        }
        if (has_send(t.direction)) {
            std::vector<std::string> written_streams;
            for (const auto& msid : lm.msids()) written_streams.push_back(msid.stream_id);
            auto wanted = msid_streams(t.track_id, t.stream_ids);
            std::sort(written_streams.begin(), written_streams.end());
            std::sort(wanted.begin(), wanted.end());
            if (written_streams != wanted) return true;
        }
    }
    return false;
}

}  // namespace polyrtc::sdp
