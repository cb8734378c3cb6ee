// DtlsPair: two DtlsEndpoints wired in memory, A and Z, for tests.
//
// Each datagram one side emits is delivered to the other after `latency` plus a seeded random
// `jitter` (jitter reorders), unless seeded `loss` drops it or a test's `filter` does. Time is
// simulated: drive() jumps to the earliest of the next delivery and both endpoints' deadlines,
// so a 40-second handshake timeout takes milliseconds. Every emitted datagram is appended to
// `transcript`, which makes runs comparable byte for byte.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dtls/certificate.hpp"
#include "core/dtls/endpoint.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::dtls::testing {

struct LinkParams {
    Duration latency = Duration::millis(10);
    Duration jitter = Duration::millis(0);  // extra uniform delay in [0, jitter): reorders
    double loss = 0.0;                      // probability of dropping each datagram
};

struct TranscriptEntry {
    int64_t at_us;
    char from;  // 'A' or 'Z'
    bool dropped;
    Bytes bytes;
    bool operator==(const TranscriptEntry& o) const {
        return at_us == o.at_us && from == o.from && dropped == o.dropped && bytes == o.bytes;
    }
};

struct PairOptions {
    DtlsRole a_role = DtlsRole::kClient;  // Z takes the other role
    DtlsConfig a_config;                  // role overwritten from a_role
    DtlsConfig z_config;                  // role overwritten
    bool a_knows_z_fingerprint = true;    // set before start
    bool z_knows_a_fingerprint = true;
    LinkParams link;
};

class DtlsPair {
public:
    struct Side {
        char name;
        crypto::Csprng rng;
        Certificate cert;
        std::optional<DtlsEndpoint> ep;
        std::vector<DtlsEvent> events;

        Side(char n, crypto::Csprng r, Certificate c) : name(n), rng(std::move(r)), cert(std::move(c)) {}
        DtlsEndpoint& endpoint() { return *ep; }

        template <class T>
        std::vector<T> events_of() const {
            std::vector<T> out;
            for (const DtlsEvent& e : events) {
                if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
            }
            return out;
        }
        std::optional<Connected> connected() const {
            auto all = events_of<Connected>();
            if (all.empty()) return std::nullopt;
            return all.front();
        }
        std::optional<Failed> failed() const {
            auto all = events_of<Failed>();
            if (all.empty()) return std::nullopt;
            return all.front();
        }
        std::vector<Bytes> data() const {
            std::vector<Bytes> out;
            for (const Data& d : events_of<Data>()) out.push_back(d.bytes);
            return out;
        }
    };

    // `label` seeds everything: both certificates, both endpoints' Csprngs and the network.
    explicit DtlsPair(const std::string& label, PairOptions options = {})
        : options_(options), net_rng_(polyrtc::testing::seeded_rng(label + "/net")) {
        a_ = make_side('A', label);
        z_ = make_side('Z', label);
        DtlsConfig ca = options.a_config;
        ca.role = options.a_role;
        DtlsConfig cz = options.z_config;
        cz.role = options.a_role == DtlsRole::kClient ? DtlsRole::kServer : DtlsRole::kClient;
        a_->ep.emplace(std::move(DtlsEndpoint::create(a_->cert, a_->rng, ca).value()));
        z_->ep.emplace(std::move(DtlsEndpoint::create(z_->cert, z_->rng, cz).value()));
        if (options.a_knows_z_fingerprint) a_->endpoint().set_remote_fingerprint(z_->cert.fingerprint());
        if (options.z_knows_a_fingerprint) z_->endpoint().set_remote_fingerprint(a_->cert.fingerprint());
    }

    Side& a() { return *a_; }
    Side& z() { return *z_; }
    Side& client() { return options_.a_role == DtlsRole::kClient ? *a_ : *z_; }
    Side& server() { return options_.a_role == DtlsRole::kClient ? *z_ : *a_; }
    Timestamp now() const { return now_; }
    Duration elapsed() const { return now_ - kStart; }
    const std::vector<TranscriptEntry>& transcript() const { return transcript_; }
    LinkParams& link() { return options_.link; }

    // Called for each datagram before the link sees it; return false to drop it. May modify.
    std::function<bool(char from, Bytes& datagram)> filter;

    void start() {
        // Server first, as an answerer would; the order does not matter.
        (void)server().endpoint().start(now_);
        (void)client().endpoint().start(now_);
        flush();
    }

    // Hands `datagram` to `to` right now, bypassing the link.
    void inject(Side& to, const Bytes& datagram) {
        to.endpoint().handle_receive(now_, datagram);
        flush();
    }

    // Runs until `done()` holds, nothing is left to do, or `limit` of simulated time passed.
    // Returns done().
    bool drive(const std::function<bool()>& done, Duration limit = Duration::seconds(120)) {
        const Timestamp deadline = now_ + limit;
        for (int step = 0; step < 200000; ++step) {
            flush();
            if (done()) return true;
            std::optional<Timestamp> next;
            auto consider = [&](std::optional<Timestamp> t) {
                if (t && (!next || *t < *next)) next = t;
            };
            for (const InFlight& f : in_flight_) consider(f.at);
            consider(a_->endpoint().poll_timeout());
            consider(z_->endpoint().poll_timeout());
            if (!next || *next > deadline) return done();
            now_ = std::max(now_, *next);
            // Deliver everything due, in arrival order.
            for (;;) {
                auto due =
                    std::min_element(in_flight_.begin(), in_flight_.end(), [](const InFlight& x, const InFlight& y) {
                        return x.at != y.at ? x.at < y.at : x.order < y.order;
                    });
                if (due == in_flight_.end() || due->at > now_) break;
                InFlight f = std::move(*due);
                in_flight_.erase(due);
                Side& to = f.to == 'A' ? *a_ : *z_;
                to.endpoint().handle_receive(now_, f.bytes);
                flush();
            }
            for (Side* s : {a_.get(), z_.get()}) {
                auto t = s->endpoint().poll_timeout();
                if (t && *t <= now_) s->endpoint().handle_timeout(now_);
            }
        }
        return done();
    }

    bool drive_until_connected(Duration limit = Duration::seconds(120)) {
        return drive(
            [&] {
                return a_->endpoint().state() == DtlsState::kConnected &&
                       z_->endpoint().state() == DtlsState::kConnected;
            },
            limit);
    }

    // Runs until nothing is in flight and no timer is armed (or `limit`).
    void settle(Duration limit = Duration::seconds(120)) {
        drive([] { return false; }, limit);
    }

    // Drains both endpoints' outputs: datagrams onto the link (or the floor), events into the
    // sides' logs.
    void flush() {
        for (Side* s : {a_.get(), z_.get()}) {
            while (auto d = s->endpoint().poll_transmit()) {
                Bytes bytes = std::move(*d);
                bool keep = !filter || filter(s->name, bytes);
                bool lost = keep && options_.link.loss > 0 && chance(options_.link.loss);
                transcript_.push_back({now_.as_micros(), s->name, !keep || lost, bytes});
                max_datagram_ = std::max(max_datagram_, bytes.size());
                if (!keep || lost) continue;
                Duration delay = options_.link.latency;
                if (options_.link.jitter > Duration::micros(0)) {
                    delay = delay + Duration::micros(
                                        static_cast<int64_t>(net_rng_.next_u32() % options_.link.jitter.as_micros()));
                }
                in_flight_.push_back({now_ + delay, next_order_++, s->name == 'A' ? 'Z' : 'A', std::move(bytes)});
            }
            while (auto e = s->endpoint().poll_event()) s->events.push_back(std::move(*e));
        }
    }

    size_t max_datagram() const { return max_datagram_; }

    static constexpr Timestamp kStart = Timestamp::from_millis(1000);

private:
    struct InFlight {
        Timestamp at;
        uint64_t order;
        char to;
        Bytes bytes;
    };

    std::unique_ptr<Side> make_side(char name, const std::string& label) {
        auto cert_rng = polyrtc::testing::seeded_rng(label + "/cert/" + name);
        CertificateParams params;
        params.not_before_unix = 1767225600;  // 2026-01-01
        params.not_after_unix = params.not_before_unix + 30 * 86400;
        auto cert = Certificate::generate(params, cert_rng);
        return std::make_unique<Side>(name, polyrtc::testing::seeded_rng(label + "/dtls/" + name),
                                      std::move(cert.value()));
    }

    bool chance(double p) { return net_rng_.next_u32() < static_cast<uint32_t>(p * 4294967295.0); }

    PairOptions options_;
    crypto::Csprng net_rng_;
    std::unique_ptr<Side> a_;
    std::unique_ptr<Side> z_;
    Timestamp now_ = kStart;
    std::vector<InFlight> in_flight_;
    uint64_t next_order_ = 0;
    std::vector<TranscriptEntry> transcript_;
    size_t max_datagram_ = 0;
};

}  // namespace polyrtc::dtls::testing
