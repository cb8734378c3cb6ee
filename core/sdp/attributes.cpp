#include "core/sdp/attributes.hpp"

#include "core/sdp/text.hpp"

namespace polyrtc::sdp {

namespace {

std::optional<uint8_t> parse_payload_type(std::string_view s) {
    auto v = text::parse_uint(s, 127);
    if (!v || s.size() > 3) return std::nullopt;
    return static_cast<uint8_t>(*v);
}

std::string join(const std::vector<std::string>& pieces) {
    std::string out;
    for (const auto& p : pieces) out += " " + p;
    return out;
}

}  // namespace

const char* to_string(Setup setup) {
    switch (setup) {
        case Setup::kActpass: return "actpass";
        case Setup::kActive: return "active";
        case Setup::kPassive: return "passive";
        case Setup::kHoldconn: return "holdconn";
    }
    return "actpass";
}

std::optional<Setup> parse_setup(std::string_view value) {
    if (value == "actpass") return Setup::kActpass;
    if (value == "active") return Setup::kActive;
    if (value == "passive") return Setup::kPassive;
    if (value == "holdconn") return Setup::kHoldconn;
    return std::nullopt;
}

const char* to_string(Direction direction) {
    switch (direction) {
        case Direction::kSendrecv: return "sendrecv";
        case Direction::kSendonly: return "sendonly";
        case Direction::kRecvonly: return "recvonly";
        case Direction::kInactive: return "inactive";
    }
    return "sendrecv";
}

std::optional<Direction> parse_direction(std::string_view name) {
    if (name == "sendrecv") return Direction::kSendrecv;
    if (name == "sendonly") return Direction::kSendonly;
    if (name == "recvonly") return Direction::kRecvonly;
    if (name == "inactive") return Direction::kInactive;
    return std::nullopt;
}

std::optional<Group> Group::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (!text::is_token(f[0])) return std::nullopt;
    Group g;
    g.semantics = std::string(f[0]);
    for (size_t i = 1; i < f.size(); ++i) {
        if (!text::is_token(f[i])) return std::nullopt;
        g.mids.emplace_back(f[i]);
    }
    return g;
}

std::string Group::to_value() const {
    return semantics + join(mids);
}

std::optional<MsidSemantic> MsidSemantic::parse(std::string_view value) {
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    auto f = text::split(value, ' ');
    if (!text::is_token(f[0])) return std::nullopt;
    MsidSemantic m;
    m.semantic = std::string(f[0]);
    for (size_t i = 1; i < f.size(); ++i) {
        // Chromium writes "WMS *" and stream ids; tolerate a trailing space as it does.
        if (f[i].empty() && i + 1 == f.size()) break;
        if (!text::is_non_ws_string(f[i])) return std::nullopt;
        m.stream_ids.emplace_back(f[i]);
    }
    return m;
}

std::string MsidSemantic::to_value() const {
    return " " + semantic + join(stream_ids);
}

std::optional<Msid> Msid::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (f.size() > 2 || !text::is_non_ws_string(f[0]) || f[0].size() > 64) return std::nullopt;
    Msid m;
    m.stream_id = std::string(f[0]);
    if (f.size() == 2) {
        if (!text::is_non_ws_string(f[1]) || f[1].size() > 64) return std::nullopt;
        m.track_id = std::string(f[1]);
    }
    return m;
}

std::string Msid::to_value() const {
    return stream_id + (track_id ? " " + *track_id : std::string());
}

std::optional<RtpMap> RtpMap::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (f.size() != 2) return std::nullopt;
    auto pt = parse_payload_type(f[0]);
    if (!pt) return std::nullopt;
    auto enc = text::split(f[1], '/');
    if (enc.size() < 2 || enc.size() > 3 || !text::is_token(enc[0])) return std::nullopt;
    auto rate = text::parse_uint(enc[1], UINT32_MAX);
    if (!rate || *rate == 0) return std::nullopt;
    RtpMap r;
    r.payload_type = *pt;
    r.encoding_name = std::string(enc[0]);
    r.clock_rate = static_cast<uint32_t>(*rate);
    if (enc.size() == 3) {
        auto ch = text::parse_uint(enc[2], 255);
        if (!ch || *ch == 0) return std::nullopt;
        r.channels = static_cast<uint32_t>(*ch);
    }
    return r;
}

std::string RtpMap::to_value() const {
    std::string out = std::to_string(payload_type) + " " + encoding_name + "/" + std::to_string(clock_rate);
    if (channels) out += "/" + std::to_string(*channels);
    return out;
}

std::optional<Fmtp> Fmtp::parse(std::string_view value) {
    size_t sp = value.find(' ');
    if (sp == std::string_view::npos || sp + 1 == value.size()) return std::nullopt;
    auto pt = parse_payload_type(value.substr(0, sp));
    if (!pt) return std::nullopt;
    Fmtp f;
    f.payload_type = *pt;
    f.parameters = std::string(value.substr(sp + 1));
    return f;
}

std::string Fmtp::to_value() const {
    return std::to_string(payload_type) + " " + parameters;
}

std::vector<std::pair<std::string, std::string>> Fmtp::parameter_list() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto piece : text::split(parameters, ';')) {
        while (!piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
        if (piece.empty()) continue;
        size_t eq = piece.find('=');
        if (eq == std::string_view::npos) {
            out.emplace_back(std::string(piece), std::string());
        } else {
            out.emplace_back(std::string(piece.substr(0, eq)), std::string(piece.substr(eq + 1)));
        }
    }
    return out;
}

std::optional<RtcpFb> RtcpFb::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (f.size() < 2 || f.size() > 3) return std::nullopt;
    RtcpFb r;
    if (f[0] != "*") {
        auto pt = parse_payload_type(f[0]);
        if (!pt) return std::nullopt;
        r.payload_type = *pt;
    }
    if (!text::is_token(f[1])) return std::nullopt;
    r.type = std::string(f[1]);
    if (f.size() == 3) {
        if (!text::is_token(f[2])) return std::nullopt;
        r.subtype = std::string(f[2]);
    }
    return r;
}

std::string RtcpFb::to_value() const {
    std::string out = payload_type ? std::to_string(*payload_type) : std::string("*");
    out += " " + type;
    if (subtype) out += " " + *subtype;
    return out;
}

std::optional<ExtMap> ExtMap::parse(std::string_view value) {
    size_t sp = value.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    auto head = value.substr(0, sp);
    auto rest = value.substr(sp + 1);
    ExtMap e;
    size_t slash = head.find('/');
    auto id = text::parse_uint(head.substr(0, slash), 4095);
    if (!id || *id == 0) return std::nullopt;
    e.id = static_cast<uint16_t>(*id);
    if (slash != std::string_view::npos) {
        e.direction = parse_direction(head.substr(slash + 1));
        if (!e.direction) return std::nullopt;
    }
    size_t sp2 = rest.find(' ');
    e.uri = std::string(rest.substr(0, sp2));
    if (!text::is_non_ws_string(e.uri)) return std::nullopt;
    if (sp2 != std::string_view::npos) {
        if (sp2 + 1 == rest.size()) return std::nullopt;
        e.extension_attributes = std::string(rest.substr(sp2 + 1));
    }
    return e;
}

std::string ExtMap::to_value() const {
    std::string out = std::to_string(id);
    if (direction) out += std::string("/") + to_string(*direction);
    out += " " + uri;
    if (extension_attributes) out += " " + *extension_attributes;
    return out;
}

std::optional<Ssrc> Ssrc::parse(std::string_view value) {
    size_t sp = value.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    auto id = text::parse_uint(value.substr(0, sp), UINT32_MAX);
    if (!id) return std::nullopt;
    auto rest = value.substr(sp + 1);
    Ssrc s;
    s.ssrc = static_cast<uint32_t>(*id);
    size_t colon = rest.find(':');
    s.attribute = std::string(rest.substr(0, colon));
    if (!text::is_token(s.attribute)) return std::nullopt;
    if (colon != std::string_view::npos) s.value = std::string(rest.substr(colon + 1));
    return s;
}

std::string Ssrc::to_value() const {
    return std::to_string(ssrc) + " " + attribute + (value ? ":" + *value : std::string());
}

std::optional<SsrcGroup> SsrcGroup::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (!text::is_token(f[0])) return std::nullopt;
    SsrcGroup g;
    g.semantics = std::string(f[0]);
    for (size_t i = 1; i < f.size(); ++i) {
        auto id = text::parse_uint(f[i], UINT32_MAX);
        if (!id) return std::nullopt;
        g.ssrcs.push_back(static_cast<uint32_t>(*id));
    }
    return g;
}

std::string SsrcGroup::to_value() const {
    std::string out = semantics;
    for (auto s : ssrcs) out += " " + std::to_string(s);
    return out;
}

std::optional<SctpMap> SctpMap::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (f.size() < 2 || f.size() > 3) return std::nullopt;
    auto port = text::parse_uint(f[0], 65535);
    if (!port || !text::is_token(f[1])) return std::nullopt;
    SctpMap m;
    m.port = static_cast<uint16_t>(*port);
    m.protocol = std::string(f[1]);
    if (f.size() == 3) {
        auto streams = text::parse_uint(f[2], 65535);
        if (!streams) return std::nullopt;
        m.streams = static_cast<uint32_t>(*streams);
    }
    return m;
}

std::string SctpMap::to_value() const {
    std::string out = std::to_string(port) + " " + protocol;
    if (streams) out += " " + std::to_string(*streams);
    return out;
}

std::optional<uint16_t> parse_sctp_port(std::string_view value) {
    auto v = text::parse_uint(value, 65535);
    if (!v) return std::nullopt;
    return static_cast<uint16_t>(*v);
}

std::optional<uint64_t> parse_max_message_size(std::string_view value) {
    // Values beyond 2^53 are not representable in JS (RTCSctpTransport.maxMessageSize); a
    // peer sending one means "very large", which the caller may clamp.
    return text::parse_uint(value, UINT64_MAX);
}

bool is_valid_ice_ufrag(std::string_view value) {
    return value.size() >= 4 && value.size() <= 256 && text::is_ice_chars(value);
}

bool is_valid_ice_pwd(std::string_view value) {
    return value.size() >= 22 && value.size() <= 256 && text::is_ice_chars(value);
}

std::optional<std::vector<std::string>> parse_ice_options(std::string_view value) {
    std::vector<std::string> out;
    for (auto tag : text::split(value, ' ')) {
        if (!text::is_token(tag)) return std::nullopt;
        out.emplace_back(tag);
    }
    return out;
}

}  // namespace polyrtc::sdp
