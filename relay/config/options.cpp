#include "relay/config/options.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <arpa/inet.h>

#include "relay/turn/peer_policy.hpp"

namespace polyrtc::relay::config {
namespace {

constexpr const char* kNoCredentialsMessage =
    "polyrtc-relay: refusing to start without TURN credentials.\n"
    "Add one of:\n"
    "  --user NAME:PASSWORD                          static long-term credentials (with --realm REALM)\n"
    "  --use-auth-secret --static-auth-secret SECRET  TURN REST API (time-limited) credentials\n"
    "  --no-auth                                     run an open relay (testing only)\n";

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(first, last - first + 1));
}

bool is_option_name(std::string_view name) {
    if (name.empty()) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

// Finds "-c FILE", "-c=FILE" or "-cFILE" in `args`; returns the file name if present.
std::optional<std::string> find_config_file(const std::vector<std::string>& args, std::string& error) {
    std::optional<std::string> file;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--") break;
        if (arg == "-c") {
            if (i + 1 >= args.size()) {
                error = "-c requires a file name\n";
                return std::nullopt;
            }
            file = args[++i];
        } else if (arg.rfind("-c=", 0) == 0) {
            file = arg.substr(3);
        } else if (arg.size() > 2 && arg.rfind("-c", 0) == 0) {
            file = arg.substr(2);
        }
    }
    return file;
}

bool parse_user(const std::string& spec, StaticUser& user) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) return false;
    user.name = spec.substr(0, colon);
    user.password = spec.substr(colon + 1);
    return true;
}

bool is_ip_address(const std::string& text) {
    in6_addr buffer{};
    return inet_pton(AF_INET, text.c_str(), &buffer) == 1 || inet_pton(AF_INET6, text.c_str(), &buffer) == 1;
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin) {
    std::string out;
    for (char c : origin) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    if (!out.empty() && out.back() == '/') out.pop_back();
    const auto scheme_end = out.find("://");
    if (scheme_end == std::string::npos || scheme_end == 0) return std::nullopt;
    const std::string host = out.substr(scheme_end + 3);
    if (host.empty() || host.find_first_of("/?#@ ") != std::string::npos) return std::nullopt;
    for (size_t i = 0; i < scheme_end; ++i) {
        const char c = out[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
            return std::nullopt;
    }
    return out;
}

std::optional<std::vector<std::string>> config_file_to_args(const std::string& text, std::string& error) {
    std::vector<std::string> args;
    std::istringstream in(text);
    std::string raw;
    for (int line_number = 1; std::getline(in, raw); ++line_number) {
        const std::string line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        const auto eq = line.find('=');
        std::string name = trim(line.substr(0, eq));
        // coturn accepts "--name" spelled in the file too.
        while (!name.empty() && name.front() == '-') name.erase(name.begin());
        if (!is_option_name(name)) {
            error = "line " + std::to_string(line_number) + ": expected `name=value` or `name`, got `" + line + "`";
            return std::nullopt;
        }
        if (eq == std::string::npos) {
            args.push_back("--" + name);
            continue;
        }
        std::string value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        args.push_back("--" + name + "=" + value);
    }
    return args;
}

ParseOutcome parse_command_line(const std::vector<std::string>& args) {
    ParseOutcome outcome;

    std::string error;
    const auto config_file = find_config_file(args, error);
    if (!error.empty()) {
        outcome.exit_code = 2;
        outcome.error = "polyrtc-relay: " + error;
        return outcome;
    }
    std::vector<std::string> all_args;
    if (config_file) {
        std::ifstream in(*config_file, std::ios::binary);
        if (!in) {
            outcome.exit_code = 2;
            outcome.error = "polyrtc-relay: cannot read config file " + *config_file + "\n";
            return outcome;
        }
        std::ostringstream text;
        text << in.rdbuf();
        auto file_args = config_file_to_args(text.str(), error);
        if (!file_args) {
            outcome.exit_code = 2;
            outcome.error = "polyrtc-relay: " + *config_file + " " + error + "\n";
            return outcome;
        }
        all_args = std::move(*file_args);
    }
    all_args.insert(all_args.end(), args.begin(), args.end());

    Options options;
    std::vector<std::string> user_specs;
    std::string web_root;
    std::string config_file_name;

    CLI::App app{
        "polyrtc-relay: TURN relay over WebSocket for polyrtc pages, signaling rooms and static files.\n"
        "Option names follow coturn where the meaning is the same; every option can also be given\n"
        "in a coturn-style config file (-c FILE: `name=value` or `name` per line, # comments).",
        "polyrtc-relay"};
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.get_formatter()->column_width(44);

    app.add_option("-c", config_file_name, "Read options from a coturn-style config file first")->type_name("FILE");

    // Listeners.
    app.add_option("--listening-ip", options.listening_ip,
                   "Address the HTTP/WebSocket and TURN UDP/TCP/TLS listeners bind")
        ->capture_default_str()
        ->group("Listeners");
    app.add_option("--http-port", options.http_port, "HTTP + WebSocket port (/turn, /signal, /healthz, files); 0 = any")
        ->capture_default_str()
        ->group("Listeners");
    app.add_option("--web-root", web_root, "Serve static files from DIR (index.html for directories)")
        ->type_name("DIR")
        ->group("Listeners");

    app.add_option("--allowed-origin", options.allowed_origins,
                   "Only WebSocket upgrades with this Origin (scheme://host[:port]) are accepted (repeatable; "
                   "default: any)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("ORIGIN")
        ->group("Listeners");

    // Authentication.
    app.add_flag("--no-auth", options.no_auth, "Run an open relay: no TURN credentials (testing only)")
        ->group("Authentication");
    app.add_flag("--lt-cred-mech,-a", options.lt_cred_mech,
                 "Long-term credential mechanism (coturn compatibility; implied by --user)")
        ->group("Authentication");
    app.add_option("--user,-u", user_specs, "Static long-term credential NAME:PASSWORD (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("NAME:PASSWORD")
        ->group("Authentication");
    app.add_option("--realm,-r", options.realm, "Realm of the long-term credentials")
        ->capture_default_str()
        ->group("Authentication");
    app.add_flag("--use-auth-secret", options.use_auth_secret,
                 "TURN REST API credentials: username EXPIRY:USER, password base64(HMAC-SHA1(secret, username))")
        ->group("Authentication");
    app.add_option("--static-auth-secret", options.static_auth_secrets,
                   "Shared secret for --use-auth-secret (repeatable: any one may match)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("SECRET")
        ->group("Authentication");

    // TURN.
    std::string relay_ip;
    std::string cert, pkey;
    app.add_option("--listening-port,-p", options.listening_port, "TURN over UDP and TCP port; 0 = any (logged)")
        ->capture_default_str()
        ->group("TURN");
    app.add_flag("--no-udp", options.no_udp, "No TURN over UDP listener")->group("TURN");
    app.add_flag("--no-tcp", options.no_tcp, "No TURN over TCP listener")->group("TURN");
    app.add_option("--tls-listening-port", options.tls_listening_port,
                   "TURN over TLS port (only with --cert and --pkey); 0 = any (logged)")
        ->capture_default_str()
        ->group("TURN");
    app.add_flag("--no-tls", options.no_tls, "No TURN over TLS listener, even with --cert/--pkey")->group("TURN");
    app.add_option("--cert", cert,
                   "PEM certificate chain: enables TURN over TLS and makes the HTTP port https/wss (with --pkey)")
        ->type_name("FILE")
        ->group("TURN");
    app.add_option("--pkey", pkey, "PEM private key of --cert")->type_name("FILE")->group("TURN");
    app.add_option("--relay-ip", relay_ip,
                   "Address relayed UDP sockets bind and announce (default: --listening-ip if specific, else the "
                   "address of the default-route interface)")
        ->type_name("IP")
        ->group("TURN");
    app.add_option("--min-port", options.min_port, "Lowest relayed UDP port")->capture_default_str()->group("TURN");
    app.add_option("--max-port", options.max_port, "Highest relayed UDP port")->capture_default_str()->group("TURN");
    app.add_flag("--allow-loopback-peers", options.allow_loopback_peers,
                 "Let clients relay to loopback peers (127.0.0.0/8, ::1); testing only")
        ->group("TURN peer policy");
    app.add_option("--allowed-peer-ip", options.allowed_peer_ips,
                   "Peer range allowed although not global: CIDR, IP, or FIRST-LAST (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("RANGE")
        ->group("TURN peer policy");
    app.add_option("--denied-peer-ip", options.denied_peer_ips,
                   "Peer range refused although global: CIDR, IP, or FIRST-LAST (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->type_name("RANGE")
        ->group("TURN peer policy");
    app.add_option("--user-quota", options.user_quota, "Most allocations per user at once (486 beyond); 0 = no limit")
        ->capture_default_str()
        ->group("TURN limits");
    app.add_option("--total-quota", options.total_quota, "Most allocations in total (508 beyond); 0 = no limit")
        ->capture_default_str()
        ->group("TURN limits");
    app.add_option("--max-allocate-lifetime", options.max_allocate_lifetime,
                   "Longest allocation lifetime a client may ask for, in seconds")
        ->capture_default_str()
        ->check(CLI::Range(600u, 86400u))
        ->group("TURN limits");
    app.add_option("--stale-nonce", options.stale_nonce, "Nonce lifetime in seconds (438 Stale Nonce after)")
        ->capture_default_str()
        ->check(CLI::Range(10u, 86400u))
        ->group("TURN limits");

    app.add_option("--turn-idle-timeout", options.turn_idle_timeout,
                   "Close a /turn WebSocket that has had no allocation for this many seconds; 0 = never")
        ->capture_default_str()
        ->group("TURN limits");
    app.add_option("--auth-failure-limit", options.auth_failure_limit,
                   "Failed TURN authentications per client IP per minute before its requests are dropped; 0 = no limit")
        ->capture_default_str()
        ->group("TURN limits");

    app.add_option("--max-bps", options.max_bps,
                   "Bandwidth cap per allocation in bytes per second, each direction; excess is dropped; 0 = no cap")
        ->capture_default_str()
        ->group("TURN limits");

    // Credentials for pages.
    app.add_flag("--credentials-endpoint", options.credentials_endpoint,
                 "Serve GET /turn-credentials (TURN REST API JSON) to --allowed-origin pages; needs --use-auth-secret")
        ->group("Authentication");
    app.add_option("--credentials-ttl", options.credentials_ttl, "Lifetime of /turn-credentials usernames in seconds")
        ->capture_default_str()
        ->check(CLI::Range(60u, 7u * 86400u))
        ->group("Authentication");

    // Signaling.
    app.add_option("--signal-max-room-size", options.signal_max_room_size, "Most members of one /signal room")
        ->capture_default_str()
        ->check(CLI::Range(2u, 1000000u))
        ->group("Signaling rooms");
    app.add_option("--signal-max-message-size", options.signal_max_message_size,
                   "Largest /signal text message in bytes (larger: closed with 1009)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 16u * 1024u * 1024u))
        ->group("Signaling rooms");

    std::reverse(all_args.begin(), all_args.end());  // CLI11 wants the vector reversed
    try {
        app.parse(all_args);
    } catch (const CLI::ParseError& e) {
        std::ostringstream out, err;
        outcome.exit_code = app.exit(e, out, err);
        outcome.output = out.str();
        outcome.error = err.str();
        return outcome;
    }

    if (!is_ip_address(options.listening_ip)) {
        outcome.exit_code = 2;
        outcome.error =
            "polyrtc-relay: --listening-ip expects an IPv4 or IPv6 address, got `" + options.listening_ip + "`\n";
        return outcome;
    }
    for (auto& origin : options.allowed_origins) {
        auto normalized = normalize_origin(origin);
        if (!normalized) {
            outcome.exit_code = 2;
            outcome.error =
                "polyrtc-relay: --allowed-origin expects scheme://host[:port] (e.g. https://example.org), got `" +
                origin + "`\n";
            return outcome;
        }
        origin = *normalized;
    }
    if (!relay_ip.empty()) {
        if (!is_ip_address(relay_ip)) {
            outcome.exit_code = 2;
            outcome.error = "polyrtc-relay: --relay-ip expects an IPv4 or IPv6 address, got `" + relay_ip + "`\n";
            return outcome;
        }
        options.relay_ip = relay_ip;
    }
    for (const auto* list : {&options.allowed_peer_ips, &options.denied_peer_ips}) {
        for (const auto& range : *list) {
            if (!turn::PeerRange::parse(range).ok()) {
                outcome.exit_code = 2;
                outcome.error = std::string("polyrtc-relay: ") +
                                (list == &options.allowed_peer_ips ? "--allowed-peer-ip" : "--denied-peer-ip") +
                                " expects CIDR (10.0.0.0/8), an IP, or FIRST-LAST; got `" + range + "`\n";
                return outcome;
            }
        }
    }
    if (options.min_port == 0 || options.min_port > options.max_port) {
        outcome.exit_code = 2;
        outcome.error = "polyrtc-relay: --min-port must be at least 1 and at most --max-port\n";
        return outcome;
    }
    if (cert.empty() != pkey.empty()) {
        outcome.exit_code = 2;
        outcome.error = "polyrtc-relay: --cert and --pkey go together: give both or neither\n";
        return outcome;
    }
    if (!cert.empty()) {
        options.cert = cert;
        options.pkey = pkey;
    }
    if (!web_root.empty()) {
        std::error_code fs_error;
        if (!std::filesystem::is_directory(web_root, fs_error)) {
            outcome.exit_code = 2;
            outcome.error = "polyrtc-relay: --web-root: `" + web_root + "` is not a directory\n";
            return outcome;
        }
        options.web_root = web_root;
    }
    for (const auto& spec : user_specs) {
        StaticUser user;
        if (!parse_user(spec, user)) {
            outcome.exit_code = 2;
            outcome.error = "polyrtc-relay: --user expects NAME:PASSWORD, got `" + spec + "`\n";
            return outcome;
        }
        options.users.push_back(std::move(user));
    }
    if (options.use_auth_secret && options.static_auth_secrets.empty()) {
        outcome.exit_code = 2;
        outcome.error = "polyrtc-relay: --use-auth-secret needs the secret: add --static-auth-secret SECRET\n";
        return outcome;
    }
    if (!options.use_auth_secret && !options.static_auth_secrets.empty()) {
        outcome.exit_code = 2;
        outcome.error =
            "polyrtc-relay: --static-auth-secret is only used with --use-auth-secret: add --use-auth-secret\n";
        return outcome;
    }
    const bool has_credentials = !options.users.empty() || options.use_auth_secret;
    if (options.no_auth && has_credentials) {
        outcome.exit_code = 2;
        outcome.error = "polyrtc-relay: --no-auth contradicts --user/--use-auth-secret: remove one of them\n";
        return outcome;
    }
    if (options.lt_cred_mech && options.users.empty()) {
        outcome.exit_code = 2;
        outcome.error = "polyrtc-relay: --lt-cred-mech needs at least one --user NAME:PASSWORD\n";
        return outcome;
    }
    if (!options.no_auth && !has_credentials) {
        outcome.exit_code = 2;
        outcome.error = kNoCredentialsMessage;
        return outcome;
    }
    if (options.credentials_endpoint && (!options.use_auth_secret || options.allowed_origins.empty())) {
        outcome.exit_code = 2;
        outcome.error =
            "polyrtc-relay: --credentials-endpoint needs --use-auth-secret (the credentials it issues) and at least "
            "one --allowed-origin (the pages it issues them to)\n";
        return outcome;
    }
    outcome.options = std::move(options);
    return outcome;
}

}  // namespace polyrtc::relay::config
