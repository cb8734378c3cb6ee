#include "core/sctp/stack.hpp"

#include <algorithm>
#include <vector>

#include "core/sctp/usrsctp_include.hpp"

namespace polyrtc::sctp {
namespace {

struct GlobalState {
    StackStats stats;
    size_t refs = 0;
    std::vector<PacketSink*> sinks;  // registered AF_CONN addresses (few; linear search)
    bool have_time = false;
    Timestamp last_now;          // latest `now` seen from any association
    int64_t pending_micros = 0;  // elapsed time not yet handed to usrsctp (< 1 ms)
};

GlobalState& state() {
    static GlobalState s;
    return s;
}

// usrsctp's output callback: `addr` is the sconn_addr of the sending socket. Only queues.
int conn_output(void* addr, void* buffer, size_t length, uint8_t /*tos*/, uint8_t /*set_df*/) {
    auto& s = state();
    auto* sink = static_cast<PacketSink*>(addr);
    if (std::find(s.sinks.begin(), s.sinks.end(), sink) == s.sinks.end()) {
        ++s.stats.packets_to_unknown;
        return 0;
    }
    sink->on_packet(static_cast<const uint8_t*>(buffer), length);
    return 0;
}

// Browser-like stack settings. Sources: libdatachannel's SctpTransport::Init (usrsctp) and
// libwebrtc's usrsctp transport; deviations are noted.
void apply_sysctls() {
    usrsctp_sysctl_set_sctp_ecn_enable(0);       // as libwebrtc and libdatachannel
    usrsctp_sysctl_set_sctp_pr_enable(1);        // RFC 3758 PR-SCTP (RFC 8831 §6.1 requires it)
    usrsctp_sysctl_set_sctp_reconfig_enable(1);  // RFC 6525 stream reset (RFC 8831 §6.1)
    usrsctp_sysctl_set_sctp_asconf_enable(0);    // single-homed over DTLS (RFC 8261 §4)
    usrsctp_sysctl_set_sctp_auto_asconf(0);
    // RTO: initial 1 s (RFC 4960), min 400 ms (dcsctp's default; libdatachannel uses 1 s),
    // max 10 s (libdatachannel: recovers quickly after a burst of loss on a browser path).
    usrsctp_sysctl_set_sctp_rto_initial_default(1000);
    usrsctp_sysctl_set_sctp_rto_min_default(400);
    usrsctp_sysctl_set_sctp_rto_max_default(10000);
    usrsctp_sysctl_set_sctp_init_rto_max_default(10000);
    // Retransmission limits: RFC 4960 defaults (8 INIT, 10 association/path), as dcsctp.
    usrsctp_sysctl_set_sctp_init_rtx_max_default(8);
    usrsctp_sysctl_set_sctp_assoc_rtx_max_default(10);
    usrsctp_sysctl_set_sctp_path_rtx_max_default(10);
    usrsctp_sysctl_set_sctp_heartbeat_interval_default(10000);  // libdatachannel
    usrsctp_sysctl_set_sctp_delayed_sack_time_default(20);      // libdatachannel (200 default)
    usrsctp_sysctl_set_sctp_initial_cwnd(10);                   // RFC 6928, libdatachannel
    // Default 512 makes a burst of small messages fail with EWOULDBLOCK long before the
    // send buffer is full; libdatachannel raises it to 10240.
    usrsctp_sysctl_set_sctp_max_chunks_on_queue(10 * 1024);
}

}  // namespace

bool Stack::acquire() {
    auto& s = state();
    if (s.refs == 0 && !s.stats.initialized) {
        // Port 0: no UDP encapsulation socket. No debug printf. No threads (the iterator
        // thread is still attempted once; see STYLE.md).
        usrsctp_init_nothreads(0, conn_output, nullptr);
        apply_sysctls();
        s.stats.initialized = true;
        ++s.stats.inits;
        s.have_time = false;
        s.pending_micros = 0;
    }
    ++s.refs;
    s.stats.live_associations = s.refs;
    return true;
}

void Stack::release() {
    auto& s = state();
    if (s.refs == 0) return;
    --s.refs;
    s.stats.live_associations = s.refs;
    if (s.refs > 0 || !s.stats.initialized) return;
    // Every association has closed its socket (SO_LINGER 0 aborts at once) and deregistered
    // its address. usrsctp_finish() fails while any socket is still being freed; freeing is
    // finished by a timer, so tick until it succeeds.
    for (uint64_t i = 0; i < kMaxFinishPumps; ++i) {
        if (usrsctp_finish() == 0) {
            s.stats.initialized = false;
            ++s.stats.finishes;
            s.sinks.clear();
            s.have_time = false;
            return;
        }
        ++s.stats.finish_pumps;
        usrsctp_handle_timers(static_cast<uint32_t>(kTimerTickMs));
    }
    // Never seen; keep the stack alive so the next acquire() reuses it.
    ++s.stats.finish_give_ups;
}

void Stack::register_sink(PacketSink* sink) {
    auto& s = state();
    s.sinks.push_back(sink);
    usrsctp_register_address(sink);
}

void Stack::deregister_sink(PacketSink* sink) {
    auto& s = state();
    usrsctp_deregister_address(sink);
    s.sinks.erase(std::remove(s.sinks.begin(), s.sinks.end(), sink), s.sinks.end());
}

void Stack::advance(Timestamp now) {
    auto& s = state();
    if (!s.stats.initialized) return;
    if (!s.have_time) {
        s.have_time = true;
        s.last_now = now;
        return;
    }
    if (now <= s.last_now) return;  // another caller is ahead, or time went backwards
    s.pending_micros += (now - s.last_now).as_micros();
    s.last_now = now;
    int64_t elapsed_ms = s.pending_micros / 1000;
    if (elapsed_ms <= 0) return;
    s.pending_micros -= elapsed_ms * 1000;
    // Hand over in bounded steps (uint32_t argument; a page asleep for hours is fine).
    while (elapsed_ms > 0) {
        int64_t step = std::min<int64_t>(elapsed_ms, 1 << 30);
        usrsctp_handle_timers(static_cast<uint32_t>(step));
        elapsed_ms -= step;
    }
}

Timestamp Stack::next_tick() {
    auto& s = state();
    return s.last_now + Duration::millis(kTimerTickMs) - Duration::micros(s.pending_micros);
}

Timestamp Stack::latest_now() {
    return state().last_now;
}

StackStats Stack::stats() {
    return state().stats;
}

}  // namespace polyrtc::sctp
