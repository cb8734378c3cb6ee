// The ICE candidate grammar (RFC 8839 section 5.1) on browsers' real strings.
#include "core/sdp/candidate.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/sdp/text.hpp"
#include "tests/unit/sdp/sdp_corpus.hpp"

namespace polyrtc::sdp {

TEST_CASE("sdp.candidate: every candidate Chromium trickled parses and prints back identically") {
    auto lines = text::split(corpus::kChromiumCandidates, '\n');
    int count = 0;
    for (auto line : lines) {
        if (line.empty()) continue;
        std::string s(line);
        CAPTURE(s);
        auto c = Candidate::parse(line);
        REQUIRE_MESSAGE(c.ok(), to_string(c.error()));
        CHECK(c->to_string() == line);
        CHECK(c->ufrag == "+r77");
        CHECK(c->generation == 0u);
        ++count;
    }
    CHECK(count == 4);
}

TEST_CASE(
    "sdp.candidate: every candidate Firefox trickled (mDNS names, upper-case transport) prints back identically") {
    int count = 0;
    for (auto line : text::split(corpus::kFirefoxCandidates, '\n')) {
        if (line.empty()) continue;
        auto c = Candidate::parse(line);
        REQUIRE(c.ok());
        CHECK(c->to_string() == line);
        CHECK(c->is_mdns());
        CHECK((c->transport == "UDP" || c->transport == "TCP"));
        ++count;
    }
    CHECK(count == 4);
}

TEST_CASE("sdp.candidate: the relay candidates Chromium and Firefox trickled in interop runs print back identically") {
    // tests/interop/: iceTransportPolicy relay, the relay as TURN server over UDP.
    for (auto text : {corpus::kChromiumInteropCandidates, corpus::kFirefoxInteropCandidates}) {
        int count = 0;
        for (auto line : text::split(text, '\n')) {
            if (line.empty()) continue;
            CAPTURE(std::string(line));
            auto c = Candidate::parse(line);
            REQUIRE_MESSAGE(c.ok(), to_string(c.error()));
            CHECK(c->to_string() == line);
            CHECK(c->type == CandidateType::kRelay);
            CHECK(c->address == "127.0.0.1");
            CHECK(c->is_udp());
            CHECK(c->related_address);
            ++count;
        }
        CHECK(count == 1);
    }
}

TEST_CASE("sdp.candidate: a Chromium host candidate, field by field") {
    auto c = Candidate::parse(
        "candidate:3843166783 1 tcp 1518214911 192.0.2.2 9 typ host tcptype active generation 0 ufrag +r77 "
        "network-id 1");
    REQUIRE(c.ok());
    CHECK(c->foundation == "3843166783");
    CHECK(c->component == 1);
    CHECK(c->transport == "tcp");
    CHECK(c->is_tcp());
    CHECK(c->priority == 1518214911u);
    CHECK(c->address == "192.0.2.2");
    CHECK(c->address_kind() == AddressKind::kIpv4);
    CHECK(c->port == 9);
    CHECK(c->type == CandidateType::kHost);
    CHECK(c->tcp_type == TcpType::kActive);
    CHECK(c->network_id == 1u);
    CHECK(!c->network_cost);
    CHECK(c->extensions.empty());
}

TEST_CASE("sdp.candidate: srflx and relay with raddr/rport, mDNS names, IPv6, network-cost") {
    const char* cases[] = {
        // Chromium srflx and relay, as trickled.
        "candidate:842163049 1 udp 1677729535 203.0.113.9 61023 typ srflx raddr 0.0.0.0 rport 0 generation 0 "
        "ufrag EsAw network-id 1 network-cost 10",
        "candidate:1795430187 1 udp 41885695 198.51.100.20 50211 typ relay raddr 203.0.113.9 rport 61023 "
        "generation 0 ufrag EsAw network-id 1 network-cost 10",
        // Chromium host candidate behind mDNS obfuscation.
        "candidate:1510613869 1 udp 2122260223 9b36eaac-bb2e-49bb-bb78-21c41c499900.local 58357 typ host "
        "generation 0 ufrag EsAw network-cost 999",
        // Firefox forms: upper-case transport, no extensions.
        "candidate:0 1 UDP 2122252543 2001:db8::7 40112 typ host",
        "candidate:1 1 UDP 1686052863 203.0.113.5 54231 typ srflx raddr 192.168.1.10 rport 54231",
        "candidate:4 1 TCP 2105524479 192.168.1.10 9 typ host tcptype passive",
        "candidate:5 2 UDP 92217086 ::ffff:198.51.100.7 61003 typ prflx",
    };
    for (const char* s : cases) {
        std::string text = s;
        CAPTURE(text);
        auto c = Candidate::parse(s);
        REQUIRE_MESSAGE(c.ok(), to_string(c.error()));
        CHECK(c->to_string() == text);
    }
    auto relay = Candidate::parse(cases[1]).value();
    CHECK(relay.type == CandidateType::kRelay);
    CHECK(relay.related_address == "203.0.113.9");
    CHECK(relay.related_port == 61023);
    CHECK(relay.network_cost == 10u);
    auto mdns = Candidate::parse(cases[2]).value();
    CHECK(mdns.is_mdns());
    CHECK(mdns.address_kind() == AddressKind::kHostname);
    CHECK(!Candidate::parse(cases[1]).value().is_mdns());
    auto v6 = Candidate::parse(cases[3]).value();
    CHECK(v6.address_kind() == AddressKind::kIpv6);
    CHECK(v6.is_udp());
    CHECK(Candidate::parse(cases[6]).value().component == 2);
    CHECK(Candidate::parse(cases[6]).value().type == CandidateType::kPrflx);
}

TEST_CASE("sdp.candidate: the a=candidate line form and unknown extensions are kept") {
    auto c = Candidate::parse("a=candidate:1 1 udp 100 192.0.2.1 5000 typ host x-foo bar generation 2 x-baz 1\r\n");
    REQUIRE(c.ok());
    CHECK(c->generation == 2u);
    REQUIRE(c->extensions.size() == 2);
    CHECK(c->extensions[0] == std::pair<std::string, std::string>("x-foo", "bar"));
    // Known extensions are written in Chromium's order, unknown ones after them.
    CHECK(c->to_string() == "candidate:1 1 udp 100 192.0.2.1 5000 typ host generation 2 x-foo bar x-baz 1");
    CHECK(c->to_sdp_line() == "a=" + c->to_string());
}

TEST_CASE("sdp.candidate: malformed candidates fail with the reason") {
    struct Case {
        const char* text;
        CandidateError error;
    };
    const Case cases[] = {
        {"1 1 udp 100 192.0.2.1 5000 typ host", CandidateError::kMissingPrefix},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ", CandidateError::kTooFewFields},
        {"candidate: 1 udp 100 192.0.2.1 5000 typ host", CandidateError::kBadFoundation},
        {"candidate:abc_def 1 udp 100 192.0.2.1 5000 typ host", CandidateError::kBadFoundation},
        {"candidate:123456789012345678901234567890123 1 udp 100 192.0.2.1 5000 typ host",
         CandidateError::kBadFoundation},
        {"candidate:1 0 udp 100 192.0.2.1 5000 typ host", CandidateError::kBadComponent},
        {"candidate:1 257 udp 100 192.0.2.1 5000 typ host", CandidateError::kBadComponent},
        {"candidate:1 1 u(p 100 192.0.2.1 5000 typ host", CandidateError::kBadTransport},
        {"candidate:1 1 udp 4294967296 192.0.2.1 5000 typ host", CandidateError::kBadPriority},
        {"candidate:1 1 udp -1 192.0.2.1 5000 typ host", CandidateError::kBadPriority},
        {"candidate:1 1 udp 100 192.0.2.256 5000 typ host", CandidateError::kBadAddress},
        {"candidate:1 1 udp 100 fe80:::1 5000 typ host", CandidateError::kBadAddress},
        {"candidate:1 1 udp 100 bad_host.local 5000 typ host", CandidateError::kBadAddress},
        {"candidate:1 1 udp 100 192.0.2.1 65536 typ host", CandidateError::kBadPort},
        {"candidate:1 1 udp 100 192.0.2.1 5000 type host", CandidateError::kMissingTyp},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ local", CandidateError::kBadType},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ srflx raddr nowhere! rport 1", CandidateError::kBadRelatedAddress},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ srflx raddr 0.0.0.0 rport x", CandidateError::kBadRelatedPort},
        {"candidate:1 1 tcp 100 192.0.2.1 9 typ host tcptype sideways", CandidateError::kBadTcpType},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ host generation", CandidateError::kBadExtension},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ host generation x", CandidateError::kBadExtension},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ host ufrag a ufrag b", CandidateError::kBadExtension},
        {"candidate:1 1 udp 100 192.0.2.1 5000 typ host  generation 0", CandidateError::kBadExtension},
    };
    for (const auto& c : cases) {
        std::string text = c.text;
        CAPTURE(text);
        auto r = Candidate::parse(c.text);
        REQUIRE(!r.ok());
        CHECK(r.error() == c.error);
        CHECK(std::string(to_string(r.error())).rfind("candidate: ", 0) == 0);
    }
    CHECK(Candidate::parse("candidate:1 1 udp 100 192.0.2.1 5000 typ host x-pad " + std::string(1100, 'a')).error() ==
          CandidateError::kTooLong);
}

TEST_CASE("sdp.candidate: address forms: IPv4, IPv6 compressed and with an IPv4 tail, host names") {
    CHECK(text::is_ipv4("0.0.0.0"));
    CHECK(!text::is_ipv4("01.2.3.4"));
    CHECK(!text::is_ipv4("1.2.3"));
    CHECK(text::is_ipv6("::"));
    CHECK(text::is_ipv6("::1"));
    CHECK(text::is_ipv6("fd00::2"));
    CHECK(text::is_ipv6("2001:db8:0:0:0:0:0:1"));
    CHECK(text::is_ipv6("::ffff:192.0.2.1"));
    CHECK(!text::is_ipv6("2001:db8:0:0:0:0:0:0:1"));
    CHECK(!text::is_ipv6(":1"));
    CHECK(!text::is_ipv6("1::2::3"));
    CHECK(!text::is_ipv6("12345::"));
    CHECK(text::is_fqdn("9b36eaac-bb2e-49bb-bb78-21c41c499900.local"));
    CHECK(text::is_fqdn("turn.example.org"));
    CHECK(!text::is_fqdn("-bad.local"));
    CHECK(!text::is_fqdn("1.2.3.999"));
}

}  // namespace polyrtc::sdp
