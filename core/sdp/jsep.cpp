#include "core/sdp/jsep.hpp"

#include <algorithm>

namespace polyrtc::sdp {

const char* to_string(SdpType type) {
    switch (type) {
        case SdpType::kOffer: return "offer";
        case SdpType::kPranswer: return "pranswer";
        case SdpType::kAnswer: return "answer";
        case SdpType::kRollback: return "rollback";
    }
    return "offer";
}

std::optional<SdpType> parse_sdp_type(std::string_view type) {
    if (type == "offer") return SdpType::kOffer;
    if (type == "pranswer") return SdpType::kPranswer;
    if (type == "answer") return SdpType::kAnswer;
    if (type == "rollback") return SdpType::kRollback;
    return std::nullopt;
}

const char* to_string(SignalingState state) {
    switch (state) {
        case SignalingState::kStable: return "stable";
        case SignalingState::kHaveLocalOffer: return "have-local-offer";
        case SignalingState::kHaveRemoteOffer: return "have-remote-offer";
        case SignalingState::kHaveLocalPranswer: return "have-local-pranswer";
        case SignalingState::kHaveRemotePranswer: return "have-remote-pranswer";
        case SignalingState::kClosed: return "closed";
    }
    return "closed";
}

const char* to_string(JsepError error) {
    switch (error) {
        case JsepError::kInvalidStateError: return "InvalidStateError";
        case JsepError::kInvalidModificationError: return "InvalidModificationError";
        case JsepError::kInvalidAccessError: return "InvalidAccessError";
        case JsepError::kOperationError: return "OperationError";
        case JsepError::kTypeError: return "TypeError";
    }
    return "OperationError";
}

std::string NegotiationError::to_string() const {
    return std::string(sdp::to_string(name)) + ": " + message;
}

namespace {

Unexpected<NegotiationError> error(JsepError name, std::string message) {
    return unexpected(NegotiationError{name, std::move(message), std::nullopt});
}

// The description without candidates, for "did the SDP change?" comparisons.
SessionDescription strip_candidates(SessionDescription sd) {
    sd.remove_all("candidate");
    sd.remove_all("end-of-candidates");
    for (auto& m : sd.media) {
        m.remove_all("candidate");
        m.remove_all("end-of-candidates");
    }
    sd.origin.session_version = 0;
    return sd;
}

// Inserts a=candidate after the section's last candidate, or first (where Chromium puts them).
void insert_candidate(AttributeList& list, const Candidate& c) {
    std::string value = c.to_string().substr(std::string_view("candidate:").size());
    for (const auto* a : list.find_all("candidate")) {
        if (a->value == value) return;  // already there
    }
    auto last = list.attributes.end();
    for (auto it = list.attributes.begin(); it != list.attributes.end(); ++it) {
        if (it->name == "candidate") last = it;
    }
    auto pos = last == list.attributes.end() ? list.attributes.begin() : last + 1;
    list.attributes.insert(pos, Attribute{"candidate", std::move(value), 0});
}

bool is_dtls_protocol(std::string_view protocol) {
    return protocol.find("DTLS") != std::string_view::npos || protocol.find("TLS") != std::string_view::npos;
}

std::string section_name(const SessionDescription& sd, size_t i) {
    auto mid = sd.media[i].mid();
    return "m-section " + std::to_string(i) + (mid ? " (mid " + std::string(*mid) + ")" : std::string());
}

}  // namespace

SessionNegotiator::SessionNegotiator(NegotiatorConfig config, crypto::Csprng& rng)
    : config_(std::move(config)),
      session_id_(std::to_string(rng.next_u64() & 0x7fffffffffffffffULL)),  // RFC 3264: < 2^63
      local_ice_(IceCredentials::generate(rng)),
      negotiated_local_ice_(local_ice_) {}

const SessionDescription* SessionNegotiator::local_description() const {
    if (pending_local_) return &*pending_local_;
    return current_local_ ? &*current_local_ : nullptr;
}

const SessionDescription* SessionNegotiator::remote_description() const {
    if (pending_remote_) return &*pending_remote_;
    return current_remote_ ? &*current_remote_ : nullptr;
}

std::optional<SdpType> SessionNegotiator::local_type() const {
    if (pending_local_) return pending_local_type_;
    if (current_local_) return current_local_type_;
    return std::nullopt;
}

std::optional<SdpType> SessionNegotiator::remote_type() const {
    if (pending_remote_) return pending_remote_type_;
    if (current_remote_) return current_remote_type_;
    return std::nullopt;
}

// ---- Writing descriptions ----

void SessionNegotiator::write_section(SessionDescription& sd, const Section& s, Setup setup,
                                      const IceCredentials& ice) const {
    MediaDescription m;
    m.media = s.media;
    m.protocol = s.protocol;
    m.connection = Connection{};
    if (s.kind == SectionKind::kRejected) {
        // RFC 8829 section 5.3.1: a rejected section has port 0 and keeps its mid.
        m.port = 0;
        m.formats = {s.formats.empty() ? std::string("0") : s.formats.front()};
        if (!s.mid.empty()) m.add("mid", s.mid);
        sd.media.push_back(std::move(m));
        return;
    }
    m.port = 9;  // RFC 8829 section 5.2.1: the discard port until a candidate is chosen
    m.formats = s.formats;
    // RFC 8829 section 5.2.1: RTP sections carry a=rtcp with the discard port (RFC 3605).
    if (s.kind == SectionKind::kAudio) m.add("rtcp", "9 IN IP4 0.0.0.0");
    m.add("ice-ufrag", ice.ufrag);
    m.add("ice-pwd", ice.pwd);
    m.add("ice-options", "trickle");
    m.add("fingerprint", config_.fingerprint.to_sdp());
    m.add("setup", to_string(setup));
    m.add("mid", s.mid);
    if (s.kind == SectionKind::kAudio) {
        write_audio_section(m, s.audio, s.direction, s.sender);
    } else if (s.kind == SectionKind::kDatachannel) {
        m.add("sctp-port", std::to_string(config_.sctp_port));
        m.add("max-message-size", std::to_string(config_.max_message_size));
    } else {
        m.add("sctpmap", std::to_string(config_.sctp_port) + " webrtc-datachannel 1024");
        m.formats = {std::to_string(config_.sctp_port)};
    }
    sd.media.push_back(std::move(m));
}

SessionDescription SessionNegotiator::build_description(const std::vector<Section>& sections,
                                                        const std::vector<std::string>& bundle, Setup setup,
                                                        const IceCredentials& ice) const {
    SessionDescription sd;
    sd.origin.session_id = session_id_;
    sd.fields.push_back(Field{'t', "0 0"});
    if (!bundle.empty()) sd.add("group", Group{"BUNDLE", bundle}.to_value());
    sd.add_flag("extmap-allow-mixed");
    sd.add("msid-semantic", MsidSemantic{"WMS", {}}.to_value());
    for (const auto& s : sections) write_section(sd, s, setup, ice);
    return sd;
}

std::string SessionNegotiator::finish(SessionDescription sd) {
    // RFC 8829 sections 5.2.2/5.3.2: same <sess-id>; <sess-version> is the previous local
    // description's, plus one if anything but candidates changed. The first is 0 (5.2.1).
    const SessionDescription* previous = local_description();
    if (previous == nullptr) {
        sd.origin.session_version = 0;
    } else {
        bool same = strip_candidates(*previous) == strip_candidates(sd);
        sd.origin.session_version = previous->origin.session_version + (same ? 0 : 1);
    }
    return sd.to_string();
}

std::vector<SessionNegotiator::Section> SessionNegotiator::sections_of(const SessionDescription& base) const {
    std::vector<Section> out;
    for (const auto& m : base.media) {
        Section s;
        s.mid = std::string(m.mid().value_or(""));
        s.media = m.media;
        s.protocol = m.protocol;
        s.formats = m.formats;
        s.kind = SectionKind::kRejected;
        if (!m.rejected() && m.is_datachannel()) {
            s.kind = m.protocol == "DTLS/SCTP" ? SectionKind::kLegacyDatachannel : SectionKind::kDatachannel;
        } else if (const TransceiverState* t = transceiver_with_mid(s.mid);
                   t != nullptr && !m.rejected() && !t->stopping && !t->stopped) {
            // Our own section: it reads back, and its payload types stay those negotiated.
            if (auto formats = read_audio_formats(m)) {
                s.kind = SectionKind::kAudio;
                s.transceiver = t->id;
                s.direction = t->direction;
                s.audio = *formats;
                s.sender = sender_of(*t);
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

Result<std::string, NegotiationError> SessionNegotiator::create_offer(crypto::Csprng& rng,
                                                                      const OfferOptions& options) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "createOffer: closed");
    // RFC 8829 section 5.2.2: keep every m= section of the current local description, in
    // order, with its mid; then a section for each transceiver without one (5.2.1), then a
    // data channel section if none is active.
    std::vector<Section> sections;
    if (const SessionDescription* base = local_description()) sections = sections_of(*base);
    auto next_mid = [&] {
        for (size_t n = 0;; ++n) {
            std::string mid = std::to_string(n);
            bool used = std::any_of(sections.begin(), sections.end(), [&](const Section& x) { return x.mid == mid; }) ||
                        std::any_of(transceivers_.begin(), transceivers_.end(),
                                    [&](const TransceiverState& t) { return t.mid == mid; });
            if (!used) return mid;
        }
    };
    last_created_offer_mids_.clear();
    for (const auto& t : transceivers_) {
        if (t.mid || t.stopping || t.stopped) continue;
        Section s;
        s.mid = next_mid();
        s.kind = SectionKind::kAudio;
        s.media = "audio";
        s.protocol = "UDP/TLS/RTP/SAVPF";
        s.transceiver = t.id;
        s.direction = t.direction;
        s.sender = sender_of(t);
        last_created_offer_mids_.emplace_back(t.id, s.mid);
        sections.push_back(std::move(s));
    }
    bool has_datachannel = std::any_of(sections.begin(), sections.end(), [](const Section& s) {
        return s.kind == SectionKind::kDatachannel || s.kind == SectionKind::kLegacyDatachannel;
    });
    if (!has_datachannel && options.datachannel) {
        Section s;
        s.kind = SectionKind::kDatachannel;
        s.mid = next_mid();
        sections.push_back(std::move(s));
    }
    std::vector<std::string> bundle;
    for (const auto& s : sections) {
        if (s.kind != SectionKind::kRejected) bundle.push_back(s.mid);
    }
    bool restart = (options.ice_restart || ice_restart_requested_) && any_description_;
    IceCredentials ice = restart ? IceCredentials::generate(rng) : local_ice_;
    // RFC 8829 section 5.2.1 / RFC 8842 section 5.3: offers use actpass.
    std::string text = finish(build_description(sections, bundle, Setup::kActpass, ice));
    last_created_offer_ = text;
    last_created_offer_ice_ = ice;
    return text;
}

Result<std::string, NegotiationError> SessionNegotiator::create_answer(crypto::Csprng& rng) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "createAnswer: closed");
    if (state_ != SignalingState::kHaveRemoteOffer && state_ != SignalingState::kHaveLocalPranswer) {
        return error(JsepError::kInvalidStateError,
                     std::string("createAnswer: no remote offer (signaling state is ") + to_string(state_) + ")");
    }
    const SessionDescription& offer = *pending_remote_;
    std::vector<Section> sections;
    std::optional<size_t> accepted;  // the first accepted section: it carries the transport
    bool datachannel = false;
    auto offered_group = offer.bundle_group();
    for (size_t i = 0; i < offer.media.size(); ++i) {
        const MediaDescription& m = offer.media[i];
        Section s;
        s.mid = std::string(m.mid().value_or(""));
        s.media = m.media;
        s.protocol = m.protocol;
        s.formats = m.formats;
        s.kind = SectionKind::kRejected;
        if (!datachannel && !m.rejected() && m.is_datachannel()) {
            s.kind = m.protocol == "DTLS/SCTP" ? SectionKind::kLegacyDatachannel : SectionKind::kDatachannel;
            datachannel = true;
        } else if (const TransceiverState* t = transceiver_with_mid(s.mid);
                   t != nullptr && !m.rejected() && m.media == "audio" && !t->stopping && !t->stopped) {
            if (auto formats = read_audio_formats(m)) {
                // RFC 3264 section 6.1 / RFC 8829 section 5.3.1: what we want, limited by the
                // offer read from the other side (offer sendonly -> at most recvonly).
                Direction offered = section_direction(m);
                s.kind = SectionKind::kAudio;
                s.transceiver = t->id;
                s.direction = make_direction(has_send(t->direction) && has_recv(offered),
                                             has_recv(t->direction) && has_send(offered));
                s.audio = *formats;
                s.sender = sender_of(*t);
            }
        }
        // We run one transport (RFC 8843): an accepted section must be in the offer's BUNDLE
        // group, or be the only one accepted when the offer has no group.
        if (s.kind != SectionKind::kRejected) {
            bool bundled = offered_group ? std::find(offered_group->mids.begin(), offered_group->mids.end(), s.mid) !=
                                               offered_group->mids.end()
                                         : !accepted;
            if (!bundled) {
                if (s.kind != SectionKind::kAudio) datachannel = false;
                s.kind = SectionKind::kRejected;
            }
        }
        if (s.kind != SectionKind::kRejected && !accepted) accepted = i;
        sections.push_back(std::move(s));
    }
    // RFC 8843 section 7.3: the answer's BUNDLE group holds the accepted mids of the offer's.
    std::vector<std::string> bundle;
    if (offered_group) {
        for (const auto& mid : offered_group->mids) {
            auto it = std::find_if(sections.begin(), sections.end(), [&](const Section& s) { return s.mid == mid; });
            if (it != sections.end() && it->kind != SectionKind::kRejected) bundle.push_back(mid);
        }
    }
    // RFC 8842 section 5.3: answer actpass with active (or keep an established role, 5.5),
    // active with passive, passive with active. RFC 4145: no a=setup in an offer means active.
    Setup setup = Setup::kActive;
    if (accepted) {
        switch (offer.effective_setup(*accepted).value_or(Setup::kActive)) {
            case Setup::kActpass: setup = dtls_role_ == DtlsRole::kServer ? Setup::kPassive : Setup::kActive; break;
            case Setup::kActive: setup = Setup::kPassive; break;
            case Setup::kPassive: setup = Setup::kActive; break;
            case Setup::kHoldconn: setup = Setup::kHoldconn; break;
        }
    }
    // RFC 8839 section 4.4.1.1.1: when the offerer restarts ICE, so does the answerer.
    IceCredentials ice = local_ice_;
    if (state_ == SignalingState::kHaveLocalPranswer && pending_local_) {
        ice = local_ice_;  // the pranswer's: the final answer keeps them
    } else if (accepted && current_remote_) {
        auto mid = offer.media[*accepted].mid();
        auto old_index = mid ? current_remote_->find_mid(*mid) : std::nullopt;
        auto new_ufrag = offer.effective_value(*accepted, "ice-ufrag");
        if (old_index && current_remote_->effective_value(*old_index, "ice-ufrag") != new_ufrag) {
            ice = IceCredentials::generate(rng);
        }
    }
    std::string text = finish(build_description(sections, bundle, setup, ice));
    last_created_answer_ = text;
    last_created_answer_ice_ = ice;
    return text;
}

// ---- Applying descriptions ----

Status<NegotiationError> SessionNegotiator::set_local(SdpType type, std::string_view sdp) {
    return apply(false, type, sdp);
}

Status<NegotiationError> SessionNegotiator::set_remote(SdpType type, std::string_view sdp) {
    return apply(true, type, sdp);
}

Status<NegotiationError> SessionNegotiator::set_local_implicit(crypto::Csprng& rng) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "setLocalDescription: closed");
    bool offer = state_ == SignalingState::kStable || state_ == SignalingState::kHaveLocalOffer ||
                 state_ == SignalingState::kHaveRemotePranswer;
    if (offer) {
        auto created = create_offer(rng);
        if (!created) return unexpected(created.error());
        return apply(false, SdpType::kOffer, *created);
    }
    auto created = create_answer(rng);
    if (!created) return unexpected(created.error());
    return apply(false, SdpType::kAnswer, *created);
}

void SessionNegotiator::rollback() {
    // RFC 8829 section 4.1.8.2: discard the pending description, back to stable.
    pending_local_.reset();
    pending_remote_.reset();
    local_ice_ = negotiated_local_ice_;
    state_ = SignalingState::kStable;
    restore_transceivers();
}

Status<NegotiationError> SessionNegotiator::apply(bool remote, SdpType type, std::string_view sdp) {
    const char* method = remote ? "setRemoteDescription" : "setLocalDescription";
    auto fail = [&](JsepError name, const std::string& what) { return error(name, std::string(method) + ": " + what); };
    if (state_ == SignalingState::kClosed) return fail(JsepError::kInvalidStateError, "closed");

    if (type == SdpType::kRollback) {
        if (state_ != SignalingState::kHaveLocalOffer && state_ != SignalingState::kHaveRemoteOffer) {
            return fail(JsepError::kInvalidStateError,
                        std::string("cannot roll back in signaling state ") + to_string(state_));
        }
        rollback();
        return {};
    }
    if (remote && sdp.empty()) return fail(JsepError::kTypeError, std::string(to_string(type)) + " without sdp");
    // W3C setRemoteDescription: an offer that is invalid in have-local-offer first rolls
    // the local offer back (perfect negotiation's implicit rollback).
    if (remote && type == SdpType::kOffer && state_ == SignalingState::kHaveLocalOffer) rollback();

    std::string_view text = sdp;
    IceCredentials created_ice;
    if (!remote) {
        const std::string& last = type == SdpType::kOffer ? last_created_offer_ : last_created_answer_;
        if (text.empty()) text = last;
        if (last.empty() || text != last) {
            return fail(JsepError::kInvalidModificationError,
                        std::string("the SDP is not the last ") +
                            (type == SdpType::kOffer ? "createOffer()" : "createAnswer()") + " result");
        }
        created_ice = type == SdpType::kOffer ? last_created_offer_ice_ : last_created_answer_ice_;
    }

    // RFC 8829 section 4.1.8.1 / W3C: the transitions each type allows.
    bool valid = false;
    switch (type) {
        case SdpType::kOffer:
            valid = remote ? (state_ == SignalingState::kStable || state_ == SignalingState::kHaveRemoteOffer)
                           : (state_ == SignalingState::kStable || state_ == SignalingState::kHaveLocalOffer);
            break;
        case SdpType::kPranswer:
        case SdpType::kAnswer:
            valid = remote
                        ? (state_ == SignalingState::kHaveLocalOffer || state_ == SignalingState::kHaveRemotePranswer)
                        : (state_ == SignalingState::kHaveRemoteOffer || state_ == SignalingState::kHaveLocalPranswer);
            break;
        case SdpType::kRollback: break;
    }
    if (!valid) {
        return fail(JsepError::kInvalidStateError, std::string("cannot apply ") + (remote ? "a remote " : "a local ") +
                                                       to_string(type) + " in signaling state " + to_string(state_));
    }

    auto parsed = SessionDescription::parse(text);
    if (!parsed) {
        NegotiationError e{JsepError::kOperationError, std::string(method) + ": " + parsed.error().to_string(),
                           parsed.error()};
        return unexpected(std::move(e));
    }
    SessionDescription sd = std::move(parsed).value();
    if (remote) {
        if (auto s = check_remote_content(type, sd); !s) return s;
    }

    any_description_ = true;
    if (type == SdpType::kOffer) {
        // W3C 4.4.1.5: rollback restores the transceivers as they were before this offer.
        if (!transceivers_before_offer_) transceivers_before_offer_ = transceivers_;
        (remote ? pending_remote_ : pending_local_) = std::move(sd);
        (remote ? pending_remote_type_ : pending_local_type_) = SdpType::kOffer;
        if (remote) {
            associate_remote_offer(*pending_remote_);
            update_remote_senders(*pending_remote_);
        } else {
            local_ice_ = created_ice;
            for (const auto& [id, mid] : last_created_offer_mids_) {
                TransceiverState* t = find_transceiver(id);
                if (t != nullptr && !t->mid && !t->stopped) t->mid = mid;
            }
        }
        state_ = remote ? SignalingState::kHaveRemoteOffer : SignalingState::kHaveLocalOffer;
    } else if (type == SdpType::kPranswer) {
        (remote ? pending_remote_ : pending_local_) = std::move(sd);
        (remote ? pending_remote_type_ : pending_local_type_) = SdpType::kPranswer;
        if (!remote) local_ice_ = created_ice;
        state_ = remote ? SignalingState::kHaveRemotePranswer : SignalingState::kHaveLocalPranswer;
        if (remote) update_remote_senders(*pending_remote_);
        if (pending_local_ && pending_remote_) {
            update_current_directions(*pending_local_, *pending_remote_, !remote, false);
        }
    } else {  // answer
        if (remote) {
            current_remote_ = std::move(sd);
            current_remote_type_ = SdpType::kAnswer;
            current_local_ = std::move(pending_local_);
            current_local_type_ = SdpType::kOffer;
        } else {
            current_local_ = std::move(sd);
            current_local_type_ = SdpType::kAnswer;
            current_remote_ = std::move(pending_remote_);
            current_remote_type_ = SdpType::kOffer;
            local_ice_ = created_ice;
        }
        pending_local_.reset();
        pending_remote_.reset();
        state_ = SignalingState::kStable;
        if (remote) update_remote_senders(*current_remote_);
        if (current_local_ && current_remote_)
            update_current_directions(*current_local_, *current_remote_, !remote, true);
        transceivers_before_offer_.reset();
        on_negotiation_complete(remote);
    }
    return {};
}

Status<NegotiationError> SessionNegotiator::check_remote_content(SdpType type, const SessionDescription& sd) const {
    auto invalid = [](const std::string& what) {
        return error(JsepError::kInvalidAccessError, "setRemoteDescription: " + what);
    };
    for (size_t i = 0; i < sd.media.size(); ++i) {
        const MediaDescription& m = sd.media[i];
        if (m.rejected()) continue;
        // RFC 8829 section 5.8: every m= section carries a=mid; RFC 8839 section 5.4: ICE
        // needs ufrag and pwd; RFC 8122/8827: DTLS needs a fingerprint.
        if (!m.mid()) return invalid(section_name(sd, i) + " has no a=mid");
        if (!sd.effective_value(i, "ice-ufrag") || !sd.effective_value(i, "ice-pwd")) {
            return invalid(section_name(sd, i) + " has no a=ice-ufrag and a=ice-pwd");
        }
        if (is_dtls_protocol(m.protocol) && sd.effective_fingerprints(i).empty()) {
            return invalid(section_name(sd, i) + " has no a=fingerprint");
        }
        if (type != SdpType::kOffer && sd.effective_setup(i) == Setup::kActpass) {
            return invalid(section_name(sd, i) + ": an answer must not use a=setup:actpass (RFC 8842 section 5.3)");
        }
    }
    for (const auto& g : sd.groups()) {
        if (g.semantics != "BUNDLE") continue;
        for (const auto& mid : g.mids) {
            if (!sd.find_mid(mid)) return invalid("a=group:BUNDLE names mid " + mid + ", which no m= section has");
        }
    }
    if (type != SdpType::kOffer) return check_answer_matches_offer(*pending_local_, sd);
    // RFC 8829 section 5.8 (subsequent offers): existing m= sections keep their order and mids.
    if (const SessionDescription* local = local_description()) {
        if (sd.media.size() < local->media.size()) {
            return invalid("the offer has fewer m= sections than the current negotiation");
        }
        for (size_t i = 0; i < local->media.size(); ++i) {
            if (sd.media[i].mid() != local->media[i].mid() && !sd.media[i].rejected() && !local->media[i].rejected()) {
                return invalid(section_name(sd, i) + " does not keep the mid of the current negotiation");
            }
        }
    }
    return {};
}

Status<NegotiationError> SessionNegotiator::check_answer_matches_offer(const SessionDescription& offer,
                                                                       const SessionDescription& answer) const {
    auto invalid = [](const std::string& what) {
        return error(JsepError::kInvalidAccessError, "setRemoteDescription: " + what);
    };
    // RFC 8829 section 5.3.1 / RFC 3264 section 6: one answer section per offered section, in order.
    if (answer.media.size() != offer.media.size()) {
        return invalid("the answer has " + std::to_string(answer.media.size()) + " m= sections, the offer " +
                       std::to_string(offer.media.size()));
    }
    for (size_t i = 0; i < offer.media.size(); ++i) {
        const auto& o = offer.media[i];
        const auto& a = answer.media[i];
        if (o.media != a.media)
            return invalid(section_name(answer, i) + " is " + a.media + ", the offer's is " + o.media);
        if (!a.rejected() && a.mid() != o.mid())
            return invalid(section_name(answer, i) + " does not match the offer's mid");
        if (o.rejected() && !a.rejected())
            return invalid(section_name(answer, i) + " accepts a section the offer rejected");
    }
    return {};
}

std::optional<size_t> SessionNegotiator::transport_index(const SessionDescription& local,
                                                         const SessionDescription& remote) const {
    if (local.media.size() != remote.media.size()) return std::nullopt;
    // The first section both sides accepted, of a kind we run: every one is BUNDLEd onto it.
    for (size_t i = 0; i < local.media.size(); ++i) {
        const auto& l = local.media[i];
        const auto& r = remote.media[i];
        if (l.rejected() || r.rejected()) continue;
        if ((l.is_datachannel() && r.is_datachannel()) || (l.media == "audio" && r.media == "audio" && l.is_rtp())) {
            return i;
        }
    }
    return std::nullopt;
}

void SessionNegotiator::on_negotiation_complete(bool local_was_offerer) {
    bool local_restarted = local_ice_ != negotiated_local_ice_;
    local_offered_last_ = local_was_offerer;
    if (local_restarted) ice_restart_requested_ = false;
    negotiated_local_ice_ = local_ice_;
    last_created_offer_.clear();
    last_created_answer_.clear();
    auto t = negotiated();
    if (!t) return;
    dtls_role_ = t->dtls_role;
    // RFC 8445 section 6.1.1: roles come from the offer/answer; they stay through a
    // renegotiation that does not restart ICE.
    bool controlling_now = local_was_offerer || t->remote_ice_lite;
    if (!ice_controlling_ || local_restarted) ice_controlling_ = controlling_now;
}

bool SessionNegotiator::negotiated_pair(const SessionDescription*& local, const SessionDescription*& remote,
                                        bool& local_offered) const {
    local = nullptr;
    remote = nullptr;
    local_offered = local_offered_last_;
    switch (state_) {
        case SignalingState::kHaveLocalPranswer:
            local = pending_local_ ? &*pending_local_ : nullptr;
            remote = pending_remote_ ? &*pending_remote_ : nullptr;
            local_offered = false;
            break;
        case SignalingState::kHaveRemotePranswer:
            local = pending_local_ ? &*pending_local_ : nullptr;
            remote = pending_remote_ ? &*pending_remote_ : nullptr;
            local_offered = true;
            break;
        default:
            local = current_local_ ? &*current_local_ : nullptr;
            remote = current_remote_ ? &*current_remote_ : nullptr;
            break;
    }
    return local != nullptr && remote != nullptr;
}

std::optional<NegotiatedTransport> SessionNegotiator::negotiated() const {
    const SessionDescription* local = nullptr;
    const SessionDescription* remote = nullptr;
    bool local_offered = false;
    if (!negotiated_pair(local, remote, local_offered)) return std::nullopt;
    auto index = transport_index(*local, *remote);
    if (!index) return std::nullopt;
    size_t i = *index;
    const MediaDescription& lm = local->media[i];
    const MediaDescription& rm = remote->media[i];

    NegotiatedTransport t;
    t.mid = std::string(lm.mid().value_or(""));
    t.mline_index = i;
    const SessionDescription& answer = local_offered ? *remote : *local;
    if (auto group = answer.bundle_group()) t.bundle_mids = group->mids;
    if (t.bundle_mids.empty()) t.bundle_mids = {t.mid};
    t.local_ice = {std::string(local->effective_value(i, "ice-ufrag").value_or("")),
                   std::string(local->effective_value(i, "ice-pwd").value_or(""))};
    t.remote_ice = {std::string(remote->effective_value(i, "ice-ufrag").value_or("")),
                    std::string(remote->effective_value(i, "ice-pwd").value_or(""))};
    t.remote_ice_lite = remote->ice_lite();
    t.remote_ice_options = remote->effective_ice_options(i);
    t.remote_fingerprints = remote->effective_fingerprints(i);
    // RFC 8842 section 5.3: the answer's a=setup decides. active = DTLS client.
    Setup answer_setup = answer.effective_setup(i).value_or(Setup::kPassive);
    bool answerer_is_client = answer_setup == Setup::kActive;
    bool we_are_client = local_offered ? !answerer_is_client : answerer_is_client;
    t.dtls_role = we_are_client ? DtlsRole::kClient : DtlsRole::kServer;
    bool controlling_now = local_offered || t.remote_ice_lite;
    t.ice_controlling = ice_controlling_.value_or(controlling_now);
    if (state_ == SignalingState::kHaveLocalPranswer || state_ == SignalingState::kHaveRemotePranswer) {
        t.ice_controlling = controlling_now;
    }
    for (size_t d = 0; d < local->media.size(); ++d) {
        const MediaDescription& ld = local->media[d];
        const MediaDescription& rd = remote->media[d];
        if (ld.rejected() || rd.rejected() || !ld.is_datachannel() || !rd.is_datachannel()) continue;
        t.datachannel = true;
        t.local_sctp_port = ld.sctp_port().value_or(ld.sctpmap() ? ld.sctpmap()->port : config_.sctp_port);
        t.remote_sctp_port = rd.sctp_port().value_or(rd.sctpmap() ? rd.sctpmap()->port : 5000);
        t.remote_max_message_size = rd.max_message_size().value_or(65536);
        break;
    }
    for (const auto& mid : t.bundle_mids) {
        auto j = remote->find_mid(mid);
        if (!j) continue;
        for (auto& c : remote->media[*j].candidates()) {
            if (std::find(t.remote_candidates.begin(), t.remote_candidates.end(), c) == t.remote_candidates.end()) {
                t.remote_candidates.push_back(std::move(c));
            }
        }
    }
    t.remote_end_of_candidates = rm.end_of_candidates() || remote->end_of_candidates();
    return t;
}

// ---- Candidates ----

Result<RemoteCandidateOutcome, NegotiationError> SessionNegotiator::add_remote_candidate(const IceCandidateInit& init) {
    auto fail = [](JsepError name, const std::string& what) { return error(name, "addIceCandidate: " + what); };
    if (state_ == SignalingState::kClosed) return fail(JsepError::kInvalidStateError, "closed");
    // W3C addIceCandidate, in the spec's order.
    if (!init.candidate.empty() && !init.sdp_mid && !init.sdp_mline_index) {
        return fail(JsepError::kTypeError, "candidate has neither sdpMid nor sdpMLineIndex");
    }
    SessionDescription* remote = pending_remote_ ? &*pending_remote_ : current_remote_ ? &*current_remote_ : nullptr;
    if (remote == nullptr) return fail(JsepError::kInvalidStateError, "no remote description");
    std::optional<size_t> index;
    if (init.sdp_mid) {
        index = remote->find_mid(*init.sdp_mid);
        if (!index) return fail(JsepError::kOperationError, "no m= section with mid " + *init.sdp_mid);
    } else if (init.sdp_mline_index) {
        if (*init.sdp_mline_index >= remote->media.size()) {
            return fail(JsepError::kOperationError, "sdpMLineIndex " + std::to_string(*init.sdp_mline_index) +
                                                        " is beyond the " + std::to_string(remote->media.size()) +
                                                        " m= sections");
        }
        index = *init.sdp_mline_index;
    }
    RemoteCandidateOutcome out;
    if (index) {
        out.mid = std::string(remote->media[*index].mid().value_or(""));
        // Rejected by either side = the spec's "stopped transceiver": resolve without effect.
        const SessionDescription* local = local_description();
        bool local_rejected = local != nullptr && *index < local->media.size() &&
                              local->media[*index].mid() == remote->media[*index].mid() &&
                              local->media[*index].rejected();
        if (remote->media[*index].rejected() || local_rejected) {
            out.kind = RemoteCandidateOutcome::Kind::kIgnored;
            return out;
        }
    }
    if (init.username_fragment) {
        // Must match a ufrag of the corresponding section in an applied remote description.
        auto matches = [&](const SessionDescription& sd) {
            if (index) {
                auto j = init.sdp_mid ? sd.find_mid(*init.sdp_mid) : std::optional<size_t>(*index);
                return j && *j < sd.media.size() && sd.effective_value(*j, "ice-ufrag") == *init.username_fragment;
            }
            for (size_t j = 0; j < sd.media.size(); ++j) {
                if (sd.effective_value(j, "ice-ufrag") == *init.username_fragment) return true;
            }
            return false;
        };
        bool ok = (pending_remote_ && matches(*pending_remote_)) || (current_remote_ && matches(*current_remote_));
        if (!ok) return fail(JsepError::kOperationError, "usernameFragment " + *init.username_fragment + " is unknown");
    }
    if (init.candidate.empty()) {
        // End of candidates, for one section or (no mid/index) all of them.
        for (size_t j = 0; j < remote->media.size(); ++j) {
            if (index && j != *index) continue;
            auto& m = remote->media[j];
            if (!m.rejected() && !m.end_of_candidates()) m.add_flag("end-of-candidates");
        }
        out.kind = RemoteCandidateOutcome::Kind::kEndOfCandidates;
        return out;
    }
    auto parsed = Candidate::parse(init.candidate);
    if (!parsed) return fail(JsepError::kOperationError, std::string("cannot parse: ") + to_string(parsed.error()));
    insert_candidate(remote->media[*index], *parsed);
    out.kind = RemoteCandidateOutcome::Kind::kCandidate;
    out.candidate = std::move(parsed).value();
    return out;
}

Status<NegotiationError> SessionNegotiator::add_local_candidate(const std::string& mid, const Candidate& candidate) {
    if (state_ == SignalingState::kClosed) return error(JsepError::kInvalidStateError, "closed");
    SessionDescription* local = pending_local_ ? &*pending_local_ : current_local_ ? &*current_local_ : nullptr;
    if (local == nullptr) return error(JsepError::kInvalidStateError, "no local description");
    auto index = local->find_mid(mid);
    if (!index) return error(JsepError::kOperationError, "no local m= section with mid " + mid);
    insert_candidate(local->media[*index], candidate);
    return {};
}

void SessionNegotiator::add_local_end_of_candidates() {
    SessionDescription* local = pending_local_ ? &*pending_local_ : current_local_ ? &*current_local_ : nullptr;
    if (local == nullptr) return;
    for (auto& m : local->media) {
        if (!m.rejected() && !m.end_of_candidates()) m.add_flag("end-of-candidates");
    }
}

}  // namespace polyrtc::sdp
