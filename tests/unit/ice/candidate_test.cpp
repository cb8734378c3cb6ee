#include "core/ice/candidate.hpp"

#include <doctest/doctest.h>

#include "core/ice/credentials.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::ice {

TEST_CASE("ice.candidate: priorities follow the RFC 8445 formula and type preferences") {
    // (2^24)*126 + (2^8)*65535 + (256 - 1)
    CHECK(compute_priority(CandidateType::kHost, 65535) == 2130706431u);
    CHECK(compute_priority(CandidateType::kPeerReflexive, 65535) == 1862270975u);
    CHECK(compute_priority(CandidateType::kServerReflexive, 65535) == 1694498815u);
    // A relayed candidate: type preference 0, so only local preference and component remain.
    CHECK(compute_priority(CandidateType::kRelayed, 65535) == 16777215u);
    CHECK(compute_priority(CandidateType::kRelayed, 0, 2) == 254u);
    // Chromium 156 capture (tests/data/sdp on branch sdp): "udp 2122194687 ... typ host" = local preference 32286
    CHECK(compute_priority(CandidateType::kHost, 32286) == 2122194687u);
}

TEST_CASE("ice.candidate: pair priority puts the smaller priority high and breaks ties by role") {
    const uint64_t g = 2130706431u;
    const uint64_t d = 16777215u;
    CHECK(pair_priority(2130706431u, 16777215u) == (d << 32) + 2 * g + 1);
    CHECK(pair_priority(16777215u, 2130706431u) == (d << 32) + 2 * g);
    CHECK(pair_priority(5, 5) == (uint64_t{5} << 32) + 10);
}

TEST_CASE("ice.candidate: foundations are equal exactly when type, base and server are equal") {
    const auto base = net::IpAddress::parse("192.0.2.10").value();
    const auto other = net::IpAddress::parse("192.0.2.11").value();
    const auto turn1 = net::IpAddress::parse("203.0.113.1").value();
    const auto turn2 = net::IpAddress::parse("203.0.113.2").value();
    const std::string f = compute_foundation(CandidateType::kRelayed, base, turn1);
    CHECK(f == compute_foundation(CandidateType::kRelayed, base, turn1));
    CHECK(f != compute_foundation(CandidateType::kRelayed, base, turn2));
    CHECK(f != compute_foundation(CandidateType::kRelayed, other, turn1));
    CHECK(f != compute_foundation(CandidateType::kServerReflexive, base, turn1));
    CHECK(compute_foundation(CandidateType::kHost, base, std::nullopt) !=
          compute_foundation(CandidateType::kRelayed, base, std::nullopt));
    CHECK(f.size() >= 1);
    CHECK(f.size() <= 10);
    CHECK(f.find_first_not_of("0123456789") == std::string::npos);
}

TEST_CASE("ice.candidate: type names are the SDP cand-type tokens") {
    CHECK(std::string(to_string(CandidateType::kHost)) == "host");
    CHECK(std::string(to_string(CandidateType::kServerReflexive)) == "srflx");
    CHECK(std::string(to_string(CandidateType::kPeerReflexive)) == "prflx");
    CHECK(std::string(to_string(CandidateType::kRelayed)) == "relay");
}

TEST_CASE("ice.credentials: generated credentials follow the RFC 8839 grammar and differ per draw") {
    auto rng = polyrtc::testing::seeded_rng("ice.credentials");
    const IceCredentials a = IceCredentials::generate(rng);
    const IceCredentials b = IceCredentials::generate(rng);
    CHECK(a.ufrag.size() == 4);
    CHECK(a.pwd.size() == 24);
    CHECK(IceCredentials::validate(a.ufrag, a.pwd).ok());
    CHECK(a != b);
}

TEST_CASE("ice.credentials: validation rejects short, long and non-ice-char values") {
    CHECK(IceCredentials::validate("abc", "0123456789012345678901").error() == CredentialsError::kBadUfrag);
    CHECK(IceCredentials::validate("ab:d", "0123456789012345678901").error() == CredentialsError::kBadUfrag);
    CHECK(IceCredentials::validate("abcd", "012345678901234567890").error() == CredentialsError::kBadPassword);
    CHECK(IceCredentials::validate("abcd", "01234567890123456789 1").error() == CredentialsError::kBadPassword);
    CHECK(IceCredentials::validate(std::string(257, 'a'), "0123456789012345678901").error() ==
          CredentialsError::kBadUfrag);
    CHECK(IceCredentials::validate("+/aZ", "0123456789012345678901").ok());
}

}  // namespace polyrtc::ice
