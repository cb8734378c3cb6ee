// Receive-side audio jitter buffer with packet-loss concealment, sans-IO.
//
// Packets go in as they arrive (any order, duplicates, losses); the page asks for one
// 20 ms frame every 20 ms (`play_out(now)`, media-contract.md's receiveAudio). Playout
// starts `target_delay` after the first packet arrives, then walks the sequence numbers:
//   - the next packet is there: decode it;
//   - it is missing: recover it from the following packet's in-band FEC if that one is
//     already here, else Opus packet-loss concealment;
//   - nothing has arrived for `max_concealed_run` frames: silence, and buffering starts
//     again with the next packet (the sender paused, or the path broke).
// A packet arriving after its turn is late and dropped; the buffer holds at most
// `max_packets` and drops the oldest beyond that. Everything is counted for getStats().
//
// Delay control: packets that have waited through a whole second of play-outs without the
// buffer ever running down to the target are delay the path does not need (a stall of the
// page that pulls, a burst after a pause). Once a second, if the fewest packets waiting at
// any play-out exceeded the target's frames plus one, that excess is discarded: decoded (the
// decoder's state stays continuous) and not played, one short skip instead of a call that
// stays late for good.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "core/audio/opus_codec.hpp"
#include "core/common/time.hpp"

namespace polyrtc::audio {

struct JitterBufferConfig {
    Duration target_delay = Duration::millis(60);
    size_t max_packets = 50;  // one second of 20 ms packets
    int max_concealed_run = 5;
};

struct JitterBufferStats {
    uint64_t received = 0;  // packets accepted into the buffer
    uint64_t duplicates = 0;
    uint64_t late = 0;                // arrived after their turn
    uint64_t overflow_dropped = 0;    // pushed out by a full buffer
    uint64_t lost = 0;                // missing at their turn
    uint64_t concealed_frames = 0;    // of the lost: synthesized by PLC
    uint64_t fec_frames = 0;          // of the lost: decoded from the next packet's FEC
    uint64_t decode_errors = 0;       // corrupt packets (concealed)
    uint64_t played_frames = 0;       // 20 ms frames handed out, silence included
    uint64_t silence_frames = 0;      // before playout started or after an underrun
    uint64_t placeholder_frames = 0;  // slots of non-audio packets (telephone-event)
    uint64_t discarded_frames = 0;    // skipped by delay control
};

enum class FrameKind { kDecoded, kRecovered, kConcealed, kSilence };
const char* to_string(FrameKind kind);

struct PlayoutFrame {
    Samples samples;  // always kFrameSamples
    FrameKind kind = FrameKind::kSilence;
};

class JitterBuffer {
public:
    static Result<JitterBuffer, AudioError> create(JitterBufferConfig config = {});

    // One received Opus packet (the RTP payload) with its header's sequence number.
    void insert(Timestamp now, uint16_t sequence_number, ByteView payload);
    // A sequence number of this stream that carried something other than audio (an RFC 4733
    // telephone-event packet, sent in place of an audio frame): its slot plays 20 ms of
    // silence and is not a loss.
    void insert_placeholder(Timestamp now, uint16_t sequence_number);
    // The next 20 ms of audio.
    PlayoutFrame play_out(Timestamp now);

    const JitterBufferStats& stats() const { return stats_; }
    size_t buffered_packets() const { return packets_.size(); }

private:
    JitterBuffer(JitterBufferConfig config, OpusFrameDecoder decoder) : config_(config), decoder_(std::move(decoder)) {}
    int64_t unwrap(uint16_t seq);
    void store(Timestamp now, uint16_t seq, std::optional<Bytes> payload);
    // Appends the audio of the next sequence number to fifo_; false on underrun.
    bool pull_one(FrameKind& kind);
    void control_delay();

    JitterBufferConfig config_;
    OpusFrameDecoder decoder_;
    // By extended sequence number; nullopt marks a placeholder (a non-audio packet's slot).
    std::map<int64_t, std::optional<Bytes>> packets_;
    std::optional<int64_t> highest_;
    bool playing_ = false;
    std::optional<Timestamp> buffering_since_;
    int64_t next_ = 0;  // extended sequence number to play next
    std::optional<int64_t> last_played_;
    int concealed_run_ = 0;
    Samples fifo_;                          // decoded samples not yet handed out (packets longer than 20 ms)
    size_t window_min_waiting_ = SIZE_MAX;  // fewest packets waiting at a play-out this window
    int window_play_outs_ = 0;
    JitterBufferStats stats_;
};

}  // namespace polyrtc::audio
