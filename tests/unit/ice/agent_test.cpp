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
using testing::Peer;
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
    // Both check at t=0 and both answers arrive at 40 ms, so the pair has succeeded on both
    // sides (the triggered check Z queued when A's check crossed its own is then skipped).
    // A's nomination waits for its Ta slot (50 ms) and reaches Z at 70 ms: Z selects. Z's
    // answer reaches A at 90 ms: A selects.
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
    // Once selected, only consent checks follow (the first at least 2 s later): A sent its
    // check and its nomination, Z its one check, and nothing else.
    p.run_for(Duration::millis(1900));
    CHECK(p.a().agent.stats().requests_sent == 2);
    CHECK(p.z().agent.stats().requests_sent == 1);
    CHECK(p.a().agent.stats().retransmissions == 0);
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

    // Z's answer: same transaction, XOR-MAPPED-ADDRESS is A's address, authenticated with
    // Z's password.
    REQUIRE(p.run_until([&] { return p.a().agent.stats().responses_received > 0; }, Duration::seconds(1)));
    std::optional<stun::Message> answer;
    Bytes answer_raw;
    for (const Bytes& sent_raw : p.z().sent) {
        auto m = stun::Message::parse(sent_raw).value();
        if (m.transaction_id() == msg.transaction_id()) {
            answer = m;
            answer_raw = sent_raw;
        }
    }
    REQUIRE(answer.has_value());
    CHECK(answer->is_success());
    CHECK(answer->get_xor_address(stun::AttributeType::kXorMappedAddress).value() == kA);
    CHECK(stun::check_integrity(answer_raw, stun::short_term_key(z_creds.pwd)).ok());
    CHECK(stun::check_fingerprint(answer_raw).ok());
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

TEST_CASE("ice.agent: both controlling resolve the role conflict with 487 and one becomes controlled") {
    IcePair p("conflict", IceRole::kControlling, IceRole::kControlling);
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const bool a_wins = p.a().agent.tie_breaker() > p.z().agent.tie_breaker();
    Peer& winner = a_wins ? p.a() : p.z();
    Peer& loser = a_wins ? p.z() : p.a();
    CHECK(winner.agent.role() == IceRole::kControlling);
    CHECK(loser.agent.role() == IceRole::kControlled);
    CHECK(winner.roles.empty());
    CHECK(loser.roles == std::vector<IceRole>{IceRole::kControlled});
    // Somebody sent a 487.
    int role_conflicts_sent = 0;
    for (const Bytes& raw : winner.sent) {
        const auto msg = stun::Message::parse(raw).value();
        if (msg.is_error() && msg.get_error_code()->code == 487) ++role_conflicts_sent;
    }
    CHECK(role_conflicts_sent >= 1);
    CHECK(winner.agent.stats().role_conflicts >= 1);
    CHECK(loser.agent.stats().role_conflicts >= 1);
    CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kCompleted});
}

TEST_CASE("ice.agent: both controlled resolve the role conflict and one becomes controlling") {
    IcePair p("conflict-controlled", IceRole::kControlled, IceRole::kControlled);
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const bool a_wins = p.a().agent.tie_breaker() > p.z().agent.tie_breaker();
    Peer& larger = a_wins ? p.a() : p.z();
    Peer& smaller = a_wins ? p.z() : p.a();
    // RFC 8445 section 7.3.1.1: the controlled agent with the larger tie-breaker switches.
    CHECK(larger.agent.role() == IceRole::kControlling);
    CHECK(smaller.agent.role() == IceRole::kControlled);
    CHECK(larger.roles == std::vector<IceRole>{IceRole::kControlling});
    CHECK(smaller.roles.empty());
    CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
}

TEST_CASE("ice.agent: a 487 answer from a controlled peer switches a controlling agent with the smaller tie-breaker") {
    // Drive A by hand: Z is a scripted controlling peer with a huge tie-breaker.
    IcePair p("487-by-hand");
    p.add_host(0, "10.0.0.1:5000");
    const IceCredentials z_creds{"ZZZZ", "zzzzzzzzzzzzzzzzzzzzzzzz"};
    REQUIRE(p.a().agent.set_remote_credentials(p.now(), z_creds.ufrag, z_creds.pwd).ok());
    Candidate remote;
    remote.type = CandidateType::kHost;
    remote.address = kZ;
    remote.priority = compute_priority(CandidateType::kHost, 65535);
    remote.foundation = "1";
    p.signal_candidate(remote, 0);
    REQUIRE(p.a().sent.size() == 1);
    const auto check = stun::Message::parse(p.a().sent[0]).value();
    auto error = stun::Message::response_to(check, stun::MessageClass::kErrorResponse);
    error.add_error_code(stun::ErrorCode::kRoleConflict);
    const Bytes answer = error.serialize_with_integrity(stun::short_term_key(z_creds.pwd), true);
    p.inject(0, kA, kZ, answer);
    CHECK(p.a().agent.role() == IceRole::kControlled);
    CHECK(p.a().roles == std::vector<IceRole>{IceRole::kControlled});
    // The check is retried (a triggered check in the next Ta slot) as controlled.
    p.run_for(Duration::millis(60));
    REQUIRE(p.a().sent.size() >= 2);
    const auto retry = stun::Message::parse(p.a().sent[1]).value();
    CHECK(retry.get_u64(stun::AttributeType::kIceControlled).value() == p.a().agent.tie_breaker());
    CHECK(retry.transaction_id() != check.transaction_id());
}

TEST_CASE("ice.agent: a candidate trickled two seconds late still connects") {
    IcePair p("trickle-late");
    const Candidate ca = p.add_host(0, "10.0.0.1:5000");
    const Candidate cz = p.add_host(1, "10.0.0.2:6000");
    p.signal_credentials(0, 1);
    p.signal_credentials(1, 0);
    // Z learns A's candidate now; A learns Z's only after 2 s.
    p.signal_candidate(ca, 1);
    // Z checks A and A answers (section 7.3: A needs no remote candidate to answer); A learns
    // Z as peer-reflexive and its triggered check makes the pair succeed both ways.
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(2)));
    CHECK(p.now().as_millis() < 200);
    const auto a_remote = p.a().agent.remote_candidates();
    REQUIRE(a_remote.size() == 1);
    CHECK(a_remote[0].type == CandidateType::kPeerReflexive);
    CHECK(a_remote[0].address == kZ);
    // The signaled candidate arrives late and replaces the peer-reflexive one (RFC 8838).
    p.run_for(Duration::seconds(2));
    p.signal_candidate(cz, 0);
    const auto replaced = p.a().agent.remote_candidates();
    REQUIRE(replaced.size() == 1);
    CHECK(replaced[0].type == CandidateType::kHost);
    CHECK(replaced[0].priority == cz.priority);
    CHECK(p.a().agent.selected_pair()->remote.type == CandidateType::kHost);
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kConnected});
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kConnected});
}

TEST_CASE("ice.agent: checks arriving before the remote credentials are answered and the triggered check waits") {
    IcePair p("before-credentials");
    const Candidate ca = p.add_host(0, "10.0.0.1:5000");
    const Candidate cz = p.add_host(1, "10.0.0.2:6000");
    // A has everything about Z; Z has nothing about A yet (its answer is still in signaling).
    p.signal_credentials(1, 0);
    p.signal_candidate(cz, 0);
    p.run_for(Duration::millis(300));
    // Z answered A's checks with its own password, learned A as peer-reflexive, but could not
    // send its triggered check: it has no password to sign it with.
    CHECK(p.z().agent.stats().responses_sent >= 1);
    CHECK(p.z().agent.stats().requests_sent == 0);
    CHECK(p.z().agent.connection_state() == State::kNew);
    CHECK(p.z().agent.remote_candidates().size() == 1);
    // A's pair succeeded and its nomination was answered, so A has selected it (section
    // 8.1.2); Z only accepts the nomination once its own triggered check succeeds.
    CHECK(p.a().agent.connection_state() == State::kConnected);
    CHECK_FALSE(p.z().agent.selected_pair().has_value());
    // The remote description reaches Z: its queued triggered check goes out at once.
    const uint64_t before = p.z().agent.stats().requests_sent;
    p.signal_credentials(0, 1);
    CHECK(p.z().agent.stats().requests_sent == before + 1);
    p.signal_candidate(ca, 1);
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(5)));
    CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kConnected});
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kConnected});
}

TEST_CASE("ice.agent: a peer behind a NAT is discovered as peer-reflexive and selected") {
    IcePair p("prflx");
    const Candidate ca = p.add_host(0, "10.0.0.1:5000");
    // Z's host address is private and unreachable; the network shows it as 198.51.100.7:40000.
    const net::SocketAddress z_local = addr("192.168.1.2:6000");
    const net::SocketAddress z_public = addr("198.51.100.7:40000");
    p.attach_nat(1, z_local, z_public);
    LocalCandidateSpec spec;
    spec.type = CandidateType::kHost;
    spec.address = z_local;
    spec.base = z_local;
    const Candidate cz = p.z().agent.add_local_candidate(p.now(), spec).value();
    p.connect_credentials_and(ca, cz);
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const auto selected = *p.a().agent.selected_pair();
    CHECK(selected.remote.type == CandidateType::kPeerReflexive);
    CHECK(selected.remote.address == z_public);
    // PRIORITY of Z's check: Z's host candidate as peer-reflexive.
    CHECK(selected.remote.priority == compute_priority(CandidateType::kPeerReflexive, kDefaultLocalPreference));
    CHECK(p.z().agent.selected_pair()->local.address == z_local);
    CHECK(p.z().agent.selected_pair()->remote.address == kA);
    // A's checks to the private address went nowhere; that pair is still being retried or failed.
    bool host_pair_seen = false;
    for (const auto& pair : p.a().agent.pairs()) {
        if (pair.remote.address == z_local) {
            host_pair_seen = true;
            CHECK_FALSE(pair.nominated);
        }
    }
    CHECK(host_pair_seen);
}

TEST_CASE("ice.agent: 30 percent loss still connects, every seed of twenty") {
    int64_t total_ms = 0;
    int64_t worst_ms = 0;
    uint64_t dropped = 0;
    uint64_t sent = 0;
    for (int seed = 0; seed < 20; ++seed) {
        IcePair p("loss30-" + std::to_string(seed));
        p.loss = 0.3;
        p.reorder_jitter = Duration::millis(10);
        p.connect_basic();
        REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(30)));
        CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
        dropped += p.dropped_by_network;
        sent += p.a().sent.size() + p.z().sent.size();
        const int64_t ms = p.now().as_millis();
        total_ms += ms;
        worst_ms = std::max(worst_ms, ms);
        // Only the documented states, in a legal order.
        CHECK(p.a().states.front() == State::kChecking);
        CHECK(p.a().states.back() == State::kCompleted);
    }
    MESSAGE("time to connected, 30% loss, 20 ms one-way + 0-10 ms jitter, 20 seeds: mean "
            << total_ms / 20 << " ms, worst " << worst_ms << " ms");
    CHECK(worst_ms < 10000);
    // The network really lost about 30% of what the agents sent.
    CHECK(static_cast<double>(dropped) / static_cast<double>(sent) > 0.2);
    CHECK(static_cast<double>(dropped) / static_cast<double>(sent) < 0.4);
}

TEST_CASE("ice.agent: reordered and delayed packets still connect") {
    IcePair p("reorder");
    p.latency = Duration::millis(5);
    p.reorder_jitter = Duration::millis(200);
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
    CHECK(p.a().agent.stats().dropped_total() == 0);
}

TEST_CASE("ice.agent: total loss after connecting gives disconnected after 5 s and failed after 30 s") {
    IcePair p("blackout");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    p.run_for(Duration::seconds(10));
    p.blackout = true;
    const Timestamp blackout_at = p.now();
    p.run_for(Duration::seconds(40));
    for (Peer* peer : {&p.a(), &p.z()}) {
        CAPTURE(peer->name);
        CHECK(peer->states ==
              std::vector<State>{State::kChecking, State::kCompleted, State::kDisconnected, State::kFailed});
        const Timestamp last = *peer->last_response_received;
        CHECK(last <= blackout_at);
        CHECK(blackout_at - last <= Duration::seconds(3));  // consent checks at most 3 s apart
        CHECK(*peer->time_of(State::kDisconnected) == last + Duration::seconds(5));
        CHECK(*peer->time_of(State::kFailed) == last + Duration::seconds(30));
        REQUIRE(peer->selected.size() == 2);
        CHECK_FALSE(peer->selected[1].has_value());
        CHECK_FALSE(peer->agent.can_send());
        // Once a consent check is unanswered they go out every 0.5 s (x0.8..1.2).
        size_t weak_checks = 0;
        for (size_t i = 0; i < peer->sent_times.size(); ++i) {
            if (peer->sent_times[i] > last + Duration::millis(3100) &&
                peer->sent_times[i] < last + Duration::seconds(30)) {
                ++weak_checks;
            }
        }
        CHECK(weak_checks >= 40);
        CHECK(weak_checks <= 70);
    }
    // After failure nothing more is sent.
    const size_t sent = p.a().sent.size();
    p.run_for(Duration::seconds(60));
    CHECK(p.a().sent.size() == sent);
}

TEST_CASE("ice.agent: traffic on the selected pair keeps it out of disconnected, but consent still needs STUN") {
    IcePair p("activity");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    REQUIRE(p.a().selected.size() == 1);
    const CandidatePairInfo pair = *p.a().selected[0];
    p.blackout = true;  // every STUN message is lost from here on: no consent responses
    const Timestamp blackout_at = p.now();
    // A keeps receiving DTLS from the selected remote every 20 ms, as on a busy data channel;
    // the same bytes from another address say nothing about the pair.
    const net::SocketAddress stranger = net::SocketAddress::parse("198.51.100.7:40000").value();
    auto run_with_traffic = [&](Duration until) {
        while (p.now() - blackout_at < until) {
            p.a().agent.handle_activity(p.now(), pair.local.base, pair.remote.address);
            p.z().agent.handle_activity(p.now(), pair.remote.address, stranger);
            p.run_for(Duration::millis(20));
        }
    };
    run_with_traffic(Duration::seconds(20));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kCompleted, State::kDisconnected});
    // RFC 7675: consent expires 30 s after the last STUN response, whatever else arrives.
    run_with_traffic(Duration::seconds(40));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted, State::kFailed});
    CHECK_FALSE(p.a().agent.can_send());
}

TEST_CASE("ice.agent: a short outage gives disconnected then connected again") {
    IcePair p("outage");
    p.connect_basic(false);
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    p.blackout = true;
    p.run_for(Duration::seconds(8));
    p.blackout = false;
    p.run_for(Duration::seconds(2));
    CHECK(p.a().states ==
          std::vector<State>{State::kChecking, State::kConnected, State::kDisconnected, State::kConnected});
    CHECK(p.z().states ==
          std::vector<State>{State::kChecking, State::kConnected, State::kDisconnected, State::kConnected});
    CHECK(p.a().agent.can_send());
    CHECK(p.a().selected.size() == 1);
}

TEST_CASE("ice.agent: consent refresh keeps the pair connected for 10 simulated minutes") {
    IcePair p("consent");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const Timestamp start = p.now();
    const size_t sent_before = p.a().sent.size();
    p.run_for(Duration::seconds(600));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(p.z().states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(p.a().agent.can_send());
    // Requests every 2.5 s x[0.8, 1.2]: gaps of 2..3 s, about 240 in 600 s.
    std::vector<Timestamp> requests;
    for (size_t i = sent_before; i < p.a().sent.size(); ++i) {
        if (stun::Message::parse(p.a().sent[i]).value().is_request()) requests.push_back(p.a().sent_times[i]);
    }
    CHECK(requests.size() >= 200);
    CHECK(requests.size() <= 300);
    for (size_t i = 1; i < requests.size(); ++i) {
        CHECK(requests[i] - requests[i - 1] >= Duration::millis(2000));
        CHECK(requests[i] - requests[i - 1] <= Duration::millis(3000));
    }
    CHECK(requests.front() - start <= Duration::seconds(3));
    CHECK(p.a().agent.stats().dropped_total() == 0);
    CHECK(p.z().agent.stats().dropped_total() == 0);
}

TEST_CASE("ice.agent: unreachable peer with end-of-candidates fails after the RFC retransmission schedule") {
    IcePair p("unreachable");
    p.blackout = true;
    p.connect_basic();
    p.run_for(Duration::seconds(60));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kFailed});
    // Requests at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s (RTO 500 ms doubling, Rc = 7), then
    // Rm * RTO = 8 s of silence: the pair fails at 39.5 s.
    std::vector<int64_t> times;
    for (Timestamp t : p.a().sent_times) times.push_back(t.as_millis());
    CHECK(times == std::vector<int64_t>{0, 500, 1500, 3500, 7500, 15500, 31500});
    CHECK(p.a().time_of(State::kFailed)->as_millis() == 39500);
    CHECK(p.a().agent.stats().retransmissions == 6);
    CHECK(p.a().agent.pairs().at(0).state == PairState::kFailed);
}

TEST_CASE("ice.agent: without end-of-candidates a failed checklist keeps checking") {
    IcePair p("unreachable-trickle");
    p.blackout = true;
    p.connect_basic(false);
    p.run_for(Duration::seconds(60));
    CHECK(p.a().states == std::vector<State>{State::kChecking});
    p.signal_end_of_candidates(0);
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kFailed});
}

TEST_CASE("ice.agent: an agent with nothing remote stays new and asks for no timer") {
    IcePair p("idle");
    p.add_host(0, "10.0.0.1:5000");
    p.gathering_complete(0);
    CHECK(p.a().agent.connection_state() == State::kNew);
    CHECK(p.a().states.empty());
    CHECK_FALSE(p.a().agent.poll_timeout().has_value());
    CHECK(p.a().sent.empty());
    // Remote candidates without credentials: pairs exist but cannot be checked yet.
    Candidate remote;
    remote.address = kZ;
    remote.priority = 1;
    remote.foundation = "x";
    p.signal_candidate(remote, 0);
    CHECK(p.a().agent.connection_state() == State::kNew);
    CHECK(p.a().agent.pairs().size() == 1);
    CHECK(p.a().agent.pairs()[0].state == PairState::kWaiting);
    CHECK(p.a().sent.empty());
}

TEST_CASE("ice.agent: ICE restart after the path changes recovers on a new candidate") {
    IcePair p("restart-path");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const IceCredentials old_a = p.a().agent.local_credentials();
    // A's relay allocation dies (in a page: the WebSocket reconnects and allocates again).
    p.detach(kA);
    REQUIRE(p.run_until(
        [&] {
            return p.a().agent.connection_state() == State::kDisconnected &&
                   p.z().agent.connection_state() == State::kDisconnected;
        },
        Duration::seconds(10)));
    const Timestamp restart_at = p.now();
    // The owners restart ICE (A offers with new credentials, Z answers with new ones).
    const IceCredentials new_a = p.a().agent.restart(p.now());
    CHECK(new_a != old_a);
    p.z().agent.restart(p.now());
    p.drain();
    CHECK(p.a().agent.remote_candidates().empty());
    CHECK(p.a().agent.selected_pair().has_value());  // kept until a new pair is selected
    const Candidate new_candidate = p.add_host(0, "10.0.0.3:5001");
    p.signal_credentials(0, 1);
    p.signal_credentials(1, 0);
    for (const Candidate& c : p.a().agent.local_candidates()) p.signal_candidate(c, 1);
    for (const Candidate& c : p.z().agent.local_candidates()) p.signal_candidate(c, 0);
    p.signal_end_of_candidates(0);
    p.signal_end_of_candidates(1);
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    MESSAGE("ICE restart to connected: " << (p.now() - restart_at).as_millis() << " ms");
    CHECK(p.a().states ==
          std::vector<State>{State::kChecking, State::kCompleted, State::kDisconnected, State::kCompleted});
    CHECK(p.z().states ==
          std::vector<State>{State::kChecking, State::kCompleted, State::kDisconnected, State::kCompleted});
    REQUIRE(p.a().selected.size() == 2);
    CHECK(p.a().selected[1]->local.address == new_candidate.address);
    CHECK(p.z().agent.selected_pair()->remote.address == new_candidate.address);
    CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
    // Checks of the new generation use the new credentials.
    std::optional<stun::Message> last_request;
    for (const Bytes& raw : p.a().sent) {
        auto m = stun::Message::parse(raw).value();
        if (m.is_request()) last_request = m;
    }
    REQUIRE(last_request.has_value());
    CHECK(last_request->get_string(stun::AttributeType::kUsername).value() ==
          p.z().agent.local_credentials().ufrag + ":" + new_a.ufrag);
    p.run_for(Duration::seconds(60));
    CHECK(p.a().agent.connection_state() == State::kCompleted);
}

TEST_CASE("ice.agent: ICE restart on a healthy path keeps the old pair with consent until the new one is selected") {
    IcePair p("restart-healthy");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    p.run_for(Duration::seconds(5));
    const IceCredentials old_a = p.a().agent.local_credentials();
    p.a().agent.restart(p.now());
    p.drain();
    // The new generation has nothing to check yet: the old pair carries on with the old
    // credentials, answered on both sides, for longer than the disconnected timeout.
    p.run_for(Duration::seconds(8));
    CHECK(p.a().agent.can_send());
    CHECK(p.a().agent.stats().dropped_total() == 0);
    CHECK(p.z().agent.stats().dropped_total() == 0);
    p.z().agent.restart(p.now());
    p.drain();
    p.signal_credentials(0, 1);
    p.signal_credentials(1, 0);
    for (const Candidate& c : p.a().agent.local_candidates()) p.signal_candidate(c, 1);
    for (const Candidate& c : p.z().agent.local_candidates()) p.signal_candidate(c, 0);
    p.signal_end_of_candidates(0);
    p.signal_end_of_candidates(1);
    REQUIRE(
        p.run_until([&] { return p.a().selected.size() == 2 && p.z().selected.size() == 2; }, Duration::seconds(10)));
    p.run_for(Duration::seconds(1));
    // completed -> connected (restart: the kept pair belongs to the old generation) -> completed.
    CHECK(p.a().states ==
          std::vector<State>{State::kChecking, State::kCompleted, State::kConnected, State::kCompleted});
    CHECK(p.z().states ==
          std::vector<State>{State::kChecking, State::kCompleted, State::kConnected, State::kCompleted});
    CHECK(same_pair(*p.a().agent.selected_pair(), *p.z().agent.selected_pair()));
    CHECK(p.a().agent.stats().dropped_total() == 0);
    // The old generation is forgotten: a check with A's old ufrag is no longer answered.
    auto rng = polyrtc::testing::seeded_rng("restart-healthy-builder");
    stun::Message old_check = stun::Message::create(stun::MessageClass::kRequest, stun::Method::kBinding, rng);
    old_check.add_string(stun::AttributeType::kUsername, old_a.ufrag + ":abcd");
    old_check.add_u32(stun::AttributeType::kPriority, 1);
    old_check.add_u64(stun::AttributeType::kIceControlled, 1);
    const size_t sent = p.a().sent.size();
    p.inject(0, kA, kZ, old_check.serialize_with_integrity(stun::short_term_key(old_a.pwd), true));
    CHECK(p.a().agent.stats().dropped_bad_username == 1);
    CHECK(p.a().sent.size() == sent);
}

TEST_CASE("ice.agent: hostile packets are dropped, counted and never answered") {
    IcePair p("hostile");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    IceAgent& a = p.a().agent;
    const IceCredentials a_creds = a.local_credentials();
    const IceCredentials z_creds = p.z().agent.local_credentials();
    auto rng = polyrtc::testing::seeded_rng("hostile-builder");
    auto check = [&](std::string_view username) {
        stun::Message m = stun::Message::create(stun::MessageClass::kRequest, stun::Method::kBinding, rng);
        m.add_string(stun::AttributeType::kUsername, username);
        m.add_u32(stun::AttributeType::kPriority, 12345);
        m.add_u64(stun::AttributeType::kIceControlled, 7);
        return m;
    };
    const std::string good_username = a_creds.ufrag + ":" + z_creds.ufrag;
    const Bytes valid = check(good_username).serialize_with_integrity(stun::short_term_key(a_creds.pwd), true);
    const IceStats before = a.stats();
    const size_t sent_before = p.a().sent.size();
    const net::SocketAddress attacker = addr("203.0.113.66:9999");

    // Truncated: the header promises more than arrives.
    p.inject(0, kA, attacker, ByteView(valid.data(), valid.size() - 8));
    CHECK(a.stats().dropped_not_stun == before.dropped_not_stun + 1);
    // Not STUN at all (a DTLS record header).
    const Bytes dtls = {22, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    p.inject(0, kA, attacker, dtls);
    CHECK(a.stats().dropped_not_stun == before.dropped_not_stun + 2);
    // Bad FINGERPRINT.
    Bytes bad_crc = valid;
    bad_crc.back() ^= 0x01;
    p.inject(0, kA, attacker, bad_crc);
    CHECK(a.stats().dropped_bad_fingerprint == before.dropped_bad_fingerprint + 1);
    // No FINGERPRINT.
    p.inject(0, kA, attacker, check(good_username).serialize_with_integrity(stun::short_term_key(a_creds.pwd), false));
    CHECK(a.stats().dropped_bad_fingerprint == before.dropped_bad_fingerprint + 2);
    // Wrong USERNAME: another agent's ufrag, a right ufrag for the wrong peer, no colon.
    p.inject(0, kA, attacker,
             check("WXYZ:" + z_creds.ufrag).serialize_with_integrity(stun::short_term_key(a_creds.pwd)));
    p.inject(0, kA, attacker,
             check(a_creds.ufrag + ":QQQQ").serialize_with_integrity(stun::short_term_key(a_creds.pwd)));
    p.inject(0, kA, attacker, check(a_creds.ufrag).serialize_with_integrity(stun::short_term_key(a_creds.pwd)));
    CHECK(a.stats().dropped_bad_username == before.dropped_bad_username + 3);
    // Bad MESSAGE-INTEGRITY: signed with the wrong password, or not signed.
    p.inject(0, kA, attacker, check(good_username).serialize_with_integrity(stun::short_term_key(z_creds.pwd)));
    stun::SerializeOptions no_integrity;
    no_integrity.fingerprint = true;
    p.inject(0, kA, attacker, check(good_username).serialize(no_integrity));
    CHECK(a.stats().dropped_bad_integrity == before.dropped_bad_integrity + 2);
    // Authenticated but without PRIORITY.
    stun::Message no_priority = stun::Message::create(stun::MessageClass::kRequest, stun::Method::kBinding, rng);
    no_priority.add_string(stun::AttributeType::kUsername, good_username);
    no_priority.add_u64(stun::AttributeType::kIceControlled, 7);
    p.inject(0, kA, attacker, no_priority.serialize_with_integrity(stun::short_term_key(a_creds.pwd)));
    CHECK(a.stats().dropped_malformed == before.dropped_malformed + 1);
    // A response to nothing we asked.
    stun::Message stray = stun::Message::create(stun::MessageClass::kSuccessResponse, stun::Method::kBinding, rng);
    stray.add_xor_address(stun::AttributeType::kXorMappedAddress, kA);
    p.inject(0, kA, attacker, stray.serialize_with_integrity(stun::short_term_key(z_creds.pwd)));
    CHECK(a.stats().dropped_unknown_transaction == before.dropped_unknown_transaction + 1);
    // A valid check on an address that is not one of A's bases.
    p.inject(0, addr("10.9.9.9:1"), attacker, valid);
    CHECK(a.stats().dropped_unknown_local == before.dropped_unknown_local + 1);
    // Not Binding (an Allocate request).
    stun::Message allocate = stun::Message::create(stun::MessageClass::kRequest, stun::Method::kAllocate, rng);
    p.inject(0, kA, attacker, allocate.serialize_with_integrity(stun::short_term_key(a_creds.pwd)));
    CHECK(a.stats().dropped_not_stun == before.dropped_not_stun + 3);

    CHECK(a.stats().dropped_total() == before.dropped_total() + 13);
    CHECK(p.a().sent.size() == sent_before);   // nothing answered
    CHECK(a.remote_candidates().size() == 1);  // no peer-reflexive candidate from the attacker
    CHECK(a.stats().requests_received == before.requests_received);
    p.run_for(Duration::seconds(5));
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted});

    // The valid check from the attacker's address IS answered: it proves knowledge of the
    // password, and makes the attacker a peer-reflexive candidate (RFC 8445 section 7.3.1.3).
    const uint64_t received = a.stats().requests_received;
    p.inject(0, kA, attacker, valid);
    CHECK(a.stats().requests_received == received + 1);
    CHECK(p.a().sent.size() > sent_before);
    CHECK(a.remote_candidates().size() == 2);
}

TEST_CASE("ice.agent: a response from the wrong address fails the pair (symmetric check)") {
    IcePair p("asymmetric");
    p.add_host(0, "10.0.0.1:5000");
    const IceCredentials z_creds{"ZZZZ", "zzzzzzzzzzzzzzzzzzzzzzzz"};
    REQUIRE(p.a().agent.set_remote_credentials(p.now(), z_creds.ufrag, z_creds.pwd).ok());
    Candidate remote;
    remote.address = kZ;
    remote.priority = compute_priority(CandidateType::kHost, 65535);
    remote.foundation = "1";
    p.signal_candidate(remote, 0);
    REQUIRE(p.a().sent.size() == 1);
    const auto check = stun::Message::parse(p.a().sent[0]).value();
    auto ok = stun::Message::response_to(check, stun::MessageClass::kSuccessResponse);
    ok.add_xor_address(stun::AttributeType::kXorMappedAddress, kA);
    p.inject(0, kA, addr("10.0.0.2:6001"), ok.serialize_with_integrity(stun::short_term_key(z_creds.pwd)));
    CHECK(p.a().agent.pairs().at(0).state == PairState::kFailed);
    CHECK(p.a().agent.stats().responses_received == 1);
}

TEST_CASE("ice.agent: close stops all output and refuses commands") {
    IcePair p("close");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    p.a().agent.close(p.now());
    p.drain();
    CHECK(p.a().states == std::vector<State>{State::kChecking, State::kCompleted, State::kClosed});
    CHECK_FALSE(p.a().selected.back().has_value());
    CHECK_FALSE(p.a().agent.poll_timeout().has_value());
    CHECK_FALSE(p.a().agent.can_send());
    const size_t sent = p.a().sent.size();
    p.run_for(Duration::seconds(10));
    CHECK(p.a().sent.size() == sent);
    CHECK(p.a().agent.stats().dropped_other > 0);  // Z's consent checks, unanswered
    CHECK(p.a().agent.set_remote_credentials(p.now(), "abcd", "0123456789012345678901").error() == IceError::kClosed);
    CHECK(p.a().agent.add_remote_candidate(p.now(), Candidate{}).error() == IceError::kClosed);
}

TEST_CASE("ice.agent: bad remote input to commands is refused with an error") {
    IcePair p("commands");
    IceAgent& a = p.a().agent;
    CHECK(a.set_remote_credentials(p.now(), "ab", "0123456789012345678901").error() == IceError::kBadCredentials);
    Candidate c;
    c.address = kZ;
    c.component = 2;
    CHECK(a.add_remote_candidate(p.now(), c).error() == IceError::kUnsupportedComponent);
    c.component = 1;
    c.address = addr("0.0.0.0:9");
    CHECK(a.add_remote_candidate(p.now(), c).error() == IceError::kUnsupportedAddress);
    c.address = addr("10.0.0.2:0");
    CHECK(a.add_remote_candidate(p.now(), c).error() == IceError::kUnsupportedAddress);
    p.add_host(0, "10.0.0.1:5000");
    LocalCandidateSpec spec;
    spec.type = CandidateType::kHost;
    spec.address = kA;
    CHECK(a.add_local_candidate(p.now(), spec).error() == IceError::kDuplicateCandidate);
    // The remote candidate limit.
    IceConfig small;
    small.max_remote_candidates = 2;
    IcePair q("limits", IceRole::kControlling, IceRole::kControlled, small);
    for (int i = 0; i < 2; ++i) {
        c.address = net::SocketAddress(net::IpAddress::v4(10, 1, 0, static_cast<uint8_t>(i + 1)), 1000);
        CHECK(q.a().agent.add_remote_candidate(q.now(), c).ok());
    }
    c.address = addr("10.1.0.9:1000");
    CHECK(q.a().agent.add_remote_candidate(q.now(), c).error() == IceError::kTooManyCandidates);
    // The same address again is not an error (trickle repeats), and adds nothing.
    c.address = addr("10.1.0.1:1000");
    CHECK(q.a().agent.add_remote_candidate(q.now(), c).ok());
    CHECK(q.a().agent.remote_candidates().size() == 2);
    // IPv6 remote candidates pair only with IPv6 local candidates.
    q.add_host(0, "10.0.0.1:5000");
    CHECK(q.a().agent.pairs().size() == 2);
}

TEST_CASE("ice.agent: failed is terminal until an ICE restart, which recovers") {
    IcePair p("restart-after-failed");
    p.connect_basic();
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    p.blackout = true;
    REQUIRE(p.run_until(
        [&] {
            return p.a().agent.connection_state() == State::kFailed && p.z().agent.connection_state() == State::kFailed;
        },
        Duration::seconds(40)));
    // The path comes back, but without a restart nobody checks again.
    p.blackout = false;
    const size_t a_sent = p.a().sent.size();
    const size_t z_sent = p.z().sent.size();
    p.run_for(Duration::seconds(30));
    CHECK(p.a().sent.size() == a_sent);
    CHECK(p.z().sent.size() == z_sent);
    CHECK_FALSE(p.a().agent.poll_timeout().has_value());
    // Restart: new credentials both ways, candidates again.
    p.a().agent.restart(p.now());
    p.z().agent.restart(p.now());
    p.drain();
    CHECK(p.a().agent.connection_state() == State::kFailed);  // until there is something to check
    p.signal_credentials(0, 1);
    p.signal_credentials(1, 0);
    for (const Candidate& c : p.a().agent.local_candidates()) p.signal_candidate(c, 1);
    for (const Candidate& c : p.z().agent.local_candidates()) p.signal_candidate(c, 0);
    p.signal_end_of_candidates(0);
    p.signal_end_of_candidates(1);
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const std::vector<State> expected{State::kChecking, State::kCompleted, State::kDisconnected,
                                      State::kFailed,   State::kChecking,  State::kCompleted};
    CHECK(p.a().states == expected);
    CHECK(p.z().states == expected);
    CHECK(p.a().agent.can_send());
}

TEST_CASE("ice.agent: pairs sharing a foundation start frozen and pair priorities order the checklist") {
    IcePair p("frozen");
    // Two host candidates on one IP share a foundation (same type, base IP, no server).
    const Candidate a1 = p.add_host(0, "10.0.0.1:5000");
    const Candidate a2 = p.add_host(0, "10.0.0.1:5002");
    CHECK(a1.foundation == a2.foundation);
    LocalCandidateSpec relay;
    relay.type = CandidateType::kRelayed;
    relay.address = addr("203.0.113.10:50000");
    relay.base = relay.address;
    relay.server = net::IpAddress::parse("192.0.2.100").value();
    const Candidate a3 = p.a().agent.add_local_candidate(p.now(), relay).value();
    CHECK(a3.foundation != a1.foundation);
    CHECK(a3.priority == 16777215u);
    Candidate remote;
    remote.type = CandidateType::kHost;
    remote.address = kZ;
    remote.priority = compute_priority(CandidateType::kHost, 65535);
    remote.foundation = "9";
    p.signal_candidate(remote, 0);  // no remote credentials yet: nothing is sent
    const auto pairs = p.a().agent.pairs();
    REQUIRE(pairs.size() == 3);
    // Sorted by pair priority: the two host pairs (equal priority) first, the relay pair last.
    CHECK(pairs[0].priority == pair_priority(a1.priority, remote.priority));
    CHECK(pairs[2].local.type == CandidateType::kRelayed);
    CHECK(pairs[2].priority == pair_priority(a3.priority, remote.priority));
    int waiting = 0;
    int frozen = 0;
    for (const auto& pair : pairs) {
        if (pair.local.type == CandidateType::kHost) {
            waiting += pair.state == PairState::kWaiting ? 1 : 0;
            frozen += pair.state == PairState::kFrozen ? 1 : 0;
        } else {
            CHECK(pair.state == PairState::kWaiting);  // its own foundation
        }
    }
    CHECK(waiting == 1);
    CHECK(frozen == 1);
    // Becoming controlled recomputes pair priorities with the roles swapped (G = remote).
    p.a().agent.set_role(p.now(), IceRole::kControlled);
    p.drain();
    CHECK(p.a().agent.pairs()[2].priority == pair_priority(remote.priority, a3.priority));
    CHECK(p.a().roles == std::vector<IceRole>{IceRole::kControlled});
}

TEST_CASE("ice.agent: regular nomination waits up to 500 ms for a better pair, then takes the working one") {
    IcePair p("nomination-wait");
    // A's host candidate is dead (its packets go nowhere); its relayed one works.
    const Candidate dead = p.add_host(0, "10.0.0.1:5000");
    p.detach(dead.address);
    const net::SocketAddress relayed = addr("203.0.113.10:50000");
    p.attach(0, relayed);
    LocalCandidateSpec relay;
    relay.type = CandidateType::kRelayed;
    relay.address = relayed;
    relay.base = relayed;
    relay.server = net::IpAddress::parse("192.0.2.100").value();
    const Candidate good = p.a().agent.add_local_candidate(p.now(), relay).value();
    const Candidate cz = p.add_host(1, "10.0.0.2:6000");
    p.gathering_complete(0);
    p.gathering_complete(1);
    p.signal_credentials(0, 1);
    p.signal_credentials(1, 0);
    p.signal_candidate(good, 1);
    p.signal_candidate(dead, 1);
    p.signal_candidate(cz, 0);
    REQUIRE(p.run_until([&] { return p.both_connected(); }, Duration::seconds(10)));
    const auto selected = *p.a().agent.selected_pair();
    CHECK(selected.local.address == relayed);
    // The relay pair succeeded at about 100 ms (host pair checked first at 0 ms, relay pair
    // at 50 ms, 20 ms each way); the host pair, of higher priority, was still being retried,
    // so A waited nomination_wait = 500 ms before nominating, plus the Ta slot and a round trip.
    const int64_t a_connected = p.a().time_of(State::kConnected)->as_millis();
    CHECK(a_connected >= 600);
    CHECK(a_connected <= 700);
    MESSAGE("A selected the relayed pair at " << a_connected << " ms");
    CHECK(same_pair(selected, *p.z().agent.selected_pair()));
}

}  // namespace polyrtc::ice
