#include "relay/turn/peer_policy.hpp"

#include <algorithm>

namespace polyrtc::relay::turn {
namespace {

// Byte-wise comparison of two addresses of the same family.
int compare_bytes(const net::IpAddress& a, const net::IpAddress& b) {
    const ByteView x = a.bytes(), y = b.bytes();
    return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end())   ? -1
           : std::lexicographical_compare(y.begin(), y.end(), x.begin(), x.end()) ? 1
                                                                                  : 0;
}

}  // namespace

Result<PeerRange, net::AddressError> PeerRange::parse(std::string_view text) {
    const auto dash = text.find('-');
    if (dash != std::string_view::npos) {
        auto first = net::IpAddress::parse(text.substr(0, dash));
        if (!first) return unexpected(first.error());
        auto last = net::IpAddress::parse(text.substr(dash + 1));
        if (!last) return unexpected(last.error());
        const net::IpAddress a = first->unmapped(), b = last->unmapped();
        if (a.family() != b.family() || compare_bytes(a, b) > 0) return unexpected(net::AddressError::kMalformed);
        return PeerRange(a, b);
    }
    auto cidr = net::IpRange::parse(text);
    if (!cidr) return unexpected(cidr.error());
    net::IpAddress network = cidr->network();
    uint8_t prefix = cidr->prefix_length();
    if (network.is_v4_mapped() && prefix >= 96) {
        network = network.unmapped();
        prefix = static_cast<uint8_t>(prefix - 96);
    }
    Bytes last(network.bytes().begin(), network.bytes().end());
    for (size_t bit = prefix; bit < last.size() * 8; ++bit) last[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
    auto last_ip = net::IpAddress::from_bytes(last);
    if (!last_ip) return unexpected(last_ip.error());
    return PeerRange(network, *last_ip);
}

bool PeerRange::contains(const net::IpAddress& ip) const {
    const net::IpAddress candidate = ip.unmapped();
    if (candidate.family() != first_.family()) return false;
    return compare_bytes(first_, candidate) <= 0 && compare_bytes(candidate, last_) <= 0;
}

std::string PeerRange::to_string() const {
    if (first_ == last_) return first_.to_string();
    return first_.to_string() + "-" + last_.to_string();
}

const char* to_string(PeerVerdict verdict) {
    switch (verdict) {
        case PeerVerdict::kPermitted: return "permitted";
        case PeerVerdict::kUnspecified: return "unspecified address";
        case PeerVerdict::kLoopback: return "loopback peer (see --allow-loopback-peers)";
        case PeerVerdict::kDeniedRange: return "peer in a --denied-peer-ip range";
        case PeerVerdict::kNonGlobal: return "peer address is not global unicast (see --allowed-peer-ip)";
    }
    return "unknown";
}

PeerVerdict PeerPolicy::check(const net::IpAddress& peer) const {
    const net::AddressClass address_class = peer.classify();
    if (address_class == net::AddressClass::kUnspecified) return PeerVerdict::kUnspecified;
    if (address_class == net::AddressClass::kLoopback && !allow_loopback_peers) return PeerVerdict::kLoopback;
    auto in_any = [&peer](const std::vector<PeerRange>& ranges) {
        return std::any_of(ranges.begin(), ranges.end(), [&peer](const PeerRange& r) { return r.contains(peer); });
    };
    if (in_any(allowed)) return PeerVerdict::kPermitted;
    if (in_any(denied)) return PeerVerdict::kDeniedRange;
    if (address_class == net::AddressClass::kLoopback) return PeerVerdict::kPermitted;
    if (address_class == net::AddressClass::kGlobal) return PeerVerdict::kPermitted;
    return PeerVerdict::kNonGlobal;
}

}  // namespace polyrtc::relay::turn
