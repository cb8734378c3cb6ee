#include "relay/turn/peer_policy.hpp"

#include <doctest/doctest.h>

namespace polyrtc::relay::turn {
namespace {
net::IpAddress ip(const char* text) {
    return net::IpAddress::parse(text).value();
}
}  // namespace

TEST_CASE("relay.peer_policy: ranges in CIDR, single-address and coturn first-last forms") {
    auto cidr = PeerRange::parse("10.0.0.0/8");
    REQUIRE(cidr.ok());
    CHECK(cidr->contains(ip("10.255.255.255")));
    CHECK_FALSE(cidr->contains(ip("11.0.0.0")));
    CHECK(cidr->contains(ip("::ffff:10.1.2.3")));  // IPv4-mapped form of a member
    auto dash = PeerRange::parse("172.16.0.0-172.31.255.255");
    REQUIRE(dash.ok());
    CHECK(dash->contains(ip("172.20.1.1")));
    CHECK_FALSE(dash->contains(ip("172.32.0.0")));
    auto single = PeerRange::parse("192.0.2.7");
    REQUIRE(single.ok());
    CHECK(single->contains(ip("192.0.2.7")));
    CHECK_FALSE(single->contains(ip("192.0.2.8")));
    auto v6 = PeerRange::parse("fc00::/7");
    REQUIRE(v6.ok());
    CHECK(v6->contains(ip("fd12::1")));
    CHECK_FALSE(v6->contains(ip("10.0.0.1")));
    auto v6dash = PeerRange::parse("fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    REQUIRE(v6dash.ok());
    CHECK(v6dash->contains(ip("fe80::1")));
    auto mapped = PeerRange::parse("::ffff:10.0.0.0/104");
    REQUIRE(mapped.ok());
    CHECK(mapped->contains(ip("10.9.9.9")));
    CHECK_FALSE(PeerRange::parse("10.0.0.9-10.0.0.1").ok());  // reversed
    CHECK_FALSE(PeerRange::parse("10.0.0.1-fe80::1").ok());   // mixed families
    CHECK_FALSE(PeerRange::parse("10.0.0.0/33").ok());
    CHECK_FALSE(PeerRange::parse("example.org").ok());
}

TEST_CASE("relay.peer_policy: the default refuses everything but global unicast") {
    PeerPolicy policy;
    CHECK(policy.permits(ip("93.184.216.34")));
    CHECK(policy.permits(ip("2606:2800:220:1::1")));
    CHECK(policy.check(ip("127.0.0.1")) == PeerVerdict::kLoopback);
    CHECK(policy.check(ip("::1")) == PeerVerdict::kLoopback);
    CHECK(policy.check(ip("::ffff:127.0.0.1")) == PeerVerdict::kLoopback);  // IPv4-mapped
    CHECK(policy.check(ip("0.0.0.0")) == PeerVerdict::kUnspecified);
    CHECK(policy.check(ip("::")) == PeerVerdict::kUnspecified);
    for (const char* bad : {"10.0.0.1", "172.16.0.1", "192.168.0.1", "100.64.0.1", "169.254.0.1", "169.254.169.254",
                            "224.0.0.251", "255.255.255.255", "240.0.0.1", "192.0.2.1", "fc00::1", "fe80::1", "ff02::1",
                            "fd00:ec2::254", "::ffff:192.168.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1"}) {
        CHECK_MESSAGE(policy.check(ip(bad)) == PeerVerdict::kNonGlobal, bad);
    }
}

TEST_CASE("relay.peer_policy: allowed ranges win over denied ones; loopback needs its own flag") {
    PeerPolicy policy;
    policy.allowed.push_back(PeerRange::parse("10.1.0.0/16").value());
    policy.allowed.push_back(PeerRange::parse("127.0.0.1").value());
    policy.denied.push_back(PeerRange::parse("10.0.0.0/8").value());
    policy.denied.push_back(PeerRange::parse("8.8.8.0/24").value());
    CHECK(policy.permits(ip("10.1.2.3")));
    CHECK(policy.check(ip("10.2.0.1")) == PeerVerdict::kDeniedRange);
    CHECK(policy.check(ip("8.8.8.8")) == PeerVerdict::kDeniedRange);
    CHECK(policy.permits(ip("8.8.4.4")));
    CHECK(policy.check(ip("127.0.0.1")) == PeerVerdict::kLoopback);  // allowed range is not enough
    policy.allow_loopback_peers = true;
    CHECK(policy.permits(ip("127.0.0.1")));
    CHECK(policy.permits(ip("127.0.0.2")));
    policy.denied.push_back(PeerRange::parse("127.0.0.2").value());
    CHECK(policy.check(ip("127.0.0.2")) == PeerVerdict::kDeniedRange);
    CHECK(policy.check(ip("0.0.0.0")) == PeerVerdict::kUnspecified);
}

}  // namespace polyrtc::relay::turn
