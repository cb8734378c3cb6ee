#include "core/dtmf/dtmf_receiver.hpp"

namespace polyrtc::dtmf {

namespace {
// RTP timestamps compare modulo 2^32 (RFC 3550 5.1: they wrap).
bool ts_newer(uint32_t a, uint32_t b) {
    return a != b && static_cast<uint32_t>(a - b) < 0x80000000u;
}
}  // namespace

Result<DtmfReceiver, DtmfError> DtmfReceiver::create(DtmfReceiverConfig config) {
    if (config.clock_rate != 8000 && config.clock_rate != 48000) return unexpected(DtmfError::kBadClockRate);
    return DtmfReceiver(config);
}

void DtmfReceiver::finish(bool end_seen) {
    const Active& a = *active_;
    uint64_t units = a.previous_segments + a.duration;
    ReceivedTone t;
    t.tone = *event_to_tone(a.event);
    t.duration = Duration::micros(static_cast<int64_t>(units * 1000000 / config_.clock_rate));
    t.rtp_timestamp = a.first_timestamp;
    t.end_seen = end_seen;
    events_.push_back(t);
    finished_up_to_ = a.segment_timestamp;
    active_.reset();
}

void DtmfReceiver::handle_packet(Timestamp now, uint32_t ts, bool marker, ByteView payload) {
    auto parsed = parse_telephone_event(payload);
    if (!parsed || parsed->event > 15) {
        ++dropped_;
        return;
    }
    const TelephoneEvent& e = *parsed;
    if (finished_up_to_ && !ts_newer(ts, *finished_up_to_)) {
        ++duplicates_;
        return;
    }
    if (active_) {
        Active& a = *active_;
        if (ts == a.segment_timestamp && e.event == a.event) {
            if (e.duration > a.duration) a.duration = e.duration;
            a.last_packet = now;
            if (e.end) finish(true);
            return;
        }
        if (!ts_newer(ts, a.segment_timestamp)) {
            // A late packet from an earlier segment of this event, or of nothing we track.
            ++duplicates_;
            return;
        }
        uint32_t gap = ts - a.segment_timestamp;
        // The next segment of a long event starts where the previous one reached 0xFFFF. The
        // previous segment must have run long (its closing 0xFFFF packet may be lost), so a
        // repeated tone whose marker and end packets were all lost is not merged into it.
        if (e.event == a.event && !marker && gap <= kMaxDuration && gap >= a.duration &&
            a.duration >= kMaxDuration / 2) {
            // The previous segment lasted `gap` units.
            a.previous_segments += gap;
            a.segment_timestamp = ts;
            a.duration = e.duration;
            a.last_packet = now;
            if (e.end) finish(true);
            return;
        }
        // A new event while the old one never saw its end.
        finish(false);
    }
    active_ = Active{e.event, ts, ts, 0, e.duration, now};
    if (e.end) finish(true);
}

void DtmfReceiver::handle_timeout(Timestamp now) {
    if (active_ && now >= active_->last_packet + config_.end_timeout) finish(false);
}

std::optional<ReceivedTone> DtmfReceiver::poll_event() {
    if (events_.empty()) return std::nullopt;
    ReceivedTone t = events_.front();
    events_.pop_front();
    return t;
}

std::optional<Timestamp> DtmfReceiver::poll_timeout() const {
    if (!active_) return std::nullopt;
    return active_->last_packet + config_.end_timeout;
}

}  // namespace polyrtc::dtmf
