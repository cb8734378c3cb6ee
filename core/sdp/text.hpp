// Small text helpers shared by the SDP parsers (internal to core/sdp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polyrtc::sdp::text {

// Splits on single spaces. Empty pieces (two spaces in a row, leading or trailing space)
// are kept, so callers can reject them: SDP separates fields by exactly one SP.
std::vector<std::string_view> split(std::string_view s, char separator);

// Decimal digits only, no sign, no leading '+', value <= max. "1*DIGIT" in the ABNF.
std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max);

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// RFC 8866 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E.
bool is_token_char(char c);
bool is_token(std::string_view s);

// RFC 8839 ice-char = ALPHA / DIGIT / "+" / "/".
inline bool is_ice_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '+' || c == '/';
}
bool is_ice_chars(std::string_view s);

// Non-empty, no SP/CR/LF/NUL: a "non-ws-string" value such as an a=mid identifier.
bool is_non_ws_string(std::string_view s);

bool iequals(std::string_view a, std::string_view b);

// Dotted-quad IPv4 ("192.0.2.1"), each octet 0..255 without leading zeros beyond "0".
bool is_ipv4(std::string_view s);
// IPv6 text form (RFC 4291 section 2.2), including "::" compression and an embedded IPv4 tail.
bool is_ipv6(std::string_view s);
// A DNS name: labels of letters, digits and '-', separated by '.', 1..253 chars (mDNS
// candidates use "<uuid>.local").
bool is_fqdn(std::string_view s);

}  // namespace polyrtc::sdp::text
