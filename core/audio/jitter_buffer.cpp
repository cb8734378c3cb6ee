#include "core/audio/jitter_buffer.hpp"

#include <algorithm>

namespace polyrtc::audio {

const char* to_string(FrameKind kind) {
    switch (kind) {
        case FrameKind::kDecoded: return "decoded";
        case FrameKind::kRecovered: return "recovered";
        case FrameKind::kConcealed: return "concealed";
        case FrameKind::kSilence: return "silence";
    }
    return "unknown";
}

Result<JitterBuffer, AudioError> JitterBuffer::create(JitterBufferConfig config) {
    if (config.max_packets < 2 || config.max_concealed_run < 1 || config.target_delay < Duration()) {
        return unexpected(AudioError::kBadConfig);
    }
    auto decoder = OpusFrameDecoder::create();
    if (!decoder) return unexpected(decoder.error());
    return JitterBuffer(config, std::move(*decoder));
}

// Sequence numbers wrap at 2^16; extended numbers are the closest to the highest seen
// (RFC 3550 appendix A.1's idea, without the probation).
int64_t JitterBuffer::unwrap(uint16_t seq) {
    if (!highest_) {
        highest_ = int64_t{seq};
        return *highest_;
    }
    int16_t delta = static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(*highest_)));
    int64_t ext = *highest_ + delta;
    if (ext > *highest_) highest_ = ext;
    return ext;
}

void JitterBuffer::insert(Timestamp now, uint16_t sequence_number, ByteView payload) {
    store(now, sequence_number, payload.to_bytes());
}

void JitterBuffer::insert_placeholder(Timestamp now, uint16_t sequence_number) {
    store(now, sequence_number, std::nullopt);
}

void JitterBuffer::store(Timestamp now, uint16_t sequence_number, std::optional<Bytes> payload) {
    int64_t ext = unwrap(sequence_number);
    if ((last_played_ && ext <= *last_played_) || (playing_ && ext < next_)) {
        ++stats_.late;
        return;
    }
    if (packets_.count(ext)) {
        ++stats_.duplicates;
        return;
    }
    packets_.emplace(ext, std::move(payload));
    ++stats_.received;
    if (!playing_ && !buffering_since_) buffering_since_ = now;
    bool overflowed = false;
    while (packets_.size() > config_.max_packets) {
        packets_.erase(packets_.begin());
        ++stats_.overflow_dropped;
        overflowed = true;
    }
    // The oldest were pushed out: play on from what is left instead of "losing" them again.
    if (overflowed && playing_ && next_ < packets_.begin()->first) next_ = packets_.begin()->first;
}

bool JitterBuffer::pull_one(FrameKind& kind) {
    auto it = packets_.find(next_);
    if (it != packets_.end() && !it->second) {
        packets_.erase(it);
        last_played_ = next_++;
        concealed_run_ = 0;
        ++stats_.placeholder_frames;
        fifo_.insert(fifo_.end(), kFrameSamples, 0);
        if (kind == FrameKind::kDecoded) kind = FrameKind::kSilence;
        return true;
    }
    if (it != packets_.end()) {
        auto pcm = decoder_.decode(*it->second);
        packets_.erase(it);
        last_played_ = next_++;
        if (pcm) {
            concealed_run_ = 0;
            fifo_.insert(fifo_.end(), pcm->begin(), pcm->end());
            return true;
        }
        ++stats_.decode_errors;
        Samples pcm_lost = decoder_.conceal(kFrameSamples);
        fifo_.insert(fifo_.end(), pcm_lost.begin(), pcm_lost.end());
        kind = kind == FrameKind::kDecoded ? FrameKind::kConcealed : kind;
        return true;
    }
    if (packets_.empty() && concealed_run_ >= config_.max_concealed_run) {
        // Underrun: stop concealing, rebuffer from the next packet that arrives.
        playing_ = false;
        buffering_since_.reset();
        concealed_run_ = 0;
        return false;
    }
    ++stats_.lost;
    ++concealed_run_;
    auto following = packets_.find(next_ + 1);
    Samples pcm;
    if (following != packets_.end() && following->second) {
        auto recovered = decoder_.recover(*following->second, kFrameSamples);
        if (recovered) {
            ++stats_.fec_frames;
            pcm = std::move(*recovered);
            if (kind == FrameKind::kDecoded) kind = FrameKind::kRecovered;
        }
    }
    if (pcm.empty()) {
        ++stats_.concealed_frames;
        pcm = decoder_.conceal(kFrameSamples);
        kind = FrameKind::kConcealed;
    }
    last_played_ = next_++;
    fifo_.insert(fifo_.end(), pcm.begin(), pcm.end());
    return true;
}

void JitterBuffer::control_delay() {
    static constexpr int kWindow = 50;  // play-outs: one second
    static constexpr size_t kMaxDiscard = 25;
    window_min_waiting_ = std::min(window_min_waiting_, packets_.size());
    if (++window_play_outs_ < kWindow) return;
    size_t keep = static_cast<size_t>(config_.target_delay.as_micros() / 20000) + 1;
    size_t excess = window_min_waiting_ > keep ? std::min(window_min_waiting_ - keep, kMaxDiscard) : 0;
    for (size_t i = 0; i < excess; ++i) {
        size_t before = fifo_.size();
        FrameKind kind = FrameKind::kDecoded;
        if (!pull_one(kind)) break;
        fifo_.resize(before);
        ++stats_.discarded_frames;
    }
    window_min_waiting_ = SIZE_MAX;
    window_play_outs_ = 0;
}

PlayoutFrame JitterBuffer::play_out(Timestamp now) {
    PlayoutFrame frame;
    ++stats_.played_frames;
    if (!playing_) {
        if (packets_.empty() || !buffering_since_ || now < *buffering_since_ + config_.target_delay) {
            ++stats_.silence_frames;
            frame.samples.assign(kFrameSamples, 0);
            return frame;
        }
        playing_ = true;
        next_ = packets_.begin()->first;
        window_min_waiting_ = SIZE_MAX;
        window_play_outs_ = 0;
    }
    control_delay();
    frame.kind = FrameKind::kDecoded;
    while (fifo_.size() < kFrameSamples) {
        if (!pull_one(frame.kind)) break;
    }
    if (fifo_.size() < kFrameSamples) {
        // Underrun: hand out what is left, padded with silence.
        ++stats_.silence_frames;
        fifo_.resize(kFrameSamples, 0);
        frame.kind = FrameKind::kSilence;
    }
    frame.samples.assign(fifo_.begin(), fifo_.begin() + kFrameSamples);
    fifo_.erase(fifo_.begin(), fifo_.begin() + kFrameSamples);
    return frame;
}

}  // namespace polyrtc::audio
