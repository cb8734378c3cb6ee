// Simulated gettimeofday() for the unit-test executable (see sctp_pair.hpp).
//
// usrsctp reads gettimeofday() for RTT measurement, heartbeat scheduling, cookie lifetime
// and PR-SCTP lifetimes, while its timers advance only by usrsctp_handle_timers(). Tests run
// minutes of simulated time in milliseconds, so the two clocks must agree: this strong
// definition makes gettimeofday() return the simulated clock.
//   - Native: the executable's definition interposes on the PLT call in libusrsctp.so.
//   - Wasm: static link; this object wins over musl's gettimeofday.o in libc.a.
// It applies to the whole test executable; nothing else in it relies on gettimeofday.
// core/ itself never reads any clock.
#include <doctest/doctest.h>
#include <sys/time.h>

#include "tests/unit/sctp/sctp_pair.hpp"

namespace polyrtc::testing {

int64_t& sim_clock_micros() {
    static int64_t micros = 0;
    return micros;
}

}  // namespace polyrtc::testing

namespace {
constexpr int64_t kSimEpochSeconds = 1700000000;  // any fixed wall-clock origin
}

#if defined(__GLIBC__)
#define POLYRTC_GTOD_NOEXCEPT noexcept
#else
#define POLYRTC_GTOD_NOEXCEPT
#endif

extern "C" int gettimeofday(struct timeval* __restrict tv, void* __restrict /*tz*/) POLYRTC_GTOD_NOEXCEPT {
    int64_t us = polyrtc::testing::sim_clock_micros();
    tv->tv_sec = static_cast<decltype(tv->tv_sec)>(kSimEpochSeconds + us / 1000000);
    tv->tv_usec = static_cast<decltype(tv->tv_usec)>(us % 1000000);
    return 0;
}

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
