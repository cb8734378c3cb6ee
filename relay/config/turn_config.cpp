#include "relay/config/turn_config.hpp"

namespace polyrtc::relay::config {

turn::TurnConfig make_turn_config(const Options& options, net::AddressFamily relay_family) {
    turn::TurnConfig config;
    config.no_auth = options.no_auth;
    config.credentials.realm = options.realm;
    for (const auto& user : options.users) config.credentials.static_users[user.name] = user.password;
    if (options.use_auth_secret) config.credentials.rest_secrets = options.static_auth_secrets;
    config.credentials.nonce_lifetime = Duration::seconds(options.stale_nonce);
    config.max_lifetime = Duration::seconds(options.max_allocate_lifetime);
    config.auth_failure_limit = options.auth_failure_limit;
    config.max_bps = options.max_bps;
    config.user_quota = options.user_quota;
    config.total_quota = options.total_quota;
    config.peer_policy.allow_loopback_peers = options.allow_loopback_peers;
    for (const auto& range : options.allowed_peer_ips) {
        auto parsed = turn::PeerRange::parse(range);
        if (parsed) config.peer_policy.allowed.push_back(*parsed);
    }
    for (const auto& range : options.denied_peer_ips) {
        auto parsed = turn::PeerRange::parse(range);
        if (parsed) config.peer_policy.denied.push_back(*parsed);
    }
    config.relay_family = relay_family;
    return config;
}

}  // namespace polyrtc::relay::config
