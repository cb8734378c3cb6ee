// The simulated clock of simulated-time tests, and the gettimeofday() that returns it
// (see sctp_pair.hpp). Linked into the unit-test executable and the pair benchmark.
//
// usrsctp reads gettimeofday() for RTT measurement, heartbeat scheduling, cookie lifetime
// and PR-SCTP lifetimes, while its timers advance only by usrsctp_handle_timers(). Tests run
// minutes of simulated time in milliseconds, so the two clocks must agree: this strong
// definition makes gettimeofday() return the simulated clock.
//   - Native: the executable's definition interposes on the PLT call in libusrsctp.so.
//   - Wasm: static link; this object wins over musl's gettimeofday.o in libc.a.
// It applies to the whole executable; nothing else in it relies on gettimeofday (the
// benchmark measures wall time with std::chrono::steady_clock, i.e. clock_gettime).
// core/ itself never reads any clock.
#include "tests/unit/sctp/sim_clock.hpp"

#include <sys/time.h>

namespace polyrtc::testing {

int64_t& sim_clock_micros() {
    static int64_t micros = 0;
    return micros;
}

}  // namespace polyrtc::testing

#if defined(__GLIBC__)
#define POLYRTC_GTOD_NOEXCEPT noexcept
#else
#define POLYRTC_GTOD_NOEXCEPT
#endif

extern "C" int gettimeofday(struct timeval* __restrict tv, void* __restrict /*tz*/) POLYRTC_GTOD_NOEXCEPT {
    int64_t us = polyrtc::testing::sim_clock_micros();
    tv->tv_sec = static_cast<decltype(tv->tv_sec)>(polyrtc::testing::kSimEpochSeconds + us / 1000000);
    tv->tv_usec = static_cast<decltype(tv->tv_usec)>(us % 1000000);
    return 0;
}
