#include "core/media/reception_stats.hpp"

#include <algorithm>

namespace polyrtc::media {

void ReceptionStats::init_sequence(uint16_t seq) {
    base_seq_ = seq;
    max_seq_ = seq;
    bad_seq_ = 0x10001;
    cycles_ = 0;
    received_ = 0;
    expected_prior_ = 0;
    received_prior_ = 0;
}

void ReceptionStats::on_packet(Timestamp arrival, uint16_t seq, uint32_t rtp_timestamp, bool timed) {
    if (!started_) {
        init_sequence(seq);
        started_ = true;
    } else {
        uint16_t udelta = static_cast<uint16_t>(seq - max_seq_);
        if (udelta < kMaxDropout) {
            // In order, with a permissible gap.
            if (seq < max_seq_) cycles_ += 0x10000;
            max_seq_ = seq;
        } else if (udelta <= 0xFFFF - kMaxMisorder) {
            // A very large jump: restart only if the next packet follows this one (A.1).
            if (seq == bad_seq_) {
                init_sequence(seq);
                last_transit_.reset();
            } else {
                bad_seq_ = (uint32_t{seq} + 1) & 0xFFFF;
                return;
            }
        }
        // else: a duplicate or reordered packet; counted below.
    }
    ++received_;

    if (!timed) return;
    // A.8: transit in timestamp units; the arrival clock's origin cancels out in the difference.
    int64_t arrival_units = arrival.as_micros() * clock_rate_ / 1000000;
    int64_t transit = arrival_units - static_cast<int64_t>(rtp_timestamp);
    if (last_transit_) {
        int64_t d = transit - *last_transit_;
        // The RTP timestamp wraps at 2^32: bring d back into range.
        d = static_cast<int32_t>(static_cast<uint32_t>(d));
        if (d < 0) d = -d;
        int64_t j = static_cast<int64_t>(jitter_);
        j += d - ((j + 8) >> 4);
        jitter_ = static_cast<uint32_t>(std::clamp<int64_t>(j, 0, 0xFFFFFFF0));
    }
    last_transit_ = transit;
}

int64_t ReceptionStats::cumulative_lost() const {
    if (!started_) return 0;
    int64_t expected = int64_t{extended_highest()} - int64_t{base_seq_} + 1;
    return expected - static_cast<int64_t>(received_);
}

rtp::ReportBlock ReceptionStats::make_report_block(uint32_t ssrc, uint32_t lsr, uint32_t dlsr) {
    rtp::ReportBlock b;
    b.ssrc = ssrc;
    uint64_t expected = started_ ? uint64_t{extended_highest()} - base_seq_ + 1 : 0;
    uint64_t expected_interval = expected - expected_prior_;
    uint64_t received_interval = received_ - received_prior_;
    expected_prior_ = expected;
    received_prior_ = received_;
    int64_t lost_interval = static_cast<int64_t>(expected_interval) - static_cast<int64_t>(received_interval);
    b.fraction_lost = (expected_interval == 0 || lost_interval <= 0)
                          ? 0
                          : static_cast<uint8_t>(
                                std::min<int64_t>(255, (lost_interval << 8) / static_cast<int64_t>(expected_interval)));
    // 24-bit signed on the wire: clamp (A.3).
    b.cumulative_lost = static_cast<int32_t>(std::clamp<int64_t>(cumulative_lost(), -0x800000, 0x7FFFFF));
    b.extended_highest_sequence = extended_highest();
    b.jitter = jitter_units();
    b.last_sr = lsr;
    b.delay_since_last_sr = dlsr;
    return b;
}

}  // namespace polyrtc::media
