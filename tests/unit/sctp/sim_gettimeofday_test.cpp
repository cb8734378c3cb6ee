// The simulated gettimeofday() of tests/unit/sctp/sim_clock.cpp follows the simulated clock.
#include <doctest/doctest.h>
#include <sys/time.h>

#include "tests/unit/sctp/sim_clock.hpp"

namespace polyrtc::testing {

TEST_CASE("sctp.sim_clock: gettimeofday follows the simulated clock") {
    sim_advance_to(sim_now() + Duration::millis(1));
    struct timeval before {};
    gettimeofday(&before, nullptr);
    sim_advance_to(sim_now() + Duration::micros(2500500));
    struct timeval after {};
    gettimeofday(&after, nullptr);
    int64_t delta = (static_cast<int64_t>(after.tv_sec) - static_cast<int64_t>(before.tv_sec)) * 1000000 +
                    (static_cast<int64_t>(after.tv_usec) - static_cast<int64_t>(before.tv_usec));
    CHECK(delta == 2500500);
    CHECK(static_cast<int64_t>(after.tv_sec) == kSimEpochSeconds + sim_clock_micros() / 1000000);
}

}  // namespace polyrtc::testing
