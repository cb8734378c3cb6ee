#include "core/srtp/replay_window.hpp"

namespace polyrtc::srtp {

ReplayWindow::Verdict ReplayWindow::check(uint64_t index) const {
    if (!started_ || index > top_) return Verdict::kNew;
    uint64_t delta = top_ - index;
    if (delta >= kSize) return Verdict::kTooOld;
    return (mask_ >> delta) & 1 ? Verdict::kReplayed : Verdict::kNew;
}

void ReplayWindow::accept(uint64_t index) {
    if (!started_) {
        started_ = true;
        top_ = index;
        mask_ = 1;
        return;
    }
    if (index > top_) {
        uint64_t shift = index - top_;
        mask_ = shift >= kSize ? 0 : mask_ << shift;
        mask_ |= 1;
        top_ = index;
        return;
    }
    uint64_t delta = top_ - index;
    if (delta < kSize) mask_ |= uint64_t{1} << delta;
}

}  // namespace polyrtc::srtp
