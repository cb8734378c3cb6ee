// Conversion between the SDP/W3C candidate (core/sdp/candidate.hpp, RFC 8839 grammar) and the
// agent's resolved Candidate. The owner calls candidate_from_sdp() on every a=candidate line
// and every addIceCandidate(), and candidate_to_sdp() on every local candidate it signals.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/ice/agent.hpp"
#include "core/ice/candidate.hpp"
#include "core/sdp/candidate.hpp"

namespace polyrtc::ice {

// A remote candidate the agent can use, or why not:
//   kUnsupportedTransport  TCP candidates (RFC 6544): the relay path is UDP only
//   kUnresolvedAddress     a host name, e.g. Chromium's mDNS "<uuid>.local": a page without
//                          UDP cannot resolve it; the peer's srflx/relay candidates still work
//   kUnsupportedComponent  component other than 1
//   kUnsupportedAddress    unspecified address or port 0
Result<Candidate, IceError> candidate_from_sdp(const sdp::Candidate& candidate);

// The SDP form of a local candidate: transport "udp", generation 0, the ufrag extension when
// given (Chromium writes it), raddr/rport from related_address (0.0.0.0 0 for relayed ones
// when the owner set it so, see agent.hpp).
sdp::Candidate candidate_to_sdp(const Candidate& candidate, std::optional<std::string_view> ufrag = std::nullopt);

}  // namespace polyrtc::ice
