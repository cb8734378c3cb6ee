// RFC 3550 reception statistics for one remote SSRC: appendix A.1 (sequence validation and the
// extended highest sequence number), A.3 (expected, lost, fraction lost per report interval)
// and A.8 (interarrival jitter), as a value fed with each authenticated RTP packet.
//
// Deviation from A.1: no probation. SRTP has already authenticated the packet, so the first
// one starts the stream (libwebrtc does the same); a jump of more than kMaxDropout restarts
// the sequence only when the next packet confirms it (A.1's bad_seq rule).
#pragma once

#include <cstdint>
#include <optional>

#include "core/common/time.hpp"
#include "core/rtp/rtcp.hpp"

namespace polyrtc::media {

class ReceptionStats {
public:
    static constexpr uint16_t kMaxDropout = 3000;
    static constexpr uint16_t kMaxMisorder = 100;

    explicit ReceptionStats(uint32_t clock_rate = 48000) : clock_rate_(clock_rate) {}

    // Every authenticated packet of the SSRC. `rtp_timestamp` feeds the jitter only when
    // `timed` (audio frames; RFC 4733 packets repeat their event's timestamp, which is not
    // the sampling instant of the packet).
    void on_packet(Timestamp arrival, uint16_t seq, uint32_t rtp_timestamp, bool timed);

    bool started() const { return started_; }
    uint64_t received() const { return received_; }
    uint32_t extended_highest() const { return cycles_ + max_seq_; }
    // A.3: expected - received; negative with duplicates.
    int64_t cumulative_lost() const;
    double jitter_seconds() const { return jitter_ / 16.0 / clock_rate_; }
    uint32_t jitter_units() const { return jitter_ >> 4; }

    // A report block about this SSRC; advances the interval for the next fraction lost.
    // `lsr`/`dlsr` come from the last SR of that source (0 when none).
    rtp::ReportBlock make_report_block(uint32_t ssrc, uint32_t lsr, uint32_t dlsr);

private:
    void init_sequence(uint16_t seq);

    uint32_t clock_rate_;
    bool started_ = false;
    uint16_t max_seq_ = 0;
    uint32_t cycles_ = 0;  // count of wraps << 16
    uint32_t base_seq_ = 0;
    uint32_t bad_seq_ = 0x10001;  // "so seq == bad_seq is false"
    uint64_t received_ = 0;
    uint64_t expected_prior_ = 0;
    uint64_t received_prior_ = 0;
    // A.8 keeps J scaled by 16 in an integer.
    uint32_t jitter_ = 0;
    std::optional<int64_t> last_transit_;
};

}  // namespace polyrtc::media
