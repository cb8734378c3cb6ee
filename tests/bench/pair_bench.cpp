// Whole-stack pair benchmark: two PeerConnections through the relay's TURN logic in memory
// (tests/stack/relay_pair.hpp), the same code natively and compiled to Wasm under Node.
//
// Figures (one JSON line on stdout):
//   setup      offer -> both sides' channel open, for a cold first connection and a warm
//              second one: simulated time (what a user would wait on
//              a path with these latencies) and wall time (the CPU work of both stacks and
//              the relay logic: TURN allocation, ICE checks, the DTLS handshake with its
//              ECDHE and ECDSA operations, SCTP setup, DCEP; certificates are generated
//              before the offer, when the PeerConnections are created)
//   throughput A sends `total` bytes of 1 KiB or 64 KiB binary messages to Z on a reliable
//              ordered channel, keeping bufferedAmount under 1 MiB as a page would with
//              bufferedamountlow; MB/s = bytes received by Z / wall time
// Wall time is measured around the drive loop only (steady_clock before the first send and
// after the last byte arrives). The loop jumps simulated time straight to the next
// deadline, so idle simulated time costs nothing: wall time is the CPU time of A's and Z's
// whole stack (SCTP, DTLS encryption and decryption, TURN framing) plus the relay's
// forwarding, all on one thread. Simulated MB/s is printed too; it reflects the simulated
// latencies and SCTP's congestion control, not the CPU.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/stack/relay_pair.hpp"

namespace {

using polyrtc::Bytes;
using polyrtc::Duration;
using polyrtc::testing::RelayPair;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Setup {
    bool ok = false;
    polyrtc::peer::ChannelHandle at_a = 0;
    polyrtc::peer::ChannelHandle at_z = 0;
    double sim_ms = 0;
    double wall_ms = 0;
};

Setup connect(RelayPair& pair) {
    Setup out;
    polyrtc::peer::DataChannelInit init;
    init.label = "bench";
    auto created = pair.a().pc->create_data_channel(pair.now(), init);
    if (!created) return out;
    out.at_a = created->handle;
    polyrtc::Timestamp sim_start = pair.now();
    Clock::time_point wall_start = Clock::now();
    if (!pair.negotiate().empty()) return out;
    bool open = pair.drive_until([&] {
        for (const auto& e : pair.events_of<polyrtc::peer::DataChannelEvent>(pair.z())) out.at_z = e.channel.handle;
        return pair.count_of<polyrtc::peer::ChannelOpenEvent>(pair.a()) == 1 &&
               pair.count_of<polyrtc::peer::ChannelOpenEvent>(pair.z()) == 1;
    });
    out.wall_ms = seconds_since(wall_start) * 1000;
    out.sim_ms = static_cast<double>((pair.now() - sim_start).as_micros()) / 1000;
    out.ok = open;
    return out;
}

struct Throughput {
    bool ok = false;
    size_t bytes = 0;
    double wall_s = 0;
    double sim_s = 0;
};

Throughput measure(size_t message_size, size_t total) {
    Throughput out;
    RelayPair pair;
    Setup setup = connect(pair);
    if (!setup.ok) return out;
    Bytes message(message_size, 0x5a);
    const size_t count = total / message_size;
    constexpr size_t kHighWater = 1 << 20;  // keep at most 1 MiB buffered, like a page would
    size_t sent = 0;
    size_t received = 0;
    size_t seen_events = 0;
    polyrtc::Timestamp sim_start = pair.now();
    Clock::time_point wall_start = Clock::now();
    bool done = pair.drive_until(
        [&] {
            // Top up A's send buffer (drive_until flushes right after this returns).
            while (sent < count && pair.a().pc->buffered_amount(setup.at_a) < kHighWater) {
                if (!pair.a().pc->send(pair.now(), setup.at_a, true, message)) return true;  // stop: error
                ++sent;
            }
            // Count Z's received bytes incrementally, then forget the events (memory).
            auto& events = pair.z().events;
            for (; seen_events < events.size(); ++seen_events) {
                if (auto* m = std::get_if<polyrtc::peer::ChannelMessageEvent>(&events[seen_events])) {
                    received += m->data.size();
                }
            }
            events.clear();
            seen_events = 0;
            return received >= count * message_size;
        },
        Duration::seconds(3600));
    out.wall_s = seconds_since(wall_start);
    out.sim_s = static_cast<double>((pair.now() - sim_start).as_micros()) / 1e6;
    out.bytes = received;
    out.ok = done && received == count * message_size;
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    // argv[1]: bytes per throughput run (default 16 MiB).
    size_t total = argc > 1 ? static_cast<size_t>(std::strtoull(argv[1], nullptr, 10)) : size_t{16} << 20;

    // Setup twice, each pair gone before the next (one pair in usrsctp's stack at a time):
    // the first is cold (in Wasm it includes compiling the code it runs), the second warm.
    Setup cold;
    Setup setup;
    {
        RelayPair pair;
        cold = connect(pair);
    }
    {
        RelayPair pair;
        setup = connect(pair);
    }
    Throughput small = measure(1024, total);
    Throughput large = measure(65536, total);
    if (!cold.ok || !setup.ok || !small.ok || !large.ok) {
        std::fprintf(stderr, "pair bench failed: setup %d, 1 KiB %d, 64 KiB %d\n", setup.ok, small.ok, large.ok);
        return 1;
    }
    auto mbps = [](size_t bytes, double s) { return static_cast<double>(bytes) / 1e6 / s; };
#if defined(__EMSCRIPTEN__)
    const char* build = "wasm";
#else
    const char* build = "native";
#endif
    std::printf(
        "{\"bench\":\"pair\",\"build\":\"%s\",\"setup_sim_ms\":%.1f,\"setup_cold_wall_ms\":%.2f,"
        "\"setup_wall_ms\":%.2f,"
        "\"bytes\":%zu,\"mbps_1k\":%.2f,\"mbps_64k\":%.2f,\"sim_mbps_1k\":%.2f,\"sim_mbps_64k\":%.2f,"
        "\"wall_s_1k\":%.3f,\"wall_s_64k\":%.3f}\n",
        build, setup.sim_ms, cold.wall_ms, setup.wall_ms, small.bytes, mbps(small.bytes, small.wall_s),
        mbps(large.bytes, large.wall_s), mbps(small.bytes, small.sim_s), mbps(large.bytes, large.sim_s), small.wall_s,
        large.wall_s);
    return 0;
}
