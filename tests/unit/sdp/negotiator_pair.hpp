// Two SessionNegotiators, A and Z, for the doctest SDP tests (jsep_test, transceiver_test):
// a seeded Peer with offer/answer/addTrack shortcuts, one offer/answer round, and the checks
// on a negotiator's Status. (sdp_fixtures.hpp holds the fixed inputs, without doctest.)
#pragma once

#include <string>

#include <doctest/doctest.h>

#include "core/sdp/jsep.hpp"
#include "tests/unit/sdp/sdp_fixtures.hpp"

namespace polyrtc::sdp::testing {

struct Peer {
    explicit Peer(const char* label) : rng(polyrtc::testing::seeded_rng(label)), n(fixed_config(), rng) {}
    crypto::Csprng rng;
    SessionNegotiator n;

    std::string offer(OfferOptions options = {}) {
        auto o = n.create_offer(rng, options);
        REQUIRE_MESSAGE(o.ok(), o.error().to_string());
        return *o;
    }
    std::string answer() {
        auto a = n.create_answer(rng);
        REQUIRE_MESSAGE(a.ok(), a.error().to_string());
        return *a;
    }
    // addTrack(track, stream): a sendrecv transceiver with a track.
    TransceiverId add_track(uint32_t ssrc, const char* track = "track-a", const char* stream = "stream-a") {
        TransceiverInit init;
        init.ssrc = ssrc;
        init.cname = "cname-" + std::to_string(ssrc);
        init.track_id = track;
        init.stream_ids = {stream};
        auto id = n.add_transceiver(init);
        REQUIRE(id.ok());
        return *id;
    }
    const TransceiverState& transceiver(TransceiverId id) {
        for (const auto& t : n.transceivers()) {
            if (t.id == id) return t;
        }
        FAIL("no transceiver " << id);
        return n.transceivers().front();
    }
};

inline void require_ok(const Status<NegotiationError>& s) {
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().to_string()));
}

inline JsepError error_of(const Status<NegotiationError>& s) {
    REQUIRE_MESSAGE(!s.ok(), "expected an error");
    return s.error().name;
}

// A: createOffer (with `options`) + setLocal; Z: setRemote + createAnswer + setLocal;
// A: setRemote(answer).
inline void negotiate(Peer& a, Peer& z, OfferOptions options = {}) {
    std::string offer = a.offer(options);
    require_ok(a.n.set_local(SdpType::kOffer, offer));
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    std::string answer = z.answer();
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    require_ok(a.n.set_remote(SdpType::kAnswer, answer));
}

// `s` with the first `from` replaced by `to` (which must be there).
inline std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    REQUIRE_MESSAGE(pos != std::string::npos, from);
    return s.replace(pos, from.size(), to);
}

}  // namespace polyrtc::sdp::testing
