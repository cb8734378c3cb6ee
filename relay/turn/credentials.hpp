// TURN long-term credentials (RFC 8489 section 9.2) as the relay checks them:
//
//   static users   --user NAME:PASSWORD; key = MD5(NAME ":" realm ":" PASSWORD)
//   REST secrets   coturn's --use-auth-secret / --static-auth-secret (the "TURN REST API"
//                  draft): username "EXPIRY:USER" (or just "EXPIRY"), EXPIRY a Unix time in
//                  seconds; password = base64(HMAC-SHA1(secret, username)); the username is
//                  refused once EXPIRY has passed. Several secrets may be configured (key
//                  rotation); any one may match.
//   nonces         stateless: hex(issue time) + hex(HMAC-SHA1(server key, issue time))[0..16],
//                  valid for nonce_lifetime after issue (then 438 Stale Nonce). A nonce this
//                  process did not issue never validates.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"

namespace polyrtc::relay::turn {

// base64(HMAC-SHA1(secret, username)): the password of a REST-API username.
std::string rest_api_password(std::string_view secret, std::string_view username);

enum class CredentialError {
    kUnknownUser,  // no static user of that name, and not a REST username (or REST is off)
    kExpired,      // REST username whose EXPIRY has passed
};
const char* to_string(CredentialError error);

struct CredentialConfig {
    std::string realm = "polyrtc";
    std::map<std::string, std::string> static_users;  // name -> password
    std::vector<std::string> rest_secrets;            // empty: REST credentials off
    Duration nonce_lifetime = Duration::seconds(600);
};

class Credentials {
public:
    // `nonce_key`: random bytes (the caller's Csprng) that make nonces unforgeable.
    Credentials(CredentialConfig config, Bytes nonce_key);

    const std::string& realm() const { return config_.realm; }

    // The same nonce key with other users/secrets (credential reload keeps nonces valid).
    Credentials reconfigured(CredentialConfig config) const { return Credentials(std::move(config), nonce_key_); }

    std::string make_nonce(Timestamp now) const;
    // False for a nonce that is malformed, forged, from the future or older than the lifetime.
    bool is_nonce_valid(std::string_view nonce, Timestamp now) const;

    // The candidate MESSAGE-INTEGRITY keys for `username` (one for a static user, one per
    // secret for a REST username). `unix_now` is wall-clock seconds, for REST expiry.
    Result<std::vector<Bytes>, CredentialError> keys_for(std::string_view username, int64_t unix_now) const;

    // Whom a username's allocations count against for --user-quota: the user part of a REST
    // username ("1700000000:alice" -> "alice"), otherwise the username itself.
    static std::string quota_identity(std::string_view username);

private:
    std::string nonce_mac(uint64_t issued_ms) const;

    CredentialConfig config_;
    std::map<std::string, Bytes> static_keys_;
    Bytes nonce_key_;
};

}  // namespace polyrtc::relay::turn
