// RTP fixed header and header extensions (RFC 3550 section 5.1 and 5.3.1, RFC 8285).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                           timestamp                           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           synchronization source (SSRC) identifier            |
//   +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//   |            contributing source (CSRC) identifiers             |
//   |                             ....                              |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  defined by profile (0xBEDE / 0x100x) |        length         |  (when X is set)
//   |                        header extension                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// `RtpHeader` is a value; `parse_rtp` reads one packet through a ByteReader and returns the
// header, where the payload starts and how much padding ends it. SRTP needs `header_size`:
// the header is authenticated but not encrypted.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"

namespace polyrtc::rtp {

enum class RtpError {
    kTruncated,          // shorter than the header, CSRC list or extension it announces
    kBadVersion,         // V != 2
    kBadPadding,         // P set but the count is 0 or runs into the header
    kBadExtension,       // an RFC 8285 element runs past the extension block
    kTooManyExtensions,  // serialize: an element cannot be encoded (id or size out of range)
    kTooManyCsrcs,       // serialize: more than 15
};
const char* to_string(RtpError error);

// RFC 8285 profiles in the "defined by profile" field.
inline constexpr uint16_t kOneByteExtensionProfile = 0xBEDE;
inline constexpr uint16_t kTwoByteExtensionProfile = 0x1000;  // low 4 bits: appbits

struct HeaderExtension {
    uint8_t id = 0;  // 1..14 (one-byte form) or 1..255 (two-byte form)
    Bytes value;
    bool operator==(const HeaderExtension& o) const { return id == o.id && value == o.value; }
};

struct RtpHeader {
    bool marker = false;
    uint8_t payload_type = 0;  // 7 bits
    uint16_t sequence_number = 0;
    uint32_t timestamp = 0;
    uint32_t ssrc = 0;
    std::vector<uint32_t> csrcs;
    // RFC 8285 elements (one- or two-byte form). Empty with no X bit.
    std::vector<HeaderExtension> extensions;
    // An RFC 3550 extension with a profile that is not RFC 8285's: kept raw, re-serialized
    // as is. `extension_profile` is set whenever X was set.
    std::optional<uint16_t> extension_profile;
    Bytes raw_extension;  // only for a non-RFC 8285 profile

    const HeaderExtension* find_extension(uint8_t id) const;
};

struct RtpPacketView {
    RtpHeader header;
    size_t header_size = 0;  // fixed header + CSRCs + extension block
    ByteView payload;        // without padding
    uint8_t padding = 0;     // the padding octets at the end, including the count octet
};

// The minimum: the 12-byte fixed header.
inline constexpr size_t kRtpHeaderSize = 12;

// Parses one RTP packet. Padding (RFC 3550 5.1: "The last octet of the padding contains a
// count of how many padding octets should be ignored, including itself") is removed from
// the payload.
Result<RtpPacketView, RtpError> parse_rtp(ByteView packet);

// The header only, with the payload left as is (padding = 0 even when P is set): for SRTP,
// whose payload, padding count included, is ciphertext until authenticated and decrypted.
Result<RtpPacketView, RtpError> parse_rtp_header(ByteView packet);

// Writes the header, `payload`, and `padding` octets of padding (0 = none, else 1..255, the
// last of which holds the count). The one-byte extension form is used when every element
// fits it (id 1..14, 1..16 bytes), else the two-byte form.
Result<Bytes, RtpError> serialize_rtp(const RtpHeader& header, ByteView payload, uint8_t padding = 0);

// Sequence-number arithmetic (RFC 3550 appendix A.1): true when `a` comes after `b`
// modulo 2^16.
constexpr bool seq_newer(uint16_t a, uint16_t b) {
    return a != b && static_cast<uint16_t>(a - b) < 0x8000;
}

}  // namespace polyrtc::rtp
