#include "core/dtmf/dtmf_sender.hpp"

#include <algorithm>

namespace polyrtc::dtmf {

Result<DtmfSender, DtmfError> DtmfSender::create(DtmfSenderConfig config) {
    if (config.clock_rate != 8000 && config.clock_rate != 48000) return unexpected(DtmfError::kBadClockRate);
    if (config.volume > 63) return unexpected(DtmfError::kBadVolume);
    int64_t us = config.ptime.as_micros();
    if (us < 10000 || us > 100000) return unexpected(DtmfError::kBadPtime);
    int64_t scaled = us * config.clock_rate;
    if (scaled % 1000000 != 0) return unexpected(DtmfError::kBadPtime);
    return DtmfSender(config, static_cast<uint32_t>(scaled / 1000000));
}

Status<DtmfError> DtmfSender::play(Timestamp now, char tone, Duration duration, uint32_t rtp_timestamp) {
    auto event = tone_to_event(tone);
    if (!event) return unexpected(DtmfError::kBadTone);
    uint64_t units = static_cast<uint64_t>(duration.as_micros()) * config_.clock_rate / 1000000;
    if (duration.as_micros() <= 0 || units == 0) return unexpected(DtmfError::kBadDuration);
    if (active_) cut(now);
    active_ = true;
    event_ = *event;
    start_ = now;
    total_units_ = units;
    segment_timestamp_ = rtp_timestamp;
    segment_start_units_ = 0;
    first_packet_ = true;
    tick_ = 1;
    end_sent_ = 0;
    return {};
}

std::optional<Timestamp> DtmfSender::poll_timeout() const {
    if (!flushed_.empty()) return start_;
    if (!active_) return std::nullopt;
    return start_ + config_.ptime * tick_;
}

void DtmfSender::cut(Timestamp now) {
    // The tone ends where it is: its final packet, with the duration reached so far (but not
    // less than what was already reported), goes out now with its two retransmissions.
    uint64_t reported = uint64_t{tick_ - 1} * ptime_units_;
    uint64_t elapsed = static_cast<uint64_t>((now - start_).as_micros()) * config_.clock_rate / 1000000;
    uint64_t end_units = end_sent_ > 0 ? total_units_ : std::min(total_units_, std::max(reported, elapsed));
    DtmfPacket p;
    p.event.event = event_;
    p.event.volume = config_.volume;
    p.event.end = true;
    p.rtp_timestamp = segment_timestamp_;
    p.marker = first_packet_;
    p.event.duration = static_cast<uint16_t>(std::min<uint64_t>(end_units - segment_start_units_, kMaxDuration));
    for (int i = end_sent_; i < 3; ++i) {
        flushed_.push_back(p);
        p.marker = false;
    }
    active_ = false;
}

std::optional<DtmfPacket> DtmfSender::poll_packet(Timestamp now) {
    if (!flushed_.empty()) {
        DtmfPacket p = flushed_.front();
        flushed_.pop_front();
        return p;
    }
    if (!active_ || now < start_ + config_.ptime * tick_) return std::nullopt;
    DtmfPacket p;
    p.event.event = event_;
    p.event.volume = config_.volume;
    p.rtp_timestamp = segment_timestamp_;
    p.marker = first_packet_;
    first_packet_ = false;
    ++tick_;

    if (end_sent_ > 0) {
        // Retransmissions of the final packet: same timestamp, same duration.
        p.event.end = true;
        p.event.duration = static_cast<uint16_t>(total_units_ - segment_start_units_);
        if (++end_sent_ == 3) active_ = false;
        return p;
    }
    uint64_t elapsed = uint64_t{tick_ - 1} * ptime_units_;
    uint64_t in_segment = elapsed - segment_start_units_;
    if (elapsed >= total_units_ && total_units_ - segment_start_units_ <= kMaxDuration) {
        p.event.end = true;
        p.event.duration = static_cast<uint16_t>(total_units_ - segment_start_units_);
        end_sent_ = 1;
        return p;
    }
    if (in_segment >= kMaxDuration) {
        // Close this segment at the maximum and continue in a new one (2.5.1.3).
        p.event.duration = kMaxDuration;
        segment_start_units_ += kMaxDuration;
        segment_timestamp_ += kMaxDuration;
        return p;
    }
    p.event.duration = static_cast<uint16_t>(in_segment);
    return p;
}

}  // namespace polyrtc::dtmf
