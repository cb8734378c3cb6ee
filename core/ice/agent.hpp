// IceAgent: one ICE agent for one data stream with one component (BUNDLE + rtcp-mux), full
// ICE (RFC 8445) with trickle (RFC 8838) and consent freshness (RFC 7675). Sans-IO.
//
// What it does not know: TURN, sockets, SDP. A polyfilled page reaches the network only
// through its TURN allocation, so its owner adds one local candidate, the relayed address,
// and routes every Transmit through the TURN client (Send indication or ChannelData to
// `Transmit::destination`); what the TURN client receives from a peer comes back in through
// handle_receive(now, local = relayed address, from = peer, bytes). In tests the owner routes
// the same calls over an in-memory network with host candidates.
//
// The server-reflexive address a TURN server returns in the Allocate response
// (XOR-MAPPED-ADDRESS) is NOT made a candidate: for a WebSocket client it is the public address
// of a TCP connection, which no UDP peer can reach, and signaling it would only leak the
// user's IP address. Relayed candidates are signaled with raddr 0.0.0.0 rport 0, as Chromium
// does under iceTransportPolicy "relay". Their foundation comes from the TURN server address.
//
// Remote candidates of every type (host, srflx, prflx, relay) are accepted and paired with
// every local candidate of the same address family. Host candidates whose address is an mDNS
// name cannot be resolved by a page without UDP: the owner drops them before they get here.
//
// ---- Method kinds (quinn-style) ----
//   getters       connection_state(), selected_pair(), ... (const, no effects)
//   commands      add_local_candidate(), set_remote_credentials(), add_remote_candidate(),
//                 add_remote_end_of_candidates(), set_local_gathering_complete(), set_role(),
//                 restart(), close()
//   inputs        handle_receive(), handle_timeout()
//   outputs       poll_transmit(), poll_event(), poll_timeout()
// After any command or input, drain poll_transmit() and poll_event() until empty, then arm
// one timer for poll_timeout(). Nothing calls back into the owner. Every command and input
// takes `now`; time never goes backwards (an earlier `now` is treated as the latest seen).
//
// ---- Checks (RFC 8445 section 6.1.4, 7.2) ----
// One check (ordinary or triggered, triggered first) leaves every Ta (config, 50 ms).
// Requests carry USERNAME "remote-ufrag:local-ufrag", PRIORITY (peer-reflexive priority of the
// local candidate), ICE-CONTROLLING or ICE-CONTROLLED with the 64-bit tie-breaker,
// USE-CANDIDATE when nominating, MESSAGE-INTEGRITY keyed with the remote password, FINGERPRINT.
// A request is retransmitted after RTO = max(500 ms, Ta * (waiting + in-progress pairs))
// (section 14.3), doubling, Rc = 7 requests, then Rm = 16 * RTO of silence means failure
// (RFC 8489 section 6.2.1): a pair fails 39.5 s after its first request at the earliest.
// Responses must pass MESSAGE-INTEGRITY (remote password), carry our transaction id, and come
// from the address the request went to, received on the local base it left from (section
// 7.2.5.2.1, "symmetric"); otherwise they are dropped (integrity) or fail the pair (addresses).
//
// ---- Incoming requests (section 7.3) ----
// Answered whenever USERNAME starts with our ufrag and MESSAGE-INTEGRITY verifies with our
// password, even before the remote description (credentials) or any remote candidate is
// known: section 7.3 only needs the local password to authenticate, and answering early is
// what makes trickle fast. The "remote ufrag" half of USERNAME is checked only once the remote
// credentials are known. An unknown source address becomes a peer-reflexive remote candidate
// with the request's PRIORITY (section 7.3.1.3), and the pair gets a triggered check; checks
// that cannot be sent yet (no remote password) are queued and start the moment
// set_remote_credentials() is called. Requests with a bad FINGERPRINT, a wrong USERNAME, bad
// integrity, or missing PRIORITY/role attributes are dropped and counted, not answered
// (RFC 8489 would allow 400/401 replies; replying to hostile input only helps the attacker).
//
// ---- Roles (section 7.3.1.1, 7.2.5.1) ----
// Both controlling: the larger tie-breaker stays controlling; the other is told 487 (Role
// Conflict) or switches itself. A 487 response switches our role and re-checks the pair.
//
// ---- Nomination (section 8.1) ----
// Controlling, regular (default, what Chromium does): when a pair succeeds and no pair of
// higher priority is still pending (or `nomination_wait` after the first success), the
// best succeeded pair is re-checked with USE-CANDIDATE; its success selects it.
// Controlling, aggressive: every check carries USE-CANDIDATE; the first success selects.
// Controlled: USE-CANDIDATE on a succeeded pair nominates it at once; on any other pair it
// triggers a check whose success nominates it. The highest-priority nominated pair is
// selected. Once a pair of the current generation is selected, ICE processing is over
// (section 8.1.2): frozen and waiting pairs are no longer checked (pairs() still lists them in
// their last state); incoming checks are still answered, and a USE-CANDIDATE on another pair
// still triggers the check that can nominate it. Local peer-reflexive candidates (a mapped
// address that matches no local candidate, section 7.2.5.3.1) are not created: the valid pair
// is the checked pair. With relayed candidates the mapped address is the relayed address.
//
// ---- Consent and liveness (RFC 7675, Chromium timings) ----
// The selected pair is checked every `keepalive_interval` (2.5 s) randomized by x[0.8, 1.2],
// and every `weak_keepalive_interval` (0.5 s, same randomization) while the previous consent
// check is unanswered (Chromium's STRONG/WEAK ping intervals; RFC 7675 section 5.1 allows a shorter interval
// than its 5 s default). Each is a fresh transaction, never retransmitted. Only an
// authenticated response from the selected remote address refreshes consent.
//   nothing heard for `disconnected_timeout` (5 s) -> "disconnected"; a response, or DTLS/SRTP
//                                                    on the pair (handle_activity), brings back
//                                                    "connected"
//   no response for `consent_timeout` (30 s)      -> consent lost: selected pair dropped
//                                                    (can_send() false), "failed"
//
// ---- iceConnectionState (W3C webrtc-pc 5.6.5) ----
//   new           nothing to check yet (no remote credentials or no pair)
//   checking      remote credentials and at least one pair, no selected pair
//   connected     a selected pair with consent
//   completed     connected, local gathering complete and remote end-of-candidates received
//   disconnected  selected pair without a response for 5 s
//   failed        consent lost (30 s), or: local gathering complete, remote end-of-candidates
//                 received and every pair failed (RFC 8838 section 8: without
//                 end-of-candidates the agent keeps waiting for candidates, in "checking").
//                 Terminal until restart(), as the spec says: no more checks are sent
//                 (incoming checks are still answered, so the peer can tell).
//   closed        close() was called
// Every change is reported once, in order, as a ConnectionStateChanged event.
//
// ---- ICE restart (section 9) ----
// restart() makes new local credentials and forgets the remote credentials, remote
// candidates and every pair except the selected one, which keeps carrying data and being
// consent-checked with the previous generation's credentials (incoming checks with the old
// ufrag are still answered with the old password) until a pair of the new generation is
// selected. Local candidates are kept. The owner then signals the new credentials and
// re-adds the remote side's candidates from the new description. States: a healthy restart
// reports completed -> connected (the kept pair belongs to the old generation) -> completed;
// from disconnected the state stays until the new pair is selected; from failed it stays
// failed until the new generation has a pair to check, then checking.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/crypto/csprng.hpp"
#include "core/ice/candidate.hpp"
#include "core/ice/credentials.hpp"
#include "core/net/socket_address.hpp"
#include "core/stun/attributes.hpp"

namespace polyrtc::ice {

enum class IceError {
    kClosed,                // the agent was closed
    kBadCredentials,        // ufrag/pwd break the RFC 8839 grammar
    kUnsupportedComponent,  // component other than 1 (WebRTC bundles and muxes RTCP)
    kUnsupportedAddress,    // unspecified address or port 0
    kDuplicateCandidate,    // a local candidate with that address already exists
    kTooManyCandidates,     // more than IceConfig::max_remote_candidates / max_local_candidates
    kUnsupportedTransport,  // not UDP (sdp_candidate.hpp)
    kUnresolvedAddress,     // a host name such as an mDNS ".local" name (sdp_candidate.hpp)
};
const char* to_string(IceError error);

enum class IceRole : uint8_t { kControlling, kControlled };
const char* to_string(IceRole role);

// W3C RTCIceConnectionState, in spec order.
enum class IceConnectionState : uint8_t {
    kNew,
    kChecking,
    kConnected,
    kCompleted,
    kDisconnected,
    kFailed,
    kClosed,
};
const char* to_string(IceConnectionState state);  // the spec's string, e.g. "checking"

// RFC 8445 section 6.1.2.6.
enum class PairState : uint8_t { kFrozen, kWaiting, kInProgress, kSucceeded, kFailed };
const char* to_string(PairState state);

enum class NominationMode : uint8_t { kRegular, kAggressive };

struct IceConfig {
    Duration ta = Duration::millis(50);        // pacing (RFC 8445 section 14.2)
    Duration min_rto = Duration::millis(500);  // RFC 8445 section 14.3
    int max_requests = 7;                      // Rc (RFC 8489 section 6.2.1)
    int final_wait_factor = 16;                // Rm
    NominationMode nomination = NominationMode::kRegular;
    // Regular nomination waits at most this long after the first succeeded pair for pairs of
    // higher priority that are still being checked.
    Duration nomination_wait = Duration::millis(500);
    Duration keepalive_interval = Duration::millis(2500);
    Duration weak_keepalive_interval = Duration::millis(500);
    Duration disconnected_timeout = Duration::seconds(5);
    Duration consent_timeout = Duration::seconds(30);
    size_t max_local_candidates = 16;
    size_t max_remote_candidates = 100;
    size_t max_pairs = 100;
};

// A candidate the owner gathered. Priority and foundation are computed by the agent.
struct LocalCandidateSpec {
    CandidateType type = CandidateType::kRelayed;
    net::SocketAddress address;
    // Equal to `address` for host and relayed candidates.
    net::SocketAddress base;
    // The TURN (or STUN) server's address for relayed (server-reflexive) candidates.
    std::optional<net::IpAddress> server;
    // raddr/rport to signal; for relayed candidates polyrtc signals 0.0.0.0:0 (see above).
    std::optional<net::SocketAddress> related_address;
    uint16_t local_preference = kDefaultLocalPreference;
};

// "Send `payload` from local base `local` to `destination`."
struct Transmit {
    net::SocketAddress local;
    net::SocketAddress destination;
    Bytes payload;
};

struct CandidatePairInfo {
    Candidate local;
    Candidate remote;
    PairState state = PairState::kFrozen;
    uint64_t priority = 0;
    bool nominated = false;
};

struct ConnectionStateChanged {
    IceConnectionState state;
};
// The pair the owner should send data on; nullopt when consent was lost or after close().
struct SelectedPairChanged {
    std::optional<CandidatePairInfo> pair;
};
struct RoleChanged {
    IceRole role;
};
using IceEvent = std::variant<ConnectionStateChanged, SelectedPairChanged, RoleChanged>;

// Counters. Every dropped input increments exactly one dropped_* counter.
struct IceStats {
    uint64_t requests_sent = 0;  // checks and consent checks, first transmissions
    uint64_t retransmissions = 0;
    uint64_t responses_received = 0;  // authenticated, matched responses (success or error)
    uint64_t requests_received = 0;   // authenticated requests
    uint64_t responses_sent = 0;
    uint64_t role_conflicts = 0;    // 487 sent or received, or role switched on a request
    uint64_t dropped_not_stun = 0;  // unparseable, not STUN, or not a Binding message
    uint64_t dropped_bad_fingerprint = 0;
    uint64_t dropped_bad_username = 0;
    uint64_t dropped_bad_integrity = 0;
    uint64_t dropped_malformed = 0;  // authenticated but lacking required attributes
    uint64_t dropped_unknown_transaction = 0;
    uint64_t dropped_unknown_local = 0;  // arrived on an address that is not a local base
    uint64_t dropped_other = 0;          // indications, closed agent, pair limit reached

    uint64_t dropped_total() const {
        return dropped_not_stun + dropped_bad_fingerprint + dropped_bad_username + dropped_bad_integrity +
               dropped_malformed + dropped_unknown_transaction + dropped_unknown_local + dropped_other;
    }
};

class IceAgent {
public:
    // Takes its own Csprng (derive one from the owner's: Csprng::create(parent.bytes(32))).
    // Local credentials and the tie-breaker are drawn from it.
    IceAgent(const IceConfig& config, IceRole role, crypto::Csprng rng);
    // With local credentials chosen by the owner (JSEP puts them in the SDP it creates).
    IceAgent(const IceConfig& config, IceRole role, crypto::Csprng rng, IceCredentials local);

    // ---- getters ----
    IceConnectionState connection_state() const { return state_; }
    IceRole role() const { return role_; }
    uint64_t tie_breaker() const { return tie_breaker_; }
    const IceCredentials& local_credentials() const { return local_credentials_; }
    const std::optional<IceCredentials>& remote_credentials() const { return remote_credentials_; }
    const std::vector<Candidate>& local_candidates() const { return local_candidates_; }
    // Signaled and peer-reflexive remote candidates of the current generation.
    std::vector<Candidate> remote_candidates() const;
    // The checklist of the current generation plus a kept selected pair, by priority.
    std::vector<CandidatePairInfo> pairs() const;
    std::optional<CandidatePairInfo> selected_pair() const;
    // True while a selected pair has consent (RFC 7675: MUST NOT send data otherwise).
    bool can_send() const { return selected_.has_value() && !closed_; }
    const IceStats& stats() const { return stats_; }

    // ---- commands ----
    // Adds a gathered candidate; returns it with priority and foundation filled in (the owner
    // signals it). Pairs it with the known remote candidates.
    Result<Candidate, IceError> add_local_candidate(Timestamp now, const LocalCandidateSpec& spec);
    // No more local candidates will come (the owner's gathering state is "complete").
    void set_local_gathering_complete(Timestamp now);
    // From the remote description's a=ice-ufrag / a=ice-pwd. Calling it again with the same
    // values is a no-op; new values without restart() replace the old ones (the owner should
    // call restart() first when the remote side restarted).
    Status<IceError> set_remote_credentials(Timestamp now, std::string_view ufrag, std::string_view pwd);
    // A signaled (or trickled) remote candidate. A duplicate address is ignored, except that a
    // peer-reflexive candidate learned earlier takes the signaled type, priority and
    // foundation (RFC 8838 section 12).
    Status<IceError> add_remote_candidate(Timestamp now, const Candidate& candidate);
    // The remote side signaled end-of-candidates (RFC 8838 section 13).
    void add_remote_end_of_candidates(Timestamp now);
    // Normally fixed at construction by JSEP (offerer controlling); changing it recomputes pair
    // priorities.
    void set_role(Timestamp now, IceRole role);
    // ICE restart (see above). Returns the new local credentials.
    const IceCredentials& restart(Timestamp now);
    // ICE restart with new local credentials chosen by the owner.
    const IceCredentials& restart(Timestamp now, IceCredentials local);
    // Stops everything: no more output except the events of this call.
    void close(Timestamp now);

    // ---- inputs ----
    // One STUN message received on local base `local` from `from`. Non-STUN bytes (DTLS,
    // RTP) are the owner's to demultiplex (RFC 7983) and are counted as dropped here.
    void handle_receive(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from, ByteView bytes);
    // Non-STUN traffic (DTLS, SRTP) received on local base `local` from `from`, which the owner
    // demultiplexed. It is not consent (RFC 7675 needs STUN responses: consent still expires
    // after `consent_timeout` without them), but a selected pair that delivers it is not
    // "disconnected": as in browsers, that state says nothing has been received lately. One
    // lost consent response alone no longer reaches the 5 s disconnected timeout while data flows.
    void handle_activity(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from);
    void handle_timeout(Timestamp now);

    // ---- outputs ----
    std::optional<Transmit> poll_transmit();
    std::optional<IceEvent> poll_event();
    // The next time handle_timeout() must be called; nullopt when nothing is pending.
    std::optional<Timestamp> poll_timeout() const;

private:
    enum class CheckKind : uint8_t { kOrdinary, kNomination, kConsent };

    struct RemoteCandidate {
        Candidate candidate;
        uint32_t generation = 0;
    };

    struct Pair {
        uint32_t id = 0;
        uint32_t generation = 0;
        size_t local_index = 0;  // into local_candidates_
        Candidate remote;
        uint64_t priority = 0;
        PairState state = PairState::kFrozen;
        bool nominated = false;
        bool nominate_on_success = false;  // controlled: USE-CANDIDATE seen before success
        bool nominating = false;           // controlling: USE-CANDIDATE check queued or in flight
    };

    struct Transaction {
        uint32_t pair_id = 0;
        uint32_t generation = 0;
        CheckKind kind = CheckKind::kOrdinary;
        IceRole role = IceRole::kControlling;
        bool use_candidate = false;
        bool retransmit = true;  // false: consent checks and cancelled checks
        net::SocketAddress local;
        net::SocketAddress destination;
        Bytes request;
        int sends = 1;
        Duration rto;
        Timestamp next_event;  // next retransmission, or the timeout after the last one
    };

    struct Generation {
        uint32_t number = 0;
        IceCredentials local;
        std::optional<IceCredentials> remote;
    };

    Timestamp advance(Timestamp now);
    Pair* find_pair(uint32_t id);
    Pair* find_pair(uint32_t generation, const net::SocketAddress& local_base, const net::SocketAddress& remote);
    std::optional<size_t> find_local_base(const net::SocketAddress& base) const;
    std::optional<Generation> credentials_for(uint32_t generation) const;
    uint64_t compute_pair_priority(const Candidate& local, const Candidate& remote) const;
    void recompute_pair_priorities();
    Pair* add_pair(size_t local_index, const Candidate& remote);
    bool foundation_active(const Pair& pair) const;
    static std::string pair_foundation(const Candidate& local, const Candidate& remote);
    const Pair* ordinary_candidate() const;
    bool checklist_failed() const;
    std::optional<Timestamp> nomination_deadline() const;
    CandidatePairInfo info(const Pair& pair) const;
    void drop_other_generations();
    void unfreeze_foundation(const Pair& succeeded);
    void enqueue_triggered(uint32_t pair_id);
    bool checks_possible() const;
    bool has_check_to_send() const;
    Pair* next_pair_to_check();
    void run_checks(Timestamp now);
    void send_check(Timestamp now, Pair& pair, CheckKind kind);
    void run_retransmissions(Timestamp now);
    void run_consent(Timestamp now);
    void maybe_nominate(Timestamp now);
    void nominate_succeeded(Timestamp now, Pair& pair);
    void select_pair(Timestamp now, Pair& pair);
    void select_best_nominated(Timestamp now);
    void switch_role(IceRole role);
    void fail_pair(Pair& pair);
    void handle_request(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from, ByteView bytes);
    void handle_response(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from,
                         ByteView bytes);
    void send_response(const net::SocketAddress& local, const net::SocketAddress& to, Bytes payload);
    void update_state(Timestamp now);
    void set_state(IceConnectionState state);
    Duration jittered(Duration interval);

    IceConfig config_;
    crypto::Csprng rng_;
    IceRole role_;
    uint64_t tie_breaker_ = 0;
    IceCredentials local_credentials_;
    std::optional<IceCredentials> remote_credentials_;
    uint32_t generation_ = 0;
    // Credentials of the previous generation while its selected pair is kept (restart).
    std::optional<Generation> previous_;

    std::vector<Candidate> local_candidates_;
    std::vector<RemoteCandidate> remote_candidates_;
    std::vector<Pair> pairs_;
    uint32_t next_pair_id_ = 1;
    uint32_t next_prflx_foundation_ = 1;
    std::deque<uint32_t> triggered_;
    std::map<stun::TransactionId, Transaction> transactions_;

    bool local_gathering_complete_ = false;
    bool remote_end_of_candidates_ = false;
    bool closed_ = false;
    bool consent_lost_ = false;
    bool failed_ = false;                     // "failed" reached: nothing more is checked until restart()
    std::optional<Timestamp> first_success_;  // current generation, for nomination_wait
    std::optional<Timestamp> last_check_sent_;
    std::optional<uint32_t> selected_;  // pair id
    Timestamp last_consent_response_;
    Timestamp last_heard_;  // consent response or other traffic on the selected pair: disconnected
    Timestamp next_keepalive_;
    std::optional<Timestamp> last_keepalive_sent_;
    Timestamp latest_now_;

    IceConnectionState state_ = IceConnectionState::kNew;
    std::deque<Transmit> transmits_;
    std::deque<IceEvent> events_;
    IceStats stats_;
};

}  // namespace polyrtc::ice
