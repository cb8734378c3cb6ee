// JSEP (RFC 8829) offer/answer and the W3C webrtc-pc signaling state machine.
//
// SessionNegotiator is the SDP half of an RTCPeerConnection: it creates offers and answers,
// applies local and remote descriptions (offer, pranswer, answer, rollback), keeps the four
// descriptions the API exposes (current/pending x local/remote), validates remote
// candidates (addIceCandidate), and reports what was negotiated to the rest of the stack
// (remote ICE credentials, fingerprints, DTLS role, SCTP port, max-message-size, candidates).
// It is sans-IO and synchronous: each call returns its result; randomness (session id,
// ice-ufrag/pwd) comes from the Csprng passed in.
//
// Media model. A description is a list of m= sections in a fixed order (RFC 8829 section
// 5.2.2: subsequent offers keep every m= section, in order, with its mid). We accept the data
// channel (m=application UDP/DTLS/SCTP webrtc-datachannel, or the legacy DTLS/SCTP +
// a=sctpmap form) and audio (one m=audio per transceiver: Opus, telephone-event, rtcp-mux,
// see audio_section.hpp); video and anything else in a remote offer is answered rejected
// (port 0) and kept rejected in our later offers. Every accepted section shares one BUNDLEd
// transport (RFC 8843).
//
// Errors carry the name of the DOMException (or RTCError) the W3C API rejects with, checked
// in the spec's order: closed -> InvalidStateError; rollback in stable/pranswer states ->
// InvalidStateError; local SDP that is not the last created one -> InvalidModificationError;
// type invalid for the state (RFC 8829 section 4.1.8.1) -> InvalidStateError; SDP syntax ->
// OperationError with errorDetail "sdp-syntax-error" and sdpLineNumber; remote content
// that is not acceptable (no ufrag/pwd/fingerprint, answer not matching the offer) ->
// InvalidAccessError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/crypto/csprng.hpp"
#include "core/dtls/fingerprint.hpp"
#include "core/dtls/role.hpp"
#include "core/ice/credentials.hpp"
#include "core/sdp/audio_section.hpp"
#include "core/sdp/candidate.hpp"
#include "core/sdp/session_description.hpp"
#include "core/sdp/transceiver.hpp"

namespace polyrtc::sdp {

// RTCSdpType.
enum class SdpType { kOffer, kPranswer, kAnswer, kRollback };
const char* to_string(SdpType type);  // "offer", "pranswer", "answer", "rollback"
std::optional<SdpType> parse_sdp_type(std::string_view type);

// RTCSignalingState.
enum class SignalingState {
    kStable,
    kHaveLocalOffer,
    kHaveRemoteOffer,
    kHaveLocalPranswer,
    kHaveRemotePranswer,
    kClosed,
};
const char* to_string(SignalingState state);  // "stable", "have-local-offer", ...

// The DOMException name (or RTCError, whose name is "OperationError") the JS layer rejects
// with. This module's error enum.
enum class JsepError {
    kInvalidStateError,
    kInvalidModificationError,
    kInvalidAccessError,
    kOperationError,
    kTypeError,  // a JS TypeError, not a DOMException
};
const char* to_string(JsepError error);  // "InvalidStateError", ...

struct NegotiationError {
    JsepError name = JsepError::kOperationError;
    std::string message;
    // Set when the SDP did not parse: the JS layer rejects with an RTCError whose
    // errorDetail is "sdp-syntax-error" and sdpLineNumber is syntax->line_number.
    std::optional<ParseError> syntax;

    std::string to_string() const;  // "InvalidStateError: ..."
};

// DTLS role (RFC 8842): derived from a=setup; the stack's one definition (core/dtls/role.hpp).
using DtlsRole = dtls::DtlsRole;

// One credentials type for the stack: the ICE agent's (RFC 8839 grammar, Chromium's sizes).
using IceCredentials = ice::IceCredentials;

struct NegotiatorConfig {
    dtls::Fingerprint fingerprint;       // of our DTLS certificate
    uint16_t sctp_port = 5000;           // RFC 8841 a=sctp-port
    uint64_t max_message_size = 262144;  // RFC 8841 a=max-message-size we can receive
};

struct OfferOptions {
    bool ice_restart = false;  // RTCOfferOptions.iceRestart
    // Offer a data channel section when none exists yet. The peer passes true iff data
    // channels exist or no transceiver does (an offer needs at least one section).
    bool datachannel = true;
};

// RTCIceCandidateInit.
struct IceCandidateInit {
    std::string candidate;  // "candidate:..." or "" (end of candidates)
    std::optional<std::string> sdp_mid;
    std::optional<uint32_t> sdp_mline_index;
    std::optional<std::string> username_fragment;
};

// What an accepted addIceCandidate means for the ICE agent.
struct RemoteCandidateOutcome {
    enum class Kind {
        kCandidate,        // a new remote candidate: give `candidate` to the ICE agent
        kEndOfCandidates,  // the remote side finished gathering (for `mid`, or all if mid empty)
        kIgnored,          // the section is rejected/stopped: the spec resolves without effect
    };
    Kind kind = Kind::kCandidate;
    std::optional<Candidate> candidate;
    std::string mid;
};

// What the transport layers need once both descriptions of a negotiation are applied.
struct NegotiatedTransport {
    std::string mid;  // the m= section carrying the (BUNDLEd) transport: the first accepted one
    // A data channel section was accepted: the SCTP fields below are its. Without one (an
    // audio-only call) DTLS still runs, for the SRTP keys, and SCTP never starts.
    bool datachannel = false;
    size_t mline_index = 0;
    std::vector<std::string> bundle_mids;  // accepted mids sharing the transport
    IceCredentials local_ice;
    IceCredentials remote_ice;
    bool remote_ice_lite = false;
    bool ice_controlling = false;  // RFC 8445 section 6.1.1: the offerer controls, unless it is lite
    std::vector<std::string> remote_ice_options;
    std::vector<dtls::Fingerprint> remote_fingerprints;
    DtlsRole dtls_role = DtlsRole::kClient;
    uint16_t local_sctp_port = 5000;
    uint16_t remote_sctp_port = 5000;
    // The peer's a=max-message-size; absent means 65536 (RFC 8841 section 6.1), 0 means
    // no limit. W3C RTCSctpTransport.maxMessageSize derives from it.
    uint64_t remote_max_message_size = 65536;
    std::vector<Candidate> remote_candidates;  // from the description and addIceCandidate
    bool remote_end_of_candidates = false;
};

class SessionNegotiator {
public:
    // Draws the session id and the first ICE credentials from `rng`.
    SessionNegotiator(NegotiatorConfig config, crypto::Csprng& rng);

    SignalingState signaling_state() const { return state_; }

    // W3C createOffer(). InvalidStateError when closed. Subsequent offers keep the m=
    // sections of the current negotiation in order; ice_restart (or a prior restart_ice())
    // draws new ufrag/pwd. The o= version increments when the body differs from the
    // current local description (RFC 8829 section 5.2.2).
    Result<std::string, NegotiationError> create_offer(crypto::Csprng& rng, const OfferOptions& options = {});
    // W3C createAnswer(). InvalidStateError unless have-remote-offer or have-local-pranswer.
    // New ICE credentials when the remote offer restarts ICE.
    Result<std::string, NegotiationError> create_answer(crypto::Csprng& rng);

    // W3C setLocalDescription({type, sdp}). `sdp` must be the last created offer (or
    // answer, for answer/pranswer), else InvalidModificationError; an empty `sdp` means that
    // last created one. For rollback `sdp` is ignored.
    Status<NegotiationError> set_local(SdpType type, std::string_view sdp);
    // W3C setLocalDescription() without arguments: offer in stable/have-local-offer/
    // have-remote-pranswer, answer otherwise, creating it if needed.
    Status<NegotiationError> set_local_implicit(crypto::Csprng& rng);
    // W3C setRemoteDescription({type, sdp}). An offer in have-local-offer first rolls the
    // local offer back (the spec's implicit rollback), even if the offer then fails.
    Status<NegotiationError> set_remote(SdpType type, std::string_view sdp);

    // W3C addIceCandidate(). Adds the candidate to the remote description (as browsers
    // reflect it in remoteDescription) and says what the ICE agent should do.
    Result<RemoteCandidateOutcome, NegotiationError> add_remote_candidate(const IceCandidateInit& init);
    // A gathered local candidate, added to the local description's section `mid` (so
    // localDescription shows it). InvalidStateError without a local description, OperationError
    // for an unknown mid.
    Status<NegotiationError> add_local_candidate(const std::string& mid, const Candidate& candidate);
    // Local gathering finished: a=end-of-candidates in each accepted local section.
    void add_local_end_of_candidates();

    // --- transceivers (audio; RFC 8829 sections 5.2 and 5.3, W3C webrtc-pc section 5.4)
    // Calls naming an unknown TransceiverId fail with OperationError.
    // W3C addTransceiver()/addTrack(): a transceiver not yet associated with an m= section;
    // the next offer gives it one (or a remote offer's new audio section, for addTrack's:
    // any transceiver not created_by_remote whose direction sends). InvalidStateError when
    // closed; TypeError for a kind other than "audio" or ids a=msid/a=ssrc cannot carry
    // (whitespace, longer than 64, "-").
    Result<TransceiverId, NegotiationError> add_transceiver(const TransceiverInit& init);
    // W3C transceiver.direction = direction. InvalidStateError when the transceiver is stopping/stopped.
    Status<NegotiationError> set_direction(TransceiverId id, Direction direction);
    // What a=msid says about the sender: replaceTrack/removeTrack/setStreams (empty track_id:
    // no track).
    Status<NegotiationError> set_sender(TransceiverId id, std::string track_id, std::vector<std::string> stream_ids);
    // W3C transceiver.stop(): the next offer or answer rejects its section (port 0); when that
    // negotiation completes the transceiver is `stopped`. One never in a description is
    // stopped at once. Stopped transceivers stay in transceivers() (the peer hides them).
    Status<NegotiationError> stop_transceiver(TransceiverId id);
    // Our SSRC and CNAME for a transceiver, for one a remote offer created (it starts with
    // ssrc 0, which writes no a=ssrc lines). New transceivers are the ones whose ids the peer
    // has not seen: ids only grow, and transceivers() keeps creation order.
    Status<NegotiationError> set_local_ssrc(TransceiverId id, uint32_t ssrc, std::string cname);
    // Every transceiver, in creation order (W3C getTransceivers()).
    const std::vector<TransceiverState>& transceivers() const { return transceivers_; }
    // The audio sections of the latest completed (or pranswered) negotiation: one per
    // transceiver whose section both sides accepted with Opus, in creation order.
    std::vector<NegotiatedAudio> negotiated_audio() const;
    // W3C "check if negotiation is needed", for transceivers: one without a mid, a direction
    // or msid that differs from the current local description, or a stop not yet negotiated.
    // False outside stable (the spec re-checks when the state returns to stable). The msid
    // check compares stream ids and the presence of a track, not track ids: replaceTrack does
    // not need negotiation (W3C), while giving a trackless sender a track does (a=msid appears).
    bool transceivers_need_negotiation() const;

    // W3C restartIce(): the next offer gets new ICE credentials.
    void restart_ice() { ice_restart_requested_ = true; }
    // W3C close(): every later call fails with InvalidStateError.
    void close() { state_ = SignalingState::kClosed; }

    // The descriptions as the API exposes them (text is SessionDescription::to_string()).
    const std::optional<SessionDescription>& current_local() const { return current_local_; }
    const std::optional<SessionDescription>& pending_local() const { return pending_local_; }
    const std::optional<SessionDescription>& current_remote() const { return current_remote_; }
    const std::optional<SessionDescription>& pending_remote() const { return pending_remote_; }
    // pending if any, else current (W3C localDescription / remoteDescription).
    const SessionDescription* local_description() const;
    const SessionDescription* remote_description() const;
    // Type of local_description()/remote_description().
    std::optional<SdpType> local_type() const;
    std::optional<SdpType> remote_type() const;

    // Parameters of the latest negotiation whose answer (or pranswer) is applied, for the
    // ICE agent, DTLS endpoint and SCTP association. nullopt before that, or when no section
    // (audio or data) was accepted. `datachannel` says whether the SCTP fields mean anything.
    std::optional<NegotiatedTransport> negotiated() const;

    const std::string& session_id() const { return session_id_; }
    // Credentials our next description will carry (or carries).
    const IceCredentials& local_ice() const { return local_ice_; }

private:
    enum class SectionKind {
        kDatachannel,        // UDP/DTLS/SCTP webrtc-datachannel
        kLegacyDatachannel,  // DTLS/SCTP <port> + a=sctpmap
        kAudio,              // a transceiver's m=audio
        kRejected,           // anything else, written with port 0
    };
    // One m= section of the negotiation, in m-line order.
    struct Section {
        std::string mid;
        SectionKind kind = SectionKind::kRejected;
        std::string media = "application";
        std::string protocol = "UDP/DTLS/SCTP";
        std::vector<std::string> formats = {"webrtc-datachannel"};
        // kAudio: the transceiver, the direction written, and the codecs (ours in an offer,
        // the offer's PTs in an answer).
        TransceiverId transceiver = 0;
        Direction direction = Direction::kSendrecv;
        AudioFormats audio;
        AudioSender sender;
    };

    Status<NegotiationError> apply(bool remote, SdpType type, std::string_view sdp);
    Status<NegotiationError> check_remote_content(SdpType type, const SessionDescription& sd) const;
    Status<NegotiationError> check_answer_matches_offer(const SessionDescription& offer,
                                                        const SessionDescription& answer) const;
    void rollback();
    void on_negotiation_complete(bool local_was_offerer);

    SessionDescription build_description(const std::vector<Section>& sections, const std::vector<std::string>& bundle,
                                         Setup setup, const IceCredentials& ice) const;
    void write_section(SessionDescription& sd, const Section& s, Setup setup, const IceCredentials& ice) const;
    // The sections our next offer keeps from `base` (RFC 8829 section 5.2.2).
    std::vector<Section> sections_of(const SessionDescription& base) const;
    const TransceiverState* transceiver_with_mid(std::string_view mid) const;
    static AudioSender sender_of(const TransceiverState& t);
    std::string finish(SessionDescription sd);  // sets o= version, returns text
    std::optional<size_t> transport_index(const SessionDescription& local, const SessionDescription& remote) const;
    // The descriptions of the latest answered (or pranswered) negotiation, and whether we offered it.
    bool negotiated_pair(const SessionDescription*& local, const SessionDescription*& remote,
                         bool& local_offered) const;
    TransceiverState* find_transceiver(TransceiverId id);
    TransceiverState* transceiver_with_mid(std::string_view mid);
    // W3C 4.4.1.5 for a remote offer: associate each new acceptable audio section with an
    // addTrack transceiver, or create a recvonly one.
    void associate_remote_offer(const SessionDescription& offer);
    // remote_stream_ids / remote_track_id / remote_sending from a remote description.
    void update_remote_senders(const SessionDescription& remote);
    // current_direction after an answer or pranswer; `final`: an answer (rejected -> stopped).
    void update_current_directions(const SessionDescription& local, const SessionDescription& remote,
                                   bool local_is_answer, bool final);
    void restore_transceivers();  // rollback

    NegotiatorConfig config_;
    std::vector<TransceiverState> transceivers_;
    TransceiverId next_transceiver_id_ = 1;
    // Transceivers as they were before the pending offer was applied (for rollback).
    std::optional<std::vector<TransceiverState>> transceivers_before_offer_;
    // The mids the last created offer gives transceivers; setLocalDescription(offer) associates them.
    std::vector<std::pair<TransceiverId, std::string>> last_created_offer_mids_;
    SignalingState state_ = SignalingState::kStable;
    std::string session_id_;
    bool any_description_ = false;
    IceCredentials local_ice_;
    IceCredentials negotiated_local_ice_;  // of current_local_
    bool ice_restart_requested_ = false;

    std::optional<SessionDescription> current_local_, pending_local_, current_remote_, pending_remote_;
    SdpType current_local_type_ = SdpType::kOffer, current_remote_type_ = SdpType::kOffer;
    SdpType pending_local_type_ = SdpType::kOffer, pending_remote_type_ = SdpType::kOffer;
    std::string last_created_offer_;
    std::string last_created_answer_;
    IceCredentials last_created_offer_ice_, last_created_answer_ice_;

    // Fixed by the first completed negotiation (and kept across renegotiation unless ICE
    // restarts, RFC 8842 section 5.5 / RFC 8445 section 6.1.1).
    std::optional<DtlsRole> dtls_role_;
    std::optional<bool> ice_controlling_;
    bool local_offered_last_ = false;  // who offered in the latest completed negotiation
};

}  // namespace polyrtc::sdp
