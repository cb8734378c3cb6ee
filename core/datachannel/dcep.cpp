#include "core/datachannel/dcep.hpp"

namespace polyrtc::datachannel {

std::optional<ChannelType> channel_type_from_byte(uint8_t value) {
    switch (value) {
        case 0x00: return ChannelType::kReliable;
        case 0x80: return ChannelType::kReliableUnordered;
        case 0x01: return ChannelType::kPartialReliableRexmit;
        case 0x81: return ChannelType::kPartialReliableRexmitUnordered;
        case 0x02: return ChannelType::kPartialReliableTimed;
        case 0x82: return ChannelType::kPartialReliableTimedUnordered;
        default: return std::nullopt;
    }
}

bool is_unordered(ChannelType type) {
    return (static_cast<uint8_t>(type) & 0x80) != 0;
}

std::optional<DcepOpen> DcepOpen::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto message_type = r.read_u8();
    auto channel_type = r.read_u8();
    auto priority = r.read_u16();
    auto reliability = r.read_u32();
    auto label_length = r.read_u16();
    auto protocol_length = r.read_u16();
    if (!protocol_length || *message_type != kDcepOpen) return std::nullopt;
    auto type = channel_type_from_byte(*channel_type);
    if (!type) return std::nullopt;
    auto label = r.read_bytes(*label_length);
    if (!label) return std::nullopt;
    auto protocol = r.read_bytes(*protocol_length);
    if (!protocol) return std::nullopt;
    DcepOpen open;
    open.channel_type = *type;
    open.priority = *priority;
    open.reliability_parameter = *reliability;
    open.label.assign(label->begin(), label->end());
    open.protocol.assign(protocol->begin(), protocol->end());
    return open;
}

Bytes DcepOpen::serialize() const {
    ByteWriter w;
    w.write_u8(kDcepOpen);
    w.write_u8(static_cast<uint8_t>(channel_type));
    w.write_u16(priority);
    w.write_u32(reliability_parameter);
    w.write_u16(static_cast<uint16_t>(label.size()));
    w.write_u16(static_cast<uint16_t>(protocol.size()));
    w.write_string(label);
    w.write_string(protocol);
    return w.take();
}

bool DcepOpen::operator==(const DcepOpen& other) const {
    return channel_type == other.channel_type && priority == other.priority &&
           reliability_parameter == other.reliability_parameter && label == other.label && protocol == other.protocol;
}

Bytes serialize_dcep_ack() {
    return Bytes{kDcepAck};
}

std::optional<uint8_t> dcep_message_type(ByteView bytes) {
    if (bytes.empty()) return std::nullopt;
    return bytes[0];
}

}  // namespace polyrtc::datachannel
