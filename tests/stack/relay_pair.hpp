// RelayPair: two PeerConnections ("A" and "Z") that reach each other only through the relay's
// real TURN logic (relay::turn::TurnServer), all in memory and in simulated time.
//
//   A.poll_relay_transmit() --(client latency)--> TurnServer (client key A) --SendToPeer-->
//   the "UDP network" between relayed addresses --(peer link)--> TurnServer
//   --SendToClient (client key Z)--> Z.handle_relay_receive()
//
// Exactly what happens in a page, except that the WebSocket frames and the relay's UDP
// sockets are queues. The client leg (page <-> relay) is a WebSocket: reliable and in order,
// with a fixed latency. The peer leg (relayed address <-> relayed address) is UDP and has the
// impairments of tests/unit/sctp's LinkConfig, applied to each datagram (the UDP payload the
// relay sends, i.e. exactly what the stack emitted: STUN checks or DTLS records):
//   latency        one way
//   loss           seeded: a datagram is dropped with this probability
//   reorder        seeded: a datagram is held back by reorder_delay with this probability,
//                  so datagrams sent after it overtake it
//   mtu            datagrams larger than this are dropped and counted (dropped_mtu), and
//                  `largest` records the largest one seen, so a test can prove the stack
//                  never emitted a datagram above the MTU
// Setting `peer_link().loss = 1` cuts the peer leg (consent loss); the client leg stays up.
//
// Time is the process-wide simulated clock of tests/unit/sctp (usrsctp reads gettimeofday,
// which that clock drives), advanced straight to the earliest deadline, so minutes of
// simulated time take milliseconds. Every drive loop is bounded by a simulated-time budget
// and a step count; no real clock is read (the benchmark measures wall time around it).
//
// No doctest here (tests/bench uses the harness too): operations that can fail return an
// error text, empty on success, and signaling failures during drives are collected in
// signaling_errors().
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/peer/peer_connection.hpp"
#include "relay/turn/turn_server.hpp"
#include "tests/unit/sctp/sctp_pair.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::testing {

class RelayPair {
public:
    struct Side {
        std::string name;
        std::unique_ptr<peer::PeerConnection> pc;
        relay::turn::ClientKey key;
        std::vector<peer::Event> events;  // every event polled from pc, oldest first
    };

    static LinkConfig default_peer_link() {
        LinkConfig link;
        link.latency = Duration::millis(1);  // relayed address <-> relayed address: one relay
        link.mtu = 1200;                     // RFC 8261 section 5's safe UDP payload
        return link;
    }

    struct Options {
        Duration client_latency = Duration::millis(10);  // page <-> relay, each way
        LinkConfig peer_link = default_peer_link();      // the UDP leg between allocations
        std::string seed = "relay pair";                 // loss and reorder draws
        std::string username;                            // empty: the relay runs with no_auth
        std::string password;
    };

    // What negotiate() does, and edits to the SDP on its way through "signaling" (a test
    // that tampers with a fingerprint edits the text the other side receives).
    struct NegotiateOptions {
        bool ice_restart = false;
        std::function<void(std::string&)> edit_offer;
        std::function<void(std::string&)> edit_answer;
    };

    static constexpr uint64_t kMaxSteps = 20'000'000;  // a drive that spins stops here

    RelayPair() : RelayPair(Options()) {}
    explicit RelayPair(Options options) : options_(std::move(options)), link_rng_(seeded_rng(options_.seed)) {
        relay::turn::TurnConfig config;
        if (options_.username.empty()) {
            config.no_auth = true;
        } else {
            config.credentials.static_users[options_.username] = options_.password;
        }
        server_ = std::make_unique<relay::turn::TurnServer>(config, seeded_rng("relay"));
        a_ = make_side("A", 1);
        z_ = make_side("Z", 2);
        flush();
    }

    Side& a() { return a_; }
    Side& z() { return z_; }
    const Side& a() const { return a_; }
    const Side& z() const { return z_; }
    Timestamp now() const { return sim_now(); }
    LinkConfig& peer_link() { return options_.peer_link; }
    // Datagrams on the peer leg, by direction.
    const LinkStats& to_z() const { return to_z_; }
    const LinkStats& to_a() const { return to_a_; }
    relay::turn::TurnServer& server() { return *server_; }
    const std::vector<std::string>& signaling_errors() const { return signaling_errors_; }

    // Delivers everything due and every output produced, advancing simulated time, until
    // `done()` holds or `limit` of simulated time has passed. Returns done().
    bool drive_until(const std::function<bool()>& done, Duration limit = Duration::seconds(30)) {
        Timestamp deadline = sim_now() + limit;
        flush();
        for (uint64_t steps = 0; !done(); ++steps) {
            flush();  // what done() itself sent (the benchmark tops up there) leaves now
            std::optional<Timestamp> next = next_deadline();
            if (!next || *next > deadline || steps >= kMaxSteps) {
                sim_advance_to(deadline);
                step();
                return done();
            }
            sim_advance_to(*next);
            step();
        }
        return true;
    }

    // Runs for `duration` of simulated time.
    void drive_for(Duration duration) {
        Timestamp end = sim_now() + duration;
        (void)drive_until([&] { return sim_now() >= end; }, duration + Duration::millis(1));
    }

    // A's offer -> Z, Z's answer -> A, then every candidate trickled as it surfaces, as the
    // spec examples' signaling channel does (in order, 1 ms). Returns an error text, empty
    // on success.
    std::string negotiate() { return negotiate(NegotiateOptions()); }
    std::string negotiate(const NegotiateOptions& options) {
        auto offer = a_.pc->create_offer(now(), options.ice_restart);
        if (!offer) return "A create_offer: " + offer.error().message;
        if (auto s = a_.pc->set_local_description(now(), sdp::SdpType::kOffer, *offer); !s)
            return "A set_local_description(offer): " + s.error().message;
        std::string signaled_offer = *offer;
        if (options.edit_offer) options.edit_offer(signaled_offer);
        if (auto s = z_.pc->set_remote_description(now(), sdp::SdpType::kOffer, signaled_offer); !s)
            return "Z set_remote_description(offer): " + s.error().message;
        auto answer = z_.pc->create_answer(now());
        if (!answer) return "Z create_answer: " + answer.error().message;
        if (auto s = z_.pc->set_local_description(now(), sdp::SdpType::kAnswer, *answer); !s)
            return "Z set_local_description(answer): " + s.error().message;
        std::string signaled_answer = *answer;
        if (options.edit_answer) options.edit_answer(signaled_answer);
        if (auto s = a_.pc->set_remote_description(now(), sdp::SdpType::kAnswer, signaled_answer); !s)
            return "A set_remote_description(answer): " + s.error().message;
        trickle_ = true;
        flush();
        return {};
    }

    // Events of one side of a given type, in order.
    template <class E>
    std::vector<E> events_of(const Side& side) const {
        std::vector<E> out;
        for (const auto& event : side.events) {
            if (const E* e = std::get_if<E>(&event)) out.push_back(*e);
        }
        return out;
    }
    template <class E>
    size_t count_of(const Side& side) const {
        size_t n = 0;
        for (const auto& event : side.events) n += std::holds_alternative<E>(event) ? 1 : 0;
        return n;
    }

private:
    Side make_side(const std::string& name, uint64_t connection) {
        Side side;
        side.name = name;
        peer::PeerConnectionConfig config;
        config.seed = seeded_rng("peer " + name).bytes(32);
        config.wall_clock_unix = 1767225600;
        config.turn_username = options_.username;
        config.turn_password = options_.password;
        side.pc = std::move(peer::PeerConnection::create(config, sim_now()).value());
        side.key.transport = net::TransportProtocol::kWebSocket;
        side.key.connection = connection;
        side.key.remote = net::SocketAddress(net::IpAddress::v4(198, 18, 0, static_cast<uint8_t>(connection)), 50000);
        side.key.local = net::SocketAddress(net::IpAddress::v4(198, 18, 0, 100), 8080);
        return side;
    }

    Side& side_of(const relay::turn::ClientKey& key) { return key == a_.key ? a_ : z_; }
    Side& other(const Side& side) { return &side == &a_ ? z_ : a_; }

    // Events in flight, by due time; equal times keep their scheduling order (multimap
    // inserts equal keys last), which keeps the client leg in order like a WebSocket.
    void schedule(Duration delay, std::function<void()> deliver) {
        in_flight_.emplace((sim_now() + delay).as_micros(), std::move(deliver));
    }

    bool chance(double p) { return p > 0 && static_cast<double>(link_rng_.next_u32()) / 4294967296.0 < p; }

    // A datagram from one relayed address to another: the peer leg's impairments.
    void send_on_peer_link(const relay::turn::SendToPeer& datagram, relay::turn::AllocationId target,
                           const net::SocketAddress& source) {
        LinkStats& stats = owner_[datagram.allocation] == &a_ ? to_z_ : to_a_;
        const LinkConfig& link = options_.peer_link;
        ++stats.sent;
        stats.largest = std::max(stats.largest, datagram.bytes.size());
        if (datagram.bytes.size() > link.mtu) {
            ++stats.dropped_mtu;
            return;
        }
        if (chance(link.loss)) {
            ++stats.dropped_loss;
            return;
        }
        Duration delay = link.latency;
        if (chance(link.reorder)) {
            ++stats.reordered;
            delay = delay + link.reorder_delay;
        }
        LinkStats* counted = &stats;
        schedule(delay, [this, target, source, bytes = datagram.bytes, counted] {
            ++counted->delivered;
            apply(server_->handle_peer_datagram(target, source, bytes, sim_now()), nullptr);
        });
    }

    // `origin`: the side whose client message produced the actions (owns new allocations).
    void apply(relay::turn::Actions actions, Side* origin) {
        for (auto& action : actions) {
            if (auto* to_client = std::get_if<relay::turn::SendToClient>(&action)) {
                Side* side = &side_of(to_client->client);
                schedule(options_.client_latency, [side, bytes = std::move(to_client->bytes)] {
                    side->pc->handle_relay_receive(sim_now(), bytes);
                });
            } else if (auto* to_peer = std::get_if<relay::turn::SendToPeer>(&action)) {
                auto from = relayed_.find(to_peer->allocation);
                auto to = std::find_if(relayed_.begin(), relayed_.end(),
                                       [&](const auto& entry) { return entry.second == to_peer->peer; });
                if (from == relayed_.end() || to == relayed_.end()) continue;  // nobody there: UDP drops it
                send_on_peer_link(*to_peer, to->first, from->second);
            } else if (auto* open = std::get_if<relay::turn::OpenRelay>(&action)) {
                net::SocketAddress relayed(net::IpAddress::v4(20, 0, 0, 1),
                                           static_cast<uint16_t>(49152 + relayed_.size()));
                relayed_[open->allocation] = relayed;
                owner_[open->allocation] = origin;
                apply(server_->handle_relay_opened(open->allocation, relayed, sim_now()), origin);
            } else if (auto* close = std::get_if<relay::turn::CloseRelay>(&action)) {
                relayed_.erase(close->allocation);
            }
        }
    }

    // Moves every queued output of both peer connections to where it goes next.
    void flush() {
        for (Side* side : {&a_, &z_}) {
            while (auto frame = side->pc->poll_relay_transmit()) {
                schedule(options_.client_latency, [this, side, bytes = std::move(*frame)] {
                    apply(server_->handle_client_message(side->key, bytes, sim_now(),
                                                         1767225600 + sim_now().as_millis() / 1000),
                          side);
                });
            }
            while (auto event = side->pc->poll_event()) {
                if (auto* candidate = std::get_if<peer::IceCandidateEvent>(&*event);
                    trickle_ && candidate && !candidate->end_of_candidates) {
                    sdp::IceCandidateInit init;
                    init.candidate = candidate->candidate;
                    init.sdp_mid = candidate->sdp_mid;
                    init.sdp_mline_index = candidate->sdp_mline_index;
                    Side* target = &other(*side);
                    schedule(Duration::millis(1), [this, target, init] {
                        if (auto s = target->pc->add_ice_candidate(sim_now(), init); !s) {
                            signaling_errors_.push_back(target->name + " add_ice_candidate: " + s.error().message);
                        }
                    });
                }
                side->events.push_back(std::move(*event));
            }
        }
    }

    void step() {
        // Deliver everything due, in order of due time.
        while (!in_flight_.empty() && in_flight_.begin()->first <= sim_now().as_micros()) {
            auto deliver = std::move(in_flight_.begin()->second);
            in_flight_.erase(in_flight_.begin());
            deliver();
            flush();
        }
        for (Side* side : {&a_, &z_}) {
            auto t = side->pc->poll_timeout();
            if (t && *t <= sim_now()) side->pc->handle_timeout(sim_now());
        }
        if (sim_now() >= next_server_sweep_) {
            apply(server_->handle_timeout(sim_now()), nullptr);
            next_server_sweep_ = sim_now() + Duration::seconds(1);
        }
        flush();
    }

    std::optional<Timestamp> next_deadline() const {
        std::optional<Timestamp> next = next_server_sweep_;
        auto consider = [&next](std::optional<Timestamp> t) {
            if (t && (!next || *t < *next)) next = t;
        };
        if (!in_flight_.empty()) consider(Timestamp::from_micros(in_flight_.begin()->first));
        consider(a_.pc->poll_timeout());
        consider(z_.pc->poll_timeout());
        if (next && *next < sim_now()) next = sim_now();
        return next;
    }

    Options options_;
    crypto::Csprng link_rng_;
    std::unique_ptr<relay::turn::TurnServer> server_;
    Side a_;
    Side z_;
    bool trickle_ = false;
    std::map<relay::turn::AllocationId, net::SocketAddress> relayed_;
    std::map<relay::turn::AllocationId, Side*> owner_;
    std::multimap<int64_t, std::function<void()>> in_flight_;
    Timestamp next_server_sweep_ = sim_now();
    LinkStats to_z_;
    LinkStats to_a_;
    std::vector<std::string> signaling_errors_;
};

}  // namespace polyrtc::testing
