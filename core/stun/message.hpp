// STUN message codec (RFC 8489 sections 5, 6 and 14).
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |0 0|     STUN Message Type     |         Message Length        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Magic Cookie                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                     Transaction ID (96 bits)                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Attributes: Type (16) | Length (16) | Value, padded to 4 bytes |
//
// `Message` is a value: class, method, transaction id and an ordered list of raw attributes.
// Typed add_*/get_* members encode and decode attribute values. MESSAGE-INTEGRITY,
// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are computed by `serialize(options)` over the
// bytes actually written, and checked on received raw bytes by integrity.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/crypto/csprng.hpp"
#include "core/net/socket_address.hpp"
#include "core/stun/attributes.hpp"

namespace polyrtc::stun {

// 12-bit method (RFC 8489 section 18.2, RFC 8656 section 17, RFC 6062 section 6.1). Any
// 12-bit value can be held; these are the registered ones polyrtc uses.
enum class Method : uint16_t {
    kBinding = 0x001,
    kAllocate = 0x003,
    kRefresh = 0x004,
    kSend = 0x006,
    kData = 0x007,
    kCreatePermission = 0x008,
    kChannelBind = 0x009,
    kConnect = 0x00A,
    kConnectionBind = 0x00B,
    kConnectionAttempt = 0x00C,
};
const char* to_string(Method method);  // "Allocate", or "unknown"

enum class MessageClass : uint8_t {
    kRequest = 0,
    kIndication = 1,
    kSuccessResponse = 2,
    kErrorResponse = 3,
};
const char* to_string(MessageClass message_class);

// Message Type field: M11..M7 C1 M6..M4 C0 M3..M0 (RFC 8489 section 5, figure 3).
uint16_t encode_message_type(MessageClass message_class, Method method);
MessageClass decode_message_class(uint16_t message_type);
Method decode_method(uint16_t message_type);

struct Attribute {
    AttributeType type{};
    Bytes value;  // without padding
};

struct SerializeOptions {
    // Append MESSAGE-INTEGRITY (HMAC-SHA1) with this key (integrity.hpp makes keys).
    std::optional<Bytes> integrity_key;
    // Append MESSAGE-INTEGRITY-SHA256 (full 32 bytes) with this key, after MESSAGE-INTEGRITY.
    std::optional<Bytes> integrity_sha256_key;
    // Append FINGERPRINT last.
    bool fingerprint = false;
    // "The padding bits MUST be set to zero on sending" (RFC 8489 section 14). Only the
    // RFC 5769 test vectors, which pad with spaces, need anything else.
    uint8_t padding_byte = 0;
};

class Message {
public:
    Message() = default;
    Message(MessageClass message_class, Method method, const TransactionId& transaction_id);
    // A request or indication with a fresh random transaction id.
    static Message create(MessageClass message_class, Method method, crypto::Csprng& rng);
    // A response (success or error) to `request`: same method and transaction id.
    static Message response_to(const Message& request, MessageClass message_class);

    // Parses one whole STUN message (one datagram, one WebSocket frame, or one frame from
    // StreamFramer). The byte count must match the header's length exactly. Attributes after
    // MESSAGE-INTEGRITY other than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and after
    // MESSAGE-INTEGRITY-SHA256 other than FINGERPRINT, are dropped as RFC 8489 section 14.5
    // requires. Integrity and fingerprint are NOT verified here: use integrity.hpp on the
    // same bytes.
    static Result<Message, StunError> parse(ByteView bytes);

    // Header + attributes in order (+ integrity/fingerprint per options; attributes of those
    // types already in the list are then left out so they are not duplicated).
    // A message that cannot be encoded (an attribute value over 65535 bytes, or more than
    // 65535 bytes of attributes in total: the 16-bit length fields) yields an EMPTY result,
    // never a corrupt message; check encoded_size() first when relaying large DATA.
    Bytes serialize(const SerializeOptions& options = {}) const;
    // serialize() with MESSAGE-INTEGRITY under `key`, then FINGERPRINT if asked.
    Bytes serialize_with_integrity(ByteView key, bool fingerprint = true) const;
    // Size of serialize(options) in bytes, without encoding.
    size_t encoded_size(const SerializeOptions& options = {}) const;

    MessageClass message_class() const { return class_; }
    Method method() const { return method_; }
    uint16_t message_type() const { return encode_message_type(class_, method_); }
    const TransactionId& transaction_id() const { return transaction_id_; }
    void set_transaction_id(const TransactionId& id) { transaction_id_ = id; }
    bool is_request() const { return class_ == MessageClass::kRequest; }
    bool is_indication() const { return class_ == MessageClass::kIndication; }
    bool is_success() const { return class_ == MessageClass::kSuccessResponse; }
    bool is_error() const { return class_ == MessageClass::kErrorResponse; }

    // --- Raw attributes ---
    const std::vector<Attribute>& attributes() const { return attributes_; }
    const Attribute* find(AttributeType type) const;  // first of that type, or nullptr
    std::vector<const Attribute*> find_all(AttributeType type) const;
    bool has(AttributeType type) const { return find(type) != nullptr; }
    void add(AttributeType type, Bytes value);
    void remove(AttributeType type);  // every attribute of that type

    // Comprehension-required types (0x0000-0x7FFF) present that `is_known_attribute` does not
    // know, in order of appearance, without duplicates: the UNKNOWN-ATTRIBUTES list of a 420.
    std::vector<uint16_t> unknown_comprehension_required() const;

    // --- Typed adders (append; call in the order the attributes should appear) ---
    void add_address(AttributeType type, const net::SocketAddress& address);      // plain
    void add_xor_address(AttributeType type, const net::SocketAddress& address);  // XOR-*
    void add_string(AttributeType type, std::string_view text);                   // USERNAME, REALM, NONCE, SOFTWARE
    void add_u32(AttributeType type, uint32_t value);                             // PRIORITY, LIFETIME, CONNECTION-ID
    void add_u64(AttributeType type, uint64_t value);  // ICE-CONTROLL(ED|ING), RESERVATION-TOKEN
    void add_flag(AttributeType type);                 // USE-CANDIDATE, DONT-FRAGMENT
    void add_bytes(AttributeType type, ByteView value) { add(type, value.to_bytes()); }  // DATA, USERHASH
    // Reason defaults to reason_phrase(code).
    void add_error_code(uint16_t code, std::string_view reason = {});
    void add_error_code(ErrorCode code, std::string_view reason = {}) {
        add_error_code(static_cast<uint16_t>(code), reason);
    }
    void add_unknown_attributes(const std::vector<uint16_t>& types);
    void add_channel_number(uint16_t channel);
    void add_requested_transport(uint8_t protocol = kProtocolUdp);
    // REQUESTED-ADDRESS-FAMILY or ADDITIONAL-ADDRESS-FAMILY.
    void add_address_family(AttributeType type, net::AddressFamily family);
    void add_even_port(bool reserve_next_port);
    void add_password_algorithm(const PasswordAlgorithmValue& algorithm);
    void add_password_algorithms(const std::vector<PasswordAlgorithmValue>& algorithms);
    void add_address_error_code(const AddressErrorCodeValue& error);
    void add_icmp(const IcmpValue& icmp);

    // --- Typed getters: the first attribute of the type. kMissingAttribute when absent,
    // kMalformedAttribute when its value breaks the format or an RFC length limit. ---
    Result<net::SocketAddress, StunError> get_address(AttributeType type) const;
    Result<net::SocketAddress, StunError> get_xor_address(AttributeType type) const;
    // Every XOR-address attribute of the type (a dual-stack Allocate success carries two
    // XOR-RELAYED-ADDRESS); malformed ones make the whole call fail.
    Result<std::vector<net::SocketAddress>, StunError> get_xor_addresses(AttributeType type) const;
    // Enforces kMaxUsernameSize for USERNAME and kMaxQuotedTextSize for REALM, NONCE,
    // SOFTWARE, ALTERNATE-DOMAIN. Bytes are returned as-is (no UTF-8 validation).
    Result<std::string, StunError> get_string(AttributeType type) const;
    Result<uint32_t, StunError> get_u32(AttributeType type) const;  // value must be 4 bytes
    Result<uint64_t, StunError> get_u64(AttributeType type) const;  // value must be 8 bytes
    // The raw value, valid while this message lives and is not modified.
    Result<ByteView, StunError> get_bytes(AttributeType type) const;
    Result<ErrorCodeValue, StunError> get_error_code() const;
    Result<std::vector<uint16_t>, StunError> get_unknown_attributes() const;
    Result<uint16_t, StunError> get_channel_number() const;  // any 16-bit value; caller checks range
    Result<uint8_t, StunError> get_requested_transport() const;
    Result<net::AddressFamily, StunError> get_address_family(AttributeType type) const;
    Result<bool, StunError> get_even_port() const;  // the R bit
    Result<PasswordAlgorithmValue, StunError> get_password_algorithm() const;
    Result<std::vector<PasswordAlgorithmValue>, StunError> get_password_algorithms() const;
    Result<AddressErrorCodeValue, StunError> get_address_error_code() const;
    Result<IcmpValue, StunError> get_icmp() const;

    // One line for logs: "Allocate success response tid=... [XOR-RELAYED-ADDRESS, LIFETIME]".
    std::string to_string() const;

private:
    MessageClass class_ = MessageClass::kRequest;
    Method method_ = Method::kBinding;
    TransactionId transaction_id_;
    std::vector<Attribute> attributes_;
};

}  // namespace polyrtc::stun
