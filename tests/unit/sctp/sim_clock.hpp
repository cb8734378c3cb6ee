// The process-wide simulated clock of simulated-time tests (defined in sim_clock.cpp, which
// also makes gettimeofday() return it, so usrsctp's two clocks agree). It only moves
// forward, across tests too: usrsctp's stack is global and its timer clock must never go
// backwards.
#pragma once

#include <cstdint>

#include "core/common/time.hpp"

namespace polyrtc::testing {

// gettimeofday() returns this wall-clock origin plus the simulated clock.
constexpr int64_t kSimEpochSeconds = 1700000000;

int64_t& sim_clock_micros();
inline Timestamp sim_now() {
    return Timestamp::from_micros(sim_clock_micros());
}
inline void sim_advance_to(Timestamp t) {
    if (t.as_micros() > sim_clock_micros()) sim_clock_micros() = t.as_micros();
}

}  // namespace polyrtc::testing
