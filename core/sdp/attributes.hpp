// Typed values of the SDP attributes WebRTC uses. Each has `parse(value)` (the text after
// "a=<name>:") returning nullopt when malformed, and `to_value()` writing it back the way
// browsers do. The session parser validates every known attribute with these, so a
// description that parsed successfully yields them without failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polyrtc::sdp {

// RFC 8842 section 5 / RFC 4145: a=setup:actpass|active|passive|holdconn.
enum class Setup { kActpass, kActive, kPassive, kHoldconn };
const char* to_string(Setup setup);
std::optional<Setup> parse_setup(std::string_view value);

// RFC 8866 section 6.7: a=sendrecv / sendonly / recvonly / inactive.
enum class Direction { kSendrecv, kSendonly, kRecvonly, kInactive };
const char* to_string(Direction direction);
std::optional<Direction> parse_direction(std::string_view attribute_name);

// RFC 5888: a=group:<semantics> *(SP <mid>), e.g. "BUNDLE 0 1".
struct Group {
    std::string semantics;
    std::vector<std::string> mids;
    static std::optional<Group> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 8830 / Chromium: a=msid-semantic: WMS [<stream id> ...]. Chromium writes a space after
// the colon; parse accepts either, to_value() writes Chromium's form (" WMS").
struct MsidSemantic {
    std::string semantic;
    std::vector<std::string> stream_ids;
    static std::optional<MsidSemantic> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 8830: a=msid:<stream id> [<track id>].
struct Msid {
    std::string stream_id;
    std::optional<std::string> track_id;
    static std::optional<Msid> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 8866 section 6.6: a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>].
struct RtpMap {
    uint8_t payload_type = 0;   // 0..127
    std::string encoding_name;  // "opus", "telephone-event"
    uint32_t clock_rate = 0;
    std::optional<uint32_t> channels;
    static std::optional<RtpMap> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 8866 section 6.15: a=fmtp:<format> <parameters>. Parameters are kept as written;
// parameters() splits the common "k=v;k=v" form.
struct Fmtp {
    uint8_t payload_type = 0;
    std::string parameters;  // "minptime=10;useinbandfec=1", "0-16"
    static std::optional<Fmtp> parse(std::string_view value);
    std::string to_value() const;
    // ("minptime", "10"), ("useinbandfec", "1"); a piece without '=' gets an empty value.
    std::vector<std::pair<std::string, std::string>> parameter_list() const;
};

// RFC 4585 section 4.2: a=rtcp-fb:<payload type or *> <type> [<subtype>].
struct RtcpFb {
    std::optional<uint8_t> payload_type;  // nullopt = "*"
    std::string type;                     // "transport-cc", "nack", "ccm"
    std::optional<std::string> subtype;   // "pli", "fir"
    static std::optional<RtcpFb> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 8285 section 8: a=extmap:<id>[/<direction>] <uri> [<extension attributes>].
struct ExtMap {
    uint16_t id = 0;  // 1..14 one-byte, up to 255 two-byte; 4096..4351 reserved: we accept 1..4095
    std::optional<Direction> direction;
    std::string uri;
    std::optional<std::string> extension_attributes;
    static std::optional<ExtMap> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 5576: a=ssrc:<ssrc> <attribute>[:<value>], e.g. "1603781286 cname:x6eo8pXBCAcCcApg".
struct Ssrc {
    uint32_t ssrc = 0;
    std::string attribute;
    std::optional<std::string> value;
    static std::optional<Ssrc> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 5576: a=ssrc-group:<semantics> *(SP <ssrc>), e.g. "FID 1 2".
struct SsrcGroup {
    std::string semantics;
    std::vector<uint32_t> ssrcs;
    static std::optional<SsrcGroup> parse(std::string_view value);
    std::string to_value() const;
};

// draft-ietf-mmusic-sctp-sdp-05 (pre-RFC 8841, still sent by old stacks):
// m=application <port> DTLS/SCTP 5000 with a=sctpmap:5000 webrtc-datachannel 1024.
struct SctpMap {
    uint16_t port = 0;
    std::string protocol;  // "webrtc-datachannel"
    std::optional<uint32_t> streams;
    static std::optional<SctpMap> parse(std::string_view value);
    std::string to_value() const;
};

// RFC 8841 section 6: a=sctp-port:<port> (0..65535).
std::optional<uint16_t> parse_sctp_port(std::string_view value);
// RFC 8841 section 6: a=max-message-size:<size>; 0 means "no limit".
std::optional<uint64_t> parse_max_message_size(std::string_view value);
// RFC 8839 section 5.4: ice-ufrag is 4..256 ice-chars; ice-pwd 22..256 ice-chars.
bool is_valid_ice_ufrag(std::string_view value);
bool is_valid_ice_pwd(std::string_view value);
// RFC 8839 section 5.6: a=ice-options: 1*(ice-option-tag) separated by SP.
std::optional<std::vector<std::string>> parse_ice_options(std::string_view value);

}  // namespace polyrtc::sdp
