#include "relay/server/relay_server.hpp"

#include <chrono>
#include <csignal>
#include <map>
#include <optional>

#include <asio.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "relay/http/static_files.hpp"
#include "relay/signal/room_hub.hpp"

namespace polyrtc::relay::server {
namespace {

using WsServer = websocketpp::server<websocketpp::config::asio>;
using ConnectionHdl = websocketpp::connection_hdl;
using MessagePtr = WsServer::message_ptr;
namespace status = websocketpp::http::status_code;
namespace close_code = websocketpp::close::status;

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

// A recipient further behind than this is closed instead of buffering without bound.
constexpr size_t kMaxBufferedPerConnection = 16 * 1024 * 1024;
// How long shutdown waits for WebSocket closing handshakes before dropping connections.
constexpr auto kShutdownGrace = std::chrono::seconds(2);

}  // namespace

struct RelayServer::Impl {
    struct Connection {
        uint64_t id = 0;
        Route route = Route::kNone;
        std::string remote;
    };

    Impl(config::Options opts, log::Logger& log)
        : options(std::move(opts)),
          logger(log),
          signals(io, SIGTERM, SIGINT),
          shutdown_timer(io),
          rooms(signal::RoomLimits{options.signal_max_room_size, 10000}) {
        if (options.web_root) files.emplace(*options.web_root);
    }

    config::Options options;
    log::Logger& logger;
    asio::io_context io;
    WsServer ws;
    asio::signal_set signals;
    asio::steady_timer shutdown_timer;
    std::optional<http::StaticFiles> files;
    signal::RoomHub rooms;
    std::map<ConnectionHdl, Connection, std::owner_less<ConnectionHdl>> connections;
    std::map<uint64_t, ConnectionHdl> handles;
    uint64_t next_connection_id = 1;
    bool shutting_down = false;
    std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();

    int run();
    void on_http(ConnectionHdl hdl);
    bool on_validate(ConnectionHdl hdl);
    void on_open(ConnectionHdl hdl);
    void on_close(ConnectionHdl hdl);
    void on_message(ConnectionHdl hdl, const MessagePtr& message);
    void on_signal_message(const Connection& from, ConnectionHdl hdl, const MessagePtr& message);
    void begin_shutdown(int signal_number);
    void forget(ConnectionHdl hdl);
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
    ws.start_accept(ec);
    if (ec) {
        logger.error("listen_failed", {{"message", ec.message()}});
        return 1;
    }
    signals.async_wait([this](const asio::error_code& error, int signal_number) {
        if (!error) begin_shutdown(signal_number);
    });

    nlohmann::json fields = {{"http_port", local.port()},
                             {"listening_ip", options.listening_ip},
                             {"auth", options.no_auth ? "none" : "required"}};
    if (options.web_root) fields["web_root"] = *options.web_root;
    logger.info("listening", std::move(fields));

    io.run();
    logger.info("stopped");
    return 0;
}

void RelayServer::Impl::begin_shutdown(int signal_number) {
    if (shutting_down) return;
    shutting_down = true;
    logger.info("shutdown",
                {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}, {"connections", connections.size()}});
    asio::error_code ec;
    ws.stop_listening(ec);
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
        handles.erase(it->second.id);
        connections.erase(it);
    }
    if (shutting_down && connections.empty()) shutdown_timer.cancel();
}

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
        nlohmann::json body = {
            {"status", "ok"}, {"uptime_s", uptime}, {"connections", connections.size()}, {"rooms", rooms.room_count()}};
        con->set_status(status::ok);
        con->append_header("Content-Type", "application/json");
        con->set_body(body.dump() + "\n");
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
    switch (route_of(con->get_resource())) {
        case Route::kSignal: con->set_max_message_size(options.signal_max_message_size); return true;
        case Route::kTurn:
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
        case Route::kTurn:
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
        if (con->get_buffered_amount() > kMaxBufferedPerConnection) {
            logger.warn("signal_slow_consumer", {{"connection", id}});
            con->close(close_code::try_again_later, "too slow: messages are piling up", ec);
            continue;
        }
        con->send(message->get_payload(), websocketpp::frame::opcode::text);
    }
}

}  // namespace polyrtc::relay::server
