// Replay protection (RFC 3711 section 3.3.2): a sliding window over packet indices.
//
// "the receiver ... checks ... if the packet has been received before, or is too old (to the
// left of the window)"; the window is updated only after the packet authenticates. The
// RFC's minimum window is 64 (a "REPLAY_WINDOW_SIZE of 64 is RECOMMENDED" in libsrtp terms:
// "SHOULD be at least 64"), which is one 64-bit mask here.
#pragma once

#include <cstdint>

namespace polyrtc::srtp {

class ReplayWindow {
public:
    static constexpr uint64_t kSize = 64;

    enum class Verdict { kNew, kReplayed, kTooOld };

    Verdict check(uint64_t index) const;
    // Records `index` as received (call after check() == kNew and authentication).
    void accept(uint64_t index);

private:
    bool started_ = false;
    uint64_t top_ = 0;   // highest accepted index
    uint64_t mask_ = 0;  // bit k: top_ - k was received
};

}  // namespace polyrtc::srtp
