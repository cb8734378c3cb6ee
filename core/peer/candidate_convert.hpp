// Between the two shapes of an ICE candidate: the SDP text grammar (sdp::Candidate, what
// RTCIceCandidate.candidate and a=candidate carry) and the ICE agent's typed candidate.
#pragma once

#include <optional>
#include <string>

#include "core/ice/candidate.hpp"
#include "core/sdp/candidate.hpp"

namespace polyrtc::peer {

// nullopt for candidates a relay-only agent cannot use: TCP, component 2, and host names
// (mDNS ".local" candidates cannot be resolved without UDP multicast).
std::optional<ice::Candidate> to_ice_candidate(const sdp::Candidate& candidate);

// Our local candidate as browsers write it: udp, generation 0, our ufrag; a relayed
// candidate carries raddr 0.0.0.0 rport 0 (see ice/agent.hpp for why).
sdp::Candidate to_sdp_candidate(const ice::Candidate& candidate, const std::string& ufrag);

}  // namespace polyrtc::peer
