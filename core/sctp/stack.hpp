// sctp::Stack: the explicit owner of usrsctp's process-global state.
//
// usrsctp is one stack per process (one set of sysctls, one timer wheel, one callback for
// outgoing packets). Every SctpAssociation holds a reference on it:
//   - the first reference calls usrsctp_init_nothreads() and sets the browser-like sysctls
//     (see stack.cpp for the values and where they come from);
//   - the last reference closes nothing itself (each association closes its own socket and
//     deregisters its own AF_CONN address first), then pumps usrsctp_finish() until it
//     returns 0, advancing usrsctp's timers so deferred socket teardown (the INPKILL timer)
//     can run. Nothing else is alive at that point, so those ticks affect nobody.
//
// Time. usrsctp_handle_timers(elapsed_ms) is global: it fires the due timers of every
// association in the process. The stack therefore keeps ONE timer clock: each association
// forwards the `now` of every input it receives (`advance(now)`), and the stack hands
// usrsctp the milliseconds elapsed since the latest `now` it has seen. Consequences, which
// embedders must respect:
//   - All associations of a process must be fed timestamps from the same monotonic clock
//     (the page's performance.now(); the tests' simulated clock). A `now` earlier than the
//     latest seen is treated as "no time elapsed", never as a rewind.
//   - Feeding association A may fire timers of association B; B's output (retransmissions,
//     heartbeats, a lost-association notification) is queued on B and leaves at B's next
//     poll. The embedder's pump therefore polls every association after any input; a busy
//     association's poll_timeout() is the stack's next tick (kTimerTick after the latest
//     `now`), so a pump that honours every association's deadline also drives the others
//     (an idle one's output, a heartbeat, may wait for its own coarser deadline).
//   - usrsctp exposes no "next timer" query, so the deadline is a fixed tick (10 ms, the
//     period of usrsctp's own timer thread, which we do not run) while an association has
//     work in flight; an idle one asks for a coarse tick instead (see association.cpp).
// usrsctp also reads the C library's time of day for RTT, heartbeats, cookie lifetime and
// PR-SCTP TTL (the "two clocks" trap in STYLE.md): in the page both clocks are real time;
// simulated-time tests must make that call return the simulated clock (see
// tests/unit/sctp/sctp_pair.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/common/time.hpp"

namespace polyrtc::sctp {

// Bookkeeping of the global stack, for tests and diagnostics.
struct StackStats {
    bool initialized = false;
    size_t live_associations = 0;     // references currently held
    uint64_t inits = 0;               // usrsctp_init_nothreads calls
    uint64_t finishes = 0;            // usrsctp_finish() returning 0
    uint64_t finish_pumps = 0;        // failed usrsctp_finish() calls (total, all finishes)
    uint64_t finish_give_ups = 0;     // finish abandoned after kMaxFinishPumps (stack kept alive)
    uint64_t packets_to_unknown = 0;  // conn_output for an address no association owns (dropped)
};

// Receives the packets usrsctp emits for one registered AF_CONN address. Implemented by the
// association; `on_packet` only copies into a queue (it runs inside usrsctp calls).
class PacketSink {
public:
    virtual void on_packet(const uint8_t* data, size_t size) = 0;

protected:
    ~PacketSink() = default;
};

class Stack {
public:
    static constexpr int64_t kTimerTickMs = 10;
    static constexpr uint64_t kMaxFinishPumps = 100000;  // 1000 s of usrsctp timer time

    // Takes a reference, initializing usrsctp on the first. Returns false if usrsctp could
    // not be initialized (no reference is taken then).
    static bool acquire();
    // Drops a reference; the last one finishes usrsctp (see above).
    static void release();

    // AF_CONN address registration: `sink` is the address usrsctp is given (sconn_addr).
    static void register_sink(PacketSink* sink);
    // Call only after the association's socket is closed (SO_LINGER 0: aborted at once).
    static void deregister_sink(PacketSink* sink);

    // Advances usrsctp's timer clock to `now` (see the Time section above).
    static void advance(Timestamp now);
    // The next time usrsctp's timers want to run (the next kTimerTickMs tick).
    static Timestamp next_tick();
    // The latest `now` any association has fed in.
    static Timestamp latest_now();

    static StackStats stats();
};

}  // namespace polyrtc::sctp
