#include "core/sdp/session_description.hpp"

#include <algorithm>
#include <cstdio>

#include "core/sdp/text.hpp"

namespace polyrtc::sdp {

const char* to_string(SdpError error) {
    switch (error) {
        case SdpError::kEmpty: return "empty session description";
        case SdpError::kTooLarge: return "session description larger than 65536 bytes";
        case SdpError::kTooManyLines: return "more than 4096 lines";
        case SdpError::kLineTooLong: return "line longer than 4096 bytes";
        case SdpError::kInvalidCharacter: return "NUL byte or stray CR";
        case SdpError::kMalformedLine: return "not <letter>=<value>";
        case SdpError::kMissingVersion: return "first line is not v=";
        case SdpError::kUnsupportedVersion: return "v= is not 0";
        case SdpError::kMissingOrigin: return "second line is not o=";
        case SdpError::kMalformedOrigin: return "malformed o= line";
        case SdpError::kMissingSessionName: return "third line is not s=";
        case SdpError::kMissingTiming: return "no t= line before the first m= line";
        case SdpError::kMalformedTiming: return "malformed t= line";
        case SdpError::kMalformedConnection: return "malformed c= line";
        case SdpError::kMalformedMedia: return "malformed m= line";
        case SdpError::kMalformedAttribute: return "malformed attribute";
        case SdpError::kDuplicateAttribute: return "attribute repeated in one section";
        case SdpError::kDuplicateMid: return "a=mid value used by two m= sections";
        case SdpError::kMisplacedLine: return "line not allowed here";
    }
    return "unknown SDP error";
}

namespace {

std::string printable(std::string_view line) {
    constexpr size_t kMaxShown = 120;
    std::string out;
    for (size_t i = 0; i < line.size() && out.size() < kMaxShown; ++i) {
        auto c = static_cast<unsigned char>(line[i]);
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    if (out.size() >= kMaxShown && line.size() > kMaxShown) out += "...";
    return out;
}

}  // namespace

std::string ParseError::to_string() const {
    std::string what = detail.empty() ? std::string(sdp::to_string(code)) : detail;
    if (line_number == 0) return what;
    return "line " + std::to_string(line_number) + ": " + what + ": \"" + line + "\"";
}

// ---- Origin, Connection ----

std::optional<Origin> Origin::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (f.size() != 6) return std::nullopt;
    for (auto p : f) {
        if (!text::is_non_ws_string(p)) return std::nullopt;
    }
    if (!text::parse_uint(f[1], UINT64_MAX)) return std::nullopt;
    auto version = text::parse_uint(f[2], UINT64_MAX);
    if (!version) return std::nullopt;
    if (!text::is_token(f[3]) || !text::is_token(f[4])) return std::nullopt;
    Origin o;
    o.username = std::string(f[0]);
    o.session_id = std::string(f[1]);
    o.session_version = *version;
    o.net_type = std::string(f[3]);
    o.address_type = std::string(f[4]);
    o.address = std::string(f[5]);
    return o;
}

std::string Origin::to_value() const {
    return username + " " + session_id + " " + std::to_string(session_version) + " " + net_type + " " + address_type +
           " " + address;
}

bool Origin::operator==(const Origin& o) const {
    return username == o.username && session_id == o.session_id && session_version == o.session_version &&
           net_type == o.net_type && address_type == o.address_type && address == o.address;
}

std::optional<Connection> Connection::parse(std::string_view value) {
    auto f = text::split(value, ' ');
    if (f.size() != 3 || !text::is_token(f[0]) || !text::is_token(f[1]) || !text::is_non_ws_string(f[2])) {
        return std::nullopt;
    }
    Connection c;
    c.net_type = std::string(f[0]);
    c.address_type = std::string(f[1]);
    c.address = std::string(f[2]);
    return c;
}

// ---- AttributeList ----

const Attribute* AttributeList::find(std::string_view name) const {
    for (const auto& a : attributes) {
        if (a.name == name) return &a;
    }
    return nullptr;
}

std::vector<const Attribute*> AttributeList::find_all(std::string_view name) const {
    std::vector<const Attribute*> out;
    for (const auto& a : attributes) {
        if (a.name == name) out.push_back(&a);
    }
    return out;
}

std::optional<std::string_view> AttributeList::value(std::string_view name) const {
    const Attribute* a = find(name);
    if (a == nullptr || !a->value) return std::nullopt;
    return std::string_view(*a->value);
}

void AttributeList::add(std::string name, std::string value) {
    attributes.push_back(Attribute{std::move(name), std::move(value), 0});
}

void AttributeList::add_flag(std::string name) {
    attributes.push_back(Attribute{std::move(name), std::nullopt, 0});
}

void AttributeList::set(std::string_view name, std::string value) {
    auto it = std::find_if(attributes.begin(), attributes.end(), [&](const Attribute& a) { return a.name == name; });
    if (it == attributes.end()) {
        add(std::string(name), std::move(value));
        return;
    }
    it->value = std::move(value);
    ++it;
    attributes.erase(std::remove_if(it, attributes.end(), [&](const Attribute& a) { return a.name == name; }),
                     attributes.end());
}

size_t AttributeList::remove_all(std::string_view name) {
    size_t before = attributes.size();
    attributes.erase(
        std::remove_if(attributes.begin(), attributes.end(), [&](const Attribute& a) { return a.name == name; }),
        attributes.end());
    return before - attributes.size();
}

namespace {

// Collects parse(value) of every attribute called `name`, skipping any that do not parse
// (impossible for parsed descriptions, possible for ones built in code).
template <class T, class F>
std::vector<T> collect(const AttributeList& list, std::string_view name, F parse) {
    std::vector<T> out;
    for (const auto* a : list.find_all(name)) {
        if (!a->value) continue;
        auto v = parse(*a->value);
        if (v) out.push_back(std::move(*v));
    }
    return out;
}

}  // namespace

std::vector<std::string> AttributeList::ice_options() const {
    std::vector<std::string> out;
    for (const auto* a : find_all("ice-options")) {
        if (!a->value) continue;
        auto v = parse_ice_options(*a->value);
        if (v) out.insert(out.end(), v->begin(), v->end());
    }
    return out;
}

std::vector<dtls::Fingerprint> AttributeList::fingerprints() const {
    return collect<dtls::Fingerprint>(*this, "fingerprint", [](std::string_view v) -> std::optional<dtls::Fingerprint> {
        auto fp = dtls::Fingerprint::parse(v);
        if (!fp) return std::nullopt;
        return std::move(fp).value();
    });
}

std::optional<Setup> AttributeList::setup() const {
    auto v = value("setup");
    return v ? parse_setup(*v) : std::nullopt;
}

std::vector<Candidate> AttributeList::candidates() const {
    std::vector<Candidate> out;
    for (const auto* a : find_all("candidate")) {
        if (!a->value) continue;
        auto c = Candidate::parse("candidate:" + *a->value);
        if (c) out.push_back(std::move(c).value());
    }
    return out;
}

std::vector<ExtMap> AttributeList::extmaps() const {
    return collect<ExtMap>(*this, "extmap", ExtMap::parse);
}

// ---- MediaDescription ----

bool MediaDescription::is_datachannel() const {
    if (media != "application") return false;
    bool modern = (protocol == "UDP/DTLS/SCTP" || protocol == "TCP/DTLS/SCTP") &&
                  std::find(formats.begin(), formats.end(), "webrtc-datachannel") != formats.end();
    if (modern) return true;
    auto map = sctpmap();
    return protocol == "DTLS/SCTP" && map && map->protocol == "webrtc-datachannel";
}

bool MediaDescription::is_rtp() const {
    return protocol.find("RTP/") != std::string::npos;
}

std::optional<Direction> MediaDescription::direction() const {
    std::optional<Direction> out;
    for (const auto& a : attributes) {
        if (auto d = parse_direction(a.name); d && !a.value) out = d;
    }
    return out;
}

std::vector<RtpMap> MediaDescription::rtpmaps() const {
    return collect<RtpMap>(*this, "rtpmap", RtpMap::parse);
}

std::optional<RtpMap> MediaDescription::rtpmap(uint8_t payload_type) const {
    for (auto& r : rtpmaps()) {
        if (r.payload_type == payload_type) return r;
    }
    return std::nullopt;
}

std::vector<Fmtp> MediaDescription::fmtps() const {
    return collect<Fmtp>(*this, "fmtp", Fmtp::parse);
}
std::vector<RtcpFb> MediaDescription::rtcp_fbs() const {
    return collect<RtcpFb>(*this, "rtcp-fb", RtcpFb::parse);
}
std::vector<Ssrc> MediaDescription::ssrcs() const {
    return collect<Ssrc>(*this, "ssrc", Ssrc::parse);
}
std::vector<SsrcGroup> MediaDescription::ssrc_groups() const {
    return collect<SsrcGroup>(*this, "ssrc-group", SsrcGroup::parse);
}
std::vector<Msid> MediaDescription::msids() const {
    return collect<Msid>(*this, "msid", Msid::parse);
}

std::optional<uint16_t> MediaDescription::sctp_port() const {
    auto v = value("sctp-port");
    return v ? parse_sctp_port(*v) : std::nullopt;
}

std::optional<uint64_t> MediaDescription::max_message_size() const {
    auto v = value("max-message-size");
    return v ? parse_max_message_size(*v) : std::nullopt;
}

std::optional<SctpMap> MediaDescription::sctpmap() const {
    auto v = value("sctpmap");
    return v ? SctpMap::parse(*v) : std::nullopt;
}

std::string MediaDescription::media_line_value() const {
    std::string out = media + " " + std::to_string(port);
    if (port_count) out += "/" + std::to_string(*port_count);
    out += " " + protocol;
    for (const auto& f : formats) out += " " + f;
    return out;
}

bool MediaDescription::operator==(const MediaDescription& o) const {
    return AttributeList::operator==(o) && media == o.media && port == o.port && port_count == o.port_count &&
           protocol == o.protocol && formats == o.formats && connection == o.connection && fields == o.fields;
}

// ---- SessionDescription accessors ----

std::vector<Group> SessionDescription::groups() const {
    return collect<Group>(*this, "group", Group::parse);
}

std::optional<Group> SessionDescription::bundle_group() const {
    for (auto& g : groups()) {
        if (g.semantics == "BUNDLE") return g;
    }
    return std::nullopt;
}

std::optional<MsidSemantic> SessionDescription::msid_semantic() const {
    auto v = value("msid-semantic");
    return v ? MsidSemantic::parse(*v) : std::nullopt;
}

std::optional<size_t> SessionDescription::find_mid(std::string_view mid) const {
    for (size_t i = 0; i < media.size(); ++i) {
        if (media[i].mid() == mid) return i;
    }
    return std::nullopt;
}

std::optional<std::string_view> SessionDescription::effective_value(size_t index, std::string_view name) const {
    if (index < media.size()) {
        if (auto v = media[index].value(name)) return v;
    }
    return value(name);
}

std::vector<dtls::Fingerprint> SessionDescription::effective_fingerprints(size_t index) const {
    if (index < media.size()) {
        auto fps = media[index].fingerprints();
        if (!fps.empty()) return fps;
    }
    return fingerprints();
}

std::optional<Setup> SessionDescription::effective_setup(size_t index) const {
    auto v = effective_value(index, "setup");
    return v ? parse_setup(*v) : std::nullopt;
}

std::vector<std::string> SessionDescription::effective_ice_options(size_t index) const {
    if (index < media.size() && media[index].has("ice-options")) return media[index].ice_options();
    return ice_options();
}

bool SessionDescription::operator==(const SessionDescription& o) const {
    return AttributeList::operator==(o) && origin == o.origin && session_name == o.session_name &&
           connection == o.connection && fields == o.fields && media == o.media;
}

// ---- Serializer ----

namespace {

// Position of a line type in RFC 8866's grammar; lines are written in this order.
int rank(char type) {
    switch (type) {
        case 'i': return 3;
        case 'u': return 4;
        case 'e': return 5;
        case 'p': return 6;
        case 'c': return 7;
        case 'b': return 8;
        case 't':
        case 'r': return 9;
        case 'z': return 10;
        default: return 11;  // k= and any unknown type letter
    }
}

void write_line(std::string& out, char type, std::string_view value) {
    out += type;
    out += '=';
    out += value;
    out += "\r\n";
}

void write_section(std::string& out, const std::vector<Field>& fields, const std::optional<Connection>& connection,
                   const AttributeList& attributes) {
    std::vector<Field> sorted = fields;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Field& a, const Field& b) { return rank(a.type) < rank(b.type); });
    bool wrote_connection = false;
    for (const auto& f : sorted) {
        if (!wrote_connection && rank(f.type) >= rank('c') && connection) {
            write_line(out, 'c', connection->to_value());
            wrote_connection = true;
        }
        write_line(out, f.type, f.value);
    }
    if (!wrote_connection && connection) write_line(out, 'c', connection->to_value());
    for (const auto& a : attributes.attributes) {
        out += a.to_line();
        out += "\r\n";
    }
}

}  // namespace

std::string SessionDescription::to_string() const {
    std::string out;
    write_line(out, 'v', "0");
    write_line(out, 'o', origin.to_value());
    write_line(out, 's', session_name);
    write_section(out, fields, connection, *this);
    for (const auto& m : media) {
        write_line(out, 'm', m.media_line_value());
        write_section(out, m.fields, m.connection, m);
    }
    return out;
}

// ---- Parser ----

namespace {

struct LineRef {
    size_t number;
    std::string_view text;
};

class Parser {
public:
    explicit Parser(std::string_view input) : input_(input) {}

    Result<SessionDescription, ParseError> run();

private:
    Unexpected<ParseError> fail(SdpError code, const LineRef& line, std::string detail = {}) const {
        return unexpected(ParseError{code, line.number, printable(line.text), std::move(detail)});
    }
    Status<ParseError> split_lines();
    Status<ParseError> parse_attribute(const LineRef& line, AttributeList& list, bool media_level);
    Status<ParseError> parse_media(const LineRef& line, MediaDescription& m);

    std::string_view input_;
    std::vector<LineRef> lines_;
    std::vector<std::string> mids_;
};

Status<ParseError> Parser::split_lines() {
    if (input_.size() > kMaxSdpSize) {
        return unexpected(ParseError{
            SdpError::kTooLarge,
            0,
            {},
            "session description is " + std::to_string(input_.size()) + " bytes, more than the 65536 allowed"});
    }
    size_t start = 0;
    size_t number = 0;
    while (start < input_.size()) {
        size_t nl = input_.find('\n', start);
        size_t end = nl == std::string_view::npos ? input_.size() : nl;
        std::string_view line = input_.substr(start, end - start);
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        LineRef ref{number, line};
        if (number > kMaxLines) return fail(SdpError::kTooManyLines, ref, "more than 4096 lines");
        if (line.size() > kMaxLineLength) {
            return fail(SdpError::kLineTooLong, ref,
                        "line is " + std::to_string(line.size()) + " bytes, more than the 4096 allowed");
        }
        for (char c : line) {
            if (c == '\0') return fail(SdpError::kInvalidCharacter, ref, "NUL byte in line");
            if (c == '\r') return fail(SdpError::kInvalidCharacter, ref, "CR not followed by LF");
        }
        lines_.push_back(ref);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    if (lines_.empty()) return unexpected(ParseError{SdpError::kEmpty, 0, {}, "empty session description"});
    return {};
}

Status<ParseError> Parser::parse_media(const LineRef& line, MediaDescription& m) {
    // m=<media> <port>[/<number of ports>] <proto> 1*(SP <fmt>)
    auto f = text::split(line.text.substr(2), ' ');
    if (f.size() < 4) {
        return fail(SdpError::kMalformedMedia, line, "m=: expected \"<media> <port> <proto> <fmt> ...\"");
    }
    // media and fmt are tokens; proto = token *("/" token) (RFC 8866 section 9).
    for (size_t i = 0; i < f.size(); ++i) {
        bool ok = i == 1 || text::is_token(f[i]);
        if (i == 2) {
            ok = true;
            for (auto piece : text::split(f[i], '/')) ok = ok && text::is_token(piece);
        }
        if (!ok) return fail(SdpError::kMalformedMedia, line, "m=: fields must be tokens separated by single spaces");
    }
    m.media = std::string(f[0]);
    auto port_field = f[1];
    size_t slash = port_field.find('/');
    auto port = text::parse_uint(port_field.substr(0, slash), 65535);
    if (!port) return fail(SdpError::kMalformedMedia, line, "m=: port is not 0..65535");
    m.port = static_cast<uint16_t>(*port);
    if (slash != std::string_view::npos) {
        auto count = text::parse_uint(port_field.substr(slash + 1), 65535);
        if (!count || *count == 0) return fail(SdpError::kMalformedMedia, line, "m=: bad number of ports");
        m.port_count = static_cast<uint16_t>(*count);
    }
    m.protocol = std::string(f[2]);
    for (size_t i = 3; i < f.size(); ++i) m.formats.emplace_back(f[i]);
    return {};
}

Status<ParseError> Parser::parse_attribute(const LineRef& line, AttributeList& list, bool media_level) {
    std::string_view body = line.text.substr(2);
    size_t colon = body.find(':');
    std::string_view name = body.substr(0, colon);
    if (!text::is_token(name)) return fail(SdpError::kMalformedAttribute, line, "a=: attribute name is not a token");
    std::optional<std::string_view> value;
    if (colon != std::string_view::npos) value = body.substr(colon + 1);
    std::string prefix = "a=" + std::string(name) + ": ";

    auto once = [&]() -> Status<ParseError> {
        if (list.has(name)) {
            return fail(SdpError::kDuplicateAttribute, line, prefix + "appears twice in the same section");
        }
        return {};
    };
    auto bad = [&](const std::string& why) { return fail(SdpError::kMalformedAttribute, line, prefix + why); };
    auto need_value = [&]() -> bool { return value.has_value(); };

    if (name == "candidate") {
        auto c = Candidate::parse(line.text);
        if (!c) return bad(to_string(c.error()));
    } else if (name == "ice-ufrag") {
        if (auto s = once(); !s) return s;
        if (!need_value() || !is_valid_ice_ufrag(*value)) return bad("not 4..256 ice-chars (RFC 8839 section 5.4)");
    } else if (name == "ice-pwd") {
        if (auto s = once(); !s) return s;
        if (!need_value() || !is_valid_ice_pwd(*value)) return bad("not 22..256 ice-chars (RFC 8839 section 5.4)");
    } else if (name == "ice-options") {
        if (!need_value() || !parse_ice_options(*value)) return bad("expected option tags separated by spaces");
    } else if (name == "fingerprint") {
        if (!need_value()) return bad("missing value");
        auto fp = dtls::Fingerprint::parse(*value);
        if (!fp) return bad(dtls::to_string(fp.error()));
    } else if (name == "setup") {
        if (auto s = once(); !s) return s;
        if (!need_value() || !parse_setup(*value)) return bad("not actpass, active, passive or holdconn");
    } else if (name == "mid" && media_level) {
        if (auto s = once(); !s) return s;
        if (!need_value() || !text::is_token(*value)) return bad("identification tag is not a token");
        if (std::find(mids_.begin(), mids_.end(), *value) != mids_.end()) {
            return fail(SdpError::kDuplicateMid, line,
                        prefix + "\"" + std::string(*value) + "\" is already used by another m= section");
        }
        mids_.emplace_back(*value);
    } else if (name == "group") {
        if (!need_value() || !Group::parse(*value)) return bad("expected \"<semantics> <mid> ...\"");
    } else if (name == "msid-semantic") {
        if (!need_value() || !MsidSemantic::parse(*value)) return bad("expected \"WMS [<stream id> ...]\"");
    } else if (name == "msid") {
        if (!need_value() || !Msid::parse(*value)) return bad("expected \"<stream id> [<track id>]\"");
    } else if (name == "rtpmap") {
        if (!need_value() || !RtpMap::parse(*value)) {
            return bad("expected \"<payload type> <encoding name>/<clock rate>[/<channels>]\"");
        }
    } else if (name == "fmtp") {
        if (!need_value() || !Fmtp::parse(*value)) return bad("expected \"<payload type> <parameters>\"");
    } else if (name == "rtcp-fb") {
        if (!need_value() || !RtcpFb::parse(*value)) return bad("expected \"<payload type>|* <type> [<subtype>]\"");
    } else if (name == "extmap") {
        if (!need_value() || !ExtMap::parse(*value)) return bad("expected \"<id>[/<direction>] <uri> [<attributes>]\"");
    } else if (name == "ssrc") {
        if (!need_value() || !Ssrc::parse(*value)) return bad("expected \"<ssrc> <attribute>[:<value>]\"");
    } else if (name == "ssrc-group") {
        if (!need_value() || !SsrcGroup::parse(*value)) return bad("expected \"<semantics> <ssrc> ...\"");
    } else if (name == "sctp-port") {
        if (auto s = once(); !s) return s;
        if (!need_value() || !parse_sctp_port(*value)) return bad("not a port 0..65535");
    } else if (name == "max-message-size") {
        if (auto s = once(); !s) return s;
        if (!need_value() || !parse_max_message_size(*value)) return bad("not an unsigned integer");
    } else if (name == "sctpmap") {
        if (!need_value() || !SctpMap::parse(*value)) return bad("expected \"<port> <protocol> [<streams>]\"");
    }
    Attribute a;
    a.name = std::string(name);
    if (value) a.value = std::string(*value);
    a.line_number = line.number;
    list.attributes.push_back(std::move(a));
    return {};
}

Result<SessionDescription, ParseError> Parser::run() {
    if (auto s = split_lines(); !s) return unexpected(s.error());
    // A final empty line is the terminator of the last line, not a line.
    if (lines_.size() > 1 && lines_.back().text.empty()) lines_.pop_back();

    SessionDescription sd;
    bool seen_time = false;
    MediaDescription* current = nullptr;
    for (size_t i = 0; i < lines_.size(); ++i) {
        const LineRef& line = lines_[i];
        std::string_view t = line.text;
        bool well_formed = t.size() >= 2 && t[1] == '=' && t[0] >= 'a' && t[0] <= 'z';
        if (!well_formed) {
            if (i == 0) return fail(SdpError::kMissingVersion, line, "expected v=0 as the first line");
            return fail(SdpError::kMalformedLine, line, t.empty() ? "empty line" : "expected <letter>=<value>");
        }
        char type = t[0];
        std::string_view value = t.substr(2);
        if (i == 0) {
            if (type != 'v') return fail(SdpError::kMissingVersion, line, "expected v=0 as the first line");
            if (value != "0") return fail(SdpError::kUnsupportedVersion, line, "v=: only version 0 exists");
            continue;
        }
        if (i == 1) {
            if (type != 'o') return fail(SdpError::kMissingOrigin, line, "expected o= as the second line");
            auto origin = Origin::parse(value);
            if (!origin) {
                return fail(SdpError::kMalformedOrigin, line,
                            "o=: expected \"<username> <sess-id> <sess-version> <nettype> <addrtype> <address>\"");
            }
            sd.origin = std::move(*origin);
            continue;
        }
        if (i == 2) {
            if (type != 's') return fail(SdpError::kMissingSessionName, line, "expected s= as the third line");
            sd.session_name = std::string(value);
            continue;
        }
        switch (type) {
            case 'v':
            case 'o':
            case 's': return fail(SdpError::kMisplacedLine, line, std::string(1, type) + "= may appear only once");
            case 'm': {
                if (!seen_time) return fail(SdpError::kMissingTiming, line, "no t= line before the first m= line");
                sd.media.emplace_back();
                current = &sd.media.back();
                if (auto s = parse_media(line, *current); !s) return unexpected(s.error());
                break;
            }
            case 'a': {
                AttributeList& list = current ? static_cast<AttributeList&>(*current) : sd;
                if (auto s = parse_attribute(line, list, current != nullptr); !s) return unexpected(s.error());
                break;
            }
            case 'c': {
                auto c = Connection::parse(value);
                if (!c) {
                    return fail(SdpError::kMalformedConnection, line,
                                "c=: expected \"<nettype> <addrtype> <connection-address>\"");
                }
                auto& slot = current ? current->connection : sd.connection;
                if (!slot) {
                    slot = std::move(*c);
                } else if (current) {
                    current->fields.push_back(Field{type, std::string(value)});  // multicast: several c=
                } else {
                    return fail(SdpError::kMisplacedLine, line, "c= appears twice at session level");
                }
                break;
            }
            case 't':
            case 'r':
            case 'z': {
                if (current)
                    return fail(SdpError::kMisplacedLine, line, std::string(1, type) + "= inside a media section");
                if (type == 't') {
                    auto f = text::split(value, ' ');
                    if (f.size() != 2 || !text::parse_uint(f[0], UINT64_MAX) || !text::parse_uint(f[1], UINT64_MAX)) {
                        return fail(SdpError::kMalformedTiming, line, "t=: expected \"<start time> <stop time>\"");
                    }
                    seen_time = true;
                }
                sd.fields.push_back(Field{type, std::string(value)});
                break;
            }
            default: {
                auto& fields = current ? current->fields : sd.fields;
                if (current && (type == 'u' || type == 'e' || type == 'p')) {
                    return fail(SdpError::kMisplacedLine, line, std::string(1, type) + "= inside a media section");
                }
                fields.push_back(Field{type, std::string(value)});
                break;
            }
        }
    }
    if (lines_.size() < 3) {
        const LineRef& last = lines_.back();
        if (lines_.size() == 1) return fail(SdpError::kMissingOrigin, last, "truncated after the first line (no o=)");
        return fail(SdpError::kMissingSessionName, last, "truncated after the second line (no s=)");
    }
    if (!seen_time) return fail(SdpError::kMissingTiming, lines_.back(), "no t= line in the session description");
    return sd;
}

}  // namespace

Result<SessionDescription, ParseError> SessionDescription::parse(std::string_view text) {
    return Parser(text).run();
}

}  // namespace polyrtc::sdp
