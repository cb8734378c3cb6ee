// ChannelRegistry: WebRTC data channels (RFC 8831) over one SCTP association, with in-band
// opening through DCEP (RFC 8832) and `negotiated` channels. Sans-IO, same shape as the
// association it owns by value: inputs carry `now`, outputs are polled.
//
//   getters    channel(id), buffered_amount(id), max_message_size(), stats()
//   inputs     start(now), handle_packet(now, sctp_packet), handle_timeout(now)
//   commands   create_channel(), send_text()/send_binary(), close_channel(),
//              set_buffered_amount_low_threshold(), shutdown(now), abort(now)
//   outputs    poll_transmit() (SCTP packets for DTLS), poll_event(), poll_timeout()
// Poll order: poll_transmit() until empty, then poll_event() until empty, then
// poll_timeout(); repeat while either produced something (processing an event the
// registry received may queue an ACK).
//
// Stream ids (RFC 8832 §6): the DTLS client uses even ids, the DTLS server odd ids; ids are
// allocated lowest-first below the negotiated stream count (1024). `negotiated` channels use
// the id the application picked and send no DCEP.
//
// Messages (RFC 8831 §6.6): strings PPID 51, binary 53; empty ones PPID 56/57 carrying one
// 0x00 byte; the deprecated partial PPIDs 52/54 are reassembled on receive.
//
// bufferedAmount: the payload bytes (UTF-8 bytes for text; 0 for empty messages; DCEP never
// counts) of messages accepted by send_*() and not yet handed to usrsctp's send buffer. It
// grows in send_*() and falls during poll_transmit(), when usrsctp takes bytes (a message
// larger than the free send-buffer space is taken in pieces, so it falls by pieces).
// BufferedAmountLowEvent fires when it falls from above the threshold to at or below it.
//
// Closing (RFC 8831 §6.7, W3C closing procedure): close_channel() resets our outgoing stream
// once every queued message of the channel has been handed to SCTP; the peer answers by
// resetting its outgoing stream; ChannelClosedEvent fires when both directions are reset.
// When the peer starts, ChannelClosingEvent fires first, we reset our side, then
// ChannelClosedEvent. The id is free again after ChannelClosedEvent.
//
// Hostile input: DCEP messages that are truncated, have bad lengths or an unknown type are
// dropped and counted; an invalid DATA_CHANNEL_OPEN on an unused stream resets that stream
// (RFC 8832 §6). Messages on unknown streams or with unknown PPIDs are dropped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/datachannel/dcep.hpp"
#include "core/dtls/role.hpp"
#include "core/sctp/association.hpp"

namespace polyrtc::datachannel {

enum class DataChannelError {
    kInvalidParameters,  // W3C TypeError: both reliability limits, label/protocol > 65535 bytes,
                         // negotiated without id, id 65535
    kIdInUse,            // W3C OperationError
    kNoAvailableId,      // W3C OperationError: every id of our parity is taken
    kIdOutOfRange,       // id beyond the negotiated stream count
    kUnknownChannel,
    kNotOpen,          // channel still connecting (W3C InvalidStateError)
    kChannelClosing,   // channel closing or closed: nothing is sent
    kMessageTooLarge,  // larger than the remote max-message-size (W3C TypeError)
    kTransportClosed,  // the association is closed or failed
    kSctpFailure,      // the association refused to be created
};
const char* to_string(DataChannelError error);

// Even stream ids for the DTLS client, odd for the server (core/dtls/role.hpp).
using DtlsRole = dtls::DtlsRole;

enum class ChannelState { kConnecting, kOpen, kClosing, kClosed };
const char* to_string(ChannelState state);

struct ChannelInit {
    std::string label;
    std::string protocol;
    bool ordered = true;
    std::optional<uint16_t> max_retransmits;
    std::optional<uint32_t> max_packet_lifetime_ms;
    bool negotiated = false;
    std::optional<uint16_t> id;  // required when negotiated; otherwise allocated
    uint16_t priority = kPriorityLow;
};

struct ChannelInfo {
    uint16_t id = 0;
    std::string label;
    std::string protocol;
    bool ordered = true;
    std::optional<uint16_t> max_retransmits;
    std::optional<uint32_t> max_packet_lifetime_ms;
    bool negotiated = false;
    uint16_t priority = kPriorityLow;
    ChannelState state = ChannelState::kConnecting;
    size_t buffered_amount_low_threshold = 0;
};

// Events.
struct TransportConnectedEvent {
    uint16_t max_channels = 0;  // min(negotiated outbound, inbound streams)
};
// The peer opened a channel in-band (W3C: fire `datachannel`); ChannelOpenEvent follows.
struct ChannelIncomingEvent {
    uint16_t id = 0;
};
struct ChannelOpenEvent {
    uint16_t id = 0;
};
struct ChannelMessageEvent {
    uint16_t id = 0;
    bool binary = false;
    Bytes data;  // UTF-8 for text (not validated here)
};
struct BufferedAmountLowEvent {
    uint16_t id = 0;
};
// The peer started closing the channel (W3C `closing`).
struct ChannelClosingEvent {
    uint16_t id = 0;
};
struct ChannelClosedEvent {
    uint16_t id = 0;
};
struct TransportClosedEvent {};
struct TransportFailedEvent {
    std::string reason;
};
using Event = std::variant<TransportConnectedEvent, ChannelIncomingEvent, ChannelOpenEvent, ChannelMessageEvent,
                           BufferedAmountLowEvent, ChannelClosingEvent, ChannelClosedEvent, TransportClosedEvent,
                           TransportFailedEvent>;

struct RegistryConfig {
    DtlsRole dtls_role = DtlsRole::kClient;
    sctp::AssociationConfig sctp;
};

struct RegistryStats {
    uint64_t dcep_invalid = 0;        // truncated / bad lengths / unknown type or channel type
    uint64_t dcep_open_rejected = 0;  // OPEN for a stream already in use
    uint64_t streams_reset_for_invalid_open = 0;
    uint64_t messages_unknown_stream = 0;
    uint64_t messages_unknown_ppid = 0;
    uint64_t messages_not_open = 0;   // arrived on a channel that is not open
    uint64_t messages_too_large = 0;  // legacy partial reassembly over the limit
};

class ChannelRegistry {
public:
    static Result<ChannelRegistry, DataChannelError> create(const RegistryConfig& config);

    // --- getters
    const ChannelInfo* channel(uint16_t id) const;
    size_t channel_count() const { return channels_.size(); }
    size_t buffered_amount(uint16_t id) const;
    // The remote max-message-size send_*() enforces (W3C RTCSctpTransport.maxMessageSize).
    size_t max_message_size() const { return max_message_size_; }
    const sctp::SctpAssociation& association() const { return association_; }
    const RegistryStats& stats() const { return stats_; }

    // --- inputs
    Status<DataChannelError> start(Timestamp now);
    void handle_packet(Timestamp now, ByteView sctp_packet);
    void handle_timeout(Timestamp now);

    // --- commands
    // Creates a channel; returns its id. Before the association is up the channel waits in
    // kConnecting; it opens (OPEN sent, or at once when negotiated) when it comes up.
    Result<uint16_t, DataChannelError> create_channel(const ChannelInit& init);
    Status<DataChannelError> send_text(uint16_t id, std::string_view text);
    Status<DataChannelError> send_binary(uint16_t id, ByteView data);
    Status<DataChannelError> close_channel(uint16_t id);
    Status<DataChannelError> set_buffered_amount_low_threshold(uint16_t id, size_t threshold);
    Status<DataChannelError> shutdown(Timestamp now);
    void abort(Timestamp now);

    // --- outputs
    std::optional<Bytes> poll_transmit();
    std::optional<Event> poll_event();
    std::optional<Timestamp> poll_timeout() const { return association_.poll_timeout(); }

private:
    struct Channel {
        ChannelInfo info;
        bool locally_created = false;
        bool awaiting_ack = false;    // in-band, ours, OPEN sent and no ACK/data yet
        bool open_pending = false;    // waiting for the association to come up
        bool incoming_reset = false;  // the peer reset its outgoing stream
        bool outgoing_reset_requested = false;
        bool outgoing_reset_done = false;
        size_t buffered = 0;  // mirror of the association's counted bytes
        Bytes partial;        // legacy PPID 52/54 reassembly
        bool partial_binary = false;
    };

    ChannelRegistry(RegistryConfig config, sctp::SctpAssociation association);

    Status<DataChannelError> send(uint16_t id, bool binary, ByteView data);
    std::optional<uint16_t> allocate_id() const;
    uint16_t id_limit() const;
    void open_channel(Channel& channel);
    void process_association_events();
    void handle_message(sctp::MessageEvent& message);
    void handle_dcep(uint16_t stream, ByteView data);
    void handle_open(uint16_t stream, ByteView data);
    void begin_close(Channel& channel);
    void maybe_closed(uint16_t id);
    void close_all();

    RegistryConfig config_;
    sctp::SctpAssociation association_;
    size_t max_message_size_;
    bool connected_ = false;
    bool transport_done_ = false;
    uint16_t max_channels_ = 0;
    std::map<uint16_t, Channel> channels_;
    std::deque<Event> events_;
    RegistryStats stats_;
};

}  // namespace polyrtc::datachannel
