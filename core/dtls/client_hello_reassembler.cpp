#include "core/dtls/client_hello_reassembler.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "core/dtls/record.hpp"

namespace polyrtc::dtls {

namespace {

// RFC 6347 section 4.2.2 (the handshake header inside a record, core/dtls/record.hpp):
//
//   msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3) body
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kClientHello = 1;
constexpr size_t kHandshakeHeaderSize = 12;

struct Fragment {
    uint16_t version;
    uint64_t sequence;
    uint32_t length;
    uint16_t message_seq;
    uint32_t offset;
    ByteView body;
};

// The ClientHello fragment a record carries, if it is one: epoch 0, handshake, msg_type 1,
// and actually fragmented (a whole ClientHello in one record is mbedTLS's to read).
std::optional<Fragment> client_hello_fragment(uint8_t type, uint16_t version, uint16_t epoch, uint64_t sequence,
                                              ByteView record) {
    if (type != kHandshake || epoch != 0 || record.size() < kHandshakeHeaderSize) return std::nullopt;
    ByteReader reader(record);
    auto msg_type = reader.read_u8();
    auto length = reader.read_u24();
    auto message_seq = reader.read_u16();
    auto offset = reader.read_u24();
    auto fragment_length = reader.read_u24();
    if (!msg_type || !length || !message_seq || !offset || !fragment_length || *msg_type != kClientHello) {
        return std::nullopt;
    }
    if (*offset == 0 && *fragment_length == *length) return std::nullopt;
    // A fragment that overruns its record or its message is not ours to repair.
    if (uint64_t{*offset} + *fragment_length > *length) return std::nullopt;
    auto body = reader.read_bytes(*fragment_length);
    if (!body) return std::nullopt;
    return Fragment{version, sequence, *length, *message_seq, *offset, *body};
}

}  // namespace

void ClientHelloReassembler::reset(uint16_t message_seq, uint32_t length, uint16_t version) {
    active_ = true;
    message_seq_ = message_seq;
    length_ = length;
    version_ = version;
    sequence_ = 0;
    body_.assign(length, 0);
    have_.assign(length, false);
    missing_ = length;
}

ClientHelloReassembler::Verdict ClientHelloReassembler::handle(ByteView datagram) {
    bool any = false;
    std::vector<Record> records;
    if (!parse_records(datagram, records)) return Verdict::kPass;  // mbedTLS drops it
    for (const Record& record : records) {
        auto fragment =
            client_hello_fragment(record.type, record.version, record.epoch, record.sequence, record.fragment);
        if (!fragment || fragment->length > kMaxMessage) continue;
        any = true;
        ++fragments_held_;
        // A later message_seq (the ClientHello again, after a HelloVerifyRequest) replaces
        // the one being built; an older one is a stale retransmission.
        if (active_ && fragment->message_seq < message_seq_) continue;
        if (!active_ || fragment->message_seq > message_seq_ || fragment->length != length_) {
            reset(fragment->message_seq, fragment->length, fragment->version);
        }
        sequence_ = std::max(sequence_, fragment->sequence);
        for (size_t i = 0; i < fragment->body.size(); ++i) {
            size_t at = fragment->offset + i;
            body_[at] = fragment->body[i];
            if (!have_[at]) {
                have_[at] = true;
                --missing_;
            }
        }
    }
    if (!any) return Verdict::kPass;
    if (!active_ || missing_ != 0) return Verdict::kHeld;

    ByteWriter out;
    out.write_u8(kHandshake);
    out.write_u16(version_);
    out.write_u16(0);  // epoch
    out.write_u16(static_cast<uint16_t>(sequence_ >> 32));
    out.write_u32(static_cast<uint32_t>(sequence_));
    out.write_u16(static_cast<uint16_t>(kHandshakeHeaderSize + length_));
    out.write_u8(kClientHello);
    out.write_u24(length_);
    out.write_u16(message_seq_);
    out.write_u24(0);
    out.write_u24(length_);
    out.write_bytes(ByteView(body_.data(), body_.size()));
    complete_ = out.take();
    active_ = false;
    body_.clear();
    have_.clear();
    return Verdict::kComplete;
}

Bytes ClientHelloReassembler::take() {
    Bytes out;
    out.swap(complete_);
    return out;
}

}  // namespace polyrtc::dtls
