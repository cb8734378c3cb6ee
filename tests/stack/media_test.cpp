// Whole-stack audio: two PeerConnections negotiate audio transceivers, connect through the
// relay's real TURN logic, and exchange Opus over SRTP (keys from their DTLS handshake) and
// RFC 4733 tones, in simulated time.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stack/stack_test_support.hpp"
#include "tests/unit/audio/tone.hpp"

namespace polyrtc::testing {

namespace {

constexpr double kToneA = 440;  // what A sends
constexpr double kToneZ = 660;  // what Z sends

peer::TransceiverRequest audio_request(const std::string& track) {
    peer::TransceiverRequest r;
    r.kind = "audio";
    r.direction = sdp::Direction::kSendrecv;
    r.stream_ids = {"stream-" + track};
    r.track_id = track;
    return r;
}

// The transceiver of `side` whose mid is `mid`.
sdp::TransceiverId by_mid(const RelayPair::Side& side, const std::string& mid) {
    for (const auto& t : side.pc->transceivers()) {
        if (t.mid == mid) return t.id;
    }
    return 0;
}

struct Call {
    sdp::TransceiverId a = 0;
    sdp::TransceiverId z = 0;
};

// A and Z each add a sendrecv audio transceiver (Z's is associated with A's offer, as
// addTrack before setRemoteDescription does), negotiate and connect.
Call connect_call(RelayPair& pair) {
    Call call;
    auto a = pair.a().pc->add_transceiver(pair.now(), audio_request("track-a"));
    REQUIRE(a.ok());
    call.a = *a;
    CHECK(pair.a().pc->negotiation_needed());
    auto z = pair.z().pc->add_transceiver(pair.now(), audio_request("track-z"));
    REQUIRE(z.ok());
    negotiate(pair);
    REQUIRE(pair.signaling_errors().empty());
    REQUIRE(pair.drive_until([&] { return connected(pair.a()) && connected(pair.z()); }));
    const auto& ta = pair.a().pc->transceivers();
    REQUIRE(ta.size() == 1);
    REQUIRE(ta[0].mid.has_value());
    call.z = by_mid(pair.z(), *ta[0].mid);
    CHECK(call.z == *z);  // Z's addTrack transceiver took the offered section
    return call;
}

// Runs `frames` 20 ms ticks: each side captures one frame and plays one; returns what each
// side played.
struct Played {
    std::vector<int16_t> at_a, at_z;
};
Played run_call(RelayPair& pair, const Call& call, size_t frames, size_t first_index = 0) {
    Played out;
    for (size_t i = first_index; i < first_index + frames; ++i) {
        (void)pair.a().pc->send_audio(pair.now(), call.a, sine_frame(kToneA, 8000, i));
        (void)pair.z().pc->send_audio(pair.now(), call.z, sine_frame(kToneZ, 8000, i));
        auto fa = pair.a().pc->receive_audio(pair.now(), call.a);
        auto fz = pair.z().pc->receive_audio(pair.now(), call.z);
        out.at_a.insert(out.at_a.end(), fa.begin(), fa.end());
        out.at_z.insert(out.at_z.end(), fz.begin(), fz.end());
        pair.drive_until([] { return false; }, Duration::millis(20));
    }
    return out;
}

// The last `seconds` of what was played.
std::vector<int16_t> tail(const std::vector<int16_t>& x, double seconds) {
    size_t n = static_cast<size_t>(seconds * audio::kSampleRate);
    return std::vector<int16_t>(x.end() - static_cast<std::ptrdiff_t>(std::min(n, x.size())), x.end());
}

}  // namespace

TEST_CASE("stack.media: an audio call, each side hears the other's tone") {
    RelayPair pair;
    Call call = connect_call(pair);

    // The SDP both sides agreed on: one BUNDLEd audio section, no data section (no channel).
    auto local = pair.a().pc->local_description();
    REQUIRE(local);
    CHECK(local->sdp.find("m=audio") != std::string::npos);
    CHECK(local->sdp.find("m=application") == std::string::npos);
    CHECK(local->sdp.find("a=rtpmap:111 opus/48000/2") != std::string::npos);
    CHECK(local->sdp.find("telephone-event/48000") != std::string::npos);

    Played played = run_call(pair, call, 100);  // 2 s
    auto heard_z = tail(played.at_z, 1.0);
    auto heard_a = tail(played.at_a, 1.0);
    // Z hears A's 440 Hz, A hears Z's 660 Hz: the tone dominates, at about the sent level
    // (peak 8000 -> power 3.2e7; Opus at 32 kbit/s keeps it within a few dB).
    CHECK(goertzel_power(heard_z, kToneA) > 0.5 * 8000.0 * 8000.0 / 2);
    CHECK(goertzel_power(heard_z, kToneA) > 20 * goertzel_power(heard_z, kToneZ));
    CHECK(goertzel_power(heard_a, kToneZ) > 0.5 * 8000.0 * 8000.0 / 2);
    CHECK(goertzel_power(heard_a, kToneZ) > 20 * goertzel_power(heard_a, kToneA));

    auto out_a = pair.a().pc->media().outbound_stats(call.a);
    auto in_z = pair.z().pc->media().inbound_stats(call.z);
    REQUIRE(out_a);
    REQUIRE(in_z);
    CHECK(out_a->packets_sent >= 90);
    CHECK(in_z->packets_received + 2 >= out_a->packets_sent);
    CHECK(in_z->packets_lost == 0);
    CHECK(in_z->ssrc == out_a->ssrc);
}

TEST_CASE("stack.media: DTMF from A arrives at Z as tones with their durations") {
    RelayPair pair;
    Call call = connect_call(pair);
    (void)run_call(pair, call, 10);
    REQUIRE(pair.a().pc->can_insert_dtmf(call.a));

    REQUIRE(pair.a().pc->play_dtmf_tone(pair.now(), call.a, '1', Duration::millis(100)).ok());
    (void)run_call(pair, call, 10, 10);
    REQUIRE(pair.a().pc->play_dtmf_tone(pair.now(), call.a, '#', Duration::millis(500)).ok());
    (void)run_call(pair, call, 40, 20);

    auto tones = pair.events_of<peer::DtmfReceivedEvent>(pair.z());
    REQUIRE(tones.size() == 2);
    CHECK(tones[0].tone == '1');
    CHECK(tones[0].transceiver == call.z);
    CHECK(tones[0].duration.as_millis() >= 80);
    CHECK(tones[0].duration.as_millis() <= 120);
    CHECK(tones[1].tone == '#');
    CHECK(tones[1].duration.as_millis() >= 480);
    CHECK(tones[1].duration.as_millis() <= 520);
    CHECK(pair.events_of<peer::DtmfReceivedEvent>(pair.a()).empty());
}

TEST_CASE("stack.media: an audio call under 10% loss keeps playing the tone") {
    RelayPair::Options options;
    options.peer_link.loss = 0.10;
    RelayPair pair(options);
    Call call = connect_call(pair);
    Played played = run_call(pair, call, 150);
    auto heard_z = tail(played.at_z, 2.0);
    CHECK(goertzel_power(heard_z, kToneA) > 0.3 * 8000.0 * 8000.0 / 2);
    auto in_z = pair.z().pc->media().inbound_stats(call.z);
    REQUIRE(in_z);
    CHECK(in_z->packets_lost > 0);
}

TEST_CASE("stack.media: an offer with audio and a data channel BUNDLEs both and both work") {
    RelayPair pair;
    auto chat = pair.a().pc->create_data_channel(pair.now(), channel_init("chat"));
    REQUIRE(chat.ok());
    Call call = connect_call(pair);
    auto local = pair.a().pc->local_description();
    REQUIRE(local);
    CHECK(local->sdp.find("m=application") != std::string::npos);
    CHECK(local->sdp.find("a=group:BUNDLE 0 1") != std::string::npos);
    REQUIRE(pair.drive_until([&] { return !pair.events_of<peer::ChannelOpenEvent>(pair.a()).empty(); }));
    Played played = run_call(pair, call, 60);
    CHECK(goertzel_power(tail(played.at_z, 0.6), kToneA) > 0.5 * 8000.0 * 8000.0 / 2);
    REQUIRE(pair.a().pc->send(pair.now(), chat->handle, false, bytes_of("hi")).ok());
    REQUIRE(pair.drive_until([&] { return !pair.events_of<peer::ChannelMessageEvent>(pair.z()).empty(); }));
}

TEST_CASE("stack.media: a transceiver added after the call renegotiates and stop rejects it") {
    RelayPair pair;
    Call call = connect_call(pair);
    pair.a().events.clear();
    auto second = pair.a().pc->add_transceiver(pair.now(), audio_request("track-a2"));
    REQUIRE(second.ok());
    CHECK(pair.a().pc->negotiation_needed());
    pair.drive_until([] { return true; });  // polls the events the command queued
    CHECK_FALSE(pair.events_of<peer::NegotiationNeededEvent>(pair.a()).empty());
    negotiate(pair);
    REQUIRE(pair.signaling_errors().empty());
    CHECK_FALSE(pair.a().pc->negotiation_needed());
    // Z got a recvonly transceiver for the new section; the first call still plays.
    CHECK(pair.z().pc->transceivers().size() == 2);
    Played played = run_call(pair, call, 50);
    CHECK(goertzel_power(tail(played.at_z, 0.5), kToneA) > 0.5 * 8000.0 * 8000.0 / 2);

    REQUIRE(pair.a().pc->stop_transceiver(pair.now(), *second).ok());
    CHECK(pair.a().pc->negotiation_needed());
    negotiate(pair);
    auto local = pair.a().pc->local_description();
    REQUIRE(local);
    CHECK(local->sdp.find("m=audio 0 ") != std::string::npos);
}

TEST_CASE("stack.media: video transceivers are refused and commands after close are InvalidStateError") {
    RelayPair pair;
    peer::TransceiverRequest video;
    video.kind = "video";
    auto refused = pair.a().pc->add_transceiver(pair.now(), video);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().name == peer::ErrorName::kNotSupportedError);
    Call call = connect_call(pair);
    pair.a().pc->close(pair.now());
    auto after = pair.a().pc->play_dtmf_tone(pair.now(), call.a, '1', Duration::millis(100));
    REQUIRE_FALSE(after.ok());
    CHECK(after.error().name == peer::ErrorName::kInvalidStateError);
    CHECK_FALSE(pair.a().pc->can_insert_dtmf(call.a));
    CHECK(pair.a().pc->receive_audio(pair.now(), call.a).size() == audio::kFrameSamples);
}

}  // namespace polyrtc::testing
