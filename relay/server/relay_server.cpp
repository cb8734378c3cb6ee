#include "relay/server/relay_server.hpp"

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <set>

#include <asio.hpp>
#include <sys/random.h>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "relay/config/turn_config.hpp"
#include "relay/http/metrics.hpp"
#include "relay/http/static_files.hpp"
#include "relay/server/asio_address.hpp"
#include "relay/signal/room_hub.hpp"
#include "relay/turn/turn_server.hpp"

namespace polyrtc::relay::server {
namespace {

using WsServer = websocketpp::server<websocketpp::config::asio>;
using ConnectionHdl = websocketpp::connection_hdl;
using MessagePtr = WsServer::message_ptr;
namespace status = websocketpp::http::status_code;
namespace close_code = websocketpp::close::status;
using asio::ip::udp;

enum class Route { kSignal, kTurn, kNone };

// The path part of a request target.
std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find_first_of("?#"));
}

Route route_of(std::string_view target) {
    const auto path = path_of(target);
    if (path == "/signal") return Route::kSignal;
    if (path == "/turn") return Route::kTurn;
    return Route::kNone;
}

// A signaling recipient further behind than this is closed instead of buffering without bound.
constexpr size_t kMaxBufferedSignal = 16 * 1024 * 1024;
// TURN traffic to a WebSocket client further behind than this is dropped (it is datagram
// traffic: loss is better than unbounded memory or head-of-line blocking).
constexpr size_t kMaxBufferedTurn = 4 * 1024 * 1024;
// Largest TURN message over WebSocket: a STUN message is at most 20 + 65535 bytes.
constexpr size_t kMaxTurnFrame = 20 + 65535;
// How long shutdown waits for WebSocket closing handshakes before dropping connections.
constexpr auto kShutdownGrace = std::chrono::seconds(2);
constexpr auto kTurnTick = std::chrono::seconds(1);
// How many ports of the range one Allocate may try to bind before answering 508.
constexpr int kMaxBindAttempts = 64;

crypto::Csprng os_seeded_rng() {
    Bytes seed(48);
    size_t filled = 0;
    while (filled < seed.size()) {
        const ssize_t n = getrandom(seed.data() + filled, seed.size() - filled, 0);
        if (n > 0) filled += static_cast<size_t>(n);
    }
    return std::move(crypto::Csprng::create(seed).value());
}

// The address of the interface the default route leaves through (no packet is sent).
std::optional<asio::ip::address> default_route_address(asio::io_context& io) {
    asio::error_code ec;
    udp::socket probe(io);
    probe.open(udp::v4(), ec);
    if (ec) return std::nullopt;
    probe.connect(udp::endpoint(asio::ip::make_address_v4("192.0.2.1"), 9), ec);
    if (ec) return std::nullopt;
    auto local = probe.local_endpoint(ec);
    if (ec || local.address().is_unspecified()) return std::nullopt;
    return local.address();
}

}  // namespace

struct RelayServer::Impl {
    struct Connection {
        uint64_t id = 0;
        Route route = Route::kNone;
        std::string remote;
        turn::ClientKey turn_client;  // for Route::kTurn
    };
    struct RelaySocket {
        explicit RelaySocket(asio::io_context& io) : socket(io) {}
        udp::socket socket;
        uint16_t port = 0;
    };

    Impl(config::Options opts, log::Logger& log)
        : options(std::move(opts)),
          logger(log),
          signals(io, SIGTERM, SIGINT),
          shutdown_timer(io),
          turn_timer(io),
          udp_listener(io),
          rooms(signal::RoomLimits{options.signal_max_room_size, 10000}),
          rng(os_seeded_rng()) {
        if (options.web_root) files.emplace(*options.web_root);
        receive_buffer.resize(65536);
    }

    config::Options options;
    log::Logger& logger;
    asio::io_context io;
    WsServer ws;
    asio::signal_set signals;
    asio::steady_timer shutdown_timer;
    asio::steady_timer turn_timer;
    udp::socket udp_listener;
    net::SocketAddress udp_local;
    std::optional<http::StaticFiles> files;
    signal::RoomHub rooms;
    crypto::Csprng rng;
    std::optional<turn::TurnServer> turn;
    asio::ip::address relay_ip;
    std::map<turn::AllocationId, std::unique_ptr<RelaySocket>> relays;
    std::set<uint16_t> relay_ports_in_use;
    Bytes receive_buffer;  // shared by every UDP socket: reads are synchronous once readable
    std::map<ConnectionHdl, Connection, std::owner_less<ConnectionHdl>> connections;
    std::map<uint64_t, ConnectionHdl> handles;
    uint64_t next_connection_id = 1;
    bool shutting_down = false;
    std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();

    int run();
    bool start_turn(nlohmann::json& listening);
    void on_http(ConnectionHdl hdl);
    bool on_validate(ConnectionHdl hdl);
    void on_open(ConnectionHdl hdl);
    void on_close(ConnectionHdl hdl);
    void on_message(ConnectionHdl hdl, const MessagePtr& message);
    void on_signal_message(const Connection& from, ConnectionHdl hdl, const MessagePtr& message);
    void on_turn_message(const Connection& from, ConnectionHdl hdl, const MessagePtr& message);
    void begin_shutdown(int signal_number);
    void forget(ConnectionHdl hdl);

    // TURN glue.
    Timestamp now() const {
        return Timestamp::from_micros(
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
                .count());
    }
    static int64_t unix_now() {
        return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
    void execute(turn::Actions actions);
    void open_relay(const turn::OpenRelay& open);
    void close_relay(turn::AllocationId id);
    void send_to_client(const turn::SendToClient& send);
    void send_to_peer(const turn::SendToPeer& send);
    void arm_udp_listener();
    void arm_relay(turn::AllocationId id);
    void arm_turn_timer();
};

RelayServer::RelayServer(config::Options options, log::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(options), logger)) {}

RelayServer::~RelayServer() = default;

int RelayServer::run() {
    return impl_->run();
}

int RelayServer::Impl::run() {
    ws.clear_access_channels(websocketpp::log::alevel::all);
    ws.clear_error_channels(websocketpp::log::elevel::all);
    ws.init_asio(&io);
    ws.set_reuse_addr(true);
    ws.set_max_http_body_size(64 * 1024);
    ws.set_http_handler([this](ConnectionHdl hdl) { on_http(std::move(hdl)); });
    ws.set_validate_handler([this](ConnectionHdl hdl) { return on_validate(std::move(hdl)); });
    ws.set_open_handler([this](ConnectionHdl hdl) { on_open(std::move(hdl)); });
    ws.set_close_handler([this](ConnectionHdl hdl) { on_close(std::move(hdl)); });
    ws.set_fail_handler([this](ConnectionHdl hdl) { forget(std::move(hdl)); });
    ws.set_message_handler([this](ConnectionHdl hdl, MessagePtr message) { on_message(std::move(hdl), message); });

    asio::error_code ec;
    const auto address = asio::ip::make_address(options.listening_ip, ec);
    if (ec) {
        logger.error("listen_failed", {{"listening_ip", options.listening_ip}, {"message", ec.message()}});
        return 1;
    }
    ws.listen(asio::ip::tcp::endpoint(address, options.http_port), ec);
    if (ec) {
        logger.error(
            "listen_failed",
            {{"listening_ip", options.listening_ip}, {"http_port", options.http_port}, {"message", ec.message()}});
        return 1;
    }
    const auto local = ws.get_local_endpoint(ec);
    if (ec) {
        logger.error("listen_failed", {{"message", ec.message()}});
        return 1;
    }
    nlohmann::json listening = {{"http_port", local.port()},
                                {"listening_ip", options.listening_ip},
                                {"auth", options.no_auth ? "none" : "required"}};
    if (options.web_root) listening["web_root"] = *options.web_root;
    if (!start_turn(listening)) return 1;

    ws.start_accept(ec);
    if (ec) {
        logger.error("listen_failed", {{"message", ec.message()}});
        return 1;
    }
    signals.async_wait([this](const asio::error_code& error, int signal_number) {
        if (!error) begin_shutdown(signal_number);
    });
    logger.info("listening", std::move(listening));

    io.run();
    logger.info("stopped");
    return 0;
}

bool RelayServer::Impl::start_turn(nlohmann::json& listening) {
    asio::error_code ec;
    if (options.relay_ip) {
        relay_ip = asio::ip::make_address(*options.relay_ip, ec);
    } else {
        const auto listen_address = asio::ip::make_address(options.listening_ip, ec);
        if (!ec && !listen_address.is_unspecified()) {
            relay_ip = listen_address;
        } else if (auto detected = default_route_address(io)) {
            relay_ip = *detected;
        } else {
            relay_ip = asio::ip::make_address_v4("127.0.0.1");
            logger.warn("relay_ip_fallback",
                        {{"relay_ip", relay_ip.to_string()},
                         {"message", "no default route; relayed addresses are loopback: pass --relay-ip"}});
        }
    }
    const net::AddressFamily family = relay_ip.is_v4() ? net::AddressFamily::kIpv4 : net::AddressFamily::kIpv6;
    turn.emplace(config::make_turn_config(options, family), std::move(rng));
    rng = os_seeded_rng();  // the member was moved into the TURN server
    listening["relay_ip"] = relay_ip.to_string();
    listening["relay_ports"] = std::to_string(options.min_port) + "-" + std::to_string(options.max_port);

    if (!options.no_udp) {
        const udp::endpoint endpoint(asio::ip::make_address(options.listening_ip), options.listening_port);
        udp_listener.open(endpoint.protocol(), ec);
        if (!ec) udp_listener.bind(endpoint, ec);
        if (!ec) udp_listener.non_blocking(true, ec);
        if (ec) {
            logger.error("listen_failed", {{"listening_ip", options.listening_ip},
                                           {"turn_udp_port", options.listening_port},
                                           {"message", ec.message()}});
            return false;
        }
        const auto bound = udp_listener.local_endpoint(ec);
        udp_local = to_socket_address(bound);
        listening["turn_udp_port"] = bound.port();
        arm_udp_listener();
    }
    arm_turn_timer();
    return true;
}

// --- TURN actions -------------------------------------------------------------------------

void RelayServer::Impl::execute(turn::Actions actions) {
    for (auto& action : actions) {
        if (auto* send = std::get_if<turn::SendToClient>(&action)) {
            send_to_client(*send);
        } else if (auto* peer = std::get_if<turn::SendToPeer>(&action)) {
            send_to_peer(*peer);
        } else if (auto* open = std::get_if<turn::OpenRelay>(&action)) {
            open_relay(*open);
        } else if (auto* close = std::get_if<turn::CloseRelay>(&action)) {
            close_relay(close->allocation);
        } else if (auto* record = std::get_if<log::LogRecord>(&action)) {
            logger.write(*record);
        }
    }
}

void RelayServer::Impl::open_relay(const turn::OpenRelay& open) {
    const uint32_t range = static_cast<uint32_t>(options.max_port - options.min_port) + 1;
    uint32_t offset = rng.next_u32() % range;
    auto socket = std::make_unique<RelaySocket>(io);
    asio::error_code ec;
    bool bound = false;
    int attempts = 0;
    for (uint32_t tried = 0; tried < range && attempts < kMaxBindAttempts; ++tried, offset = (offset + 1) % range) {
        const auto port = static_cast<uint16_t>(options.min_port + offset);
        if (relay_ports_in_use.count(port) != 0) continue;
        ++attempts;
        socket->socket.open(relay_ip.is_v4() ? udp::v4() : udp::v6(), ec);
        if (ec) break;
        socket->socket.bind(udp::endpoint(relay_ip, port), ec);
        if (!ec) {
            socket->port = port;
            bound = true;
            break;
        }
        asio::error_code ignored;
        socket->socket.close(ignored);
    }
    if (!bound || socket->socket.non_blocking(true, ec)) {
        execute(turn->handle_relay_open_failed(open.allocation, now()));
        return;
    }
    relay_ports_in_use.insert(socket->port);
    const net::SocketAddress relayed(to_ip(relay_ip), socket->port);
    relays.emplace(open.allocation, std::move(socket));
    arm_relay(open.allocation);
    execute(turn->handle_relay_opened(open.allocation, relayed, now()));
}

void RelayServer::Impl::close_relay(turn::AllocationId id) {
    auto it = relays.find(id);
    if (it == relays.end()) return;
    relay_ports_in_use.erase(it->second->port);
    asio::error_code ignored;
    it->second->socket.close(ignored);  // cancels the pending wait
    relays.erase(it);
}

void RelayServer::Impl::send_to_client(const turn::SendToClient& send) {
    if (send.client.transport == net::TransportProtocol::kUdp) {
        asio::error_code ec;
        udp_listener.send_to(asio::buffer(send.bytes), to_udp_endpoint(send.client.remote), 0, ec);
        return;  // would_block and ICMP errors: a lost datagram, as UDP may lose it anyway
    }
    auto hdl = handles.find(send.client.connection);
    if (hdl == handles.end()) return;
    websocketpp::lib::error_code ec;
    auto con = ws.get_con_from_hdl(hdl->second, ec);
    if (ec || !con || con->get_state() != websocketpp::session::state::open) return;
    if (con->get_buffered_amount() > kMaxBufferedTurn) return;
    con->send(send.bytes.data(), send.bytes.size(), websocketpp::frame::opcode::binary);
}

void RelayServer::Impl::send_to_peer(const turn::SendToPeer& send) {
    auto it = relays.find(send.allocation);
    if (it == relays.end()) return;
    asio::error_code ec;
    it->second->socket.send_to(asio::buffer(send.bytes), to_udp_endpoint(send.peer), 0, ec);
}

void RelayServer::Impl::arm_udp_listener() {
    udp_listener.async_wait(udp::socket::wait_read, [this](const asio::error_code& error) {
        if (error) return;  // closed
        for (int i = 0; i < 64; ++i) {
            udp::endpoint from;
            asio::error_code ec;
            const size_t n = udp_listener.receive_from(asio::buffer(receive_buffer), from, 0, ec);
            if (ec == asio::error::would_block) break;
            if (ec) continue;  // e.g. ICMP port unreachable reported on the socket
            const turn::ClientKey client{net::TransportProtocol::kUdp, 0, to_socket_address(from), udp_local};
            execute(turn->handle_client_message(client, ByteView(receive_buffer.data(), n), now(), unix_now()));
        }
        if (!shutting_down) arm_udp_listener();
    });
}

void RelayServer::Impl::arm_relay(turn::AllocationId id) {
    auto it = relays.find(id);
    if (it == relays.end()) return;
    it->second->socket.async_wait(udp::socket::wait_read, [this, id](const asio::error_code& error) {
        if (error) return;  // closed
        // Look the socket up again: it may have been closed after this wait completed.
        auto entry = relays.find(id);
        if (entry == relays.end()) return;
        RelaySocket* socket = entry->second.get();
        for (int i = 0; i < 64; ++i) {
            udp::endpoint from;
            asio::error_code ec;
            const size_t n = socket->socket.receive_from(asio::buffer(receive_buffer), from, 0, ec);
            if (ec == asio::error::would_block) break;
            if (ec) continue;
            execute(turn->handle_peer_datagram(id, to_socket_address(from), ByteView(receive_buffer.data(), n), now()));
            if (relays.count(id) == 0) return;  // the actions closed this allocation
        }
        arm_relay(id);
    });
}

void RelayServer::Impl::arm_turn_timer() {
    turn_timer.expires_after(kTurnTick);
    turn_timer.async_wait([this](const asio::error_code& error) {
        if (error || shutting_down) return;
        execute(turn->handle_timeout(now()));
        arm_turn_timer();
    });
}

// --- Shutdown -----------------------------------------------------------------------------

void RelayServer::Impl::begin_shutdown(int signal_number) {
    if (shutting_down) return;
    shutting_down = true;
    logger.info("shutdown", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
                             {"connections", connections.size()},
                             {"allocations", turn ? turn->allocation_count() : 0}});
    asio::error_code ec;
    ws.stop_listening(ec);
    turn_timer.cancel();
    udp_listener.close(ec);
    while (!relays.empty()) close_relay(relays.begin()->first);
    // Copy: closing may call back into on_close, which edits `connections`.
    std::vector<ConnectionHdl> open;
    for (const auto& entry : connections) open.push_back(entry.first);
    for (const auto& hdl : open) {
        websocketpp::lib::error_code close_error;
        ws.close(hdl, close_code::going_away, "server shutting down", close_error);
    }
    if (connections.empty()) return;
    shutdown_timer.expires_after(kShutdownGrace);
    shutdown_timer.async_wait([this](const asio::error_code& error) {
        if (error) return;  // cancelled: every connection closed in time
        logger.warn("shutdown_forced", {{"connections", connections.size()}});
        io.stop();
    });
}

void RelayServer::Impl::forget(ConnectionHdl hdl) {
    auto it = connections.find(hdl);
    if (it != connections.end()) {
        if (it->second.route == Route::kSignal) rooms.leave(it->second.id);
        if (it->second.route == Route::kTurn && turn) {
            const turn::ClientKey client = it->second.turn_client;
            execute(turn->handle_client_closed(client, now()));
        }
        handles.erase(it->second.id);
        connections.erase(it);
    }
    if (shutting_down && connections.empty()) shutdown_timer.cancel();
}

// --- HTTP and WebSocket -------------------------------------------------------------------

void RelayServer::Impl::on_http(ConnectionHdl hdl) {
    auto con = ws.get_con_from_hdl(hdl);
    const std::string& target = con->get_resource();
    const std::string& method = con->get_request().get_method();
    con->append_header("Cache-Control", "no-cache");
    con->append_header("X-Content-Type-Options", "nosniff");

    const auto path = path_of(target);
    if (route_of(target) != Route::kNone) {
        con->set_status(status::upgrade_required);
        con->append_header("Content-Type", "text/plain; charset=utf-8");
        con->set_body("this endpoint speaks WebSocket\n");
        return;
    }
    if (method != "GET") {
        con->set_status(status::method_not_allowed);
        con->append_header("Allow", "GET");
        con->append_header("Content-Type", "text/plain; charset=utf-8");
        con->set_body("method not allowed\n");
        return;
    }
    if (path == "/healthz") {
        const auto uptime =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at).count();
        nlohmann::json body = {{"status", "ok"},
                               {"uptime_s", uptime},
                               {"connections", connections.size()},
                               {"rooms", rooms.room_count()},
                               {"allocations", turn ? turn->allocation_count() : 0}};
        con->set_status(status::ok);
        con->append_header("Content-Type", "application/json");
        con->set_body(body.dump() + "\n");
        return;
    }
    if (path == "/metrics") {
        http::MetricsSnapshot snapshot;
        snapshot.uptime_s =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at).count();
        for (const auto& entry : connections) {
            if (entry.second.route == Route::kTurn) ++snapshot.turn_connections;
            if (entry.second.route == Route::kSignal) ++snapshot.signal_connections;
        }
        snapshot.signal_rooms = rooms.room_count();
        if (turn) {
            snapshot.allocations = turn->allocation_count();
            snapshot.turn = turn->stats();
        }
        con->set_status(status::ok);
        con->append_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        con->set_body(http::render_metrics(snapshot));
        return;
    }
    if (!files) {
        con->set_status(status::not_found);
        con->append_header("Content-Type", "text/plain; charset=utf-8");
        con->set_body("not found\n");
        return;
    }
    auto response = files->get(target);
    con->set_status(static_cast<status::value>(response.status));
    if (!response.content_type.empty()) con->append_header("Content-Type", response.content_type);
    if (!response.location.empty()) con->append_header("Location", response.location);
    con->set_body(response.body);
    if (response.status >= 400) {
        logger.info("http_error", {{"status", response.status}, {"target", target}});
    }
}

bool RelayServer::Impl::on_validate(ConnectionHdl hdl) {
    auto con = ws.get_con_from_hdl(hdl);
    if (shutting_down) {
        con->set_status(status::service_unavailable);
        return false;
    }
    if (!options.allowed_origins.empty()) {
        const std::string& origin = con->get_request_header("Origin");
        const auto normalized = config::normalize_origin(origin);
        if (!normalized || std::find(options.allowed_origins.begin(), options.allowed_origins.end(), *normalized) ==
                               options.allowed_origins.end()) {
            logger.info("origin_refused",
                        {{"origin", origin}, {"target", con->get_resource()}, {"remote", con->get_remote_endpoint()}});
            con->set_status(status::forbidden);
            con->append_header("Content-Type", "text/plain; charset=utf-8");
            con->set_body("origin not allowed\n");
            return false;
        }
    }
    switch (route_of(con->get_resource())) {
        case Route::kSignal: con->set_max_message_size(options.signal_max_message_size); return true;
        case Route::kTurn: {
            const auto& protocols = con->get_requested_subprotocols();
            if (std::find(protocols.begin(), protocols.end(), "turn") == protocols.end()) {
                con->set_status(status::bad_request);
                con->append_header("Content-Type", "text/plain; charset=utf-8");
                con->set_body("/turn requires the WebSocket subprotocol \"turn\"\n");
                return false;
            }
            con->select_subprotocol("turn");
            con->set_max_message_size(kMaxTurnFrame);
            return true;
        }
        case Route::kNone: break;
    }
    con->set_status(status::not_found);
    return false;
}

void RelayServer::Impl::on_open(ConnectionHdl hdl) {
    auto con = ws.get_con_from_hdl(hdl);
    Connection connection;
    connection.id = next_connection_id++;
    connection.route = route_of(con->get_resource());
    connection.remote = con->get_remote_endpoint();
    if (connection.route == Route::kTurn) {
        asio::error_code ec;
        auto& socket = con->get_raw_socket();
        const auto remote = socket.remote_endpoint(ec);
        const auto local = socket.local_endpoint(ec);
        connection.turn_client = turn::ClientKey{net::TransportProtocol::kWebSocket, connection.id,
                                                 to_socket_address(remote), to_socket_address(local)};
    }
    connections.emplace(hdl, connection);
    handles.emplace(connection.id, hdl);

    if (connection.route == Route::kSignal) {
        const auto room = signal::room_from_target(con->get_resource()).value_or("");
        auto joined = rooms.join(connection.id, room);
        if (!joined) {
            logger.info("signal_refused",
                        {{"connection", connection.id}, {"room", room}, {"reason", to_string(joined.error())}});
            const auto code = joined.error() == signal::JoinError::kInvalidRoomName ? close_code::policy_violation
                                                                                    : close_code::try_again_later;
            websocketpp::lib::error_code ec;
            ws.close(hdl, code, to_string(joined.error()), ec);
            return;
        }
        logger.info("signal_join", {{"connection", connection.id}, {"room", room}, {"remote", connection.remote}});
    } else if (connection.route == Route::kTurn) {
        logger.info("turn_ws_open", {{"connection", connection.id}, {"remote", connection.remote}});
    }
}

void RelayServer::Impl::on_close(ConnectionHdl hdl) {
    auto it = connections.find(hdl);
    if (it != connections.end()) {
        auto con = ws.get_con_from_hdl(hdl);
        logger.info("ws_close", {{"connection", it->second.id},
                                 {"code", con->get_remote_close_code()},
                                 {"local_code", con->get_local_close_code()}});
    }
    forget(std::move(hdl));
}

void RelayServer::Impl::on_message(ConnectionHdl hdl, const MessagePtr& message) {
    auto it = connections.find(hdl);
    if (it == connections.end()) return;
    switch (it->second.route) {
        case Route::kSignal: on_signal_message(it->second, std::move(hdl), message); return;
        case Route::kTurn: on_turn_message(it->second, std::move(hdl), message); return;
        case Route::kNone: return;
    }
}

void RelayServer::Impl::on_signal_message(const Connection& from, ConnectionHdl hdl, const MessagePtr& message) {
    websocketpp::lib::error_code ec;
    if (message->get_opcode() != websocketpp::frame::opcode::text) {
        ws.close(hdl, close_code::unsupported_data, "signaling messages must be text", ec);
        return;
    }
    for (const auto id : rooms.recipients(from.id)) {
        auto target = handles.find(id);
        if (target == handles.end()) continue;
        auto con = ws.get_con_from_hdl(target->second, ec);
        if (ec || !con) continue;
        if (con->get_buffered_amount() > kMaxBufferedSignal) {
            logger.warn("signal_slow_consumer", {{"connection", id}});
            con->close(close_code::try_again_later, "too slow: messages are piling up", ec);
            continue;
        }
        con->send(message->get_payload(), websocketpp::frame::opcode::text);
    }
}

void RelayServer::Impl::on_turn_message(const Connection& from, ConnectionHdl hdl, const MessagePtr& message) {
    if (message->get_opcode() != websocketpp::frame::opcode::binary) {
        websocketpp::lib::error_code ec;
        ws.close(hdl, close_code::unsupported_data, "TURN messages must be binary frames", ec);
        return;
    }
    const std::string& payload = message->get_payload();
    const turn::ClientKey client = from.turn_client;  // `from` may go away while executing
    execute(turn->handle_client_message(
        client, ByteView(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()), now(), unix_now()));
}

}  // namespace polyrtc::relay::server
