// Two sans-IO SCTP endpoints wired in memory, in simulated time (quinn-proto's Pair).
//
// Endpoints are any type with the association's shape: handle_packet(now, bytes),
// handle_timeout(now), poll_transmit(), poll_event(), poll_timeout() (SctpAssociation and
// datachannel::ChannelRegistry). Peers are named A and Z. The link has a one-way latency,
// seeded random loss, seeded reordering (a packet is held back by extra delay) and an MTU
// (larger packets are dropped and counted, so a test can prove none was emitted).
//
// Time: `now` is the process-wide simulated clock (sim_clock_micros()), which the simulated
// gettimeofday() in sim_clock.cpp also returns, so usrsctp's two clocks (timer
// ticks from handle_timeout, and gettimeofday for RTT/heartbeats/cookies/PR-SCTP TTL) agree.
// The clock only moves forward, across tests too (usrsctp's stack is global and its timer
// clock must never go backwards). drive_until() advances it straight to the earliest
// deadline (a packet's arrival or an endpoint's timeout), so minutes of simulated time take
// milliseconds, and it is bounded by a simulated-time budget.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/time.hpp"
#include "tests/unit/sctp/sim_clock.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::testing {

struct LinkConfig {
    Duration latency = Duration::millis(10);  // one way
    double loss = 0.0;                        // probability a packet is dropped
    double reorder = 0.0;                     // probability a packet gets extra delay
    Duration reorder_delay = Duration::millis(15);
    size_t mtu = 1200;  // packets larger than this are dropped (and counted)
};

struct LinkStats {
    uint64_t sent = 0;
    uint64_t dropped_loss = 0;
    uint64_t dropped_mtu = 0;
    uint64_t reordered = 0;
    uint64_t delivered = 0;
    size_t largest = 0;
};

template <class EndpointA, class EndpointZ = EndpointA>
class Pair {
public:
    using EventA = typename decltype(std::declval<EndpointA&>().poll_event())::value_type;
    using EventZ = typename decltype(std::declval<EndpointZ&>().poll_event())::value_type;
    using Event = EventA;

    Pair(EndpointA peer_a, EndpointZ peer_z, LinkConfig link, std::string_view seed_label)
        : a(std::move(peer_a)), z(std::move(peer_z)), link_(link), rng_(seeded_rng(seed_label)) {}

    EndpointA a;
    EndpointZ z;
    std::deque<EventA> a_events;  // events polled from A, oldest first
    std::deque<EventZ> z_events;
    LinkStats a_to_z;
    LinkStats z_to_a;

    Timestamp now() const { return sim_now(); }
    LinkConfig& link() { return link_; }

    // Polls both endpoints: packets onto the link, events into a_events / z_events.
    void pump() {
        pump_side(a, a_events, to_z_, a_to_z);
        pump_side(z, z_events, to_a_, z_to_a);
    }

    // Runs the simulation until `done()` holds (checked after every step) or `budget` of
    // simulated time has passed. Returns done().
    bool drive_until(const std::function<bool()>& done, Duration budget = Duration::seconds(60)) {
        Timestamp end = now() + budget;
        for (;;) {
            pump();
            if (done()) return true;
            std::optional<Timestamp> next = earliest();
            if (!next || *next > end) {
                sim_advance_to(end);
                return done();
            }
            sim_advance_to(*next);
            step();
        }
    }

    // Runs for `duration` of simulated time regardless of state.
    void drive_for(Duration duration) {
        (void)drive_until([] { return false; }, duration);
    }

    // Delivers a hand-made packet to Z (garbage tests) or A.
    void inject_to_z(ByteView packet) { z.handle_packet(now(), packet); }
    void inject_to_a(ByteView packet) { a.handle_packet(now(), packet); }

    // Removes and returns the first event of `events` matching `T`, if any.
    template <class T, class E>
    static std::optional<T> take(std::deque<E>& events) {
        for (auto it = events.begin(); it != events.end(); ++it) {
            if (auto* e = std::get_if<T>(&*it)) {
                T out = std::move(*e);
                events.erase(it);
                return out;
            }
        }
        return std::nullopt;
    }
    template <class T, class E>
    static size_t count(const std::deque<E>& events) {
        return static_cast<size_t>(
            std::count_if(events.begin(), events.end(), [](const E& e) { return std::holds_alternative<T>(e); }));
    }

private:
    struct InFlight {
        Timestamp due;
        uint64_t seq;
        Bytes data;
    };

    bool chance(double p) {
        if (p <= 0.0) return false;
        return static_cast<double>(rng_.next_u32()) / 4294967296.0 < p;
    }

    template <class Endpoint, class E>
    void pump_side(Endpoint& e, std::deque<E>& events, std::vector<InFlight>& out, LinkStats& stats) {
        for (;;) {
            bool progress = false;
            while (auto packet = e.poll_transmit()) {
                progress = true;
                ++stats.sent;
                stats.largest = std::max(stats.largest, packet->size());
                if (packet->size() > link_.mtu) {
                    ++stats.dropped_mtu;
                    continue;
                }
                if (chance(link_.loss)) {
                    ++stats.dropped_loss;
                    continue;
                }
                Timestamp due = now() + link_.latency;
                if (chance(link_.reorder)) {
                    ++stats.reordered;
                    due = due + link_.reorder_delay;
                }
                out.push_back(InFlight{due, seq_++, std::move(*packet)});
            }
            while (auto event = e.poll_event()) {
                progress = true;
                events.push_back(std::move(*event));
            }
            if (!progress) return;
        }
    }

    std::optional<Timestamp> earliest() const {
        std::optional<Timestamp> t;
        auto consider = [&](std::optional<Timestamp> c) {
            if (c && (!t || *c < *t)) t = c;
        };
        for (const auto& p : to_z_) consider(p.due);
        for (const auto& p : to_a_) consider(p.due);
        consider(a.poll_timeout());
        consider(z.poll_timeout());
        return t;
    }

    // Delivers every packet due by now (in due order, then send order) and fires timeouts.
    void step() {
        deliver(to_z_, z, a_to_z);
        deliver(to_a_, a, z_to_a);
        Timestamp t = now();
        if (auto d = a.poll_timeout(); d && *d <= t) a.handle_timeout(t);
        if (auto d = z.poll_timeout(); d && *d <= t) z.handle_timeout(t);
    }

    template <class Endpoint>
    void deliver(std::vector<InFlight>& queue, Endpoint& to, LinkStats& stats) {
        std::vector<InFlight> due;
        Timestamp t = now();
        for (auto it = queue.begin(); it != queue.end();) {
            if (it->due <= t) {
                due.push_back(std::move(*it));
                it = queue.erase(it);
            } else {
                ++it;
            }
        }
        std::sort(due.begin(), due.end(), [](const InFlight& x, const InFlight& y) {
            return x.due < y.due || (x.due == y.due && x.seq < y.seq);
        });
        for (auto& p : due) {
            ++stats.delivered;
            to.handle_packet(t, p.data);
        }
    }

    LinkConfig link_;
    crypto::Csprng rng_;
    std::vector<InFlight> to_z_;
    std::vector<InFlight> to_a_;
    uint64_t seq_ = 0;
};

}  // namespace polyrtc::testing
