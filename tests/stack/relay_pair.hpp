// RelayPair: two PeerConnections ("A" and "Z") that reach each other only through the relay's
// real TURN logic (relay::turn::TurnServer), all in memory and in simulated time.
//
//   A.poll_relay_transmit() --(latency)--> TurnServer (client key A) --SendToPeer-->
//   the "UDP network" between relayed addresses --(latency, loss)--> TurnServer
//   --SendToClient (client key Z)--> Z.handle_relay_receive()
//
// Exactly what happens in a page, except that the WebSocket frames and the relay's UDP
// sockets are queues. Time is the process-wide simulated clock of tests/unit/sctp (usrsctp
// reads gettimeofday, which that clock drives), advanced to the earliest deadline.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

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
        std::vector<peer::Event> events;
    };

    struct Options {
        Duration client_latency = Duration::millis(10);  // page <-> relay, each way
        Duration peer_latency = Duration::millis(1);     // relayed address <-> relayed address
        double peer_loss = 0.0;                          // on the UDP leg between allocations
        uint32_t seed = 1;
        std::string username;  // empty: the relay runs with no_auth
        std::string password;
    };

    RelayPair() : RelayPair(Options()) {}
    explicit RelayPair(Options options) : options_(options), loss_rng_(options.seed) {
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
    Timestamp now() const { return sim_now(); }

    // Delivers everything due and every output produced, advancing simulated time, until
    // `done()` holds or `limit` of simulated time has passed. Returns done().
    bool drive_until(const std::function<bool()>& done, Duration limit = Duration::seconds(30)) {
        Timestamp deadline = sim_now() + limit;
        flush();
        while (!done()) {
            std::optional<Timestamp> next = next_deadline();
            if (!next || *next > deadline) {
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
        drive_until([&] { return sim_now() >= end; }, duration + Duration::millis(1));
    }

    // A's offer -> Z, Z's answer -> A, and every candidate trickled, as the spec examples'
    // signaling channel would (in-order, instantly).
    void negotiate() {
        auto offer = a_.pc->create_offer(now(), false);
        REQUIRE(offer.ok());
        REQUIRE(a_.pc->set_local_description(now(), sdp::SdpType::kOffer, *offer).ok());
        REQUIRE(z_.pc->set_remote_description(now(), sdp::SdpType::kOffer, *offer).ok());
        auto answer = z_.pc->create_answer(now());
        REQUIRE(answer.ok());
        REQUIRE(z_.pc->set_local_description(now(), sdp::SdpType::kAnswer, *answer).ok());
        REQUIRE(a_.pc->set_remote_description(now(), sdp::SdpType::kAnswer, *answer).ok());
        trickle_ = true;
        flush();
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

    relay::turn::TurnServer& server() { return *server_; }

private:
    struct InFlight {
        Timestamp at;
        std::function<void()> deliver;
    };

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

    void schedule(Duration delay, std::function<void()> deliver) {
        in_flight_.push_back(InFlight{sim_now() + delay, std::move(deliver)});
    }

    void apply(relay::turn::Actions actions) {
        for (auto& action : actions) {
            if (auto* to_client = std::get_if<relay::turn::SendToClient>(&action)) {
                Side* side = &side_of(to_client->client);
                Bytes bytes = std::move(to_client->bytes);
                schedule(options_.client_latency,
                         [this, side, bytes] { side->pc->handle_relay_receive(sim_now(), bytes); });
            } else if (auto* to_peer = std::get_if<relay::turn::SendToPeer>(&action)) {
                auto from = relayed_.find(to_peer->allocation);
                auto to = std::find_if(relayed_.begin(), relayed_.end(),
                                       [&](const auto& entry) { return entry.second == to_peer->peer; });
                if (from == relayed_.end() || to == relayed_.end()) continue;  // nobody there: UDP drops it
                if (options_.peer_loss > 0 &&
                    std::uniform_real_distribution<double>(0, 1)(loss_rng_) < options_.peer_loss) {
                    continue;
                }
                relay::turn::AllocationId target = to->first;
                net::SocketAddress source = from->second;
                Bytes bytes = std::move(to_peer->bytes);
                schedule(options_.peer_latency, [this, target, source, bytes] {
                    apply(server_->handle_peer_datagram(target, source, bytes, sim_now()));
                });
            } else if (auto* open = std::get_if<relay::turn::OpenRelay>(&action)) {
                net::SocketAddress relayed(net::IpAddress::v4(20, 0, 0, 1),
                                           static_cast<uint16_t>(49152 + relayed_.size()));
                relayed_[open->allocation] = relayed;
                apply(server_->handle_relay_opened(open->allocation, relayed, sim_now()));
            } else if (auto* close = std::get_if<relay::turn::CloseRelay>(&action)) {
                relayed_.erase(close->allocation);
            }
        }
    }

    // Moves every queued output of both peer connections to where it goes next.
    void flush() {
        for (Side* side : {&a_, &z_}) {
            while (auto frame = side->pc->poll_relay_transmit()) {
                Bytes bytes = std::move(*frame);
                relay::turn::ClientKey key = side->key;
                schedule(options_.client_latency, [this, key, bytes] {
                    apply(server_->handle_client_message(key, bytes, sim_now(),
                                                         1767225600 + sim_now().as_millis() / 1000));
                });
            }
            while (auto event = side->pc->poll_event()) {
                if (trickle_) {
                    if (auto* candidate = std::get_if<peer::IceCandidateEvent>(&*event)) {
                        if (!candidate->end_of_candidates) {
                            sdp::IceCandidateInit init;
                            init.candidate = candidate->candidate;
                            init.sdp_mid = candidate->sdp_mid;
                            init.sdp_mline_index = candidate->sdp_mline_index;
                            Side* target = &other(*side);
                            schedule(Duration::millis(1),
                                     [target, init] { REQUIRE(target->pc->add_ice_candidate(sim_now(), init).ok()); });
                        }
                    }
                }
                side->events.push_back(std::move(*event));
            }
        }
    }

    void step() {
        // Deliver everything due, in order of due time.
        for (;;) {
            auto due = std::min_element(in_flight_.begin(), in_flight_.end(),
                                        [](const InFlight& x, const InFlight& y) { return x.at < y.at; });
            if (due == in_flight_.end() || due->at > sim_now()) break;
            auto deliver = std::move(due->deliver);
            in_flight_.erase(due);
            deliver();
            flush();
        }
        for (Side* side : {&a_, &z_}) {
            auto t = side->pc->poll_timeout();
            if (t && *t <= sim_now()) side->pc->handle_timeout(sim_now());
        }
        if (sim_now() >= next_server_sweep_) {
            apply(server_->handle_timeout(sim_now()));
            next_server_sweep_ = sim_now() + Duration::seconds(1);
        }
        flush();
    }

    std::optional<Timestamp> next_deadline() const {
        std::optional<Timestamp> next = next_server_sweep_;
        auto consider = [&next](std::optional<Timestamp> t) {
            if (t && (!next || *t < *next)) next = t;
        };
        for (const auto& f : in_flight_) consider(f.at);
        consider(a_.pc->poll_timeout());
        consider(z_.pc->poll_timeout());
        if (next && *next < sim_now()) next = sim_now();
        return next;
    }

    Options options_;
    std::mt19937 loss_rng_;
    std::unique_ptr<relay::turn::TurnServer> server_;
    Side a_;
    Side z_;
    bool trickle_ = false;
    std::map<relay::turn::AllocationId, net::SocketAddress> relayed_;
    std::vector<InFlight> in_flight_;
    Timestamp next_server_sweep_ = sim_now();
};

}  // namespace polyrtc::testing
