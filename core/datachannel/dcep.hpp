// DCEP, the Data Channel Establishment Protocol (RFC 8832): the two messages sent with
// PPID 50 on a channel's stream to open it in-band, and the WebRTC PPIDs (RFC 8831 §8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/common/bytes.hpp"

namespace polyrtc::datachannel {

// SCTP payload protocol identifiers (RFC 8831 §8, RFC 8832 §8.1).
namespace ppid {
constexpr uint32_t kDcep = 50;
constexpr uint32_t kString = 51;
constexpr uint32_t kBinaryPartial = 52;  // deprecated; accepted on receive
constexpr uint32_t kBinary = 53;
constexpr uint32_t kStringPartial = 54;  // deprecated; accepted on receive
constexpr uint32_t kStringEmpty = 56;
constexpr uint32_t kBinaryEmpty = 57;
}  // namespace ppid

// RFC 8832 §8.2.1 message types.
constexpr uint8_t kDcepAck = 0x02;
constexpr uint8_t kDcepOpen = 0x03;

// RFC 8832 §5.1 channel types: the high bit means unordered.
enum class ChannelType : uint8_t {
    kReliable = 0x00,
    kReliableUnordered = 0x80,
    kPartialReliableRexmit = 0x01,
    kPartialReliableRexmitUnordered = 0x81,
    kPartialReliableTimed = 0x02,
    kPartialReliableTimedUnordered = 0x82,
};
std::optional<ChannelType> channel_type_from_byte(uint8_t value);
bool is_unordered(ChannelType type);

// RFC 8832 §5.1 priorities (below normal .. extra high); W3C "low" maps to 256.
constexpr uint16_t kPriorityVeryLow = 128;
constexpr uint16_t kPriorityLow = 256;
constexpr uint16_t kPriorityMedium = 512;
constexpr uint16_t kPriorityHigh = 1024;

// DATA_CHANNEL_OPEN, RFC 8832 §5.1:
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |  Message Type |  Channel Type |            Priority           |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |                    Reliability Parameter                      |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |         Label Length          |       Protocol Length         |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  \                             Label                             /
//  \                            Protocol                           /
// The reliability parameter is the retransmission count (Rexmit types) or the lifetime in
// ms (Timed types); "ignored" for reliable types (we send 0).
struct DcepOpen {
    ChannelType channel_type = ChannelType::kReliable;
    uint16_t priority = kPriorityLow;
    uint32_t reliability_parameter = 0;
    std::string label;
    std::string protocol;

    // nullopt if the message type is not OPEN, the channel type is unknown, or the label
    // and protocol lengths run past the end. Bytes after the protocol are ignored.
    static std::optional<DcepOpen> parse(ByteView bytes);
    Bytes serialize() const;
    bool operator==(const DcepOpen& other) const;
};

// DATA_CHANNEL_ACK, RFC 8832 §5.2: the message type byte alone.
Bytes serialize_dcep_ack();
// The first byte of a DCEP message, or nullopt if empty.
std::optional<uint8_t> dcep_message_type(ByteView bytes);

}  // namespace polyrtc::datachannel
