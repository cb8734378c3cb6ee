#include "core/ice/candidate.hpp"

#include <algorithm>

namespace polyrtc::ice {

const char* to_string(CandidateType type) {
    switch (type) {
        case CandidateType::kHost: return "host";
        case CandidateType::kServerReflexive: return "srflx";
        case CandidateType::kPeerReflexive: return "prflx";
        case CandidateType::kRelayed: return "relay";
    }
    return "unknown";
}

uint8_t type_preference(CandidateType type) {
    switch (type) {
        case CandidateType::kHost: return 126;
        case CandidateType::kPeerReflexive: return 110;
        case CandidateType::kServerReflexive: return 100;
        case CandidateType::kRelayed: return 0;
    }
    return 0;
}

uint32_t compute_priority(CandidateType type, uint16_t local_preference, uint16_t component) {
    const uint32_t component_part = component >= 1 && component <= 256 ? 256u - component : 0u;
    return (uint32_t{type_preference(type)} << 24) | (uint32_t{local_preference} << 8) | component_part;
}

uint64_t pair_priority(uint32_t controlling_priority, uint32_t controlled_priority) {
    const uint64_t g = controlling_priority;
    const uint64_t d = controlled_priority;
    return (std::min(g, d) << 32) + 2 * std::max(g, d) + (g > d ? 1 : 0);
}

std::string compute_foundation(CandidateType type, const net::IpAddress& base_ip,
                               const std::optional<net::IpAddress>& server) {
    // FNV-1a over (type, base ip, server ip, "udp"): stable across runs and platforms.
    uint32_t hash = 2166136261u;
    auto mix = [&hash](uint8_t byte) {
        hash ^= byte;
        hash *= 16777619u;
    };
    mix(static_cast<uint8_t>(type));
    mix(static_cast<uint8_t>(base_ip.family()));
    for (uint8_t b : base_ip.bytes()) mix(b);
    if (server) {
        mix(static_cast<uint8_t>(server->family()));
        for (uint8_t b : server->bytes()) mix(b);
    }
    for (char c : std::string_view("udp")) mix(static_cast<uint8_t>(c));
    return std::to_string(hash);
}

std::string Candidate::to_string() const {
    return std::string(ice::to_string(type)) + " " + address.to_string() + " prio=" + std::to_string(priority) +
           " fnd=" + foundation;
}

bool Candidate::operator==(const Candidate& o) const {
    return type == o.type && address == o.address && base == o.base && priority == o.priority &&
           foundation == o.foundation && component == o.component && related_address == o.related_address;
}

}  // namespace polyrtc::ice
