// Fixed inputs shared by the SDP tests and tests/unit/sdp/sdp_tool.cpp, so the offer the
// tests pin (tests/data/sdp/polyrtc-offer.sdp) is the one capture-sdp.mjs gives Chromium.
#pragma once

#include "core/sdp/jsep.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::sdp::testing {

// A fixed (not generated) certificate fingerprint: offers need one, Chromium's
// setRemoteDescription does not check it against anything until DTLS runs.
inline dtls::Fingerprint fixed_fingerprint() {
    return dtls::Fingerprint::
        parse("sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08")
            .value();
}

inline NegotiatorConfig fixed_config() {
    NegotiatorConfig config;
    config.fingerprint = fixed_fingerprint();
    return config;
}

// The seed label of the golden offer.
inline constexpr const char* kGoldenOfferSeed = "sdp.golden-offer";

}  // namespace polyrtc::sdp::testing
