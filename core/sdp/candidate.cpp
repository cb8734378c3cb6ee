#include "core/sdp/candidate.hpp"

#include "core/sdp/text.hpp"

namespace polyrtc::sdp {

const char* to_string(CandidateError error) {
    switch (error) {
        case CandidateError::kTooLong: return "candidate: longer than 1024 characters";
        case CandidateError::kMissingPrefix: return "candidate: does not start with \"candidate:\"";
        case CandidateError::kTooFewFields: return "candidate: fewer than 8 fields";
        case CandidateError::kBadFoundation: return "candidate: foundation is not 1..32 ice-chars";
        case CandidateError::kBadComponent: return "candidate: component is not 1..256";
        case CandidateError::kBadTransport: return "candidate: transport is not a token";
        case CandidateError::kBadPriority: return "candidate: priority is not a 32-bit unsigned integer";
        case CandidateError::kBadAddress: return "candidate: address is not IPv4, IPv6 or a host name";
        case CandidateError::kBadPort: return "candidate: port is not 0..65535";
        case CandidateError::kMissingTyp: return "candidate: expected \"typ\" after the port";
        case CandidateError::kBadType: return "candidate: type is not host, srflx, prflx or relay";
        case CandidateError::kBadRelatedAddress: return "candidate: raddr is not an address";
        case CandidateError::kBadRelatedPort: return "candidate: rport is not 0..65535";
        case CandidateError::kBadTcpType: return "candidate: tcptype is not active, passive or so";
        case CandidateError::kBadExtension:
            return "candidate: malformed extension (name without value, repeated, or bad number)";
    }
    return "candidate: unknown error";
}

const char* to_string(CandidateType type) {
    switch (type) {
        case CandidateType::kHost: return "host";
        case CandidateType::kSrflx: return "srflx";
        case CandidateType::kPrflx: return "prflx";
        case CandidateType::kRelay: return "relay";
    }
    return "host";
}

const char* to_string(TcpType type) {
    switch (type) {
        case TcpType::kActive: return "active";
        case TcpType::kPassive: return "passive";
        case TcpType::kSo: return "so";
    }
    return "active";
}

namespace {

bool is_address(std::string_view s) {
    return text::is_ipv4(s) || text::is_ipv6(s) || text::is_fqdn(s);
}

std::optional<CandidateType> parse_type(std::string_view s) {
    if (s == "host") return CandidateType::kHost;
    if (s == "srflx") return CandidateType::kSrflx;
    if (s == "prflx") return CandidateType::kPrflx;
    if (s == "relay") return CandidateType::kRelay;
    return std::nullopt;
}

std::optional<TcpType> parse_tcp_type(std::string_view s) {
    if (s == "active") return TcpType::kActive;
    if (s == "passive") return TcpType::kPassive;
    if (s == "so") return TcpType::kSo;
    return std::nullopt;
}

}  // namespace

Result<Candidate, CandidateError> Candidate::parse(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    if (s.size() > kMaxLength) return unexpected(CandidateError::kTooLong);
    if (s.substr(0, 2) == "a=") s.remove_prefix(2);
    constexpr std::string_view kPrefix = "candidate:";
    if (s.substr(0, kPrefix.size()) != kPrefix) return unexpected(CandidateError::kMissingPrefix);
    s.remove_prefix(kPrefix.size());

    auto f = text::split(s, ' ');
    if (f.size() < 8) return unexpected(CandidateError::kTooFewFields);
    Candidate c;
    if (f[0].size() > 32 || !text::is_ice_chars(f[0])) return unexpected(CandidateError::kBadFoundation);
    c.foundation = std::string(f[0]);
    auto component = text::parse_uint(f[1], 256);
    if (!component || *component == 0 || f[1].size() > 3) return unexpected(CandidateError::kBadComponent);
    c.component = static_cast<uint16_t>(*component);
    if (!text::is_token(f[2])) return unexpected(CandidateError::kBadTransport);
    c.transport = std::string(f[2]);
    auto priority = text::parse_uint(f[3], UINT32_MAX);
    if (!priority || f[3].size() > 10) return unexpected(CandidateError::kBadPriority);
    c.priority = static_cast<uint32_t>(*priority);
    if (!is_address(f[4])) return unexpected(CandidateError::kBadAddress);
    c.address = std::string(f[4]);
    auto port = text::parse_uint(f[5], 65535);
    if (!port) return unexpected(CandidateError::kBadPort);
    c.port = static_cast<uint16_t>(*port);
    if (f[6] != "typ") return unexpected(CandidateError::kMissingTyp);
    auto type = parse_type(f[7]);
    if (!type) return unexpected(CandidateError::kBadType);
    c.type = *type;

    // The rest is name/value pairs: raddr and rport (which the grammar places first, but
    // some stacks reorder), RFC 6544's tcptype, and extensions.
    if ((f.size() - 8) % 2 != 0) return unexpected(CandidateError::kBadExtension);
    for (size_t i = 8; i < f.size(); i += 2) {
        std::string_view name = f[i];
        std::string_view value = f[i + 1];
        if (!text::is_non_ws_string(name) || !text::is_non_ws_string(value)) {
            return unexpected(CandidateError::kBadExtension);
        }
        auto set_u32 = [&](std::optional<uint32_t>& field) -> bool {
            auto v = text::parse_uint(value, UINT32_MAX);
            if (!v || field) return false;
            field = static_cast<uint32_t>(*v);
            return true;
        };
        if (name == "raddr") {
            if (c.related_address || !is_address(value)) return unexpected(CandidateError::kBadRelatedAddress);
            c.related_address = std::string(value);
        } else if (name == "rport") {
            auto v = text::parse_uint(value, 65535);
            if (c.related_port || !v) return unexpected(CandidateError::kBadRelatedPort);
            c.related_port = static_cast<uint16_t>(*v);
        } else if (name == "tcptype") {
            auto t = parse_tcp_type(value);
            if (c.tcp_type || !t) return unexpected(CandidateError::kBadTcpType);
            c.tcp_type = t;
        } else if (name == "generation") {
            if (!set_u32(c.generation)) return unexpected(CandidateError::kBadExtension);
        } else if (name == "network-id") {
            if (!set_u32(c.network_id)) return unexpected(CandidateError::kBadExtension);
        } else if (name == "network-cost") {
            if (!set_u32(c.network_cost)) return unexpected(CandidateError::kBadExtension);
        } else if (name == "ufrag") {
            if (c.ufrag) return unexpected(CandidateError::kBadExtension);
            c.ufrag = std::string(value);
        } else {
            c.extensions.emplace_back(std::string(name), std::string(value));
        }
    }
    return c;
}

std::string Candidate::to_string() const {
    std::string out = "candidate:";
    out += foundation;
    out += ' ';
    out += std::to_string(component);
    out += ' ';
    out += transport;
    out += ' ';
    out += std::to_string(priority);
    out += ' ';
    out += address;
    out += ' ';
    out += std::to_string(port);
    out += " typ ";
    out += sdp::to_string(type);
    if (related_address) out += " raddr " + *related_address;
    if (related_port) out += " rport " + std::to_string(*related_port);
    if (tcp_type) out += std::string(" tcptype ") + sdp::to_string(*tcp_type);
    if (generation) out += " generation " + std::to_string(*generation);
    if (ufrag) out += " ufrag " + *ufrag;
    if (network_id) out += " network-id " + std::to_string(*network_id);
    if (network_cost) out += " network-cost " + std::to_string(*network_cost);
    for (const auto& [name, value] : extensions) out += " " + name + " " + value;
    return out;
}

bool Candidate::is_udp() const {
    return text::iequals(transport, "udp");
}
bool Candidate::is_tcp() const {
    return text::iequals(transport, "tcp");
}

AddressKind Candidate::address_kind() const {
    if (text::is_ipv4(address)) return AddressKind::kIpv4;
    if (text::is_ipv6(address)) return AddressKind::kIpv6;
    return AddressKind::kHostname;
}

bool Candidate::is_mdns() const {
    constexpr std::string_view kLocal = ".local";
    return address_kind() == AddressKind::kHostname && address.size() > kLocal.size() &&
           text::iequals(std::string_view(address).substr(address.size() - kLocal.size()), kLocal);
}

bool Candidate::operator==(const Candidate& o) const {
    return foundation == o.foundation && component == o.component && transport == o.transport &&
           priority == o.priority && address == o.address && port == o.port && type == o.type &&
           related_address == o.related_address && related_port == o.related_port && tcp_type == o.tcp_type &&
           generation == o.generation && ufrag == o.ufrag && network_id == o.network_id &&
           network_cost == o.network_cost && extensions == o.extensions;
}

}  // namespace polyrtc::sdp
