// SessionNegotiator: offers and answers against real Chromium SDP, the W3C signaling state
// machine with its errors, and addIceCandidate. Peers are A (us, usually the offerer) and Z.
#include "core/sdp/jsep.hpp"

#include <set>
#include <string>

#include <doctest/doctest.h>

#include "tests/unit/sdp/negotiator_pair.hpp"
#include "tests/unit/sdp/sdp_corpus.hpp"

namespace polyrtc::sdp {

using namespace testing;

TEST_CASE("sdp.jsep: a new offer has every line a browser requires") {
    Peer a("A");
    std::string text = a.offer();
    auto sd = SessionDescription::parse(text).value();
    CHECK(text.rfind("v=0\r\no=- ", 0) == 0);
    CHECK(sd.origin.session_version == 0);
    CHECK(sd.origin.address == "127.0.0.1");
    CHECK(sd.origin.session_id.size() >= 1);
    CHECK(sd.session_name == "-");
    CHECK(sd.fields == std::vector<Field>{{'t', "0 0"}});
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0"});
    CHECK(sd.extmap_allow_mixed());
    CHECK(sd.value("msid-semantic") == " WMS");
    REQUIRE(sd.media.size() == 1);
    const auto& m = sd.media[0];
    CHECK(m.media_line_value() == "application 9 UDP/DTLS/SCTP webrtc-datachannel");
    CHECK(m.connection->to_value() == "IN IP4 0.0.0.0");
    CHECK(is_valid_ice_ufrag(*m.ice_ufrag()));
    CHECK(is_valid_ice_pwd(*m.ice_pwd()));
    CHECK(m.ice_pwd()->size() >= 22);
    CHECK(m.ice_options() == std::vector<std::string>{"trickle"});
    REQUIRE(m.fingerprints().size() == 1);
    CHECK(m.fingerprints()[0] == testing::fixed_fingerprint());
    CHECK(m.setup() == Setup::kActpass);
    CHECK(m.mid() == "0");
    CHECK(m.sctp_port() == 5000);
    CHECK(m.max_message_size() == 262144u);
    // The same attributes, in the order Chromium writes them.
    std::vector<std::string> names;
    for (const auto& attr : m.attributes) names.push_back(attr.name);
    CHECK(names == std::vector<std::string>{"ice-ufrag", "ice-pwd", "ice-options", "fingerprint", "setup", "mid",
                                            "sctp-port", "max-message-size"});
}

TEST_CASE("sdp.jsep: the golden offer is byte for byte what Chromium was given (tests/data/sdp/polyrtc-offer.sdp)") {
    // capture-sdp.mjs verify feeds this text to Chromium's setRemoteDescription; see
    // polyrtc-VERIFIED.txt. If generation changes, rerun `capture-sdp.mjs verify` and `embed`.
    auto rng = polyrtc::testing::seeded_rng(testing::kGoldenOfferSeed);
    SessionNegotiator a(fixed_config(), rng);
    auto offer = a.create_offer(rng);
    REQUIRE(offer.ok());
    CHECK(*offer == corpus::kPolyrtcOffer);
}

TEST_CASE("sdp.jsep: fresh ICE credentials differ between peers and use only ice-chars") {
    std::set<std::string> seen;
    auto rng = polyrtc::testing::seeded_rng("ice");
    for (int i = 0; i < 50; ++i) {
        auto c = IceCredentials::generate(rng);
        CHECK(c.ufrag.size() == 4);
        CHECK(c.pwd.size() == 24);
        CHECK(is_valid_ice_ufrag(c.ufrag));
        CHECK(is_valid_ice_pwd(c.pwd));
        seen.insert(c.pwd);
    }
    CHECK(seen.size() == 50);
}

TEST_CASE("sdp.jsep: A offers, processes Chromium's real answer to that offer, and extracts the transport") {
    auto rng = polyrtc::testing::seeded_rng(testing::kGoldenOfferSeed);
    SessionNegotiator a(fixed_config(), rng);
    std::string offer = a.create_offer(rng).value();
    REQUIRE(offer == corpus::kPolyrtcOffer);
    require_ok(a.set_local(SdpType::kOffer, offer));
    CHECK(a.signaling_state() == SignalingState::kHaveLocalOffer);
    CHECK(!a.negotiated());
    require_ok(a.set_remote(SdpType::kAnswer, corpus::kChromiumAnswerToPolyrtcOffer));
    CHECK(a.signaling_state() == SignalingState::kStable);
    CHECK(a.current_local()->to_string() == offer);
    CHECK(a.current_remote()->to_string() == corpus::kChromiumAnswerToPolyrtcOffer);
    CHECK(!a.pending_local());
    CHECK(!a.pending_remote());
    CHECK(a.local_type() == SdpType::kOffer);
    CHECK(a.remote_type() == SdpType::kAnswer);
    auto t = a.negotiated();
    REQUIRE(t);
    CHECK(t->mid == "0");
    CHECK(t->bundle_mids == std::vector<std::string>{"0"});
    CHECK(t->remote_ice.ufrag == "tf1e");
    CHECK(t->remote_ice.pwd == "ynZWcoCT72htyYAYeJlWaZ6Q");
    CHECK(t->local_ice == a.local_ice());
    REQUIRE(t->remote_fingerprints.size() == 1);
    CHECK(t->remote_fingerprints[0].hex().substr(0, 8) == "C9:33:01");
    CHECK(t->dtls_role == DtlsRole::kServer);  // Chromium answered a=setup:active
    CHECK(t->ice_controlling);                 // the offerer controls
    CHECK(t->remote_sctp_port == 5000);
    CHECK(t->local_sctp_port == 5000);
    CHECK(t->remote_max_message_size == 262144u);
    CHECK(t->remote_candidates.empty());
    CHECK(t->remote_ice_options == std::vector<std::string>{"trickle"});
}

TEST_CASE("sdp.jsep: Z answers Chromium's data channel offer as Chromium would") {
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kChromiumDatachannelOffer));
    CHECK(z.n.signaling_state() == SignalingState::kHaveRemoteOffer);
    CHECK(z.n.pending_remote());
    std::string answer = z.answer();
    auto sd = SessionDescription::parse(answer).value();
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0"});
    REQUIRE(sd.media.size() == 1);
    CHECK(sd.media[0].setup() == Setup::kActive);  // RFC 8842: answer actpass with active
    CHECK(sd.media[0].mid() == "0");
    CHECK(sd.media[0].port == 9);
    CHECK(sd.media[0].sctp_port() == 5000);
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    CHECK(z.n.signaling_state() == SignalingState::kStable);
    auto t = z.n.negotiated();
    REQUIRE(t);
    CHECK(t->dtls_role == DtlsRole::kClient);
    CHECK(!t->ice_controlling);
    CHECK(t->remote_ice.ufrag == "+r77");
    CHECK(t->remote_candidates.size() == 4);
    CHECK(t->remote_max_message_size == 262144u);
}

TEST_CASE("sdp.jsep: the answers Chromium accepted are exactly what the negotiator writes (sdp_tool's seed)") {
    Peer dc("sdp.tool-answer");
    require_ok(dc.n.set_remote(SdpType::kOffer, corpus::kChromiumLiveDatachannelOffer));
    CHECK(dc.answer() == corpus::kPolyrtcAnswerToChromiumDatachannelOffer);
    Peer av("sdp.tool-answer");
    require_ok(av.n.set_remote(SdpType::kOffer, corpus::kChromiumLiveAudioDatachannelOffer));
    CHECK(av.answer() == corpus::kPolyrtcAnswerToChromiumAudioDatachannelOffer);
}

TEST_CASE("sdp.jsep: Z accepts Chromium's audio section (a recvonly transceiver) and the data channel") {
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kChromiumAudioDatachannelOffer));
    auto sd = SessionDescription::parse(z.answer()).value();
    REQUIRE(sd.media.size() == 2);
    CHECK(sd.media[0].media == "audio");
    CHECK(!sd.media[0].rejected());
    CHECK(sd.media[0].mid() == "0");
    CHECK(sd.media[0].protocol == "UDP/TLS/RTP/SAVPF");
    CHECK(sd.media[0].direction() == Direction::kRecvonly);  // Z has no track to send
    CHECK(sd.media[1].is_datachannel());
    CHECK(!sd.media[1].rejected());
    CHECK(sd.media[1].mid() == "1");
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0", "1"});
    require_ok(z.n.set_local(SdpType::kAnswer, sd.to_string()));
    auto t = z.n.negotiated();
    REQUIRE(t);
    CHECK(t->mid == "0");  // the first accepted section carries the BUNDLE transport
    CHECK(t->mline_index == 0);
    CHECK(t->datachannel);
    CHECK(t->remote_sctp_port == 5000);
    CHECK(t->remote_max_message_size == 262144u);
    // A candidate for the audio section now feeds the shared transport.
    auto r =
        z.n.add_remote_candidate({"candidate:1 1 udp 100 192.0.2.1 5000 typ host", "0", std::nullopt, std::nullopt});
    REQUIRE(r.ok());
    CHECK(r->kind == RemoteCandidateOutcome::Kind::kCandidate);
    // A later offer from Z keeps both sections in order, audio still recvonly.
    auto reoffer = SessionDescription::parse(z.offer()).value();
    REQUIRE(reoffer.media.size() == 2);
    CHECK(!reoffer.media[0].rejected());
    CHECK(reoffer.media[0].mid() == "0");
    CHECK(reoffer.media[0].direction() == Direction::kRecvonly);
    CHECK(reoffer.media[1].mid() == "1");
    CHECK(reoffer.media[1].setup() == Setup::kActpass);
    CHECK(reoffer.bundle_group()->mids == std::vector<std::string>{"0", "1"});
}

TEST_CASE("sdp.jsep: A processes real Firefox 153's answer to our golden offer") {
    auto rng = polyrtc::testing::seeded_rng(testing::kGoldenOfferSeed);
    SessionNegotiator a(fixed_config(), rng);
    std::string offer = a.create_offer(rng).value();
    REQUIRE(offer == corpus::kPolyrtcOffer);
    require_ok(a.set_local(SdpType::kOffer, offer));
    require_ok(a.set_remote(SdpType::kAnswer, corpus::kFirefoxAnswerToPolyrtcOffer));
    auto t = a.negotiated();
    REQUIRE(t);
    CHECK(t->remote_ice.ufrag == "e56600ad");
    REQUIRE(t->remote_fingerprints.size() == 1);  // from the session level
    CHECK(t->remote_fingerprints[0].hex().substr(0, 8) == "CB:98:1D");
    CHECK(t->dtls_role == DtlsRole::kServer);
    CHECK(t->remote_max_message_size == 1073741823u);
    CHECK(t->remote_ice_options == std::vector<std::string>{"trickle"});
}

TEST_CASE("sdp.jsep: Z answers real Firefox 153 offers, follows its ICE restart, rejects its audio") {
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kFirefoxDatachannelOffer));
    std::string answer = z.answer();
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    auto t = z.n.negotiated().value();
    CHECK(t.dtls_role == DtlsRole::kClient);
    CHECK(t.remote_candidates.size() == 4);
    CHECK(t.remote_candidates[0].is_mdns());
    CHECK(t.remote_end_of_candidates);
    // The saved answer Firefox accepted is what this negotiator writes for the live offer.
    Peer tool("sdp.tool-answer");
    require_ok(tool.n.set_remote(SdpType::kOffer, corpus::kFirefoxLiveDatachannelOffer));
    CHECK(tool.answer() == corpus::kPolyrtcAnswerToFirefoxDatachannelOffer);

    // Firefox's iceRestart offer of the same session: o= version 1, new ufrag/pwd.
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kFirefoxIceRestartOffer));
    std::string restart_answer = z.answer();
    require_ok(z.n.set_local(SdpType::kAnswer, restart_answer));
    auto r = z.n.negotiated().value();
    CHECK(r.remote_ice.ufrag == "40c0bfa5");
    CHECK(r.local_ice != t.local_ice);
    CHECK(r.dtls_role == DtlsRole::kClient);

    // Firefox's audio: Opus at its PT 109, telephone-event/8000 at 101, its extmap ids.
    Peer y("Y");
    require_ok(y.n.set_remote(SdpType::kOffer, corpus::kFirefoxAudioDatachannelOffer));
    auto sd = SessionDescription::parse(y.answer()).value();
    CHECK(!sd.media[0].rejected());
    CHECK(sd.media[0].formats == std::vector<std::string>{"109", "101"});
    CHECK(sd.media[0].rtpmap(109)->encoding_name == "opus");
    CHECK(sd.media[0].rtpmap(101)->clock_rate == 8000u);
    auto extmaps = sd.media[0].extmaps();
    REQUIRE(extmaps.size() == 2);
    CHECK(extmaps[0].id == 1);
    CHECK(extmaps[1].id == 3);
    CHECK(extmaps[1].uri == kMidExtensionUri);
    CHECK(sd.media[1].mid() == "1");
    CHECK(sd.bundle_group()->mids == std::vector<std::string>{"0", "1"});
}

TEST_CASE("sdp.jsep: Z answers a Firefox-shaped offer with session-level fingerprint and candidates") {
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kFirefoxHandwrittenDatachannelOffer));
    require_ok(z.n.set_local(SdpType::kAnswer, z.answer()));
    auto t = z.n.negotiated();
    REQUIRE(t);
    CHECK(t->remote_ice.ufrag == "e8a41b3c");
    CHECK(t->remote_fingerprints.size() == 1);
    CHECK(t->remote_max_message_size == 1073741823u);
    CHECK(t->remote_candidates.size() == 6);
    CHECK(t->remote_end_of_candidates);
    CHECK(t->dtls_role == DtlsRole::kClient);
}

TEST_CASE("sdp.jsep: the answer mirrors the offer's a=setup (RFC 8842)") {
    struct Case {
        const char* offer_setup;
        Setup answer_setup;
        DtlsRole role;
    };
    const Case cases[] = {
        {"a=setup:actpass", Setup::kActive, DtlsRole::kClient},
        {"a=setup:active", Setup::kPassive, DtlsRole::kServer},
        {"a=setup:passive", Setup::kActive, DtlsRole::kClient},
    };
    for (const auto& c : cases) {
        std::string setup = c.offer_setup;
        CAPTURE(setup);
        Peer z("Z");
        require_ok(z.n.set_remote(SdpType::kOffer,
                                  replace(std::string(corpus::kChromiumDatachannelOffer), "a=setup:actpass", setup)));
        std::string answer = z.answer();
        CHECK(SessionDescription::parse(answer).value().media[0].setup() == c.answer_setup);
        require_ok(z.n.set_local(SdpType::kAnswer, answer));
        CHECK(z.n.negotiated()->dtls_role == c.role);
    }
    // No a=setup in the offer means active (RFC 4145), so we answer passive.
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer,
                              replace(std::string(corpus::kChromiumDatachannelOffer), "a=setup:actpass\r\n", "")));
    CHECK(SessionDescription::parse(z.answer()).value().media[0].setup() == Setup::kPassive);
}

TEST_CASE("sdp.jsep: a legacy DTLS/SCTP + a=sctpmap offer is answered in the same form") {
    std::string offer = replace(std::string(corpus::kChromiumDatachannelOfferNoCandidates),
                                "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "m=application 9 DTLS/SCTP 5000");
    offer = replace(offer, "a=sctp-port:5000\r\na=max-message-size:262144\r\n",
                    "a=sctpmap:5000 webrtc-datachannel 1024\r\n");
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    auto answer = SessionDescription::parse(z.answer()).value();
    CHECK(answer.media[0].media_line_value() == "application 9 DTLS/SCTP 5000");
    CHECK(answer.media[0].sctpmap()->protocol == "webrtc-datachannel");
    require_ok(z.n.set_local(SdpType::kAnswer, answer.to_string()));
    auto t = z.n.negotiated();
    REQUIRE(t);
    CHECK(t->remote_sctp_port == 5000);
    CHECK(t->remote_max_message_size == 65536u);  // RFC 8841 default when absent
}

TEST_CASE("sdp.jsep: an audio+video offer without data channel: audio accepted, video rejected") {
    Peer z("Z");
    std::string offer = std::string(corpus::kChromiumAudioVideoOffer);
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    auto answer = SessionDescription::parse(z.answer()).value();
    REQUIRE(answer.media.size() == 2);
    CHECK(!answer.media[0].rejected());
    CHECK(answer.media[1].rejected());
    CHECK(answer.bundle_group()->mids == std::vector<std::string>{"0"});
    CHECK(answer.media[1].mid() == "1");
    require_ok(z.n.set_local(SdpType::kAnswer, answer.to_string()));
    auto t = z.n.negotiated();
    REQUIRE(t);
    CHECK(t->mid == "0");
    CHECK(!t->datachannel);
    // A candidate for the rejected video section is ignored, as the spec says for stopped transceivers.
    auto r =
        z.n.add_remote_candidate({"candidate:1 1 udp 100 192.0.2.1 5000 typ host", "1", std::nullopt, std::nullopt});
    REQUIRE(r.ok());
    CHECK(r->kind == RemoteCandidateOutcome::Kind::kIgnored);
    // Z's next offer keeps both sections (video rejected) and adds a data channel with a new mid.
    auto reoffer = SessionDescription::parse(z.offer()).value();
    REQUIRE(reoffer.media.size() == 3);
    CHECK(reoffer.media[1].rejected());
    CHECK(reoffer.media[2].is_datachannel());
    CHECK(reoffer.media[2].mid() == "2");
    CHECK(reoffer.bundle_group()->mids == std::vector<std::string>{"0", "2"});
}

TEST_CASE("sdp.jsep: two polyrtc peers negotiate, roles and credentials line up") {
    Peer a("A"), z("Z");
    negotiate(a, z);
    auto ta = a.n.negotiated();
    auto tz = z.n.negotiated();
    REQUIRE(ta);
    REQUIRE(tz);
    CHECK(ta->remote_ice == tz->local_ice);
    CHECK(tz->remote_ice == ta->local_ice);
    CHECK(ta->local_ice != tz->local_ice);
    CHECK(ta->dtls_role == DtlsRole::kServer);
    CHECK(tz->dtls_role == DtlsRole::kClient);
    CHECK(ta->ice_controlling);
    CHECK(!tz->ice_controlling);
    CHECK(ta->remote_fingerprints[0] == testing::fixed_fingerprint());
}

TEST_CASE("sdp.jsep: ICE restart: new credentials, version +1, same session id, the answerer restarts too") {
    Peer a("A"), z("Z");
    negotiate(a, z);
    auto before_a = a.n.negotiated().value();
    auto before_z = z.n.negotiated().value();
    auto first = SessionDescription::parse(a.n.current_local()->to_string()).value();

    // Without a restart, a re-offer is identical apart from nothing: same version.
    auto same = SessionDescription::parse(a.offer()).value();
    CHECK(same.origin.session_version == first.origin.session_version);
    CHECK(same.media[0].ice_ufrag() == first.media[0].ice_ufrag());

    auto offer_text = a.n.create_offer(a.rng, OfferOptions{true});
    REQUIRE(offer_text.ok());
    auto offer = SessionDescription::parse(*offer_text).value();
    CHECK(offer.origin.session_id == first.origin.session_id);
    CHECK(offer.origin.session_version == first.origin.session_version + 1);
    CHECK(offer.media[0].ice_ufrag() != first.media[0].ice_ufrag());
    CHECK(offer.media[0].ice_pwd() != first.media[0].ice_pwd());
    CHECK(offer.media[0].setup() == Setup::kActpass);

    require_ok(a.n.set_local(SdpType::kOffer, *offer_text));
    require_ok(z.n.set_remote(SdpType::kOffer, *offer_text));
    std::string answer = z.answer();
    auto answer_sd = SessionDescription::parse(answer).value();
    CHECK(answer_sd.media[0].ice_ufrag() != before_z.local_ice.ufrag);  // RFC 8839: answerer restarts too
    CHECK(answer_sd.media[0].setup() == Setup::kActive);                // keeps its DTLS role (client)
    CHECK(answer_sd.origin.session_version == 1);
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    require_ok(a.n.set_remote(SdpType::kAnswer, answer));
    auto after_a = a.n.negotiated().value();
    CHECK(after_a.local_ice != before_a.local_ice);
    CHECK(after_a.remote_ice != before_a.remote_ice);
    CHECK(after_a.remote_ice == z.n.negotiated()->local_ice);
    CHECK(after_a.dtls_role == before_a.dtls_role);
}

TEST_CASE("sdp.jsep: ICE roles stay through renegotiation and follow the offerer of an ICE restart") {
    Peer a("A"), z("Z");
    negotiate(a, z);
    CHECK(a.n.negotiated()->ice_controlling);
    // Z re-offers without restarting ICE: nobody's role changes (RFC 8445 section 6.1.1).
    negotiate(z, a);
    CHECK(a.n.negotiated()->ice_controlling);
    CHECK(!z.n.negotiated()->ice_controlling);
    // Z restarts ICE: as the offerer of the restart it becomes controlling.
    z.n.restart_ice();
    negotiate(z, a);
    CHECK(!a.n.negotiated()->ice_controlling);
    CHECK(z.n.negotiated()->ice_controlling);
}

TEST_CASE("sdp.jsep: a pranswer to an ICE-restart offer and the final answer carry the same new credentials") {
    Peer a("A"), z("Z");
    negotiate(a, z);
    auto old = z.n.local_ice();
    auto offer = a.n.create_offer(a.rng, OfferOptions{true}).value();
    require_ok(a.n.set_local(SdpType::kOffer, offer));
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    std::string pranswer = z.answer();
    require_ok(z.n.set_local(SdpType::kPranswer, pranswer));
    std::string answer = z.answer();
    auto p = SessionDescription::parse(pranswer).value();
    auto f = SessionDescription::parse(answer).value();
    CHECK(p.media[0].ice_ufrag() != old.ufrag);
    CHECK(f.media[0].ice_ufrag() == p.media[0].ice_ufrag());
    CHECK(f.media[0].ice_pwd() == p.media[0].ice_pwd());
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    CHECK(z.n.negotiated()->local_ice.ufrag == *p.media[0].ice_ufrag());
}

TEST_CASE("sdp.jsep: restart_ice() makes the next offer restart, Chromium's ICE-restart offer restarts Z") {
    Peer a("A"), z("Z");
    negotiate(a, z);
    auto old = a.n.local_ice();
    a.n.restart_ice();
    auto offer = SessionDescription::parse(a.offer()).value();
    CHECK(offer.media[0].ice_ufrag() != old.ufrag);

    // Chromium's captured pair: first offer, then the iceRestart offer of the same session.
    Peer y("Y");
    require_ok(y.n.set_remote(SdpType::kOffer, corpus::kChromiumDatachannelOffer));
    require_ok(y.n.set_local(SdpType::kAnswer, y.answer()));
    auto first_local = y.n.negotiated()->local_ice;
    require_ok(y.n.set_remote(SdpType::kOffer, corpus::kChromiumIceRestartOffer));
    require_ok(y.n.set_local(SdpType::kAnswer, y.answer()));
    auto t = y.n.negotiated().value();
    CHECK(t.remote_ice.ufrag == "AxFc");
    CHECK(t.local_ice != first_local);
    CHECK(y.n.current_local()->origin.session_version == 1);
}

TEST_CASE("sdp.jsep: signaling state transitions for offer, pranswer, answer and rollback") {
    SUBCASE("local offer, remote answer") {
        Peer a("A"), z("Z");
        std::string offer = a.offer();
        CHECK(a.n.signaling_state() == SignalingState::kStable);  // createOffer does not change state
        require_ok(a.n.set_local(SdpType::kOffer, offer));
        CHECK(a.n.signaling_state() == SignalingState::kHaveLocalOffer);
        CHECK(a.n.pending_local());
        CHECK(a.n.local_description() == &*a.n.pending_local());
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        require_ok(a.n.set_remote(SdpType::kAnswer, z.answer()));
        CHECK(a.n.signaling_state() == SignalingState::kStable);
    }
    SUBCASE("remote offer, local pranswer, local answer") {
        Peer a("A"), z("Z");
        std::string offer = a.offer();
        require_ok(a.n.set_local(SdpType::kOffer, offer));
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        std::string pranswer = z.answer();
        require_ok(z.n.set_local(SdpType::kPranswer, pranswer));
        CHECK(z.n.signaling_state() == SignalingState::kHaveLocalPranswer);
        CHECK(z.n.local_type() == SdpType::kPranswer);
        CHECK(z.n.negotiated());  // a pranswer already gives ICE/DTLS something to start with
        require_ok(a.n.set_remote(SdpType::kPranswer, pranswer));
        CHECK(a.n.signaling_state() == SignalingState::kHaveRemotePranswer);
        CHECK(a.n.remote_type() == SdpType::kPranswer);
        CHECK(a.n.negotiated()->dtls_role == DtlsRole::kServer);
        // Another pranswer, then the final answer.
        std::string answer = z.answer();
        CHECK(SessionDescription::parse(answer).value().media[0].ice_ufrag() ==
              SessionDescription::parse(pranswer).value().media[0].ice_ufrag());
        require_ok(z.n.set_local(SdpType::kAnswer, answer));
        CHECK(z.n.signaling_state() == SignalingState::kStable);
        CHECK(z.n.current_remote()->to_string() == offer);
        require_ok(a.n.set_remote(SdpType::kAnswer, answer));
        CHECK(a.n.signaling_state() == SignalingState::kStable);
        CHECK(!a.n.pending_remote());
    }
    SUBCASE("rollback of a local offer and of a remote offer") {
        Peer a("A"), z("Z");
        std::string offer = a.offer();
        require_ok(a.n.set_local(SdpType::kOffer, offer));
        require_ok(a.n.set_local(SdpType::kRollback, ""));
        CHECK(a.n.signaling_state() == SignalingState::kStable);
        CHECK(!a.n.local_description());
        // The rolled-back offer can still be applied (it is still the last created one).
        require_ok(a.n.set_local(SdpType::kOffer, offer));
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        require_ok(z.n.set_remote(SdpType::kRollback, "ignored, not parsed"));
        CHECK(z.n.signaling_state() == SignalingState::kStable);
        CHECK(!z.n.remote_description());
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        require_ok(z.n.set_local(SdpType::kRollback, ""));  // local rollback of a remote offer
        CHECK(z.n.signaling_state() == SignalingState::kStable);
    }
    SUBCASE("re-offer while have-local-offer replaces the pending offer") {
        Peer a("A");
        require_ok(a.n.set_local(SdpType::kOffer, a.offer()));
        std::string second = a.offer();
        require_ok(a.n.set_local(SdpType::kOffer, second));
        CHECK(a.n.signaling_state() == SignalingState::kHaveLocalOffer);
        CHECK(a.n.pending_local()->to_string() == second);
    }
    SUBCASE("implicit rollback: a remote offer in have-local-offer (glare, polite peer)") {
        Peer a("A"), z("Z");
        require_ok(a.n.set_local(SdpType::kOffer, a.offer()));
        std::string z_offer = z.offer();
        require_ok(a.n.set_remote(SdpType::kOffer, z_offer));
        CHECK(a.n.signaling_state() == SignalingState::kHaveRemoteOffer);
        CHECK(!a.n.pending_local());
        // A bad remote offer still leaves the local offer rolled back (WPT).
        Peer b("B");
        require_ok(b.n.set_local(SdpType::kOffer, b.offer()));
        CHECK(error_of(b.n.set_remote(SdpType::kOffer, "v=0\r\nbogus")) == JsepError::kOperationError);
        CHECK(b.n.signaling_state() == SignalingState::kStable);
        CHECK(!b.n.pending_local());
    }
    SUBCASE("implicit setLocalDescription creates an offer, then an answer") {
        Peer a("A"), z("Z");
        require_ok(a.n.set_local_implicit(a.rng));
        CHECK(a.n.signaling_state() == SignalingState::kHaveLocalOffer);
        require_ok(z.n.set_remote(SdpType::kOffer, a.n.pending_local()->to_string()));
        require_ok(z.n.set_local_implicit(z.rng));
        CHECK(z.n.signaling_state() == SignalingState::kStable);
        CHECK(z.n.local_type() == SdpType::kAnswer);
        require_ok(a.n.set_remote(SdpType::kAnswer, z.n.current_local()->to_string()));
        CHECK(a.n.negotiated());
    }
    SUBCASE("set_local with empty sdp uses the last created description") {
        Peer a("A");
        std::string offer = a.offer();
        require_ok(a.n.set_local(SdpType::kOffer, ""));
        CHECK(a.n.pending_local()->to_string() == offer);
    }
}

TEST_CASE("sdp.jsep: wrong-state and invalid calls fail with the spec's error name") {
    Peer a("A"), z("Z");
    std::string offer = a.offer();

    // Rollback only from have-local-offer / have-remote-offer.
    CHECK(error_of(a.n.set_local(SdpType::kRollback, "")) == JsepError::kInvalidStateError);
    CHECK(error_of(a.n.set_remote(SdpType::kRollback, "")) == JsepError::kInvalidStateError);
    // Answers without an offer.
    CHECK(error_of(a.n.set_remote(SdpType::kAnswer, offer)) == JsepError::kInvalidStateError);
    CHECK(error_of(a.n.set_remote(SdpType::kPranswer, offer)) == JsepError::kInvalidStateError);
    CHECK(a.n.create_answer(a.rng).error().name == JsepError::kInvalidStateError);
    // Local SDP must be the last created one, unmodified.
    CHECK(error_of(a.n.set_local(SdpType::kOffer, offer + "a=x\r\n")) == JsepError::kInvalidModificationError);
    CHECK(error_of(a.n.set_local(SdpType::kAnswer, offer)) == JsepError::kInvalidModificationError);
    CHECK(error_of(z.n.set_local(SdpType::kOffer, "")) == JsepError::kInvalidModificationError);  // none created
    // Remote sdp missing.
    CHECK(error_of(a.n.set_remote(SdpType::kOffer, "")) == JsepError::kTypeError);
    CHECK(a.n.signaling_state() == SignalingState::kStable);

    require_ok(a.n.set_local(SdpType::kOffer, offer));
    // have-local-offer: a local answer or a remote pranswer/answer with our own offer.
    CHECK(error_of(a.n.set_local(SdpType::kAnswer, "")) == JsepError::kInvalidModificationError);
    CHECK(a.n.create_answer(a.rng).error().name == JsepError::kInvalidStateError);

    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    std::string answer = z.answer();
    // Z in have-remote-offer: its own offer and remote answers are wrong here.
    std::string z_offer = z.offer();
    CHECK(error_of(z.n.set_local(SdpType::kOffer, z_offer)) == JsepError::kInvalidStateError);
    CHECK(error_of(z.n.set_remote(SdpType::kAnswer, answer)) == JsepError::kInvalidStateError);
    require_ok(z.n.set_local(SdpType::kPranswer, answer));
    // have-local-pranswer: no rollback, no remote offer.
    CHECK(error_of(z.n.set_local(SdpType::kRollback, "")) == JsepError::kInvalidStateError);
    CHECK(error_of(z.n.set_remote(SdpType::kOffer, offer)) == JsepError::kInvalidStateError);

    require_ok(a.n.set_remote(SdpType::kPranswer, answer));
    // have-remote-pranswer: no rollback, no local offer.
    CHECK(error_of(a.n.set_remote(SdpType::kRollback, "")) == JsepError::kInvalidStateError);
    CHECK(error_of(a.n.set_remote(SdpType::kOffer, z_offer)) == JsepError::kInvalidStateError);

    // Closed: everything is InvalidStateError and the state stays closed.
    a.n.close();
    CHECK(a.n.signaling_state() == SignalingState::kClosed);
    CHECK(error_of(a.n.set_remote(SdpType::kAnswer, answer)) == JsepError::kInvalidStateError);
    CHECK(error_of(a.n.set_local(SdpType::kRollback, "")) == JsepError::kInvalidStateError);
    CHECK(error_of(a.n.set_remote(SdpType::kOffer, "")) == JsepError::kInvalidStateError);  // before TypeError
    CHECK(a.n.create_offer(a.rng).error().name == JsepError::kInvalidStateError);
    CHECK(a.n.create_answer(a.rng).error().name == JsepError::kInvalidStateError);
    CHECK(a.n.add_remote_candidate({"", "0", std::nullopt, std::nullopt}).error().name ==
          JsepError::kInvalidStateError);
    CHECK(error_of(a.n.set_local_implicit(a.rng)) == JsepError::kInvalidStateError);
    CHECK(a.n.signaling_state() == SignalingState::kClosed);
}

TEST_CASE("sdp.jsep: remote SDP errors: syntax is an RTCError with the line, bad content is InvalidAccessError") {
    Peer z("Z");
    std::string good = std::string(corpus::kChromiumDatachannelOfferNoCandidates);

    auto syntax = z.n.set_remote(SdpType::kOffer, replace(good, "a=setup:actpass", "a=setup:sometimes"));
    REQUIRE(!syntax.ok());
    CHECK(syntax.error().name == JsepError::kOperationError);
    REQUIRE(syntax.error().syntax);
    CHECK(syntax.error().syntax->line_number == 14);
    CHECK(syntax.error().to_string().find("line 14: a=setup: ") != std::string::npos);
    CHECK(z.n.signaling_state() == SignalingState::kStable);  // nothing applied

    struct Case {
        const char* name;
        std::string sdp;
    };
    const Case cases[] = {
        {"no ufrag", replace(good, "a=ice-ufrag:+r77\r\n", "")},
        {"no pwd", replace(good, "a=ice-pwd:9PSENHsp9S4n4RgCnGTr/ST+\r\n", "")},
        {"no fingerprint",
         replace(good, good.substr(good.find("a=fingerprint:"), good.find("a=setup:") - good.find("a=fingerprint:")),
                 "")},
        {"no mid", replace(good, "a=mid:0\r\n", "")},
        {"BUNDLE names a missing mid", replace(good, "a=group:BUNDLE 0", "a=group:BUNDLE 0 7")},
    };
    for (const auto& c : cases) {
        std::string name = c.name;
        CAPTURE(name);
        CHECK(error_of(z.n.set_remote(SdpType::kOffer, c.sdp)) == JsepError::kInvalidAccessError);
        CHECK(z.n.signaling_state() == SignalingState::kStable);
    }
}

TEST_CASE("sdp.jsep: a remote answer must match our offer") {
    Peer a("A"), z("Z");
    std::string offer = a.offer();
    require_ok(a.n.set_local(SdpType::kOffer, offer));
    require_ok(z.n.set_remote(SdpType::kOffer, offer));
    std::string answer = z.answer();

    CHECK(error_of(a.n.set_remote(SdpType::kAnswer, replace(answer, "a=setup:active", "a=setup:actpass"))) ==
          JsepError::kInvalidAccessError);
    CHECK(error_of(a.n.set_remote(SdpType::kAnswer, replace(answer, "a=mid:0", "a=mid:9"))) ==
          JsepError::kInvalidAccessError);
    CHECK(error_of(a.n.set_remote(SdpType::kAnswer, replace(answer, "m=application", "m=audio"))) ==
          JsepError::kInvalidAccessError);
    // Two sections where we offered one.
    std::string extra = answer + "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\n";
    CHECK(error_of(a.n.set_remote(SdpType::kAnswer, extra)) == JsepError::kInvalidAccessError);
    // A rejected answer section is fine: the negotiation completes without a transport.
    CHECK(a.n.signaling_state() == SignalingState::kHaveLocalOffer);
    std::string rejected = replace(answer, "m=application 9 ", "m=application 0 ");
    require_ok(a.n.set_remote(SdpType::kAnswer, rejected));
    CHECK(a.n.signaling_state() == SignalingState::kStable);
    CHECK(!a.n.negotiated());
}

TEST_CASE("sdp.jsep: a subsequent remote offer must keep the current m= sections") {
    Peer a("A"), z("Z");
    negotiate(a, z);
    std::string reoffer = a.offer();
    CHECK(error_of(z.n.set_remote(SdpType::kOffer, replace(reoffer, "a=mid:0", "a=mid:x"))) ==
          JsepError::kInvalidAccessError);
    require_ok(z.n.set_remote(SdpType::kOffer, reoffer));
}

TEST_CASE("sdp.jsep: addIceCandidate rules, in the spec's order") {
    const std::string cand = "candidate:1 1 udp 2122194687 192.0.2.7 50000 typ host generation 0 ufrag +r77";
    Peer z("Z");
    // No mid and no index with a non-empty candidate: TypeError, even before the state check.
    CHECK(z.n.add_remote_candidate({cand, std::nullopt, std::nullopt, std::nullopt}).error().name ==
          JsepError::kTypeError);
    // No remote description.
    CHECK(z.n.add_remote_candidate({cand, "0", std::nullopt, std::nullopt}).error().name ==
          JsepError::kInvalidStateError);

    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kChromiumDatachannelOfferNoCandidates));
    CHECK(z.n.add_remote_candidate({cand, "7", std::nullopt, std::nullopt}).error().name == JsepError::kOperationError);
    CHECK(z.n.add_remote_candidate({cand, std::nullopt, 1u, std::nullopt}).error().name == JsepError::kOperationError);
    CHECK(z.n.add_remote_candidate({cand, "0", std::nullopt, std::string("nope")}).error().name ==
          JsepError::kOperationError);
    CHECK(z.n.add_remote_candidate({"candidate:garbage", "0", std::nullopt, std::nullopt}).error().name ==
          JsepError::kOperationError);

    auto added = z.n.add_remote_candidate({cand, "0", std::nullopt, std::string("+r77")});
    REQUIRE(added.ok());
    CHECK(added->kind == RemoteCandidateOutcome::Kind::kCandidate);
    CHECK(added->mid == "0");
    CHECK(added->candidate->address == "192.0.2.7");
    // By m-line index; a second distinct candidate; both now show in remoteDescription.
    auto by_index = z.n.add_remote_candidate(
        {"candidate:2 1 udp 2122194687 fd00::2 50001 typ host generation 0", std::nullopt, 0u, std::nullopt});
    REQUIRE(by_index.ok());
    CHECK(by_index->mid == "0");
    auto remote = z.n.remote_description();
    REQUIRE(remote);
    CHECK(remote->media[0].candidates().size() == 2);
    CHECK(remote->to_string().find("a=candidate:1 1 udp 2122194687 192.0.2.7 50000 typ host") != std::string::npos);
    // End of candidates (empty candidate) for all sections.
    auto end = z.n.add_remote_candidate({"", std::nullopt, std::nullopt, std::nullopt});
    REQUIRE(end.ok());
    CHECK(end->kind == RemoteCandidateOutcome::Kind::kEndOfCandidates);
    CHECK(z.n.remote_description()->media[0].end_of_candidates());

    // They reach the negotiated transport once the answer is applied.
    require_ok(z.n.set_local(SdpType::kAnswer, z.answer()));
    auto t = z.n.negotiated();
    REQUIRE(t);
    CHECK(t->remote_candidates.size() == 2);
    CHECK(t->remote_end_of_candidates);
    // After the negotiation the current remote description still takes candidates.
    auto later =
        z.n.add_remote_candidate({"candidate:3 1 udp 1677729535 203.0.113.9 61023 typ srflx raddr 0.0.0.0 rport 0", "0",
                                  std::nullopt, std::nullopt});
    REQUIRE(later.ok());
    CHECK(z.n.negotiated()->remote_candidates.size() == 3);
}

TEST_CASE("sdp.jsep: local candidates appear in localDescription where Chromium puts them") {
    Peer a("A");
    auto c = Candidate::parse("candidate:1 1 udp 2122194687 192.0.2.7 50000 typ host generation 0").value();
    CHECK(error_of(a.n.add_local_candidate("0", c)) == JsepError::kInvalidStateError);
    require_ok(a.n.set_local(SdpType::kOffer, a.offer()));
    CHECK(error_of(a.n.add_local_candidate("9", c)) == JsepError::kOperationError);
    require_ok(a.n.add_local_candidate("0", c));
    require_ok(a.n.add_local_candidate("0", c));  // duplicates are not repeated
    a.n.add_local_end_of_candidates();
    const auto& m = a.n.local_description()->media[0];
    REQUIRE(m.candidates().size() == 1);
    CHECK(m.attributes.front().name == "candidate");  // right after c=, as Chromium writes it
    CHECK(m.end_of_candidates());
    // Candidates alone do not bump the version of a re-offer.
    auto version = a.n.local_description()->origin.session_version;
    CHECK(SessionDescription::parse(a.offer()).value().origin.session_version == version);
}

TEST_CASE("sdp.jsep: names map to the W3C strings the JS layer uses") {
    CHECK(std::string(to_string(JsepError::kInvalidStateError)) == "InvalidStateError");
    CHECK(std::string(to_string(JsepError::kInvalidModificationError)) == "InvalidModificationError");
    CHECK(std::string(to_string(JsepError::kInvalidAccessError)) == "InvalidAccessError");
    CHECK(std::string(to_string(JsepError::kOperationError)) == "OperationError");
    CHECK(std::string(to_string(JsepError::kTypeError)) == "TypeError");
    CHECK(std::string(to_string(SignalingState::kHaveLocalPranswer)) == "have-local-pranswer");
    CHECK(std::string(to_string(SignalingState::kHaveRemoteOffer)) == "have-remote-offer");
    CHECK(std::string(to_string(SignalingState::kClosed)) == "closed");
    for (auto type : {SdpType::kOffer, SdpType::kPranswer, SdpType::kAnswer, SdpType::kRollback}) {
        CHECK(parse_sdp_type(to_string(type)) == type);
    }
    CHECK(!parse_sdp_type("Offer"));
}

TEST_CASE("sdp.jsep: Z answers aiortc 1.4's legacy DTLS/SCTP offer in the legacy form and takes its answer") {
    Peer z("Z");
    require_ok(z.n.set_remote(SdpType::kOffer, corpus::kAiortcInteropOffer));
    std::string answer = z.answer();
    auto sd = SessionDescription::parse(answer).value();
    CHECK(sd.media[0].protocol == "DTLS/SCTP");  // JSEP 5.3.1: answer in the offer's form
    CHECK(sd.media[0].sctpmap()->port == 5000);
    require_ok(z.n.set_local(SdpType::kAnswer, answer));
    auto t = z.n.negotiated().value();
    CHECK(t.dtls_role == DtlsRole::kClient);
    CHECK(t.remote_sctp_port == 5000);
    CHECK(t.remote_max_message_size == 65536u);
    CHECK(t.remote_candidates.size() == 1);
    CHECK(t.remote_end_of_candidates);

    // A offers (the golden offer) and takes aiortc's answer, which has the RFC 8841 form.
    auto rng = polyrtc::testing::seeded_rng(testing::kGoldenOfferSeed);
    SessionNegotiator a(fixed_config(), rng);
    require_ok(a.set_local(SdpType::kOffer, a.create_offer(rng).value()));
    require_ok(a.set_remote(SdpType::kAnswer, corpus::kAiortcInteropAnswer));
    auto at = a.negotiated().value();
    CHECK(at.dtls_role == DtlsRole::kServer);
    CHECK(at.remote_max_message_size == 65536u);
    CHECK(at.remote_candidates.size() == 1);
}

TEST_CASE("sdp.jsep: the descriptions of live Chromium and Firefox interop runs negotiate both ways") {
    for (auto [offer, answer_to_ours] : {std::pair{corpus::kChromiumInteropOffer, corpus::kChromiumInteropAnswer},
                                         std::pair{corpus::kFirefoxInteropOffer, corpus::kFirefoxInteropAnswer}}) {
        Peer z("Z");
        require_ok(z.n.set_remote(SdpType::kOffer, offer));
        require_ok(z.n.set_local(SdpType::kAnswer, z.answer()));
        CHECK(z.n.negotiated()->dtls_role == DtlsRole::kClient);
        CHECK(z.n.negotiated()->remote_candidates.empty());  // trickled

        auto rng = polyrtc::testing::seeded_rng(testing::kGoldenOfferSeed);
        SessionNegotiator a(fixed_config(), rng);
        require_ok(a.set_local(SdpType::kOffer, a.create_offer(rng).value()));
        require_ok(a.set_remote(SdpType::kAnswer, answer_to_ours));
        CHECK(a.negotiated()->dtls_role == DtlsRole::kServer);  // both answered a=setup:active
    }
}

}  // namespace polyrtc::sdp
