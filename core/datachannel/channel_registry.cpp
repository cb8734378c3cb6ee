#include "core/datachannel/channel_registry.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace polyrtc::datachannel {

const char* to_string(DataChannelError error) {
    switch (error) {
        case DataChannelError::kInvalidParameters: return "invalid data channel parameters";
        case DataChannelError::kIdInUse: return "data channel id already in use";
        case DataChannelError::kNoAvailableId: return "no data channel id available";
        case DataChannelError::kIdOutOfRange: return "data channel id beyond the negotiated streams";
        case DataChannelError::kUnknownChannel: return "no such data channel";
        case DataChannelError::kNotOpen: return "data channel is not open yet";
        case DataChannelError::kChannelClosing: return "data channel is closing or closed";
        case DataChannelError::kMessageTooLarge: return "message larger than the remote max-message-size";
        case DataChannelError::kTransportClosed: return "SCTP transport closed";
        case DataChannelError::kSctpFailure: return "SCTP association could not be created";
    }
    return "unknown DataChannelError";
}

const char* to_string(ChannelState state) {
    switch (state) {
        case ChannelState::kConnecting: return "connecting";
        case ChannelState::kOpen: return "open";
        case ChannelState::kClosing: return "closing";
        case ChannelState::kClosed: return "closed";
    }
    return "unknown";
}

namespace {

constexpr uint16_t kMaxId = 65534;  // 65535 is reserved (W3C: TypeError)
constexpr size_t kMaxLabelSize = 65535;

sctp::Reliability reliability_of(const ChannelInfo& info, bool force_ordered) {
    sctp::Reliability r;
    r.ordered = info.ordered || force_ordered;
    r.max_retransmits = info.max_retransmits;
    r.max_packet_lifetime_ms = info.max_packet_lifetime_ms;
    return r;
}

DcepOpen open_message(const ChannelInfo& info) {
    DcepOpen open;
    uint8_t type = 0x00;
    if (info.max_retransmits) {
        type = 0x01;
        open.reliability_parameter = *info.max_retransmits;
    } else if (info.max_packet_lifetime_ms) {
        type = 0x02;
        open.reliability_parameter = *info.max_packet_lifetime_ms;
    }
    if (!info.ordered) type |= 0x80;
    open.channel_type = static_cast<ChannelType>(type);
    open.priority = info.priority;
    open.label = info.label;
    open.protocol = info.protocol;
    return open;
}

const sctp::SendOptions kDcepOptions{sctp::Reliability{}, false};  // reliable, ordered, uncounted

}  // namespace

ChannelRegistry::ChannelRegistry(RegistryConfig config, sctp::SctpAssociation association)
    : config_(std::move(config)),
      association_(std::move(association)),
      max_message_size_(config_.sctp.remote_max_message_size == 0 ? 4 * sctp::kDefaultMaxMessageSize
                                                                  : config_.sctp.remote_max_message_size) {}

Result<ChannelRegistry, DataChannelError> ChannelRegistry::create(const RegistryConfig& config) {
    auto association = sctp::SctpAssociation::create(config.sctp);
    if (!association) return unexpected(DataChannelError::kSctpFailure);
    return ChannelRegistry(config, std::move(*association));
}

const ChannelInfo* ChannelRegistry::channel(uint16_t id) const {
    auto it = channels_.find(id);
    return it == channels_.end() ? nullptr : &it->second.info;
}

size_t ChannelRegistry::buffered_amount(uint16_t id) const {
    return association_.buffered_amount(id);
}

Status<DataChannelError> ChannelRegistry::start(Timestamp now) {
    auto started = association_.start(now);
    process_association_events();
    if (!started) return unexpected(DataChannelError::kTransportClosed);
    return {};
}

void ChannelRegistry::handle_packet(Timestamp now, ByteView sctp_packet) {
    association_.handle_packet(now, sctp_packet);
    process_association_events();
}

void ChannelRegistry::handle_timeout(Timestamp now) {
    association_.handle_timeout(now);
    process_association_events();
}

uint16_t ChannelRegistry::id_limit() const {
    return connected_ ? max_channels_ : config_.sctp.streams;
}

std::optional<uint16_t> ChannelRegistry::allocate_id() const {
    // RFC 8832 §6: "the DTLS client MUST use even [stream identifiers] and the DTLS server
    // MUST use odd".
    uint16_t first = config_.dtls_role == DtlsRole::kClient ? 0 : 1;
    for (uint32_t id = first; id < id_limit(); id += 2) {
        if (channels_.count(static_cast<uint16_t>(id)) == 0) return static_cast<uint16_t>(id);
    }
    return std::nullopt;
}

Result<uint16_t, DataChannelError> ChannelRegistry::create_channel(const ChannelInit& init) {
    if (transport_done_) return unexpected(DataChannelError::kTransportClosed);
    if (init.max_retransmits && init.max_packet_lifetime_ms) return unexpected(DataChannelError::kInvalidParameters);
    if (init.label.size() > kMaxLabelSize || init.protocol.size() > kMaxLabelSize)
        return unexpected(DataChannelError::kInvalidParameters);
    if (init.negotiated && !init.id) return unexpected(DataChannelError::kInvalidParameters);
    uint16_t id = 0;
    if (init.id) {
        if (*init.id > kMaxId) return unexpected(DataChannelError::kInvalidParameters);
        if (*init.id >= id_limit()) return unexpected(DataChannelError::kIdOutOfRange);
        if (channels_.count(*init.id) != 0) return unexpected(DataChannelError::kIdInUse);
        id = *init.id;
    } else {
        auto free_id = allocate_id();
        if (!free_id) return unexpected(DataChannelError::kNoAvailableId);
        id = *free_id;
    }
    Channel channel;
    channel.info.id = id;
    channel.info.label = init.label;
    channel.info.protocol = init.protocol;
    channel.info.ordered = init.ordered;
    channel.info.max_retransmits = init.max_retransmits;
    channel.info.max_packet_lifetime_ms = init.max_packet_lifetime_ms;
    channel.info.negotiated = init.negotiated;
    channel.info.priority = init.priority;
    channel.locally_created = true;
    Channel& stored = channels_.emplace(id, std::move(channel)).first->second;
    if (connected_)
        open_channel(stored);
    else
        stored.open_pending = true;
    return id;
}

void ChannelRegistry::open_channel(Channel& channel) {
    channel.open_pending = false;
    if (!channel.info.negotiated) {
        // RFC 8832 §6: the OPEN goes on the channel's own stream; user data may follow
        // before the ACK arrives (sent ordered until then, so OPEN is delivered first).
        auto sent =
            association_.send(channel.info.id, ppid::kDcep, open_message(channel.info).serialize(), kDcepOptions);
        if (!sent) {
            channel.info.state = ChannelState::kClosed;
            events_.emplace_back(ChannelClosedEvent{channel.info.id});
            channels_.erase(channel.info.id);
            return;
        }
        channel.awaiting_ack = true;
    }
    channel.info.state = ChannelState::kOpen;
    events_.emplace_back(ChannelOpenEvent{channel.info.id});
}

Status<DataChannelError> ChannelRegistry::send_text(uint16_t id, std::string_view text) {
    return send(id, false, ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Status<DataChannelError> ChannelRegistry::send_binary(uint16_t id, ByteView data) {
    return send(id, true, data);
}

Status<DataChannelError> ChannelRegistry::send(uint16_t id, bool binary, ByteView data) {
    auto it = channels_.find(id);
    if (it == channels_.end()) return unexpected(DataChannelError::kUnknownChannel);
    Channel& channel = it->second;
    if (channel.info.state == ChannelState::kConnecting) return unexpected(DataChannelError::kNotOpen);
    if (channel.info.state != ChannelState::kOpen) return unexpected(DataChannelError::kChannelClosing);
    if (data.size() > max_message_size_) return unexpected(DataChannelError::kMessageTooLarge);
    // Unordered channels send ordered until the ACK (RFC 8832 §6), so the OPEN arrives first.
    sctp::SendOptions options{reliability_of(channel.info, channel.awaiting_ack), true};
    Status<sctp::SctpError> sent;
    if (data.empty()) {
        // RFC 8831 §6.6: an empty message is one 0x00 byte with PPID 56 or 57.
        static const uint8_t kZero = 0;
        options.counted = false;
        sent = association_.send(id, binary ? ppid::kBinaryEmpty : ppid::kStringEmpty, ByteView(&kZero, 1), options);
    } else {
        sent = association_.send(id, binary ? ppid::kBinary : ppid::kString, data, options);
    }
    if (!sent) {
        switch (sent.error()) {
            case sctp::SctpError::kMessageTooLarge: return unexpected(DataChannelError::kMessageTooLarge);
            case sctp::SctpError::kInvalidStream: return unexpected(DataChannelError::kIdOutOfRange);
            default: return unexpected(DataChannelError::kTransportClosed);
        }
    }
    channel.buffered = association_.buffered_amount(id);
    return {};
}

Status<DataChannelError> ChannelRegistry::set_buffered_amount_low_threshold(uint16_t id, size_t threshold) {
    auto it = channels_.find(id);
    if (it == channels_.end()) return unexpected(DataChannelError::kUnknownChannel);
    it->second.info.buffered_amount_low_threshold = threshold;
    return {};
}

Status<DataChannelError> ChannelRegistry::close_channel(uint16_t id) {
    auto it = channels_.find(id);
    if (it == channels_.end()) return unexpected(DataChannelError::kUnknownChannel);
    Channel& channel = it->second;
    if (channel.info.state == ChannelState::kClosing || channel.info.state == ChannelState::kClosed) return {};
    if (!connected_) {
        // Never opened on the wire: nothing to reset.
        events_.emplace_back(ChannelClosedEvent{id});
        channels_.erase(it);
        return {};
    }
    channel.info.state = ChannelState::kClosing;
    begin_close(channel);
    return {};
}

void ChannelRegistry::begin_close(Channel& channel) {
    if (channel.outgoing_reset_requested) return;
    channel.outgoing_reset_requested = true;
    // Goes out after every message already queued on the stream (the association waits).
    if (!association_.reset_streams({channel.info.id})) channel.outgoing_reset_done = true;
    maybe_closed(channel.info.id);
}

void ChannelRegistry::maybe_closed(uint16_t id) {
    auto it = channels_.find(id);
    if (it == channels_.end()) return;
    if (!it->second.incoming_reset || !it->second.outgoing_reset_done) return;
    events_.emplace_back(ChannelClosedEvent{id});
    channels_.erase(it);
}

Status<DataChannelError> ChannelRegistry::shutdown(Timestamp now) {
    if (!association_.shutdown(now)) return unexpected(DataChannelError::kTransportClosed);
    process_association_events();
    return {};
}

void ChannelRegistry::abort(Timestamp now) {
    association_.abort(now);
    process_association_events();
}

std::optional<Bytes> ChannelRegistry::poll_transmit() {
    auto packet = association_.poll_transmit();
    process_association_events();  // handing messages to usrsctp reports buffered amounts
    return packet;
}

std::optional<Event> ChannelRegistry::poll_event() {
    process_association_events();
    if (events_.empty()) return std::nullopt;
    Event event = std::move(events_.front());
    events_.pop_front();
    return event;
}

void ChannelRegistry::process_association_events() {
    while (auto event = association_.poll_event()) {
        if (auto* connected = std::get_if<sctp::ConnectedEvent>(&*event)) {
            connected_ = true;
            max_channels_ = std::min(connected->outbound_streams, connected->inbound_streams);
            events_.emplace_back(TransportConnectedEvent{max_channels_});
            std::vector<uint16_t> pending;
            for (auto& [id, channel] : channels_) {
                if (channel.open_pending) pending.push_back(id);
            }
            for (uint16_t id : pending) {
                auto it = channels_.find(id);
                if (id >= max_channels_) {
                    events_.emplace_back(ChannelClosedEvent{id});
                    channels_.erase(it);
                } else {
                    open_channel(it->second);
                }
            }
        } else if (auto* message = std::get_if<sctp::MessageEvent>(&*event)) {
            handle_message(*message);
        } else if (auto* incoming = std::get_if<sctp::IncomingStreamsResetEvent>(&*event)) {
            for (uint16_t id : incoming->streams) {
                auto it = channels_.find(id);
                if (it == channels_.end()) continue;
                Channel& channel = it->second;
                channel.incoming_reset = true;
                if (channel.info.state == ChannelState::kOpen || channel.info.state == ChannelState::kConnecting) {
                    // The peer closes: W3C `closing`, then reset our side in answer.
                    channel.info.state = ChannelState::kClosing;
                    events_.emplace_back(ChannelClosingEvent{id});
                    begin_close(channel);
                } else {
                    maybe_closed(id);
                }
            }
        } else if (auto* outgoing = std::get_if<sctp::OutgoingStreamsResetEvent>(&*event)) {
            for (uint16_t id : outgoing->streams) {
                auto it = channels_.find(id);
                if (it == channels_.end()) continue;
                it->second.outgoing_reset_done = true;
                maybe_closed(id);
            }
        } else if (auto* decreased = std::get_if<sctp::BufferedAmountDecreasedEvent>(&*event)) {
            auto it = channels_.find(decreased->stream);
            if (it == channels_.end()) continue;
            Channel& channel = it->second;
            size_t before = channel.buffered;
            channel.buffered = decreased->buffered_amount;
            size_t threshold = channel.info.buffered_amount_low_threshold;
            if (before > threshold && channel.buffered <= threshold)
                events_.emplace_back(BufferedAmountLowEvent{decreased->stream});
        } else if (std::holds_alternative<sctp::ClosedEvent>(*event)) {
            close_all();
            events_.emplace_back(TransportClosedEvent{});
        } else if (auto* failed = std::get_if<sctp::FailedEvent>(&*event)) {
            close_all();
            events_.emplace_back(TransportFailedEvent{failed->reason});
        }
    }
}

void ChannelRegistry::close_all() {
    transport_done_ = true;
    for (auto& [id, channel] : channels_) {
        (void)channel;
        events_.emplace_back(ChannelClosedEvent{id});
    }
    channels_.clear();
}

void ChannelRegistry::handle_message(sctp::MessageEvent& message) {
    if (message.ppid == ppid::kDcep) {
        handle_dcep(message.stream, message.data);
        return;
    }
    auto it = channels_.find(message.stream);
    if (it == channels_.end()) {
        ++stats_.messages_unknown_stream;
        return;
    }
    Channel& channel = it->second;
    if (channel.info.state != ChannelState::kOpen) {
        ++stats_.messages_not_open;
        return;
    }
    // RFC 8832 §6: user data from the peer on the stream implies it got our OPEN.
    channel.awaiting_ack = false;
    switch (message.ppid) {
        case ppid::kString:
        case ppid::kBinary: {
            bool binary = message.ppid == ppid::kBinary;
            Bytes data = std::move(message.data);
            if (!channel.partial.empty()) {
                if (channel.partial_binary == binary) {
                    channel.partial.insert(channel.partial.end(), data.begin(), data.end());
                    data = std::move(channel.partial);
                }
                channel.partial = Bytes();
            }
            events_.emplace_back(ChannelMessageEvent{message.stream, binary, std::move(data)});
            break;
        }
        case ppid::kStringEmpty:
        case ppid::kBinaryEmpty:
            events_.emplace_back(ChannelMessageEvent{message.stream, message.ppid == ppid::kBinaryEmpty, Bytes()});
            break;
        case ppid::kStringPartial:
        case ppid::kBinaryPartial: {
            // Deprecated (RFC 8831 §8): pieces of one message, ended by a PPID 51/53 part.
            bool binary = message.ppid == ppid::kBinaryPartial;
            if (channel.partial_binary != binary) channel.partial = Bytes();
            channel.partial_binary = binary;
            if (channel.partial.size() + message.data.size() > config_.sctp.local_max_message_size) {
                ++stats_.messages_too_large;
                channel.partial = Bytes();
                break;
            }
            channel.partial.insert(channel.partial.end(), message.data.begin(), message.data.end());
            break;
        }
        default: ++stats_.messages_unknown_ppid; break;
    }
}

void ChannelRegistry::handle_dcep(uint16_t stream, ByteView data) {
    auto type = dcep_message_type(data);
    if (type == kDcepOpen) {
        handle_open(stream, data);
        return;
    }
    if (type == kDcepAck && data.size() == 1) {
        auto it = channels_.find(stream);
        if (it == channels_.end() || !it->second.locally_created) {
            ++stats_.dcep_invalid;
            return;
        }
        it->second.awaiting_ack = false;
        return;
    }
    ++stats_.dcep_invalid;  // empty, unknown type, or an ACK with trailing bytes
}

void ChannelRegistry::handle_open(uint16_t stream, ByteView data) {
    if (channels_.count(stream) != 0) {
        // The stream is in use (both sides picked the id, or a repeated OPEN): keep ours.
        ++stats_.dcep_open_rejected;
        return;
    }
    auto open = DcepOpen::parse(data);
    if (!open) {
        // RFC 8832 §6: an OPEN that cannot be processed closes the channel by resetting the
        // stream.
        ++stats_.dcep_invalid;
        ++stats_.streams_reset_for_invalid_open;
        (void)association_.reset_streams({stream});
        return;
    }
    Channel channel;
    channel.info.id = stream;
    channel.info.label = std::move(open->label);
    channel.info.protocol = std::move(open->protocol);
    channel.info.ordered = !is_unordered(open->channel_type);
    switch (static_cast<uint8_t>(open->channel_type) & 0x7f) {
        case 0x01:
            channel.info.max_retransmits =
                static_cast<uint16_t>(std::min<uint32_t>(open->reliability_parameter, 65535));
            break;
        case 0x02: channel.info.max_packet_lifetime_ms = open->reliability_parameter; break;
        default: break;
    }
    channel.info.priority = open->priority;
    channel.info.state = ChannelState::kOpen;
    // The ACK is sent on the same stream, ordered and reliable (RFC 8832 §6).
    if (!association_.send(stream, ppid::kDcep, serialize_dcep_ack(), kDcepOptions)) {
        ++stats_.dcep_invalid;
        return;
    }
    channels_.emplace(stream, std::move(channel));
    events_.emplace_back(ChannelIncomingEvent{stream});
    events_.emplace_back(ChannelOpenEvent{stream});
}

}  // namespace polyrtc::datachannel
