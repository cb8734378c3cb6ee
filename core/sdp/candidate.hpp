// ICE candidates as SDP and the W3C API carry them (RFC 8839 section 5.1, RFC 6544 tcptype).
//
//   candidate-attribute   = "candidate" ":" foundation SP component-id SP
//                           transport SP priority SP connection-address SP port
//                           SP cand-type [SP rel-addr] [SP rel-port] *(SP cand-extension)
//   foundation            = 1*32ice-char
//   component-id          = 1*3DIGIT                       ; 1..256
//   transport             = "UDP" / transport-extension    ; token, case-insensitive
//   priority              = 1*10DIGIT                      ; 1..2^31-1 in practice, u32 here
//   cand-type             = "typ" SP candidate-types       ; host / srflx / prflx / relay
//   rel-addr              = "raddr" SP connection-address
//   rel-port              = "rport" SP port
//   cand-extension        = extension-att-name SP extension-att-value
//
// A trickled candidate (RTCIceCandidate.candidate) is the attribute without "a=":
//   candidate:2615013543 1 udp 2122194687 192.0.2.2 56726 typ host generation 0 ufrag +r77 network-id 1
// parse() takes that form and the SDP line form "a=candidate:...". Browsers' extensions
// (generation, ufrag, network-id, network-cost, tcptype) are typed; any other name/value pair is
// kept in order and written back after them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"

namespace polyrtc::sdp {

enum class CandidateError {
    kTooLong,        // more than Candidate::kMaxLength characters
    kMissingPrefix,  // does not start with "candidate:" (or "a=candidate:")
    kTooFewFields,   // fewer than the 8 mandatory fields
    kBadFoundation,  // not 1..32 ice-chars
    kBadComponent,   // not an integer 1..256
    kBadTransport,   // not a token
    kBadPriority,    // not an unsigned 32-bit integer
    kBadAddress,     // not IPv4, IPv6 or a DNS name (mDNS ".local" names included)
    kBadPort,        // not 0..65535
    kMissingTyp,     // the 7th field is not "typ"
    kBadType,        // not host, srflx, prflx or relay
    kBadRelatedAddress,
    kBadRelatedPort,
    kBadTcpType,    // not active, passive or so
    kBadExtension,  // a name without a value, a repeated known name, or a bad number
};
const char* to_string(CandidateError error);

enum class CandidateType { kHost, kSrflx, kPrflx, kRelay };
const char* to_string(CandidateType type);  // "host", "srflx", "prflx", "relay"

enum class TcpType { kActive, kPassive, kSo };
const char* to_string(TcpType type);  // "active", "passive", "so"

enum class AddressKind { kIpv4, kIpv6, kHostname };

struct Candidate {
    static constexpr size_t kMaxLength = 1024;

    std::string foundation;
    uint16_t component = 1;  // 1 = RTP (the only one with rtcp-mux/BUNDLE), 2 = RTCP
    std::string transport;   // as written: Chromium "udp"/"tcp", Firefox "UDP"/"TCP"
    uint32_t priority = 0;
    std::string address;  // IPv4, IPv6 (no brackets) or a host name such as "<uuid>.local"
    uint16_t port = 0;
    CandidateType type = CandidateType::kHost;
    std::optional<std::string> related_address;
    std::optional<uint16_t> related_port;
    std::optional<TcpType> tcp_type;
    std::optional<uint32_t> generation;
    std::optional<std::string> ufrag;
    std::optional<uint32_t> network_id;
    std::optional<uint32_t> network_cost;
    // Other extension pairs, in the order they appeared.
    std::vector<std::pair<std::string, std::string>> extensions;

    // Accepts "candidate:...", "a=candidate:..." (a trailing CR/LF is ignored).
    static Result<Candidate, CandidateError> parse(std::string_view text);

    // "candidate:..." as RTCIceCandidate.candidate carries it, fields in the order Chromium
    // writes them: typ, raddr, rport, tcptype, generation, ufrag, network-id, network-cost,
    // then the other extensions.
    std::string to_string() const;
    // "a=candidate:..." without line ending.
    std::string to_sdp_line() const { return "a=" + to_string(); }

    bool is_udp() const;
    bool is_tcp() const;
    AddressKind address_kind() const;
    // A host candidate whose address is an mDNS name (RFC 8838-era ".local" obfuscation).
    bool is_mdns() const;

    bool operator==(const Candidate& o) const;
    bool operator!=(const Candidate& o) const { return !(*this == o); }
};

}  // namespace polyrtc::sdp
