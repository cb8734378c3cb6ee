#include "relay/http/metrics.hpp"

#include <sstream>

namespace polyrtc::relay::http {
namespace {

void metric(std::ostringstream& out, const char* name, const char* type, const char* help, uint64_t value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
        << name << ' ' << value << '\n';
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& s) {
    std::ostringstream out;
    metric(out, "polyrtc_relay_uptime_seconds", "gauge", "Seconds since the relay started.",
           static_cast<uint64_t>(s.uptime_s));
    out << "# HELP polyrtc_relay_websocket_connections Open WebSocket connections by path.\n"
        << "# TYPE polyrtc_relay_websocket_connections gauge\n"
        << "polyrtc_relay_websocket_connections{path=\"/turn\"} " << s.turn_connections << '\n'
        << "polyrtc_relay_websocket_connections{path=\"/signal\"} " << s.signal_connections << '\n';
    out << "# HELP polyrtc_relay_turn_stream_connections Open TURN over TCP/TLS connections by transport.\n"
        << "# TYPE polyrtc_relay_turn_stream_connections gauge\n"
        << "polyrtc_relay_turn_stream_connections{transport=\"tcp\"} " << s.tcp_connections << '\n'
        << "polyrtc_relay_turn_stream_connections{transport=\"tls\"} " << s.tls_connections << '\n';
    metric(out, "polyrtc_relay_signal_rooms", "gauge", "Signaling rooms with at least one member.", s.signal_rooms);
    metric(out, "polyrtc_relay_turn_allocations", "gauge", "TURN allocations (including ones being opened).",
           s.allocations);
    metric(out, "polyrtc_relay_turn_auth_failures_total", "counter",
           "TURN requests refused for bad credentials (401) or another user's (441).", s.turn.auth_failures);
    out << "# HELP polyrtc_relay_turn_dropped_total TURN input dropped without an answer, by reason.\n"
        << "# TYPE polyrtc_relay_turn_dropped_total counter\n"
        << "polyrtc_relay_turn_dropped_total{reason=\"malformed\"} " << s.turn.dropped_malformed << '\n'
        << "polyrtc_relay_turn_dropped_total{reason=\"no_permission\"} " << s.turn.dropped_no_permission << '\n'
        << "polyrtc_relay_turn_dropped_total{reason=\"no_allocation\"} " << s.turn.dropped_no_allocation << '\n'
        << "polyrtc_relay_turn_dropped_total{reason=\"rate_limited\"} " << s.turn.dropped_rate_limited << '\n'
        << "polyrtc_relay_turn_dropped_total{reason=\"bandwidth\"} " << s.turn.dropped_bandwidth << '\n';
    out << "# HELP polyrtc_relay_turn_packets_total Relayed datagrams by direction.\n"
        << "# TYPE polyrtc_relay_turn_packets_total counter\n"
        << "polyrtc_relay_turn_packets_total{direction=\"to_peer\"} " << s.turn.packets_to_peers << '\n'
        << "polyrtc_relay_turn_packets_total{direction=\"to_client\"} " << s.turn.packets_to_clients << '\n';
    out << "# HELP polyrtc_relay_turn_bytes_total Relayed payload bytes (without TURN framing) by direction.\n"
        << "# TYPE polyrtc_relay_turn_bytes_total counter\n"
        << "polyrtc_relay_turn_bytes_total{direction=\"to_peer\"} " << s.turn.bytes_to_peers << '\n'
        << "polyrtc_relay_turn_bytes_total{direction=\"to_client\"} " << s.turn.bytes_to_clients << '\n';
    return out.str();
}

}  // namespace polyrtc::relay::http
