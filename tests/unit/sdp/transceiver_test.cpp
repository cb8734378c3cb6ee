// SessionNegotiator with audio transceivers (issue 7): our m=audio section line for line,
// answering Chromium's audio + video + data offer, direction negotiation (RFC 3264 section
// 6.1), association with addTrack transceivers and rollback (W3C webrtc-pc 4.4.1.5), stop,
// renegotiation, what negotiated_audio() gives both roles, "negotiation needed", and hostile
// audio sections. Peers are A (usually the offerer) and Z.
#include <string>

#include <doctest/doctest.h>

#include "core/sdp/jsep.hpp"
#include "tests/unit/sdp/negotiator_pair.hpp"
#include "tests/unit/sdp/sdp_corpus.hpp"

namespace polyrtc::sdp {
namespace {

using namespace testing;

std::vector<std::string> lines_of(const MediaDescription& m) {
    std::vector<std::string> out{"m=" + m.media_line_value()};
    if (m.connection) out.push_back("c=" + m.connection->to_value());
    for (const auto& a : m.attributes) out.push_back(a.to_line());
    return out;
}

}  // namespace

TEST_CASE("sdp.transceiver: A's audio offer has exactly Chromium's lines, in its order, and round-trips") {
    Peer a("A");
    a.add_track(1603781286, "track-1", "stream-1");
    OfferOptions audio_only;
    audio_only.datachannel = false;
    std::string text = a.offer(audio_only);
    auto sd = SessionDescription::parse(text).value();
    CHECK(sd.to_string() == text);
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0"});
    REQUIRE(sd.media.size() == 1);
    const auto& m = sd.media[0];
    std::string ufrag = std::string(*m.ice_ufrag()), pwd = std::string(*m.ice_pwd());
    CHECK(lines_of(m) == std::vector<std::string>{
                             "m=audio 9 UDP/TLS/RTP/SAVPF 111 110 126",
                             "c=IN IP4 0.0.0.0",
                             "a=rtcp:9 IN IP4 0.0.0.0",
                             "a=ice-ufrag:" + ufrag,
                             "a=ice-pwd:" + pwd,
                             "a=ice-options:trickle",
                             "a=fingerprint:" + testing::fixed_fingerprint().to_sdp(),
                             "a=setup:actpass",
                             "a=mid:0",
                             "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                             "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                             "a=sendrecv",
                             "a=msid:stream-1 track-1",
                             "a=rtcp-mux",
                             "a=rtcp-rsize",
                             "a=rtpmap:111 opus/48000/2",
                             "a=fmtp:111 minptime=10;useinbandfec=1",
                             "a=rtpmap:110 telephone-event/48000",
                             "a=rtpmap:126 telephone-event/8000",
                             "a=ssrc:1603781286 cname:cname-1603781286",
                             "a=ssrc:1603781286 msid:stream-1 track-1",
                         });
    // Before setLocalDescription the transceiver has no mid; after it, the offer's.
    CHECK(!a.n.transceivers()[0].mid);
    require_ok(a.n.set_local(SdpType::kOffer, text));
    CHECK(a.n.transceivers()[0].mid == "0");

    // A recvonly transceiver without a track writes no a=msid and no a=ssrc; a track without
    // streams writes "-" (RFC 8830).
    Peer b("B");
    TransceiverInit recv;
    recv.direction = Direction::kRecvonly;
    recv.ssrc = 5;
    recv.cname = "c";
    REQUIRE(b.n.add_transceiver(recv).ok());
    TransceiverInit nostream;
    nostream.ssrc = 6;
    nostream.cname = "c";
    nostream.track_id = "t6";
    REQUIRE(b.n.add_transceiver(nostream).ok());
    auto two = SessionDescription::parse(b.offer()).value();
    REQUIRE(two.media.size() == 3);  // audio, audio, then the data channel
    CHECK(two.media[0].direction() == Direction::kRecvonly);
    CHECK(two.media[0].msids().empty());
    CHECK(two.media[0].ssrcs().empty());
    CHECK(two.media[1].value("msid") == "- t6");
    CHECK(two.media[1].ssrcs().size() == 2);
    CHECK(two.media[2].is_datachannel());
    CHECK(two.media[2].mid() == "2");
    CHECK(two.bundle_group()->mids == std::vector<std::string>{"0", "1", "2"});
}

TEST_CASE("sdp.transceiver: Z answers a Chromium audio+video+data offer: Opus and DTMF, video rejected") {
    Peer z("Z");
    TransceiverId mine = z.add_track(4242, "z-track", "z-stream");  // addTrack before the offer
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kChromiumAudioVideoDatachannelOffer));
    // W3C 4.4.1.5: the addTrack transceiver takes the audio section; no new one is made.
    REQUIRE(z.n.transceivers().size() == 1);
    const auto& t = z.transceiver(mine);
    CHECK(t.mid == "0");
    CHECK(!t.created_by_remote);
    CHECK(t.remote_sending);
    CHECK(t.remote_stream_ids == std::vector<std::string>{"6e9f797d-0a26-4698-adf8-2a5529086a93"});
    CHECK(t.remote_track_id == "fb8a1fb4-c7cd-47ee-9594-3b8c85281081");
    CHECK(!t.current_direction);

    std::string text = z.answer();
    auto sd = SessionDescription::parse(text).value();
    REQUIRE(sd.media.size() == 3);
    const auto& audio = sd.media[0];
    std::string ufrag = std::string(*audio.ice_ufrag()), pwd = std::string(*audio.ice_pwd());
    CHECK(lines_of(audio) == std::vector<std::string>{
                                 "m=audio 9 UDP/TLS/RTP/SAVPF 111 110 126",
                                 "c=IN IP4 0.0.0.0",
                                 "a=rtcp:9 IN IP4 0.0.0.0",
                                 "a=ice-ufrag:" + ufrag,
                                 "a=ice-pwd:" + pwd,
                                 "a=ice-options:trickle",
                                 "a=fingerprint:" + testing::fixed_fingerprint().to_sdp(),
                                 "a=setup:active",
                                 "a=mid:0",
                                 "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                                 "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
                                 "a=sendrecv",
                                 "a=msid:z-stream z-track",
                                 "a=rtcp-mux",
                                 "a=rtcp-rsize",
                                 "a=rtpmap:111 opus/48000/2",
                                 "a=fmtp:111 minptime=10;useinbandfec=1",
                                 "a=rtpmap:110 telephone-event/48000",
                                 "a=rtpmap:126 telephone-event/8000",
                                 "a=ssrc:4242 cname:cname-4242",
                                 "a=ssrc:4242 msid:z-stream z-track",
                             });
    CHECK(sd.media[1].media == "video");
    CHECK(sd.media[1].rejected());
    CHECK(sd.media[1].mid() == "1");
    CHECK(sd.media[2].is_datachannel());
    CHECK(!sd.media[2].rejected());
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0", "2"});

    require_ok(z.n.set_local(SdpType::kAnswer, text));
    CHECK(z.transceiver(mine).current_direction == Direction::kSendrecv);
    auto transport = z.n.negotiated();
    REQUIRE(transport);
    CHECK(transport->mid == "0");
    CHECK(transport->datachannel);
    CHECK(transport->bundle_mids == std::vector<std::string>{"0", "2"});
    CHECK(transport->remote_sctp_port == 5000);
    auto audio_params = z.n.negotiated_audio();
    REQUIRE(audio_params.size() == 1);
    const auto& na = audio_params[0];
    CHECK(na.transceiver == mine);
    CHECK(na.mid == "0");
    CHECK(na.send);
    CHECK(na.recv);
    CHECK(na.opus_payload_type == 111);
    CHECK(na.dtmf_payload_type == uint8_t{110});
    CHECK(na.dtmf_clock_rate == 48000u);
    CHECK(na.receive_dtmf_payload_types == std::vector<uint8_t>{110, 126});
    CHECK(na.audio_level_extension_id == uint8_t{1});
    CHECK(na.mid_extension_id == uint8_t{4});
    CHECK(na.local_ssrc == 4242u);
    CHECK(na.local_cname == "cname-4242");
    CHECK(na.remote_ssrcs == std::vector<uint32_t>{2524356979u});
    CHECK(!z.n.transceivers_need_negotiation());
}

TEST_CASE("sdp.transceiver: the answer's direction is ours limited by the offer reversed (RFC 3264 6.1)") {
    struct Case {
        Direction ours;
        const char* offered;
        Direction answered;
    };
    const Case cases[] = {
        {Direction::kSendrecv, "a=sendrecv", Direction::kSendrecv},
        {Direction::kSendrecv, "a=sendonly", Direction::kRecvonly},
        {Direction::kSendrecv, "a=recvonly", Direction::kSendonly},
        {Direction::kSendrecv, "a=inactive", Direction::kInactive},
        {Direction::kSendonly, "a=sendrecv", Direction::kSendonly},
        {Direction::kSendonly, "a=sendonly", Direction::kInactive},
        {Direction::kSendonly, "a=recvonly", Direction::kSendonly},
        {Direction::kRecvonly, "a=sendrecv", Direction::kRecvonly},
        {Direction::kRecvonly, "a=sendonly", Direction::kRecvonly},
        {Direction::kRecvonly, "a=recvonly", Direction::kInactive},
        {Direction::kInactive, "a=sendrecv", Direction::kInactive},
    };
    for (const auto& c : cases) {
        CAPTURE(to_string(c.ours));
        CAPTURE(c.offered);
        Peer z("Z");
        TransceiverId id = z.add_track(7);
        require_ok(z.n.set_direction(id, c.ours));
        std::string offer = replace(std::string(corpus::kChromiumAudioDatachannelOffer), "a=sendrecv", c.offered);
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        // A recvonly/inactive transceiver is not "created by addTrack" for association
        // (W3C: its direction has no send), so a second, remote-made one takes the section.
        bool associated = has_send(c.ours);
        CHECK(z.n.transceivers().size() == (associated ? 1u : 2u));
        std::string answer = z.answer();
        auto sd = SessionDescription::parse(answer).value();
        Direction expected =
            associated
                ? c.answered
                : make_direction(false, has_send(section_direction(SessionDescription::parse(offer).value().media[0])));
        CHECK(sd.media[0].direction() == expected);
        require_ok(z.n.set_local(SdpType::kAnswer, answer));
        const auto& t = z.n.transceivers().back();
        CHECK(t.current_direction == expected);
        CHECK(t.remote_sending == has_send(SessionDescription::parse(offer).value().media[0].direction().value()));
        auto na = z.n.negotiated_audio();
        REQUIRE(na.size() == 1);
        CHECK(na[0].send == has_send(expected));
        CHECK(na[0].recv == has_recv(expected));
    }
}

TEST_CASE("sdp.transceiver: a remote offer without addTrack makes a recvonly transceiver and rollback removes it") {
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kChromiumAudioDatachannelOffer));
    REQUIRE(z.n.transceivers().size() == 1);
    auto t = z.n.transceivers()[0];
    CHECK(t.created_by_remote);
    CHECK(t.direction == Direction::kRecvonly);
    CHECK(t.mid == "0");
    CHECK(t.ssrc == 0u);
    CHECK(t.remote_sending);
    // The peer assigns our SSRC/CNAME to transceivers it has not seen.
    require_ok(z.n.set_local_ssrc(t.id, 99, "zc"));
    require_ok(z.n.set_remote(SdpType::kRollback, ""));
    CHECK(z.n.transceivers().empty());

    // The same after the implicit rollback: a remote offer in have-local-offer.
    Peer y("Y");
    TransceiverId mine = y.add_track(11);
    require_ok(y.n.set_local(SdpType::kOffer, y.offer()));
    CHECK(y.transceiver(mine).mid == "0");
    require_ok(y.n.set_remote(SdpType::kRollback, ""));
    CHECK(!y.transceiver(mine).mid);  // the rolled-back offer's mid is gone
    // A remote offer with two audio sections: the first takes Y's addTrack transceiver, the
    // second makes a new one; rolling back removes that one and un-associates the first.
    std::string two = std::string(corpus::kChromiumAudioDatachannelOffer);
    auto sd = SessionDescription::parse(two).value();
    auto extra = sd.media[0];
    extra.set("mid", "2");
    sd.media.push_back(extra);
    sd.set("group", "BUNDLE 0 1 2");
    require_ok(y.n.set_local(SdpType::kOffer, y.offer()));
    require_ok(y.n.set_remote(SdpType::kOffer, sd.to_string()));  // rolls Y's offer back first
    REQUIRE(y.n.transceivers().size() == 2);
    CHECK(y.transceiver(mine).mid == "0");
    CHECK(y.n.transceivers()[1].mid == "2");
    CHECK(y.n.transceivers()[1].created_by_remote);
    require_ok(y.n.set_remote(SdpType::kRollback, ""));
    REQUIRE(y.n.transceivers().size() == 1);
    CHECK(!y.transceiver(mine).mid);
    CHECK(!y.transceiver(mine).remote_sending);
}

TEST_CASE("sdp.transceiver: stop() rejects the section (port 0) and the completed negotiation stops it") {
    Peer a("A"), z("Z");
    TransceiverId ta = a.add_track(1);
    negotiate(a, z);
    REQUIRE(z.n.transceivers().size() == 1);
    TransceiverId tz = z.n.transceivers()[0].id;
    CHECK(a.transceiver(ta).current_direction == Direction::kSendonly);  // Z has no track: recvonly
    CHECK(z.transceiver(tz).current_direction == Direction::kRecvonly);
    CHECK(!a.n.transceivers_need_negotiation());

    require_ok(a.n.stop_transceiver(ta));
    CHECK(a.transceiver(ta).stopping);
    CHECK(!a.transceiver(ta).stopped);
    CHECK(a.n.transceivers_need_negotiation());
    CHECK(a.n.set_direction(ta, Direction::kSendonly).error().name == JsepError::kInvalidStateError);
    std::string offer = a.offer();
    auto sd = SessionDescription::parse(offer).value();
    CHECK(sd.media[0].rejected());
    CHECK(sd.media[0].mid() == "0");
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"1"});
    require_ok(a.n.set_local(SdpType::kOffer, offer));
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    CHECK(!z.transceiver(tz).remote_sending);
    std::string answer = z.answer();
    CHECK(SessionDescription::parse(answer).value().media[0].rejected());
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    require_ok(a.n.set_remote(SdpType::kAnswer, answer));
    CHECK(a.transceiver(ta).stopped);
    CHECK(!a.transceiver(ta).current_direction);
    CHECK(z.transceiver(tz).stopped);
    CHECK(a.n.negotiated_audio().empty());
    CHECK(z.n.negotiated_audio().empty());
    CHECK(a.n.negotiated()->mid == "1");  // the data channel carries the transport now
    CHECK(!a.n.transceivers_need_negotiation());
    // Later offers keep the rejected section (RFC 8829 5.2.2).
    auto later = SessionDescription::parse(a.offer()).value();
    REQUIRE(later.media.size() == 2);
    CHECK(later.media[0].rejected());

    // Stopping a transceiver that never had a section stops it at once.
    Peer b("B");
    TransceiverId tb = b.add_track(3);
    require_ok(b.n.stop_transceiver(tb));
    CHECK(b.transceiver(tb).stopped);
    CHECK(!b.n.transceivers_need_negotiation());
    CHECK(SessionDescription::parse(b.offer()).value().media.size() == 1);  // only the data channel

    // A remote answer rejecting our audio stops the transceiver too.
    Peer c("C"), y("Y");
    TransceiverId tc = c.add_track(4);
    std::string c_offer = c.offer();
    require_ok(c.n.set_local(SdpType::kOffer, c_offer));
    require_ok(y.n.set_remote(SdpType::kOffer, c_offer));
    require_ok(y.n.stop_transceiver(y.n.transceivers()[0].id));
    std::string y_answer = y.answer();
    require_ok(y.n.set_local(SdpType::kAnswer, y_answer));
    require_ok(c.n.set_remote(SdpType::kAnswer, y_answer));
    CHECK(c.transceiver(tc).stopped);
    CHECK(y.n.transceivers()[0].stopped);
}

TEST_CASE("sdp.transceiver: renegotiation keeps mids and order and appends a section") {
    Peer a("A"), z("Z");
    TransceiverId first = a.add_track(1, "t1", "s");
    negotiate(a, z);
    CHECK(a.transceiver(first).mid == "0");
    TransceiverId second = a.add_track(2, "t2", "s");
    CHECK(a.n.transceivers_need_negotiation());
    std::string offer = a.offer();
    auto sd = SessionDescription::parse(offer).value();
    REQUIRE(sd.media.size() == 3);
    CHECK(sd.media[0].media == "audio");
    CHECK(sd.media[0].mid() == "0");
    CHECK(sd.media[1].is_datachannel());
    CHECK(sd.media[1].mid() == "1");
    CHECK(sd.media[2].media == "audio");
    CHECK(sd.media[2].mid() == "2");
    CHECK(sd.media[2].value("msid") == "s t2");
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0", "1", "2"});
    CHECK(sd.origin.session_version == 1);
    require_ok(a.n.set_local(SdpType::kOffer, offer));
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    REQUIRE(z.n.transceivers().size() == 2);
    CHECK(z.n.transceivers()[1].mid == "2");
    CHECK(z.n.transceivers()[1].remote_track_id == "t2");
    std::string answer = z.answer();
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    require_ok(a.n.set_remote(SdpType::kAnswer, answer));
    CHECK(a.transceiver(second).mid == "2");
    CHECK(a.transceiver(second).current_direction == Direction::kSendonly);  // Z only receives
    CHECK(a.n.negotiated_audio().size() == 2);
    CHECK(!a.n.transceivers_need_negotiation());

    // Z (answerer so far) now offers: same sections, Z's directions.
    std::string z_offer = z.offer();
    auto zs = SessionDescription::parse(z_offer).value();
    REQUIRE(zs.media.size() == 3);
    CHECK(zs.media[0].mid() == "0");
    CHECK(zs.media[0].direction() == Direction::kRecvonly);
    CHECK(zs.media[2].mid() == "2");
}

TEST_CASE("sdp.transceiver: negotiated_audio for both roles between two negotiators") {
    Peer a("A"), z("Z");
    TransceiverId ta = a.add_track(0x11111111, "ta", "sa");
    TransceiverId tz = z.add_track(0x22222222, "tz", "sz");
    negotiate(a, z);
    auto na = a.n.negotiated_audio();
    auto nz = z.n.negotiated_audio();
    REQUIRE(na.size() == 1);
    REQUIRE(nz.size() == 1);
    for (const auto* n : {&na[0], &nz[0]}) {
        CHECK(n->mid == "0");
        CHECK(n->send);
        CHECK(n->recv);
        CHECK(n->opus_payload_type == kOpusPayloadType);
        CHECK(n->dtmf_payload_type == kTelephoneEvent48000PayloadType);
        CHECK(n->dtmf_clock_rate == 48000u);
        CHECK(n->receive_dtmf_payload_types ==
              std::vector<uint8_t>{kTelephoneEvent48000PayloadType, kTelephoneEvent8000PayloadType});
        CHECK(n->audio_level_extension_id == kAudioLevelExtensionId);
        CHECK(n->mid_extension_id == kMidExtensionId);
    }
    CHECK(na[0].transceiver == ta);
    CHECK(nz[0].transceiver == tz);
    CHECK(na[0].local_ssrc == 0x11111111u);
    CHECK(na[0].remote_ssrcs == std::vector<uint32_t>{0x22222222u});
    CHECK(nz[0].local_ssrc == 0x22222222u);
    CHECK(nz[0].local_cname == "cname-572662306");
    CHECK(nz[0].remote_ssrcs == std::vector<uint32_t>{0x11111111u});
    CHECK(a.transceiver(ta).remote_track_id == "tz");
    CHECK(a.transceiver(ta).remote_stream_ids == std::vector<std::string>{"sz"});
    CHECK(a.transceiver(ta).remote_sending);

    // An offer with only telephone-event/8000 (Firefox's shape): DTMF goes at 8000.
    Peer y("Y");
    y.add_track(5);
    std::string offer = replace(std::string(corpus::kChromiumAudioDatachannelOffer), " 110 126", " 126");
    offer = replace(offer, "a=rtpmap:110 telephone-event/48000\r\n", "");
    require_ok(y.n.set_remote(SdpType::kOffer, offer));
    std::string answer = y.answer();
    CHECK(answer.find("m=audio 9 UDP/TLS/RTP/SAVPF 111 126\r\n") != std::string::npos);
    require_ok(y.n.set_local(SdpType::kAnswer, answer));
    auto ny = y.n.negotiated_audio();
    REQUIRE(ny.size() == 1);
    CHECK(ny[0].dtmf_payload_type == uint8_t{126});
    CHECK(ny[0].dtmf_clock_rate == 8000u);
    CHECK(ny[0].receive_dtmf_payload_types == std::vector<uint8_t>{126});

    // Pranswer: current_direction and negotiated_audio already hold.
    Peer p("P"), q("Q");
    TransceiverId tp = p.add_track(8);
    std::string p_offer = p.offer();
    require_ok(p.n.set_local(SdpType::kOffer, p_offer));
    require_ok(q.n.set_remote(SdpType::kOffer, p_offer));
    std::string pranswer = q.answer();
    require_ok(q.n.set_local(SdpType::kPranswer, pranswer));
    require_ok(p.n.set_remote(SdpType::kPranswer, pranswer));
    CHECK(p.transceiver(tp).current_direction == Direction::kSendonly);
    CHECK(p.n.negotiated_audio().size() == 1);
    CHECK(q.n.negotiated_audio().size() == 1);
}

TEST_CASE("sdp.transceiver: an audio-only negotiation has a transport without a data channel") {
    Peer a("A"), z("Z");
    a.add_track(1);
    OfferOptions options;
    options.datachannel = false;
    negotiate(a, z, options);
    auto ta = a.n.negotiated();
    auto tz = z.n.negotiated();
    REQUIRE(ta);
    REQUIRE(tz);
    CHECK(!ta->datachannel);
    CHECK(!tz->datachannel);
    CHECK(ta->mid == "0");
    CHECK(ta->bundle_mids == std::vector<std::string>{"0"});
    CHECK(ta->remote_ice == tz->local_ice);
    CHECK(ta->dtls_role == DtlsRole::kServer);
    CHECK(tz->dtls_role == DtlsRole::kClient);
    CHECK(ta->remote_sctp_port == 5000);  // defaulted
    CHECK(ta->remote_max_message_size == 65536u);
    // Later, a data channel: datachannel=true adds the section after the audio one.
    auto sd = SessionDescription::parse(a.offer()).value();
    REQUIRE(sd.media.size() == 2);
    CHECK(sd.media[1].is_datachannel());
    CHECK(sd.media[1].mid() == "1");
}

TEST_CASE("sdp.transceiver: transceivers_need_negotiation follows W3C's check") {
    Peer a("A"), z("Z");
    CHECK(!a.n.transceivers_need_negotiation());
    TransceiverId ta = a.add_track(1, "t1", "s1");
    CHECK(a.n.transceivers_need_negotiation());  // no mid
    std::string offer = a.offer();
    require_ok(a.n.set_local(SdpType::kOffer, offer));
    CHECK(!a.n.transceivers_need_negotiation());  // not stable: checked again at stable
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    std::string answer = z.answer();
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    require_ok(a.n.set_remote(SdpType::kAnswer, answer));
    CHECK(!a.n.transceivers_need_negotiation());
    CHECK(!z.n.transceivers_need_negotiation());

    // Offerer: direction differs from the current local offer.
    require_ok(a.n.set_direction(ta, Direction::kSendonly));
    CHECK(a.n.transceivers_need_negotiation());
    require_ok(a.n.set_direction(ta, Direction::kSendrecv));
    CHECK(!a.n.transceivers_need_negotiation());
    // replaceTrack does not need negotiation; new streams do; losing the track does (a=msid goes).
    require_ok(a.n.set_sender(ta, "t1-replaced", {"s1"}));
    CHECK(!a.n.transceivers_need_negotiation());
    require_ok(a.n.set_sender(ta, "t1-replaced", {"s1", "s2"}));
    CHECK(a.n.transceivers_need_negotiation());
    require_ok(a.n.set_sender(ta, "t1", {"s1"}));
    CHECK(!a.n.transceivers_need_negotiation());
    require_ok(a.n.set_sender(ta, "", {}));
    CHECK(a.n.transceivers_need_negotiation());
    require_ok(a.n.set_sender(ta, "t1", {"s1"}));
    // A recvonly transceiver's msid does not matter.
    require_ok(a.n.set_direction(ta, Direction::kRecvonly));
    CHECK(a.n.transceivers_need_negotiation());  // direction
    CHECK(a.n.set_sender(ta, "x", {}).ok());

    // Answerer: the answer's direction is compared with ours limited by the offer.
    const auto& tz = z.n.transceivers()[0];
    CHECK(tz.direction == Direction::kRecvonly);
    require_ok(z.n.set_direction(tz.id, Direction::kSendrecv));
    CHECK(z.n.transceivers_need_negotiation());  // it could send now: answered recvonly
    require_ok(z.n.set_direction(tz.id, Direction::kRecvonly));
    CHECK(!z.n.transceivers_need_negotiation());
    require_ok(z.n.stop_transceiver(tz.id));
    CHECK(z.n.transceivers_need_negotiation());  // stopping, section not yet rejected

    // Errors.
    CHECK(a.n.set_direction(9999, Direction::kSendrecv).error().name == JsepError::kOperationError);
    TransceiverInit video;
    video.kind = "video";
    CHECK(a.n.add_transceiver(video).error().name == JsepError::kTypeError);
    TransceiverInit spaces;
    spaces.track_id = "has space";
    CHECK(a.n.add_transceiver(spaces).error().name == JsepError::kTypeError);
    a.n.close();
    CHECK(a.n.add_transceiver(TransceiverInit{}).error().name == JsepError::kInvalidStateError);
}

TEST_CASE("sdp.transceiver: hostile audio sections are rejected or refused, never a crash") {
    const std::string base = std::string(corpus::kChromiumAudioDatachannelOffer);
    struct Case {
        const char* what;
        std::string offer;
    };
    std::string no_rtpmap = base;
    for (const char* line : {"a=rtpmap:111 opus/48000/2\r\n", "a=rtpmap:63 red/48000/2\r\n", "a=rtpmap:9 G722/8000\r\n",
                             "a=rtpmap:0 PCMU/8000\r\n", "a=rtpmap:8 PCMA/8000\r\n", "a=rtpmap:13 CN/8000\r\n",
                             "a=rtpmap:110 telephone-event/48000\r\n", "a=rtpmap:126 telephone-event/8000\r\n"}) {
        no_rtpmap = replace(no_rtpmap, line, "");
    }
    const Case rejected[] = {
        {"no rtpmap at all", no_rtpmap},
        {"Opus not on the m= line", replace(base, "SAVPF 111 63", "SAVPF 63")},
        {"Opus at a PT RTCP uses (RFC 5761)",
         replace(replace(replace(base, "SAVPF 111 63", "SAVPF 72 63"), "a=rtpmap:111", "a=rtpmap:72"), "a=fmtp:111",
                 "a=fmtp:72")},
        {"Opus mono", replace(base, "opus/48000/2", "opus/48000/1")},
        {"no rtcp-mux", replace(base, "a=rtcp-mux\r\n", "")},
        {"plain RTP/AVP", replace(base, "UDP/TLS/RTP/SAVPF", "RTP/AVP")},
        {"absurd formats", replace(base, "SAVPF 111 63 9 0 8 13 110 126", "SAVPF 999 abc 1111")},
    };
    for (const auto& c : rejected) {
        CAPTURE(c.what);
        Peer z("Z");
        require_ok(z.n.set_remote(SdpType::kOffer, c.offer));
        CHECK(z.n.transceivers().empty());
        auto answer = SessionDescription::parse(z.answer()).value();
        CHECK(answer.media[0].rejected());
        CHECK(answer.bundle_group()->mids == std::vector<std::string>{"1"});
        require_ok(z.n.set_local(SdpType::kAnswer, answer.to_string()));
        CHECK(z.n.negotiated()->mid == "1");
        CHECK(z.n.negotiated_audio().empty());
    }
    // Extensions outside one-byte ids or used twice are dropped, the section stays.
    {
        std::string offer = replace(base, "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
                                    "a=extmap:15 urn:ietf:params:rtp-hdrext:ssrc-audio-level");
        offer = replace(offer, "a=extmap:3 http", "a=extmap:4 http");  // id 4 used twice
        Peer z("Z");
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        auto answer = SessionDescription::parse(z.answer()).value();
        CHECK(!answer.media[0].rejected());
        CHECK(answer.media[0].extmaps().empty());
        require_ok(z.n.set_local(SdpType::kAnswer, answer.to_string()));
        auto na = z.n.negotiated_audio();
        REQUIRE(na.size() == 1);
        CHECK(!na[0].audio_level_extension_id);
        CHECK(!na[0].mid_extension_id);
    }
    // Case-insensitive codec names, unknown fmtp parameters dropped, telephone-event sharing Opus's PT ignored.
    {
        std::string offer = replace(base, "opus/48000/2", "OPUS/48000/2");
        offer = replace(offer, "minptime=10;useinbandfec=1", "maxplaybackrate=8000;useinbandfec=1;stereo=1");
        offer = replace(offer, "a=rtpmap:110 telephone-event/48000", "a=rtpmap:111 telephone-event/48000");
        Peer z("Z");
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        std::string answer = z.answer();
        CHECK(answer.find("m=audio 9 UDP/TLS/RTP/SAVPF 111 126\r\n") != std::string::npos);
        CHECK(answer.find("a=fmtp:111 useinbandfec=1\r\n") != std::string::npos);
    }
    // Errors the parser and the JSEP checks already give.
    {
        Peer z("Z");
        auto dup = replace(base, "a=mid:1", "a=mid:0");
        auto s = z.n.set_remote(SdpType::kOffer, dup);
        REQUIRE(!s.ok());
        CHECK(s.error().name == JsepError::kOperationError);
        CHECK(s.error().syntax->code == SdpError::kDuplicateMid);
        auto zero = replace(base, "a=extmap:1 ", "a=extmap:0 ");
        CHECK(z.n.set_remote(SdpType::kOffer, zero).error().syntax->code == SdpError::kMalformedAttribute);
        auto pt = replace(base, "a=rtpmap:111 opus", "a=rtpmap:300 opus");
        CHECK(z.n.set_remote(SdpType::kOffer, pt).error().syntax->code == SdpError::kMalformedAttribute);
        CHECK(z.n.transceivers().empty());
    }
    // An answer that accepts audio without a codec we offered is not used for media.
    {
        Peer a("A"), z("Z");
        a.add_track(1);
        std::string offer = a.offer();
        require_ok(a.n.set_local(SdpType::kOffer, offer));
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        std::string answer = replace(z.answer(), "a=rtpmap:111 opus/48000/2", "a=rtpmap:111 PCMU/8000");
        require_ok(a.n.set_remote(SdpType::kAnswer, answer));
        CHECK(a.n.negotiated_audio().empty());
    }
}

}  // namespace polyrtc::sdp

namespace polyrtc::sdp {

TEST_CASE("sdp.transceiver: the peer gives a remote-made transceiver its SSRC, a track and a direction") {
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kChromiumAudioDatachannelOffer));
    REQUIRE(z.n.transceivers().size() == 1);
    TransceiverId id = z.n.transceivers()[0].id;
    // Before the peer assigns one, the answer has no a=ssrc (ssrc 0 is not announced).
    CHECK(z.answer().find("a=ssrc:") == std::string::npos);
    require_ok(z.n.set_local_ssrc(id, 99, "zc"));
    require_ok(z.n.set_sender(id, "z-track", {}));
    require_ok(z.n.set_direction(id, Direction::kSendrecv));
    std::string answer = z.answer();
    CHECK(answer.find("a=sendrecv\r\na=msid:- z-track\r\n") != std::string::npos);
    CHECK(answer.find("a=ssrc:99 cname:zc\r\na=ssrc:99 msid:- z-track\r\n") != std::string::npos);
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    auto na = z.n.negotiated_audio();
    REQUIRE(na.size() == 1);
    CHECK(na[0].send);
    CHECK(na[0].local_ssrc == 99u);
    CHECK(na[0].local_cname == "zc");
    CHECK(z.n.set_local_ssrc(12345, 1, "x").error().name == JsepError::kOperationError);
    CHECK(z.n.set_local_ssrc(id, 1, "has space").error().name == JsepError::kTypeError);
}

}  // namespace polyrtc::sdp
