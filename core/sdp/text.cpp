#include "core/sdp/text.hpp"

namespace polyrtc::sdp::text {

std::vector<std::string_view> split(std::string_view s, char separator) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        size_t pos = s.find(separator, start);
        if (pos == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

std::optional<uint64_t> parse_uint(std::string_view s, uint64_t max) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    uint64_t value = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (value > max) return std::nullopt;
    return value;
}

bool is_token_char(char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x27) || u == 0x2a || u == 0x2b || u == 0x2d || u == 0x2e ||
           (u >= 0x30 && u <= 0x39) || (u >= 0x41 && u <= 0x5a) || (u >= 0x5e && u <= 0x7e);
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_token_char(c)) return false;
    }
    return true;
}

bool is_ice_chars(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (!is_ice_char(c)) return false;
    }
    return true;
}

bool is_non_ws_string(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c == ' ' || c == '\r' || c == '\n' || c == '\0' || c == '\t') return false;
    }
    return true;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

bool is_ipv4(std::string_view s) {
    auto parts = split(s, '.');
    if (parts.size() != 4) return false;
    for (auto p : parts) {
        if (p.empty() || p.size() > 3 || (p.size() > 1 && p[0] == '0')) return false;
        if (!parse_uint(p, 255)) return false;
    }
    return true;
}

bool is_ipv6(std::string_view s) {
    if (s.size() < 2 || s.size() > 45) return false;
    size_t double_colon = s.find("::");
    if (double_colon != std::string_view::npos && s.find("::", double_colon + 1) != std::string_view::npos) {
        return false;
    }
    // An embedded IPv4 address counts as two groups and must be last.
    size_t groups = 0;
    bool compressed = double_colon != std::string_view::npos;
    auto parts = split(s, ':');
    for (size_t i = 0; i < parts.size(); ++i) {
        auto p = parts[i];
        if (p.empty()) continue;  // from "::" (checked above) or a leading/trailing "::"
        if (i + 1 == parts.size() && p.find('.') != std::string_view::npos) {
            if (!is_ipv4(p)) return false;
            groups += 2;
            continue;
        }
        if (p.size() > 4) return false;
        for (char c : p) {
            bool hex = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex) return false;
        }
        ++groups;
    }
    // A single ':' may not start or end the address.
    if ((s.front() == ':' && s.substr(0, 2) != "::") || (s.back() == ':' && s.substr(s.size() - 2) != "::")) {
        return false;
    }
    return compressed ? groups < 8 : groups == 8;
}

bool is_fqdn(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    if (s.back() == '.') s.remove_suffix(1);
    bool any_alpha = false;
    for (auto label : split(s, '.')) {
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        for (char c : label) {
            if (is_alpha(c)) any_alpha = true;
            if (!(is_alpha(c) || is_digit(c) || c == '-')) return false;
        }
    }
    return any_alpha;  // "1.2.3.999" is a bad IPv4 address, not a host name
}

}  // namespace polyrtc::sdp::text
