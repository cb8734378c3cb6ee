#include "core/rtp/rtp_packet.hpp"

#include <doctest/doctest.h>

#include "core/rtp/demux.hpp"
#include "tests/unit/stun/hex.hpp"

namespace polyrtc::rtp {

using testing::from_hex;

namespace {

// An Opus packet shaped like Chromium's: one-byte extensions (RFC 8285 4.2) carrying
// ssrc-audio-level (id 1, 1 byte) and transport-wide-cc (id 3, 2 bytes).
//   90          V=2 P=0 X=1 CC=0
//   ef          M=1 PT=111
//   1f 40       seq 8000
//   00 01 e2 40 timestamp 123456
//   11 22 33 44 SSRC
//   be de 00 02 profile 0xBEDE, 2 words
//   10 a5       id 1 L=0: 0xa5 (voice, -37 dBov)
//   31 00 07    id 3 L=1: 0x0007
//   00 00 00    padding to the word
//   fc ff fe    payload (an Opus TOC byte and two bytes)
const char* const kChromiumOpus = "90ef1f40 0001e240 11223344 bede0002 10a53100 07000000 fcfffe";

}  // namespace

TEST_CASE("rtp.packet: parses a Chromium-shaped Opus packet with one-byte extensions") {
    Bytes bytes = from_hex(kChromiumOpus);
    auto p = parse_rtp(bytes);
    REQUIRE(p.ok());
    CHECK(p->header.marker);
    CHECK(p->header.payload_type == 111);
    CHECK(p->header.sequence_number == 8000);
    CHECK(p->header.timestamp == 123456);
    CHECK(p->header.ssrc == 0x11223344);
    CHECK(p->header.extension_profile == kOneByteExtensionProfile);
    REQUIRE(p->header.extensions.size() == 2);
    CHECK(p->header.find_extension(1)->value == Bytes{0xa5});
    CHECK(p->header.find_extension(3)->value == Bytes{0x00, 0x07});
    CHECK(p->header.find_extension(2) == nullptr);
    CHECK(p->header_size == 24);
    CHECK(to_hex(p->payload) == "fcfffe");
    CHECK(classify_media_packet(bytes) == MediaPacketKind::kRtp);
    // Serializing the parsed header gives the same bytes.
    auto again = serialize_rtp(p->header, p->payload);
    REQUIRE(again.ok());
    CHECK(to_hex(*again) == to_hex(bytes));
}

TEST_CASE("rtp.packet: round trips CSRCs, two-byte extensions, raw extensions and padding") {
    RtpHeader h;
    h.payload_type = 96;
    h.sequence_number = 65535;
    h.timestamp = 0xFFFFFFFF;
    h.ssrc = 1;
    h.csrcs = {7, 8, 9};
    // An id above 14 and an empty value force the two-byte form (RFC 8285 4.3).
    h.extensions = {{20, Bytes{1, 2, 3}}, {2, Bytes{}}};
    Bytes payload = {1, 2, 3, 4, 5};
    auto bytes = serialize_rtp(h, payload, 3);
    REQUIRE(bytes.ok());
    CHECK((*bytes)[0] == (0x80 | 0x20 | 0x10 | 3));
    auto p = parse_rtp(*bytes);
    REQUIRE(p.ok());
    CHECK(p->header.csrcs == std::vector<uint32_t>{7, 8, 9});
    CHECK(p->header.extension_profile == kTwoByteExtensionProfile);
    REQUIRE(p->header.extensions.size() == 2);
    CHECK(p->header.extensions == h.extensions);
    CHECK(p->padding == 3);
    CHECK(p->payload.to_bytes() == payload);

    RtpHeader raw;
    raw.extension_profile = 0x1234;
    raw.raw_extension = {0xde, 0xad, 0xbe, 0xef};
    auto rb = serialize_rtp(raw, ByteView{});
    REQUIRE(rb.ok());
    auto rp = parse_rtp(*rb);
    REQUIRE(rp.ok());
    CHECK(rp->header.extension_profile == 0x1234);
    CHECK(rp->header.raw_extension == raw.raw_extension);
    CHECK(rp->header.extensions.empty());
    CHECK(rp->payload.empty());
}

TEST_CASE("rtp.packet: one-byte id 15 stops extension parsing and padding bytes are skipped") {
    // bede 0002: 00 (pad) 10 aa (id 1) f0 (id 15: stop) 20 bb ... ignored
    auto p = parse_rtp(from_hex("90000001 00000000 00000000 bede0002 0010aaf0 20bb0000"));
    REQUIRE(p.ok());
    REQUIRE(p->header.extensions.size() == 1);
    CHECK(p->header.extensions[0].id == 1);
    // 01 ffff: an ID-0 element with a length (skipped, not an extension), then id 2.
    auto zero = parse_rtp(from_hex("90000001 00000000 00000000 bede0002 01ffff20 bb000000"));
    REQUIRE(zero.ok());
    REQUIRE(zero->header.extensions.size() == 1);
    CHECK(zero->header.extensions[0].id == 2);
}

TEST_CASE("rtp.packet: rejects truncated, wrong-version, bad-padding and hostile extension packets") {
    CHECK(parse_rtp(from_hex("80000001 00000000 000000")).error() == RtpError::kTruncated);
    CHECK(parse_rtp(ByteView{}).error() == RtpError::kTruncated);
    CHECK(parse_rtp(from_hex("40000001 00000000 00000000")).error() == RtpError::kBadVersion);
    // CC=2 but only one CSRC present.
    CHECK(parse_rtp(from_hex("82000001 00000000 00000000 00000001")).error() == RtpError::kTruncated);
    // Extension announcing 0xFFFF words.
    CHECK(parse_rtp(from_hex("90000001 00000000 00000000 bedeffff 00000000")).error() == RtpError::kTruncated);
    // One-byte element claiming 16 bytes inside a one-word block.
    CHECK(parse_rtp(from_hex("90000001 00000000 00000000 bede0001 1f000000")).error() == RtpError::kBadExtension);
    // Two-byte element whose length byte is missing at the end of the block.
    CHECK(parse_rtp(from_hex("90000001 00000000 00000000 10000001 00000005")).error() == RtpError::kBadExtension);
    // Padding count 0, count beyond the payload, padding with no payload at all.
    CHECK(parse_rtp(from_hex("a0000001 00000000 00000000 01020300")).error() == RtpError::kBadPadding);
    CHECK(parse_rtp(from_hex("a0000001 00000000 00000000 01020305")).error() == RtpError::kBadPadding);
    CHECK(parse_rtp(from_hex("a0000001 00000000 00000000")).error() == RtpError::kBadPadding);
    // Padding that consumes the whole payload is fine.
    auto all_pad = parse_rtp(from_hex("a0000001 00000000 00000000 00000004"));
    REQUIRE(all_pad.ok());
    CHECK(all_pad->payload.empty());

    RtpHeader h;
    h.csrcs.assign(16, 1);
    CHECK(serialize_rtp(h, ByteView{}).error() == RtpError::kTooManyCsrcs);
    RtpHeader bad_ext;
    bad_ext.extensions = {{0, Bytes{1}}};
    CHECK(serialize_rtp(bad_ext, ByteView{}).error() == RtpError::kTooManyExtensions);
    bad_ext.extensions = {{1, Bytes(256, 0)}};
    CHECK(serialize_rtp(bad_ext, ByteView{}).error() == RtpError::kTooManyExtensions);
}

TEST_CASE("rtp.packet: sequence numbers compare modulo 2^16") {
    CHECK(seq_newer(1, 0));
    CHECK(seq_newer(0, 65535));
    CHECK_FALSE(seq_newer(65535, 0));
    CHECK_FALSE(seq_newer(5, 5));
    CHECK(seq_newer(0x7FFF, 0));
    CHECK_FALSE(seq_newer(0x8000, 0));
}

TEST_CASE("rtp.demux: RFC 5761 separates RTCP (PT 64-95 with the marker masked) from RTP") {
    // RTCP packet types 192..223: an RR (201 = 0xc9) and an SR (200).
    CHECK(classify_media_packet(from_hex("81c90001 11223344")) == MediaPacketKind::kRtcp);
    CHECK(classify_media_packet(from_hex("80c80006 00000000")) == MediaPacketKind::kRtcp);
    // RTP with PT 111, marker set or not; PT 63 and 96 are RTP.
    CHECK(classify_media_packet(from_hex("806f0000 00000000 00000000")) == MediaPacketKind::kRtp);
    CHECK(classify_media_packet(from_hex("80ef0000 00000000 00000000")) == MediaPacketKind::kRtp);
    CHECK(classify_media_packet(from_hex("803f0000 00000000 00000000")) == MediaPacketKind::kRtp);
    CHECK(classify_media_packet(from_hex("80600000 00000000 00000000")) == MediaPacketKind::kRtp);
    // STUN, DTLS and too-short packets are not media.
    CHECK(classify_media_packet(from_hex("00010000 2112a442")) == MediaPacketKind::kNotMedia);
    CHECK(classify_media_packet(from_hex("16fefd00 00000000")) == MediaPacketKind::kNotMedia);
    CHECK(classify_media_packet(from_hex("80ef00")) == MediaPacketKind::kNotMedia);
    CHECK(classify_media_packet(from_hex("806f0000 0000")) == MediaPacketKind::kNotMedia);
}

}  // namespace polyrtc::rtp
