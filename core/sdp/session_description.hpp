// SessionDescription: an SDP session description (RFC 8866), parsed and written back.
//
//   session-description = version-field origin-field session-name-field
//                         [information-field] [uri-field] *email-field *phone-field
//                         [connection-field] *bandwidth-field 1*time-description
//                         [key-field] *attribute-field *media-description
//   media-description   = media-field [information-field] *connection-field
//                         *bandwidth-field [key-field] *attribute-field
//
// Lines are "<type>=<value>"; CRLF or LF is accepted, CRLF is written. Every line is kept:
// v/o/s/c/m are typed, attributes are an ordered list of name/value (so unknown ones survive
// a round trip), other lines (i, u, e, p, b, t, r, z, k) are kept as Fields. Serializing a
// parsed description reproduces its text byte for byte when the input used CRLF and the
// RFC's field order.
//
// Every attribute WebRTC relies on is validated while parsing, so a malformed
// a=fingerprint, a=candidate, a=rtpmap... fails the parse with the line number and the line
// (ParseError::to_string(): `line 7: a=fingerprint: not colon-separated hex ...: "a=fi..."`),
// and the typed accessors below cannot fail on a parsed description. Input is hostile: the
// parser bounds size, line count and line length, rejects NUL and stray CR, and never reads
// past the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/dtls/fingerprint.hpp"
#include "core/sdp/attributes.hpp"
#include "core/sdp/candidate.hpp"

namespace polyrtc::sdp {

enum class SdpError {
    kEmpty,               // no lines at all
    kTooLarge,            // more than kMaxSdpSize bytes
    kTooManyLines,        // more than kMaxLines lines
    kLineTooLong,         // a line longer than kMaxLineLength
    kInvalidCharacter,    // NUL, or a CR not followed by LF
    kMalformedLine,       // not "<letter>=<value>" (also: an empty line)
    kMissingVersion,      // the first line is not v=
    kUnsupportedVersion,  // v= other than 0
    kMissingOrigin,       // the second line is not o=
    kMalformedOrigin,
    kMissingSessionName,  // the third line is not s=
    kMissingTiming,       // no t= before the first m=
    kMalformedTiming,
    kMalformedConnection,
    kMalformedMedia,
    kMalformedAttribute,  // a known attribute whose value does not parse
    kDuplicateAttribute,  // an attribute that may appear once per section appears again
    kDuplicateMid,        // RFC 5888: mid values MUST be unique
    kMisplacedLine,       // v=, o=, s= again, or a line type not allowed where it is
};
const char* to_string(SdpError error);

struct ParseError {
    SdpError code = SdpError::kEmpty;
    size_t line_number = 0;  // 1-based; 0 when the error is about the whole description
    std::string line;        // the offending line, non-printable bytes escaped, cut at 120 chars
    std::string detail;      // what exactly is wrong, e.g. "a=fingerprint: ..."

    // `line 7: a=fingerprint: not colon-separated hex of the digest length: "a=fingerprint:sha-256 ZZ"`
    std::string to_string() const;
};

inline constexpr size_t kMaxSdpSize = 64 * 1024;
inline constexpr size_t kMaxLines = 4096;
inline constexpr size_t kMaxLineLength = 4096;

// A line kept as written (type letter and value).
struct Field {
    char type = 0;
    std::string value;
    bool operator==(const Field& o) const { return type == o.type && value == o.value; }
};

// "a=<name>" (flag) or "a=<name>:<value>".
struct Attribute {
    std::string name;
    std::optional<std::string> value;
    size_t line_number = 0;  // where it was parsed; 0 if built in code. Not compared.

    std::string to_line() const { return "a=" + name + (value ? ":" + *value : std::string()); }
    bool operator==(const Attribute& o) const { return name == o.name && value == o.value; }
};

// RFC 8866 section 5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
    std::string username = "-";
    std::string session_id;  // 1*DIGIT, kept as text (browsers use up to 19 digits)
    uint64_t session_version = 0;
    std::string net_type = "IN";
    std::string address_type = "IP4";
    std::string address = "127.0.0.1";

    static std::optional<Origin> parse(std::string_view value);
    std::string to_value() const;
    bool operator==(const Origin& o) const;
};

// RFC 8866 section 5.7: c=<nettype> <addrtype> <connection-address>
struct Connection {
    std::string net_type = "IN";
    std::string address_type = "IP4";
    std::string address = "0.0.0.0";

    static std::optional<Connection> parse(std::string_view value);
    std::string to_value() const { return net_type + " " + address_type + " " + address; }
    bool operator==(const Connection& o) const {
        return net_type == o.net_type && address_type == o.address_type && address == o.address;
    }
};

// The ordered attribute list of the session or of one media section, with the accessors
// that make sense at both levels (RFC 8839/8842/8122 allow these at either).
class AttributeList {
public:
    std::vector<Attribute> attributes;

    const Attribute* find(std::string_view name) const;
    std::vector<const Attribute*> find_all(std::string_view name) const;
    bool has(std::string_view name) const { return find(name) != nullptr; }
    // Value of the first attribute called `name` (nullopt if absent or a flag).
    std::optional<std::string_view> value(std::string_view name) const;
    void add(std::string name, std::string value);
    void add_flag(std::string name);
    // Replaces the value of the first `name` (removing the others), or appends it.
    void set(std::string_view name, std::string value);
    size_t remove_all(std::string_view name);

    std::optional<std::string_view> ice_ufrag() const { return value("ice-ufrag"); }
    std::optional<std::string_view> ice_pwd() const { return value("ice-pwd"); }
    std::vector<std::string> ice_options() const;
    bool ice_lite() const { return has("ice-lite"); }
    std::vector<dtls::Fingerprint> fingerprints() const;
    std::optional<Setup> setup() const;
    std::vector<Candidate> candidates() const;
    bool end_of_candidates() const { return has("end-of-candidates"); }
    std::vector<ExtMap> extmaps() const;

    bool operator==(const AttributeList& o) const { return attributes == o.attributes; }
};

// One m= section.
struct MediaDescription : AttributeList {
    // m=<media> <port>[/<number of ports>] <proto> 1*(SP <fmt>)
    std::string media;  // "audio", "video", "application"
    uint16_t port = 9;  // 0 = rejected / stopped (RFC 8829 section 5.2.2)
    std::optional<uint16_t> port_count;
    std::string protocol;              // "UDP/DTLS/SCTP", "UDP/TLS/RTP/SAVPF"
    std::vector<std::string> formats;  // payload types, or "webrtc-datachannel"
    std::optional<Connection> connection;
    std::vector<Field> fields;  // i=, b=, k= (kept in order)

    bool rejected() const { return port == 0; }
    bool is_datachannel() const;  // application + (UDP|TCP)/DTLS/SCTP + webrtc-datachannel, or legacy sctpmap
    bool is_rtp() const;          // protocol contains "RTP/"

    std::optional<std::string_view> mid() const { return value("mid"); }
    std::optional<Direction> direction() const;  // the direction attribute, if any
    bool rtcp_mux() const { return has("rtcp-mux"); }
    bool rtcp_rsize() const { return has("rtcp-rsize"); }
    std::vector<RtpMap> rtpmaps() const;
    std::optional<RtpMap> rtpmap(uint8_t payload_type) const;
    std::vector<Fmtp> fmtps() const;
    std::vector<RtcpFb> rtcp_fbs() const;
    std::vector<Ssrc> ssrcs() const;
    std::vector<SsrcGroup> ssrc_groups() const;
    std::vector<Msid> msids() const;
    std::optional<uint16_t> sctp_port() const;
    std::optional<uint64_t> max_message_size() const;
    std::optional<SctpMap> sctpmap() const;

    std::string media_line_value() const;  // the value of the m= line
    bool operator==(const MediaDescription& o) const;
};

struct SessionDescription : AttributeList {
    Origin origin;
    std::string session_name = "-";
    std::optional<Connection> connection;
    // i, u, e, p, b, t, r, z, k at session level, in order. A description needs one t=.
    std::vector<Field> fields;
    std::vector<MediaDescription> media;

    // Parses `text`; on failure the error names the line.
    static Result<SessionDescription, ParseError> parse(std::string_view text);
    // CRLF-terminated lines in RFC 8866 order.
    std::string to_string() const;

    std::vector<Group> groups() const;
    std::optional<Group> bundle_group() const;  // the first a=group:BUNDLE
    std::optional<MsidSemantic> msid_semantic() const;
    bool extmap_allow_mixed() const { return has("extmap-allow-mixed"); }

    // Index of the m= section with a=mid:`mid`.
    std::optional<size_t> find_mid(std::string_view mid) const;
    // A media-level attribute value, falling back to the session level (ice-ufrag, ice-pwd,
    // setup and fingerprint may sit at either level).
    std::optional<std::string_view> effective_value(size_t media_index, std::string_view name) const;
    std::vector<dtls::Fingerprint> effective_fingerprints(size_t media_index) const;
    std::optional<Setup> effective_setup(size_t media_index) const;
    std::vector<std::string> effective_ice_options(size_t media_index) const;

    bool operator==(const SessionDescription& o) const;
};

}  // namespace polyrtc::sdp
