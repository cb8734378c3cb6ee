// Which peer addresses a TURN allocation may reach (RFC 8656 section 21.3: "a TURN server
// ... could be used to reach private networks").
//
// Decision for a peer IP, first match wins:
//   1. unspecified (0.0.0.0, ::)                        refused, always
//   2. loopback without --allow-loopback-peers          refused (as coturn: not even an
//                                                       --allowed-peer-ip range opens it)
//   3. inside an --allowed-peer-ip range                permitted
//   4. inside a --denied-peer-ip range                  refused
//   5. loopback (with --allow-loopback-peers)           permitted
//   6. global unicast                                   permitted
//   7. anything else: private, shared (CGNAT), link-local, cloud metadata, multicast,
//      broadcast, documentation, reserved               refused
// IPv4-mapped IPv6 (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) addresses are judged as the
// IPv4 address they carry (net::IpAddress::classify), and IPv4 ranges match them too.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/net/socket_address.hpp"

namespace polyrtc::relay::turn {

// A range of addresses as operators write them: CIDR ("10.0.0.0/8", "fc00::/7"), a single
// address ("192.0.2.7"), or coturn's inclusive "first-last" form
// ("10.0.0.0-10.255.255.255").
class PeerRange {
public:
    static Result<PeerRange, net::AddressError> parse(std::string_view text);

    bool contains(const net::IpAddress& ip) const;
    std::string to_string() const;

private:
    PeerRange(net::IpAddress first, net::IpAddress last) : first_(first), last_(last) {}
    // Inclusive bounds of the same family (IPv4 ranges are stored unmapped).
    net::IpAddress first_;
    net::IpAddress last_;
};

enum class PeerVerdict {
    kPermitted,
    kUnspecified,
    kLoopback,
    kDeniedRange,
    kNonGlobal,  // private, link-local, metadata, multicast, reserved ...
};
const char* to_string(PeerVerdict verdict);

struct PeerPolicy {
    bool allow_loopback_peers = false;
    std::vector<PeerRange> allowed;
    std::vector<PeerRange> denied;

    PeerVerdict check(const net::IpAddress& peer) const;
    bool permits(const net::IpAddress& peer) const { return check(peer) == PeerVerdict::kPermitted; }
};

}  // namespace polyrtc::relay::turn
