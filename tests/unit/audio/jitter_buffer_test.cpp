#include "core/audio/jitter_buffer.hpp"

#include <algorithm>
#include <set>

#include <doctest/doctest.h>

#include "tests/unit/audio/tone.hpp"

namespace polyrtc::audio {

using testing::goertzel_power;
using testing::rms;
using testing::sine_frame;
using testing::XorShift;
using testing::zero_crossings;

namespace {

std::vector<Bytes> encode_tone(size_t frames, double hz = 440, double amplitude = 8000) {
    auto enc = OpusFrameEncoder::create({}).value();
    std::vector<Bytes> out;
    for (size_t i = 0; i < frames; ++i) out.push_back(enc.encode(sine_frame(hz, amplitude, i)).value());
    return out;
}

struct Arrival {
    Timestamp at;
    uint16_t seq;
    size_t frame;
};

}  // namespace

TEST_CASE("audio.jitter_buffer: a 440 Hz tone through 10% seeded loss and reordering keeps its frequency and level") {
    // 3 s of tone, sent every 20 ms from seq 65500 (wrapping), arriving after 40..100 ms of
    // random delay, so neighbours swap; 10% of packets never arrive.
    const size_t kFrames = 150;
    auto packets = encode_tone(kFrames);
    XorShift rng{12345};
    std::vector<Arrival> arrivals;
    std::set<size_t> dropped;
    for (size_t i = 0; i < kFrames; ++i) {
        if (i > 0 && rng.below(10) == 0) {
            dropped.insert(i);
            continue;
        }
        Timestamp sent = Timestamp::from_millis(static_cast<int64_t>(20 * i));
        arrivals.push_back({sent + Duration::millis(40 + rng.below(61)), static_cast<uint16_t>(65500 + i), i});
    }
    std::stable_sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) { return a.at < b.at; });
    size_t swaps = 0;
    for (size_t i = 1; i < arrivals.size(); ++i) swaps += arrivals[i].frame < arrivals[i - 1].frame ? 1 : 0;
    CHECK(swaps > 10);  // the test does reorder
    CHECK(dropped.size() >= 10);

    JitterBufferConfig config;
    config.target_delay = Duration::millis(120);
    auto jb = JitterBuffer::create(config).value();
    Samples out;
    size_t next = 0;
    // The page's 20 ms playout clock, offset from the sender's by 5 ms.
    for (int64_t ms = 5; ms < 3400; ms += 20) {
        Timestamp now = Timestamp::from_millis(ms);
        while (next < arrivals.size() && arrivals[next].at <= now) {
            jb.insert(arrivals[next].at, arrivals[next].seq, packets[arrivals[next].frame]);
            ++next;
        }
        auto frame = jb.play_out(now);
        REQUIRE(frame.samples.size() == kFrameSamples);
        out.insert(out.end(), frame.samples.begin(), frame.samples.end());
    }
    const auto& s = jb.stats();
    CHECK(s.received == arrivals.size());
    CHECK(s.late == 0);
    CHECK(s.duplicates == 0);
    // The dropped packets, and the frames concealed after the stream's end until the buffer
    // gives up (max_concealed_run).
    CHECK(s.lost == dropped.size() + static_cast<size_t>(config.max_concealed_run));
    CHECK(s.concealed_frames + s.fec_frames == s.lost);
    CHECK(jb.buffered_packets() == 0);

    // Analyse the steady part: skip buffering and warm-up, stop before the end.
    Samples steady(out.begin() + 20 * kFrameSamples, out.begin() + 140 * kFrameSamples);
    double level = rms(steady);
    double input = 8000 / std::sqrt(2.0);
    MESSAGE("rms " << level << " of " << input << ", lost " << s.lost << " (fec " << s.fec_frames << ")");
    CHECK(level > input * 0.6);
    CHECK(level < input * 1.2);
    CHECK(goertzel_power(steady, 440) > 0.8 * level * level);
    CHECK(goertzel_power(steady, 880) < 0.05 * level * level);
    // 440 Hz crosses zero 880 times a second: 2.4 s of audio.
    double crossings_per_second = static_cast<double>(zero_crossings(steady)) / 2.4;
    CHECK(crossings_per_second > 860);
    CHECK(crossings_per_second < 900);
}

TEST_CASE("audio.jitter_buffer: buffers for the target delay, then plays in sequence order") {
    auto packets = encode_tone(4);
    auto jb = JitterBuffer::create({}).value();  // 60 ms target
    Timestamp t0 = Timestamp::from_millis(1000);
    CHECK(jb.play_out(t0).kind == FrameKind::kSilence);  // nothing yet
    jb.insert(t0, 11, packets[1]);
    jb.insert(t0, 10, packets[0]);
    CHECK(jb.play_out(t0 + Duration::millis(20)).kind == FrameKind::kSilence);
    CHECK(jb.play_out(t0 + Duration::millis(59)).kind == FrameKind::kSilence);
    CHECK(jb.play_out(t0 + Duration::millis(60)).kind == FrameKind::kDecoded);  // seq 10
    CHECK(jb.play_out(t0 + Duration::millis(80)).kind == FrameKind::kDecoded);  // seq 11
    // 12 is missing but 13 is here: recovered from 13's FEC data, then 13 itself.
    jb.insert(t0 + Duration::millis(90), 13, packets[3]);
    CHECK(jb.play_out(t0 + Duration::millis(100)).kind == FrameKind::kRecovered);
    CHECK(jb.play_out(t0 + Duration::millis(120)).kind == FrameKind::kDecoded);
    // 12 turns up now: late. 13 again: late too (already played).
    jb.insert(t0 + Duration::millis(130), 12, packets[2]);
    jb.insert(t0 + Duration::millis(130), 13, packets[3]);
    CHECK(jb.stats().late == 2);
    CHECK(jb.stats().lost == 1);
    CHECK(jb.stats().fec_frames == 1);
    CHECK(jb.stats().silence_frames == 3);
}

TEST_CASE("audio.jitter_buffer: conceals a few frames, then goes silent and rebuffers") {
    auto packets = encode_tone(30);
    JitterBufferConfig config;
    config.target_delay = Duration::millis(0);
    config.max_concealed_run = 3;
    auto jb = JitterBuffer::create(config).value();
    Timestamp t;
    jb.insert(t, 0, packets[0]);
    CHECK(jb.play_out(t).kind == FrameKind::kDecoded);
    for (int i = 1; i <= 3; ++i) CHECK(jb.play_out(t + Duration::millis(20 * i)).kind == FrameKind::kConcealed);
    CHECK(jb.play_out(t + Duration::millis(80)).kind == FrameKind::kSilence);
    CHECK(jb.play_out(t + Duration::millis(100)).kind == FrameKind::kSilence);
    CHECK(jb.stats().lost == 3);
    CHECK(jb.stats().concealed_frames == 3);
    // The sender resumes at seq 20 (it paused): playout restarts there, nothing is late.
    jb.insert(t + Duration::millis(400), 20, packets[20]);
    jb.insert(t + Duration::millis(400), 21, packets[21]);
    CHECK(jb.play_out(t + Duration::millis(400)).kind == FrameKind::kDecoded);
    CHECK(jb.play_out(t + Duration::millis(420)).kind == FrameKind::kDecoded);
    CHECK(jb.stats().late == 0);
    CHECK(jb.stats().lost == 3);
}

TEST_CASE("audio.jitter_buffer: telephone-event slots play silence and are not losses") {
    auto packets = encode_tone(4);
    JitterBufferConfig config;
    config.target_delay = Duration::millis(0);
    auto jb = JitterBuffer::create(config).value();
    Timestamp t;
    jb.insert(t, 100, packets[0]);
    jb.insert_placeholder(t, 101);
    jb.insert_placeholder(t, 102);
    jb.insert_placeholder(t, 102);  // the end packet's retransmission
    jb.insert(t, 103, packets[1]);
    CHECK(jb.play_out(t).kind == FrameKind::kDecoded);
    auto slot = jb.play_out(t);
    CHECK(slot.kind == FrameKind::kSilence);
    CHECK(std::all_of(slot.samples.begin(), slot.samples.end(), [](int16_t v) { return v == 0; }));
    CHECK(jb.play_out(t).kind == FrameKind::kSilence);
    CHECK(jb.play_out(t).kind == FrameKind::kDecoded);
    CHECK(jb.stats().placeholder_frames == 2);
    CHECK(jb.stats().duplicates == 1);
    CHECK(jb.stats().lost == 0);
}

TEST_CASE("audio.jitter_buffer: duplicates are dropped, the buffer is bounded, corrupt packets concealed") {
    auto packets = encode_tone(8);
    JitterBufferConfig config;
    config.max_packets = 4;
    config.target_delay = Duration::millis(0);
    auto jb = JitterBuffer::create(config).value();
    Timestamp t;
    for (uint16_t seq = 0; seq < 8; ++seq) jb.insert(t, seq, packets[seq]);
    jb.insert(t, 7, packets[7]);
    CHECK(jb.stats().duplicates == 1);
    CHECK(jb.stats().overflow_dropped == 4);
    CHECK(jb.buffered_packets() == 4);
    // Playout starts at the oldest kept packet (seq 4): no loss counted for 0..3.
    for (int i = 0; i < 4; ++i) CHECK(jb.play_out(t).kind == FrameKind::kDecoded);
    CHECK(jb.stats().lost == 0);
    jb.insert(t, 8, Bytes{0x03, 0x00});  // invalid Opus
    CHECK(jb.play_out(t).kind == FrameKind::kConcealed);
    CHECK(jb.stats().decode_errors == 1);

    JitterBufferConfig bad;
    bad.max_packets = 1;
    CHECK(JitterBuffer::create(bad).error() == AudioError::kBadConfig);
}

}  // namespace polyrtc::audio

namespace polyrtc::audio {

TEST_CASE("audio.jitter_buffer: a backlog left by a stall is discarded within a second or two") {
    // 0.8 s of packets arrive while nobody plays out (a stalled page), then packets and
    // play-outs go on at 50 per second: the waiting packets come back down to the target.
    auto packets = encode_tone(400);
    auto jb = JitterBuffer::create({}).value();  // 60 ms target: 3 frames, plus one kept
    Timestamp t = Timestamp::from_millis(1000);
    size_t next = 0;
    for (; next < 40; ++next) jb.insert(t, static_cast<uint16_t>(next), packets[next]);
    t = t + Duration::millis(800);
    std::vector<int16_t> late_audio;
    for (int k = 0; k < 150; ++k, t = t + Duration::millis(20)) {
        jb.insert(t, static_cast<uint16_t>(next), packets[next]);
        ++next;
        auto frame = jb.play_out(t);
        if (k >= 100) late_audio.insert(late_audio.end(), frame.samples.begin(), frame.samples.end());
    }
    CHECK(jb.buffered_packets() <= 5);
    CHECK(jb.stats().discarded_frames >= 35);
    CHECK(jb.stats().lost == 0);
    // Still the tone after the skip.
    CHECK(testing::goertzel_power(late_audio, 440) > 0.5 * 8000.0 * 8000.0 / 2);
}

TEST_CASE("audio.jitter_buffer: steady or bursty arrivals at the target are never discarded") {
    // Packets arrive two or three at a time (a page pulling 2048-sample blocks sends and
    // receives in bursts), play-outs are steady: the buffer dips to the target, no skip.
    auto packets = encode_tone(500);
    auto jb = JitterBuffer::create({}).value();
    Timestamp t0 = Timestamp::from_millis(1000);
    size_t next = 0;
    for (int k = 0; k < 450; ++k) {
        Timestamp t = t0 + Duration::millis(20) * k;
        if (k % 3 == 0) {
            for (int i = 0; i < 3; ++i, ++next) jb.insert(t, static_cast<uint16_t>(next), packets[next]);
        }
        (void)jb.play_out(t);
    }
    CHECK(jb.stats().discarded_frames == 0);
    CHECK(jb.stats().lost == 0);
}

}  // namespace polyrtc::audio
