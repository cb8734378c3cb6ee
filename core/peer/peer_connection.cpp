#include "core/peer/peer_connection.hpp"

#include <algorithm>

#include "core/ice/sdp_candidate.hpp"
#include "core/stun/demux.hpp"

namespace polyrtc::peer {

namespace {

// Sub-engines get their own generators, derived from the connection's, so that adding
// randomness to one never shifts another's sequence (reproducible tests).
crypto::Csprng child_rng(crypto::Csprng& parent) {
    return std::move(crypto::Csprng::create(parent.bytes(crypto::Csprng::kMinSeedSize)).value());
}

ApiError from_channel_error(datachannel::DataChannelError error) {
    ApiError out{ErrorName::kOperationError, datachannel::to_string(error), {}, {}};
    switch (error) {
        case datachannel::DataChannelError::kInvalidParameters:
        case datachannel::DataChannelError::kMessageTooLarge: out.name = ErrorName::kTypeError; break;
        case datachannel::DataChannelError::kNotOpen:
        case datachannel::DataChannelError::kChannelClosing:
        case datachannel::DataChannelError::kTransportClosed:
        case datachannel::DataChannelError::kUnknownChannel: out.name = ErrorName::kInvalidStateError; break;
        default: break;
    }
    return out;
}

ApiError closed_error() {
    return ApiError{ErrorName::kInvalidStateError, "the RTCPeerConnection is closed", {}, {}};
}

std::optional<Description> describe(const sdp::SessionDescription* description, std::optional<sdp::SdpType> type) {
    if (!description || !type) return std::nullopt;
    return Description{*type, description->to_string()};
}

}  // namespace

const char* to_string(IceGatheringState state) {
    switch (state) {
        case IceGatheringState::kNew: return "new";
        case IceGatheringState::kGathering: return "gathering";
        case IceGatheringState::kComplete: return "complete";
    }
    return "new";
}

const char* to_string(ConnectionState state) {
    switch (state) {
        case ConnectionState::kNew: return "new";
        case ConnectionState::kConnecting: return "connecting";
        case ConnectionState::kConnected: return "connected";
        case ConnectionState::kDisconnected: return "disconnected";
        case ConnectionState::kFailed: return "failed";
        case ConnectionState::kClosed: return "closed";
    }
    return "new";
}

Result<std::unique_ptr<PeerConnection>, ApiError> PeerConnection::create(const PeerConnectionConfig& config,
                                                                         Timestamp now) {
    auto rng = crypto::Csprng::create(config.seed);
    if (!rng) return unexpected(ApiError{ErrorName::kOperationError, crypto::to_string(rng.error()), {}, {}});
    dtls::CertificateParams params;
    params.not_before_unix = config.wall_clock_unix - 86400;  // a day of slack for skewed peer clocks
    params.not_after_unix = config.wall_clock_unix + 30 * 86400;
    auto certificate = dtls::Certificate::generate(params, *rng);
    if (!certificate) {
        return unexpected(ApiError{ErrorName::kOperationError, dtls::to_string(certificate.error()), {}, {}});
    }
    return std::unique_ptr<PeerConnection>(new PeerConnection(config, std::move(*rng), std::move(*certificate), now));
}

PeerConnection::PeerConnection(const PeerConnectionConfig& config, crypto::Csprng rng, dtls::Certificate certificate,
                               Timestamp now)
    : config_(config),
      rng_(std::move(rng)),
      certificate_(std::move(certificate)),
      negotiator_(sdp::NegotiatorConfig{certificate_.fingerprint(), 5000, config.max_message_size}, rng_),
      turn_(turn::ClientConfig{config.turn_username, config.turn_password, config.relay_transport}, rng_),
      ice_(ice::IceConfig{}, ice::IceRole::kControlling, child_rng(rng_), negotiator_.local_ice()),
      media_(child_rng(rng_)) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (uint8_t byte : rng_.bytes(8)) {
        cname_ += kHex[byte >> 4];
        cname_ += kHex[byte & 15];
    }
    // Pre-gathering: the allocation's round trip overlaps the offer/answer exchange.
    (void)turn_.start_allocation(now);
    pump(now);
}

PeerConnection::~PeerConnection() = default;

ice::IceConnectionState PeerConnection::ice_connection_state() const {
    return closed_ ? ice::IceConnectionState::kClosed : ice_.connection_state();
}

std::optional<Description> PeerConnection::local_description() const {
    return describe(negotiator_.local_description(), negotiator_.local_type());
}
std::optional<Description> PeerConnection::remote_description() const {
    return describe(negotiator_.remote_description(), negotiator_.remote_type());
}
std::optional<Description> PeerConnection::current_local_description() const {
    const auto& d = negotiator_.current_local();
    return d ? describe(&*d, negotiator_.pending_local() ? std::optional<sdp::SdpType>(sdp::SdpType::kAnswer)
                                                         : negotiator_.local_type())
             : std::nullopt;
}
std::optional<Description> PeerConnection::pending_local_description() const {
    const auto& d = negotiator_.pending_local();
    return d ? describe(&*d, negotiator_.local_type()) : std::nullopt;
}
std::optional<Description> PeerConnection::current_remote_description() const {
    const auto& d = negotiator_.current_remote();
    return d ? describe(&*d, negotiator_.pending_remote() ? std::optional<sdp::SdpType>(sdp::SdpType::kAnswer)
                                                          : negotiator_.remote_type())
             : std::nullopt;
}
std::optional<Description> PeerConnection::pending_remote_description() const {
    const auto& d = negotiator_.pending_remote();
    return d ? describe(&*d, negotiator_.remote_type()) : std::nullopt;
}

size_t PeerConnection::buffered_amount(ChannelHandle handle) const {
    auto it = channels_.find(handle);
    if (it == channels_.end() || !registry_ || !it->second.info.id || !it->second.created_in_registry) return 0;
    return registry_->buffered_amount(*it->second.info.id);
}

std::optional<size_t> PeerConnection::max_message_size() const {
    if (!transport_) return std::nullopt;
    // RFC 8841 section 6.1: 0 means the peer accepts any size; we cap at what we can buffer.
    uint64_t remote = transport_->remote_max_message_size;
    return remote == 0 ? size_t{1} << 20 : static_cast<size_t>(std::min<uint64_t>(remote, size_t{1} << 20));
}

bool PeerConnection::negotiation_needed() const {
    if (closed_) return false;
    bool data_needed = !channels_.empty() && !(transport_ && transport_->datachannel);
    return data_needed || negotiator_.transceivers_need_negotiation();
}

// --- commands

Result<std::string, ApiError> PeerConnection::create_offer(Timestamp now, bool ice_restart) {
    if (closed_) return unexpected(closed_error());
    sdp::OfferOptions options;
    options.ice_restart = ice_restart;
    // A data section when there are data channels, and in an offer with nothing else in it.
    options.datachannel = !channels_.empty() || negotiator_.transceivers().empty();
    auto offer = negotiator_.create_offer(rng_, options);
    pump(now);
    if (!offer) return unexpected(from_negotiation(offer.error()));
    return std::move(*offer);
}

Result<std::string, ApiError> PeerConnection::create_answer(Timestamp now) {
    if (closed_) return unexpected(closed_error());
    auto answer = negotiator_.create_answer(rng_);
    pump(now);
    if (!answer) return unexpected(from_negotiation(answer.error()));
    return std::move(*answer);
}

Status<ApiError> PeerConnection::set_local_description(Timestamp now, sdp::SdpType type, std::string_view sdp) {
    if (closed_) return unexpected(closed_error());
    auto status = negotiator_.set_local(type, sdp);
    if (!status) return unexpected(from_negotiation(status.error()));
    on_local_description_applied(now);
    pump(now);
    return {};
}

Status<ApiError> PeerConnection::set_local_description_implicit(Timestamp now) {
    if (closed_) return unexpected(closed_error());
    auto status = negotiator_.set_local_implicit(rng_);
    if (!status) return unexpected(from_negotiation(status.error()));
    on_local_description_applied(now);
    pump(now);
    return {};
}

Status<ApiError> PeerConnection::set_remote_description(Timestamp now, sdp::SdpType type, std::string_view sdp) {
    if (closed_) return unexpected(closed_error());
    auto status = negotiator_.set_remote(type, sdp);
    if (!status) return unexpected(from_negotiation(status.error()));
    on_remote_description_applied(now);
    pump(now);
    return {};
}

Status<ApiError> PeerConnection::add_ice_candidate(Timestamp now, const sdp::IceCandidateInit& init) {
    if (closed_) return unexpected(closed_error());
    auto outcome = negotiator_.add_remote_candidate(init);
    if (!outcome) return unexpected(from_negotiation(outcome.error()));
    if (transport_negotiated_) {
        if (outcome->kind == sdp::RemoteCandidateOutcome::Kind::kCandidate && outcome->candidate) {
            add_remote_candidate(now, *outcome->candidate);
        } else if (outcome->kind == sdp::RemoteCandidateOutcome::Kind::kEndOfCandidates) {
            ice_.add_remote_end_of_candidates(now);
        }
    }
    // Before the transport is negotiated the candidate waits in the remote description and
    // reaches the ICE agent with the others in apply_negotiated_transport().
    pump(now);
    return {};
}

Result<DataChannelInfo, ApiError> PeerConnection::create_data_channel(Timestamp now, const DataChannelInit& init) {
    if (closed_) return unexpected(closed_error());
    Channel channel;
    channel.info.handle = next_handle_++;
    channel.info.init = init;
    if (init.negotiated) channel.info.id = init.id;
    auto [it, inserted] = channels_.emplace(channel.info.handle, std::move(channel));
    (void)inserted;
    if (registry_) {
        create_registry_channel(it->second);
        if (!it->second.created_in_registry) {
            DataChannelInfo failed = it->second.info;
            channels_.erase(it);
            return unexpected(ApiError{ErrorName::kOperationError,
                                       "no SCTP stream id is free for this data channel (or the id is taken)",
                                       {},
                                       {}});
        }
    }
    pump(now);
    return it->second.info;
}

Status<ApiError> PeerConnection::send(Timestamp now, ChannelHandle handle, bool binary, ByteView data) {
    if (closed_) return unexpected(closed_error());
    Channel* channel = find_channel(handle);
    if (!channel || channel->closed || !registry_ || !channel->created_in_registry) {
        return unexpected(ApiError{ErrorName::kInvalidStateError, "the data channel is not open", {}, {}});
    }
    auto status = binary
                      ? registry_->send_binary(*channel->info.id, data)
                      : registry_->send_text(*channel->info.id,
                                             std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    if (!status) return unexpected(from_channel_error(status.error()));
    pump(now);
    return {};
}

Status<ApiError> PeerConnection::set_buffered_amount_low_threshold(ChannelHandle handle, size_t threshold) {
    Channel* channel = find_channel(handle);
    if (!channel || !registry_ || !channel->created_in_registry) return {};
    auto status = registry_->set_buffered_amount_low_threshold(*channel->info.id, threshold);
    if (!status) return unexpected(from_channel_error(status.error()));
    return {};
}

void PeerConnection::close_data_channel(Timestamp now, ChannelHandle handle) {
    Channel* channel = find_channel(handle);
    if (!channel || channel->closed) return;
    if (registry_ && channel->created_in_registry) {
        (void)registry_->close_channel(*channel->info.id);
    } else {
        // Never reached SCTP: closing is immediate (W3C: closing then closed, both local).
        channel->closed = true;
        events_.push_back(ChannelClosedEvent{handle});
    }
    pump(now);
}

void PeerConnection::restart_ice() {
    if (!closed_) negotiator_.restart_ice();
}

void PeerConnection::close(Timestamp now) {
    if (closed_) return;
    closed_ = true;
    negotiator_.close();
    if (registry_) registry_->abort(now);
    if (dtls_) dtls_->close(now);
    // The last SCTP ABORT and DTLS close_notify still leave, then the allocation is released.
    drain_sctp();
    drain_dtls(now);
    ice_.close(now);
    turn_.deallocate(now);
    while (auto frame = turn_.poll_transmit()) relay_out_.push_back(std::move(*frame));
    // W3C close(): no events fire for the closing itself.
    events_.clear();
    while (turn_.poll_event()) {
    }
    while (ice_.poll_event()) {
    }
    connection_state_ = ConnectionState::kClosed;
}

// --- inputs

void PeerConnection::handle_relay_receive(Timestamp now, ByteView frame) {
    if (closed_) return;
    turn_.handle_receive(now, frame);
    pump(now);
}

void PeerConnection::handle_relay_closed(Timestamp now) {
    if (closed_ || relay_closed_) return;
    relay_closed_ = true;
    relay_out_.clear();
    if (!relayed_address_) {
        // Nothing was ever gathered: gathering ends with an error, and ICE can never succeed.
        events_.push_back(IceCandidateErrorEvent{701, "the relay closed the connection before allocating"});
        allocation_finished_ = true;
        emit_local_candidates();
    }
    pump(now);
}

void PeerConnection::handle_timeout(Timestamp now) {
    if (closed_) return;
    turn_.handle_timeout(now);
    ice_.handle_timeout(now);
    if (dtls_) dtls_->handle_timeout(now);
    if (registry_) registry_->handle_timeout(now);
    media_.handle_timeout(now);
    pump(now);
}

// --- outputs

std::optional<Bytes> PeerConnection::poll_relay_transmit() {
    if (relay_out_.empty()) return std::nullopt;
    Bytes out = std::move(relay_out_.front());
    relay_out_.pop_front();
    return out;
}

std::optional<Event> PeerConnection::poll_event() {
    if (events_.empty()) return std::nullopt;
    Event out = std::move(events_.front());
    events_.pop_front();
    return out;
}

std::optional<Timestamp> PeerConnection::poll_timeout() const {
    if (closed_) return std::nullopt;
    std::optional<Timestamp> earliest;
    auto consider = [&earliest](std::optional<Timestamp> t) {
        if (t && (!earliest || *t < *earliest)) earliest = t;
    };
    consider(turn_.poll_timeout());
    consider(ice_.poll_timeout());
    if (dtls_) consider(dtls_->poll_timeout());
    if (registry_) consider(registry_->poll_timeout());
    consider(media_.poll_timeout());
    return earliest;
}

// --- routing

void PeerConnection::pump(Timestamp now) {
    // Each engine's output can be another's input (SCTP -> DTLS -> TURN, TURN -> ICE/DTLS ->
    // SCTP), so drain until a whole round moves nothing. Every round consumes queued output
    // and the engines only produce output in response to input, so this ends; the bound is a
    // guard against a bug turning into a hang.
    for (int round = 0; round < 1000; ++round) {
        bool moved = drain_media(now);
        moved |= drain_sctp();
        moved |= drain_dtls(now);
        moved |= drain_ice(now);
        moved |= drain_turn(now);
        if (!moved) break;
    }
    update_connection_state();
}

bool PeerConnection::drain_turn(Timestamp now) {
    bool moved = false;
    while (auto frame = turn_.poll_transmit()) {
        moved = true;
        if (!relay_closed_) relay_out_.push_back(std::move(*frame));
    }
    while (auto event = turn_.poll_event()) {
        moved = true;
        switch (event->kind) {
            case turn::EventKind::kAllocated: {
                if (event->relayed.empty()) break;
                relayed_address_ = event->relayed.front();
                ice::LocalCandidateSpec spec;
                spec.type = ice::CandidateType::kRelayed;
                spec.address = *relayed_address_;
                spec.base = *relayed_address_;
                spec.related_address = net::SocketAddress(net::IpAddress::v4(0, 0, 0, 0), 0);
                auto candidate = ice_.add_local_candidate(now, spec);
                if (candidate) local_relay_candidate_ = *candidate;
                allocation_finished_ = true;
                ice_.set_local_gathering_complete(now);
                // Permissions for remote candidates learned before the allocation existed.
                if (transport_) {
                    for (const auto& remote : ice_.remote_candidates()) {
                        (void)turn_.create_permission(remote.address.ip(), now);
                    }
                }
                emit_local_candidates();
                break;
            }
            case turn::EventKind::kAllocationFailed:
                allocation_finished_ = true;
                events_.push_back(IceCandidateErrorEvent{
                    event->error_code == 0 ? uint16_t{701} : event->error_code,
                    event->reason.empty() ? "the relay did not answer the allocation" : event->reason});
                ice_.set_local_gathering_complete(now);
                emit_local_candidates();
                break;
            case turn::EventKind::kAllocationLost:
                fail("relay", "the relay allocation was lost: " + event->reason);
                break;
            case turn::EventKind::kData: on_relay_data(now, event->peer, event->data); break;
            default: break;  // permission/channel bookkeeping is the client's own business
        }
    }
    return moved;
}

void PeerConnection::on_relay_data(Timestamp now, const net::SocketAddress& from, ByteView data) {
    if (!relayed_address_) return;
    switch (stun::classify_packet(data)) {
        case stun::PacketKind::kStun: ice_.handle_receive(now, *relayed_address_, from, data); break;
        case stun::PacketKind::kDtls:
            ice_.handle_activity(now, *relayed_address_, from);
            if (!dtls_) start_dtls_if_ready(now);
            if (dtls_) dtls_->handle_receive(now, data);
            break;
        case stun::PacketKind::kRtp:
            // SRTP/SRTCP from whichever pair the peer sends on (a controlling peer may send
            // before its nomination reaches us, RFC 8445 section 12); SRTP authenticates it.
            ice_.handle_activity(now, *relayed_address_, from);
            media_.handle_packet(now, data);
            break;
        default: break;  // anything else is noise
    }
}

bool PeerConnection::drain_ice(Timestamp now) {
    bool moved = false;
    while (auto transmit = ice_.poll_transmit()) {
        moved = true;
        auto sent = turn_.send(transmit->destination, transmit->payload, now);
        if (!sent && sent.error() == turn::TurnError::kNoPermission) {
            (void)turn_.create_permission(transmit->destination.ip(), now);
            (void)turn_.send(transmit->destination, transmit->payload, now);
        }
    }
    while (auto event = ice_.poll_event()) {
        moved = true;
        if (auto* state = std::get_if<ice::ConnectionStateChanged>(&*event)) {
            if (state->state != last_ice_state_) {
                last_ice_state_ = state->state;
                events_.push_back(IceConnectionStateEvent{state->state});
                if (state->state == ice::IceConnectionState::kFailed && !failed_) {
                    // Reported but not latched in failed_ (unlike DTLS, SCTP or relay
                    // failures): W3C restartIce() brings a failed ICE transport back
                    // (failed -> checking -> connected), and update_connection_state()
                    // follows the ICE state, so connectionState recovers with it.
                    events_.push_back(TransportFailedEvent{"ice", "no candidate pair works (or consent was lost)"});
                }
            }
        } else if (auto* selected = std::get_if<ice::SelectedPairChanged>(&*event)) {
            selected_pair_ = selected->pair;
            if (selected_pair_) {
                // Data from now on: a channel saves the 36-byte Send indication per packet.
                (void)turn_.bind_channel(selected_pair_->remote.address, now);
                start_dtls_if_ready(now);
            }
        }
    }
    return moved;
}

bool PeerConnection::drain_dtls(Timestamp now) {
    bool moved = false;
    if (!dtls_) return false;
    if (selected_pair_ && !dtls_held_.empty()) {
        moved = true;
        for (auto& datagram : dtls_held_) (void)turn_.send(selected_pair_->remote.address, datagram, now);
        dtls_held_.clear();
    }
    while (auto datagram = dtls_->poll_transmit()) {
        moved = true;
        if (selected_pair_) {
            (void)turn_.send(selected_pair_->remote.address, *datagram, now);
        } else {
            dtls_held_.push_back(std::move(*datagram));
        }
    }
    while (auto event = dtls_->poll_event()) {
        moved = true;
        if (auto* connected = std::get_if<dtls::Connected>(&*event)) {
            dtls_connected_ = true;
            // RFC 5764: the SRTP keys come from this handshake. A peer that did not negotiate
            // use_srtp gets no media (data channels still work).
            if (connected->srtp_profile != dtls::SrtpProfile::kNone) {
                (void)media_.set_srtp_keys(connected->srtp_keys, transport_->dtls_role);
            }
            if (transport_->datachannel) start_sctp(now);
        } else if (auto* data = std::get_if<dtls::Data>(&*event)) {
            if (registry_) registry_->handle_packet(now, data->bytes);
        } else if (std::holds_alternative<dtls::Closed>(*event)) {
            if (registry_) registry_->abort(now);
        } else if (auto* failed = std::get_if<dtls::Failed>(&*event)) {
            fail("dtls",
                 std::string(dtls::to_string(failed->reason)) + (failed->detail.empty() ? "" : ": " + failed->detail));
        }
    }
    return moved;
}

bool PeerConnection::drain_sctp() {
    bool moved = false;
    if (!registry_) return false;
    while (auto packet = registry_->poll_transmit()) {
        moved = true;
        if (dtls_ && dtls_connected_) (void)dtls_->send(*packet);
    }
    while (auto event = registry_->poll_event()) {
        moved = true;
        std::visit(
            [&](auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, datachannel::TransportConnectedEvent>) {
                    sctp_connected_ = true;
                } else if constexpr (std::is_same_v<E, datachannel::ChannelIncomingEvent>) {
                    const datachannel::ChannelInfo* info = registry_->channel(e.id);
                    if (!info) return;
                    Channel channel;
                    channel.info.handle = next_handle_++;
                    channel.info.id = e.id;
                    channel.info.init.label = info->label;
                    channel.info.init.protocol = info->protocol;
                    channel.info.init.ordered = info->ordered;
                    channel.info.init.max_retransmits = info->max_retransmits;
                    channel.info.init.max_packet_lifetime_ms = info->max_packet_lifetime_ms;
                    channel.info.init.negotiated = info->negotiated;
                    channel.info.init.id = e.id;
                    channel.info.init.priority = info->priority;
                    channel.created_in_registry = true;
                    events_.push_back(DataChannelEvent{channel.info});
                    channels_.emplace(channel.info.handle, std::move(channel));
                } else if constexpr (std::is_same_v<E, datachannel::ChannelOpenEvent>) {
                    if (Channel* c = find_channel_by_id(e.id))
                        events_.push_back(ChannelOpenEvent{c->info.handle, e.id});
                } else if constexpr (std::is_same_v<E, datachannel::ChannelMessageEvent>) {
                    if (Channel* c = find_channel_by_id(e.id)) {
                        events_.push_back(ChannelMessageEvent{c->info.handle, e.binary, std::move(e.data)});
                    }
                } else if constexpr (std::is_same_v<E, datachannel::BufferedAmountLowEvent>) {
                    if (Channel* c = find_channel_by_id(e.id)) {
                        events_.push_back(ChannelBufferedAmountLowEvent{c->info.handle});
                    }
                } else if constexpr (std::is_same_v<E, datachannel::ChannelClosingEvent>) {
                    if (Channel* c = find_channel_by_id(e.id)) events_.push_back(ChannelClosingEvent{c->info.handle});
                } else if constexpr (std::is_same_v<E, datachannel::ChannelClosedEvent>) {
                    if (Channel* c = find_channel_by_id(e.id)) {
                        c->closed = true;
                        events_.push_back(ChannelClosedEvent{c->info.handle});
                        // The stream id is free again: the handle no longer maps to it.
                        c->info.id.reset();
                    }
                } else if constexpr (std::is_same_v<E, datachannel::TransportClosedEvent>) {
                    for (auto& [handle, channel] : channels_) {
                        if (!channel.closed) {
                            channel.closed = true;
                            events_.push_back(ChannelClosedEvent{handle});
                        }
                    }
                } else if constexpr (std::is_same_v<E, datachannel::TransportFailedEvent>) {
                    fail("sctp", e.reason);
                }
            },
            *event);
    }
    return moved;
}

void PeerConnection::on_local_description_applied(Timestamp now) {
    local_description_set_ = true;
    // New local credentials in the applied description (ICE restart) restart the agent.
    if (negotiator_.local_ice() != ice_.local_credentials()) {
        ice_.restart(now, negotiator_.local_ice());
        candidates_emitted_ = false;
    }
    if (gathering_state_ == IceGatheringState::kNew) set_gathering_state(IceGatheringState::kGathering);
    emit_local_candidates();
    apply_negotiated_transport(now);
    apply_negotiated_media();
    check_transceiver_negotiation();
}

void PeerConnection::on_remote_description_applied(Timestamp now) {
    apply_negotiated_transport(now);
    apply_negotiated_media();
    check_transceiver_negotiation();
}

void PeerConnection::apply_negotiated_transport(Timestamp now) {
    auto negotiated = negotiator_.negotiated();
    if (!negotiated) return;
    bool remote_restarted = transport_ && transport_->remote_ice != negotiated->remote_ice;
    transport_ = negotiated;
    transport_negotiated_ = true;
    if (remote_restarted && ice_.local_credentials() == negotiated->local_ice) {
        // The remote side restarted and we answered without new credentials of our own:
        // impossible in JSEP (an answer to a restart offer has new credentials), so nothing to do.
    }
    ice_.set_role(now, negotiated->ice_controlling ? ice::IceRole::kControlling : ice::IceRole::kControlled);
    (void)ice_.set_remote_credentials(now, negotiated->remote_ice.ufrag, negotiated->remote_ice.pwd);
    for (const auto& candidate : negotiated->remote_candidates) add_remote_candidate(now, candidate);
    if (negotiated->remote_end_of_candidates) ice_.add_remote_end_of_candidates(now);
    if (dtls_) dtls_->set_remote_fingerprints(negotiated->remote_fingerprints);
    start_dtls_if_ready(now);
}

void PeerConnection::add_remote_candidate(Timestamp now, const sdp::Candidate& candidate) {
    auto converted = ice::candidate_from_sdp(candidate);
    if (!converted) return;  // TCP, mDNS names and other candidates a relay-only agent cannot use
    if (relayed_address_) (void)turn_.create_permission(converted->address.ip(), now);
    (void)ice_.add_remote_candidate(now, *converted);
}

void PeerConnection::emit_local_candidates() {
    if (!local_description_set_ || candidates_emitted_ || !allocation_finished_ || closed_) return;
    candidates_emitted_ = true;
    const sdp::SessionDescription* local = negotiator_.local_description();
    std::string mid = transport_ ? transport_->mid : "0";
    if (local_relay_candidate_) {
        sdp::Candidate line = ice::candidate_to_sdp(*local_relay_candidate_, ice_.local_credentials().ufrag);
        (void)negotiator_.add_local_candidate(mid, line);
        events_.push_back(IceCandidateEvent{line.to_string(), mid, 0, ice_.local_credentials().ufrag, false});
    }
    (void)local;
    negotiator_.add_local_end_of_candidates();
    set_gathering_state(IceGatheringState::kComplete);
    // The null candidate: gathering is complete.
    events_.push_back(IceCandidateEvent{"", "", 0, "", true});
}

void PeerConnection::start_dtls_if_ready(Timestamp now) {
    if (dtls_ || !transport_ || closed_) return;
    dtls::DtlsConfig config;
    config.role = transport_->dtls_role;
    // The client speaks first, and only once ICE has a pair to speak on; the server is
    // created as soon as its role is known, so the peer's ClientHello finds it.
    if (config.role == dtls::DtlsRole::kClient && !selected_pair_) return;
    auto endpoint = dtls::DtlsEndpoint::create(certificate_, rng_, config);
    if (!endpoint) {
        fail("dtls", dtls::to_string(endpoint.error()));
        return;
    }
    dtls_.emplace(std::move(*endpoint));
    dtls_->set_remote_fingerprints(transport_->remote_fingerprints);
    (void)dtls_->start(now);
}

void PeerConnection::start_sctp(Timestamp now) {
    if (registry_ || !transport_) return;
    datachannel::RegistryConfig config;
    config.dtls_role = transport_->dtls_role;
    config.sctp.local_port = transport_->local_sctp_port;
    config.sctp.remote_port = transport_->remote_sctp_port;
    config.sctp.remote_max_message_size = max_message_size().value_or(65536);
    config.sctp.local_max_message_size = config_.max_message_size;
    config.sctp.max_packet_size = dtls_->max_app_payload();
    auto registry = datachannel::ChannelRegistry::create(config);
    if (!registry) {
        fail("sctp", datachannel::to_string(registry.error()));
        return;
    }
    registry_.emplace(std::move(*registry));
    for (auto& [handle, channel] : channels_) {
        if (!channel.closed) create_registry_channel(channel);
    }
    (void)registry_->start(now);
}

void PeerConnection::create_registry_channel(Channel& channel) {
    datachannel::ChannelInit init = channel.info.init;
    auto id = registry_->create_channel(init);
    if (!id) {
        channel.closed = true;
        events_.push_back(ChannelClosedEvent{channel.info.handle});
        return;
    }
    channel.info.id = *id;
    channel.created_in_registry = true;
}

void PeerConnection::fail(const std::string& layer, const std::string& message) {
    if (failed_ || closed_) return;
    failed_ = true;
    failure_ = layer + ": " + message;
    events_.push_back(TransportFailedEvent{layer, message});
}

void PeerConnection::update_connection_state() {
    if (closed_) return;
    // W3C webrtc-pc 4.3.3 (RTCPeerConnectionState), from the ICE and DTLS transports' states.
    ConnectionState next = ConnectionState::kNew;
    ice::IceConnectionState ice_state = ice_.connection_state();
    bool dtls_failed = dtls_ && dtls_->state() == dtls::DtlsState::kFailed;
    if (failed_ || dtls_failed || ice_state == ice::IceConnectionState::kFailed) {
        next = ConnectionState::kFailed;
    } else if (ice_state == ice::IceConnectionState::kDisconnected) {
        next = ConnectionState::kDisconnected;
    } else if ((ice_state == ice::IceConnectionState::kConnected || ice_state == ice::IceConnectionState::kCompleted) &&
               dtls_connected_) {
        next = ConnectionState::kConnected;
    } else if (ice_state != ice::IceConnectionState::kNew) {
        // Not on `dtls_` alone: the DTLS server exists as soon as its role is known, but it
        // negotiates only over an ICE pair, so ICE's "checking" comes first (and its
        // iceconnectionstatechange precedes this connectionstatechange, as the spec orders).
        next = ConnectionState::kConnecting;
    }
    if (next != connection_state_) {
        connection_state_ = next;
        events_.push_back(ConnectionStateEvent{next});
    }
}

void PeerConnection::set_gathering_state(IceGatheringState state) {
    if (state == gathering_state_) return;
    gathering_state_ = state;
    events_.push_back(IceGatheringStateEvent{state});
}

PeerConnection::Channel* PeerConnection::find_channel(ChannelHandle handle) {
    auto it = channels_.find(handle);
    return it == channels_.end() ? nullptr : &it->second;
}

PeerConnection::Channel* PeerConnection::find_channel_by_id(uint16_t id) {
    for (auto& [handle, channel] : channels_) {
        if (channel.info.id == id && channel.created_in_registry && !channel.closed) return &channel;
    }
    return nullptr;
}

}  // namespace polyrtc::peer
