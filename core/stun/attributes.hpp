// STUN attribute types and their value formats (RFC 8489 section 14, RFC 8656 section 18,
// RFC 8445 section 16.1, RFC 6062 section 6.2), the transaction id, error codes, and the
// module's error enum.
//
// Every attribute travels as Type (16 bits) | Length (16 bits) | Value, padded to 4 bytes.
// The encoders here produce a Value (no header, no padding); the decoders take a Value and
// validate it. `Message` (message.hpp) wraps them as typed add_*/get_* members.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/crypto/csprng.hpp"
#include "core/net/socket_address.hpp"

namespace polyrtc::stun {

enum class StunError {
    kTooShort,                   // fewer than 20 bytes (or 4 for ChannelData)
    kNotStun,                    // the two most significant bits are not zero
    kBadMagicCookie,             // bytes 4..7 are not 0x2112A442
    kBadLength,                  // length field not a multiple of 4, or not the datagram's size
    kTruncatedAttribute,         // an attribute's length runs past the end of the message
    kAttributeAfterFingerprint,  // FINGERPRINT is not the last attribute
    kMissingAttribute,           // typed getter: the attribute is absent
    kMalformedAttribute,         // typed getter: the value has the wrong size or content
    kNoIntegrity,                // check_integrity*: no MESSAGE-INTEGRITY(-SHA256) attribute
    kIntegrityMismatch,          // check_integrity*: HMAC differs
    kNoFingerprint,              // check_fingerprint: no FINGERPRINT attribute
    kFingerprintMismatch,        // check_fingerprint: CRC differs
    kBadChannelNumber,           // ChannelData channel outside 0x4000..0x4FFF
    kTruncatedChannelData,       // ChannelData length runs past the end of the bytes
    kMessageTooLarge,            // value or message exceeds the 16-bit length field
    kStreamDesync,               // stream framer: bytes that start neither STUN nor ChannelData
};
const char* to_string(StunError error);

// The fixed value in every RFC 5389/8489 header (section 5).
constexpr uint32_t kMagicCookie = 0x2112A442;
constexpr size_t kHeaderSize = 20;
constexpr size_t kTransactionIdSize = 12;

// 96-bit transaction id (RFC 8489 section 5): "uniformly and randomly chosen from the
// interval 0 .. 2**96-1, and MUST be cryptographically random".
struct TransactionId {
    std::array<uint8_t, kTransactionIdSize> bytes{};

    static TransactionId random(crypto::Csprng& rng);
    static TransactionId from_bytes(ByteView twelve_bytes);  // precondition: 12 bytes

    std::string to_hex() const { return polyrtc::to_hex(ByteView(bytes.data(), bytes.size())); }
    bool operator==(const TransactionId& o) const { return bytes == o.bytes; }
    bool operator!=(const TransactionId& o) const { return bytes != o.bytes; }
    bool operator<(const TransactionId& o) const { return bytes < o.bytes; }
    size_t hash() const;
};

// IANA "STUN Attributes" registry entries this codec knows. The enum's underlying type is
// the wire value, so any 16-bit type (known or not) can be held by `AttributeType`.
// 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF comprehension-optional.
enum class AttributeType : uint16_t {
    kMappedAddress = 0x0001,            // RFC 8489
    kChangeRequest = 0x0003,            // RFC 5780
    kUsername = 0x0006,                 // RFC 8489
    kMessageIntegrity = 0x0008,         // RFC 8489
    kErrorCode = 0x0009,                // RFC 8489
    kUnknownAttributes = 0x000A,        // RFC 8489
    kChannelNumber = 0x000C,            // RFC 8656
    kLifetime = 0x000D,                 // RFC 8656
    kXorPeerAddress = 0x0012,           // RFC 8656
    kData = 0x0013,                     // RFC 8656
    kRealm = 0x0014,                    // RFC 8489
    kNonce = 0x0015,                    // RFC 8489
    kXorRelayedAddress = 0x0016,        // RFC 8656
    kRequestedAddressFamily = 0x0017,   // RFC 8656
    kEvenPort = 0x0018,                 // RFC 8656
    kRequestedTransport = 0x0019,       // RFC 8656
    kDontFragment = 0x001A,             // RFC 8656
    kMessageIntegritySha256 = 0x001C,   // RFC 8489
    kPasswordAlgorithm = 0x001D,        // RFC 8489
    kUserhash = 0x001E,                 // RFC 8489
    kXorMappedAddress = 0x0020,         // RFC 8489
    kReservationToken = 0x0022,         // RFC 8656
    kPriority = 0x0024,                 // RFC 8445
    kUseCandidate = 0x0025,             // RFC 8445
    kConnectionId = 0x002A,             // RFC 6062
    kAdditionalAddressFamily = 0x8000,  // RFC 8656
    kAddressErrorCode = 0x8001,         // RFC 8656
    kPasswordAlgorithms = 0x8002,       // RFC 8489
    kAlternateDomain = 0x8003,          // RFC 8489
    kIcmp = 0x8004,                     // RFC 8656
    kSoftware = 0x8022,                 // RFC 8489
    kAlternateServer = 0x8023,          // RFC 8489
    kFingerprint = 0x8028,              // RFC 8489
    kIceControlled = 0x8029,            // RFC 8445
    kIceControlling = 0x802A,           // RFC 8445
    kResponseOrigin = 0x802B,           // RFC 5780
    kOtherAddress = 0x802C,             // RFC 5780
    kGoogNetworkInfo = 0xC057,          // Chromium: network id + cost, passed through as bytes
};
const char* to_string(AttributeType type);  // "XOR-MAPPED-ADDRESS", or "unknown"
inline bool is_comprehension_required(uint16_t type) {
    return type < 0x8000;
}
// True for every enumerator above.
bool is_known_attribute(uint16_t type);

// RFC 8489 section 14.8 / RFC 8656 section 19 / RFC 8445 section 7.3.1.1 error codes.
// The enum holds any 300..699 value; these are the ones polyrtc produces or reacts to.
enum class ErrorCode : uint16_t {
    kTryAlternate = 300,
    kBadRequest = 400,
    kUnauthorized = 401,
    kForbidden = 403,
    kUnknownAttribute = 420,
    kAllocationMismatch = 437,
    kStaleNonce = 438,
    kAddressFamilyNotSupported = 440,
    kWrongCredentials = 441,
    kUnsupportedTransportProtocol = 442,
    kPeerAddressFamilyMismatch = 443,
    kConnectionAlreadyExists = 446,
    kConnectionTimeoutOrFailure = 447,
    kAllocationQuotaReached = 486,
    kRoleConflict = 487,
    kServerError = 500,
    kInsufficientCapacity = 508,
};
// The RFC's suggested reason phrase, e.g. "Stale Nonce"; "" for codes not listed above.
const char* reason_phrase(uint16_t code);

// ERROR-CODE value (RFC 8489 section 14.8).
struct ErrorCodeValue {
    uint16_t code = 0;  // 300..699
    std::string reason;
    bool operator==(const ErrorCodeValue& o) const { return code == o.code && reason == o.reason; }
};

// PASSWORD-ALGORITHM(S) (RFC 8489 sections 14.11, 14.12, 18.5).
enum class PasswordAlgorithm : uint16_t {
    kMd5 = 0x0001,
    kSha256 = 0x0002,
};
struct PasswordAlgorithmValue {
    uint16_t algorithm = 0;  // a PasswordAlgorithm value, or an unknown one
    Bytes parameters;        // empty for MD5 and SHA-256
    bool operator==(const PasswordAlgorithmValue& o) const {
        return algorithm == o.algorithm && parameters == o.parameters;
    }
};

// ADDRESS-ERROR-CODE value (RFC 8656 section 18.12).
struct AddressErrorCodeValue {
    net::AddressFamily family = net::AddressFamily::kIpv4;
    uint16_t code = 0;
    std::string reason;
};

// ICMP value (RFC 8656 section 18.13).
struct IcmpValue {
    uint8_t type = 0;
    uint8_t code = 0;
    uint32_t error_data = 0;
    bool operator==(const IcmpValue& o) const { return type == o.type && code == o.code && error_data == o.error_data; }
};

// REQUESTED-TRANSPORT protocol numbers (RFC 8656 section 18.7, RFC 6062).
constexpr uint8_t kProtocolUdp = 17;
constexpr uint8_t kProtocolTcp = 6;

// Length limits the RFCs put on text values, in bytes.
constexpr size_t kMaxUsernameSize = 508;      // RFC 8489 14.3: "fewer than 509 bytes"
constexpr size_t kMaxQuotedTextSize = 763;    // REALM/NONCE/SOFTWARE/reason: < 128 chars, <= 763 B
constexpr size_t kUserhashSize = 32;          // RFC 8489 14.4
constexpr size_t kMessageIntegritySize = 20;  // HMAC-SHA1
constexpr size_t kFingerprintSize = 4;

// --- Value codecs (Value part only; see message.hpp for whole attributes) ---

// MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS (RFC 8489 section 14.1).
Bytes encode_address(const net::SocketAddress& address);
Result<net::SocketAddress, StunError> decode_address(ByteView value);
// XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS (RFC 8489 section 14.2).
Bytes encode_xor_address(const net::SocketAddress& address, const TransactionId& id);
Result<net::SocketAddress, StunError> decode_xor_address(ByteView value, const TransactionId& id);

Bytes encode_error_code(const ErrorCodeValue& error);
Result<ErrorCodeValue, StunError> decode_error_code(ByteView value);

Bytes encode_unknown_attributes(const std::vector<uint16_t>& types);
Result<std::vector<uint16_t>, StunError> decode_unknown_attributes(ByteView value);

Bytes encode_password_algorithm(const PasswordAlgorithmValue& algorithm);
Result<PasswordAlgorithmValue, StunError> decode_password_algorithm(ByteView value);
Bytes encode_password_algorithms(const std::vector<PasswordAlgorithmValue>& algorithms);
Result<std::vector<PasswordAlgorithmValue>, StunError> decode_password_algorithms(ByteView value);

Bytes encode_address_error_code(const AddressErrorCodeValue& error);
Result<AddressErrorCodeValue, StunError> decode_address_error_code(ByteView value);

Bytes encode_icmp(const IcmpValue& icmp);
Result<IcmpValue, StunError> decode_icmp(ByteView value);

// REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY (RFC 8656 sections 18.10, 18.11).
Bytes encode_address_family(net::AddressFamily family);
Result<net::AddressFamily, StunError> decode_address_family(ByteView value);

}  // namespace polyrtc::stun

namespace std {
template <>
struct hash<polyrtc::stun::TransactionId> {
    size_t operator()(const polyrtc::stun::TransactionId& id) const { return id.hash(); }
};
}  // namespace std
