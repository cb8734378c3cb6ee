#include "core/stun/attributes.hpp"

#include <cstring>

namespace polyrtc::stun {

const char* to_string(StunError error) {
    switch (error) {
        case StunError::kTooShort: return "too short";
        case StunError::kNotStun: return "not a STUN message (top bits set)";
        case StunError::kBadMagicCookie: return "bad magic cookie";
        case StunError::kBadLength: return "message length not a multiple of 4 or not the packet size";
        case StunError::kTruncatedAttribute: return "attribute runs past the end of the message";
        case StunError::kAttributeAfterFingerprint: return "attribute after FINGERPRINT";
        case StunError::kMissingAttribute: return "attribute missing";
        case StunError::kMalformedAttribute: return "malformed attribute value";
        case StunError::kNoIntegrity: return "no MESSAGE-INTEGRITY";
        case StunError::kIntegrityMismatch: return "MESSAGE-INTEGRITY mismatch";
        case StunError::kNoFingerprint: return "no FINGERPRINT";
        case StunError::kFingerprintMismatch: return "FINGERPRINT mismatch";
        case StunError::kBadChannelNumber: return "channel number outside 0x4000-0x4FFF";
        case StunError::kTruncatedChannelData: return "ChannelData length runs past the end";
        case StunError::kMessageTooLarge: return "message too large";
        case StunError::kStreamDesync: return "stream is neither STUN nor ChannelData";
    }
    return "unknown";
}

TransactionId TransactionId::random(crypto::Csprng& rng) {
    TransactionId id;
    rng.fill(id.bytes.data(), id.bytes.size());
    return id;
}

TransactionId TransactionId::from_bytes(ByteView twelve_bytes) {
    TransactionId id;
    std::memcpy(id.bytes.data(), twelve_bytes.data(), twelve_bytes.size() < 12 ? twelve_bytes.size() : 12);
    return id;
}

size_t TransactionId::hash() const {
    uint64_t h = 1469598103934665603ull;
    for (uint8_t b : bytes) {
        h ^= b;
        h *= 1099511628211ull;
    }
    return static_cast<size_t>(h ^ (h >> 32));
}

const char* to_string(AttributeType type) {
    switch (type) {
        case AttributeType::kMappedAddress: return "MAPPED-ADDRESS";
        case AttributeType::kChangeRequest: return "CHANGE-REQUEST";
        case AttributeType::kUsername: return "USERNAME";
        case AttributeType::kMessageIntegrity: return "MESSAGE-INTEGRITY";
        case AttributeType::kErrorCode: return "ERROR-CODE";
        case AttributeType::kUnknownAttributes: return "UNKNOWN-ATTRIBUTES";
        case AttributeType::kChannelNumber: return "CHANNEL-NUMBER";
        case AttributeType::kLifetime: return "LIFETIME";
        case AttributeType::kXorPeerAddress: return "XOR-PEER-ADDRESS";
        case AttributeType::kData: return "DATA";
        case AttributeType::kRealm: return "REALM";
        case AttributeType::kNonce: return "NONCE";
        case AttributeType::kXorRelayedAddress: return "XOR-RELAYED-ADDRESS";
        case AttributeType::kRequestedAddressFamily: return "REQUESTED-ADDRESS-FAMILY";
        case AttributeType::kEvenPort: return "EVEN-PORT";
        case AttributeType::kRequestedTransport: return "REQUESTED-TRANSPORT";
        case AttributeType::kDontFragment: return "DONT-FRAGMENT";
        case AttributeType::kMessageIntegritySha256: return "MESSAGE-INTEGRITY-SHA256";
        case AttributeType::kPasswordAlgorithm: return "PASSWORD-ALGORITHM";
        case AttributeType::kUserhash: return "USERHASH";
        case AttributeType::kXorMappedAddress: return "XOR-MAPPED-ADDRESS";
        case AttributeType::kReservationToken: return "RESERVATION-TOKEN";
        case AttributeType::kPriority: return "PRIORITY";
        case AttributeType::kUseCandidate: return "USE-CANDIDATE";
        case AttributeType::kConnectionId: return "CONNECTION-ID";
        case AttributeType::kAdditionalAddressFamily: return "ADDITIONAL-ADDRESS-FAMILY";
        case AttributeType::kAddressErrorCode: return "ADDRESS-ERROR-CODE";
        case AttributeType::kPasswordAlgorithms: return "PASSWORD-ALGORITHMS";
        case AttributeType::kAlternateDomain: return "ALTERNATE-DOMAIN";
        case AttributeType::kIcmp: return "ICMP";
        case AttributeType::kSoftware: return "SOFTWARE";
        case AttributeType::kAlternateServer: return "ALTERNATE-SERVER";
        case AttributeType::kFingerprint: return "FINGERPRINT";
        case AttributeType::kIceControlled: return "ICE-CONTROLLED";
        case AttributeType::kIceControlling: return "ICE-CONTROLLING";
        case AttributeType::kResponseOrigin: return "RESPONSE-ORIGIN";
        case AttributeType::kOtherAddress: return "OTHER-ADDRESS";
        case AttributeType::kGoogNetworkInfo: return "GOOG-NETWORK-INFO";
    }
    return "unknown";
}

bool is_known_attribute(uint16_t type) {
    return std::strcmp(to_string(static_cast<AttributeType>(type)), "unknown") != 0;
}

const char* reason_phrase(uint16_t code) {
    switch (code) {
        case 300: return "Try Alternate";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 420: return "Unknown Attribute";
        case 437: return "Allocation Mismatch";
        case 438: return "Stale Nonce";
        case 440: return "Address Family not Supported";
        case 441: return "Wrong Credentials";
        case 442: return "Unsupported Transport Protocol";
        case 443: return "Peer Address Family Mismatch";
        case 446: return "Connection Already Exists";
        case 447: return "Connection Timeout or Failure";
        case 486: return "Allocation Quota Reached";
        case 487: return "Role Conflict";
        case 500: return "Server Error";
        case 508: return "Insufficient Capacity";
        default: return "";
    }
}

namespace {

constexpr uint8_t kFamilyIpv4 = 0x01;
constexpr uint8_t kFamilyIpv6 = 0x02;

uint8_t family_byte(net::AddressFamily family) {
    return family == net::AddressFamily::kIpv4 ? kFamilyIpv4 : kFamilyIpv6;
}

size_t padded(size_t n) {
    return (n + 3) & ~size_t{3};
}

// The 36 bytes an XOR address is masked with: magic cookie, then the transaction id.
std::array<uint8_t, 16> xor_mask(const TransactionId& id) {
    std::array<uint8_t, 16> mask{};
    mask[0] = static_cast<uint8_t>(kMagicCookie >> 24);
    mask[1] = static_cast<uint8_t>(kMagicCookie >> 16);
    mask[2] = static_cast<uint8_t>(kMagicCookie >> 8);
    mask[3] = static_cast<uint8_t>(kMagicCookie);
    std::memcpy(mask.data() + 4, id.bytes.data(), id.bytes.size());
    return mask;
}

}  // namespace

// RFC 8489 section 14.1, MAPPED-ADDRESS:
//    0                   1                   2                   3
//   |0 0 0 0 0 0 0 0|    Family     |           Port                |
//   |                 Address (32 bits or 128 bits)                 |
// "The first 8 bits of the MAPPED-ADDRESS MUST be set to 0 and MUST be ignored by receivers."
Bytes encode_address(const net::SocketAddress& address) {
    ByteWriter w;
    w.write_u8(0);
    w.write_u8(family_byte(address.family()));
    w.write_u16(address.port());
    w.write_bytes(address.ip().bytes());
    return w.take();
}

Result<net::SocketAddress, StunError> decode_address(ByteView value) {
    ByteReader r(value);
    r.skip(1);
    auto family = r.read_u8();
    auto port = r.read_u16();
    if (!family || !port) return unexpected(StunError::kMalformedAttribute);
    size_t expected = *family == kFamilyIpv4 ? 4 : *family == kFamilyIpv6 ? 16 : 0;
    if (expected == 0 || r.remaining() != expected) return unexpected(StunError::kMalformedAttribute);
    auto ip = net::IpAddress::from_bytes(r.rest());
    if (!ip) return unexpected(StunError::kMalformedAttribute);
    return net::SocketAddress(*ip, *port);
}

// RFC 8489 section 14.2, XOR-MAPPED-ADDRESS: X-Port is the port XOR the top 16 bits of the
// magic cookie; X-Address is the address XOR the magic cookie (IPv4) or XOR the
// concatenation of the magic cookie and the transaction id (IPv6).
Bytes encode_xor_address(const net::SocketAddress& address, const TransactionId& id) {
    auto mask = xor_mask(id);
    ByteWriter w;
    w.write_u8(0);
    w.write_u8(family_byte(address.family()));
    w.write_u16(static_cast<uint16_t>(address.port() ^ (kMagicCookie >> 16)));
    ByteView ip = address.ip().bytes();
    for (size_t i = 0; i < ip.size(); ++i) w.write_u8(static_cast<uint8_t>(ip[i] ^ mask[i]));
    return w.take();
}

Result<net::SocketAddress, StunError> decode_xor_address(ByteView value, const TransactionId& id) {
    auto plain = decode_address(value);
    if (!plain) return plain;
    auto mask = xor_mask(id);
    uint8_t raw[16];
    ByteView ip = plain->ip().bytes();
    for (size_t i = 0; i < ip.size(); ++i) raw[i] = static_cast<uint8_t>(ip[i] ^ mask[i]);
    auto unmasked = net::IpAddress::from_bytes(ByteView(raw, ip.size()));
    return net::SocketAddress(unmasked.value(), static_cast<uint16_t>(plain->port() ^ (kMagicCookie >> 16)));
}

// RFC 8489 section 14.8, ERROR-CODE:
//   |           Reserved, should be 0         |Class|     Number    |
//   |      Reason Phrase (variable)                                ..
// "The Class represents the hundreds digit of the error code. The value MUST be between 3
// and 6. The Number represents the binary encoding of the error code modulo 100, and its
// value MUST be between 0 and 99." The reason phrase "MUST be a UTF-8-encoded sequence of
// fewer than 128 characters (which can be as long as 509 bytes when encoding them or 763
// bytes when decoding them)".
Bytes encode_error_code(const ErrorCodeValue& error) {
    ByteWriter w;
    w.write_u16(0);
    w.write_u8(static_cast<uint8_t>((error.code / 100) & 0x07));
    w.write_u8(static_cast<uint8_t>(error.code % 100));
    w.write_string(error.reason);
    return w.take();
}

Result<ErrorCodeValue, StunError> decode_error_code(ByteView value) {
    ByteReader r(value);
    if (!r.skip(2)) return unexpected(StunError::kMalformedAttribute);
    auto error_class = r.read_u8();
    auto number = r.read_u8();
    if (!error_class || !number) return unexpected(StunError::kMalformedAttribute);
    unsigned cls = *error_class & 0x07;
    if (cls < 3 || cls > 6 || *number > 99) return unexpected(StunError::kMalformedAttribute);
    if (r.remaining() > kMaxQuotedTextSize) return unexpected(StunError::kMalformedAttribute);
    ByteView reason = r.rest();
    return ErrorCodeValue{static_cast<uint16_t>(cls * 100 + *number),
                          std::string(reinterpret_cast<const char*>(reason.data()), reason.size())};
}

// RFC 8489 section 14.9, UNKNOWN-ATTRIBUTES: a list of 16-bit attribute types.
Bytes encode_unknown_attributes(const std::vector<uint16_t>& types) {
    ByteWriter w;
    for (uint16_t t : types) w.write_u16(t);
    return w.take();
}

Result<std::vector<uint16_t>, StunError> decode_unknown_attributes(ByteView value) {
    if (value.size() % 2 != 0) return unexpected(StunError::kMalformedAttribute);
    ByteReader r(value);
    std::vector<uint16_t> types;
    while (!r.empty()) types.push_back(*r.read_u16());
    return types;
}

// RFC 8489 section 14.11/14.12, PASSWORD-ALGORITHM(S):
//   |          Algorithm            |  Algorithm Parameters Length  |
//   |                    Algorithm Parameters (variable, padded)    ...
Bytes encode_password_algorithm(const PasswordAlgorithmValue& algorithm) {
    ByteWriter w;
    w.write_u16(algorithm.algorithm);
    w.write_u16(static_cast<uint16_t>(algorithm.parameters.size()));
    w.write_bytes(algorithm.parameters);
    return w.take();
}

namespace {

std::optional<PasswordAlgorithmValue> read_password_algorithm(ByteReader& r, bool pad) {
    auto algorithm = r.read_u16();
    auto length = r.read_u16();
    if (!algorithm || !length) return std::nullopt;
    auto params = r.read_bytes(*length);
    if (!params) return std::nullopt;
    if (pad && !r.skip(padded(*length) - *length)) return std::nullopt;
    return PasswordAlgorithmValue{*algorithm, params->to_bytes()};
}

}  // namespace

Result<PasswordAlgorithmValue, StunError> decode_password_algorithm(ByteView value) {
    ByteReader r(value);
    auto algorithm = read_password_algorithm(r, false);
    // Tolerate the parameters' own padding inside the value, nothing more.
    if (!algorithm || r.remaining() >= 4) return unexpected(StunError::kMalformedAttribute);
    return std::move(*algorithm);
}

Bytes encode_password_algorithms(const std::vector<PasswordAlgorithmValue>& algorithms) {
    ByteWriter w;
    for (const auto& a : algorithms) {
        w.write_bytes(encode_password_algorithm(a));
        w.write_zeros(padded(a.parameters.size()) - a.parameters.size());
    }
    return w.take();
}

Result<std::vector<PasswordAlgorithmValue>, StunError> decode_password_algorithms(ByteView value) {
    ByteReader r(value);
    std::vector<PasswordAlgorithmValue> out;
    while (!r.empty()) {
        auto algorithm = read_password_algorithm(r, true);
        if (!algorithm) return unexpected(StunError::kMalformedAttribute);
        out.push_back(std::move(*algorithm));
    }
    return out;
}

// RFC 8656 section 18.12, ADDRESS-ERROR-CODE:
//   |  Family       |    Reserved             |Class|     Number    |
//   |      Reason Phrase (variable)                                ..
Bytes encode_address_error_code(const AddressErrorCodeValue& error) {
    ByteWriter w;
    w.write_u8(family_byte(error.family));
    w.write_u8(0);
    w.write_u8(static_cast<uint8_t>((error.code / 100) & 0x07));
    w.write_u8(static_cast<uint8_t>(error.code % 100));
    w.write_string(error.reason);
    return w.take();
}

Result<AddressErrorCodeValue, StunError> decode_address_error_code(ByteView value) {
    if (value.size() < 4) return unexpected(StunError::kMalformedAttribute);
    net::AddressFamily family;
    if (value[0] == kFamilyIpv4) {
        family = net::AddressFamily::kIpv4;
    } else if (value[0] == kFamilyIpv6) {
        family = net::AddressFamily::kIpv6;
    } else {
        return unexpected(StunError::kMalformedAttribute);
    }
    Bytes as_error_code = value.to_bytes();
    as_error_code[0] = 0;
    as_error_code[1] = 0;
    auto code = decode_error_code(as_error_code);
    if (!code) return unexpected(code.error());
    return AddressErrorCodeValue{family, code->code, code->reason};
}

// RFC 8656 section 18.13, ICMP:
//   |  Reserved                     |  ICMP Type    |  ICMP Code    |
//   |                          Error Data                           |
Bytes encode_icmp(const IcmpValue& icmp) {
    ByteWriter w;
    w.write_u16(0);
    w.write_u8(icmp.type);
    w.write_u8(icmp.code);
    w.write_u32(icmp.error_data);
    return w.take();
}

Result<IcmpValue, StunError> decode_icmp(ByteView value) {
    if (value.size() != 8) return unexpected(StunError::kMalformedAttribute);
    ByteReader r(value);
    r.skip(2);
    IcmpValue icmp;
    icmp.type = *r.read_u8();
    icmp.code = *r.read_u8();
    icmp.error_data = *r.read_u32();
    return icmp;
}

// RFC 8656 sections 18.10/18.11, REQUESTED-/ADDITIONAL-ADDRESS-FAMILY:
//   |     Family    |            Reserved                           |
// Family 0x01 IPv4, 0x02 IPv6.
Bytes encode_address_family(net::AddressFamily family) {
    return Bytes{family_byte(family), 0, 0, 0};
}

Result<net::AddressFamily, StunError> decode_address_family(ByteView value) {
    if (value.size() != 4) return unexpected(StunError::kMalformedAttribute);
    if (value[0] == kFamilyIpv4) return net::AddressFamily::kIpv4;
    if (value[0] == kFamilyIpv6) return net::AddressFamily::kIpv6;
    return unexpected(StunError::kMalformedAttribute);
}

}  // namespace polyrtc::stun
