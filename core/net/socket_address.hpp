// IP addresses, transport addresses and CIDR ranges, as STUN/TURN and the relay's peer
// policy need them. Pure values: no resolver, no sockets, no OS headers.
//
//   IpAddress      an IPv4 or IPv6 address (RFC 791 / RFC 4291), text form per RFC 5952
//   SocketAddress  ip + port ("192.0.2.1:3478", "[2001:db8::1]:3478")
//   IpRange        a CIDR block ("10.0.0.0/8", "fc00::/7")
//   AddressClass   what kind of address it is (loopback, private, metadata ...), for policy
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"

namespace polyrtc::net {

enum class AddressError {
    kMalformed,  // not an IPv4 or IPv6 literal
    kBadPort,    // missing, non-numeric or > 65535 port
    kBadPrefix,  // CIDR prefix missing, non-numeric or longer than the address
    kBadLength,  // raw address bytes are neither 4 nor 16 long
};
const char* to_string(AddressError error);

enum class AddressFamily : uint8_t {
    kIpv4 = 4,
    kIpv6 = 6,
};
const char* to_string(AddressFamily family);

// What an address is, for the relay's peer policy (RFC 8656 section 21.3 asks servers not to
// relay to the server's own network). `IpAddress::classify` returns the most specific class;
// IPv4-mapped IPv6 (::ffff:a.b.c.d) and NAT64 well-known-prefix (64:ff9b::/96) addresses are
// classified as the IPv4 address they carry.
enum class AddressClass : uint8_t {
    kGlobal,         // ordinary public unicast
    kUnspecified,    // 0.0.0.0, ::
    kLoopback,       // 127.0.0.0/8, ::1
    kPrivate,        // 10/8, 172.16/12, 192.168/16 (RFC 1918); fc00::/7 (RFC 4193); fec0::/10
    kSharedCgnat,    // 100.64.0.0/10 (RFC 6598)
    kLinkLocal,      // 169.254.0.0/16 (RFC 3927); fe80::/10
    kCloudMetadata,  // 169.254.169.254, fd00:ec2::254 (instance metadata services)
    kMulticast,      // 224.0.0.0/4; ff00::/8
    kBroadcast,      // 255.255.255.255
    kDocumentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737); 2001:db8::/32, 3fff::/20
    kReserved,       // 0/8, 192.0.0/24, 198.18/15, 240/4; IPv6 outside 2000::/3, 100::/64 ...
};
const char* to_string(AddressClass address_class);

class IpAddress {
public:
    // 0.0.0.0
    IpAddress() = default;

    static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
    // Host-order 32-bit value, e.g. 0xC0000201 for 192.0.2.1.
    static IpAddress v4(uint32_t host_order);
    static IpAddress v6(const std::array<uint8_t, 16>& bytes);
    // 4 bytes -> IPv4, 16 bytes -> IPv6 (network order), anything else kBadLength.
    static Result<IpAddress, AddressError> from_bytes(ByteView bytes);
    // "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "[2001:db8::1]" (brackets allowed).
    // Zone ids ("fe80::1%eth0") and IPv4 forms other than four decimal octets are rejected.
    static Result<IpAddress, AddressError> parse(std::string_view text);

    AddressFamily family() const { return family_; }
    bool is_v4() const { return family_ == AddressFamily::kIpv4; }
    bool is_v6() const { return family_ == AddressFamily::kIpv6; }
    // 4 or 16 bytes in network order; valid while this object lives.
    ByteView bytes() const { return ByteView(bytes_.data(), is_v4() ? 4 : 16); }
    size_t size() const { return is_v4() ? 4 : 16; }
    // Precondition: is_v4(). Host-order value.
    uint32_t v4_u32() const;

    // ::ffff:a.b.c.d
    bool is_v4_mapped() const;
    // The IPv4 address inside an IPv4-mapped IPv6 address; any other address unchanged.
    IpAddress unmapped() const;
    // IPv4 a.b.c.d -> ::ffff:a.b.c.d; IPv6 unchanged.
    IpAddress to_v4_mapped() const;

    AddressClass classify() const;
    bool is_unspecified() const { return classify() == AddressClass::kUnspecified; }
    bool is_loopback() const { return classify() == AddressClass::kLoopback; }
    bool is_global() const { return classify() == AddressClass::kGlobal; }

    // Dotted quad, or RFC 5952 canonical IPv6 (lower case, longest zero run as "::",
    // IPv4-mapped as "::ffff:192.0.2.1"). No brackets.
    std::string to_string() const;

    // Ordering: IPv4 before IPv6, then by bytes. ::ffff:1.2.3.4 != 1.2.3.4 (compare
    // `unmapped()` values to treat them as equal).
    bool operator==(const IpAddress& o) const { return family_ == o.family_ && bytes_ == o.bytes_; }
    bool operator!=(const IpAddress& o) const { return !(*this == o); }
    bool operator<(const IpAddress& o) const;

    size_t hash() const;

private:
    AddressFamily family_ = AddressFamily::kIpv4;
    std::array<uint8_t, 16> bytes_{};  // IPv4 uses the first 4 bytes; the rest stay zero
};

class SocketAddress {
public:
    SocketAddress() = default;
    SocketAddress(IpAddress ip, uint16_t port) : ip_(ip), port_(port) {}

    // "192.0.2.1:3478", "[2001:db8::1]:3478", "[::ffff:192.0.2.1]:80". An IPv6 address
    // must be bracketed when a port follows; the port is mandatory.
    static Result<SocketAddress, AddressError> parse(std::string_view text);

    const IpAddress& ip() const { return ip_; }
    uint16_t port() const { return port_; }
    AddressFamily family() const { return ip_.family(); }

    // "192.0.2.1:3478" or "[2001:db8::1]:3478".
    std::string to_string() const;

    bool operator==(const SocketAddress& o) const { return ip_ == o.ip_ && port_ == o.port_; }
    bool operator!=(const SocketAddress& o) const { return !(*this == o); }
    bool operator<(const SocketAddress& o) const { return ip_ < o.ip_ || (ip_ == o.ip_ && port_ < o.port_); }

    size_t hash() const;

private:
    IpAddress ip_;
    uint16_t port_ = 0;
};

// A CIDR block. Host bits below the prefix are cleared on construction, so
// "10.1.2.3/8" is the same range as "10.0.0.0/8".
class IpRange {
public:
    // Precondition: prefix_length <= 32 (IPv4) or 128 (IPv6); larger values are clamped.
    IpRange(IpAddress network, uint8_t prefix_length);

    // "10.0.0.0/8", "fc00::/7", "[2001:db8::]/32". A bare address is a single-host range
    // (/32 or /128).
    static Result<IpRange, AddressError> parse(std::string_view text);

    const IpAddress& network() const { return network_; }
    uint8_t prefix_length() const { return prefix_length_; }

    // An IPv4 range also contains the IPv4-mapped IPv6 form of its addresses; an IPv6 range
    // contains an IPv4 address if it contains its IPv4-mapped form (so ::ffff:0:0/96 holds
    // every IPv4 address).
    bool contains(const IpAddress& ip) const;

    // "10.0.0.0/8"
    std::string to_string() const;

    bool operator==(const IpRange& o) const { return network_ == o.network_ && prefix_length_ == o.prefix_length_; }
    bool operator!=(const IpRange& o) const { return !(*this == o); }

private:
    IpAddress network_;
    uint8_t prefix_length_ = 0;
};

// How a TURN client reaches its server (RFC 8656 section 3.1; WebSocket is polyrtc's
// browser transport, ARCHITECTURE.md decision 2). Reliable transports carry STUN requests
// once and frame ChannelData with padding (RFC 8656 section 12.5).
enum class TransportProtocol : uint8_t {
    kUdp,
    kTcp,
    kTls,
    kWebSocket,
};
const char* to_string(TransportProtocol protocol);
inline bool is_reliable(TransportProtocol protocol) {
    return protocol != TransportProtocol::kUdp;
}

}  // namespace polyrtc::net

namespace std {
template <>
struct hash<polyrtc::net::IpAddress> {
    size_t operator()(const polyrtc::net::IpAddress& ip) const { return ip.hash(); }
};
template <>
struct hash<polyrtc::net::SocketAddress> {
    size_t operator()(const polyrtc::net::SocketAddress& address) const { return address.hash(); }
};
}  // namespace std
