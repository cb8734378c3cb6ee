// Real SDP (tests/data/sdp/, compiled in as sdp_corpus.hpp) through the parser and back.
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "core/sdp/session_description.hpp"
#include "tests/unit/sdp/sdp_corpus.hpp"

namespace polyrtc::sdp {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

SessionDescription parse_ok(std::string_view text) {
    auto sd = SessionDescription::parse(text);
    if (!sd) FAIL(sd.error().to_string());
    return std::move(sd).value();
}

}  // namespace

#ifndef __EMSCRIPTEN__
// Natively the repository is on disk: the embedded copy must be current (a capture-sdp.mjs
// run without `embed` would otherwise leave the tests on stale data). Under Node the host
// file system is not mounted, which is why the data is embedded at all.
TEST_CASE("sdp.corpus: the embedded test data matches tests/data/sdp/ byte for byte") {
    std::string data_dir = POLYRTC_SDP_DATA_DIR;  // tests/CMakeLists.txt
    for (const auto& file : corpus::kFiles) {
        std::ifstream in(data_dir + std::string(file.name), std::ios::binary);
        REQUIRE_MESSAGE(in.good(), file.name);
        std::stringstream buffer;
        buffer << in.rdbuf();
        CHECK_MESSAGE(buffer.str() == file.text, file.name);
    }
}
#endif

TEST_CASE("sdp.corpus: every captured and hand-written description parses and re-serializes losslessly") {
    int count = 0;
    for (const auto& file : corpus::kFiles) {
        if (!ends_with(file.name, ".sdp")) continue;
        CAPTURE(file.name);
        auto sd = SessionDescription::parse(file.text);
        REQUIRE_MESSAGE(sd.ok(), sd.error().to_string());
        CHECK(sd->to_string() == file.text);
        // And the re-serialized text parses to the same model.
        CHECK(SessionDescription::parse(sd->to_string()).value() == *sd);
        ++count;
    }
    CHECK(count == 36);
}

TEST_CASE("sdp.corpus: Chromium's data channel offer yields the typed values WebRTC needs") {
    auto sd = parse_ok(corpus::kChromiumDatachannelOffer);
    CHECK(sd.origin.username == "-");
    CHECK(sd.origin.session_id == "5287206649994108230");
    CHECK(sd.origin.session_version == 2);
    CHECK(sd.origin.address == "127.0.0.1");
    REQUIRE(sd.bundle_group());
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0"});
    REQUIRE(sd.msid_semantic());
    CHECK(sd.msid_semantic()->semantic == "WMS");
    CHECK(sd.msid_semantic()->stream_ids.empty());
    CHECK(sd.extmap_allow_mixed());
    REQUIRE(sd.media.size() == 1);
    const auto& m = sd.media[0];
    CHECK(m.media == "application");
    CHECK(m.port == 56726);
    CHECK(m.protocol == "UDP/DTLS/SCTP");
    CHECK(m.formats == std::vector<std::string>{"webrtc-datachannel"});
    CHECK(m.is_datachannel());
    CHECK(!m.rejected());
    REQUIRE(m.connection);
    CHECK(m.connection->address == "192.0.2.2");
    CHECK(m.ice_ufrag() == "+r77");
    CHECK(m.ice_pwd() == "9PSENHsp9S4n4RgCnGTr/ST+");
    CHECK(m.ice_options() == std::vector<std::string>{"trickle"});
    REQUIRE(m.fingerprints().size() == 1);
    CHECK(m.fingerprints()[0].hex().substr(0, 8) == "B2:BB:FA");
    CHECK(m.setup() == Setup::kActpass);
    CHECK(m.mid() == "0");
    CHECK(m.sctp_port() == 5000);
    CHECK(m.max_message_size() == 262144u);
    auto candidates = m.candidates();
    REQUIRE(candidates.size() == 4);
    CHECK(candidates[0].address == "192.0.2.2");
    CHECK(candidates[1].address_kind() == AddressKind::kIpv6);
    CHECK(candidates[2].tcp_type == TcpType::kActive);
    CHECK(!m.end_of_candidates());
}

TEST_CASE("sdp.corpus: Chromium's audio section exposes Opus, telephone-event, rtcp-fb, extmap, ssrc and msid") {
    auto sd = parse_ok(corpus::kChromiumAudioDatachannelOffer);
    REQUIRE(sd.media.size() == 2);
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0", "1"});
    REQUIRE(sd.msid_semantic()->stream_ids.size() == 1);
    const auto& audio = sd.media[0];
    CHECK(audio.is_rtp());
    CHECK(!audio.is_datachannel());
    CHECK(audio.formats.front() == "111");
    CHECK(audio.direction() == Direction::kSendrecv);
    CHECK(audio.rtcp_mux());
    CHECK(audio.rtcp_rsize());
    auto opus = audio.rtpmap(111);
    REQUIRE(opus);
    CHECK(opus->encoding_name == "opus");
    CHECK(opus->clock_rate == 48000);
    CHECK(opus->channels == 2u);
    auto te = audio.rtpmap(126);
    REQUIRE(te);
    CHECK(te->encoding_name == "telephone-event");
    CHECK(te->clock_rate == 8000);
    CHECK(!te->channels);
    auto fmtps = audio.fmtps();
    REQUIRE(fmtps.size() == 2);
    CHECK(fmtps[0].payload_type == 111);
    CHECK(fmtps[0].parameter_list() ==
          std::vector<std::pair<std::string, std::string>>{{"minptime", "10"}, {"useinbandfec", "1"}});
    auto fbs = audio.rtcp_fbs();
    REQUIRE(fbs.size() == 1);
    CHECK(fbs[0].payload_type == 111);
    CHECK(fbs[0].type == "transport-cc");
    auto extmaps = audio.extmaps();
    REQUIRE(extmaps.size() == 4);
    CHECK(extmaps[0].id == 1);
    CHECK(extmaps[0].uri == "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
    auto ssrcs = audio.ssrcs();
    REQUIRE(ssrcs.size() == 2);
    CHECK(ssrcs[0].attribute == "cname");
    CHECK(ssrcs[0].ssrc == ssrcs[1].ssrc);
    auto msids = audio.msids();
    REQUIRE(msids.size() == 1);
    CHECK(msids[0].track_id);
    CHECK(msids[0].stream_id == sd.msid_semantic()->stream_ids[0]);
    // Unknown-to-us attributes survive: a=rtcp (RFC 3605) and a=rtcp-xr.
    CHECK(audio.value("rtcp") == "9 IN IP4 0.0.0.0");
    CHECK(audio.value("rtcp-xr") == "rcvr-rtt=all");
    CHECK(sd.media[1].is_datachannel());
    CHECK(sd.media[1].mid() == "1");
}

TEST_CASE("sdp.corpus: Chromium's video section has ssrc-group FID and rtcp-fb with subtypes") {
    auto sd = parse_ok(corpus::kChromiumAudioVideoOffer);
    REQUIRE(sd.media.size() == 2);
    const auto& video = sd.media[1];
    CHECK(video.media == "video");
    auto groups = video.ssrc_groups();
    REQUIRE(!groups.empty());
    CHECK(groups[0].semantics == "FID");
    CHECK(groups[0].ssrcs.size() == 2);
    bool has_pli = false;
    for (const auto& fb : video.rtcp_fbs()) has_pli = has_pli || (fb.type == "nack" && fb.subtype == "pli");
    CHECK(has_pli);
    CHECK(video.rtpmaps().size() == video.formats.size());
}

TEST_CASE("sdp.corpus: real Firefox 153 offers: session-level fingerprint, mDNS candidates, Opus and telephone-event") {
    auto sd = parse_ok(corpus::kFirefoxDatachannelOffer);
    CHECK(sd.origin.username == "mozilla...THIS_IS_SDPARTA-99.0");
    CHECK(sd.origin.address == "0.0.0.0");
    CHECK(sd.fingerprints().size() == 1);
    CHECK(sd.media[0].fingerprints().empty());
    CHECK(sd.ice_options() == std::vector<std::string>{"trickle"});
    CHECK(sd.media[0].direction() == Direction::kSendrecv);
    CHECK(sd.media[0].ice_ufrag()->size() == 8);
    CHECK(sd.media[0].ice_pwd()->size() == 32);
    CHECK(sd.media[0].end_of_candidates());
    auto c = sd.media[0].candidates();
    REQUIRE(c.size() == 4);
    for (const auto& x : c) CHECK(x.is_mdns());
    CHECK(c[2].is_tcp());
    CHECK(c[2].tcp_type == TcpType::kActive);

    auto audio_sd = parse_ok(corpus::kFirefoxAudioDatachannelOffer);
    const auto& audio = audio_sd.media[0];
    CHECK(audio.rtpmap(109)->encoding_name == "opus");
    CHECK(audio.rtpmap(101)->encoding_name == "telephone-event");
    CHECK(audio.rtpmap(101)->channels == 1u);
    CHECK(audio.fmtps()[1].parameters == "0-15");
    CHECK(audio.extmaps()[1].direction == Direction::kRecvonly);
    CHECK(audio.rtcp_fbs().size() == 4);
    CHECK(audio.msids()[0].stream_id.front() == '{');
    CHECK(audio_sd.media[1].is_datachannel());
}

TEST_CASE("sdp.corpus: Firefox-shaped offer keeps fingerprint and ice-options at session level") {
    auto sd = parse_ok(corpus::kFirefoxHandwrittenDatachannelOffer);
    CHECK(sd.origin.username == "mozilla...THIS_IS_SDPARTA-115.0");
    CHECK(sd.msid_semantic()->stream_ids == std::vector<std::string>{"*"});
    const auto& m = sd.media[0];
    CHECK(m.fingerprints().empty());
    REQUIRE(sd.effective_fingerprints(0).size() == 1);
    CHECK(sd.effective_ice_options(0) == std::vector<std::string>{"trickle"});
    CHECK(sd.effective_value(0, "ice-ufrag") == "e8a41b3c");
    CHECK(sd.effective_setup(0) == Setup::kActpass);
    CHECK(m.max_message_size() == 1073741823u);
    CHECK(m.end_of_candidates());
    auto c = m.candidates();
    REQUIRE(c.size() == 6);
    CHECK(c[0].transport == "UDP");
    CHECK(c[0].is_udp());
    CHECK(c[1].is_mdns());
    CHECK(c[2].is_tcp());
    CHECK(c[3].type == CandidateType::kSrflx);
    CHECK(c[3].related_address == "192.168.1.10");
    CHECK(c[3].related_port == 54231);
    CHECK(c[4].type == CandidateType::kRelay);
    CHECK(c[5].address_kind() == AddressKind::kIpv6);
}

TEST_CASE("sdp.corpus: aiortc 1.4's offer is the legacy DTLS/SCTP form with its relay candidate inline") {
    auto sd = parse_ok(corpus::kAiortcInteropOffer);
    REQUIRE(sd.media.size() == 1);
    const auto& m = sd.media[0];
    CHECK(m.protocol == "DTLS/SCTP");
    CHECK(m.formats == std::vector<std::string>{"5000"});
    CHECK(m.is_datachannel());
    CHECK(!m.sctp_port());
    REQUIRE(m.sctpmap());
    CHECK(m.sctpmap()->port == 5000);
    CHECK(m.max_message_size() == 65536u);
    CHECK(m.setup() == Setup::kActpass);
    CHECK(m.end_of_candidates());
    auto c = m.candidates();
    REQUIRE(c.size() == 1);
    CHECK(c[0].type == CandidateType::kRelay);
    CHECK(c[0].address == "127.0.0.1");
    CHECK(c[0].port == m.port);  // aiortc puts its default (only) candidate on the m= line
    // Its answer to polyrtc's offer is the RFC 8841 form.
    auto answer = parse_ok(corpus::kAiortcInteropAnswer);
    CHECK(answer.media[0].protocol == "UDP/DTLS/SCTP");
    CHECK(answer.media[0].sctp_port() == 5000);
    CHECK(answer.media[0].setup() == Setup::kActive);
}

}  // namespace polyrtc::sdp
