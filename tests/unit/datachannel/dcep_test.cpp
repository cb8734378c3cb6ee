#include "core/datachannel/dcep.hpp"

#include <doctest/doctest.h>

namespace polyrtc::datachannel {

// DATA_CHANNEL_OPEN as Chromium sends it for `pc.createDataChannel("chat")` (reliable,
// ordered, priority 256 "low", no protocol), from a decrypted capture:
//   03          message type OPEN
//   00          channel type DATA_CHANNEL_RELIABLE
//   01 00       priority 256
//   00 00 00 00 reliability parameter
//   00 04       label length 4
//   00 00       protocol length 0
//   63 68 61 74 "chat"
static const Bytes kChromeOpenChat = {0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x04, 0x00, 0x00, 0x63, 0x68, 0x61, 0x74};

TEST_CASE("datachannel.dcep: parses a browser's DATA_CHANNEL_OPEN and serializes it back byte for byte") {
    auto open = DcepOpen::parse(kChromeOpenChat);
    REQUIRE(open.has_value());
    CHECK(open->channel_type == ChannelType::kReliable);
    CHECK(open->priority == kPriorityLow);
    CHECK(open->reliability_parameter == 0);
    CHECK(open->label == "chat");
    CHECK(open->protocol.empty());
    CHECK(open->serialize() == kChromeOpenChat);
}

TEST_CASE("datachannel.dcep: every channel type round-trips with label, protocol and parameter") {
    for (ChannelType type : {ChannelType::kReliable, ChannelType::kReliableUnordered,
                             ChannelType::kPartialReliableRexmit, ChannelType::kPartialReliableRexmitUnordered,
                             ChannelType::kPartialReliableTimed, ChannelType::kPartialReliableTimedUnordered}) {
        DcepOpen open;
        open.channel_type = type;
        open.priority = kPriorityHigh;
        open.reliability_parameter = 1234567;
        open.label = "label \xc3\xa9";
        open.protocol = "proto/1";
        auto parsed = DcepOpen::parse(open.serialize());
        REQUIRE(parsed.has_value());
        CHECK(*parsed == open);
        CHECK(is_unordered(type) == ((static_cast<uint8_t>(type) & 0x80) != 0));
    }
}

TEST_CASE("datachannel.dcep: truncated, overlong and unknown messages are rejected") {
    // Every strict prefix is truncated.
    for (size_t n = 0; n < kChromeOpenChat.size(); ++n) {
        CHECK_FALSE(DcepOpen::parse(ByteView(kChromeOpenChat.data(), n)).has_value());
    }
    Bytes bad_label = kChromeOpenChat;
    bad_label[9] = 0x05;  // label length 5, only 4 bytes follow
    CHECK_FALSE(DcepOpen::parse(bad_label).has_value());
    Bytes bad_protocol = kChromeOpenChat;
    bad_protocol[11] = 0x01;  // protocol length 1 past the end
    CHECK_FALSE(DcepOpen::parse(bad_protocol).has_value());
    Bytes huge = kChromeOpenChat;
    huge[8] = 0xff;
    huge[9] = 0xff;
    CHECK_FALSE(DcepOpen::parse(huge).has_value());
    Bytes unknown_channel_type = kChromeOpenChat;
    unknown_channel_type[1] = 0x03;
    CHECK_FALSE(DcepOpen::parse(unknown_channel_type).has_value());
    Bytes ack_type = kChromeOpenChat;
    ack_type[0] = kDcepAck;
    CHECK_FALSE(DcepOpen::parse(ack_type).has_value());
    // Trailing bytes after the protocol are ignored.
    Bytes trailing = kChromeOpenChat;
    trailing.push_back(0xaa);
    CHECK(DcepOpen::parse(trailing).has_value());
    CHECK(serialize_dcep_ack() == Bytes{0x02});
    CHECK_FALSE(dcep_message_type(Bytes{}).has_value());
}

}  // namespace polyrtc::datachannel
