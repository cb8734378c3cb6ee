#include "core/srtp/srtp_context.hpp"

#include <doctest/doctest.h>

#include "core/rtp/rtcp.hpp"
#include "core/rtp/rtp_packet.hpp"
#include "core/srtp/key_derivation.hpp"
#include "core/srtp/replay_window.hpp"
#include "core/srtp/srtp_session.hpp"
#include "tests/unit/dtls/dtls_pair.hpp"
#include "tests/unit/stun/hex.hpp"

namespace polyrtc::srtp {

using testing::from_hex;

namespace {

Bytes key() {
    return from_hex("000102030405060708090a0b0c0d0e0f");
}
Bytes salt() {
    return from_hex("a0a1a2a3a4a5a6a7a8a9aaabacad");
}

Bytes rtp_packet(uint16_t seq, uint32_t ssrc = 0x1234, uint8_t fill = 0x42) {
    rtp::RtpHeader h;
    h.payload_type = 111;
    h.sequence_number = seq;
    h.timestamp = uint32_t{seq} * 960;
    h.ssrc = ssrc;
    Bytes payload(40, fill);
    return rtp::serialize_rtp(h, payload).value();
}

struct Pair {
    SrtpContext tx = SrtpContext::create(key(), salt()).value();
    SrtpContext rx = SrtpContext::create(key(), salt()).value();
};

}  // namespace

TEST_CASE("srtp.context: round trips RTP with extensions and padding, ciphertext differs from plaintext") {
    Pair p;
    rtp::RtpHeader h;
    h.payload_type = 111;
    h.sequence_number = 7;
    h.ssrc = 99;
    h.csrcs = {1, 2};
    h.extensions = {{1, Bytes{0x80}}};
    Bytes plain = rtp::serialize_rtp(h, Bytes(33, 0x11), 4).value();
    auto protected_ = p.tx.protect_rtp(plain);
    REQUIRE(protected_.ok());
    CHECK(protected_->size() == plain.size() + kAuthTagSize);
    auto parsed = rtp::parse_rtp(plain).value();
    // The header is in the clear, the payload is not.
    CHECK(std::equal(plain.begin(), plain.begin() + static_cast<long>(parsed.header_size), protected_->begin()));
    CHECK_FALSE(std::equal(plain.begin() + static_cast<long>(parsed.header_size), plain.end(),
                           protected_->begin() + static_cast<long>(parsed.header_size)));
    auto back = p.rx.unprotect_rtp(*protected_);
    REQUIRE(back.ok());
    CHECK(*back == plain);
}

TEST_CASE("srtp.context: a tampered tag, payload or header is dropped and leaves state unchanged") {
    Pair p;
    Bytes good = p.tx.protect_rtp(rtp_packet(100)).value();
    for (size_t at : {good.size() - 1, size_t{20}, size_t{3}}) {
        Bytes bad = good;
        bad[at] ^= 0x01;
        CHECK(p.rx.unprotect_rtp(bad).error() == SrtpError::kAuthFailed);
    }
    CHECK_FALSE(p.rx.rollover_counter(0x1234).has_value());
    CHECK(p.rx.unprotect_rtp(good).ok());
    // A different key fails authentication.
    auto other = SrtpContext::create(from_hex("ff0102030405060708090a0b0c0d0e0f"), salt()).value();
    CHECK(other.unprotect_rtp(p.tx.protect_rtp(rtp_packet(101)).value()).error() == SrtpError::kAuthFailed);
    // Too short to hold a header and a tag; not RTP at all.
    CHECK(p.rx.unprotect_rtp(Bytes(21, 0x80)).error() == SrtpError::kTooShort);
    CHECK(p.rx.unprotect_rtp(Bytes(40, 0x40)).error() == SrtpError::kMalformed);
    CHECK(p.tx.protect_rtp(Bytes(5, 0x80)).error() == SrtpError::kMalformed);
}

TEST_CASE("srtp.context: a replayed packet is dropped and one older than the 64-packet window too") {
    Pair p;
    std::vector<Bytes> sent;
    for (uint16_t seq = 1000; seq < 1100; ++seq) sent.push_back(p.tx.protect_rtp(rtp_packet(seq)).value());
    // Deliver all but 1050 and 1099 first.
    for (size_t i = 0; i < sent.size(); ++i) {
        if (i == 50 || i == 99) continue;
        REQUIRE(p.rx.unprotect_rtp(sent[i]).ok());
    }
    CHECK(p.rx.unprotect_rtp(sent[10]).error() == SrtpError::kTooOld);  // 1010: 88 behind 1098
    CHECK(p.rx.unprotect_rtp(sent[90]).error() == SrtpError::kReplayed);
    CHECK(p.rx.unprotect_rtp(sent[98]).error() == SrtpError::kReplayed);
    // 1050 is 48 behind: late but inside the window, accepted once.
    CHECK(p.rx.unprotect_rtp(sent[50]).ok());
    CHECK(p.rx.unprotect_rtp(sent[50]).error() == SrtpError::kReplayed);
    CHECK(p.rx.unprotect_rtp(sent[99]).ok());
}

TEST_CASE("srtp.context: ROC rolls over at seq 65535 -> 0, also with reordering across the wrap") {
    Pair p;
    std::vector<Bytes> sent;
    for (uint32_t i = 0; i < 10; ++i)
        sent.push_back(p.tx.protect_rtp(rtp_packet(static_cast<uint16_t>(65530 + i))).value());
    CHECK(p.tx.rollover_counter(0x1234) == 1u);
    // 65530..65533, then 0 and 1 (after the wrap), then the late 65534 and 65535.
    for (int i : {0, 1, 2, 3, 6, 7, 4, 5, 8, 9}) {
        auto r = p.rx.unprotect_rtp(sent[static_cast<size_t>(i)]);
        REQUIRE_MESSAGE(r.ok(), "packet " << i);
        CHECK(*r == rtp_packet(static_cast<uint16_t>(65530 + i)));
    }
    CHECK(p.rx.rollover_counter(0x1234) == 1u);
    // A packet from before the wrap, replayed after it, is still caught.
    CHECK(p.rx.unprotect_rtp(sent[5]).error() == SrtpError::kReplayed);
}

TEST_CASE("srtp.context: the appendix A ROC estimate picks the index closest to s_l") {
    CHECK(estimate_roc(5, 100, 101) == 5);
    CHECK(estimate_roc(5, 100, 65000) == 4);  // late packet from the previous cycle
    CHECK(estimate_roc(5, 65000, 10) == 6);   // first packets of the next cycle
    CHECK(estimate_roc(5, 65000, 64000) == 5);
    CHECK(estimate_roc(5, 32768, 0) == 5);
}

TEST_CASE("srtp.context: SSRCs keep separate state and the number of streams is bounded") {
    Pair p;
    for (uint32_t ssrc = 1; ssrc <= SrtpContext::kMaxStreams; ++ssrc) {
        REQUIRE(p.rx.unprotect_rtp(p.tx.protect_rtp(rtp_packet(1, ssrc)).value()).ok());
    }
    auto extra = SrtpContext::create(key(), salt()).value();
    Bytes one_more = extra.protect_rtp(rtp_packet(1, 999)).value();
    CHECK(p.rx.unprotect_rtp(one_more).error() == SrtpError::kTooManyStreams);
    CHECK(p.tx.protect_rtp(rtp_packet(1, 999)).error() == SrtpError::kTooManyStreams);
    // The same sequence number on another SSRC is not a replay.
    CHECK(p.rx.unprotect_rtp(p.tx.protect_rtp(rtp_packet(2, 1)).value()).ok());
    CHECK(p.rx.unprotect_rtp(p.tx.protect_rtp(rtp_packet(2, 2)).value()).ok());
}

TEST_CASE("srtp.context: SRTCP round trips, drops tampering and replays, honours E=0") {
    Pair p;
    rtp::ReceiverReport rr;
    rr.ssrc = 0x1234;
    rr.reports.resize(1);
    Bytes rtcp = rtp::serialize_rtcp_compound({rr, rtp::Sdes{{{0x1234, "cname"}}}}).value();
    Bytes s1 = p.tx.protect_rtcp(rtcp).value();
    Bytes s2 = p.tx.protect_rtcp(rtcp).value();
    CHECK(s1.size() == rtcp.size() + kSrtcpIndexSize + kAuthTagSize);
    CHECK(s1 != s2);  // different index, different keystream
    CHECK(p.rx.unprotect_rtcp(s2).value() == rtcp);
    CHECK(p.rx.unprotect_rtcp(s1).value() == rtcp);  // reordered, inside the window
    CHECK(p.rx.unprotect_rtcp(s1).error() == SrtpError::kReplayed);
    Bytes bad = p.tx.protect_rtcp(rtcp).value();
    bad[10] ^= 0x80;
    CHECK(p.rx.unprotect_rtcp(bad).error() == SrtpError::kAuthFailed);
    CHECK(p.rx.unprotect_rtcp(Bytes(21, 0x80)).error() == SrtpError::kTooShort);
    CHECK(p.tx.protect_rtcp(Bytes(4, 0x80)).error() == SrtpError::kMalformed);

    // An unencrypted SRTCP packet (E=0, RFC 3711 3.4) built by hand from the RTCP session
    // keys: the body stays in the clear, the tag still covers header, body and index.
    SessionKeys k = derive_session_keys(key(), salt(), true);
    Bytes clear = rtcp;
    Bytes e_index = {0x00, 0x00, 0x00, 0x07};
    clear.insert(clear.end(), e_index.begin(), e_index.end());
    auto tag = HmacSha1::create(k.auth_key)->compute(clear);
    clear.insert(clear.end(), tag.begin(), tag.begin() + kAuthTagSize);
    CHECK(p.rx.unprotect_rtcp(clear).value() == rtcp);
}

TEST_CASE("srtp.replay_window: accepts new and late indices, refuses duplicates and old ones") {
    ReplayWindow w;
    CHECK(w.check(1000) == ReplayWindow::Verdict::kNew);
    w.accept(1000);
    CHECK(w.check(1000) == ReplayWindow::Verdict::kReplayed);
    CHECK(w.check(937) == ReplayWindow::Verdict::kNew);
    CHECK(w.check(936) == ReplayWindow::Verdict::kTooOld);
    w.accept(1200);  // a jump larger than the window clears it
    CHECK(w.check(1000) == ReplayWindow::Verdict::kTooOld);
    CHECK(w.check(1199) == ReplayWindow::Verdict::kNew);
    w.accept(1199);
    CHECK(w.check(1199) == ReplayWindow::Verdict::kReplayed);
    CHECK(w.check(1201) == ReplayWindow::Verdict::kNew);
}

TEST_CASE("srtp.session: DTLS-SRTP keys pair the client's outbound with the server's inbound") {
    dtls::SrtpKeyingMaterial keys;
    keys.profile = dtls::SrtpProfile::kAes128CmHmacSha1_80;
    keys.client_write_key = Bytes(16, 0x01);
    keys.server_write_key = Bytes(16, 0x02);
    keys.client_write_salt = Bytes(14, 0x03);
    keys.server_write_salt = Bytes(14, 0x04);
    auto client = SrtpSession::create(keys, dtls::DtlsRole::kClient);
    auto server = SrtpSession::create(keys, dtls::DtlsRole::kServer);
    REQUIRE(client.ok());
    REQUIRE(server.ok());
    Bytes a = client->outbound.protect_rtp(rtp_packet(1)).value();
    CHECK(server->inbound.unprotect_rtp(a).value() == rtp_packet(1));
    Bytes b = server->outbound.protect_rtp(rtp_packet(1)).value();
    CHECK(client->inbound.unprotect_rtp(b).value() == rtp_packet(1));
    CHECK(a != b);
    // A client cannot read its own packets back: the directions have different keys.
    Bytes own = client->outbound.protect_rtp(rtp_packet(2)).value();
    CHECK(client->inbound.unprotect_rtp(own).error() == SrtpError::kAuthFailed);

    dtls::SrtpKeyingMaterial none;
    CHECK(SrtpSession::create(none, dtls::DtlsRole::kClient).error() == SrtpError::kBadKeyMaterial);
    keys.client_write_salt = Bytes(12, 0x03);
    CHECK(SrtpSession::create(keys, dtls::DtlsRole::kClient).error() == SrtpError::kBadKeyMaterial);
}

TEST_CASE("srtp.session: keys from a real DTLS-SRTP handshake protect both directions") {
    for (auto a_role : {dtls::DtlsRole::kClient, dtls::DtlsRole::kServer}) {
        dtls::testing::PairOptions options;
        options.a_role = a_role;
        dtls::testing::DtlsPair pair("srtp-session", options);
        pair.start();
        REQUIRE(pair.drive_until_connected());
        auto a_conn = pair.a().connected();
        auto z_conn = pair.z().connected();
        REQUIRE(a_conn);
        REQUIRE(z_conn);
        auto a = SrtpSession::create(a_conn->srtp_keys, pair.a().endpoint().role());
        auto z = SrtpSession::create(z_conn->srtp_keys, pair.z().endpoint().role());
        REQUIRE(a.ok());
        REQUIRE(z.ok());
        // A says, Z hears; Z answers, A hears; RTCP too.
        CHECK(z->inbound.unprotect_rtp(a->outbound.protect_rtp(rtp_packet(1, 7)).value()).value() == rtp_packet(1, 7));
        CHECK(a->inbound.unprotect_rtp(z->outbound.protect_rtp(rtp_packet(1, 8)).value()).value() == rtp_packet(1, 8));
        rtp::ReceiverReport rr;
        rr.ssrc = 8;
        Bytes rtcp = rtp::serialize_rtcp_compound({rr}).value();
        CHECK(a->inbound.unprotect_rtcp(z->outbound.protect_rtcp(rtcp).value()).value() == rtcp);
    }
}

}  // namespace polyrtc::srtp
