#include "relay/turn/credentials.hpp"

#include <cstdio>

#include <mbedtls/base64.h>

#include "core/stun/integrity.hpp"

namespace polyrtc::relay::turn {
namespace {

constexpr size_t kNonceTimeDigits = 16;
constexpr size_t kNonceMacDigits = 16;

std::string hex_u64(uint64_t value) {
    char buffer[kNonceTimeDigits + 1];
    std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(value));
    return std::string(buffer, kNonceTimeDigits);
}

bool parse_hex_u64(std::string_view text, uint64_t& out) {
    if (text.size() != kNonceTimeDigits) return false;
    out = 0;
    for (char c : text) {
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else
            return false;
        out = (out << 4) | static_cast<uint64_t>(digit);
    }
    return true;
}

// The EXPIRY of a REST username: the decimal digits before the first ':' (or the whole
// name). False when that is not a plain non-negative decimal number.
bool rest_expiry(std::string_view username, int64_t& expiry) {
    const auto colon = username.find(':');
    const std::string_view digits = username.substr(0, colon);
    if (digits.empty() || digits.size() > 18) return false;
    expiry = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return false;
        expiry = expiry * 10 + (c - '0');
    }
    return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
    return diff == 0;
}

}  // namespace

std::string rest_api_password(std::string_view secret, std::string_view username) {
    const ByteView key(reinterpret_cast<const uint8_t*>(secret.data()), secret.size());
    const ByteView data(reinterpret_cast<const uint8_t*>(username.data()), username.size());
    const Bytes mac = stun::hmac_sha1(key, data);
    unsigned char out[64];
    size_t written = 0;
    if (mbedtls_base64_encode(out, sizeof(out), &written, mac.data(), mac.size()) != 0) return {};
    return std::string(reinterpret_cast<const char*>(out), written);
}

const char* to_string(CredentialError error) {
    switch (error) {
        case CredentialError::kUnknownUser: return "unknown user";
        case CredentialError::kExpired: return "expired REST credentials";
    }
    return "unknown credential error";
}

Credentials::Credentials(CredentialConfig config, Bytes nonce_key)
    : config_(std::move(config)), nonce_key_(std::move(nonce_key)) {
    for (const auto& [name, password] : config_.static_users) {
        static_keys_.emplace(name, stun::long_term_key(name, config_.realm, password));
    }
}

std::string Credentials::nonce_mac(uint64_t issued_ms) const {
    const std::string time_hex = hex_u64(issued_ms);
    const Bytes mac =
        stun::hmac_sha1(nonce_key_, ByteView(reinterpret_cast<const uint8_t*>(time_hex.data()), time_hex.size()));
    return to_hex(ByteView(mac.data(), kNonceMacDigits / 2));
}

std::string Credentials::make_nonce(Timestamp now) const {
    const auto issued = static_cast<uint64_t>(now.as_millis());
    return hex_u64(issued) + nonce_mac(issued);
}

bool Credentials::is_nonce_valid(std::string_view nonce, Timestamp now) const {
    if (nonce.size() != kNonceTimeDigits + kNonceMacDigits) return false;
    uint64_t issued = 0;
    if (!parse_hex_u64(nonce.substr(0, kNonceTimeDigits), issued)) return false;
    if (!constant_time_equal(nonce.substr(kNonceTimeDigits), nonce_mac(issued))) return false;
    const auto issued_at = Timestamp::from_millis(static_cast<int64_t>(issued));
    if (issued_at > now) return false;
    return now - issued_at < config_.nonce_lifetime;
}

Result<std::vector<Bytes>, CredentialError> Credentials::keys_for(std::string_view username, int64_t unix_now) const {
    auto it = static_keys_.find(std::string(username));
    if (it != static_keys_.end()) return std::vector<Bytes>{it->second};
    int64_t expiry = 0;
    if (config_.rest_secrets.empty() || !rest_expiry(username, expiry)) {
        return unexpected(CredentialError::kUnknownUser);
    }
    if (expiry < unix_now) return unexpected(CredentialError::kExpired);
    std::vector<Bytes> keys;
    for (const auto& secret : config_.rest_secrets) {
        keys.push_back(stun::long_term_key(username, config_.realm, rest_api_password(secret, username)));
    }
    return keys;
}

std::string Credentials::quota_identity(std::string_view username) {
    int64_t expiry = 0;
    const auto colon = username.find(':');
    if (colon != std::string_view::npos && rest_expiry(username, expiry))
        return std::string(username.substr(colon + 1));
    return std::string(username);
}

}  // namespace polyrtc::relay::turn
