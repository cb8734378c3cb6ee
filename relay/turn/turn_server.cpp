#include "relay/turn/turn_server.hpp"

#include <algorithm>

#include "core/stun/channel_data.hpp"
#include "core/stun/integrity.hpp"

namespace polyrtc::relay::turn {
namespace {

using stun::AttributeType;
using stun::ErrorCode;
using stun::Message;
using stun::MessageClass;
using stun::Method;

constexpr uint16_t code(ErrorCode c) {
    return static_cast<uint16_t>(c);
}

int64_t whole_seconds(Duration d) {
    return d.as_micros() / 1000000;
}

}  // namespace

std::string ClientKey::to_string() const {
    std::string out = net::to_string(transport);
    if (connection != 0) out += "#" + std::to_string(connection);
    out += " " + remote.to_string();
    return out;
}

TurnServer::TurnServer(TurnConfig config, crypto::Csprng rng)
    : config_(std::move(config)), rng_(std::move(rng)), credentials_(config_.credentials, rng_.bytes(32)) {}

// --- Inputs -----------------------------------------------------------------------------

Actions TurnServer::handle_client_message(const ClientKey& client, ByteView bytes, Timestamp now, int64_t unix_now) {
    Actions out;
    if (bytes.empty()) {
        ++stats_.dropped_malformed;
        return out;
    }
    // RFC 8656 section 12.5 / RFC 7983: 0b00 STUN, 0b01 ChannelData.
    const uint8_t top_bits = bytes[0] >> 6;
    if (top_bits == 0) {
        handle_stun(client, bytes, now, unix_now, out);
    } else if (top_bits == 1) {
        handle_channel_data(client, bytes, now, out);
    } else {
        ++stats_.dropped_malformed;
    }
    return out;
}

Actions TurnServer::handle_relay_opened(AllocationId id, const net::SocketAddress& relayed, Timestamp now) {
    Actions out;
    auto it = allocations_.find(id);
    if (it == allocations_.end() || it->second.open) {
        // The client went away while the socket was being opened: give the socket back.
        if (it == allocations_.end()) out.push_back(CloseRelay{id});
        return out;
    }
    Allocation& allocation = it->second;
    allocation.open = true;
    allocation.relayed = relayed;

    Message response(MessageClass::kSuccessResponse, Method::kAllocate, allocation.allocate_transaction);
    response.add_xor_address(AttributeType::kXorRelayedAddress, relayed);
    if (allocation.refused_additional_family) {
        // RFC 8656 section 7.2: dual allocation asked for, only one family granted.
        response.add_address_error_code({*allocation.refused_additional_family,
                                         code(ErrorCode::kAddressFamilyNotSupported),
                                         stun::reason_phrase(code(ErrorCode::kAddressFamilyNotSupported))});
    }
    // The lifetime granted at Allocate (the socket opened microseconds later, synchronously).
    const Duration lifetime = allocation.granted_lifetime;
    allocation.expires = now + lifetime;
    response.add_u32(AttributeType::kLifetime, static_cast<uint32_t>(whole_seconds(lifetime)));
    response.add_xor_address(AttributeType::kXorMappedAddress, allocation.client.remote);
    response.add_string(AttributeType::kSoftware, config_.software);
    Auth auth;
    auth.ok = true;
    auth.key = allocation.key;
    auth.sha256 = allocation.integrity_sha256;
    const size_t before = out.size();
    send_response(allocation.client, response, auth, allocation.allocate_fingerprint, out);
    allocation.allocate_response = std::get<SendToClient>(out[before]).bytes;

    out.push_back(log::LogRecord{log::Level::kInfo,
                                 "allocation_created",
                                 {{"allocation", id},
                                  {"client", allocation.client.to_string()},
                                  {"relayed", relayed.to_string()},
                                  {"username", allocation.username},
                                  {"lifetime_s", whole_seconds(lifetime)}}});
    return out;
}

Actions TurnServer::handle_relay_open_failed(AllocationId id, Timestamp) {
    Actions out;
    auto it = allocations_.find(id);
    if (it == allocations_.end() || it->second.open) return out;
    Allocation allocation = std::move(it->second);
    Message response(MessageClass::kErrorResponse, Method::kAllocate, allocation.allocate_transaction);
    response.add_error_code(code(ErrorCode::kInsufficientCapacity));
    Auth auth;
    auth.ok = true;
    auth.key = allocation.key;
    auth.sha256 = allocation.integrity_sha256;
    send_response(allocation.client, response, auth, allocation.allocate_fingerprint, out);
    out.push_back(log::LogRecord{
        log::Level::kWarn,
        "allocation_failed",
        {{"allocation", id}, {"client", allocation.client.to_string()}, {"reason", "no relay port available"}}});
    delete_allocation(id, nullptr, out);
    return out;
}

Actions TurnServer::handle_peer_datagram(AllocationId id, const net::SocketAddress& peer, ByteView bytes,
                                         Timestamp now) {
    Actions out;
    auto it = allocations_.find(id);
    if (it == allocations_.end() || !it->second.open || it->second.expires <= now) {
        ++stats_.dropped_no_allocation;
        return out;
    }
    Allocation& allocation = it->second;
    // RFC 8656 section 11.3 / 12.7: only from peers with a permission.
    if (!has_permission(allocation, peer.ip(), now)) {
        ++stats_.dropped_no_permission;
        return out;
    }
    if (!within_bandwidth(allocation.to_client, bytes.size(), now)) return out;
    for (const auto& [number, channel] : allocation.channels) {
        if (channel.peer == peer && now < channel.expires) {
            ++stats_.packets_to_clients;
            stats_.bytes_to_clients += bytes.size();
            out.push_back(SendToClient{
                allocation.client,
                stun::serialize_channel_data(number, bytes,
                                             allocation.client.transport == net::TransportProtocol::kTcp ||
                                                 allocation.client.transport == net::TransportProtocol::kTls)});
            return out;
        }
    }
    // 20-byte header, XOR-PEER-ADDRESS (up to 24), DATA header (4) + padded data.
    if (bytes.size() > 65535 - 24 - 4 - 3) {
        ++stats_.dropped_malformed;
        return out;
    }
    Message data(MessageClass::kIndication, Method::kData, stun::TransactionId::random(rng_));
    data.add_xor_address(AttributeType::kXorPeerAddress, peer);
    data.add_bytes(AttributeType::kData, bytes);
    ++stats_.packets_to_clients;
    stats_.bytes_to_clients += bytes.size();
    out.push_back(SendToClient{allocation.client, data.serialize()});
    return out;
}

Actions TurnServer::handle_client_closed(const ClientKey& client, Timestamp) {
    Actions out;
    auto it = by_client_.find(client);
    if (it != by_client_.end()) delete_allocation(it->second, "client_closed", out);
    return out;
}

Actions TurnServer::handle_timeout(Timestamp now) {
    Actions out;
    std::vector<AllocationId> expired;
    for (auto& [id, allocation] : allocations_) {
        if (allocation.expires <= now) {
            expired.push_back(id);
            continue;
        }
        for (auto p = allocation.permissions.begin(); p != allocation.permissions.end();) {
            p = p->second <= now ? allocation.permissions.erase(p) : std::next(p);
        }
        for (auto c = allocation.channels.begin(); c != allocation.channels.end();) {
            c = c->second.expires + config_.channel_cooldown <= now ? allocation.channels.erase(c) : std::next(c);
        }
    }
    for (AllocationId id : expired) delete_allocation(id, "expired", out);
    for (auto w = auth_failures_.begin(); w != auth_failures_.end();) {
        w = w->second.start + config_.auth_failure_window <= now ? auth_failures_.erase(w) : std::next(w);
    }
    return out;
}

void TurnServer::set_credentials(CredentialConfig credentials) {
    config_.credentials = std::move(credentials);
    credentials_ = credentials_.reconfigured(config_.credentials);
}

// --- STUN requests ----------------------------------------------------------------------

void TurnServer::handle_stun(const ClientKey& client, ByteView bytes, Timestamp now, int64_t unix_now, Actions& out) {
    auto parsed = Message::parse(bytes);
    if (!parsed) {
        ++stats_.dropped_malformed;
        return;
    }
    const Message& message = *parsed;
    const bool fingerprint = message.has(AttributeType::kFingerprint);
    if (fingerprint && !stun::check_fingerprint(bytes).ok()) {
        ++stats_.dropped_malformed;  // RFC 8489 section 7.3: a bad FINGERPRINT is not STUN
        return;
    }

    if (message.is_indication()) {
        if (message.method() != Method::kSend) return;  // nothing else goes client -> server
        Allocation* allocation = find_by_client(client);
        if (!allocation || !allocation->open || allocation->expires <= now) {
            ++stats_.dropped_no_allocation;
            return;
        }
        on_send(*allocation, message, now, out);
        return;
    }
    if (!message.is_request()) return;  // responses from a client: ignore

    if (message.method() == Method::kBinding) {
        on_binding(client, message, fingerprint, out);
        return;
    }
    const Method method = message.method();
    if (method != Method::kAllocate && method != Method::kRefresh && method != Method::kCreatePermission &&
        method != Method::kChannelBind) {
        // Connect/ConnectionBind (RFC 6062 TCP allocations) and unknown methods.
        send_error(client, message, code(ErrorCode::kBadRequest), Auth{}, fingerprint, out);
        return;
    }

    Allocation* allocation = find_by_client(client);
    if (allocation && allocation->expires <= now) {
        delete_allocation(allocation->id, "expired", out);
        allocation = nullptr;
    }
    // A retransmitted Allocate (lost response over UDP) gets the same answer again
    // (RFC 8656 section 7.2, "retransmissions").
    if (allocation && method == Method::kAllocate && allocation->allocate_transaction == message.transaction_id()) {
        if (allocation->open) out.push_back(SendToClient{client, allocation->allocate_response});
        return;
    }

    if (is_rate_limited(client.remote.ip(), now)) {
        ++stats_.dropped_rate_limited;
        return;
    }
    const Auth auth = authenticate(client, message, bytes, now, unix_now, out);
    if (!auth.ok) return;

    const auto unknown = message.unknown_comprehension_required();
    if (!unknown.empty()) {
        Message response = Message::response_to(message, MessageClass::kErrorResponse);
        response.add_error_code(code(ErrorCode::kUnknownAttribute));
        response.add_unknown_attributes(unknown);
        send_response(client, response, auth, fingerprint, out);
        return;
    }

    if (method == Method::kAllocate) {
        if (allocation) {
            send_error(client, message, code(ErrorCode::kAllocationMismatch), auth, fingerprint, out);
            return;
        }
        on_allocate(client, message, auth, fingerprint, now, out);
        return;
    }
    if (!allocation || !allocation->open) {
        send_error(client, message, code(ErrorCode::kAllocationMismatch), auth, fingerprint, out);
        return;
    }
    if (!config_.no_auth && auth.username != allocation->username) {
        // RFC 8656 section 5: requests on an allocation must use its credentials.
        note_auth_failure(client, now, out);
        send_error(client, message, code(ErrorCode::kWrongCredentials), auth, fingerprint, out);
        return;
    }
    switch (method) {
        case Method::kRefresh: on_refresh(*allocation, message, auth, fingerprint, now, out); return;
        case Method::kCreatePermission: on_create_permission(*allocation, message, auth, fingerprint, now, out); return;
        case Method::kChannelBind: on_channel_bind(*allocation, message, auth, fingerprint, now, out); return;
        default: return;
    }
}

TurnServer::Auth TurnServer::authenticate(const ClientKey& client, const Message& request, ByteView raw, Timestamp now,
                                          int64_t unix_now, Actions& out) {
    Auth auth;
    const bool fingerprint = request.has(AttributeType::kFingerprint);
    if (config_.no_auth) {
        auth.ok = true;
        return auth;
    }
    // RFC 8489 section 9.2.4.
    const bool has_sha1 = request.has(AttributeType::kMessageIntegrity);
    const bool has_sha256 = request.has(AttributeType::kMessageIntegritySha256);
    if (!has_sha1 && !has_sha256) {
        send_challenge(client, request, code(ErrorCode::kUnauthorized), fingerprint, now, out);
        return auth;
    }
    auto username = request.get_string(AttributeType::kUsername);
    auto realm = request.get_string(AttributeType::kRealm);
    auto nonce = request.get_string(AttributeType::kNonce);
    if (!username || !realm || !nonce) {
        send_error(client, request, code(ErrorCode::kBadRequest), Auth{}, fingerprint, out);
        return auth;
    }
    if (!credentials_.is_nonce_valid(*nonce, now)) {
        send_challenge(client, request, code(ErrorCode::kStaleNonce), fingerprint, now, out);
        return auth;
    }
    auto keys = credentials_.keys_for(*username, unix_now);
    std::string failure;
    if (!keys) {
        failure = to_string(keys.error());
    } else {
        for (const auto& key : *keys) {
            const bool matches =
                has_sha1 ? stun::check_integrity(raw, key).ok() : stun::check_integrity_sha256(raw, key).ok();
            if (matches) {
                auth.ok = true;
                auth.username = *username;
                auth.key = key;
                auth.sha256 = !has_sha1;
                return auth;
            }
        }
        failure = "integrity check failed";
    }
    note_auth_failure(client, now, out);
    out.push_back(log::LogRecord{log::Level::kWarn,
                                 "auth_failed",
                                 {{"client", client.to_string()},
                                  {"username", *username},
                                  {"reason", failure},
                                  {"method", stun::to_string(request.method())}}});
    send_challenge(client, request, code(ErrorCode::kUnauthorized), fingerprint, now, out);
    return auth;
}

void TurnServer::on_binding(const ClientKey& client, const Message& request, bool fingerprint, Actions& out) {
    Message response = Message::response_to(request, MessageClass::kSuccessResponse);
    response.add_xor_address(AttributeType::kXorMappedAddress, client.remote);
    send_response(client, response, Auth{}, fingerprint, out);
}

void TurnServer::on_allocate(const ClientKey& client, const Message& request, const Auth& auth, bool fingerprint,
                             Timestamp now, Actions& out) {
    auto fail = [&](ErrorCode error) { send_error(client, request, code(error), auth, fingerprint, out); };

    // RFC 8656 section 7.2, in the RFC's order.
    auto transport = request.get_requested_transport();
    if (!transport) return fail(ErrorCode::kBadRequest);
    if (*transport != stun::kProtocolUdp) return fail(ErrorCode::kUnsupportedTransportProtocol);

    if (request.has(AttributeType::kDontFragment)) {
        // "If the server does not support sending UDP datagrams with the DF bit set to 1
        // ..., then the server treats the DONT-FRAGMENT attribute in the Allocate request as
        // an unknown comprehension-required attribute."
        Message response = Message::response_to(request, MessageClass::kErrorResponse);
        response.add_error_code(code(ErrorCode::kUnknownAttribute));
        response.add_unknown_attributes({static_cast<uint16_t>(AttributeType::kDontFragment)});
        send_response(client, response, auth, fingerprint, out);
        return;
    }
    const bool has_token = request.has(AttributeType::kReservationToken);
    const bool has_even_port = request.has(AttributeType::kEvenPort);
    const bool has_requested_family = request.has(AttributeType::kRequestedAddressFamily);
    const bool has_additional_family = request.has(AttributeType::kAdditionalAddressFamily);
    if (has_token && (has_even_port || has_requested_family || has_additional_family)) {
        return fail(ErrorCode::kBadRequest);
    }
    // This server keeps no reservations, so no token is valid, and it does not reserve the
    // next port (EVEN-PORT with R=1): "If the server cannot satisfy the request, then the
    // server rejects the request with a 508 (Insufficient Capacity) error." An even port
    // alone (R=0) it can give.
    if (has_token) return fail(ErrorCode::kInsufficientCapacity);
    bool even_port = false;
    if (has_even_port) {
        auto reserve = request.get_even_port();
        if (!reserve) return fail(ErrorCode::kBadRequest);
        if (*reserve) return fail(ErrorCode::kInsufficientCapacity);
        even_port = true;
    }

    net::AddressFamily family = net::AddressFamily::kIpv4;
    std::optional<net::AddressFamily> refused_additional;
    if (has_requested_family && has_additional_family) return fail(ErrorCode::kBadRequest);
    if (has_requested_family) {
        auto requested = request.get_address_family(AttributeType::kRequestedAddressFamily);
        if (!requested) return fail(ErrorCode::kBadRequest);
        family = *requested;
    }
    if (has_additional_family) {
        auto additional = request.get_address_family(AttributeType::kAdditionalAddressFamily);
        // "If the ADDITIONAL-ADDRESS-FAMILY attribute is present and its value is not IPv6,
        // the server MUST reject the request with 400."
        if (!additional || *additional != net::AddressFamily::kIpv6) return fail(ErrorCode::kBadRequest);
        refused_additional = net::AddressFamily::kIpv6;  // only one relay family here
    }
    if (family != config_.relay_family) return fail(ErrorCode::kAddressFamilyNotSupported);
    if (refused_additional && *refused_additional == config_.relay_family) refused_additional.reset();

    const std::string quota_identity =
        config_.no_auth ? client.remote.ip().to_string() : Credentials::quota_identity(auth.username);
    if (config_.user_quota != 0 && per_user_[quota_identity] >= config_.user_quota) {
        out.push_back(log::LogRecord{log::Level::kWarn,
                                     "quota_reached",
                                     {{"client", client.to_string()}, {"user", quota_identity}, {"quota", "user"}}});
        return fail(ErrorCode::kAllocationQuotaReached);
    }
    if (config_.total_quota != 0 && allocations_.size() >= config_.total_quota) {
        out.push_back(
            log::LogRecord{log::Level::kWarn, "quota_reached", {{"client", client.to_string()}, {"quota", "total"}}});
        return fail(ErrorCode::kInsufficientCapacity);
    }

    Allocation allocation;
    allocation.id = next_id_++;
    allocation.client = client;
    allocation.username = auth.username;
    allocation.quota_identity = quota_identity;
    allocation.key = auth.key;
    allocation.integrity_sha256 = auth.sha256;
    allocation.granted_lifetime = clamp_lifetime(request);
    allocation.expires = now + allocation.granted_lifetime;
    allocation.allocate_transaction = request.transaction_id();
    allocation.allocate_fingerprint = fingerprint;
    allocation.refused_additional_family = refused_additional;
    const AllocationId id = allocation.id;
    ++per_user_[quota_identity];
    by_client_[client] = id;
    allocations_.emplace(id, std::move(allocation));
    out.push_back(OpenRelay{id, family, even_port});
}

void TurnServer::on_refresh(Allocation& allocation, const Message& request, const Auth& auth, bool fingerprint,
                            Timestamp now, Actions& out) {
    // RFC 8656 section 7.3.
    if (request.has(AttributeType::kRequestedAddressFamily)) {
        auto family = request.get_address_family(AttributeType::kRequestedAddressFamily);
        if (!family)
            return send_error(allocation.client, request, code(ErrorCode::kBadRequest), auth, fingerprint, out);
        if (*family != allocation.relayed.family()) {
            return send_error(allocation.client, request, code(ErrorCode::kPeerAddressFamilyMismatch), auth,
                              fingerprint, out);
        }
    }
    uint32_t granted = 0;
    auto requested = request.get_u32(AttributeType::kLifetime);
    if (request.has(AttributeType::kLifetime) && !requested) {
        return send_error(allocation.client, request, code(ErrorCode::kBadRequest), auth, fingerprint, out);
    }
    const ClientKey client = allocation.client;
    if (requested && *requested == 0) {
        Message response = Message::response_to(request, MessageClass::kSuccessResponse);
        response.add_u32(AttributeType::kLifetime, 0);
        send_response(client, response, auth, fingerprint, out);
        delete_allocation(allocation.id, "refresh_zero", out);  // `allocation` is gone now
        return;
    }
    const Duration lifetime = clamp_lifetime(request);
    allocation.expires = now + lifetime;
    granted = static_cast<uint32_t>(whole_seconds(lifetime));
    Message response = Message::response_to(request, MessageClass::kSuccessResponse);
    response.add_u32(AttributeType::kLifetime, granted);
    send_response(client, response, auth, fingerprint, out);
}

void TurnServer::on_create_permission(Allocation& allocation, const Message& request, const Auth& auth,
                                      bool fingerprint, Timestamp now, Actions& out) {
    // RFC 8656 section 9.2.
    auto peers = request.get_xor_addresses(AttributeType::kXorPeerAddress);
    if (!peers || peers->empty()) {
        return send_error(allocation.client, request, code(ErrorCode::kBadRequest), auth, fingerprint, out);
    }
    size_t added = 0;
    for (const auto& peer : *peers) {
        const uint16_t error = check_peer(allocation, peer, out);
        if (error != 0) return send_error(allocation.client, request, error, auth, fingerprint, out);
        if (allocation.permissions.count(peer.ip()) == 0) ++added;
    }
    if (allocation.permissions.size() + added > config_.max_permissions_per_allocation) {
        return send_error(allocation.client, request, code(ErrorCode::kInsufficientCapacity), auth, fingerprint, out);
    }
    // "The server MUST NOT install permissions for any of the addresses unless all are
    // acceptable": checked above, installed now.
    for (const auto& peer : *peers) allocation.permissions[peer.ip()] = now + config_.permission_lifetime;
    send_response(allocation.client, Message::response_to(request, MessageClass::kSuccessResponse), auth, fingerprint,
                  out);
}

void TurnServer::on_channel_bind(Allocation& allocation, const Message& request, const Auth& auth, bool fingerprint,
                                 Timestamp now, Actions& out) {
    // RFC 8656 section 11.2. Refusals are logged with their reason: a 400 alone does not
    // tell an operator which rule a client broke.
    auto fail = [&](uint16_t error, const char* reason) {
        out.push_back(log::LogRecord{log::Level::kInfo,
                                     "channel_bind_refused",
                                     {{"allocation", allocation.id},
                                      {"client", allocation.client.to_string()},
                                      {"code", error},
                                      {"channel", request.get_channel_number().value_or(0)},
                                      {"reason", reason}}});
        send_error(allocation.client, request, error, auth, fingerprint, out);
    };
    auto number = request.get_channel_number();
    if (!number) return fail(code(ErrorCode::kBadRequest), "missing or malformed CHANNEL-NUMBER");
    if (!stun::is_valid_channel_number(*number)) {
        return fail(code(ErrorCode::kBadRequest), "channel number outside 0x4000-0x4FFF");
    }
    auto peer = request.get_xor_address(AttributeType::kXorPeerAddress);
    if (!peer) return fail(code(ErrorCode::kBadRequest), "missing or malformed XOR-PEER-ADDRESS");
    const uint16_t error = check_peer(allocation, *peer, out);
    if (error != 0) return fail(error, "peer refused");
    // "The channel number is not currently bound to a different transport address" and
    // "the transport address is not currently bound to a different channel number"; a
    // binding still cooling down after expiry counts as bound.
    auto existing = allocation.channels.find(*number);
    if (existing != allocation.channels.end() && existing->second.peer != *peer) {
        return fail(code(ErrorCode::kBadRequest), "channel number bound to another peer");
    }
    for (const auto& [other_number, channel] : allocation.channels) {
        if (other_number != *number && channel.peer == *peer) {
            return fail(code(ErrorCode::kBadRequest), "peer bound to another channel number");
        }
    }
    if (allocation.permissions.count(peer->ip()) == 0 &&
        allocation.permissions.size() >= config_.max_permissions_per_allocation) {
        return fail(code(ErrorCode::kInsufficientCapacity), "too many permissions");
    }
    allocation.channels[*number] = Channel{*peer, now + config_.channel_lifetime};
    allocation.permissions[peer->ip()] = now + config_.permission_lifetime;
    send_response(allocation.client, Message::response_to(request, MessageClass::kSuccessResponse), auth, fingerprint,
                  out);
}

void TurnServer::on_send(Allocation& allocation, const Message& indication, Timestamp now, Actions& out) {
    // RFC 8656 section 10.2: silently discarded when malformed or without permission.
    auto peer = indication.get_xor_address(AttributeType::kXorPeerAddress);
    auto data = indication.get_bytes(AttributeType::kData);
    if (!peer || !data) {
        ++stats_.dropped_malformed;
        return;
    }
    if (peer->family() != allocation.relayed.family() || !has_permission(allocation, peer->ip(), now)) {
        ++stats_.dropped_no_permission;
        return;
    }
    if (!within_bandwidth(allocation.to_peers, data->size(), now)) return;
    ++stats_.packets_to_peers;
    stats_.bytes_to_peers += data->size();
    out.push_back(SendToPeer{allocation.id, *peer, data->to_bytes()});
}

void TurnServer::handle_channel_data(const ClientKey& client, ByteView bytes, Timestamp now, Actions& out) {
    auto parsed = stun::ChannelData::parse(bytes);
    if (!parsed) {
        ++stats_.dropped_malformed;
        return;
    }
    Allocation* allocation = find_by_client(client);
    if (!allocation || !allocation->open || allocation->expires <= now) {
        ++stats_.dropped_no_allocation;
        return;
    }
    auto channel = allocation->channels.find(parsed->channel_number);
    if (channel == allocation->channels.end() || now >= channel->second.expires ||
        !has_permission(*allocation, channel->second.peer.ip(), now)) {
        ++stats_.dropped_no_permission;
        return;
    }
    if (!within_bandwidth(allocation->to_peers, parsed->data.size(), now)) return;
    ++stats_.packets_to_peers;
    stats_.bytes_to_peers += parsed->data.size();
    out.push_back(SendToPeer{allocation->id, channel->second.peer, std::move(parsed->data)});
}

// --- Helpers ----------------------------------------------------------------------------

void TurnServer::send_response(const ClientKey& client, const Message& response, const Auth& auth, bool fingerprint,
                               Actions& out) {
    stun::SerializeOptions options;
    if (!auth.key.empty()) {
        if (auth.sha256)
            options.integrity_sha256_key = auth.key;
        else
            options.integrity_key = auth.key;
    }
    options.fingerprint = fingerprint;
    out.push_back(SendToClient{client, response.serialize(options)});
}

void TurnServer::send_error(const ClientKey& client, const Message& request, uint16_t error, const Auth& auth,
                            bool fingerprint, Actions& out) {
    Message response = Message::response_to(request, MessageClass::kErrorResponse);
    response.add_error_code(error);
    send_response(client, response, auth, fingerprint, out);
}

void TurnServer::send_challenge(const ClientKey& client, const Message& request, uint16_t error, bool fingerprint,
                                Timestamp now, Actions& out) {
    Message response = Message::response_to(request, MessageClass::kErrorResponse);
    response.add_error_code(error);
    response.add_string(AttributeType::kRealm, credentials_.realm());
    response.add_string(AttributeType::kNonce, credentials_.make_nonce(now));
    send_response(client, response, Auth{}, fingerprint, out);
}

uint16_t TurnServer::check_peer(const Allocation& allocation, const net::SocketAddress& peer, Actions& out) const {
    if (peer.family() != allocation.relayed.family()) return code(ErrorCode::kPeerAddressFamilyMismatch);
    const PeerVerdict verdict = config_.peer_policy.check(peer.ip());
    if (verdict == PeerVerdict::kPermitted) return 0;
    out.push_back(log::LogRecord{log::Level::kInfo,
                                 "peer_refused",
                                 {{"allocation", allocation.id},
                                  {"client", allocation.client.to_string()},
                                  {"peer", peer.ip().to_string()},
                                  {"reason", to_string(verdict)}}});
    return code(ErrorCode::kForbidden);
}

bool TurnServer::has_permission(const Allocation& allocation, const net::IpAddress& peer, Timestamp now) const {
    auto it = allocation.permissions.find(peer);
    return it != allocation.permissions.end() && now < it->second;
}

Duration TurnServer::clamp_lifetime(const Message& request) const {
    // RFC 8656 section 7.2: min(requested, maximum), but not below the default.
    auto requested = request.get_u32(AttributeType::kLifetime);
    Duration lifetime = config_.default_lifetime;
    if (requested) {
        lifetime = std::min(Duration::seconds(*requested), config_.max_lifetime);
        lifetime = std::max(lifetime, config_.default_lifetime);
    }
    return lifetime;
}

bool TurnServer::within_bandwidth(Bucket& bucket, size_t bytes, Timestamp now) {
    if (config_.max_bps == 0) return true;
    constexpr int64_t kMicros = 1000000;
    const int64_t capacity = static_cast<int64_t>(config_.max_bps) * kMicros;  // one second's worth
    if (bucket.tokens < 0) {
        bucket.tokens = capacity;
    } else {
        const int64_t elapsed = std::max<int64_t>(0, (now - bucket.last).as_micros());
        // Cap elapsed first: a long-idle allocation must not overflow the product.
        bucket.tokens = std::min(capacity, bucket.tokens + std::min(elapsed, kMicros) * config_.max_bps);
    }
    bucket.last = now;
    const int64_t cost = static_cast<int64_t>(bytes) * kMicros;
    if (cost > bucket.tokens) {
        ++stats_.dropped_bandwidth;
        return false;
    }
    bucket.tokens -= cost;
    return true;
}

bool TurnServer::is_rate_limited(const net::IpAddress& ip, Timestamp now) const {
    if (config_.auth_failure_limit == 0) return false;
    auto it = auth_failures_.find(ip);
    return it != auth_failures_.end() && now < it->second.start + config_.auth_failure_window &&
           it->second.count >= config_.auth_failure_limit;
}

void TurnServer::note_auth_failure(const ClientKey& client, Timestamp now, Actions& out) {
    ++stats_.auth_failures;
    if (config_.auth_failure_limit == 0) return;
    const net::IpAddress ip = client.remote.ip();
    auto it = auth_failures_.find(ip);
    if (it == auth_failures_.end()) {
        if (auth_failures_.size() >= config_.max_tracked_ips) return;
        it = auth_failures_.emplace(ip, FailureWindow{now, 0}).first;
    } else if (it->second.start + config_.auth_failure_window <= now) {
        it->second = FailureWindow{now, 0};
    }
    if (++it->second.count == config_.auth_failure_limit) {
        out.push_back(log::LogRecord{log::Level::kWarn,
                                     "auth_rate_limited",
                                     {{"client", client.to_string()},
                                      {"failures", it->second.count},
                                      {"window_s", whole_seconds(config_.auth_failure_window)}}});
    }
}

TurnServer::Allocation* TurnServer::find_by_client(const ClientKey& client) {
    auto it = by_client_.find(client);
    if (it == by_client_.end()) return nullptr;
    auto allocation = allocations_.find(it->second);
    return allocation == allocations_.end() ? nullptr : &allocation->second;
}

void TurnServer::delete_allocation(AllocationId id, const char* reason, Actions& out) {
    auto it = allocations_.find(id);
    if (it == allocations_.end()) return;
    Allocation& allocation = it->second;
    if (allocation.open) out.push_back(CloseRelay{id});
    auto user = per_user_.find(allocation.quota_identity);
    if (user != per_user_.end() && --user->second == 0) per_user_.erase(user);
    by_client_.erase(allocation.client);
    if (reason) {
        out.push_back(
            log::LogRecord{log::Level::kInfo,
                           "allocation_deleted",
                           {{"allocation", id}, {"client", allocation.client.to_string()}, {"reason", reason}}});
    }
    allocations_.erase(it);
}

}  // namespace polyrtc::relay::turn
