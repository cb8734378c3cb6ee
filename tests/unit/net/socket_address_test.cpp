#include "core/net/socket_address.hpp"

#include <string>
#include <unordered_set>

#include <doctest/doctest.h>

#include "tests/unit/test_rng.hpp"

namespace polyrtc::net {

namespace {
IpAddress ip(const char* text) {
    auto parsed = IpAddress::parse(text);
    REQUIRE_MESSAGE(parsed.ok(), text);
    return *parsed;
}
AddressClass cls(const char* text) {
    return ip(text).classify();
}
}  // namespace

TEST_CASE("net.ip_address: parses and prints IPv4 dotted quads") {
    CHECK(ip("192.0.2.1").is_v4());
    CHECK(ip("192.0.2.1").v4_u32() == 0xC0000201u);
    CHECK(ip("192.0.2.1").to_string() == "192.0.2.1");
    CHECK(ip("0.0.0.0").to_string() == "0.0.0.0");
    CHECK(ip("255.255.255.255").to_string() == "255.255.255.255");
    CHECK(IpAddress::v4(0x0A000001u) == ip("10.0.0.1"));
}

TEST_CASE("net.ip_address: rejects malformed IPv4 including octal-looking and short forms") {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.04", "01.2.3.4", "1..2.3", "1.2.3.4 ",
                            " 1.2.3.4", "a.b.c.d", "1.2.3.-4", "1.2.3.4/8", "127.1", "0x7f.0.0.1"}) {
        CAPTURE(bad);
        CHECK(IpAddress::parse(bad).error() == AddressError::kMalformed);
    }
}

TEST_CASE("net.ip_address: parses IPv6 forms and prints RFC 5952 canonical text") {
    CHECK(ip("::").to_string() == "::");
    CHECK(ip("::1").to_string() == "::1");
    CHECK(ip("2001:DB8:0:0:0:0:0:1").to_string() == "2001:db8::1");
    CHECK(ip("2001:db8::1:0:0:1").to_string() == "2001:db8::1:0:0:1");        // first longest run
    CHECK(ip("2001:0:0:1:0:0:0:1").to_string() == "2001:0:0:1::1");           // longest run wins
    CHECK(ip("2001:db8:0:1:1:1:1:1").to_string() == "2001:db8:0:1:1:1:1:1");  // single 0 not compressed
    CHECK(ip("fe80::").to_string() == "fe80::");
    CHECK(ip("1:2:3:4:5:6:7::").to_string() == "1:2:3:4:5:6:7:0");
    CHECK(ip("::2:3:4:5:6:7:8").to_string() == "0:2:3:4:5:6:7:8");
    CHECK(ip("[2001:db8::1]") == ip("2001:db8::1"));
    CHECK(ip("::ffff:192.0.2.1").to_string() == "::ffff:192.0.2.1");
    CHECK(ip("::ffff:c000:0201") == ip("::ffff:192.0.2.1"));
    CHECK(ip("64:ff9b::192.0.2.33").to_string() == "64:ff9b::c000:221");
}

TEST_CASE("net.ip_address: rejects malformed IPv6") {
    for (const char* bad : {":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::1",
                            "1:2:3:4:5:6:7:8::", ":1::", "1::2:", "fe80::1%eth0", "::1.2.3", "[::1", "::ffff:1.2.3.4:5",
                            "1:2:3:4:5:6:7:1.2.3.4", "[1.2.3.4]"}) {
        CAPTURE(bad);
        CHECK_FALSE(IpAddress::parse(bad).ok());
    }
}

TEST_CASE("net.ip_address: every canonical text form parses back to the same address") {
    auto rng = polyrtc::testing::seeded_rng("net.ip_address round trip");
    for (int i = 0; i < 3000; ++i) {
        std::array<uint8_t, 16> raw{};
        rng.fill(raw.data(), raw.size());
        // Zero some groups so "::" compression is exercised.
        for (int g = 0; g < 8; ++g) {
            if (rng.next_u32() % 2) raw[2 * g] = raw[2 * g + 1] = 0;
        }
        IpAddress v6 = IpAddress::v6(raw);
        CAPTURE(v6.to_string());
        CHECK(IpAddress::parse(v6.to_string()).value() == v6);
        IpAddress v4 = IpAddress::v4(rng.next_u32());
        CHECK(IpAddress::parse(v4.to_string()).value() == v4);
        SocketAddress sa(v6, static_cast<uint16_t>(rng.next_u32()));
        CHECK(SocketAddress::parse(sa.to_string()).value() == sa);
    }
}

TEST_CASE("net.ip_address: random text never crashes the parsers") {
    auto rng = polyrtc::testing::seeded_rng("net.ip_address garbage");
    const std::string alphabet = "0123456789abcdefABCDEF:.[]/%x ";
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        size_t len = rng.next_u32() % 12;
        for (size_t k = 0; k < len; ++k) text.push_back(alphabet[rng.next_u32() % alphabet.size()]);
        auto parsed = IpAddress::parse(text);
        if (parsed.ok()) {
            ++accepted;
            // Anything accepted prints to a form that parses to the same value.
            CHECK(IpAddress::parse(parsed->to_string()).value() == *parsed);
        }
        (void)SocketAddress::parse(text);
        (void)IpRange::parse(text);
    }
    CHECK(accepted > 0);
}

TEST_CASE("net.ip_address: IPv4-mapped IPv6 maps and unmaps") {
    IpAddress mapped = ip("::ffff:10.1.2.3");
    CHECK(mapped.is_v6());
    CHECK(mapped.is_v4_mapped());
    CHECK(mapped.unmapped() == ip("10.1.2.3"));
    CHECK(ip("10.1.2.3").to_v4_mapped() == mapped);
    CHECK(mapped != ip("10.1.2.3"));
    CHECK_FALSE(ip("::10.1.2.3").is_v4_mapped());
    CHECK(ip("2001:db8::1").unmapped() == ip("2001:db8::1"));
}

TEST_CASE("net.ip_address: from_bytes takes 4 or 16 bytes only") {
    Bytes four = {192, 0, 2, 1};
    CHECK(IpAddress::from_bytes(four).value() == ip("192.0.2.1"));
    Bytes sixteen(16, 0);
    sixteen[15] = 1;
    CHECK(IpAddress::from_bytes(sixteen).value() == ip("::1"));
    CHECK(IpAddress::from_bytes(Bytes(5, 0)).error() == AddressError::kBadLength);
    CHECK(IpAddress::from_bytes(Bytes{}).error() == AddressError::kBadLength);
}

TEST_CASE("net.ip_address: classifies IPv4 special ranges") {
    CHECK(cls("0.0.0.0") == AddressClass::kUnspecified);
    CHECK(cls("0.1.2.3") == AddressClass::kReserved);
    CHECK(cls("127.0.0.1") == AddressClass::kLoopback);
    CHECK(cls("127.255.255.254") == AddressClass::kLoopback);
    CHECK(cls("10.0.0.1") == AddressClass::kPrivate);
    CHECK(cls("172.16.0.1") == AddressClass::kPrivate);
    CHECK(cls("172.31.255.255") == AddressClass::kPrivate);
    CHECK(cls("172.32.0.1") == AddressClass::kGlobal);
    CHECK(cls("172.15.255.255") == AddressClass::kGlobal);
    CHECK(cls("192.168.1.1") == AddressClass::kPrivate);
    CHECK(cls("100.64.0.1") == AddressClass::kSharedCgnat);
    CHECK(cls("100.127.255.255") == AddressClass::kSharedCgnat);
    CHECK(cls("100.128.0.0") == AddressClass::kGlobal);
    CHECK(cls("169.254.1.1") == AddressClass::kLinkLocal);
    CHECK(cls("169.254.169.254") == AddressClass::kCloudMetadata);
    CHECK(cls("224.0.0.1") == AddressClass::kMulticast);
    CHECK(cls("239.255.255.250") == AddressClass::kMulticast);
    CHECK(cls("255.255.255.255") == AddressClass::kBroadcast);
    CHECK(cls("240.0.0.1") == AddressClass::kReserved);
    CHECK(cls("192.0.2.1") == AddressClass::kDocumentation);
    CHECK(cls("198.51.100.7") == AddressClass::kDocumentation);
    CHECK(cls("203.0.113.9") == AddressClass::kDocumentation);
    CHECK(cls("198.18.0.1") == AddressClass::kReserved);
    CHECK(cls("192.0.0.8") == AddressClass::kReserved);
    CHECK(cls("8.8.8.8") == AddressClass::kGlobal);
    CHECK(cls("1.1.1.1") == AddressClass::kGlobal);
    CHECK(ip("8.8.8.8").is_global());
}

TEST_CASE("net.ip_address: classifies IPv6 special ranges and IPv4 carried inside IPv6") {
    CHECK(cls("::") == AddressClass::kUnspecified);
    CHECK(cls("::1") == AddressClass::kLoopback);
    CHECK(cls("fc00::1") == AddressClass::kPrivate);
    CHECK(cls("fdff:ffff::1") == AddressClass::kPrivate);
    CHECK(cls("fd00:ec2::254") == AddressClass::kCloudMetadata);
    CHECK(cls("fe80::1") == AddressClass::kLinkLocal);
    CHECK(cls("febf::1") == AddressClass::kLinkLocal);
    CHECK(cls("ff02::1") == AddressClass::kMulticast);
    CHECK(cls("2001:db8::1") == AddressClass::kDocumentation);
    CHECK(cls("3fff::1") == AddressClass::kDocumentation);
    CHECK(cls("100::1") == AddressClass::kReserved);
    CHECK(cls("::2") == AddressClass::kReserved);
    CHECK(cls("2606:4700:4700::1111") == AddressClass::kGlobal);
    // IPv4-mapped and NAT64 addresses are judged by the IPv4 address they reach.
    CHECK(cls("::ffff:127.0.0.1") == AddressClass::kLoopback);
    CHECK(cls("::ffff:10.0.0.1") == AddressClass::kPrivate);
    CHECK(cls("::ffff:169.254.169.254") == AddressClass::kCloudMetadata);
    CHECK(cls("::ffff:8.8.8.8") == AddressClass::kGlobal);
    CHECK(cls("64:ff9b::10.0.0.1") == AddressClass::kPrivate);
    CHECK(cls("64:ff9b::8.8.8.8") == AddressClass::kGlobal);
}

TEST_CASE("net.ip_address: ordering, equality and hashing") {
    CHECK(ip("10.0.0.1") < ip("10.0.0.2"));
    CHECK(ip("255.255.255.255") < ip("::"));
    std::unordered_set<IpAddress> set{ip("10.0.0.1"), ip("10.0.0.1"), ip("::1"), ip("::ffff:10.0.0.1")};
    CHECK(set.size() == 3);
}

TEST_CASE("net.socket_address: parses and prints host:port and [v6]:port") {
    auto a = SocketAddress::parse("192.0.2.1:3478");
    REQUIRE(a.ok());
    CHECK(a->ip() == ip("192.0.2.1"));
    CHECK(a->port() == 3478);
    CHECK(a->to_string() == "192.0.2.1:3478");
    auto b = SocketAddress::parse("[2001:db8::1]:443");
    REQUIRE(b.ok());
    CHECK(b->port() == 443);
    CHECK(b->to_string() == "[2001:db8::1]:443");
    CHECK(SocketAddress::parse("[::ffff:192.0.2.1]:80")->to_string() == "[::ffff:192.0.2.1]:80");
    CHECK(SocketAddress::parse("0.0.0.0:0")->port() == 0);
    CHECK(SocketAddress::parse("1.2.3.4:65535")->port() == 65535);
}

TEST_CASE("net.socket_address: rejects bad ports and ambiguous forms") {
    CHECK(SocketAddress::parse("1.2.3.4").error() == AddressError::kBadPort);
    CHECK(SocketAddress::parse("1.2.3.4:").error() == AddressError::kBadPort);
    CHECK(SocketAddress::parse("1.2.3.4:65536").error() == AddressError::kBadPort);
    CHECK(SocketAddress::parse("1.2.3.4:-1").error() == AddressError::kBadPort);
    CHECK(SocketAddress::parse("1.2.3.4:12a").error() == AddressError::kBadPort);
    CHECK(SocketAddress::parse("[::1]").error() == AddressError::kBadPort);
    CHECK(SocketAddress::parse("[::1]x80").error() == AddressError::kBadPort);
    CHECK(SocketAddress::parse("::1:80").error() == AddressError::kMalformed);
    CHECK(SocketAddress::parse("[1.2.3.4]:80").error() == AddressError::kMalformed);
    CHECK(SocketAddress::parse("[::1:80").error() == AddressError::kMalformed);
    CHECK(SocketAddress::parse("").error() == AddressError::kBadPort);
}

TEST_CASE("net.socket_address: comparable and hashable") {
    auto a = SocketAddress(ip("10.0.0.1"), 1000);
    auto b = SocketAddress(ip("10.0.0.1"), 1001);
    CHECK(a != b);
    CHECK(a < b);
    std::unordered_set<SocketAddress> set{a, b, SocketAddress(ip("10.0.0.1"), 1000)};
    CHECK(set.size() == 2);
}

TEST_CASE("net.ip_range: parses CIDR blocks and tests membership") {
    auto r = IpRange::parse("10.0.0.0/8");
    REQUIRE(r.ok());
    CHECK(r->contains(ip("10.255.0.1")));
    CHECK_FALSE(r->contains(ip("11.0.0.1")));
    CHECK(r->contains(ip("::ffff:10.1.1.1")));
    CHECK_FALSE(r->contains(ip("::1")));
    CHECK(r->to_string() == "10.0.0.0/8");

    auto host_bits = IpRange::parse("172.16.5.4/12");
    REQUIRE(host_bits.ok());
    CHECK(host_bits->to_string() == "172.16.0.0/12");
    CHECK(host_bits->contains(ip("172.31.1.1")));
    CHECK_FALSE(host_bits->contains(ip("172.32.0.0")));

    auto v6 = IpRange::parse("fc00::/7");
    REQUIRE(v6.ok());
    CHECK(v6->contains(ip("fd12::1")));
    CHECK_FALSE(v6->contains(ip("fe80::1")));
    CHECK_FALSE(v6->contains(ip("10.0.0.1")));

    auto mapped = IpRange::parse("::ffff:0:0/96");
    REQUIRE(mapped.ok());
    CHECK(mapped->contains(ip("1.2.3.4")));

    CHECK(IpRange::parse("0.0.0.0/0")->contains(ip("8.8.8.8")));
    CHECK(IpRange::parse("192.0.2.7")->prefix_length() == 32);
    CHECK(IpRange::parse("192.0.2.7")->contains(ip("192.0.2.7")));
    CHECK_FALSE(IpRange::parse("192.0.2.7")->contains(ip("192.0.2.8")));
    CHECK(IpRange::parse("2001:db8::/33")->contains(ip("2001:db8:7fff::1")));
    CHECK_FALSE(IpRange::parse("2001:db8::/33")->contains(ip("2001:db8:8000::1")));
}

TEST_CASE("net.ip_range: rejects bad prefixes") {
    CHECK(IpRange::parse("10.0.0.0/33").error() == AddressError::kBadPrefix);
    CHECK(IpRange::parse("10.0.0.0/").error() == AddressError::kBadPrefix);
    CHECK(IpRange::parse("10.0.0.0/x").error() == AddressError::kBadPrefix);
    CHECK(IpRange::parse("::/129").error() == AddressError::kBadPrefix);
    CHECK(IpRange::parse("10.0.0/8").error() == AddressError::kMalformed);
    CHECK(IpRange::parse("/8").error() == AddressError::kMalformed);
}

}  // namespace polyrtc::net
