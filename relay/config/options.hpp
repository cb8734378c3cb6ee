// The relay's configuration: command-line flags and a coturn-style config file (-c FILE).
//
// Option names follow coturn where the meaning is the same (listening-ip, realm, user,
// use-auth-secret, static-auth-secret, no-auth, ...). Unlike coturn, having no credential
// option at all is an error: running an open relay takes an explicit --no-auth.
//
// Config file syntax (coturn's turnserver.conf): one option per line, `name=value` or a bare
// `name` for flags, `#` starts a comment line, blank lines ignored. Config-file options are
// applied first and the command line after them, so a flag given on the command line wins
// for single-valued options and adds to the list for repeatable ones (user, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polyrtc::relay::config {

struct StaticUser {
    std::string name;
    std::string password;
};

struct Options {
    // Listeners.
    std::string listening_ip = "0.0.0.0";
    uint16_t http_port = 8080;  // HTTP + WebSocket; 0 = ephemeral (the bound port is logged)
    std::optional<std::string> web_root;
    // WebSocket upgrades (/turn, /signal) must carry one of these Origin values; empty = any.
    // Stored lower-cased, without a trailing slash.
    std::vector<std::string> allowed_origins;

    // Authentication.
    bool no_auth = false;
    bool lt_cred_mech = false;  // accepted for coturn compatibility; implied by --user
    std::vector<StaticUser> users;
    std::string realm = "polyrtc";
    bool use_auth_secret = false;
    std::vector<std::string> static_auth_secrets;

    // TURN.
    uint16_t listening_port = 3478;  // TURN over UDP and TCP; 0 = ephemeral (logged as turn_udp_port/turn_tcp_port)
    bool no_udp = false;
    bool no_tcp = false;
    uint16_t tls_listening_port = 5349;  // TURN over TLS, only with cert and pkey
    bool no_tls = false;
    // PEM certificate chain and private key: TURN over TLS, and https/wss on the HTTP port.
    std::optional<std::string> cert;
    std::optional<std::string> pkey;
    std::optional<std::string> relay_ip;  // default: --listening-ip, or the outbound interface's
    uint16_t min_port = 49152;
    uint16_t max_port = 65535;
    bool allow_loopback_peers = false;
    std::vector<std::string> allowed_peer_ips;  // CIDR, single address or first-last
    std::vector<std::string> denied_peer_ips;
    uint32_t user_quota = 0;                // 0 = unlimited
    uint32_t total_quota = 0;               // 0 = unlimited
    uint32_t max_allocate_lifetime = 3600;  // seconds
    uint32_t stale_nonce = 600;             // nonce lifetime in seconds
    uint32_t turn_idle_timeout = 60;        // close /turn WebSockets this long without an allocation
    uint32_t auth_failure_limit = 20;       // failed auths per client IP per minute; 0 = no limit
    uint32_t max_bps = 0;                   // bytes per second per allocation and direction; 0 = no cap

    // GET /turn-credentials (TURN REST API credentials for pages of allowed origins).
    bool credentials_endpoint = false;
    uint32_t credentials_ttl = 86400;  // seconds the issued username stays valid

    // Signaling rooms (/signal).
    uint32_t signal_max_room_size = 16;
    uint32_t signal_max_message_size = 64 * 1024;
};

struct ParseOutcome {
    // Set when the relay should run; otherwise exit with exit_code after printing.
    std::optional<Options> options;
    int exit_code = 0;
    std::string output;  // for stdout (--help)
    std::string error;   // for stderr (usage and configuration errors)
};

// `args` excludes the program name. Reads the -c FILE it names, if any.
ParseOutcome parse_command_line(const std::vector<std::string>& args);

// "HTTPS://Example.org/" -> "https://example.org"; nullopt if it is not scheme://host[:port].
std::optional<std::string> normalize_origin(std::string_view origin);

// The coturn-style config file `text` as command-line tokens ("--name=value", "--flag").
// On a syntax error returns nullopt and sets `error` ("line N: ...").
std::optional<std::vector<std::string>> config_file_to_args(const std::string& text, std::string& error);

}  // namespace polyrtc::relay::config
