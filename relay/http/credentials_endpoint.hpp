// GET /turn-credentials: time-limited TURN credentials for pages (the "TURN REST API" shape
// coturn's use-auth-secret expects), off unless --credentials-endpoint is given.
//
//   {"username":"1700086400:3f9a0c21d4e5b6a7","password":"…","credential":"…","ttl":86400,
//    "uris":["turn:HOST:3478?transport=udp","turn:HOST:3478?transport=tcp",
//            "turns:HOST:5349?transport=tcp"],
//    "ws_uri":"ws://HOST:8080/turn"}
//
// Only pages of an --allowed-origin get an answer. The page's origin is its Origin header;
// a same-origin GET carries none (Fetch standard), so then it is SCHEME://HOST built from the
// Host header, accepted only with `Sec-Fetch-Site: same-origin`. Anything else is 403.
// `username` (query parameter, [A-Za-z0-9._~-]{1,64}) names the user part; without it a
// random one is issued, so --user-quota counts each issued credential separately.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polyrtc::relay::http {

struct CredentialsEndpointConfig {
    std::vector<std::string> allowed_origins;  // normalized (config::normalize_origin)
    std::string secret;                        // the first --static-auth-secret: the current one
    uint32_t ttl_s = 86400;
    // What the URIs announce; nullopt = that listener is off.
    std::optional<uint16_t> udp_port;
    std::optional<uint16_t> tcp_port;
    std::optional<uint16_t> tls_port;
    uint16_t http_port = 8080;
    bool http_tls = false;  // the HTTP port speaks https/wss
};

struct CredentialsRequest {
    std::string_view origin;          // Origin header ("" if none)
    std::string_view sec_fetch_site;  // Sec-Fetch-Site header ("" if none)
    std::string_view host;            // Host header
    std::string_view target;          // request target, with the query
    int64_t unix_now = 0;
    std::string random_user;  // user part when the query names none
};

struct CredentialsResponse {
    int status = 200;          // 200, 400 or 403
    std::string body;          // JSON
    std::string allow_origin;  // Access-Control-Allow-Origin value when set
};

CredentialsResponse issue_credentials(const CredentialsEndpointConfig& config, const CredentialsRequest& request);

}  // namespace polyrtc::relay::http
