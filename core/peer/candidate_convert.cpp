#include "core/peer/candidate_convert.hpp"

namespace polyrtc::peer {

namespace {

ice::CandidateType to_ice_type(sdp::CandidateType type) {
    switch (type) {
        case sdp::CandidateType::kHost: return ice::CandidateType::kHost;
        case sdp::CandidateType::kSrflx: return ice::CandidateType::kServerReflexive;
        case sdp::CandidateType::kPrflx: return ice::CandidateType::kPeerReflexive;
        case sdp::CandidateType::kRelay: return ice::CandidateType::kRelayed;
    }
    return ice::CandidateType::kHost;
}

sdp::CandidateType to_sdp_type(ice::CandidateType type) {
    switch (type) {
        case ice::CandidateType::kHost: return sdp::CandidateType::kHost;
        case ice::CandidateType::kServerReflexive: return sdp::CandidateType::kSrflx;
        case ice::CandidateType::kPeerReflexive: return sdp::CandidateType::kPrflx;
        case ice::CandidateType::kRelayed: return sdp::CandidateType::kRelay;
    }
    return sdp::CandidateType::kHost;
}

}  // namespace

std::optional<ice::Candidate> to_ice_candidate(const sdp::Candidate& candidate) {
    if (!candidate.is_udp() || candidate.component != ice::kComponentRtp ||
        candidate.address_kind() == sdp::AddressKind::kHostname) {
        return std::nullopt;
    }
    auto ip = net::IpAddress::parse(candidate.address);
    if (!ip) return std::nullopt;
    ice::Candidate out;
    out.type = to_ice_type(candidate.type);
    out.address = net::SocketAddress(*ip, candidate.port);
    out.base = out.address;
    out.priority = candidate.priority;
    out.foundation = candidate.foundation;
    out.component = candidate.component;
    if (candidate.related_address && candidate.related_port) {
        if (auto related = net::IpAddress::parse(*candidate.related_address)) {
            out.related_address = net::SocketAddress(*related, *candidate.related_port);
        }
    }
    return out;
}

sdp::Candidate to_sdp_candidate(const ice::Candidate& candidate, const std::string& ufrag) {
    sdp::Candidate out;
    out.foundation = candidate.foundation;
    out.component = candidate.component;
    out.transport = "udp";
    out.priority = candidate.priority;
    out.address = candidate.address.ip().to_string();
    out.port = candidate.address.port();
    out.type = to_sdp_type(candidate.type);
    if (candidate.related_address) {
        out.related_address = candidate.related_address->ip().to_string();
        out.related_port = candidate.related_address->port();
    }
    out.generation = 0;
    out.ufrag = ufrag;
    return out;
}

}  // namespace polyrtc::peer
