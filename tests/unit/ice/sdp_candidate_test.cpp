#include "core/ice/sdp_candidate.hpp"

#include <doctest/doctest.h>

namespace polyrtc::ice {

namespace {

sdp::Candidate parse(std::string_view line) {
    return sdp::Candidate::parse(line).value();
}

}  // namespace

TEST_CASE("ice.sdp_candidate: Chromium's UDP host candidates convert, its TCP ones are refused") {
    // tests/data/sdp/chromium-candidates.txt (Chromium 156).
    auto v4 = candidate_from_sdp(
        parse("candidate:2615013543 1 udp 2122194687 192.0.2.2 56726 typ host generation 0 ufrag +r77 network-id 1"));
    REQUIRE(v4.ok());
    CHECK(v4->type == CandidateType::kHost);
    CHECK(v4->address == net::SocketAddress::parse("192.0.2.2:56726").value());
    CHECK(v4->base == v4->address);
    CHECK(v4->priority == 2122194687u);
    CHECK(v4->foundation == "2615013543");
    CHECK(v4->component == 1);
    auto v6 = candidate_from_sdp(
        parse("candidate:2628754455 1 udp 2122265343 fd00::2 59837 typ host generation 0 ufrag +r77 network-id 2"));
    REQUIRE(v6.ok());
    CHECK(v6->address == net::SocketAddress::parse("[fd00::2]:59837").value());
    auto tcp =
        candidate_from_sdp(parse("candidate:3843166783 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active generation "
                                 "0 ufrag +r77 network-id 1"));
    CHECK(tcp.error() == IceError::kUnsupportedTransport);
}

TEST_CASE("ice.sdp_candidate: mDNS host names, other components and port 0 are refused") {
    CHECK(candidate_from_sdp(
              parse("candidate:1 1 udp 2122260223 3b9a5c2e-6f4d-4b8e-9a1c-2d3e4f5a6b7c.local 54321 typ host"))
              .error() == IceError::kUnresolvedAddress);
    CHECK(candidate_from_sdp(parse("candidate:1 2 udp 2122260222 192.0.2.2 54322 typ host")).error() ==
          IceError::kUnsupportedComponent);
    CHECK(candidate_from_sdp(parse("candidate:1 1 udp 2122260223 192.0.2.2 0 typ host")).error() ==
          IceError::kUnsupportedAddress);
}

TEST_CASE("ice.sdp_candidate: srflx and relay candidates keep type, priority and related address") {
    auto srflx = candidate_from_sdp(
        parse("candidate:842163049 1 udp 1677729535 198.51.100.7 40000 typ srflx raddr 192.168.1.2 rport 6000"));
    REQUIRE(srflx.ok());
    CHECK(srflx->type == CandidateType::kServerReflexive);
    CHECK(srflx->related_address == net::SocketAddress::parse("192.168.1.2:6000").value());
    auto relay = candidate_from_sdp(
        parse("candidate:1 1 udp 41885439 203.0.113.5 3478 typ relay raddr 0.0.0.0 rport 0 generation 0"));
    REQUIRE(relay.ok());
    CHECK(relay->type == CandidateType::kRelayed);
    CHECK(relay->priority == 41885439u);
}

TEST_CASE("ice.sdp_candidate: a local relayed candidate is written as Chromium writes one") {
    Candidate c;
    c.type = CandidateType::kRelayed;
    c.address = net::SocketAddress::parse("203.0.113.10:50000").value();
    c.base = c.address;
    c.priority = compute_priority(CandidateType::kRelayed, kDefaultLocalPreference);
    c.foundation = "1234567";
    c.related_address = net::SocketAddress();
    const sdp::Candidate line = candidate_to_sdp(c, std::string_view("abcd"));
    CHECK(
        line.to_string() ==
        "candidate:1234567 1 udp 16777215 203.0.113.10 50000 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag abcd");
    // And back.
    auto back = candidate_from_sdp(sdp::Candidate::parse(line.to_string()).value());
    REQUIRE(back.ok());
    CHECK(*back == c);
}

}  // namespace polyrtc::ice
