#include "core/audio/opus_codec.hpp"

#include <doctest/doctest.h>

#include "tests/unit/audio/tone.hpp"

namespace polyrtc::audio {

using testing::goertzel_power;
using testing::rms;
using testing::sine_frame;

TEST_CASE("audio.opus: a 440 Hz tone survives encode and decode at its frequency and level") {
    auto enc = OpusFrameEncoder::create({});
    auto dec = OpusFrameDecoder::create();
    REQUIRE(enc.ok());
    REQUIRE(dec.ok());
    Samples out;
    for (size_t i = 0; i < 50; ++i) {
        auto packet = enc->encode(sine_frame(440, 8000, i));
        REQUIRE(packet.ok());
        CHECK(packet->size() > 0);
        CHECK(packet->size() < 400);
        auto pcm = dec->decode(*packet);
        REQUIRE(pcm.ok());
        REQUIRE(pcm->size() == kFrameSamples);
        if (i >= 10) out.insert(out.end(), pcm->begin(), pcm->end());  // past the codec's warm-up
    }
    double level = rms(out);
    double input = 8000 / std::sqrt(2.0);
    CHECK(level > input * 0.8);
    CHECK(level < input * 1.2);
    // Nearly all the power is at 440 Hz, none at 1 kHz.
    CHECK(goertzel_power(out, 440) > 0.9 * level * level);
    CHECK(goertzel_power(out, 1000) < 0.01 * level * level);
}

TEST_CASE("audio.opus: concealment and FEC recovery give a frame of audio, errors are values") {
    auto enc = OpusFrameEncoder::create({});
    auto dec = OpusFrameDecoder::create();
    REQUIRE(enc.ok());
    REQUIRE(dec.ok());
    Bytes p0 = enc->encode(sine_frame(440, 8000, 0)).value();
    Bytes p1 = enc->encode(sine_frame(440, 8000, 1)).value();
    REQUIRE(dec->decode(p0).ok());
    CHECK(dec->conceal().size() == kFrameSamples);
    auto rec = dec->recover(p1);
    REQUIRE(rec.ok());
    CHECK(rec->size() == kFrameSamples);
    CHECK(dec->decode(p1).ok());

    CHECK(enc->encode(Samples(100)).error() == AudioError::kBadFrameSize);
    CHECK(dec->decode(Bytes{}).error() == AudioError::kDecodeFailed);
    // TOC byte for code 3 (arbitrary frame count) with a frame count of 0: invalid.
    CHECK(dec->decode(Bytes{0x03, 0x00}).error() == AudioError::kDecodeFailed);
    OpusEncoderConfig bad;
    bad.bitrate = 100;
    CHECK(OpusFrameEncoder::create(bad).error() == AudioError::kBadConfig);
    bad.bitrate = 32000;
    bad.expected_loss_percent = 101;
    CHECK(OpusFrameEncoder::create(bad).error() == AudioError::kBadConfig);
}

}  // namespace polyrtc::audio
