// TurnServer: the TURN server logic of RFC 8656 (with RFC 8489 long-term credentials),
// sans-IO. It owns allocations, permissions and channels; it owns no socket and reads no
// clock.
//
// Inputs (each returns the actions it caused, in order):
//   handle_client_message(client, bytes, now, unix_now)  a STUN message or ChannelData from
//                                                         a client 5-tuple
//   handle_relay_opened(allocation, relayed, now)         the glue bound the relayed socket
//   handle_relay_open_failed(allocation, now)             ... or could not (no free port)
//   handle_peer_datagram(allocation, peer, bytes, now)    a UDP datagram on a relayed socket
//   handle_client_closed(client, now)                     a WebSocket/TCP connection ended
//   handle_timeout(now)                                   expiry sweep; call every second or so
// Actions: SendToClient, SendToPeer, OpenRelay, CloseRelay, log::LogRecord.
//
// Allocate is two-phase: a valid request yields OpenRelay{id, family}; the glue binds a UDP
// socket (picking the port from its range) and reports back with handle_relay_opened or
// handle_relay_open_failed, which produce the success or the 508 response. Until then the
// allocation is pending: requests on that 5-tuple other than a retransmitted Allocate
// get 437.
//
// Hostile or malformed input never throws: it is answered with an error response when it is
// a parseable request, and dropped (and counted) otherwise.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/time.hpp"
#include "core/crypto/csprng.hpp"
#include "core/net/socket_address.hpp"
#include "core/stun/message.hpp"
#include "relay/log/logger.hpp"
#include "relay/turn/credentials.hpp"
#include "relay/turn/peer_policy.hpp"

namespace polyrtc::relay::turn {

// One client 5-tuple as the glue sees it. For UDP, `connection` is 0 and `remote`/`local`
// are the datagram's addresses; for a WebSocket or TCP connection, `connection` is the glue's
// id for it (one connection = one 5-tuple) and `remote`/`local` its TCP endpoints.
struct ClientKey {
    net::TransportProtocol transport = net::TransportProtocol::kUdp;
    uint64_t connection = 0;
    net::SocketAddress remote;
    net::SocketAddress local;

    bool operator<(const ClientKey& o) const {
        return std::tie(transport, connection, remote, local) < std::tie(o.transport, o.connection, o.remote, o.local);
    }
    bool operator==(const ClientKey& o) const {
        return transport == o.transport && connection == o.connection && remote == o.remote && local == o.local;
    }
    std::string to_string() const;
};

using AllocationId = uint64_t;

struct SendToClient {
    ClientKey client;
    Bytes bytes;  // one STUN or ChannelData message (one datagram / one WebSocket frame)
};
struct SendToPeer {
    AllocationId allocation;
    net::SocketAddress peer;
    Bytes bytes;  // the UDP payload
};
struct OpenRelay {
    AllocationId allocation;
    net::AddressFamily family;
    bool even_port = false;  // EVEN-PORT (R=0): the relayed port must be even
};
struct CloseRelay {
    AllocationId allocation;
};
using Action = std::variant<SendToClient, SendToPeer, OpenRelay, CloseRelay, log::LogRecord>;
using Actions = std::vector<Action>;

struct TurnConfig {
    // Authentication. `no_auth` skips it entirely (--no-auth); otherwise `credentials` is used.
    bool no_auth = false;
    CredentialConfig credentials;

    Duration default_lifetime = Duration::seconds(600);  // RFC 8656 section 3.2
    Duration max_lifetime = Duration::seconds(3600);
    Duration permission_lifetime = Duration::seconds(300);  // fixed by RFC 8656 section 9
    Duration channel_lifetime = Duration::seconds(600);     // fixed by RFC 8656 section 12
    // After a channel binding expires, its number and peer stay reserved this long
    // (RFC 8656 section 12: not rebindable to something else for 5 minutes).
    Duration channel_cooldown = Duration::seconds(300);

    // 0 = unlimited. user_quota counts allocations per Credentials::quota_identity (per client
    // IP with no_auth); exceeding it is 486. total_quota exceeding is 508.
    uint32_t user_quota = 0;
    uint32_t total_quota = 0;
    size_t max_permissions_per_allocation = 1024;

    // Failed-auth rate limit per client IP: after `auth_failure_limit` failures (401 for bad
    // credentials, 438 does not count) within `auth_failure_window`, that IP's requests that
    // need authentication are dropped unanswered until the window ends. 0 = no limit.
    uint32_t auth_failure_limit = 20;
    Duration auth_failure_window = Duration::seconds(60);
    size_t max_tracked_ips = 65536;  // bound on the bookkeeping; beyond it new IPs are not tracked

    // Bandwidth cap per allocation in bytes per second, separately towards peers and towards
    // the client (coturn's max-bps); a token bucket holding one second's worth. Datagrams
    // beyond it are dropped and counted. 0 = no cap.
    uint32_t max_bps = 0;

    PeerPolicy peer_policy;
    // Family of the relayed addresses this server can allocate (the --relay-ip's).
    net::AddressFamily relay_family = net::AddressFamily::kIpv4;
    std::string software = "polyrtc-relay";
};

// Counters for /healthz and tests.
struct TurnStats {
    uint64_t dropped_malformed = 0;      // neither STUN nor ChannelData, or unparseable
    uint64_t dropped_no_permission = 0;  // Send/ChannelData/peer datagram without permission
    uint64_t dropped_no_allocation = 0;  // indication or ChannelData on a 5-tuple without one
    uint64_t auth_failures = 0;          // 401 for bad credentials, and 441
    uint64_t dropped_rate_limited = 0;   // requests dropped by the failed-auth rate limit
    uint64_t dropped_bandwidth = 0;      // datagrams over TurnConfig::max_bps
    // Relayed application data (payload bytes, without TURN framing).
    uint64_t packets_to_peers = 0;
    uint64_t bytes_to_peers = 0;
    uint64_t packets_to_clients = 0;
    uint64_t bytes_to_clients = 0;
};

class TurnServer {
public:
    TurnServer(TurnConfig config, crypto::Csprng rng);

    Actions handle_client_message(const ClientKey& client, ByteView bytes, Timestamp now, int64_t unix_now);
    Actions handle_relay_opened(AllocationId allocation, const net::SocketAddress& relayed, Timestamp now);
    Actions handle_relay_open_failed(AllocationId allocation, Timestamp now);
    Actions handle_peer_datagram(AllocationId allocation, const net::SocketAddress& peer, ByteView bytes,
                                 Timestamp now);
    Actions handle_client_closed(const ClientKey& client, Timestamp now);
    Actions handle_timeout(Timestamp now);
    // Replaces the static users and REST secrets (SIGHUP). Nonces already issued stay valid;
    // live allocations keep the key they were created with until their next request is
    // checked against the new credentials.
    void set_credentials(CredentialConfig credentials);

    size_t allocation_count() const { return allocations_.size(); }
    bool has_allocation(const ClientKey& client) const { return by_client_.count(client) != 0; }
    const TurnStats& stats() const { return stats_; }
    const TurnConfig& config() const { return config_; }

private:
    struct Channel {
        net::SocketAddress peer;
        Timestamp expires;
    };
    // TurnConfig::max_bps accounting in byte-microseconds, so slow rates lose no precision.
    struct Bucket {
        int64_t tokens = -1;  // -1: full, not used yet
        Timestamp last;
    };
    struct Allocation {
        AllocationId id = 0;
        ClientKey client;
        std::string username;        // "" with no_auth
        std::string quota_identity;  // see TurnConfig::user_quota
        Bytes key;                   // MESSAGE-INTEGRITY key of this allocation's requests
        bool open = false;           // false until handle_relay_opened
        net::SocketAddress relayed;
        Timestamp expires;
        Duration granted_lifetime;  // what the Allocate response announces
        stun::TransactionId allocate_transaction;
        Bytes allocate_response;            // resent for a retransmitted Allocate
        bool allocate_fingerprint = false;  // the Allocate carried FINGERPRINT
        bool integrity_sha256 = false;      // the Allocate used MESSAGE-INTEGRITY-SHA256
        std::optional<net::AddressFamily> refused_additional_family;
        std::map<net::IpAddress, Timestamp> permissions;  // peer IP -> expiry
        std::map<uint16_t, Channel> channels;             // number -> binding (incl. cooling down)
        Bucket to_peers;
        Bucket to_client;
    };

    // The outcome of authenticating one request.
    struct Auth {
        bool ok = false;
        std::string username;
        Bytes key;            // empty with no_auth
        bool sha256 = false;  // the request used MESSAGE-INTEGRITY-SHA256 only
    };

    void handle_stun(const ClientKey& client, ByteView bytes, Timestamp now, int64_t unix_now, Actions& out);
    void handle_channel_data(const ClientKey& client, ByteView bytes, Timestamp now, Actions& out);
    Auth authenticate(const ClientKey& client, const stun::Message& request, ByteView raw, Timestamp now,
                      int64_t unix_now, Actions& out);

    void on_binding(const ClientKey& client, const stun::Message& request, bool fingerprint, Actions& out);
    void on_allocate(const ClientKey& client, const stun::Message& request, const Auth& auth, bool fingerprint,
                     Timestamp now, Actions& out);
    void on_refresh(Allocation& allocation, const stun::Message& request, const Auth& auth, bool fingerprint,
                    Timestamp now, Actions& out);
    void on_create_permission(Allocation& allocation, const stun::Message& request, const Auth& auth, bool fingerprint,
                              Timestamp now, Actions& out);
    void on_channel_bind(Allocation& allocation, const stun::Message& request, const Auth& auth, bool fingerprint,
                         Timestamp now, Actions& out);
    void on_send(Allocation& allocation, const stun::Message& indication, Timestamp now, Actions& out);

    // Sends `response` to `client`, protected with `auth`'s key when there is one.
    void send_response(const ClientKey& client, const stun::Message& response, const Auth& auth, bool fingerprint,
                       Actions& out);
    void send_error(const ClientKey& client, const stun::Message& request, uint16_t code, const Auth& auth,
                    bool fingerprint, Actions& out);
    // 401 or 438 with REALM and a fresh NONCE (never integrity-protected).
    void send_challenge(const ClientKey& client, const stun::Message& request, uint16_t code, bool fingerprint,
                        Timestamp now, Actions& out);

    // The peer's permission check for CreatePermission/ChannelBind: 0 if fine, else the error
    // code (400 malformed, 443 family mismatch, 403 policy).
    uint16_t check_peer(const Allocation& allocation, const net::SocketAddress& peer, Actions& out) const;
    bool has_permission(const Allocation& allocation, const net::IpAddress& peer, Timestamp now) const;
    Duration clamp_lifetime(const stun::Message& request) const;
    // Takes `bytes` from `bucket`; false (and counted) when over TurnConfig::max_bps.
    bool within_bandwidth(Bucket& bucket, size_t bytes, Timestamp now);

    void delete_allocation(AllocationId id, const char* reason, Actions& out);
    Allocation* find_by_client(const ClientKey& client);
    // Failed-auth bookkeeping (see TurnConfig::auth_failure_limit).
    bool is_rate_limited(const net::IpAddress& ip, Timestamp now) const;
    void note_auth_failure(const ClientKey& client, Timestamp now, Actions& out);
    struct FailureWindow {
        Timestamp start;
        uint32_t count = 0;
    };
    std::map<net::IpAddress, FailureWindow> auth_failures_;

    TurnConfig config_;
    crypto::Csprng rng_;
    Credentials credentials_;
    std::map<AllocationId, Allocation> allocations_;
    std::map<ClientKey, AllocationId> by_client_;
    std::map<std::string, uint32_t> per_user_;  // quota identity -> allocations
    AllocationId next_id_ = 1;
    TurnStats stats_;
};

}  // namespace polyrtc::relay::turn
