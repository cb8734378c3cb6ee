// Two IceAgents, A and Z, wired through an in-memory network with simulated time: latency,
// seeded loss, reordering (random extra delay), optional NAT mappings and blackouts. The
// network is deterministic (splitmix64 from a fixed seed), time is simulated, and `step()`
// jumps straight to the next thing that happens, so minutes of ICE take milliseconds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/ice/agent.hpp"
#include "core/stun/message.hpp"
#include "tests/unit/test_rng.hpp"

namespace doctest {
template <>
struct StringMaker<polyrtc::Duration> {
    static String convert(polyrtc::Duration d) { return (std::to_string(d.as_micros()) + " us").c_str(); }
};
template <>
struct StringMaker<polyrtc::Timestamp> {
    static String convert(polyrtc::Timestamp t) { return ("t=" + std::to_string(t.as_micros()) + " us").c_str(); }
};
}  // namespace doctest

namespace polyrtc::ice::testing {

inline net::SocketAddress addr(const char* text) {
    return net::SocketAddress::parse(text).value();
}

inline Candidate host_candidate(const IceAgent& agent, const net::SocketAddress& address) {
    for (const Candidate& c : agent.local_candidates()) {
        if (c.address == address) return c;
    }
    return Candidate{};
}

struct Datagram {
    Timestamp deliver_at;
    uint64_t sequence = 0;
    size_t to_peer = 0;
    net::SocketAddress local;  // receiving base
    net::SocketAddress from;   // source as the receiver sees it
    Bytes payload;
};

struct Peer {
    IceAgent agent;
    std::string name;
    std::vector<IceConnectionState> states;                  // every ConnectionStateChanged, in order
    std::vector<Timestamp> state_times;                      // when each was observed
    std::vector<std::optional<CandidatePairInfo>> selected;  // every SelectedPairChanged
    std::vector<IceRole> roles;                              // every RoleChanged
    std::optional<Timestamp> last_stun_received;             // last datagram delivered to this peer
    std::vector<Bytes> sent;                                 // every payload this peer sent
    std::vector<Timestamp> sent_times;                       // when each was sent
    std::optional<Timestamp> last_response_received;         // last STUN success response delivered

    std::optional<Timestamp> time_of(IceConnectionState state) const {
        for (size_t i = 0; i < states.size(); ++i) {
            if (states[i] == state) return state_times[i];
        }
        return std::nullopt;
    }
};

inline IceConfig default_config() {
    return IceConfig{};
}

class IcePair {
public:
    IcePair(const std::string& seed, IceRole a_role = IceRole::kControlling, IceRole z_role = IceRole::kControlled,
            const IceConfig& a_config = default_config(), const IceConfig& z_config = default_config())
        : peers_{Peer{IceAgent(a_config, a_role, polyrtc::testing::seeded_rng(seed + "/A")),
                      "A",
                      {},
                      {},
                      {},
                      {},
                      {},
                      {},
                      {},
                      {}},
                 Peer{IceAgent(z_config, z_role, polyrtc::testing::seeded_rng(seed + "/Z")),
                      "Z",
                      {},
                      {},
                      {},
                      {},
                      {},
                      {},
                      {},
                      {}}},
          rng_state_(0x9E3779B97F4A7C15ull ^ std::hash<std::string>{}(seed)) {}

    Peer& a() { return peers_[0]; }
    Peer& z() { return peers_[1]; }
    Peer& peer(size_t i) { return peers_[i]; }
    Timestamp now() const { return now_; }

    // Network knobs.
    Duration latency = Duration::millis(20);
    Duration reorder_jitter = Duration::millis(0);  // extra uniform delay in [0, jitter]
    double loss = 0.0;                              // probability each datagram is dropped
    bool blackout = false;                          // drop everything
    uint64_t dropped_by_network = 0;

    // A local base reachable from the other side at `local` itself.
    void attach(size_t peer_index, const net::SocketAddress& local) { attach_nat(peer_index, local, local); }
    // A local base seen from outside as `public_address` (a full-cone NAT mapping).
    void attach_nat(size_t peer_index, const net::SocketAddress& local, const net::SocketAddress& public_address) {
        routes_[public_address] = Route{peer_index, local};
        public_of_[local] = public_address;
    }
    // The base behind `public_address` is gone: nothing reaches it, nothing leaves it.
    void detach(const net::SocketAddress& public_address) {
        auto route = routes_.find(public_address);
        if (route == routes_.end()) return;
        public_of_.erase(route->second.local);
        routes_.erase(route);
    }

    // Adds a host candidate on `local` to peer i and returns it as signaled.
    Candidate add_host(size_t peer_index, const char* local) {
        const net::SocketAddress address = addr(local);
        attach(peer_index, address);
        LocalCandidateSpec spec;
        spec.type = CandidateType::kHost;
        spec.address = address;
        spec.base = address;
        Candidate c = peers_[peer_index].agent.add_local_candidate(now_, spec).value();
        drain();
        return c;
    }

    // Tells `to` the credentials of `from` (signaling).
    void signal_credentials(size_t from, size_t to) {
        const IceCredentials& c = peers_[from].agent.local_credentials();
        REQUIRE(peers_[to].agent.set_remote_credentials(now_, c.ufrag, c.pwd).ok());
        drain();
    }
    void signal_candidate(const Candidate& c, size_t to) {
        REQUIRE(peers_[to].agent.add_remote_candidate(now_, c).ok());
        drain();
    }
    void signal_end_of_candidates(size_t to) {
        peers_[to].agent.add_remote_end_of_candidates(now_);
        drain();
    }
    void gathering_complete(size_t peer_index) {
        peers_[peer_index].agent.set_local_gathering_complete(now_);
        drain();
    }

    // The usual setup: one host candidate each, everything signaled at t = 0.
    void connect_basic(bool end_of_candidates = true) {
        const Candidate ca = add_host(0, "10.0.0.1:5000");
        const Candidate cz = add_host(1, "10.0.0.2:6000");
        gathering_complete(0);
        gathering_complete(1);
        signal_credentials(0, 1);
        signal_credentials(1, 0);
        signal_candidate(ca, 1);
        signal_candidate(cz, 0);
        if (end_of_candidates) {
            signal_end_of_candidates(0);
            signal_end_of_candidates(1);
        }
    }

    // Both credentials both ways, then each side's candidate, gathering complete, end-of-candidates.
    void connect_credentials_and(const Candidate& ca, const Candidate& cz) {
        drain();
        gathering_complete(0);
        gathering_complete(1);
        signal_credentials(0, 1);
        signal_credentials(1, 0);
        signal_candidate(ca, 1);
        signal_candidate(cz, 0);
        signal_end_of_candidates(0);
        signal_end_of_candidates(1);
    }

    // Moves output from both agents into the network and the records.
    void drain() {
        for (size_t i = 0; i < 2; ++i) {
            Peer& p = peers_[i];
            while (auto t = p.agent.poll_transmit()) {
                p.sent.push_back(t->payload);
                p.sent_times.push_back(now_);
                send(i, *t);
            }
            while (auto e = p.agent.poll_event()) {
                if (auto* s = std::get_if<ConnectionStateChanged>(&*e)) {
                    p.states.push_back(s->state);
                    p.state_times.push_back(now_);
                } else if (auto* sel = std::get_if<SelectedPairChanged>(&*e)) {
                    p.selected.push_back(sel->pair);
                } else if (auto* r = std::get_if<RoleChanged>(&*e)) {
                    p.roles.push_back(r->role);
                }
            }
        }
    }

    // Advances to the next event (delivery or timeout) but not past `limit`. Returns false if
    // nothing is pending before `limit` (time then stands at `limit`).
    bool step(Timestamp limit) {
        std::optional<Timestamp> next;
        auto consider = [&next](std::optional<Timestamp> t) {
            if (t && (!next || *t < *next)) next = t;
        };
        consider(peers_[0].agent.poll_timeout());
        consider(peers_[1].agent.poll_timeout());
        if (!in_flight_.empty()) consider(in_flight_.front().deliver_at);
        if (!next || *next > limit) {
            now_ = std::max(now_, limit);
            return false;
        }
        now_ = std::max(now_, *next);
        while (!in_flight_.empty() && in_flight_.front().deliver_at <= now_) {
            Datagram d = std::move(in_flight_.front());
            in_flight_.erase(in_flight_.begin());
            Peer& p = peers_[d.to_peer];
            p.last_stun_received = now_;
            if (auto m = stun::Message::parse(d.payload); m && m->is_success()) p.last_response_received = now_;
            p.agent.handle_receive(now_, d.local, d.from, d.payload);
            drain();
        }
        for (Peer& p : peers_) {
            auto t = p.agent.poll_timeout();
            if (t && *t <= now_) {
                p.agent.handle_timeout(now_);
                drain();
            }
        }
        ++steps_;
        REQUIRE(steps_ < 5'000'000);  // a bounded drive: a timer that never advances fails here
        return true;
    }

    void run_for(Duration d) {
        const Timestamp limit = now_ + d;
        while (step(limit)) {
        }
    }

    // Runs until `done()` or `max` elapsed; returns whether `done()` became true.
    bool run_until(const std::function<bool()>& done, Duration max) {
        const Timestamp limit = now_ + max;
        while (!done()) {
            if (!step(limit)) return done();
        }
        return true;
    }

    bool both_connected() {
        auto ok = [](IceConnectionState s) {
            return s == IceConnectionState::kConnected || s == IceConnectionState::kCompleted;
        };
        return ok(a().agent.connection_state()) && ok(z().agent.connection_state());
    }

    // Injects raw bytes into peer i as if sent from `from` to its base `local`.
    void inject(size_t peer_index, const net::SocketAddress& local, const net::SocketAddress& from, ByteView bytes) {
        peers_[peer_index].agent.handle_receive(now_, local, from, bytes);
        drain();
    }

private:
    struct Route {
        size_t peer = 0;
        net::SocketAddress local;
    };

    uint64_t next_random() {
        uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next_random() >> 11) / 9007199254740992.0; }

    void send(size_t from_peer, const Transmit& t) {
        if (blackout || (loss > 0 && uniform() < loss)) {
            ++dropped_by_network;
            return;
        }
        auto route = routes_.find(t.destination);
        if (route == routes_.end() || route->second.peer == from_peer) {
            ++dropped_by_network;
            return;
        }
        auto pub = public_of_.find(t.local);
        if (pub == public_of_.end()) {  // the sending base is not attached (detached)
            ++dropped_by_network;
            return;
        }
        Datagram d;
        d.deliver_at = now_ + latency;
        if (reorder_jitter.as_micros() > 0) {
            d.deliver_at = d.deliver_at + Duration::micros(static_cast<int64_t>(
                                              next_random() % static_cast<uint64_t>(reorder_jitter.as_micros() + 1)));
        }
        d.sequence = sequence_++;
        d.to_peer = route->second.peer;
        d.local = route->second.local;
        d.from = pub->second;
        d.payload = t.payload;
        auto pos = std::upper_bound(in_flight_.begin(), in_flight_.end(), d, [](const Datagram& x, const Datagram& y) {
            return x.deliver_at < y.deliver_at || (x.deliver_at == y.deliver_at && x.sequence < y.sequence);
        });
        in_flight_.insert(pos, std::move(d));
    }

    Peer peers_[2];
    uint64_t rng_state_;
    Timestamp now_ = Timestamp::from_millis(0);
    std::map<net::SocketAddress, Route> routes_;
    std::map<net::SocketAddress, net::SocketAddress> public_of_;
    std::vector<Datagram> in_flight_;
    uint64_t sequence_ = 0;
    uint64_t steps_ = 0;
};

}  // namespace polyrtc::ice::testing
