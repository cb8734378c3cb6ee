#include "core/ice/sdp_candidate.hpp"

namespace polyrtc::ice {

namespace {

CandidateType from_sdp_type(sdp::CandidateType type) {
    switch (type) {
        case sdp::CandidateType::kHost: return CandidateType::kHost;
        case sdp::CandidateType::kSrflx: return CandidateType::kServerReflexive;
        case sdp::CandidateType::kPrflx: return CandidateType::kPeerReflexive;
        case sdp::CandidateType::kRelay: return CandidateType::kRelayed;
    }
    return CandidateType::kHost;
}

sdp::CandidateType to_sdp_type(CandidateType type) {
    switch (type) {
        case CandidateType::kHost: return sdp::CandidateType::kHost;
        case CandidateType::kServerReflexive: return sdp::CandidateType::kSrflx;
        case CandidateType::kPeerReflexive: return sdp::CandidateType::kPrflx;
        case CandidateType::kRelayed: return sdp::CandidateType::kRelay;
    }
    return sdp::CandidateType::kHost;
}

}  // namespace

Result<Candidate, IceError> candidate_from_sdp(const sdp::Candidate& candidate) {
    if (!candidate.is_udp()) return unexpected(IceError::kUnsupportedTransport);
    if (candidate.component != kComponentRtp) return unexpected(IceError::kUnsupportedComponent);
    if (candidate.address_kind() == sdp::AddressKind::kHostname) return unexpected(IceError::kUnresolvedAddress);
    auto ip = net::IpAddress::parse(candidate.address);
    if (!ip) return unexpected(IceError::kUnresolvedAddress);
    Candidate c;
    c.type = from_sdp_type(candidate.type);
    c.address = net::SocketAddress(*ip, candidate.port);
    c.base = c.address;
    c.priority = candidate.priority;
    c.foundation = candidate.foundation;
    c.component = candidate.component;
    if (candidate.related_address && candidate.related_port) {
        if (auto related = net::IpAddress::parse(*candidate.related_address)) {
            c.related_address = net::SocketAddress(*related, *candidate.related_port);
        }
    }
    if (c.address.ip().is_unspecified() || c.address.port() == 0) return unexpected(IceError::kUnsupportedAddress);
    return c;
}

sdp::Candidate candidate_to_sdp(const Candidate& candidate, std::optional<std::string_view> ufrag) {
    sdp::Candidate c;
    c.foundation = candidate.foundation;
    c.component = candidate.component;
    c.transport = "udp";
    c.priority = candidate.priority;
    c.address = candidate.address.ip().to_string();
    c.port = candidate.address.port();
    c.type = to_sdp_type(candidate.type);
    if (candidate.related_address) {
        c.related_address = candidate.related_address->ip().to_string();
        c.related_port = candidate.related_address->port();
    }
    c.generation = 0;
    if (ufrag) c.ufrag = std::string(*ufrag);
    return c;
}

}  // namespace polyrtc::ice
