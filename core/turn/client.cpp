#include "core/turn/client.hpp"

#include <algorithm>

#include "core/stun/demux.hpp"
#include "core/stun/integrity.hpp"

namespace polyrtc::turn {

using stun::AttributeType;
using stun::Message;
using stun::MessageClass;
using stun::Method;

const char* to_string(TurnError error) {
    switch (error) {
        case TurnError::kInvalidState: return "invalid state for this command";
        case TurnError::kNoPermission: return "no permission for the peer's IP address";
        case TurnError::kFamilyMismatch: return "no relayed address of the peer's address family";
        case TurnError::kDataTooLarge: return "data too large for one TURN message";
        case TurnError::kChannelsExhausted: return "all channel numbers are in use";
    }
    return "unknown";
}

const char* to_string(EventKind kind) {
    switch (kind) {
        case EventKind::kAllocated: return "allocated";
        case EventKind::kAllocationFailed: return "allocation failed";
        case EventKind::kRefreshed: return "refreshed";
        case EventKind::kAllocationLost: return "allocation lost";
        case EventKind::kDeallocated: return "deallocated";
        case EventKind::kPermissionCreated: return "permission created";
        case EventKind::kPermissionFailed: return "permission failed";
        case EventKind::kChannelBound: return "channel bound";
        case EventKind::kChannelBindFailed: return "channel bind failed";
        case EventKind::kData: return "data";
    }
    return "unknown";
}

const char* to_string(ClientState state) {
    switch (state) {
        case ClientState::kIdle: return "idle";
        case ClientState::kAllocating: return "allocating";
        case ClientState::kAllocated: return "allocated";
        case ClientState::kClosing: return "closing";
        case ClientState::kClosed: return "closed";
    }
    return "unknown";
}

namespace {

// RFC 8656 section 9: "permissions ... last for 300 seconds"; refresh well before.
constexpr Duration kPermissionRefresh = Duration::seconds(240);
// Section 12: "a channel binding lasts for 10 minutes unless refreshed".
constexpr Duration kChannelRefresh = Duration::seconds(540);
constexpr Duration kChannelLifetime = Duration::seconds(600);
// Section 7.2 default when a success response lacks LIFETIME (it MUST carry one).
constexpr uint32_t kDefaultLifetimeSeconds = 600;
constexpr int kMaxStaleNonceRetries = 3;
// One STUN message body is at most 65535 bytes; keep room for XOR-PEER-ADDRESS (24), the
// DATA header (4) and padding. ChannelData allows 65535 but the limit is kept uniform.
constexpr size_t kMaxPayload = 65535 - 64;
// RFC 8489 section 9.2: the nonce cookie announcing security features.
constexpr std::string_view kNonceCookie = "obMatJos2";

Method method_for(int purpose_index) {
    // Purpose order: kAllocate, kRefresh, kDeallocate, kPermission, kChannelBind.
    static constexpr Method kMethods[] = {Method::kAllocate, Method::kRefresh, Method::kRefresh,
                                          Method::kCreatePermission, Method::kChannelBind};
    return kMethods[purpose_index];
}

}  // namespace

Client::Client(ClientConfig config, crypto::Csprng& rng) : config_(std::move(config)), rng_(&rng), framer_() {}

Bytes Client::key() const {
    return stun::long_term_key(config_.username, realm_.value_or(""), config_.password, algorithm_);
}

// --- Commands ---

Status<TurnError> Client::start_allocation(Timestamp now) {
    if (state_ != ClientState::kIdle) return unexpected(TurnError::kInvalidState);
    state_ = ClientState::kAllocating;
    send_request(RequestSpec{Purpose::kAllocate}, now);
    return {};
}

Status<TurnError> Client::create_permission(const net::IpAddress& peer_ip, Timestamp now) {
    if (state_ != ClientState::kAllocated) return unexpected(TurnError::kInvalidState);
    net::IpAddress ip = peer_ip.unmapped();
    if (!has_relayed_family(ip.family())) return unexpected(TurnError::kFamilyMismatch);
    Permission& p = permissions_[ip];
    p.last_used = now;
    if (!p.confirmed && !p.in_flight) {
        p.in_flight = true;
        RequestSpec spec{Purpose::kPermission};
        spec.peer = net::SocketAddress(ip, 0);
        send_request(spec, now);
    }
    return {};
}

Result<uint16_t, TurnError> Client::bind_channel(const net::SocketAddress& peer_address, Timestamp now) {
    if (state_ != ClientState::kAllocated) return unexpected(TurnError::kInvalidState);
    net::SocketAddress peer(peer_address.ip().unmapped(), peer_address.port());
    if (!has_relayed_family(peer.family())) return unexpected(TurnError::kFamilyMismatch);
    for (auto& [number, channel] : channels_) {
        if (channel.peer == peer) {
            mark_used(peer.ip(), now);
            return number;
        }
    }
    if (channels_exhausted_) return unexpected(TurnError::kChannelsExhausted);
    uint16_t number = next_channel_;
    if (next_channel_ == stun::kMaxChannelNumber) {
        channels_exhausted_ = true;
    } else {
        ++next_channel_;
    }
    Channel channel;
    channel.peer = peer;
    channel.in_flight = true;
    channels_[number] = channel;
    // "A ChannelBind request ... also installs or refreshes a permission" (section 12).
    permissions_[peer.ip()];
    mark_used(peer.ip(), now);
    RequestSpec spec{Purpose::kChannelBind};
    spec.peer = peer;
    spec.channel = number;
    send_request(spec, now);
    return number;
}

Status<TurnError> Client::send(const net::SocketAddress& peer_address, ByteView data, Timestamp now) {
    if (state_ != ClientState::kAllocated) return unexpected(TurnError::kInvalidState);
    if (data.size() > kMaxPayload) return unexpected(TurnError::kDataTooLarge);
    net::SocketAddress peer(peer_address.ip().unmapped(), peer_address.port());
    if (!has_relayed_family(peer.family())) return unexpected(TurnError::kFamilyMismatch);
    if (permissions_.find(peer.ip()) == permissions_.end()) return unexpected(TurnError::kNoPermission);
    mark_used(peer.ip(), now);
    for (const auto& [number, channel] : channels_) {
        if (channel.confirmed && channel.peer == peer) {
            bool pad =
                config_.transport == net::TransportProtocol::kTcp || config_.transport == net::TransportProtocol::kTls;
            transmits_.push_back(stun::serialize_channel_data(number, data, pad));
            return {};
        }
    }
    // Section 11.1: a Send indication carries XOR-PEER-ADDRESS and DATA.
    Message indication = Message::create(MessageClass::kIndication, Method::kSend, *rng_);
    indication.add_xor_address(AttributeType::kXorPeerAddress, peer);
    indication.add_bytes(AttributeType::kData, data);
    transmits_.push_back(indication.serialize());
    return {};
}

void Client::deallocate(Timestamp now) {
    if (state_ == ClientState::kAllocated) {
        transactions_.clear();
        permissions_.clear();
        channels_.clear();
        refresh_in_flight_ = false;
        state_ = ClientState::kClosing;
        send_request(RequestSpec{Purpose::kDeallocate}, now);
    } else if (state_ == ClientState::kIdle || state_ == ClientState::kAllocating) {
        Event event;
        event.kind = EventKind::kDeallocated;
        push_event(std::move(event));
        close();
    }
}

// --- Requests ---

void Client::send_request(RequestSpec spec, Timestamp now) {
    Message m = Message::create(MessageClass::kRequest, method_for(static_cast<int>(spec.purpose)), *rng_);
    switch (spec.purpose) {
        case Purpose::kAllocate:
            // Section 7.1: REQUESTED-TRANSPORT is mandatory (UDP toward peers).
            m.add_requested_transport(stun::kProtocolUdp);
            if (config_.requested_family == net::AddressFamily::kIpv6) {
                m.add_address_family(AttributeType::kRequestedAddressFamily, net::AddressFamily::kIpv6);
            } else if (config_.request_additional_ipv6) {
                // "The client MUST NOT include both REQUESTED-ADDRESS-FAMILY and
                // ADDITIONAL-ADDRESS-FAMILY in the same request."
                m.add_address_family(AttributeType::kAdditionalAddressFamily, net::AddressFamily::kIpv6);
            }
            if (config_.requested_lifetime != 0) m.add_u32(AttributeType::kLifetime, config_.requested_lifetime);
            if (config_.dont_fragment) m.add_flag(AttributeType::kDontFragment);
            break;
        case Purpose::kRefresh:
            if (config_.requested_lifetime != 0) m.add_u32(AttributeType::kLifetime, config_.requested_lifetime);
            break;
        case Purpose::kDeallocate:
            // Section 8: "a Refresh request with a requested lifetime of 0" deletes the allocation.
            m.add_u32(AttributeType::kLifetime, 0);
            break;
        case Purpose::kPermission: m.add_xor_address(AttributeType::kXorPeerAddress, spec.peer); break;
        case Purpose::kChannelBind:
            m.add_channel_number(spec.channel);
            m.add_xor_address(AttributeType::kXorPeerAddress, spec.peer);
            break;
    }
    if (!config_.software.empty()) m.add_string(AttributeType::kSoftware, config_.software);

    bool authenticated = realm_.has_value() && nonce_.has_value();
    stun::SerializeOptions options;
    options.fingerprint = config_.fingerprint;
    if (authenticated) {
        // RFC 8489 section 9.2.3.2: USERNAME, REALM, NONCE (and, when the server offered them,
        // PASSWORD-ALGORITHMS and PASSWORD-ALGORITHM), then MESSAGE-INTEGRITY.
        m.add_string(AttributeType::kUsername, config_.username);
        m.add_string(AttributeType::kRealm, *realm_);
        m.add_string(AttributeType::kNonce, *nonce_);
        if (offered_algorithms_) {
            m.add_password_algorithms(*offered_algorithms_);
            m.add_password_algorithm(stun::PasswordAlgorithmValue{static_cast<uint16_t>(algorithm_), {}});
        }
        options.integrity_key = key();
    }

    Transaction t;
    t.spec = spec;
    t.wire = m.serialize(options);
    t.authenticated = authenticated;
    t.transmissions = 1;
    t.rto = config_.initial_rto;
    if (net::is_reliable(config_.transport)) {
        t.next_at = now + config_.reliable_timeout;
    } else if (config_.max_transmissions <= 1) {
        t.next_at = now + config_.initial_rto * config_.last_wait_factor;
    } else {
        t.next_at = now + config_.initial_rto;
    }
    transmits_.push_back(t.wire);
    ++stats_.requests_sent;
    transactions_[m.transaction_id()] = std::move(t);
}

// --- Inputs ---

void Client::handle_receive(Timestamp now, ByteView bytes) {
    if (state_ == ClientState::kIdle || state_ == ClientState::kClosed) {
        ++stats_.dropped;
        return;
    }
    auto dispatch = [this, now](ByteView message) {
        switch (stun::classify_packet(message)) {
            case stun::PacketKind::kStun: handle_stun(now, message); break;
            case stun::PacketKind::kChannelData: handle_channel_data(now, message); break;
            default: ++stats_.dropped; break;
        }
    };
    if (config_.transport != net::TransportProtocol::kTcp && config_.transport != net::TransportProtocol::kTls) {
        dispatch(bytes);
        return;
    }
    framer_.push(bytes);
    while (state_ != ClientState::kClosed) {
        auto frame = framer_.next();
        if (!frame) {
            // RFC 8656 section 12.5 framing is lost: the connection is unusable.
            handle_failure(now,
                           RequestSpec{state_ == ClientState::kAllocating ? Purpose::kAllocate
                                       : state_ == ClientState::kClosing  ? Purpose::kDeallocate
                                                                          : Purpose::kRefresh},
                           0, "stream framing lost");
            return;
        }
        if (!*frame) return;
        dispatch(**frame);
    }
}

void Client::handle_stun(Timestamp now, ByteView bytes) {
    auto parsed = Message::parse(bytes);
    if (!parsed) {
        ++stats_.dropped;
        return;
    }
    const Message& m = *parsed;
    if (m.is_indication()) {
        // Section 11.4: a Data indication carries XOR-PEER-ADDRESS and DATA.
        if (m.method() != Method::kData || state_ != ClientState::kAllocated) {
            ++stats_.dropped;
            return;
        }
        auto peer = m.get_xor_address(AttributeType::kXorPeerAddress);
        auto data = m.get_bytes(AttributeType::kData);
        if (!peer || !data) {
            ++stats_.dropped;
            return;
        }
        net::SocketAddress from(peer->ip().unmapped(), peer->port());
        mark_used(from.ip(), now);
        Event event;
        event.kind = EventKind::kData;
        event.peer = from;
        event.data = data->to_bytes();
        push_event(std::move(event));
        return;
    }
    if (m.is_request()) {
        ++stats_.dropped;
        return;
    }
    auto it = transactions_.find(m.transaction_id());
    if (it == transactions_.end() || method_for(static_cast<int>(it->second.spec.purpose)) != m.method()) {
        ++stats_.dropped;
        return;
    }
    if (it->second.authenticated) {
        // RFC 8489 section 9.2.5: a response to an authenticated request is checked with the
        // same key; a mismatch means it is discarded.
        bool ok = false;
        if (m.has(AttributeType::kMessageIntegritySha256)) {
            ok = stun::check_integrity_sha256(bytes, key()).ok();
        } else if (m.has(AttributeType::kMessageIntegrity)) {
            ok = stun::check_integrity(bytes, key()).ok();
        } else {
            ok = m.is_error();
        }
        if (!ok) {
            ++stats_.dropped;
            return;
        }
    }
    Transaction transaction = std::move(it->second);
    transactions_.erase(it);
    handle_response(now, m, transaction);
}

void Client::handle_channel_data(Timestamp now, ByteView bytes) {
    if (state_ != ClientState::kAllocated) {
        ++stats_.dropped;
        return;
    }
    auto cd = stun::ChannelData::parse(bytes);
    if (!cd) {
        ++stats_.dropped;
        return;
    }
    auto it = channels_.find(cd->channel_number);
    if (it == channels_.end()) {
        ++stats_.dropped;
        return;
    }
    net::SocketAddress peer = it->second.peer;
    mark_used(peer.ip(), now);
    Event event;
    event.kind = EventKind::kData;
    event.peer = peer;
    event.data = std::move(cd->data);
    push_event(std::move(event));
}

void Client::handle_response(Timestamp now, const Message& response, const Transaction& transaction) {
    RequestSpec spec = transaction.spec;
    if (response.is_success()) {
        handle_success(now, response, spec);
        return;
    }
    auto error = response.get_error_code();
    uint16_t code = error ? error->code : 0;
    std::string reason = error ? error->reason : std::string("error response without ERROR-CODE");

    if (code == 401 || code == 438) {
        auto realm = response.get_string(AttributeType::kRealm);
        auto nonce = response.get_string(AttributeType::kNonce);
        // RFC 8489 section 9.2.4: the first 401 carries the realm and nonce to use. A 438 Stale
        // Nonce (or a later 401 that hands out a new nonce) is retried with the new nonce.
        bool challenge = code == 401 && !transaction.authenticated && realm.ok();
        bool stale = spec.nonce_retries < kMaxStaleNonceRetries && (code == 438 || (nonce && *nonce != nonce_));
        bool retry = nonce && !config_.username.empty() && (challenge || stale);
        if (retry) {
            if (realm) realm_ = *realm;
            nonce_ = *nonce;
            if (challenge) {
                offered_algorithms_.reset();
                algorithm_ = stun::PasswordAlgorithm::kMd5;
                auto offered = response.get_password_algorithms();
                if (offered && nonce->compare(0, kNonceCookie.size(), kNonceCookie) == 0) {
                    auto supported = std::find_if(offered->begin(), offered->end(), [](const auto& a) {
                        return a.algorithm == static_cast<uint16_t>(stun::PasswordAlgorithm::kMd5) ||
                               a.algorithm == static_cast<uint16_t>(stun::PasswordAlgorithm::kSha256);
                    });
                    if (supported == offered->end()) {
                        handle_failure(now, spec, code, "no supported password algorithm offered");
                        return;
                    }
                    algorithm_ = static_cast<stun::PasswordAlgorithm>(supported->algorithm);
                    offered_algorithms_ = std::move(*offered);
                }
            } else {
                ++spec.nonce_retries;
            }
            send_request(spec, now);
            return;
        }
    }
    std::optional<net::SocketAddress> alternate;
    if (code == 300) {
        auto address = response.get_address(AttributeType::kAlternateServer);
        if (address) alternate = *address;
    }
    handle_failure(now, spec, code, std::move(reason), alternate);
}

void Client::handle_success(Timestamp now, const Message& response, const RequestSpec& spec) {
    auto lifetime_of = [&response](uint32_t fallback) {
        return Duration::seconds(response.get_u32(AttributeType::kLifetime).value_or(fallback));
    };
    auto schedule = [this, now](Duration lifetime) {
        Duration margin = std::min(Duration::seconds(60), lifetime / 5);
        refresh_at_ = now + lifetime - margin;
        expires_at_ = now + lifetime;
    };
    switch (spec.purpose) {
        case Purpose::kAllocate: {
            auto relayed = response.get_xor_addresses(AttributeType::kXorRelayedAddress);
            if (!relayed || relayed->empty()) {
                handle_failure(now, spec, 0, "Allocate success without a valid XOR-RELAYED-ADDRESS");
                return;
            }
            Duration lifetime = lifetime_of(kDefaultLifetimeSeconds);
            if (lifetime <= Duration()) {
                handle_failure(now, spec, 0, "Allocate success with zero LIFETIME");
                return;
            }
            relayed_ = *relayed;
            auto mapped = response.get_xor_address(AttributeType::kXorMappedAddress);
            if (mapped) mapped_ = *mapped;
            state_ = ClientState::kAllocated;
            schedule(lifetime);
            Event event;
            event.kind = EventKind::kAllocated;
            event.relayed = relayed_;
            event.mapped = mapped_;
            event.lifetime = lifetime;
            push_event(std::move(event));
            return;
        }
        case Purpose::kRefresh: {
            refresh_in_flight_ = false;
            if (state_ != ClientState::kAllocated) return;
            Duration lifetime = lifetime_of(config_.requested_lifetime);
            if (lifetime <= Duration()) {
                handle_failure(now, spec, 0, "Refresh success with zero LIFETIME");
                return;
            }
            schedule(lifetime);
            Event event;
            event.kind = EventKind::kRefreshed;
            event.lifetime = lifetime;
            push_event(std::move(event));
            return;
        }
        case Purpose::kDeallocate: {
            Event event;
            event.kind = EventKind::kDeallocated;
            push_event(std::move(event));
            close();
            return;
        }
        case Purpose::kPermission: {
            auto it = permissions_.find(spec.peer.ip());
            if (it == permissions_.end()) return;
            Permission& p = it->second;
            bool first = !p.confirmed;
            p.confirmed = true;
            p.in_flight = false;
            p.installed_at = now;
            p.refresh_at = now + kPermissionRefresh;
            if (first) {
                Event event;
                event.kind = EventKind::kPermissionCreated;
                event.peer = spec.peer;
                push_event(std::move(event));
            }
            return;
        }
        case Purpose::kChannelBind: {
            auto it = channels_.find(spec.channel);
            if (it == channels_.end() || it->second.peer != spec.peer) return;
            Channel& c = it->second;
            bool first = !c.confirmed;
            c.confirmed = true;
            c.in_flight = false;
            c.bound_at = now;
            c.refresh_at = now + kChannelRefresh;
            c.expires_at = now + kChannelLifetime;
            Permission& p = permissions_[spec.peer.ip()];
            if (!p.in_flight) {
                p.confirmed = true;
                p.installed_at = now;
                p.refresh_at = now + kPermissionRefresh;
            }
            if (first) {
                Event event;
                event.kind = EventKind::kChannelBound;
                event.peer = spec.peer;
                event.channel = spec.channel;
                push_event(std::move(event));
            }
            return;
        }
    }
}

void Client::handle_failure(Timestamp /*now*/, const RequestSpec& spec, uint16_t code, std::string reason,
                            std::optional<net::SocketAddress> alternate) {
    Event event;
    event.error_code = code;
    event.reason = std::move(reason);
    switch (spec.purpose) {
        case Purpose::kAllocate:
            event.kind = EventKind::kAllocationFailed;
            event.alternate_server = alternate;
            push_event(std::move(event));
            close();
            return;
        case Purpose::kRefresh:
            event.kind = EventKind::kAllocationLost;
            push_event(std::move(event));
            close();
            return;
        case Purpose::kDeallocate:
            event.kind = EventKind::kDeallocated;
            push_event(std::move(event));
            close();
            return;
        case Purpose::kPermission:
            permissions_.erase(spec.peer.ip());
            event.kind = EventKind::kPermissionFailed;
            event.peer = spec.peer;
            push_event(std::move(event));
            return;
        case Purpose::kChannelBind: {
            channels_.erase(spec.channel);
            auto p = permissions_.find(spec.peer.ip());
            if (p != permissions_.end() && !p->second.confirmed && !p->second.in_flight) permissions_.erase(p);
            event.kind = EventKind::kChannelBindFailed;
            event.peer = spec.peer;
            event.channel = spec.channel;
            push_event(std::move(event));
            return;
        }
    }
}

void Client::handle_timeout(Timestamp now) {
    if (state_ == ClientState::kIdle || state_ == ClientState::kClosed) return;

    // Transactions: retransmit (UDP) or give up.
    std::vector<stun::TransactionId> due;
    for (const auto& [id, t] : transactions_) {
        if (t.next_at <= now) due.push_back(id);
    }
    bool reliable = net::is_reliable(config_.transport);
    for (const auto& id : due) {
        auto it = transactions_.find(id);
        if (it == transactions_.end()) continue;  // closed by an earlier failure
        Transaction& t = it->second;
        if (!reliable && t.transmissions < config_.max_transmissions) {
            transmits_.push_back(t.wire);
            ++t.transmissions;
            ++stats_.retransmissions;
            t.rto = t.rto * 2;
            t.next_at = t.transmissions < config_.max_transmissions
                            ? now + t.rto
                            : now + config_.initial_rto * config_.last_wait_factor;
            continue;
        }
        RequestSpec spec = t.spec;
        transactions_.erase(it);
        handle_failure(now, spec, 0, "no response from the TURN server");
        if (state_ == ClientState::kClosed) return;
    }
    if (state_ != ClientState::kAllocated) return;

    if (now >= expires_at_) {
        handle_failure(now, RequestSpec{Purpose::kRefresh}, 0, "allocation lifetime expired");
        return;
    }
    if (!refresh_in_flight_ && now >= refresh_at_) {
        refresh_in_flight_ = true;
        send_request(RequestSpec{Purpose::kRefresh}, now);
    }
    for (auto it = permissions_.begin(); it != permissions_.end();) {
        Permission& p = it->second;
        if (p.confirmed && !p.in_flight && now >= p.refresh_at) {
            if (p.last_used <= p.installed_at) {
                it = permissions_.erase(it);  // unused: let it expire on the server
                continue;
            }
            p.in_flight = true;
            RequestSpec spec{Purpose::kPermission};
            spec.peer = net::SocketAddress(it->first, 0);
            send_request(spec, now);
        }
        ++it;
    }
    for (auto it = channels_.begin(); it != channels_.end();) {
        Channel& c = it->second;
        if (c.confirmed && !c.in_flight && now >= c.refresh_at) {
            if (c.last_used <= c.bound_at) {
                c.confirmed = false;  // unused: stop sending ChannelData; keep receiving until expiry
            } else {
                c.in_flight = true;
                RequestSpec spec{Purpose::kChannelBind};
                spec.peer = c.peer;
                spec.channel = it->first;
                send_request(spec, now);
            }
        }
        if (!c.confirmed && !c.in_flight && now >= c.expires_at) {
            it = channels_.erase(it);
            continue;
        }
        ++it;
    }
}

// --- Outputs ---

std::optional<Bytes> Client::poll_transmit() {
    if (transmits_.empty()) return std::nullopt;
    Bytes out = std::move(transmits_.front());
    transmits_.pop_front();
    return out;
}

std::optional<Event> Client::poll_event() {
    if (events_.empty()) return std::nullopt;
    Event out = std::move(events_.front());
    events_.pop_front();
    return out;
}

std::optional<Timestamp> Client::poll_timeout() const {
    std::optional<Timestamp> next;
    auto consider = [&next](Timestamp t) {
        if (!next || t < *next) next = t;
    };
    for (const auto& [id, t] : transactions_) consider(t.next_at);
    if (state_ == ClientState::kAllocated) {
        consider(expires_at_);
        if (!refresh_in_flight_) consider(refresh_at_);
        for (const auto& [ip, p] : permissions_) {
            if (p.confirmed && !p.in_flight) consider(p.refresh_at);
        }
        for (const auto& [number, c] : channels_) {
            if (c.confirmed && !c.in_flight) consider(c.refresh_at);
            if (!c.confirmed && !c.in_flight) consider(c.expires_at);
        }
    }
    return next;
}

// --- Getters and helpers ---

std::optional<uint16_t> Client::channel_for(const net::SocketAddress& peer_address) const {
    net::SocketAddress peer(peer_address.ip().unmapped(), peer_address.port());
    for (const auto& [number, channel] : channels_) {
        if (channel.confirmed && channel.peer == peer) return number;
    }
    return std::nullopt;
}

bool Client::has_permission(const net::IpAddress& peer) const {
    auto it = permissions_.find(peer.unmapped());
    return it != permissions_.end() && it->second.confirmed;
}

bool Client::has_relayed_family(net::AddressFamily family) const {
    return std::any_of(relayed_.begin(), relayed_.end(),
                       [family](const net::SocketAddress& a) { return a.family() == family; });
}

void Client::mark_used(const net::IpAddress& ip, Timestamp now) {
    auto p = permissions_.find(ip);
    if (p != permissions_.end()) p->second.last_used = now;
    for (auto& [number, channel] : channels_) {
        if (channel.peer.ip() == ip) channel.last_used = now;
    }
}

void Client::close() {
    state_ = ClientState::kClosed;
    transactions_.clear();
    permissions_.clear();
    channels_.clear();
    refresh_in_flight_ = false;
}

}  // namespace polyrtc::turn
