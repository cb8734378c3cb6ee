// /metrics in the Prometheus text exposition format (version 0.0.4).
#pragma once

#include <cstdint>
#include <string>

#include "relay/turn/turn_server.hpp"

namespace polyrtc::relay::http {

struct MetricsSnapshot {
    int64_t uptime_s = 0;
    uint64_t turn_connections = 0;    // open /turn WebSockets
    uint64_t signal_connections = 0;  // open /signal WebSockets
    uint64_t tcp_connections = 0;     // open TURN over TCP connections
    uint64_t tls_connections = 0;     // open TURN over TLS connections
    uint64_t signal_rooms = 0;
    uint64_t allocations = 0;
    turn::TurnStats turn;
};

std::string render_metrics(const MetricsSnapshot& snapshot);

}  // namespace polyrtc::relay::http
