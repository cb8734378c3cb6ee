// PeerConnection: the sans-IO core of one RTCPeerConnection.
//
// It owns, by value, every protocol engine of the connection and routes bytes between them:
//
//   relay transport (one TURN message per frame: the page's WebSocket to the relay)
//     <-> turn::Client          relayed candidate, permissions, channels
//     <-> RFC 7983 demux        STUN -> ice::IceAgent, DTLS -> dtls::DtlsEndpoint
//     <-> dtls::DtlsEndpoint    (fingerprint from the remote SDP; role from a=setup)
//     <-> datachannel::ChannelRegistry (SCTP association + DCEP)
//   RFC 7983 demux (RTP/RTCP) <-> media::MediaSession (SRTP with DTLS-SRTP keys, Opus, DTMF, RTCP)
//   sdp::SessionNegotiator      offers/answers, transceivers, the signaling state machine, candidates
//
// Shape (like str0m and quinn-proto):
//   getters    signaling_state(), ice_connection_state(), connection_state(), descriptions, ...
//   commands   create_offer(), set_local_description(), add_ice_candidate(),
//              create_data_channel(), send(), close_data_channel(), restart_ice(), close(),
//              add_transceiver(), set_transceiver_direction(), set_sender_track(),
//              stop_transceiver(), send_audio(), receive_audio(), play_dtmf_tone()
//   inputs     handle_relay_receive(now, frame), handle_relay_closed(now), handle_timeout(now)
//   outputs    poll_relay_transmit(), poll_event(), poll_timeout()
// After any command or input, drain poll_relay_transmit() and poll_event() until both are
// empty, then arm one timer for poll_timeout(). It never reads a clock (every input carries
// `now`), never draws randomness except from the Csprng seeded by the caller, never calls back.
//
// Order of life:
//   - construction generates the DTLS certificate and starts the TURN allocation at once
//     (pre-gathering: the relay's round trip overlaps with the offer/answer exchange);
//   - candidates surface (IceCandidateEvent) only after set_local_description(), as the spec
//     requires; gathering completes after the relayed candidate (or the allocation's failure);
//   - once a description pair is applied, the ICE agent gets the remote credentials and
//     candidates; every remote candidate's IP gets a TURN permission;
//   - DTLS starts when ICE selects a pair (client role) or on the first DTLS record (server);
//     DTLS output is held until a pair is selected (RFC 7983 demux, RFC 8445 section 12);
//   - when DTLS connects, the SRTP keys go to the media session (audio flows on the selected
//     pair from then on) and, if a data section was negotiated, the SCTP association starts
//     and the data channels created so far open. An audio-only call never starts SCTP. A channel created before the
//     transport exists is known by its handle; its SCTP stream id is assigned once the DTLS role is known (W3C: even
//     ids for the DTLS client).
//
// Failure is an event (TransportFailedEvent) and a state (connection_state() == kFailed);
// commands keep working on what is still meaningful (close(), getters). A DTLS, SCTP or
// relay failure is terminal; an ICE failure (no pair works, consent lost) is not: an ICE
// restart can bring the connection back to connected, as in a browser. Hostile input is
// dropped by the engine that receives it and counted in its stats.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/crypto/csprng.hpp"
#include "core/datachannel/channel_registry.hpp"
#include "core/dtls/certificate.hpp"
#include "core/dtls/endpoint.hpp"
#include "core/ice/agent.hpp"
#include "core/media/media_session.hpp"
#include "core/peer/api_error.hpp"
#include "core/sdp/jsep.hpp"
#include "core/turn/client.hpp"

namespace polyrtc::peer {

struct PeerConnectionConfig {
    // At least crypto::Csprng::kMinSeedSize bytes of real entropy (crypto.getRandomValues in
    // the page); every random value of the connection derives from it.
    Bytes seed;
    // Wall-clock time (seconds since the Unix epoch) for the certificate's validity period.
    int64_t wall_clock_unix = 0;
    // Long-term TURN credentials for the relay. Empty: Allocate without credentials (a relay
    // started with --no-auth accepts that; otherwise the 401 surfaces as an IceCandidateError).
    std::string turn_username;
    std::string turn_password;
    net::TransportProtocol relay_transport = net::TransportProtocol::kWebSocket;
    // Our a=max-message-size.
    uint64_t max_message_size = 262144;
};

// W3C RTCIceGatheringState.
enum class IceGatheringState { kNew, kGathering, kComplete };
const char* to_string(IceGatheringState state);

// W3C RTCPeerConnectionState.
enum class ConnectionState { kNew, kConnecting, kConnected, kDisconnected, kFailed, kClosed };
const char* to_string(ConnectionState state);

// A data channel as the API layer knows it: a handle stable for the channel's life (the SCTP
// stream id may not be known yet when the channel is created).
using ChannelHandle = uint32_t;

// RTCDataChannelInit as the core takes it (the registry's; priority is carried, not yet used).
using DataChannelInit = datachannel::ChannelInit;

struct DataChannelInfo {
    ChannelHandle handle = 0;
    std::optional<uint16_t> id;  // the SCTP stream id, once known
    DataChannelInit init;
};

// --- events
// A local candidate to signal (RTCPeerConnectionIceEvent). `candidate` empty with
// `end_of_candidates` = the null candidate: gathering is complete.
struct IceCandidateEvent {
    std::string candidate;  // "candidate:..." (RTCIceCandidate.candidate)
    std::string sdp_mid;
    uint32_t sdp_mline_index = 0;
    std::string username_fragment;
    bool end_of_candidates = false;
};
// RTCPeerConnectionIceErrorEvent: the relay refused or failed the allocation.
struct IceCandidateErrorEvent {
    uint16_t error_code = 0;  // STUN error code; 701 when the relay did not answer (W3C)
    std::string error_text;
};
struct IceGatheringStateEvent {
    IceGatheringState state;
};
struct IceConnectionStateEvent {
    ice::IceConnectionState state;
};
struct ConnectionStateEvent {
    ConnectionState state;
};
// The remote side opened a channel in-band (fire `datachannel`); ChannelOpenEvent follows.
struct DataChannelEvent {
    DataChannelInfo channel;
};
struct ChannelOpenEvent {
    ChannelHandle handle = 0;
    uint16_t id = 0;
};
struct ChannelMessageEvent {
    ChannelHandle handle = 0;
    bool binary = false;
    Bytes data;
};
struct ChannelBufferedAmountLowEvent {
    ChannelHandle handle = 0;
};
struct ChannelClosingEvent {
    ChannelHandle handle = 0;
};
struct ChannelClosedEvent {
    ChannelHandle handle = 0;
};
// Transceivers changed in a way the next offer must carry (W3C "update the
// negotiation-needed flag"); the API layer decides whether to fire negotiationneeded.
struct NegotiationNeededEvent {};
// The remote side sent an RFC 4733 tone on this transceiver (polyrtc's non-standard `dtmf`
// event on the receiver).
struct DtmfReceivedEvent {
    sdp::TransceiverId transceiver = 0;
    char tone = 0;
    Duration duration;
};
// Which layer failed and why, for diagnostics (getStats, logs) and the connection state.
struct TransportFailedEvent {
    std::string layer;  // "relay", "ice", "dtls", "sctp"
    std::string message;
};
using Event = std::variant<IceCandidateEvent, IceCandidateErrorEvent, IceGatheringStateEvent, IceConnectionStateEvent,
                           ConnectionStateEvent, DataChannelEvent, ChannelOpenEvent, ChannelMessageEvent,
                           ChannelBufferedAmountLowEvent, ChannelClosingEvent, ChannelClosedEvent, TransportFailedEvent,
                           NegotiationNeededEvent, DtmfReceivedEvent>;

// addTransceiver()/addTrack() as the core takes them (after the API layer's own checks).
struct TransceiverRequest {
    std::string kind = "audio";  // "video" is refused with NotSupportedError: audio only today
    sdp::Direction direction = sdp::Direction::kSendrecv;
    std::vector<std::string> stream_ids;
    std::string track_id;  // empty: no sender track
};

struct Description {
    sdp::SdpType type;
    std::string sdp;
};

class PeerConnection {
public:
    // Fails only if the seed is too short or the certificate cannot be made.
    static Result<std::unique_ptr<PeerConnection>, ApiError> create(const PeerConnectionConfig& config, Timestamp now);

    ~PeerConnection();
    PeerConnection(const PeerConnection&) = delete;
    PeerConnection& operator=(const PeerConnection&) = delete;

    // --- getters
    sdp::SignalingState signaling_state() const { return negotiator_.signaling_state(); }
    IceGatheringState ice_gathering_state() const { return gathering_state_; }
    ice::IceConnectionState ice_connection_state() const;
    ConnectionState connection_state() const { return connection_state_; }
    // "layer: reason" of the TransportFailedEvent, kept for getStats; empty until one.
    const std::string& failure() const { return failure_; }
    std::optional<Description> local_description() const;
    std::optional<Description> remote_description() const;
    std::optional<Description> current_local_description() const;
    std::optional<Description> pending_local_description() const;
    std::optional<Description> current_remote_description() const;
    std::optional<Description> pending_remote_description() const;
    const dtls::Certificate& certificate() const { return certificate_; }
    // Bytes of `handle` accepted by send() and not yet handed to SCTP.
    size_t buffered_amount(ChannelHandle handle) const;
    // The remote a=max-message-size once negotiated (RTCSctpTransport.maxMessageSize).
    std::optional<size_t> max_message_size() const;
    // True when a data channel exists but no data section has been negotiated yet, or the
    // transceivers need a new offer: the API layer fires negotiationneeded (W3C "update the
    // negotiation-needed flag").
    bool negotiation_needed() const;
    // Every transceiver, in creation order (W3C getTransceivers()).
    const std::vector<sdp::TransceiverState>& transceivers() const { return negotiator_.transceivers(); }
    const media::MediaSession& media() const { return media_; }
    const ice::IceAgent& ice() const { return ice_; }
    const turn::Client& turn() const { return turn_; }

    // --- commands (W3C RTCPeerConnection methods, after the API layer's own argument checks)
    Result<std::string, ApiError> create_offer(Timestamp now, bool ice_restart);
    Result<std::string, ApiError> create_answer(Timestamp now);
    // `sdp` empty: the last created offer/answer (setLocalDescription({type})), and with no
    // type at all use set_local_description_implicit().
    Status<ApiError> set_local_description(Timestamp now, sdp::SdpType type, std::string_view sdp);
    Status<ApiError> set_local_description_implicit(Timestamp now);
    Status<ApiError> set_remote_description(Timestamp now, sdp::SdpType type, std::string_view sdp);
    Status<ApiError> add_ice_candidate(Timestamp now, const sdp::IceCandidateInit& init);
    Result<DataChannelInfo, ApiError> create_data_channel(Timestamp now, const DataChannelInit& init);
    Status<ApiError> send(Timestamp now, ChannelHandle handle, bool binary, ByteView data);
    Status<ApiError> set_buffered_amount_low_threshold(ChannelHandle handle, size_t threshold);
    void close_data_channel(Timestamp now, ChannelHandle handle);
    void restart_ice();

    // --- media commands (docs/internals/media-contract.md)
    Result<sdp::TransceiverId, ApiError> add_transceiver(Timestamp now, const TransceiverRequest& request);
    Status<ApiError> set_transceiver_direction(Timestamp now, sdp::TransceiverId id, sdp::Direction direction);
    // replaceTrack/removeTrack/setStreams: what the sender's a=msid says (empty = no track).
    Status<ApiError> set_sender_track(Timestamp now, sdp::TransceiverId id, std::string track_id,
                                      std::vector<std::string> stream_ids);
    // W3C transceiver.stop(): sending and receiving stop now; the next offer rejects the section.
    Status<ApiError> stop_transceiver(Timestamp now, sdp::TransceiverId id);
    // One captured 20 ms frame (960 samples at 48 kHz): sent when the transceiver sends.
    Status<ApiError> send_audio(Timestamp now, sdp::TransceiverId id, const audio::Samples& frame);
    // The next 20 ms of received audio for playback (silence when nothing arrives).
    audio::Samples receive_audio(Timestamp now, sdp::TransceiverId id);
    // RTCDTMFSender.canInsertDTMF: the transceiver sends and telephone-event was negotiated.
    bool can_insert_dtmf(sdp::TransceiverId id) const;
    // One RFC 4733 event for `tone` lasting `duration` (the page schedules the tone buffer).
    Status<ApiError> play_dtmf_tone(Timestamp now, sdp::TransceiverId id, char tone, Duration duration);

    // W3C close(): everything stops; no events are produced by or after this call.
    void close(Timestamp now);

    // --- inputs
    // One frame received from the relay (a STUN/TURN or ChannelData message).
    void handle_relay_receive(Timestamp now, ByteView frame);
    // The relay transport is gone (the WebSocket closed). Nothing more reaches the peer:
    // consent freshness then takes ICE to disconnected and failed on its own timers.
    void handle_relay_closed(Timestamp now);
    void handle_timeout(Timestamp now);

    // --- outputs
    std::optional<Bytes> poll_relay_transmit();
    std::optional<Event> poll_event();
    std::optional<Timestamp> poll_timeout() const;

private:
    PeerConnection(const PeerConnectionConfig& config, crypto::Csprng rng, dtls::Certificate certificate,
                   Timestamp now);

    struct Channel {
        DataChannelInfo info;
        bool created_in_registry = false;
        bool closed = false;
    };

    void pump(Timestamp now);
    bool drain_turn(Timestamp now);
    bool drain_ice(Timestamp now);
    bool drain_dtls(Timestamp now);
    bool drain_sctp();
    bool drain_media(Timestamp now);
    void apply_negotiated_media();
    void check_transceiver_negotiation();
    uint32_t draw_ssrc();
    void on_relay_data(Timestamp now, const net::SocketAddress& from, ByteView data);
    void on_local_description_applied(Timestamp now);
    void on_remote_description_applied(Timestamp now);
    void apply_negotiated_transport(Timestamp now);
    void add_remote_candidate(Timestamp now, const sdp::Candidate& candidate);
    void emit_local_candidates();
    void start_dtls_if_ready(Timestamp now);
    void start_sctp(Timestamp now);
    void create_registry_channel(Channel& channel);
    void fail(const std::string& layer, const std::string& message);
    void update_connection_state();
    void set_gathering_state(IceGatheringState state);
    Channel* find_channel(ChannelHandle handle);
    Channel* find_channel_by_id(uint16_t id);

    PeerConnectionConfig config_;
    crypto::Csprng rng_;
    dtls::Certificate certificate_;
    sdp::SessionNegotiator negotiator_;
    turn::Client turn_;
    ice::IceAgent ice_;
    std::optional<dtls::DtlsEndpoint> dtls_;
    std::optional<datachannel::ChannelRegistry> registry_;
    media::MediaSession media_;
    std::string cname_;  // RFC 7022: one random CNAME for every stream of the connection

    std::deque<Bytes> relay_out_;
    std::deque<Event> events_;
    std::vector<Bytes> dtls_held_;  // DTLS datagrams waiting for a selected pair

    std::optional<net::SocketAddress> relayed_address_;
    std::optional<ice::Candidate> local_relay_candidate_;
    bool local_description_set_ = false;
    bool candidates_emitted_ = false;
    bool allocation_finished_ = false;  // succeeded or failed: gathering can complete
    bool transport_negotiated_ = false;
    std::optional<sdp::NegotiatedTransport> transport_;
    std::optional<ice::CandidatePairInfo> selected_pair_;
    bool dtls_connected_ = false;
    bool sctp_connected_ = false;
    bool failed_ = false;
    std::string failure_;
    bool closed_ = false;
    bool relay_closed_ = false;

    IceGatheringState gathering_state_ = IceGatheringState::kNew;
    ice::IceConnectionState last_ice_state_ = ice::IceConnectionState::kNew;
    ConnectionState connection_state_ = ConnectionState::kNew;

    ChannelHandle next_handle_ = 1;
    std::map<ChannelHandle, Channel> channels_;
};

}  // namespace polyrtc::peer
