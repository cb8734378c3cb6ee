// SctpAssociation: one SCTP association over DTLS (RFC 8261), sans-IO, on usrsctp (AF_CONN).
//
// It takes and produces raw SCTP packets: what goes in is the application data of received
// DTLS records, what comes out is handed to DTLS as application data. It never reads a
// clock; time arrives as `now`, and it never calls user code: everything is polled.
//
// Method kinds (quinn-proto's shape):
//   getters    state(), buffered_amount(), stats(), negotiated stream counts
//   inputs     start(now), handle_packet(now, bytes), handle_timeout(now)
//   commands   send(), reset_streams(), shutdown(now), abort(now) -- queue work
//   outputs    poll_transmit(), poll_event(), poll_timeout()
// Poll order after any input or command: poll_transmit() until empty, then poll_event()
// until empty, then poll_timeout(). poll_transmit() is also where queued messages are
// handed to usrsctp (so bufferedAmount rises in send() and falls in the pump, as in a
// browser), which may produce BufferedAmountDecreased events: drain events after packets.
//
// Association setup: both ends call usrsctp_connect (SCTP simultaneous open, RFC 4960
// §5.2.4), whatever the DTLS role. RFC 8841 (draft-ietf-mmusic-sctp-sdp-26 §9.3) says both
// endpoints initiate the association; libwebrtc and libdatachannel both connect from each
// side, so this interoperates with either a peer that connects or one that only listens.
//
// Socket configuration, as browsers configure usrsctp (libwebrtc's usrsctp transport,
// libdatachannel's SctpTransport), all set in association.cpp:
//   non-blocking; SO_LINGER {on, 0} (close aborts: nothing may be sent after DTLS closes);
//   SCTP_NODELAY (RFC 8831 §6.6); SCTP_ENABLE_STREAM_RESET (RFC 6525 reset requests);
//   SCTP_RECVRCVINFO; SCTP_EXPLICIT_EOR (messages are written in pieces as send-buffer space
//   frees, so a message may be larger than the send buffer); SCTP_FRAGMENT_INTERLEAVE 0;
//   SCTP_INITMSG 1024 outbound / 1024 inbound streams (libwebrtc's kMaxSctpStreams with
//   usrsctp: 65535 as in dcsctp costs ~100 bytes per stream per association in usrsctp,
//   megabytes in a Wasm page with several connections); SCTP_PEER_ADDR_PARAMS with
//   heartbeats on, PMTUD off and a fixed MTU (see kDefaultMaxPacketSize); SO_SNDBUF and
//   SO_RCVBUF 1 MiB (libdatachannel); events ASSOC_CHANGE, STREAM_RESET_EVENT,
//   PARTIAL_DELIVERY_EVENT. PR-SCTP per message with sctp_sendv(SCTP_SENDV_SPA):
//   SCTP_PR_SCTP_RTX (max_retransmits) or SCTP_PR_SCTP_TTL (max_packet_lifetime_ms).
//   CRC32c is computed and checked by usrsctp (no offload): corrupt packets are dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"

namespace polyrtc::sctp {

enum class SctpError {
    kStackUnavailable,    // usrsctp could not be initialized
    kSocketFailure,       // usrsctp refused to create or configure the socket
    kInvalidState,        // command not allowed in the current state
    kInvalidStream,       // stream id outside the negotiated outbound streams
    kMessageTooLarge,     // larger than the remote's max-message-size
    kInvalidReliability,  // both max_retransmits and max_packet_lifetime_ms set
    kEmptyMessage,        // SCTP cannot carry a zero-length user message
};
const char* to_string(SctpError error);

// Upper bound of one SCTP packet, so SCTP + DTLS fits a 1200-byte UDP payload: the DTLS 1.2
// record overhead of the AEAD suites we offer is at most 37 bytes (13-byte record header +
// 8-byte explicit nonce + 16-byte tag for AES-128-GCM; ChaCha20-Poly1305 needs 29).
// 1200 is RFC 8261 §5's recommended safe value, and what Chromium assumes for IPv6 paths.
constexpr size_t kDefaultUdpPayload = 1200;
constexpr size_t kDtlsRecordOverhead = 37;
constexpr size_t kDefaultMaxPacketSize = kDefaultUdpPayload - kDtlsRecordOverhead;  // 1163
constexpr uint16_t kDefaultPort = 5000;
constexpr size_t kDefaultMaxMessageSize = 262144;  // RFC 8841 §6 default when not signaled
constexpr uint16_t kMaxStreams = 1024;

struct AssociationConfig {
    uint16_t local_port = kDefaultPort;   // our a=sctp-port
    uint16_t remote_port = kDefaultPort;  // the peer's a=sctp-port
    // The peer's a=max-message-size: send() refuses larger messages. 0 means "any size"
    // (RFC 8841 §6); it is then capped at kDefaultMaxMessageSize * 4 = 1 MiB.
    size_t remote_max_message_size = kDefaultMaxMessageSize;
    // Our a=max-message-size: larger incoming messages are discarded (and counted).
    size_t local_max_message_size = kDefaultMaxMessageSize;
    size_t max_packet_size = kDefaultMaxPacketSize;  // largest SCTP packet we emit
    uint16_t streams = kMaxStreams;                  // SCTP_INITMSG in and out
};

// Per-message partial reliability (RFC 3758). At most one limit may be set.
struct Reliability {
    bool ordered = true;
    std::optional<uint16_t> max_retransmits;         // SCTP_PR_SCTP_RTX
    std::optional<uint32_t> max_packet_lifetime_ms;  // SCTP_PR_SCTP_TTL
};

struct SendOptions {
    Reliability reliability;
    // Whether the bytes count in buffered_amount(). The data-channel layer passes false for
    // DCEP messages and the one-byte stand-in of an empty message (W3C counts payload).
    bool counted = true;
};

enum class AssociationState { kNew, kConnecting, kConnected, kShuttingDown, kClosed, kFailed };
const char* to_string(AssociationState state);

// Events, polled in the order they happened.
struct ConnectedEvent {
    uint16_t outbound_streams = 0;
    uint16_t inbound_streams = 0;
};
struct MessageEvent {
    uint16_t stream = 0;
    uint32_t ppid = 0;
    bool unordered = false;
    Bytes data;
};
// The peer reset these outgoing streams of its own (our incoming streams) (RFC 6525).
struct IncomingStreamsResetEvent {
    std::vector<uint16_t> streams;
};
// Our outgoing reset of these streams completed: the peer acknowledged it.
struct OutgoingStreamsResetEvent {
    std::vector<uint16_t> streams;
};
// Bytes were handed to usrsctp: buffered_amount(stream) went down to `buffered_amount`.
struct BufferedAmountDecreasedEvent {
    uint16_t stream = 0;
    size_t buffered_amount = 0;
};
// Orderly end: SHUTDOWN completed, or the peer sent ABORT.
struct ClosedEvent {
    bool by_peer_abort = false;
};
// The association could not be set up or was lost (retransmission limits).
struct FailedEvent {
    std::string reason;
};
using Event = std::variant<ConnectedEvent, MessageEvent, IncomingStreamsResetEvent, OutgoingStreamsResetEvent,
                           BufferedAmountDecreasedEvent, ClosedEvent, FailedEvent>;

struct AssociationStats {
    uint64_t packets_received = 0;
    uint64_t packets_dropped_short = 0;         // shorter than an SCTP common header
    uint64_t packets_dropped_before_start = 0;  // arrived before start() (the peer's INIT
                                                // is harmless to drop: ours meets it)
    uint64_t packets_sent = 0;
    size_t largest_packet_sent = 0;
    uint64_t messages_sent = 0;      // fully handed to usrsctp
    uint64_t messages_received = 0;  // delivered as MessageEvent
    uint64_t messages_dropped_too_large = 0;
    uint64_t partial_deliveries_aborted = 0;  // PR-SCTP message abandoned mid-delivery
    uint64_t send_errors = 0;                 // usrsctp_sendv failures other than EWOULDBLOCK
};

class SctpAssociation {
public:
    // Creates the socket and configures it; nothing is sent until start().
    static Result<SctpAssociation, SctpError> create(const AssociationConfig& config);

    SctpAssociation(SctpAssociation&&) noexcept;
    SctpAssociation& operator=(SctpAssociation&&) noexcept;
    // Closes the socket with SO_LINGER 0 (usrsctp emits an ABORT that is discarded: call
    // shutdown() and pump first for an orderly close) and drops the stack reference.
    ~SctpAssociation();

    // --- getters
    AssociationState state() const;
    const AssociationConfig& config() const;
    // Negotiated stream counts (0 before Connected).
    uint16_t outbound_streams() const;
    uint16_t inbound_streams() const;
    // Counted bytes of messages on `stream` accepted by send() and not yet handed to usrsctp.
    size_t buffered_amount(uint16_t stream) const;
    // All queued bytes (counted or not) of all streams.
    size_t queued_bytes() const;
    const AssociationStats& stats() const;

    // --- inputs
    // Sends INIT (kNew -> kConnecting).
    Status<SctpError> start(Timestamp now);
    // One SCTP packet (the payload of one DTLS application-data record). Dropped (and
    // counted) before start().
    void handle_packet(Timestamp now, ByteView packet);
    void handle_timeout(Timestamp now);

    // --- commands
    // Queues one message. Allowed in kNew, kConnecting and kConnected (queued messages go
    // out once connected). Fails, queuing nothing, if the message exceeds the remote
    // max-message-size, the stream is beyond the negotiated outbound streams or `data` is
    // empty (RFC 8831 §6.6: empty messages travel as one byte with PPID 56/57).
    Status<SctpError> send(uint16_t stream, uint32_t ppid, ByteView data, const SendOptions& options);
    // Resets our outgoing side of `streams` (RFC 6525), after every message already queued
    // on them has been handed to usrsctp. Completion: OutgoingStreamsResetEvent.
    Status<SctpError> reset_streams(const std::vector<uint16_t>& streams);
    // Graceful SHUTDOWN after queued data; ends with ClosedEvent.
    Status<SctpError> shutdown(Timestamp now);
    // Immediate close: the ABORT chunk is queued for poll_transmit(), queued messages are
    // dropped, ClosedEvent follows at once (what a browser's pc.close() does).
    void abort(Timestamp now);

    // --- outputs
    std::optional<Bytes> poll_transmit();
    std::optional<Event> poll_event();
    // The stack's next 10 ms tick while anything is in flight; once the association has been
    // idle for 200 ms (nothing sent, received or unacknowledged), a 1 s tick (heartbeats only).
    std::optional<Timestamp> poll_timeout() const;

private:
    struct Impl;
    explicit SctpAssociation(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace polyrtc::sctp
