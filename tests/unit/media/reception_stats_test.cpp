// RFC 3550 A.1/A.3/A.8 statistics.
#include "core/media/reception_stats.hpp"

#include <doctest/doctest.h>

namespace polyrtc::media {

TEST_CASE("media.reception_stats: wrap, loss, reordering and the per-report fraction lost") {
    ReceptionStats s;
    Timestamp t = Timestamp::from_millis(0);
    uint32_t ts = 0;
    uint16_t seq = 65530;
    for (int i = 0; i < 10; ++i) {  // 65530 .. 3: wraps once
        s.on_packet(t, seq++, ts, true);
        t = t + Duration::millis(20);
        ts += 960;
    }
    CHECK(s.extended_highest() == 0x10000 + 3);
    CHECK(s.cumulative_lost() == 0);
    CHECK(s.jitter_units() == 0);
    auto b = s.make_report_block(42, 0, 0);
    CHECK(b.fraction_lost == 0);
    CHECK(b.extended_highest_sequence == 0x10003);

    // 4 sent, 1 lost (seq 5), 6 and 7 swapped.
    s.on_packet(t, 4, ts, true);
    s.on_packet(t + Duration::millis(40), 7, ts + 3 * 960, true);
    s.on_packet(t + Duration::millis(41), 6, ts + 2 * 960, true);
    CHECK(s.cumulative_lost() == 1);
    b = s.make_report_block(42, 0x12345678, 65536);
    CHECK(b.fraction_lost == 64);  // 1 of 4 = 0.25 * 256
    CHECK(b.cumulative_lost == 1);
    CHECK(b.extended_highest_sequence == 0x10007);
    CHECK(b.last_sr == 0x12345678);
    CHECK(b.delay_since_last_sr == 65536);
    CHECK(b.jitter > 0);  // 7 arrived 20 ms early, 6 1 ms late
    // The next interval starts fresh.
    CHECK(s.make_report_block(42, 0, 0).fraction_lost == 0);
}

TEST_CASE(
    "media.reception_stats: jitter converges to the mean deviation (A.8) and a jump restarts only when confirmed") {
    ReceptionStats s;
    uint16_t seq = 100;
    uint32_t ts = 5000;
    for (int i = 0; i < 500; ++i) {
        // Alternate 0 and 10 ms of extra delay: |D| = 480 units every packet.
        Timestamp arrival = Timestamp::from_millis(20 * i + (i % 2 ? 10 : 0));
        s.on_packet(arrival, seq++, ts, true);
        ts += 960;
    }
    CHECK(s.jitter_units() == doctest::Approx(480).epsilon(0.02));
    CHECK(s.jitter_seconds() == doctest::Approx(0.010).epsilon(0.02));
    uint64_t received = s.received();
    s.on_packet(Timestamp::from_millis(20000), 30000, ts, true);  // a stray jump: ignored
    CHECK(s.received() == received);
    CHECK(s.extended_highest() == 599);
    s.on_packet(Timestamp::from_millis(20020), 30001, ts + 960, true);  // confirmed: restart
    CHECK(s.extended_highest() == 30001);
    CHECK(s.cumulative_lost() == 0);
}

}  // namespace polyrtc::media
