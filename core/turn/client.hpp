// Sans-IO TURN client (RFC 8656) for the ICE agent's relay candidates.
//
// One Client talks to one TURN server over one transport (in the page: the relay's
// WebSocket, one STUN or ChannelData message per binary frame). It never reads a clock or
// touches a socket:
//
//   inputs    handle_receive(now, bytes)  bytes from the server
//             handle_timeout(now)         when poll_timeout() says so (or any time later)
//   commands  start_allocation, create_permission, bind_channel, send, deallocate
//   outputs   poll_transmit()  bytes to send to the server, in order
//             poll_event()     Event values (allocated, data from a peer, failures ...)
//             poll_timeout()   the next instant handle_timeout wants to run
//
// After any input or command, drain poll_transmit() and poll_event() until empty, then arm
// one timer for poll_timeout(). Nothing here calls back into the caller.
//
// Behaviour (RFC 8656 unless noted):
//  - Allocate is first sent without credentials; a 401 with REALM and NONCE makes the client
//    retry with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under the long-term key
//    (RFC 8489 section 9.2). PASSWORD-ALGORITHMS offered with an "obMatJos2" nonce is honoured
//    (SHA-256 or MD5, the first in the server's list that is supported). 438 Stale Nonce
//    retries any request with the new nonce (at most 3 times in a row). 300 Try Alternate
//    surfaces as kAllocationFailed with `alternate_server` set; the caller decides whether to
//    follow it. Any other error ends the allocation attempt.
//  - Success responses to authenticated requests must carry a valid MESSAGE-INTEGRITY (or
//    -SHA256); otherwise they are dropped as forged. Error responses are accepted unsigned
//    (401/438 cannot be signed), but a present and wrong integrity drops them too.
//  - The allocation is refreshed at lifetime - min(60 s, lifetime / 5) after each success.
//  - Permissions last 300 s on the server; the client refreshes each one 240 s after it was
//    installed, if it was used (create_permission, bind_channel, send, or data received from
//    that IP) since then; unused permissions are left to expire silently. Channels (lifetime
//    600 s) are refreshed 540 s after binding under the same "used" rule. A ChannelBind also
//    installs the peer's permission.
//  - send() uses ChannelData once the peer's channel is confirmed, a Send indication
//    otherwise. ChannelData is padded to 4 bytes over TCP/TLS (RFC 8656 section 12.5), not
//    over WebSocket or UDP.
//  - Requests over UDP are retransmitted (RFC 8489 section 6.2.1: RTO 500 ms doubling, Rc = 7
//    transmissions, then Rm = 16 x RTO: failure after 39.5 s). Over TCP/TLS/WebSocket a
//    request is sent once and fails after Ti = 39.5 s.
//  - Over TCP/TLS handle_receive accepts arbitrary chunks of the byte stream (an internal
//    StreamFramer delimits messages); over UDP/WebSocket each call is exactly one message.
//  - Hostile or unexpected input (garbage, unknown transaction ids, unbound channels,
//    forged responses) is dropped and counted in stats(), never fatal.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/crypto/csprng.hpp"
#include "core/net/socket_address.hpp"
#include "core/stun/attributes.hpp"
#include "core/stun/channel_data.hpp"
#include "core/stun/message.hpp"

namespace polyrtc::turn {

enum class TurnError {
    kInvalidState,      // start twice, or command while not allocated / after close
    kNoPermission,      // send() to a peer IP with no permission requested
    kFamilyMismatch,    // peer address family has no relayed address of that family
    kDataTooLarge,      // payload does not fit one STUN/ChannelData message
    kChannelsExhausted  // all 4096 channel numbers have been used
};
const char* to_string(TurnError error);

struct ClientConfig {
    std::string username;
    std::string password;
    net::TransportProtocol transport = net::TransportProtocol::kWebSocket;
    // SOFTWARE attribute on requests; empty for none.
    std::string software = "polyrtc";
    // LIFETIME asked for in Allocate and Refresh, in seconds (0: let the server choose).
    uint32_t requested_lifetime = 600;
    // REQUESTED-ADDRESS-FAMILY (IPv4 is the server default and is not sent).
    net::AddressFamily requested_family = net::AddressFamily::kIpv4;
    // ADDITIONAL-ADDRESS-FAMILY IPv6 for a dual-stack allocation (RFC 8656 section 7.2).
    bool request_additional_ipv6 = false;
    bool dont_fragment = false;
    // Append FINGERPRINT to requests.
    bool fingerprint = true;
    // RFC 8489 section 6.2.1 timers.
    Duration initial_rto = Duration::millis(500);
    int max_transmissions = 7;                            // Rc
    int last_wait_factor = 16;                            // Rm
    Duration reliable_timeout = Duration::millis(39500);  // Ti
};

enum class EventKind {
    kAllocated,          // relayed, mapped, lifetime
    kAllocationFailed,   // error_code/reason, alternate_server for 300; the client is closed
    kRefreshed,          // lifetime: the allocation was refreshed
    kAllocationLost,     // a refresh failed or the lifetime ran out; the client is closed
    kDeallocated,        // deallocate() finished; the client is closed
    kPermissionCreated,  // peer (port 0): first install succeeded
    kPermissionFailed,   // peer (port 0), error_code/reason; the permission is gone
    kChannelBound,       // peer, channel: ChannelData is used from now on
    kChannelBindFailed,  // peer, channel, error_code/reason; Send indications are used
    kData,               // peer, data: application data relayed from a peer
};
const char* to_string(EventKind kind);

struct Event {
    EventKind kind = EventKind::kData;
    std::vector<net::SocketAddress> relayed;             // kAllocated (one, or two when dual-stack)
    std::optional<net::SocketAddress> mapped;            // kAllocated: XOR-MAPPED-ADDRESS
    Duration lifetime;                                   // kAllocated, kRefreshed
    net::SocketAddress peer;                             // peer events
    uint16_t channel = 0;                                // channel events
    Bytes data;                                          // kData
    uint16_t error_code = 0;                             // failures: STUN error code, 0 = timeout/malformed
    std::string reason;                                  // failures: reason phrase or description
    std::optional<net::SocketAddress> alternate_server;  // kAllocationFailed with 300
};

struct ClientStats {
    uint64_t requests_sent = 0;    // first transmissions
    uint64_t retransmissions = 0;  // UDP only
    uint64_t dropped = 0;          // inputs ignored (garbage, unknown tid, forged, unbound channel)
};

enum class ClientState {
    kIdle,        // constructed, start_allocation() not called
    kAllocating,  // Allocate in flight
    kAllocated,   // relayed address usable
    kClosing,     // deallocate() sent
    kClosed,      // failed, lost or deallocated: inert
};
const char* to_string(ClientState state);

class Client {
public:
    // `rng` supplies transaction ids and must outlive the client.
    Client(ClientConfig config, crypto::Csprng& rng);

    // --- Commands ---
    Status<TurnError> start_allocation(Timestamp now);
    // Installs (or re-requests) a permission for `peer`'s IP (the port is ignored).
    Status<TurnError> create_permission(const net::IpAddress& peer, Timestamp now);
    // Binds (or returns the existing) channel for `peer`; also installs its permission.
    Result<uint16_t, TurnError> bind_channel(const net::SocketAddress& peer, Timestamp now);
    // Relays `data` to `peer`. Needs a permission (requested, or bound channel) for peer's IP.
    Status<TurnError> send(const net::SocketAddress& peer, ByteView data, Timestamp now);
    // Refresh with LIFETIME 0; kDeallocated follows (on the response or its timeout).
    // Before the allocation exists it just closes the client (kDeallocated at once).
    void deallocate(Timestamp now);

    // --- Inputs ---
    void handle_receive(Timestamp now, ByteView bytes);
    void handle_timeout(Timestamp now);

    // --- Outputs ---
    std::optional<Bytes> poll_transmit();
    std::optional<Event> poll_event();
    std::optional<Timestamp> poll_timeout() const;

    // --- Getters ---
    ClientState state() const { return state_; }
    const std::vector<net::SocketAddress>& relayed_addresses() const { return relayed_; }
    const std::optional<net::SocketAddress>& mapped_address() const { return mapped_; }
    // The confirmed channel for `peer`, if any.
    std::optional<uint16_t> channel_for(const net::SocketAddress& peer) const;
    bool has_permission(const net::IpAddress& peer) const;  // confirmed by the server
    const ClientStats& stats() const { return stats_; }

private:
    enum class Purpose { kAllocate, kRefresh, kDeallocate, kPermission, kChannelBind };

    // What a request is for; rebuilt with a fresh transaction id on every auth retry.
    struct RequestSpec {
        explicit RequestSpec(Purpose p) : purpose(p) {}
        Purpose purpose = Purpose::kAllocate;
        net::SocketAddress peer;  // kPermission (port 0), kChannelBind
        uint16_t channel = 0;     // kChannelBind
        int nonce_retries = 0;    // 438 (and 401 after auth) retries so far
    };

    struct Transaction {
        RequestSpec spec{Purpose::kAllocate};
        Bytes wire;
        bool authenticated = false;
        int transmissions = 1;
        Duration rto;
        Timestamp next_at;  // next retransmission, or the failure deadline
    };

    struct Permission {
        bool confirmed = false;
        bool in_flight = false;
        Timestamp installed_at;
        Timestamp refresh_at;
        Timestamp last_used;
    };

    struct Channel {
        net::SocketAddress peer;
        bool confirmed = false;
        bool in_flight = false;
        Timestamp bound_at;
        Timestamp refresh_at;
        Timestamp expires_at;  // receive mapping kept until the server forgets it
        Timestamp last_used;
    };

    void send_request(RequestSpec spec, Timestamp now);
    void handle_stun(Timestamp now, ByteView bytes);
    void handle_channel_data(Timestamp now, ByteView bytes);
    void handle_response(Timestamp now, const stun::Message& response, const Transaction& transaction);
    void handle_success(Timestamp now, const stun::Message& response, const RequestSpec& spec);
    void handle_failure(Timestamp now, const RequestSpec& spec, uint16_t code, std::string reason,
                        std::optional<net::SocketAddress> alternate = std::nullopt);
    bool has_relayed_family(net::AddressFamily family) const;
    void mark_used(const net::IpAddress& ip, Timestamp now);
    void close();
    void push_event(Event event) { events_.push_back(std::move(event)); }
    Bytes key() const;

    ClientConfig config_;
    crypto::Csprng* rng_;
    ClientState state_ = ClientState::kIdle;

    // Long-term credential state (RFC 8489 section 9.2).
    std::optional<std::string> realm_;
    std::optional<std::string> nonce_;
    stun::PasswordAlgorithm algorithm_ = stun::PasswordAlgorithm::kMd5;
    std::optional<std::vector<stun::PasswordAlgorithmValue>> offered_algorithms_;

    std::vector<net::SocketAddress> relayed_;
    std::optional<net::SocketAddress> mapped_;
    Timestamp refresh_at_;
    Timestamp expires_at_;
    bool refresh_in_flight_ = false;

    std::map<stun::TransactionId, Transaction> transactions_;
    std::map<net::IpAddress, Permission> permissions_;
    std::map<uint16_t, Channel> channels_;
    uint16_t next_channel_ = stun::kMinChannelNumber;
    bool channels_exhausted_ = false;

    stun::StreamFramer framer_;
    std::deque<Bytes> transmits_;
    std::deque<Event> events_;
    ClientStats stats_;
};

}  // namespace polyrtc::turn
