#include "core/ice/agent.hpp"

#include <algorithm>
#include <utility>

#include "core/stun/demux.hpp"
#include "core/stun/integrity.hpp"
#include "core/stun/message.hpp"

namespace polyrtc::ice {

namespace {

using stun::AttributeType;
using stun::Message;
using stun::MessageClass;
using stun::Method;

bool is_pending(PairState state) {
    return state == PairState::kFrozen || state == PairState::kWaiting || state == PairState::kInProgress;
}

}  // namespace

const char* to_string(IceError error) {
    switch (error) {
        case IceError::kClosed: return "the ICE agent is closed";
        case IceError::kBadCredentials: return "ice-ufrag/ice-pwd break the RFC 8839 grammar";
        case IceError::kUnsupportedComponent: return "only component 1 is supported (rtcp-mux, BUNDLE)";
        case IceError::kUnsupportedAddress: return "unspecified address or port 0";
        case IceError::kDuplicateCandidate: return "a local candidate with that address already exists";
        case IceError::kTooManyCandidates: return "too many candidates";
        case IceError::kUnsupportedTransport: return "only UDP candidates are supported";
        case IceError::kUnresolvedAddress: return "the candidate address is a host name (mDNS) that cannot be resolved";
    }
    return "unknown ICE error";
}

const char* to_string(IceRole role) {
    switch (role) {
        case IceRole::kControlling: return "controlling";
        case IceRole::kControlled: return "controlled";
    }
    return "unknown";
}

const char* to_string(IceConnectionState state) {
    switch (state) {
        case IceConnectionState::kNew: return "new";
        case IceConnectionState::kChecking: return "checking";
        case IceConnectionState::kConnected: return "connected";
        case IceConnectionState::kCompleted: return "completed";
        case IceConnectionState::kDisconnected: return "disconnected";
        case IceConnectionState::kFailed: return "failed";
        case IceConnectionState::kClosed: return "closed";
    }
    return "unknown";
}

const char* to_string(PairState state) {
    switch (state) {
        case PairState::kFrozen: return "frozen";
        case PairState::kWaiting: return "waiting";
        case PairState::kInProgress: return "in-progress";
        case PairState::kSucceeded: return "succeeded";
        case PairState::kFailed: return "failed";
    }
    return "unknown";
}

IceAgent::IceAgent(const IceConfig& config, IceRole role, crypto::Csprng rng)
    : config_(config), rng_(std::move(rng)), role_(role) {
    tie_breaker_ = rng_.next_u64();
    local_credentials_ = IceCredentials::generate(rng_);
}

IceAgent::IceAgent(const IceConfig& config, IceRole role, crypto::Csprng rng, IceCredentials local)
    : config_(config), rng_(std::move(rng)), role_(role) {
    tie_breaker_ = rng_.next_u64();
    local_credentials_ = std::move(local);
}

// ---------------------------------------------------------------------------------------------
// Getters

std::vector<Candidate> IceAgent::remote_candidates() const {
    std::vector<Candidate> out;
    for (const RemoteCandidate& r : remote_candidates_) {
        if (r.generation == generation_) out.push_back(r.candidate);
    }
    return out;
}

CandidatePairInfo IceAgent::info(const Pair& pair) const {
    CandidatePairInfo i;
    i.local = local_candidates_[pair.local_index];
    i.remote = pair.remote;
    i.state = pair.state;
    i.priority = pair.priority;
    i.nominated = pair.nominated;
    return i;
}

std::vector<CandidatePairInfo> IceAgent::pairs() const {
    std::vector<CandidatePairInfo> out;
    for (const Pair& p : pairs_) out.push_back(info(p));
    std::stable_sort(out.begin(), out.end(),
                     [](const CandidatePairInfo& a, const CandidatePairInfo& b) { return a.priority > b.priority; });
    return out;
}

std::optional<CandidatePairInfo> IceAgent::selected_pair() const {
    if (!selected_) return std::nullopt;
    for (const Pair& p : pairs_) {
        if (p.id == *selected_) return info(p);
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Commands

Result<Candidate, IceError> IceAgent::add_local_candidate(Timestamp now, const LocalCandidateSpec& spec) {
    now = advance(now);
    if (closed_) return unexpected(IceError::kClosed);
    if (spec.address.ip().is_unspecified() || spec.address.port() == 0) {
        return unexpected(IceError::kUnsupportedAddress);
    }
    for (const Candidate& c : local_candidates_) {
        if (c.address == spec.address) return unexpected(IceError::kDuplicateCandidate);
    }
    if (local_candidates_.size() >= config_.max_local_candidates) return unexpected(IceError::kTooManyCandidates);

    Candidate c;
    c.type = spec.type;
    c.address = spec.address;
    const bool has_base = !(spec.base.ip().is_unspecified() && spec.base.port() == 0);
    c.base = has_base ? spec.base : spec.address;
    c.priority = compute_priority(spec.type, spec.local_preference, kComponentRtp);
    c.foundation = compute_foundation(spec.type, c.base.ip(), spec.server);
    c.component = kComponentRtp;
    c.related_address = spec.related_address;
    local_candidates_.push_back(c);

    const size_t index = local_candidates_.size() - 1;
    for (const RemoteCandidate& r : remote_candidates_) {
        if (r.generation == generation_) add_pair(index, r.candidate);
    }
    run_checks(now);
    update_state(now);
    return c;
}

void IceAgent::set_local_gathering_complete(Timestamp now) {
    now = advance(now);
    if (closed_) return;
    local_gathering_complete_ = true;
    update_state(now);
}

Status<IceError> IceAgent::set_remote_credentials(Timestamp now, std::string_view ufrag, std::string_view pwd) {
    now = advance(now);
    if (closed_) return unexpected(IceError::kClosed);
    if (!IceCredentials::validate(ufrag, pwd)) return unexpected(IceError::kBadCredentials);
    IceCredentials creds{std::string(ufrag), std::string(pwd)};
    if (remote_credentials_ && *remote_credentials_ == creds) return {};
    remote_credentials_ = std::move(creds);
    maybe_nominate(now);
    run_checks(now);
    update_state(now);
    return {};
}

Status<IceError> IceAgent::add_remote_candidate(Timestamp now, const Candidate& candidate) {
    now = advance(now);
    if (closed_) return unexpected(IceError::kClosed);
    if (candidate.component != kComponentRtp) return unexpected(IceError::kUnsupportedComponent);
    if (candidate.address.ip().is_unspecified() || candidate.address.port() == 0) {
        return unexpected(IceError::kUnsupportedAddress);
    }
    for (RemoteCandidate& r : remote_candidates_) {
        if (r.generation != generation_ || r.candidate.address != candidate.address) continue;
        // RFC 8838 section 12 / RFC 8445 section 7.3.1.3: a signaled candidate replaces the
        // peer-reflexive one learned from a check; pairs keep their state, priority follows.
        if (r.candidate.type == CandidateType::kPeerReflexive && candidate.type != CandidateType::kPeerReflexive) {
            r.candidate.type = candidate.type;
            r.candidate.priority = candidate.priority;
            r.candidate.foundation = candidate.foundation;
            r.candidate.related_address = candidate.related_address;
            for (Pair& p : pairs_) {
                if (p.generation == generation_ && p.remote.address == candidate.address) p.remote = r.candidate;
            }
            recompute_pair_priorities();
        }
        return {};
    }
    if (remote_candidates_.size() >= config_.max_remote_candidates) {
        return unexpected(IceError::kTooManyCandidates);
    }
    RemoteCandidate r;
    r.candidate = candidate;
    r.candidate.base = candidate.address;
    r.generation = generation_;
    remote_candidates_.push_back(r);
    for (size_t i = 0; i < local_candidates_.size(); ++i) add_pair(i, r.candidate);
    run_checks(now);
    update_state(now);
    return {};
}

void IceAgent::add_remote_end_of_candidates(Timestamp now) {
    now = advance(now);
    if (closed_) return;
    remote_end_of_candidates_ = true;
    update_state(now);
}

void IceAgent::set_role(Timestamp now, IceRole role) {
    now = advance(now);
    if (closed_ || role == role_) return;
    switch_role(role);
    maybe_nominate(now);
    run_checks(now);
    update_state(now);
}

const IceCredentials& IceAgent::restart(Timestamp now) {
    return restart(now, IceCredentials::generate(rng_));
}

const IceCredentials& IceAgent::restart(Timestamp now, IceCredentials local) {
    now = advance(now);
    if (closed_) return local_credentials_;
    std::optional<uint32_t> keep;
    if (selected_) {
        keep = selected_;
        const Pair* sel = find_pair(*selected_);
        if (sel && sel->generation == generation_) {
            previous_ = Generation{generation_, local_credentials_, remote_credentials_};
        }
    } else {
        previous_.reset();
    }
    pairs_.erase(std::remove_if(pairs_.begin(), pairs_.end(), [&](const Pair& p) { return !keep || p.id != *keep; }),
                 pairs_.end());
    for (auto it = transactions_.begin(); it != transactions_.end();) {
        if (!keep || it->second.pair_id != *keep) {
            it = transactions_.erase(it);
        } else {
            ++it;
        }
    }
    remote_candidates_.clear();
    triggered_.clear();
    ++generation_;
    local_credentials_ = std::move(local);
    remote_credentials_.reset();
    remote_end_of_candidates_ = false;
    consent_lost_ = false;
    failed_ = false;
    first_success_.reset();
    update_state(now);
    return local_credentials_;
}

void IceAgent::close(Timestamp now) {
    advance(now);
    if (closed_) return;
    closed_ = true;
    transmits_.clear();
    transactions_.clear();
    triggered_.clear();
    if (selected_) {
        selected_.reset();
        events_.push_back(SelectedPairChanged{std::nullopt});
    }
    set_state(IceConnectionState::kClosed);
}

// ---------------------------------------------------------------------------------------------
// Inputs

void IceAgent::handle_receive(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from,
                              ByteView bytes) {
    now = advance(now);
    if (closed_) {
        ++stats_.dropped_other;
        return;
    }
    if (!stun::is_stun(bytes)) {
        ++stats_.dropped_not_stun;
        return;
    }
    auto parsed = Message::parse(bytes);
    if (!parsed || parsed->method() != Method::kBinding) {
        ++stats_.dropped_not_stun;
        return;
    }
    // RFC 8445 section 7.2.2: checks and their responses carry FINGERPRINT.
    if (!stun::check_fingerprint(bytes)) {
        ++stats_.dropped_bad_fingerprint;
        return;
    }
    if (!find_local_base(local)) {
        ++stats_.dropped_unknown_local;
        return;
    }
    if (parsed->is_indication()) {
        ++stats_.dropped_other;  // a Binding indication keepalive (RFC 8445 section 11): nothing to do
        return;
    }
    if (parsed->is_request()) {
        handle_request(now, local, from, bytes);
    } else {
        handle_response(now, local, from, bytes);
    }
    update_state(now);
}

void IceAgent::handle_activity(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from) {
    if (closed_ || !selected_) return;
    const Pair* pair = find_pair(*selected_);
    if (!pair || pair->remote.address != from || local_candidates_[pair->local_index].base != local) return;
    latest_now_ = std::max(latest_now_, now);
    last_heard_ = now;
    update_state(now);
}

void IceAgent::handle_timeout(Timestamp now) {
    now = advance(now);
    if (closed_) return;
    run_retransmissions(now);
    maybe_nominate(now);
    run_checks(now);
    run_consent(now);
    update_state(now);
}

// ---------------------------------------------------------------------------------------------
// Outputs

std::optional<Transmit> IceAgent::poll_transmit() {
    if (transmits_.empty()) return std::nullopt;
    Transmit t = std::move(transmits_.front());
    transmits_.pop_front();
    return t;
}

std::optional<IceEvent> IceAgent::poll_event() {
    if (events_.empty()) return std::nullopt;
    IceEvent e = std::move(events_.front());
    events_.pop_front();
    return e;
}

std::optional<Timestamp> IceAgent::poll_timeout() const {
    if (closed_) return std::nullopt;
    std::optional<Timestamp> next;
    auto consider = [&next](Timestamp t) {
        if (!next || t < *next) next = t;
    };
    if (has_check_to_send()) consider(last_check_sent_ ? *last_check_sent_ + config_.ta : latest_now_);
    for (const auto& [id, tx] : transactions_) consider(tx.next_event);
    if (selected_) {
        consider(next_keepalive_);
        const Timestamp disconnected_at = last_heard_ + config_.disconnected_timeout;
        if (disconnected_at > latest_now_) consider(disconnected_at);
        consider(last_consent_response_ + config_.consent_timeout);
    }
    if (auto deadline = nomination_deadline(); deadline && *deadline > latest_now_) consider(*deadline);
    return next;
}

// ---------------------------------------------------------------------------------------------
// Internals: candidates and pairs

Timestamp IceAgent::advance(Timestamp now) {
    if (now > latest_now_) latest_now_ = now;
    return latest_now_;
}

IceAgent::Pair* IceAgent::find_pair(uint32_t id) {
    for (Pair& p : pairs_) {
        if (p.id == id) return &p;
    }
    return nullptr;
}

IceAgent::Pair* IceAgent::find_pair(uint32_t generation, const net::SocketAddress& local_base,
                                    const net::SocketAddress& remote) {
    for (Pair& p : pairs_) {
        if (p.generation == generation && local_candidates_[p.local_index].base == local_base &&
            p.remote.address == remote) {
            return &p;
        }
    }
    return nullptr;
}

std::optional<size_t> IceAgent::find_local_base(const net::SocketAddress& base) const {
    for (size_t i = 0; i < local_candidates_.size(); ++i) {
        if (local_candidates_[i].base == base) return i;
    }
    return std::nullopt;
}

std::optional<IceAgent::Generation> IceAgent::credentials_for(uint32_t generation) const {
    if (generation == generation_) return Generation{generation_, local_credentials_, remote_credentials_};
    if (previous_ && previous_->number == generation) return previous_;
    return std::nullopt;
}

uint64_t IceAgent::compute_pair_priority(const Candidate& local, const Candidate& remote) const {
    return role_ == IceRole::kControlling ? pair_priority(local.priority, remote.priority)
                                          : pair_priority(remote.priority, local.priority);
}

void IceAgent::recompute_pair_priorities() {
    for (Pair& p : pairs_) p.priority = compute_pair_priority(local_candidates_[p.local_index], p.remote);
}

std::string IceAgent::pair_foundation(const Candidate& local, const Candidate& remote) {
    return local.foundation + ":" + remote.foundation;
}

bool IceAgent::foundation_active(const Pair& pair) const {
    const std::string f = pair_foundation(local_candidates_[pair.local_index], pair.remote);
    for (const Pair& p : pairs_) {
        if (p.id == pair.id || p.generation != pair.generation) continue;
        if ((p.state == PairState::kWaiting || p.state == PairState::kInProgress) &&
            pair_foundation(local_candidates_[p.local_index], p.remote) == f) {
            return true;
        }
    }
    return false;
}

IceAgent::Pair* IceAgent::add_pair(size_t local_index, const Candidate& remote) {
    const Candidate& local = local_candidates_[local_index];
    if (local.address.family() != remote.address.family()) return nullptr;
    // Pruning (RFC 8445 section 6.1.2.4): one pair per (local base, remote address).
    if (Pair* existing = find_pair(generation_, local.base, remote.address)) return existing;
    size_t count = 0;
    for (const Pair& p : pairs_) count += p.generation == generation_ ? 1 : 0;
    if (count >= config_.max_pairs) return nullptr;
    Pair p;
    p.id = next_pair_id_++;
    p.generation = generation_;
    p.local_index = local_index;
    p.remote = remote;
    p.priority = compute_pair_priority(local, remote);
    // RFC 8838 section 10: a new pair is Waiting unless a pair with its foundation is already
    // being checked, in which case it is Frozen until that one succeeds.
    p.state = foundation_active(p) ? PairState::kFrozen : PairState::kWaiting;
    pairs_.push_back(std::move(p));
    return &pairs_.back();
}

void IceAgent::unfreeze_foundation(const Pair& succeeded) {
    const std::string f = pair_foundation(local_candidates_[succeeded.local_index], succeeded.remote);
    for (Pair& p : pairs_) {
        if (p.generation == succeeded.generation && p.state == PairState::kFrozen &&
            pair_foundation(local_candidates_[p.local_index], p.remote) == f) {
            p.state = PairState::kWaiting;
        }
    }
}

void IceAgent::enqueue_triggered(uint32_t pair_id) {
    if (std::find(triggered_.begin(), triggered_.end(), pair_id) == triggered_.end()) triggered_.push_back(pair_id);
}

void IceAgent::fail_pair(Pair& pair) {
    pair.state = PairState::kFailed;
    pair.nominating = false;
    pair.nominate_on_success = false;
}

void IceAgent::drop_other_generations() {
    pairs_.erase(
        std::remove_if(pairs_.begin(), pairs_.end(), [&](const Pair& p) { return p.generation != generation_; }),
        pairs_.end());
    for (auto it = transactions_.begin(); it != transactions_.end();) {
        if (it->second.generation != generation_) {
            it = transactions_.erase(it);
        } else {
            ++it;
        }
    }
    previous_.reset();
}

// ---------------------------------------------------------------------------------------------
// Internals: sending checks

bool IceAgent::checks_possible() const {
    return !closed_ && remote_credentials_.has_value();
}

const IceAgent::Pair* IceAgent::ordinary_candidate() const {
    // Once a pair of this generation is selected, ICE processing is over (section 8.1.2).
    if (selected_) {
        for (const Pair& p : pairs_) {
            if (p.id == *selected_ && p.generation == generation_) return nullptr;
        }
    }
    const Pair* best = nullptr;
    for (const Pair& p : pairs_) {
        if (p.generation == generation_ && p.state == PairState::kWaiting && (!best || p.priority > best->priority)) {
            best = &p;
        }
    }
    if (best) return best;
    // Section 6.1.4.2: no Waiting pair, so unfreeze the best Frozen pair whose foundation is
    // not being checked.
    for (const Pair& p : pairs_) {
        if (p.generation == generation_ && p.state == PairState::kFrozen && !foundation_active(p) &&
            (!best || p.priority > best->priority)) {
            best = &p;
        }
    }
    return best;
}

bool IceAgent::has_check_to_send() const {
    if (!checks_possible()) return false;
    for (uint32_t id : triggered_) {
        for (const Pair& p : pairs_) {
            if (p.id == id && p.generation == generation_ && (p.state != PairState::kSucceeded || p.nominating)) {
                return true;
            }
        }
    }
    return ordinary_candidate() != nullptr;
}

IceAgent::Pair* IceAgent::next_pair_to_check() {
    if (!checks_possible()) return nullptr;
    while (!triggered_.empty()) {
        const uint32_t id = triggered_.front();
        triggered_.pop_front();
        Pair* p = find_pair(id);
        // A pair that succeeded meanwhile needs no check, unless it is to be nominated.
        if (p && p->generation == generation_ && (p->state != PairState::kSucceeded || p->nominating)) return p;
    }
    const Pair* candidate = ordinary_candidate();
    return candidate ? find_pair(candidate->id) : nullptr;
}

void IceAgent::run_checks(Timestamp now) {
    if (!has_check_to_send()) return;
    if (last_check_sent_ && now < *last_check_sent_ + config_.ta) return;
    Pair* pair = next_pair_to_check();
    if (!pair) return;
    send_check(now, *pair, pair->nominating ? CheckKind::kNomination : CheckKind::kOrdinary);
    last_check_sent_ = now;
}

void IceAgent::send_check(Timestamp now, Pair& pair, CheckKind kind) {
    const std::optional<Generation> creds = credentials_for(pair.generation);
    if (!creds || !creds->remote) return;
    const Candidate& local = local_candidates_[pair.local_index];

    Message request = Message::create(MessageClass::kRequest, Method::kBinding, rng_);
    request.add_string(AttributeType::kUsername, creds->remote->ufrag + ":" + creds->local.ufrag);
    // Section 7.2.2: PRIORITY is the priority the local candidate would have as peer-reflexive.
    const auto local_preference = static_cast<uint16_t>((local.priority >> 8) & 0xFFFF);
    request.add_u32(AttributeType::kPriority,
                    compute_priority(CandidateType::kPeerReflexive, local_preference, local.component));
    request.add_u64(role_ == IceRole::kControlling ? AttributeType::kIceControlling : AttributeType::kIceControlled,
                    tie_breaker_);
    const bool use_candidate = role_ == IceRole::kControlling &&
                               (kind == CheckKind::kNomination ||
                                (kind == CheckKind::kOrdinary && config_.nomination == NominationMode::kAggressive));
    if (use_candidate) request.add_flag(AttributeType::kUseCandidate);

    Transaction tx;
    tx.pair_id = pair.id;
    tx.generation = pair.generation;
    tx.kind = kind;
    tx.role = role_;
    tx.use_candidate = use_candidate;
    tx.local = local.base;
    tx.destination = pair.remote.address;
    tx.request = request.serialize_with_integrity(stun::short_term_key(creds->remote->pwd), true);
    if (kind == CheckKind::kConsent) {
        // Never retransmitted: the next consent check is the retry. Forgotten after the
        // disconnected timeout (a later answer no longer says anything about the path).
        tx.retransmit = false;
        tx.next_event = now + config_.disconnected_timeout;
    } else {
        size_t active = 0;
        for (const Pair& p : pairs_) {
            active +=
                p.generation == generation_ && (p.state == PairState::kWaiting || p.state == PairState::kInProgress)
                    ? 1
                    : 0;
        }
        tx.rto = std::max(config_.min_rto, config_.ta * static_cast<int64_t>(active));
        tx.next_event = now + tx.rto;
        if (kind == CheckKind::kOrdinary) pair.state = PairState::kInProgress;
    }
    transmits_.push_back(Transmit{tx.local, tx.destination, tx.request});
    ++stats_.requests_sent;
    transactions_.emplace(request.transaction_id(), std::move(tx));
}

void IceAgent::run_retransmissions(Timestamp now) {
    for (auto it = transactions_.begin(); it != transactions_.end();) {
        Transaction& tx = it->second;
        if (tx.next_event > now) {
            ++it;
            continue;
        }
        if (tx.retransmit && tx.sends < config_.max_requests) {
            transmits_.push_back(Transmit{tx.local, tx.destination, tx.request});
            ++stats_.retransmissions;
            ++tx.sends;
            // RFC 8489 section 6.2.1: intervals RTO, 2*RTO, 4*RTO ...; after the last request
            // the client waits Rm * RTO.
            const Duration wait = tx.sends == config_.max_requests
                                      ? tx.rto * static_cast<int64_t>(config_.final_wait_factor)
                                      : tx.rto * (int64_t{1} << (tx.sends - 1));
            tx.next_event = now + wait;
            ++it;
            continue;
        }
        // Timed out. A cancelled check (retransmit == false) or a consent check fails nothing.
        if (tx.retransmit && tx.kind != CheckKind::kConsent) {
            if (Pair* pair = find_pair(tx.pair_id)) {
                if (tx.kind == CheckKind::kNomination || pair->state == PairState::kInProgress) fail_pair(*pair);
            }
        }
        it = transactions_.erase(it);
    }
}

Duration IceAgent::jittered(Duration interval) {
    // x[0.8, 1.2] (RFC 7675 section 5.1).
    const int64_t permille = 800 + static_cast<int64_t>(rng_.next_u32() % 401);
    return Duration::micros(interval.as_micros() / 1000 * permille);
}

void IceAgent::run_consent(Timestamp now) {
    if (!selected_) return;
    Pair* pair = find_pair(*selected_);
    if (!pair) return;
    if (now - last_consent_response_ >= config_.consent_timeout) {
        // RFC 7675 section 5.1: consent expired; stop sending. The pair is not used again in
        // this generation.
        fail_pair(*pair);
        pair->nominated = false;
        selected_.reset();
        consent_lost_ = true;
        events_.push_back(SelectedPairChanged{std::nullopt});
        return;
    }
    if (now >= next_keepalive_) {
        // Weak: the previous consent check is still unanswered (Chromium's WEAK_PING_INTERVAL).
        const bool weak = last_keepalive_sent_ && last_consent_response_ < *last_keepalive_sent_;
        send_check(now, *pair, CheckKind::kConsent);
        last_keepalive_sent_ = now;
        next_keepalive_ = now + jittered(weak ? config_.weak_keepalive_interval : config_.keepalive_interval);
    }
}

// ---------------------------------------------------------------------------------------------
// Internals: nomination and selection

std::optional<Timestamp> IceAgent::nomination_deadline() const {
    if (role_ != IceRole::kControlling || config_.nomination != NominationMode::kRegular) return std::nullopt;
    if (!first_success_ || !checks_possible()) return std::nullopt;
    for (const Pair& p : pairs_) {
        if (p.generation != generation_) continue;
        if (p.nominating || (selected_ && p.id == *selected_)) return std::nullopt;
    }
    return *first_success_ + config_.nomination_wait;
}

void IceAgent::maybe_nominate(Timestamp now) {
    const std::optional<Timestamp> deadline = nomination_deadline();
    if (!deadline) return;
    Pair* best = nullptr;
    for (Pair& p : pairs_) {
        if (p.generation == generation_ && p.state == PairState::kSucceeded && (!best || p.priority > best->priority)) {
            best = &p;
        }
    }
    if (!best) return;
    bool higher_pending = false;
    for (const Pair& p : pairs_) {
        if (p.generation == generation_ && is_pending(p.state) && p.priority > best->priority) higher_pending = true;
    }
    if (higher_pending && now < *deadline) return;
    best->nominating = true;
    triggered_.erase(std::remove(triggered_.begin(), triggered_.end(), best->id), triggered_.end());
    triggered_.push_front(best->id);
}

void IceAgent::select_best_nominated(Timestamp now) {
    Pair* best = nullptr;
    for (Pair& p : pairs_) {
        if (p.generation == generation_ && p.nominated && p.state == PairState::kSucceeded &&
            (!best || p.priority > best->priority)) {
            best = &p;
        }
    }
    if (best && (!selected_ || *selected_ != best->id)) select_pair(now, *best);
}

void IceAgent::select_pair(Timestamp now, Pair& pair) {
    const uint32_t id = pair.id;
    selected_ = id;
    last_consent_response_ = now;
    last_heard_ = now;
    next_keepalive_ = now + jittered(config_.keepalive_interval);
    last_keepalive_sent_.reset();
    consent_lost_ = false;
    if (previous_) drop_other_generations();
    const Pair* selected = find_pair(id);
    events_.push_back(SelectedPairChanged{info(*selected)});
}

void IceAgent::switch_role(IceRole role) {
    role_ = role;
    for (Pair& p : pairs_) p.nominating = false;
    recompute_pair_priorities();
    events_.push_back(RoleChanged{role});
}

// ---------------------------------------------------------------------------------------------
// Internals: receiving

void IceAgent::send_response(const net::SocketAddress& local, const net::SocketAddress& to, Bytes payload) {
    transmits_.push_back(Transmit{local, to, std::move(payload)});
    ++stats_.responses_sent;
}

void IceAgent::handle_request(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from,
                              ByteView bytes) {
    const Message request = std::move(Message::parse(bytes).value());
    auto username = request.get_string(AttributeType::kUsername);
    if (!username) {
        ++stats_.dropped_bad_username;
        return;
    }
    const size_t colon = username->find(':');
    if (colon == std::string::npos) {
        ++stats_.dropped_bad_username;
        return;
    }
    const std::string_view ours = std::string_view(*username).substr(0, colon);
    const std::string_view theirs = std::string_view(*username).substr(colon + 1);
    std::optional<Generation> gen;
    if (ours == local_credentials_.ufrag) {
        gen = credentials_for(generation_);
    } else if (previous_ && ours == previous_->local.ufrag) {
        gen = previous_;
    }
    if (!gen) {
        ++stats_.dropped_bad_username;
        return;
    }
    // Section 7.3: authenticated with our own password, so this works before the remote
    // description has arrived.
    if (!stun::check_integrity(bytes, stun::short_term_key(gen->local.pwd))) {
        ++stats_.dropped_bad_integrity;
        return;
    }
    if (gen->remote && theirs != gen->remote->ufrag) {
        ++stats_.dropped_bad_username;
        return;
    }
    auto priority = request.get_u32(AttributeType::kPriority);
    auto controlling = request.get_u64(AttributeType::kIceControlling);
    auto controlled = request.get_u64(AttributeType::kIceControlled);
    if (!priority || (!controlling && !controlled)) {
        ++stats_.dropped_malformed;
        return;
    }
    ++stats_.requests_received;

    // Section 7.3.1.1: role conflict.
    const bool conflict =
        (role_ == IceRole::kControlling && controlling) || (role_ == IceRole::kControlled && controlled);
    if (conflict) {
        ++stats_.role_conflicts;
        const uint64_t remote_tie_breaker = controlling ? *controlling : *controlled;
        const bool we_win = tie_breaker_ >= remote_tie_breaker;
        const bool send_487 = role_ == IceRole::kControlling ? we_win : !we_win;
        if (send_487) {
            Message error = Message::response_to(request, MessageClass::kErrorResponse);
            error.add_error_code(stun::ErrorCode::kRoleConflict);
            send_response(local, from, error.serialize_with_integrity(stun::short_term_key(gen->local.pwd), true));
            return;
        }
        switch_role(role_ == IceRole::kControlling ? IceRole::kControlled : IceRole::kControlling);
    }

    Message response = Message::response_to(request, MessageClass::kSuccessResponse);
    response.add_xor_address(AttributeType::kXorMappedAddress, from);
    send_response(local, from, response.serialize_with_integrity(stun::short_term_key(gen->local.pwd), true));

    // Checks of a previous generation (restart in progress) are only answered.
    if (gen->number != generation_) return;

    // Section 7.3.1.3: an unknown source is a peer-reflexive candidate.
    const RemoteCandidate* remote = nullptr;
    for (const RemoteCandidate& r : remote_candidates_) {
        if (r.generation == generation_ && r.candidate.address == from) remote = &r;
    }
    if (!remote) {
        if (remote_candidates_.size() >= config_.max_remote_candidates) {
            ++stats_.dropped_other;
            return;
        }
        RemoteCandidate r;
        r.generation = generation_;
        r.candidate.type = CandidateType::kPeerReflexive;
        r.candidate.address = from;
        r.candidate.base = from;
        r.candidate.priority = *priority;
        r.candidate.foundation = "prflx" + std::to_string(next_prflx_foundation_++);
        remote_candidates_.push_back(r);
        remote = &remote_candidates_.back();
    }
    Pair* pair = find_pair(generation_, local, from);
    if (!pair) {
        const std::optional<size_t> local_index = find_local_base(local);
        if (local_index) pair = add_pair(*local_index, remote->candidate);
        if (!pair) {
            ++stats_.dropped_other;
            return;
        }
    }

    // Section 7.3.1.5: USE-CANDIDATE from the controlling agent.
    const bool use_candidate = request.has(AttributeType::kUseCandidate) && role_ == IceRole::kControlled;
    if (pair->state == PairState::kSucceeded) {
        if (use_candidate) {
            pair->nominated = true;
            select_best_nominated(now);
        }
        return;
    }
    if (use_candidate) pair->nominate_on_success = true;

    // Section 7.3.1.4: triggered check, unless processing is over for this generation.
    bool processing_over = false;
    if (selected_) {
        const Pair* sel = find_pair(*selected_);
        processing_over = sel && sel->generation == generation_;
    }
    if (processing_over && !pair->nominate_on_success) return;
    if (pair->state == PairState::kInProgress) {
        // Cancel: stop retransmitting, keep waiting for a response, do not fail on timeout.
        for (auto& [id, tx] : transactions_) {
            if (tx.pair_id == pair->id && tx.kind == CheckKind::kOrdinary) tx.retransmit = false;
        }
    }
    pair->state = PairState::kWaiting;
    enqueue_triggered(pair->id);
    run_checks(now);
}

void IceAgent::handle_response(Timestamp now, const net::SocketAddress& local, const net::SocketAddress& from,
                               ByteView bytes) {
    const Message response = std::move(Message::parse(bytes).value());
    auto it = transactions_.find(response.transaction_id());
    if (it == transactions_.end()) {
        ++stats_.dropped_unknown_transaction;
        return;
    }
    const std::optional<Generation> gen = credentials_for(it->second.generation);
    if (!gen || !gen->remote) {
        ++stats_.dropped_unknown_transaction;
        transactions_.erase(it);
        return;
    }
    // Section 7.2.5.1: the response is authenticated with the remote password.
    if (!stun::check_integrity(bytes, stun::short_term_key(gen->remote->pwd))) {
        ++stats_.dropped_bad_integrity;
        return;
    }
    std::optional<stun::ErrorCodeValue> error;
    if (response.is_error()) {
        auto code = response.get_error_code();
        if (!code) {
            ++stats_.dropped_malformed;
            return;
        }
        error = *code;
    } else if (!response.get_xor_address(AttributeType::kXorMappedAddress)) {
        ++stats_.dropped_malformed;
        return;
    }
    ++stats_.responses_received;
    const Transaction tx = std::move(it->second);
    transactions_.erase(it);
    Pair* pair = find_pair(tx.pair_id);
    if (!pair) return;

    // Section 7.2.5.2.1: source and destination addresses must be symmetric.
    if (from != tx.destination || local != tx.local) {
        if (tx.kind != CheckKind::kConsent) fail_pair(*pair);
        return;
    }
    if (error) {
        if (error->code == static_cast<uint16_t>(stun::ErrorCode::kRoleConflict)) {
            // Section 7.2.5.1: switch role (unless already switched) and retry the check.
            ++stats_.role_conflicts;
            if (tx.role == role_) {
                switch_role(role_ == IceRole::kControlling ? IceRole::kControlled : IceRole::kControlling);
            }
            if (tx.kind != CheckKind::kConsent && pair->state != PairState::kSucceeded) {
                pair->state = PairState::kWaiting;
                enqueue_triggered(pair->id);
            }
            maybe_nominate(now);
            run_checks(now);
            return;
        }
        if (tx.kind != CheckKind::kConsent) fail_pair(*pair);
        return;
    }

    // Success. Any authenticated answer on the selected pair refreshes consent (RFC 7675).
    if (selected_ && *selected_ == pair->id) last_consent_response_ = last_heard_ = now;
    if (tx.kind == CheckKind::kConsent) return;

    pair->state = PairState::kSucceeded;
    if (pair->generation == generation_ && !first_success_) first_success_ = now;
    unfreeze_foundation(*pair);
    if (role_ == IceRole::kControlling && tx.use_candidate) {
        pair->nominating = false;
        pair->nominated = true;
        select_best_nominated(now);
    } else if (role_ == IceRole::kControlled && pair->nominate_on_success) {
        pair->nominate_on_success = false;
        pair->nominated = true;
        select_best_nominated(now);
    }
    maybe_nominate(now);
    run_checks(now);
}

// ---------------------------------------------------------------------------------------------
// Internals: state

bool IceAgent::checklist_failed() const {
    if (!local_gathering_complete_ || !remote_end_of_candidates_ || !remote_credentials_) return false;
    for (const Pair& p : pairs_) {
        if (p.generation == generation_ && p.state != PairState::kFailed) return false;
    }
    for (uint32_t id : triggered_) {
        for (const Pair& p : pairs_) {
            if (p.id == id && p.generation == generation_) return false;
        }
    }
    return true;
}

void IceAgent::update_state(Timestamp now) {
    IceConnectionState next = state_;
    if (closed_) {
        next = IceConnectionState::kClosed;
    } else if (selected_) {
        const Pair* sel = find_pair(*selected_);
        if (now - last_heard_ >= config_.disconnected_timeout) {
            next = IceConnectionState::kDisconnected;
        } else if (sel && sel->generation == generation_ && local_gathering_complete_ && remote_end_of_candidates_) {
            next = IceConnectionState::kCompleted;
        } else {
            next = IceConnectionState::kConnected;
        }
    } else if (failed_ || consent_lost_ || checklist_failed()) {
        // W3C: "a terminal state until ICE is restarted": no more checks in this generation.
        next = IceConnectionState::kFailed;
        if (!failed_) {
            failed_ = true;
            transactions_.clear();  // retransmissions stop too
            triggered_.clear();
        }
    } else {
        bool any_pair = false;
        for (const Pair& p : pairs_) any_pair = any_pair || p.generation == generation_;
        if (remote_credentials_ && any_pair) next = IceConnectionState::kChecking;
        // Otherwise keep the current state: "new" before anything happened, "failed" across a
        // restart until the new generation has something to check. (Connected, completed
        // and disconnected always have a selected pair, handled above.)
    }
    set_state(next);
}

void IceAgent::set_state(IceConnectionState state) {
    if (state == state_) return;
    state_ = state;
    events_.push_back(ConnectionStateChanged{state});
}

}  // namespace polyrtc::ice
