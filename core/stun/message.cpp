#include "core/stun/message.hpp"

#include <algorithm>

#include "core/stun/integrity.hpp"

namespace polyrtc::stun {

const char* to_string(Method method) {
    switch (method) {
        case Method::kBinding: return "Binding";
        case Method::kAllocate: return "Allocate";
        case Method::kRefresh: return "Refresh";
        case Method::kSend: return "Send";
        case Method::kData: return "Data";
        case Method::kCreatePermission: return "CreatePermission";
        case Method::kChannelBind: return "ChannelBind";
        case Method::kConnect: return "Connect";
        case Method::kConnectionBind: return "ConnectionBind";
        case Method::kConnectionAttempt: return "ConnectionAttempt";
    }
    return "unknown";
}

const char* to_string(MessageClass message_class) {
    switch (message_class) {
        case MessageClass::kRequest: return "request";
        case MessageClass::kIndication: return "indication";
        case MessageClass::kSuccessResponse: return "success response";
        case MessageClass::kErrorResponse: return "error response";
    }
    return "unknown";
}

// RFC 8489 section 5, figure 3:
//    0                 1
//    2  3  4 5 6 7 8 9 0 1 2 3 4 5
//   +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
//   |M |M |M|M|M|C|M|M|M|C|M|M|M|M|
//   |11|10|9|8|7|1|6|5|4|0|3|2|1|0|
//   +--+--+-+-+-+-+-+-+-+-+-+-+-+-+
uint16_t encode_message_type(MessageClass message_class, Method method) {
    auto m = static_cast<unsigned>(method) & 0x0FFF;
    auto c = static_cast<unsigned>(message_class);
    return static_cast<uint16_t>((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) |
                                 ((c & 2) << 7));
}

MessageClass decode_message_class(uint16_t message_type) {
    return static_cast<MessageClass>(((message_type >> 4) & 1) | ((message_type >> 7) & 2));
}

Method decode_method(uint16_t message_type) {
    return static_cast<Method>((message_type & 0x000F) | ((message_type >> 1) & 0x0070) |
                               ((message_type >> 2) & 0x0F80));
}

Message::Message(MessageClass message_class, Method method, const TransactionId& transaction_id)
    : class_(message_class), method_(method), transaction_id_(transaction_id) {}

Message Message::create(MessageClass message_class, Method method, crypto::Csprng& rng) {
    return Message(message_class, method, TransactionId::random(rng));
}

Message Message::response_to(const Message& request, MessageClass message_class) {
    return Message(message_class, request.method(), request.transaction_id());
}

namespace {

size_t padded(size_t n) {
    return (n + 3) & ~size_t{3};
}

bool is_integrity_or_fingerprint(AttributeType type) {
    return type == AttributeType::kMessageIntegrity || type == AttributeType::kMessageIntegritySha256 ||
           type == AttributeType::kFingerprint;
}

bool adds_trailer(const SerializeOptions& options) {
    return options.integrity_key || options.integrity_sha256_key || options.fingerprint;
}

}  // namespace

// RFC 8489 section 6.3 (receiving): "the first two bits are 0, the magic cookie field has the
// correct value, the message length is sensible, and ... the method value is a supported
// method" (the method is the caller's concern). Section 14: attributes are TLVs padded to
// 4 bytes; "the padding bits MUST be set to zero on sending and MUST be ignored by the
// receiver". Section 14.5: "agents MUST ignore all other attributes that follow
// MESSAGE-INTEGRITY, with the exception of the MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
// attributes"; 14.6: the same after MESSAGE-INTEGRITY-SHA256 except FINGERPRINT; 14.7:
// FINGERPRINT "MUST be the last attribute in the message".
Result<Message, StunError> Message::parse(ByteView bytes) {
    ByteReader r(bytes);
    if (bytes.size() < kHeaderSize) return unexpected(StunError::kTooShort);
    uint16_t type = *r.read_u16();
    uint16_t length = *r.read_u16();
    uint32_t cookie = *r.read_u32();
    if ((type & 0xC000) != 0) return unexpected(StunError::kNotStun);
    if (cookie != kMagicCookie) return unexpected(StunError::kBadMagicCookie);
    if (length % 4 != 0 || bytes.size() != kHeaderSize + length) return unexpected(StunError::kBadLength);

    Message message(decode_message_class(type), decode_method(type),
                    TransactionId::from_bytes(*r.read_bytes(kTransactionIdSize)));
    bool after_integrity = false;
    bool after_integrity_sha256 = false;
    bool after_fingerprint = false;
    while (!r.empty()) {
        auto attr_type = r.read_u16();
        auto attr_length = r.read_u16();
        if (!attr_type || !attr_length) return unexpected(StunError::kTruncatedAttribute);
        auto value = r.read_bytes(*attr_length);
        if (!value || !r.skip(padded(*attr_length) - *attr_length)) {
            return unexpected(StunError::kTruncatedAttribute);
        }
        if (after_fingerprint) return unexpected(StunError::kAttributeAfterFingerprint);
        auto t = static_cast<AttributeType>(*attr_type);
        bool ignored =
            (after_integrity_sha256 && t != AttributeType::kFingerprint) ||
            (after_integrity && t != AttributeType::kFingerprint && t != AttributeType::kMessageIntegritySha256);
        if (ignored) continue;
        if (t == AttributeType::kFingerprint) {
            if (value->size() != kFingerprintSize) return unexpected(StunError::kMalformedAttribute);
            after_fingerprint = true;
        } else if (t == AttributeType::kMessageIntegritySha256) {
            // "at most 32 bytes, but MUST be at least 16 bytes and MUST be a multiple of 4"
            if (value->size() < 16 || value->size() > 32 || value->size() % 4 != 0) {
                return unexpected(StunError::kMalformedAttribute);
            }
            after_integrity_sha256 = true;
        } else if (t == AttributeType::kMessageIntegrity) {
            if (value->size() != kMessageIntegritySize) return unexpected(StunError::kMalformedAttribute);
            after_integrity = true;
        }
        message.attributes_.push_back(Attribute{t, value->to_bytes()});
    }
    return message;
}

size_t Message::encoded_size(const SerializeOptions& options) const {
    bool trailer = adds_trailer(options);
    size_t size = kHeaderSize;
    for (const auto& a : attributes_) {
        if (trailer && is_integrity_or_fingerprint(a.type)) continue;
        size += 4 + padded(a.value.size());
    }
    if (options.integrity_key) size += 4 + kMessageIntegritySize;
    if (options.integrity_sha256_key) size += 4 + 32;
    if (options.fingerprint) size += 4 + kFingerprintSize;
    return size;
}

Bytes Message::serialize(const SerializeOptions& options) const {
    if (encoded_size(options) - kHeaderSize > 0xFFFF) return Bytes{};
    bool trailer = adds_trailer(options);
    for (const auto& a : attributes_) {
        if (a.value.size() > 0xFFFF) return Bytes{};
    }
    ByteWriter w;
    w.write_u16(message_type());
    w.write_u16(0);  // length, patched below
    w.write_u32(kMagicCookie);
    w.write_bytes(ByteView(transaction_id_.bytes.data(), transaction_id_.bytes.size()));
    auto write_attribute = [&w, &options](AttributeType type, ByteView value) {
        w.write_u16(static_cast<uint16_t>(type));
        w.write_u16(static_cast<uint16_t>(value.size()));
        w.write_bytes(value);
        for (size_t i = value.size(); i < padded(value.size()); ++i) w.write_u8(options.padding_byte);
    };
    for (const auto& a : attributes_) {
        if (trailer && is_integrity_or_fingerprint(a.type)) continue;
        write_attribute(a.type, a.value);
    }
    // RFC 8489 section 14.5: the HMAC input is the message up to the attribute, with the
    // header length already counting the MESSAGE-INTEGRITY attribute itself.
    if (options.integrity_key) {
        w.patch_u16(2, static_cast<uint16_t>(w.size() - kHeaderSize + 4 + kMessageIntegritySize));
        Bytes mac = hmac_sha1(*options.integrity_key, w.bytes());
        write_attribute(AttributeType::kMessageIntegrity, mac);
    }
    if (options.integrity_sha256_key) {
        w.patch_u16(2, static_cast<uint16_t>(w.size() - kHeaderSize + 4 + 32));
        Bytes mac = hmac_sha256(*options.integrity_sha256_key, w.bytes());
        write_attribute(AttributeType::kMessageIntegritySha256, mac);
    }
    // Section 14.7: the CRC covers the message up to FINGERPRINT, length including it.
    if (options.fingerprint) {
        w.patch_u16(2, static_cast<uint16_t>(w.size() - kHeaderSize + 4 + kFingerprintSize));
        uint32_t crc = compute_fingerprint(w.bytes());
        ByteWriter value;
        value.write_u32(crc);
        write_attribute(AttributeType::kFingerprint, value.bytes());
    }
    w.patch_u16(2, static_cast<uint16_t>(w.size() - kHeaderSize));
    return w.take();
}

Bytes Message::serialize_with_integrity(ByteView key, bool fingerprint) const {
    SerializeOptions options;
    options.integrity_key = key.to_bytes();
    options.fingerprint = fingerprint;
    return serialize(options);
}

const Attribute* Message::find(AttributeType type) const {
    for (const auto& a : attributes_) {
        if (a.type == type) return &a;
    }
    return nullptr;
}

std::vector<const Attribute*> Message::find_all(AttributeType type) const {
    std::vector<const Attribute*> out;
    for (const auto& a : attributes_) {
        if (a.type == type) out.push_back(&a);
    }
    return out;
}

void Message::add(AttributeType type, Bytes value) {
    attributes_.push_back(Attribute{type, std::move(value)});
}

void Message::remove(AttributeType type) {
    attributes_.erase(
        std::remove_if(attributes_.begin(), attributes_.end(), [type](const Attribute& a) { return a.type == type; }),
        attributes_.end());
}

std::vector<uint16_t> Message::unknown_comprehension_required() const {
    std::vector<uint16_t> out;
    for (const auto& a : attributes_) {
        auto t = static_cast<uint16_t>(a.type);
        if (is_comprehension_required(t) && !is_known_attribute(t) &&
            std::find(out.begin(), out.end(), t) == out.end()) {
            out.push_back(t);
        }
    }
    return out;
}

// --- Typed adders ---

void Message::add_address(AttributeType type, const net::SocketAddress& address) {
    add(type, encode_address(address));
}

void Message::add_xor_address(AttributeType type, const net::SocketAddress& address) {
    add(type, encode_xor_address(address, transaction_id_));
}

void Message::add_string(AttributeType type, std::string_view text) {
    add(type, Bytes(text.begin(), text.end()));
}

void Message::add_u32(AttributeType type, uint32_t value) {
    ByteWriter w;
    w.write_u32(value);
    add(type, w.take());
}

void Message::add_u64(AttributeType type, uint64_t value) {
    ByteWriter w;
    w.write_u64(value);
    add(type, w.take());
}

void Message::add_flag(AttributeType type) {
    add(type, Bytes{});
}

void Message::add_error_code(uint16_t code, std::string_view reason) {
    add(AttributeType::kErrorCode,
        encode_error_code(ErrorCodeValue{code, std::string(reason.empty() ? reason_phrase(code) : reason)}));
}

void Message::add_unknown_attributes(const std::vector<uint16_t>& types) {
    add(AttributeType::kUnknownAttributes, encode_unknown_attributes(types));
}

// RFC 8656 section 18.1: Channel Number (16) | RFFU = 0 (16).
void Message::add_channel_number(uint16_t channel) {
    ByteWriter w;
    w.write_u16(channel);
    w.write_u16(0);
    add(AttributeType::kChannelNumber, w.take());
}

// RFC 8656 section 18.7: Protocol (8) | RFFU (24).
void Message::add_requested_transport(uint8_t protocol) {
    add(AttributeType::kRequestedTransport, Bytes{protocol, 0, 0, 0});
}

void Message::add_address_family(AttributeType type, net::AddressFamily family) {
    add(type, encode_address_family(family));
}

// RFC 8656 section 18.6: |R|    RFFU     | (one byte, padded).
void Message::add_even_port(bool reserve_next_port) {
    add(AttributeType::kEvenPort, Bytes{static_cast<uint8_t>(reserve_next_port ? 0x80 : 0x00)});
}

void Message::add_password_algorithm(const PasswordAlgorithmValue& algorithm) {
    add(AttributeType::kPasswordAlgorithm, encode_password_algorithm(algorithm));
}

void Message::add_password_algorithms(const std::vector<PasswordAlgorithmValue>& algorithms) {
    add(AttributeType::kPasswordAlgorithms, encode_password_algorithms(algorithms));
}

void Message::add_address_error_code(const AddressErrorCodeValue& error) {
    add(AttributeType::kAddressErrorCode, encode_address_error_code(error));
}

void Message::add_icmp(const IcmpValue& icmp) {
    add(AttributeType::kIcmp, encode_icmp(icmp));
}

// --- Typed getters ---

Result<ByteView, StunError> Message::get_bytes(AttributeType type) const {
    const Attribute* a = find(type);
    if (!a) return unexpected(StunError::kMissingAttribute);
    return ByteView(a->value);
}

Result<net::SocketAddress, StunError> Message::get_address(AttributeType type) const {
    auto v = get_bytes(type);
    if (!v) return unexpected(v.error());
    return decode_address(*v);
}

Result<net::SocketAddress, StunError> Message::get_xor_address(AttributeType type) const {
    auto v = get_bytes(type);
    if (!v) return unexpected(v.error());
    return decode_xor_address(*v, transaction_id_);
}

Result<std::vector<net::SocketAddress>, StunError> Message::get_xor_addresses(AttributeType type) const {
    std::vector<net::SocketAddress> out;
    for (const Attribute* a : find_all(type)) {
        auto address = decode_xor_address(a->value, transaction_id_);
        if (!address) return unexpected(address.error());
        out.push_back(*address);
    }
    return out;
}

Result<std::string, StunError> Message::get_string(AttributeType type) const {
    auto v = get_bytes(type);
    if (!v) return unexpected(v.error());
    size_t limit = 0xFFFF;
    switch (type) {
        // RFC 8489 14.3: USERNAME "MUST contain a UTF-8-encoded sequence of fewer than 509 bytes".
        case AttributeType::kUsername: limit = kMaxUsernameSize; break;
        // 14.9 REALM, 14.10 NONCE, 14.14 SOFTWARE, 14.16 ALTERNATE-DOMAIN: "fewer than 128
        // characters (which can be as long as 763 bytes)".
        case AttributeType::kRealm:
        case AttributeType::kNonce:
        case AttributeType::kSoftware:
        case AttributeType::kAlternateDomain: limit = kMaxQuotedTextSize; break;
        default: break;
    }
    if (v->size() > limit) return unexpected(StunError::kMalformedAttribute);
    return std::string(reinterpret_cast<const char*>(v->data()), v->size());
}

Result<uint32_t, StunError> Message::get_u32(AttributeType type) const {
    auto v = get_bytes(type);
    if (!v) return unexpected(v.error());
    if (v->size() != 4) return unexpected(StunError::kMalformedAttribute);
    return *ByteReader(*v).read_u32();
}

Result<uint64_t, StunError> Message::get_u64(AttributeType type) const {
    auto v = get_bytes(type);
    if (!v) return unexpected(v.error());
    if (v->size() != 8) return unexpected(StunError::kMalformedAttribute);
    return *ByteReader(*v).read_u64();
}

Result<ErrorCodeValue, StunError> Message::get_error_code() const {
    auto v = get_bytes(AttributeType::kErrorCode);
    if (!v) return unexpected(v.error());
    return decode_error_code(*v);
}

Result<std::vector<uint16_t>, StunError> Message::get_unknown_attributes() const {
    auto v = get_bytes(AttributeType::kUnknownAttributes);
    if (!v) return unexpected(v.error());
    return decode_unknown_attributes(*v);
}

Result<uint16_t, StunError> Message::get_channel_number() const {
    auto v = get_bytes(AttributeType::kChannelNumber);
    if (!v) return unexpected(v.error());
    if (v->size() != 4) return unexpected(StunError::kMalformedAttribute);
    return *ByteReader(*v).read_u16();
}

Result<uint8_t, StunError> Message::get_requested_transport() const {
    auto v = get_bytes(AttributeType::kRequestedTransport);
    if (!v) return unexpected(v.error());
    if (v->size() != 4) return unexpected(StunError::kMalformedAttribute);
    return (*v)[0];
}

Result<net::AddressFamily, StunError> Message::get_address_family(AttributeType type) const {
    auto v = get_bytes(type);
    if (!v) return unexpected(v.error());
    return decode_address_family(*v);
}

Result<bool, StunError> Message::get_even_port() const {
    auto v = get_bytes(AttributeType::kEvenPort);
    if (!v) return unexpected(v.error());
    if (v->size() != 1) return unexpected(StunError::kMalformedAttribute);
    return ((*v)[0] & 0x80) != 0;
}

Result<PasswordAlgorithmValue, StunError> Message::get_password_algorithm() const {
    auto v = get_bytes(AttributeType::kPasswordAlgorithm);
    if (!v) return unexpected(v.error());
    return decode_password_algorithm(*v);
}

Result<std::vector<PasswordAlgorithmValue>, StunError> Message::get_password_algorithms() const {
    auto v = get_bytes(AttributeType::kPasswordAlgorithms);
    if (!v) return unexpected(v.error());
    return decode_password_algorithms(*v);
}

Result<AddressErrorCodeValue, StunError> Message::get_address_error_code() const {
    auto v = get_bytes(AttributeType::kAddressErrorCode);
    if (!v) return unexpected(v.error());
    return decode_address_error_code(*v);
}

Result<IcmpValue, StunError> Message::get_icmp() const {
    auto v = get_bytes(AttributeType::kIcmp);
    if (!v) return unexpected(v.error());
    return decode_icmp(*v);
}

std::string Message::to_string() const {
    std::string out = stun::to_string(method_);
    out += " ";
    out += stun::to_string(class_);
    out += " tid=" + transaction_id_.to_hex() + " [";
    for (size_t i = 0; i < attributes_.size(); ++i) {
        if (i > 0) out += ", ";
        const char* name = stun::to_string(attributes_[i].type);
        if (std::string_view(name) == "unknown") {
            static constexpr char kDigits[] = "0123456789abcdef";
            auto t = static_cast<uint16_t>(attributes_[i].type);
            out += "0x";
            for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kDigits[(t >> shift) & 0xf]);
        } else {
            out += name;
        }
    }
    out += "]";
    return out;
}

}  // namespace polyrtc::stun
