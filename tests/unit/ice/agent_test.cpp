// IceAgent pair tests: A and Z wired through the in-memory network of ice_harness.hpp.
// Figures quoted in comments are what these seeds produce; the assertions check the
// documented bounds, and the exact ones where the agent's behaviour is deterministic.
#include "core/ice/agent.hpp"

#include <doctest/doctest.h>

#include "core/stun/integrity.hpp"
#include "core/stun/message.hpp"
#include "tests/unit/ice/ice_harness.hpp"

namespace polyrtc::ice {

using testing::addr;
using testing::IcePair;
using State = IceConnectionState;

namespace {

const net::SocketAddress kA = addr("10.0.0.1:5000");
const net::SocketAddress kZ = addr("10.0.0.2:6000");

bool same_pair(const CandidatePairInfo& a_view, const CandidatePairInfo& z_view) {
    return a_view.local.address == z_view.remote.address && a_view.remote.address == z_view.local.address;
}

}  // namespace

TEST_CASE("ice.agent: two agents reach connected then completed and agree on the selected pair") {
    IcePair p("basic");
    p.connect_basic();
    // A and Z read each other's description: both are checking at once.
    CHECK(p.a().states == std::vector<State>{State::kChecking});
    CHECK(p.z().states == std::vector<State>{State::kChecking});
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const Timestamp connected_at = std::max(*p.a().time_of(State::kCompleted), *p.z().time_of(State::kCompleted));
    MESSAGE("time to connected, 0% loss, 20 ms one-way: " << connected_at.as_millis() << " ms");
    // A checks at t=0 (arrives 20 ms), Z's answer reaches A at 40 ms, A's nomination waits for
    // its Ta slot (50 ms), reaches Z at 70 ms (Z selects), the answer reaches A at 90 ms.
    CHECK(p.z().time_of(State::kCompleted)->as_millis() == 70);
    CHECK(connected_at.as_millis() == 90);
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kCompleted});
    REQUIRE(p.a().selected.size() == 1);
    REQUIRE(p.z().selected.size() == 1);
    CHECK(same_pair(*p.a().selected[0], *p.z().selected[0]));
    CHECK(p.a().agent.selected_pair()->local.address == kA);
    CHECK(p.a().agent.selected_pair()->remote.address == kZ);
    CHECK(p.a().agent.selected_pair()->nominated);
    CHECK(p.a().agent.can_send());
    CHECK(p.z().agent.can_send());
    CHECK(p.a().roles.empty());
    CHECK(p.z().roles.empty());
    CHECK(p.a().agent.stats().dropped_total() == 0);
    CHECK(p.z().agent.stats().dropped_total() == 0);
}

TEST_CASE("ice.agent: without end-of-candidates the agents stop at connected") {
    IcePair p("no-eoc");
    p.connect_basic(false);
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    p.run_for(Duration::seconds(3));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kConnected});
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kConnected});
    // end-of-candidates arrives later: connected -> completed.
    p.signal_end_of_candidates(0);
    p.signal_end_of_candidates(1);
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kConnected, State::kCompleted});
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kConnected, State::kCompleted});
}

TEST_CASE("ice.agent: a connectivity check carries the RFC 8445 attributes and verifies with the remote password") {
    IcePair p("wire");
    p.connect_basic();
    REQUIRE(!p.a().sent.empty());
    const Bytes& raw = p.a().sent[0];
    const auto msg = stun::Message::parse(raw).value();
    CHECK(msg.is_request());
    CHECK(msg.method() == stun::Method::kBinding);
    const IceCredentials& a_creds = p.a().agent.local_credentials();
    const IceCredentials& z_creds = p.z().agent.local_credentials();
    CHECK(msg.get_string(stun::AttributeType::kUsername).value() == z_creds.ufrag + ":" + a_creds.ufrag);
    CHECK(msg.get_u32(stun::AttributeType::kPriority).value() ==
          compute_priority(CandidateType::kPeerReflexive, kDefaultLocalPreference));
    CHECK(msg.get_u64(stun::AttributeType::kIceControlling).value() == p.a().agent.tie_breaker());
    CHECK_FALSE(msg.has(stun::AttributeType::kIceControlled));
    CHECK_FALSE(msg.has(stun::AttributeType::kUseCandidate));  // regular nomination: not yet
    CHECK(stun::check_integrity(raw, stun::short_term_key(z_creds.pwd)).ok());
    CHECK_FALSE(stun::check_integrity(raw, stun::short_term_key(a_creds.pwd)).ok());
    CHECK(stun::check_fingerprint(raw).ok());
    // FINGERPRINT is last and MESSAGE-INTEGRITY right before it.
    const auto& attrs = msg.attributes();
    REQUIRE(attrs.size() >= 2);
    CHECK(attrs[attrs.size() - 1].type == stun::AttributeType::kFingerprint);
    CHECK(attrs[attrs.size() - 2].type == stun::AttributeType::kMessageIntegrity);

    // Z's answer: XOR-MAPPED-ADDRESS is A's address, authenticated with Z's password.
    REQUIRE(p.run_until([&] { return !p.z().sent.empty(); }, Duration::seconds(1)));
    const Bytes& answer_raw = p.z().sent[0];
    const auto answer = stun::Message::parse(answer_raw).value();
    if (answer.is_success()) {
        CHECK(answer.transaction_id() == msg.transaction_id());
        CHECK(answer.get_xor_address(stun::AttributeType::kXorMappedAddress).value() == kA);
        CHECK(stun::check_integrity(answer_raw, stun::short_term_key(z_creds.pwd)).ok());
    } else {
        // Z's own check went first: it must then be a request from Z to A.
        CHECK(answer.is_request());
        CHECK(answer.get_u64(stun::AttributeType::kIceControlled).value() == p.z().agent.tie_breaker());
    }
}

TEST_CASE("ice.agent: the controlling agent nominates with USE-CANDIDATE on a succeeded pair") {
    IcePair p("nominate");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    int with_use_candidate = 0;
    for (const Bytes& raw : p.a().sent) {
        const auto msg = stun::Message::parse(raw).value();
        if (msg.is_request() && msg.has(stun::AttributeType::kUseCandidate)) ++with_use_candidate;
    }
    CHECK(with_use_candidate == 1);
    for (const Bytes& raw : p.z().sent) {
        CHECK_FALSE(stun::Message::parse(raw).value().has(stun::AttributeType::kUseCandidate));
    }
}

TEST_CASE("ice.agent: aggressive nomination puts USE-CANDIDATE on every check and connects") {
    IceConfig aggressive;
    aggressive.nomination = NominationMode::kAggressive;
    IcePair p("aggressive", IceRole::kControlling, IceRole::kControlled, aggressive);
    p.connect_basic();
    const auto first = stun::Message::parse(p.a().sent.at(0)).value();
    CHECK(first.has(stun::AttributeType::kUseCandidate));
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted});
}

}  // namespace polyrtc::ice
