#include "core/net/socket_address.hpp"

#include <cstring>

namespace polyrtc::net {

const char* to_string(AddressError error) {
    switch (error) {
        case AddressError::kMalformed: return "not an IPv4 or IPv6 address";
        case AddressError::kBadPort: return "missing or invalid port";
        case AddressError::kBadPrefix: return "missing or invalid CIDR prefix length";
        case AddressError::kBadLength: return "address bytes are neither 4 nor 16 long";
    }
    return "unknown";
}

const char* to_string(AddressFamily family) {
    switch (family) {
        case AddressFamily::kIpv4: return "IPv4";
        case AddressFamily::kIpv6: return "IPv6";
    }
    return "unknown";
}

const char* to_string(AddressClass address_class) {
    switch (address_class) {
        case AddressClass::kGlobal: return "global";
        case AddressClass::kUnspecified: return "unspecified";
        case AddressClass::kLoopback: return "loopback";
        case AddressClass::kPrivate: return "private";
        case AddressClass::kSharedCgnat: return "shared (CGNAT)";
        case AddressClass::kLinkLocal: return "link-local";
        case AddressClass::kCloudMetadata: return "cloud metadata";
        case AddressClass::kMulticast: return "multicast";
        case AddressClass::kBroadcast: return "broadcast";
        case AddressClass::kDocumentation: return "documentation";
        case AddressClass::kReserved: return "reserved";
    }
    return "unknown";
}

const char* to_string(TransportProtocol protocol) {
    switch (protocol) {
        case TransportProtocol::kUdp: return "udp";
        case TransportProtocol::kTcp: return "tcp";
        case TransportProtocol::kTls: return "tls";
        case TransportProtocol::kWebSocket: return "websocket";
    }
    return "unknown";
}

// --- IpAddress ---

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    IpAddress ip;
    ip.family_ = AddressFamily::kIpv4;
    ip.bytes_[0] = a;
    ip.bytes_[1] = b;
    ip.bytes_[2] = c;
    ip.bytes_[3] = d;
    return ip;
}

IpAddress IpAddress::v4(uint32_t host_order) {
    return v4(static_cast<uint8_t>(host_order >> 24), static_cast<uint8_t>(host_order >> 16),
              static_cast<uint8_t>(host_order >> 8), static_cast<uint8_t>(host_order));
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& bytes) {
    IpAddress ip;
    ip.family_ = AddressFamily::kIpv6;
    ip.bytes_ = bytes;
    return ip;
}

Result<IpAddress, AddressError> IpAddress::from_bytes(ByteView bytes) {
    if (bytes.size() == 4) return v4(bytes[0], bytes[1], bytes[2], bytes[3]);
    if (bytes.size() == 16) {
        std::array<uint8_t, 16> raw{};
        std::memcpy(raw.data(), bytes.data(), 16);
        return v6(raw);
    }
    return unexpected(AddressError::kBadLength);
}

uint32_t IpAddress::v4_u32() const {
    return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) | (uint32_t{bytes_[2]} << 8) | bytes_[3];
}

bool IpAddress::is_v4_mapped() const {
    if (!is_v6()) return false;
    for (size_t i = 0; i < 10; ++i) {
        if (bytes_[i] != 0) return false;
    }
    return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

IpAddress IpAddress::unmapped() const {
    if (!is_v4_mapped()) return *this;
    return v4(bytes_[12], bytes_[13], bytes_[14], bytes_[15]);
}

IpAddress IpAddress::to_v4_mapped() const {
    if (!is_v4()) return *this;
    std::array<uint8_t, 16> raw{};
    raw[10] = 0xff;
    raw[11] = 0xff;
    raw[12] = bytes_[0];
    raw[13] = bytes_[1];
    raw[14] = bytes_[2];
    raw[15] = bytes_[3];
    return v6(raw);
}

namespace {

// True if the first `prefix` bits of a and b (network order) are equal.
bool prefix_equal(const uint8_t* a, const uint8_t* b, unsigned prefix) {
    unsigned full = prefix / 8;
    if (std::memcmp(a, b, full) != 0) return false;
    unsigned rest = prefix % 8;
    if (rest == 0) return true;
    auto mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

AddressClass classify_v4(uint32_t a) {
    auto in = [a](uint32_t network, unsigned prefix) {
        uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
        return (a & mask) == network;
    };
    if (a == 0) return AddressClass::kUnspecified;
    if (a == 0xFFFFFFFFu) return AddressClass::kBroadcast;
    if (a == 0xA9FEA9FEu) return AddressClass::kCloudMetadata;  // 169.254.169.254
    if (in(0x7F000000u, 8)) return AddressClass::kLoopback;
    if (in(0x0A000000u, 8) || in(0xAC100000u, 12) || in(0xC0A80000u, 16)) return AddressClass::kPrivate;
    if (in(0x64400000u, 10)) return AddressClass::kSharedCgnat;
    if (in(0xA9FE0000u, 16)) return AddressClass::kLinkLocal;
    if (in(0xE0000000u, 4)) return AddressClass::kMulticast;
    if (in(0xC0000200u, 24) || in(0xC6336400u, 24) || in(0xCB007100u, 24)) return AddressClass::kDocumentation;
    if (in(0x00000000u, 8) ||   // "this network" (RFC 791)
        in(0xC0000000u, 24) ||  // IETF protocol assignments (RFC 6890)
        in(0xC0586300u, 24) ||  // deprecated 6to4 relay anycast (RFC 7526)
        in(0xC6120000u, 15) ||  // benchmarking (RFC 2544)
        in(0xF0000000u, 4)) {   // reserved (RFC 1112)
        return AddressClass::kReserved;
    }
    return AddressClass::kGlobal;
}

struct V6Prefix {
    std::array<uint8_t, 16> network;
    unsigned length;
};

}  // namespace

AddressClass IpAddress::classify() const {
    if (is_v4()) return classify_v4(v4_u32());
    const uint8_t* b = bytes_.data();
    if (is_v4_mapped()) return classify_v4(unmapped().v4_u32());

    static constexpr std::array<uint8_t, 16> kZero{};
    if (std::memcmp(b, kZero.data(), 16) == 0) return AddressClass::kUnspecified;
    if (std::memcmp(b, kZero.data(), 15) == 0 && b[15] == 1) return AddressClass::kLoopback;

    // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052) reaches the embedded IPv4 address.
    static constexpr std::array<uint8_t, 16> kNat64{0x00, 0x64, 0xff, 0x9b};
    if (prefix_equal(b, kNat64.data(), 96)) {
        return classify_v4(IpAddress::v4(b[12], b[13], b[14], b[15]).v4_u32());
    }
    // AWS instance metadata over IPv6: fd00:ec2::254.
    static constexpr std::array<uint8_t, 16> kMetadata{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0,    0,
                                                       0,    0,    0,    0,    0, 0, 0x02, 0x54};
    if (std::memcmp(b, kMetadata.data(), 16) == 0) return AddressClass::kCloudMetadata;

    static const V6Prefix kTable[] = {
        {{0xff}, 8},                           // multicast
        {{0xfe, 0x80}, 10},                    // link-local
        {{0xfc}, 7},                           // unique local (RFC 4193)
        {{0xfe, 0xc0}, 10},                    // deprecated site-local (RFC 3879)
        {{0x20, 0x01, 0x0d, 0xb8}, 32},        // documentation (RFC 3849)
        {{0x3f, 0xff}, 20},                    // documentation (RFC 9637)
        {{0x20, 0x01, 0x00, 0x02, 0, 0}, 48},  // benchmarking (RFC 5180)
        {{0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64},  // discard-only (RFC 6666)
        {{0x64, 0xff, 0x9b, 0x00, 0x01}, 48},  // NAT64 local-use (RFC 8215)
    };
    static constexpr AddressClass kClasses[] = {
        AddressClass::kMulticast, AddressClass::kLinkLocal,     AddressClass::kPrivate,
        AddressClass::kPrivate,   AddressClass::kDocumentation, AddressClass::kDocumentation,
        AddressClass::kReserved,  AddressClass::kReserved,      AddressClass::kPrivate,
    };
    static_assert(sizeof(kTable) / sizeof(kTable[0]) == sizeof(kClasses) / sizeof(kClasses[0]));
    for (size_t i = 0; i < sizeof(kTable) / sizeof(kTable[0]); ++i) {
        if (prefix_equal(b, kTable[i].network.data(), kTable[i].length)) return kClasses[i];
    }
    // Global unicast is 2000::/3 (RFC 4291 section 2.4); everything else is unassigned.
    if ((b[0] & 0xe0) != 0x20) return AddressClass::kReserved;
    return AddressClass::kGlobal;
}

namespace {

// Four decimal octets, no leading zeros (inet_aton would read "010" as octal: refuse).
bool parse_v4(std::string_view text, uint8_t out[4]) {
    size_t pos = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (pos >= text.size() || text[pos] != '.') return false;
            ++pos;
        }
        size_t start = pos;
        unsigned value = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
            value = value * 10 + static_cast<unsigned>(text[pos] - '0');
            ++pos;
        }
        size_t digits = pos - start;
        if (digits == 0 || value > 255 || (digits > 1 && text[start] == '0')) return false;
        out[part] = static_cast<uint8_t>(value);
    }
    return pos == text.size();
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 4291 section 2.2 text forms: x:x:x:x:x:x:x:x, "::" once, trailing dotted IPv4.
bool parse_v6(std::string_view text, std::array<uint8_t, 16>& out) {
    if (text.size() < 2 || text.size() > 45) return false;
    uint16_t groups[8] = {};
    int count = 0;
    int gap = -1;  // index in groups where "::" sits
    size_t pos = 0;
    if (text.substr(0, 2) == "::") {
        gap = 0;
        pos = 2;
        if (pos == text.size()) {
            out.fill(0);
            return true;
        }
    } else if (text[0] == ':') {
        return false;
    }
    while (pos < text.size()) {
        // Embedded IPv4 in the last 32 bits.
        size_t next_colon = text.find(':', pos);
        std::string_view token =
            text.substr(pos, next_colon == std::string_view::npos ? std::string_view::npos : next_colon - pos);
        if (token.find('.') != std::string_view::npos) {
            if (next_colon != std::string_view::npos || count > 6) return false;
            uint8_t v4[4];
            if (!parse_v4(token, v4)) return false;
            groups[count++] = static_cast<uint16_t>((v4[0] << 8) | v4[1]);
            groups[count++] = static_cast<uint16_t>((v4[2] << 8) | v4[3]);
            break;
        }
        if (token.empty() || token.size() > 4 || count >= 8) return false;
        unsigned value = 0;
        for (char c : token) {
            int d = hex_digit(c);
            if (d < 0) return false;
            value = value * 16 + static_cast<unsigned>(d);
        }
        groups[count++] = static_cast<uint16_t>(value);
        pos += token.size();
        if (pos == text.size()) break;
        // At a ':'.
        ++pos;
        if (pos < text.size() && text[pos] == ':') {
            if (gap >= 0) return false;  // "::" may appear only once
            gap = count;
            ++pos;
            if (pos == text.size()) break;
        } else if (pos == text.size()) {
            return false;  // trailing single ':'
        }
    }
    if (gap < 0 && count != 8) return false;
    if (gap >= 0 && count > 7) return false;  // "::" stands for at least one group
    uint16_t full[8] = {};
    if (gap < 0) {
        std::memcpy(full, groups, sizeof(full));
    } else {
        int tail = count - gap;
        for (int i = 0; i < gap; ++i) full[i] = groups[i];
        for (int i = 0; i < tail; ++i) full[8 - tail + i] = groups[gap + i];
    }
    for (size_t i = 0; i < 8; ++i) {
        out[2 * i] = static_cast<uint8_t>(full[i] >> 8);
        out[2 * i + 1] = static_cast<uint8_t>(full[i]);
    }
    return true;
}

}  // namespace

Result<IpAddress, AddressError> IpAddress::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
        text = text.substr(1, text.size() - 2);
        std::array<uint8_t, 16> raw{};
        if (!parse_v6(text, raw)) return unexpected(AddressError::kMalformed);
        return v6(raw);
    }
    if (text.find(':') != std::string_view::npos) {
        std::array<uint8_t, 16> raw{};
        if (!parse_v6(text, raw)) return unexpected(AddressError::kMalformed);
        return v6(raw);
    }
    uint8_t raw[4];
    if (!parse_v4(text, raw)) return unexpected(AddressError::kMalformed);
    return v4(raw[0], raw[1], raw[2], raw[3]);
}

std::string IpAddress::to_string() const {
    if (is_v4()) {
        return std::to_string(bytes_[0]) + "." + std::to_string(bytes_[1]) + "." + std::to_string(bytes_[2]) + "." +
               std::to_string(bytes_[3]);
    }
    if (is_v4_mapped()) return "::ffff:" + unmapped().to_string();
    uint16_t groups[8];
    for (size_t i = 0; i < 8; ++i) groups[i] = static_cast<uint16_t>((bytes_[2 * i] << 8) | bytes_[2 * i + 1]);
    // RFC 5952 section 4.2: compress the longest run of two or more zero groups (the first
    // one on a tie).
    int best_start = -1;
    int best_len = 0;
    for (int i = 0; i < 8;) {
        if (groups[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && groups[j] == 0) ++j;
        if (j - i > best_len) {
            best_len = j - i;
            best_start = i;
        }
        i = j;
    }
    if (best_len < 2) best_start = -1;
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 8; ++i) {
        if (i == best_start) {
            out += "::";
            i += best_len - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') out.push_back(':');
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int d = (groups[i] >> shift) & 0xf;
            if (d != 0 || started || shift == 0) {
                out.push_back(kDigits[d]);
                started = true;
            }
        }
    }
    return out;
}

bool IpAddress::operator<(const IpAddress& o) const {
    if (family_ != o.family_) return family_ == AddressFamily::kIpv4;
    return bytes_ < o.bytes_;
}

size_t IpAddress::hash() const {
    // FNV-1a over family and bytes.
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](uint8_t v) {
        h ^= v;
        h *= 1099511628211ull;
    };
    mix(static_cast<uint8_t>(family_));
    for (size_t i = 0; i < size(); ++i) mix(bytes_[i]);
    return static_cast<size_t>(h ^ (h >> 32));
}

// --- SocketAddress ---

namespace {

bool parse_port(std::string_view text, uint16_t& port) {
    if (text.empty() || text.size() > 5) return false;
    unsigned value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > 65535) return false;
    port = static_cast<uint16_t>(value);
    return true;
}

}  // namespace

Result<SocketAddress, AddressError> SocketAddress::parse(std::string_view text) {
    std::string_view host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        size_t close = text.find(']');
        if (close == std::string_view::npos) return unexpected(AddressError::kMalformed);
        host = text.substr(0, close + 1);
        std::string_view rest = text.substr(close + 1);
        if (rest.empty() || rest.front() != ':') return unexpected(AddressError::kBadPort);
        port_text = rest.substr(1);
    } else {
        size_t colon = text.find(':');
        if (colon == std::string_view::npos) return unexpected(AddressError::kBadPort);
        if (text.find(':', colon + 1) != std::string_view::npos) {
            return unexpected(AddressError::kMalformed);  // unbracketed IPv6: ambiguous
        }
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
    }
    auto ip = IpAddress::parse(host);
    if (!ip) return unexpected(ip.error());
    if (!host.empty() && host.front() == '[' && ip->is_v4()) return unexpected(AddressError::kMalformed);
    uint16_t port = 0;
    if (!parse_port(port_text, port)) return unexpected(AddressError::kBadPort);
    return SocketAddress(*ip, port);
}

std::string SocketAddress::to_string() const {
    if (ip_.is_v6()) return "[" + ip_.to_string() + "]:" + std::to_string(port_);
    return ip_.to_string() + ":" + std::to_string(port_);
}

size_t SocketAddress::hash() const {
    return ip_.hash() * 31u + port_;
}

// --- IpRange ---

IpRange::IpRange(IpAddress network, uint8_t prefix_length) {
    unsigned max = network.is_v4() ? 32 : 128;
    if (prefix_length > max) prefix_length = static_cast<uint8_t>(max);
    prefix_length_ = prefix_length;
    uint8_t raw[16] = {};
    std::memcpy(raw, network.bytes().data(), network.size());
    for (unsigned bit = prefix_length; bit < max; ++bit) raw[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
    network_ = IpAddress::from_bytes(ByteView(raw, network.size())).value();
}

Result<IpRange, AddressError> IpRange::parse(std::string_view text) {
    size_t slash = text.find('/');
    auto ip = IpAddress::parse(text.substr(0, slash));
    if (!ip) return unexpected(ip.error());
    unsigned max = ip->is_v4() ? 32 : 128;
    if (slash == std::string_view::npos) return IpRange(*ip, static_cast<uint8_t>(max));
    std::string_view prefix = text.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 3) return unexpected(AddressError::kBadPrefix);
    unsigned value = 0;
    for (char c : prefix) {
        if (c < '0' || c > '9') return unexpected(AddressError::kBadPrefix);
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value > max) return unexpected(AddressError::kBadPrefix);
    return IpRange(*ip, static_cast<uint8_t>(value));
}

bool IpRange::contains(const IpAddress& ip) const {
    if (network_.family() == ip.family()) {
        return prefix_equal(network_.bytes().data(), ip.bytes().data(), prefix_length_);
    }
    if (network_.is_v4()) {
        // IPv4 range, IPv6 candidate: only its IPv4-mapped form can match.
        return ip.is_v4_mapped() && contains(ip.unmapped());
    }
    // IPv6 range, IPv4 candidate: compare as ::ffff:a.b.c.d.
    return contains(ip.to_v4_mapped());
}

std::string IpRange::to_string() const {
    return network_.to_string() + "/" + std::to_string(prefix_length_);
}

}  // namespace polyrtc::net
