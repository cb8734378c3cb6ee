// ICE candidates as the agent sees them (RFC 8445 sections 5.1 and 6.1.2), with resolved
// transport addresses. The SDP grammar (`a=candidate:` lines, RFC 8839) lives in core/sdp;
// the agent's owner converts between the two. The agent never parses candidate text.
//
// Priority (RFC 8445 section 5.1.2.1):
//   priority = (2^24)*(type preference) + (2^8)*(local preference) + (2^0)*(256 - component ID)
// Type preferences follow the RFC's recommendation (section 5.1.2.2): host 126, peer-reflexive
// 110, server-reflexive 100, relayed 0.
//
// Pair priority (RFC 8445 section 6.1.2.3), G = controlling agent's candidate priority,
// D = controlled agent's:
//   pair priority = 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/net/socket_address.hpp"

namespace polyrtc::ice {

enum class CandidateType : uint8_t {
    kHost,
    kServerReflexive,
    kPeerReflexive,
    kRelayed,
};
const char* to_string(CandidateType type);  // "host", "srflx", "prflx", "relay" (SDP cand-type)

// The only component: WebRTC always multiplexes RTP and RTCP (rtcp-mux) and bundles.
constexpr uint16_t kComponentRtp = 1;
// Default local preference (RFC 8445 section 5.1.2.1: "SHOULD be 65535" for a single IP).
constexpr uint16_t kDefaultLocalPreference = 65535;

uint8_t type_preference(CandidateType type);
uint32_t compute_priority(CandidateType type, uint16_t local_preference, uint16_t component = kComponentRtp);
uint64_t pair_priority(uint32_t controlling_priority, uint32_t controlled_priority);

// Foundation (RFC 8445 section 5.1.1.3): equal for candidates with the same type, the same
// base IP address, the same STUN/TURN server IP address and the same transport. Returned as
// a decimal string of at most 10 digits (ice-chars, 1..32 of them). `server` is the TURN (or
// STUN) server for relayed (server-reflexive) candidates, nullopt for host candidates.
std::string compute_foundation(CandidateType type, const net::IpAddress& base_ip,
                               const std::optional<net::IpAddress>& server);

struct Candidate {
    CandidateType type = CandidateType::kHost;
    // The transport address the peer sends to (for a relayed candidate: the TURN relayed
    // address). UDP only: the agent does not pair TCP candidates.
    net::SocketAddress address;
    // Where this agent's packets for this candidate leave from (RFC 8445 section 5.1.1.1):
    // the candidate itself for host and relayed candidates, the host candidate for
    // server-reflexive ones. Remote candidates: equal to `address`.
    net::SocketAddress base;
    uint32_t priority = 0;
    std::string foundation;
    uint16_t component = kComponentRtp;
    // raddr/rport as signaled (informational; the agent does not use it).
    std::optional<net::SocketAddress> related_address;

    std::string to_string() const;  // "relay 203.0.113.5:49152 prio=16777215 fnd=123"
    bool operator==(const Candidate& o) const;
    bool operator!=(const Candidate& o) const { return !(*this == o); }
};

}  // namespace polyrtc::ice
