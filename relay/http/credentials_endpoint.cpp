#include "relay/http/credentials_endpoint.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "relay/config/options.hpp"
#include "relay/turn/credentials.hpp"

namespace polyrtc::relay::http {
namespace {

bool is_user_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '~' || c == '-';
}

// The host of a Host header without its port ("[::1]" keeps its brackets); "" if malformed.
std::string host_of(std::string_view host_header) {
    std::string_view host = host_header;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        if (close == std::string_view::npos) return {};
        host = host.substr(0, close + 1);
    } else {
        host = host.substr(0, host.find(':'));
    }
    if (host.empty() || host.size() > 255) return {};
    const bool ok = std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == ':' || c == '[' || c == ']';
    });
    return ok ? std::string(host) : std::string();
}

// The value of query parameter `name` in `target`, if present.
std::optional<std::string_view> query_param(std::string_view target, std::string_view name) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    std::string_view query = target.substr(q + 1);
    query = query.substr(0, query.find('#'));
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
    }
    return std::nullopt;
}

CredentialsResponse refuse(int status, const char* reason) {
    return {status, nlohmann::json{{"error", reason}}.dump() + "\n", ""};
}

}  // namespace

CredentialsResponse issue_credentials(const CredentialsEndpointConfig& config, const CredentialsRequest& request) {
    const std::string host = host_of(request.host);
    if (host.empty()) return refuse(400, "missing or malformed Host header");

    // Whose page asks: its Origin, or (same-origin GETs carry none) our own origin.
    std::optional<std::string> origin;
    if (!request.origin.empty()) {
        origin = config::normalize_origin(request.origin);
    } else if (request.sec_fetch_site == "same-origin") {
        origin =
            config::normalize_origin(std::string(config.http_tls ? "https://" : "http://") + std::string(request.host));
    }
    if (!origin || std::find(config.allowed_origins.begin(), config.allowed_origins.end(), *origin) ==
                       config.allowed_origins.end()) {
        return refuse(403, "origin not allowed");
    }

    std::string user = request.random_user;
    if (auto named = query_param(request.target, "username")) {
        if (named->empty() || named->size() > 64 || !std::all_of(named->begin(), named->end(), is_user_char)) {
            return refuse(400, "username must be 1-64 characters from [A-Za-z0-9._~-]");
        }
        user = std::string(*named);
    }
    const std::string username = std::to_string(request.unix_now + config.ttl_s) + ":" + user;
    const std::string password = turn::rest_api_password(config.secret, username);

    nlohmann::json uris = nlohmann::json::array();
    if (config.udp_port) uris.push_back("turn:" + host + ":" + std::to_string(*config.udp_port) + "?transport=udp");
    if (config.tcp_port) uris.push_back("turn:" + host + ":" + std::to_string(*config.tcp_port) + "?transport=tcp");
    if (config.tls_port) uris.push_back("turns:" + host + ":" + std::to_string(*config.tls_port) + "?transport=tcp");
    const std::string ws_uri =
        std::string(config.http_tls ? "wss://" : "ws://") + host + ":" + std::to_string(config.http_port) + "/turn";
    const nlohmann::json body = {{"username", username}, {"password", password}, {"credential", password},
                                 {"ttl", config.ttl_s},  {"uris", uris},         {"ws_uri", ws_uri}};
    return {200, body.dump() + "\n", *origin};
}

}  // namespace polyrtc::relay::http
