#include "core/rtp/rtcp.hpp"

#include <doctest/doctest.h>

#include "core/rtp/demux.hpp"
#include "tests/unit/stun/hex.hpp"

namespace polyrtc::rtp {

using testing::from_hex;

namespace {

// A compound packet shaped like a browser's first RTCP: SR with one report block, then
// SDES with the CNAME.
//   81 c8 00 0c   V=2 RC=1 PT=SR length 12 (52 bytes)
//   11 22 33 44   sender SSRC
//   e9 b1 2f 34 80 00 00 00   NTP timestamp
//   00 01 e2 40   RTP timestamp 123456
//   00 00 00 32   50 packets
//   00 00 1f 40   8000 octets
//   55 66 77 88   report block: source SSRC
//   19 ff ff fe   fraction lost 25/256, cumulative -2
//   00 01 00 10   extended highest seq 65552 (one wrap)
//   00 00 00 2a   jitter 42
//   2f 34 80 00   LSR
//   00 01 00 00   DLSR = 1 s
//   81 ca 00 06   V=2 SC=1 PT=SDES length 6 (28 bytes)
//   11 22 33 44   SSRC
//   01 10 "abcdefghijklmnop"  CNAME, 16 bytes
//   00 00 00 00   end + padding to the word
const char* const kSrSdes =
    "81c8000c 11223344 e9b12f34 80000000 0001e240 00000032 00001f40"
    "55667788 19fffffe 00010010 0000002a 2f348000 00010000"
    "81ca0006 11223344 0110 6162636465666768696a6b6c6d6e6f70 0000";

}  // namespace

TEST_CASE("rtcp.compound: parses SR with a report block and SDES CNAME, and serializes the same bytes") {
    Bytes bytes = from_hex(kSrSdes);
    CHECK(classify_media_packet(bytes) == MediaPacketKind::kRtcp);
    auto parsed = parse_rtcp_compound(bytes);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->size() == 2);
    const auto& sr = std::get<SenderReport>((*parsed)[0]);
    CHECK(sr.ssrc == 0x11223344);
    CHECK(sr.ntp_timestamp == 0xe9b12f3480000000ull);
    CHECK(sr.rtp_timestamp == 123456);
    CHECK(sr.packet_count == 50);
    CHECK(sr.octet_count == 8000);
    REQUIRE(sr.reports.size() == 1);
    CHECK(sr.reports[0].ssrc == 0x55667788);
    CHECK(sr.reports[0].fraction_lost == 25);
    CHECK(sr.reports[0].cumulative_lost == -2);
    CHECK(sr.reports[0].extended_highest_sequence == 65552);
    CHECK(sr.reports[0].jitter == 42);
    CHECK(sr.reports[0].delay_since_last_sr == 65536);
    const auto& sdes = std::get<Sdes>((*parsed)[1]);
    REQUIRE(sdes.chunks.size() == 1);
    CHECK(sdes.chunks[0].cname == "abcdefghijklmnop");
    auto again = serialize_rtcp_compound(*parsed);
    REQUIRE(again.ok());
    CHECK(to_hex(*again) == to_hex(bytes));
}

TEST_CASE("rtcp.compound: RR, BYE with reason and unknown packet types round trip") {
    std::vector<RtcpPacket> packets;
    ReceiverReport rr;
    rr.ssrc = 9;
    for (uint32_t i = 0; i < 3; ++i) {
        ReportBlock b;
        b.ssrc = 100 + i;
        b.cumulative_lost = static_cast<int32_t>(i) * 1000 - 1;
        b.fraction_lost = static_cast<uint8_t>(i);
        b.jitter = i;
        rr.reports.push_back(b);
    }
    packets.push_back(rr);
    packets.push_back(Sdes{{{9, "x"}, {10, "four"}}});  // "four": 4+2+4+1 = 11 -> 12
    packets.push_back(Bye{{9, 10}, "gone"});
    packets.push_back(UnknownRtcp{kRtcpPsfb, 1, Bytes{0, 0, 0, 9, 0, 0, 0, 10}});  // a PLI
    auto bytes = serialize_rtcp_compound(packets);
    REQUIRE(bytes.ok());
    auto parsed = parse_rtcp_compound(*bytes);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->size() == 4);
    const auto& rr2 = std::get<ReceiverReport>((*parsed)[0]);
    CHECK(rr2.ssrc == 9);
    CHECK(rr2.reports == rr.reports);
    const auto& sdes = std::get<Sdes>((*parsed)[1]);
    REQUIRE(sdes.chunks.size() == 2);
    CHECK(sdes.chunks[0].cname == "x");
    CHECK(sdes.chunks[1].cname == "four");
    CHECK(sdes.chunks[1].ssrc == 10);
    const auto& bye = std::get<Bye>((*parsed)[2]);
    CHECK(bye.ssrcs == std::vector<uint32_t>{9, 10});
    CHECK(bye.reason == "gone");
    const auto& pli = std::get<UnknownRtcp>((*parsed)[3]);
    CHECK(pli.packet_type == kRtcpPsfb);
    CHECK(pli.count == 1);
    CHECK(pli.body.size() == 8);
}

TEST_CASE("rtcp.compound: padding on the last packet is removed and other SDES items are skipped") {
    // RR (no blocks) + SDES with NAME (2) then CNAME, padded: P set on the SDES only.
    //   a1 ca 00 04: P=1 SC=1 SDES, 4 words = 16 bytes of body incl. 4 padding bytes
    auto parsed = parse_rtcp_compound(from_hex("80c90001 00000009  a1ca0004 00000009 020141 010142 0000 00000004"));
    REQUIRE(parsed.ok());
    REQUIRE(parsed->size() == 2);
    const auto& sdes = std::get<Sdes>((*parsed)[1]);
    REQUIRE(sdes.chunks.size() == 1);
    CHECK(sdes.chunks[0].cname == "B");
}

TEST_CASE("rtcp.compound: rejects truncated, wrong-version, misplaced padding and overlong counts") {
    CHECK(parse_rtcp_compound(ByteView{}).error() == RtcpError::kEmpty);
    CHECK(parse_rtcp_compound(from_hex("80c9")).error() == RtcpError::kTruncated);
    // Length says 2 words, only 1 present.
    CHECK(parse_rtcp_compound(from_hex("80c90002 00000009")).error() == RtcpError::kTruncated);
    CHECK(parse_rtcp_compound(from_hex("40c90001 00000009")).error() == RtcpError::kBadVersion);
    // Second packet with a bad version.
    CHECK(parse_rtcp_compound(from_hex("80c90001 00000009 00c90001 00000009")).error() == RtcpError::kBadVersion);
    // Padding on the first of two packets.
    CHECK(parse_rtcp_compound(from_hex("a0c90002 00000009 00000004 80c90001 00000009")).error() ==
          RtcpError::kBadPadding);
    // Padding count larger than the body.
    CHECK(parse_rtcp_compound(from_hex("a0c90001 000000ff")).error() == RtcpError::kBadPadding);
    // RC=31 report blocks but none present.
    CHECK(parse_rtcp_compound(from_hex("9fc90001 00000009")).error() == RtcpError::kBadLength);
    // SR too short for its sender info.
    CHECK(parse_rtcp_compound(from_hex("80c80001 00000009")).error() == RtcpError::kBadLength);
    // SDES chunk whose item runs past the packet; SDES count larger than the chunks.
    CHECK(parse_rtcp_compound(from_hex("81ca0002 00000009 01ff4142")).error() == RtcpError::kBadLength);
    CHECK(parse_rtcp_compound(from_hex("82ca0002 00000009 01014200")).error() == RtcpError::kBadLength);
    // BYE reason longer than the packet.
    CHECK(parse_rtcp_compound(from_hex("81cb0002 00000009 05414243")).error() == RtcpError::kBadLength);
    // Trailing bytes that are not a whole header.
    CHECK(parse_rtcp_compound(from_hex("80c90001 00000009 80")).error() == RtcpError::kTruncated);

    ReceiverReport big;
    big.reports.resize(32);
    CHECK(serialize_rtcp_compound({big}).error() == RtcpError::kTooLarge);
    CHECK(serialize_rtcp_compound({Sdes{{{1, std::string(256, 'a')}}}}).error() == RtcpError::kTooLarge);
}

}  // namespace polyrtc::rtp
