// Two IceAgents whose only network is a TURN allocation each, as in a polyfilled page:
//
//   agent A <-> turn::Client A <-(WebSocket frames)-> TURN server A <-(UDP)-> TURN server Z
//           <-(WebSocket frames)-> turn::Client Z <-> agent Z
//
// The servers are the scripted FakeServer of the TURN client tests (branch stun, built from
// the STUN codec) plus peer relaying with permission checks done here. The glue in
// TurnPeer::pump() is what the PeerConnection owner does: relayed address -> local candidate,
// ICE transmits -> permission + Send/ChannelData, Data -> agent, selected pair -> ChannelBind.
#include <memory>
#include <set>

#include <doctest/doctest.h>

#include "core/ice/agent.hpp"
#include "core/ice/sdp_candidate.hpp"
#include "core/stun/channel_data.hpp"
#include "core/turn/client.hpp"
#include "tests/unit/ice/ice_harness.hpp"
#include "tests/unit/test_rng.hpp"
#include "tests/unit/turn/fake_server.hpp"

namespace polyrtc::ice {

namespace {

using State = IceConnectionState;

struct TurnPeer {
    TurnPeer(const std::string& name_, IceRole role, const char* relayed_text, const char* server_ip)
        : name(name_),
          turn_rng(polyrtc::testing::seeded_rng("turn/" + name_)),
          client(make_config(), turn_rng),
          agent(IceConfig{}, role, polyrtc::testing::seeded_rng("ice/" + name_)),
          server_address(net::IpAddress::parse(server_ip).value()) {
        server.relayed = net::SocketAddress::parse(relayed_text).value();
    }

    static turn::ClientConfig make_config() {
        turn::ClientConfig c;
        c.username = "alice";
        c.password = "secret";
        c.transport = net::TransportProtocol::kWebSocket;
        return c;
    }

    std::string name;
    crypto::Csprng turn_rng;  // outlives `client`, which keeps a reference
    turn::Client client;
    turn::testing::FakeServer server;
    IceAgent agent;
    net::IpAddress server_address;
    std::optional<net::SocketAddress> relayed;
    std::set<net::IpAddress> permissions_requested;
    std::set<net::IpAddress> pending_permissions;
    std::vector<Candidate> gathered;  // to be signaled
    std::vector<State> states;
    std::vector<std::optional<CandidatePairInfo>> selected;
    std::vector<Bytes> to_server;  // frames the client produced, delivered by the network
    uint64_t channel_binds = 0;

    // Permissions can only be asked for once the allocation exists; earlier ones wait.
    void ensure_permission(Timestamp now, const net::IpAddress& ip) {
        if (client.state() != turn::ClientState::kAllocated) {
            pending_permissions.insert(ip);
            return;
        }
        if (!permissions_requested.insert(ip).second) return;
        REQUIRE(client.create_permission(ip, now).ok());
    }

    // Moves everything between the agent and the TURN client until both are quiet.
    void pump(Timestamp now) {
        bool busy = true;
        while (busy) {
            busy = false;
            while (auto t = agent.poll_transmit()) {
                busy = true;
                REQUIRE(relayed.has_value());
                CHECK(t->local == *relayed);
                ensure_permission(now, t->destination.ip());
                REQUIRE(client.send(t->destination, t->payload, now).ok());
            }
            while (auto e = agent.poll_event()) {
                busy = true;
                if (auto* s = std::get_if<ConnectionStateChanged>(&*e)) states.push_back(s->state);
                if (auto* sel = std::get_if<SelectedPairChanged>(&*e)) {
                    selected.push_back(sel->pair);
                    // The selected pair will carry DTLS: move it to a channel (4-byte header).
                    if (sel->pair) {
                        REQUIRE(client.bind_channel(sel->pair->remote.address, now).ok());
                        ++channel_binds;
                    }
                }
            }
            while (auto bytes = client.poll_transmit()) {
                busy = true;
                to_server.push_back(std::move(*bytes));
            }
            while (auto ev = client.poll_event()) {
                busy = true;
                if (ev->kind == turn::EventKind::kAllocated) {
                    relayed = ev->relayed.at(0);
                    for (const net::IpAddress& ip : pending_permissions) ensure_permission(now, ip);
                    pending_permissions.clear();
                    // Only the relayed address becomes a candidate; ev->mapped (the WebSocket's
                    // public TCP address) is deliberately not used (see agent.hpp).
                    LocalCandidateSpec spec;
                    spec.type = CandidateType::kRelayed;
                    spec.address = *relayed;
                    spec.base = *relayed;
                    spec.server = server_address;
                    spec.related_address = net::SocketAddress();
                    gathered.push_back(agent.add_local_candidate(now, spec).value());
                    agent.set_local_gathering_complete(now);
                } else if (ev->kind == turn::EventKind::kData) {
                    agent.handle_receive(now, *relayed, ev->peer, ev->data);
                } else {
                    CHECK(ev->kind != turn::EventKind::kAllocationFailed);
                    CHECK(ev->kind != turn::EventKind::kPermissionFailed);
                    CHECK(ev->kind != turn::EventKind::kChannelBindFailed);
                }
            }
        }
    }

    std::optional<Timestamp> next_timeout() const {
        auto a = agent.poll_timeout();
        auto c = client.poll_timeout();
        if (!a) return c;
        if (!c) return a;
        return std::min(*a, *c);
    }
};

// Messages in flight between clients and servers and between the two servers.
struct Wire {
    enum class Kind { kToServer, kToClient, kServerToServer };
    Timestamp at;
    uint64_t sequence;
    Kind kind;
    size_t peer;              // receiving side (server or client of that peer)
    net::SocketAddress from;  // kServerToServer: the sending allocation's relayed address
    Bytes bytes;
};

class TurnWorld {
public:
    TurnWorld() {
        peers_[0] = std::make_unique<TurnPeer>("A", IceRole::kControlling, "203.0.113.10:50000", "192.0.2.100");
        peers_[1] = std::make_unique<TurnPeer>("Z", IceRole::kControlled, "198.51.100.30:61000", "192.0.2.200");
    }

    TurnPeer& peer(size_t i) { return *peers_[i]; }
    Timestamp now() const { return now_; }
    Duration latency = Duration::millis(10);

    void start() {
        for (size_t i = 0; i < 2; ++i) REQUIRE(peer(i).client.start_allocation(now_).ok());
        // Signaling: credentials both ways at once (the candidates trickle when gathered).
        for (size_t i = 0; i < 2; ++i) {
            const IceCredentials& c = peer(i).agent.local_credentials();
            REQUIRE(peer(1 - i).agent.set_remote_credentials(now_, c.ufrag, c.pwd).ok());
        }
        settle();
    }

    bool step(Timestamp limit) {
        std::optional<Timestamp> next;
        for (size_t i = 0; i < 2; ++i) {
            auto t = peer(i).next_timeout();
            if (t && (!next || *t < *next)) next = t;
        }
        if (!wires_.empty() && (!next || wires_.front().at < *next)) next = wires_.front().at;
        if (!next || *next > limit) {
            now_ = std::max(now_, limit);
            return false;
        }
        now_ = std::max(now_, *next);
        while (!wires_.empty() && wires_.front().at <= now_) {
            Wire w = std::move(wires_.front());
            wires_.erase(wires_.begin());
            deliver(w);
            settle();
        }
        for (size_t i = 0; i < 2; ++i) {
            TurnPeer& p = peer(i);
            if (auto t = p.agent.poll_timeout(); t && *t <= now_) p.agent.handle_timeout(now_);
            if (auto t = p.client.poll_timeout(); t && *t <= now_) p.client.handle_timeout(now_);
        }
        settle();
        REQUIRE(++steps_ < 2'000'000);
        return true;
    }

    bool run_until(const std::function<bool()>& done, Duration max) {
        const Timestamp limit = now_ + max;
        while (!done()) {
            if (!step(limit)) return done();
        }
        return true;
    }

    void run_for(Duration d) {
        const Timestamp limit = now_ + d;
        while (step(limit)) {
        }
    }

    uint64_t relayed_without_permission = 0;
    std::vector<std::string> signaled;  // candidate lines, in order

private:
    void schedule(Wire::Kind kind, size_t to, const net::SocketAddress& from, Bytes bytes) {
        wires_.push_back(Wire{now_ + latency, sequence_++, kind, to, from, std::move(bytes)});
        std::stable_sort(wires_.begin(), wires_.end(), [](const Wire& x, const Wire& y) {
            return x.at < y.at || (x.at == y.at && x.sequence < y.sequence);
        });
    }

    // Pumps both peers, trickles newly gathered candidates, and puts client output on the wire.
    void settle() {
        bool busy = true;
        while (busy) {
            busy = false;
            for (size_t i = 0; i < 2; ++i) {
                TurnPeer& p = peer(i);
                p.pump(now_);
                for (Candidate& c : p.gathered) {
                    busy = true;
                    // Trickle through signaling; the receiving owner also installs a TURN
                    // permission for it, so the first checks are not dropped by its server.
                    // As the page does it: RTCIceCandidate.candidate text, parsed on the far side.
                    const std::string text = candidate_to_sdp(c, p.agent.local_credentials().ufrag).to_string();
                    signaled.push_back(text);
                    const Candidate remote = candidate_from_sdp(sdp::Candidate::parse(text).value()).value();
                    REQUIRE(peer(1 - i).agent.add_remote_candidate(now_, remote).ok());
                    peer(1 - i).agent.add_remote_end_of_candidates(now_);
                    peer(1 - i).ensure_permission(now_, c.address.ip());
                }
                p.gathered.clear();
                for (Bytes& b : p.to_server) {
                    busy = true;
                    schedule(Wire::Kind::kToServer, i, net::SocketAddress(), std::move(b));
                }
                p.to_server.clear();
            }
        }
    }

    void deliver(Wire& w) {
        TurnPeer& p = peer(w.peer);
        switch (w.kind) {
            case Wire::Kind::kToServer: {
                if (auto response = p.server.handle(w.bytes)) {
                    schedule(Wire::Kind::kToClient, w.peer, net::SocketAddress(), std::move(*response));
                }
                for (auto& [to, data] : p.server.to_peers) {
                    const size_t other = 1 - w.peer;
                    REQUIRE(to == peer(other).server.relayed);
                    schedule(Wire::Kind::kServerToServer, other, p.server.relayed, std::move(data));
                }
                p.server.to_peers.clear();
                break;
            }
            case Wire::Kind::kServerToServer: {
                // RFC 8656 section 11.3: without a permission for the sender's IP, drop.
                if (!p.server.permissions.count(w.from.ip())) {
                    ++relayed_without_permission;
                    break;
                }
                std::optional<uint16_t> channel;
                for (const auto& [number, bound] : p.server.channels) {
                    if (bound == w.from) channel = number;
                }
                Bytes frame = channel ? stun::serialize_channel_data(*channel, w.bytes)
                                      : turn::testing::FakeServer::data_indication(w.from, w.bytes);
                schedule(Wire::Kind::kToClient, w.peer, net::SocketAddress(), std::move(frame));
                break;
            }
            case Wire::Kind::kToClient: p.client.handle_receive(now_, w.bytes); break;
        }
    }

    std::unique_ptr<TurnPeer> peers_[2];
    std::vector<Wire> wires_;
    Timestamp now_ = Timestamp::from_millis(0);
    uint64_t sequence_ = 0;
    uint64_t steps_ = 0;
};

bool connected(State s) {
    return s == State::kConnected || s == State::kCompleted;
}

}  // namespace

TEST_CASE("ice.turn: two agents connect through their TURN allocations and stay connected on channels") {
    TurnWorld w;
    w.start();
    REQUIRE(w.run_until(
        [&] { return connected(w.peer(0).agent.connection_state()) && connected(w.peer(1).agent.connection_state()); },
        Duration::seconds(10)));
    MESSAGE("time to connected through TURN (10 ms per hop, allocation included): " << w.now().as_millis() << " ms");
    TurnPeer& a = w.peer(0);
    TurnPeer& z = w.peer(1);
    CHECK(a.states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(z.states == std::vector<State>{State::kChecking, State::kCompleted});
    // The only local candidate is the relayed address; the pair is relay <-> relay.
    REQUIRE(a.agent.local_candidates().size() == 1);
    CHECK(a.agent.local_candidates()[0].type == CandidateType::kRelayed);
    CHECK(a.agent.local_candidates()[0].priority == 16777215u);
    CHECK(a.agent.local_candidates()[0].address != a.server.mapped);
    const auto a_sel = *a.agent.selected_pair();
    const auto z_sel = *z.agent.selected_pair();
    CHECK(a_sel.local.address == a.server.relayed);
    CHECK(a_sel.remote.address == z.server.relayed);
    CHECK(a_sel.remote.type == CandidateType::kRelayed);
    CHECK(z_sel.local.address == z.server.relayed);
    CHECK(z_sel.remote.address == a.server.relayed);
    REQUIRE(w.signaled.size() == 2);
    CHECK(w.signaled[0].find(" udp 16777215 203.0.113.10 50000 typ relay raddr 0.0.0.0 rport 0 generation 0 ufrag ") !=
          std::string::npos);

    // Two minutes of consent checks, now over ChannelData (4-byte header instead of 36).
    const size_t channel_frames_before = a.server.raw_channel_data.size();
    w.run_for(Duration::seconds(120));
    CHECK(a.states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(z.states == std::vector<State>{State::kChecking, State::kCompleted});
    CHECK(a.channel_binds == 1);
    CHECK(a.client.channel_for(z.server.relayed).has_value());
    CHECK(a.server.raw_channel_data.size() > channel_frames_before + 40);
    CHECK(z.server.raw_channel_data.size() > 40);
    CHECK(a.agent.stats().dropped_total() == 0);
    CHECK(z.agent.stats().dropped_total() == 0);
    CHECK(a.client.stats().dropped == 0);
    CHECK(z.client.stats().dropped == 0);
}

}  // namespace polyrtc::ice
