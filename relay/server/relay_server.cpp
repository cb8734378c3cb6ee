#include "relay/server/relay_server.hpp"

#include <chrono>
#include <csignal>
#include <map>
#include <optional>
#include <set>

#include <asio.hpp>
#include <sys/random.h>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "relay/config/turn_config.hpp"
#include "relay/http/credentials_endpoint.hpp"
#include "relay/http/metrics.hpp"
#include "relay/http/static_files.hpp"
#include "relay/server/asio_address.hpp"
#include "relay/server/tls_context.hpp"
#include "relay/server/turn_stream.hpp"
#include "relay/signal/room_hub.hpp"
#include "relay/turn/turn_server.hpp"

namespace polyrtc::relay::server {
namespace {

using ConnectionHdl = websocketpp::connection_hdl;
namespace status = websocketpp::http::status_code;
namespace close_code = websocketpp::close::status;
using asio::ip::tcp;
using asio::ip::udp;

enum class Route { kSignal, kTurn, kNone };

constexpr std::string_view kCredentialsPath = "/turn-credentials";

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
// Socket buffers asked for: every client's datagrams share the listener's, and a burst
// that outruns the event loop for a moment is lost once it is full (the default is about
// 200 KiB). The kernel caps these at net.core.rmem_max/wmem_max.
constexpr int kListenerSocketBuffer = 4 * 1024 * 1024;
constexpr int kRelaySocketBuffer = 1024 * 1024;

// Best effort: a smaller buffer than asked for is not an error.
void enlarge_buffers(udp::socket& socket, int bytes) {
    asio::error_code ignored;
    socket.set_option(asio::socket_base::receive_buffer_size(bytes), ignored);
    socket.set_option(asio::socket_base::send_buffer_size(bytes), ignored);
}

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

// The server for one WebSocket++ config: plain (ws/http) or TLS (wss/https with --cert).
template <class WsConfig>
struct Server final : RelayServer::Impl {
    using WsServer = websocketpp::server<WsConfig>;
    using MessagePtr = typename WsServer::message_ptr;
    static constexpr bool kHttpTls = std::is_same_v<WsConfig, websocketpp::config::asio_tls>;

    struct Connection {
        uint64_t id = 0;
        Route route = Route::kNone;
        std::string remote;
        turn::ClientKey turn_client;  // for Route::kTurn
        // Route::kTurn: when the connection last had an allocation (or opened).
        std::chrono::steady_clock::time_point last_allocated;
    };
    // A TURN over TCP/TLS client connection.
    struct Stream {
        std::shared_ptr<TurnStream> stream;
        turn::ClientKey client;
        std::chrono::steady_clock::time_point last_allocated;
    };
    struct RelaySocket {
        explicit RelaySocket(asio::io_context& io) : socket(io) {}
        udp::socket socket;
        uint16_t port = 0;
    };

    Server(config::Options opts, log::Logger& log, std::vector<std::string> command_line)
        : options(std::move(opts)),
          args(std::move(command_line)),
          logger(log),
          signals(io, SIGTERM, SIGINT),
          reload_signal(io, SIGHUP),
          shutdown_timer(io),
          turn_timer(io),
          udp_listener(io),
          tcp_listener(io),
          tls_listener(io),
          rooms(signal::RoomLimits{options.signal_max_room_size, 10000}),
          rng(os_seeded_rng()) {
        if (options.web_root) files.emplace(*options.web_root);
        receive_buffer.resize(65536);
    }

    config::Options options;
    std::vector<std::string> args;  // parsed again on SIGHUP
    log::Logger& logger;
    asio::io_context io;
    WsServer ws;
    asio::signal_set signals;
    asio::signal_set reload_signal;
    asio::steady_timer shutdown_timer;
    asio::steady_timer turn_timer;
    udp::socket udp_listener;
    net::SocketAddress udp_local;
    tcp::acceptor tcp_listener;
    tcp::acceptor tls_listener;
    std::shared_ptr<asio::ssl::context> tls;  // with --cert/--pkey
    std::optional<http::StaticFiles> files;
    std::optional<http::CredentialsEndpointConfig> credentials_endpoint;
    signal::RoomHub rooms;
    crypto::Csprng rng;
    std::optional<turn::TurnServer> turn;
    asio::ip::address relay_ip;
    std::map<turn::AllocationId, std::unique_ptr<RelaySocket>> relays;
    std::set<uint16_t> relay_ports_in_use;
    std::vector<log::LogRecord> deferred_logs;  // start-up warnings, written after "listening"
    Bytes receive_buffer;                       // shared by every UDP socket: reads are synchronous once readable
    std::map<ConnectionHdl, Connection, std::owner_less<ConnectionHdl>> connections;
    std::map<uint64_t, ConnectionHdl> handles;
    std::map<uint64_t, Stream> streams;  // TURN over TCP/TLS, by connection id
    uint64_t next_connection_id = 1;
    bool shutting_down = false;
    std::chrono::steady_clock::time_point started_at = std::chrono::steady_clock::now();

    int run() override;
    bool start_turn(nlohmann::json& listening);
    bool listen_stream(tcp::acceptor& acceptor, uint16_t port, const char* name, nlohmann::json& listening);
    void accept_stream(tcp::acceptor& acceptor, net::TransportProtocol transport);
    void on_stream_message(uint64_t id, ByteView bytes);
    void on_stream_closed(uint64_t id);
    void arm_reload();
    void reload_credentials();
    void on_http(ConnectionHdl hdl);
    void serve_http(const typename WsServer::connection_ptr& con, const std::string& target);
    void serve_credentials(const typename WsServer::connection_ptr& con, const std::string& target);
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
    void close_idle_turn_connections();
};

template <class WsConfig>
int Server<WsConfig>::run() {
    if (options.cert) {
        std::string error;
        tls = make_tls_context(*options.cert, *options.pkey, error);
        if (!tls) {
            logger.error("tls_failed", {{"message", error}});
            return 1;
        }
    }
    ws.clear_access_channels(websocketpp::log::alevel::all);
    ws.clear_error_channels(websocketpp::log::elevel::all);
    ws.init_asio(&io);
    ws.set_reuse_addr(true);
    ws.set_max_http_body_size(64 * 1024);
    if constexpr (kHttpTls) {
        ws.set_tls_init_handler([this](ConnectionHdl) { return tls; });
    }
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
                                {"http_tls", kHttpTls},
                                {"listening_ip", options.listening_ip},
                                {"auth", options.no_auth ? "none" : "required"}};
    if (options.web_root) listening["web_root"] = *options.web_root;
    if (!start_turn(listening)) return 1;
    if (options.credentials_endpoint) {
        http::CredentialsEndpointConfig endpoint;
        endpoint.allowed_origins = options.allowed_origins;
        endpoint.secret = options.static_auth_secrets.front();
        endpoint.ttl_s = options.credentials_ttl;
        if (listening.contains("turn_udp_port")) endpoint.udp_port = listening["turn_udp_port"].get<uint16_t>();
        if (listening.contains("turn_tcp_port")) endpoint.tcp_port = listening["turn_tcp_port"].get<uint16_t>();
        if (listening.contains("turn_tls_port")) endpoint.tls_port = listening["turn_tls_port"].get<uint16_t>();
        endpoint.http_port = local.port();
        endpoint.http_tls = kHttpTls;
        credentials_endpoint = std::move(endpoint);
        listening["credentials_endpoint"] = std::string(kCredentialsPath);
    }

    ws.start_accept(ec);
    if (ec) {
        logger.error("listen_failed", {{"message", ec.message()}});
        return 1;
    }
    signals.async_wait([this](const asio::error_code& error, int signal_number) {
        if (!error) begin_shutdown(signal_number);
    });
    arm_reload();
    logger.info("listening", std::move(listening));
    for (const auto& record : deferred_logs) logger.write(record);
    deferred_logs.clear();

    io.run();
    logger.info("stopped");
    return 0;
}

template <class WsConfig>
bool Server<WsConfig>::start_turn(nlohmann::json& listening) {
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
            // Logged after "listening", which is always the first line.
            deferred_logs.push_back(
                {log::Level::kWarn,
                 "relay_ip_fallback",
                 {{"relay_ip", relay_ip.to_string()},
                  {"message", "no default route; relayed addresses are loopback: pass --relay-ip"}}});
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
        if (!ec) enlarge_buffers(udp_listener, kListenerSocketBuffer);
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
    if (!options.no_tcp) {
        // The TCP port is the UDP port's number, as for coturn (also when that was picked by
        // the system; then any free port if that number is taken over TCP).
        uint16_t port = options.listening_port;
        if (port == 0 && listening.contains("turn_udp_port")) port = listening["turn_udp_port"].get<uint16_t>();
        const bool fallback = options.listening_port == 0;
        if (!listen_stream(tcp_listener, port, "turn_tcp_port", listening)) {
            if (!fallback || !listen_stream(tcp_listener, 0, "turn_tcp_port", listening)) return false;
        }
        accept_stream(tcp_listener, net::TransportProtocol::kTcp);
    }
    if (tls && !options.no_tls) {
        if (!listen_stream(tls_listener, options.tls_listening_port, "turn_tls_port", listening)) return false;
        accept_stream(tls_listener, net::TransportProtocol::kTls);
    }
    arm_turn_timer();
    return true;
}

// Binds `acceptor` for TURN over TCP/TLS and records the bound port as `name`. A failure to
// bind is logged (listen_failed) unless it is the silent first try of a fallback.
template <class WsConfig>
bool Server<WsConfig>::listen_stream(tcp::acceptor& acceptor, uint16_t port, const char* name,
                                     nlohmann::json& listening) {
    asio::error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address(options.listening_ip), port);
    if (acceptor.is_open()) acceptor.close(ec);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        const bool quiet = port != 0 && options.listening_port == 0 && std::string_view(name) == "turn_tcp_port";
        if (!quiet) {
            logger.error("listen_failed",
                         {{"listening_ip", options.listening_ip}, {name, port}, {"message", ec.message()}});
        }
        acceptor.close(ec);
        return false;
    }
    listening[name] = acceptor.local_endpoint(ec).port();
    return true;
}

template <class WsConfig>
void Server<WsConfig>::accept_stream(tcp::acceptor& acceptor, net::TransportProtocol transport) {
    acceptor.async_accept([this, &acceptor, transport](const asio::error_code& error, tcp::socket socket) {
        if (shutting_down || error == asio::error::operation_aborted) return;
        if (!error) {
            asio::error_code ec;
            const auto remote = socket.remote_endpoint(ec);
            const auto local = socket.local_endpoint(ec);
            if (!ec) {
                const uint64_t id = next_connection_id++;
                const turn::ClientKey client{transport, id, to_socket_address(remote), to_socket_address(local)};
                TurnStream::Handlers handlers{[this](uint64_t from, ByteView bytes) { on_stream_message(from, bytes); },
                                              [this](uint64_t from) { on_stream_closed(from); }};
                auto stream = transport == net::TransportProtocol::kTls
                                  ? make_tls_stream(std::move(socket), *tls, id, std::move(handlers), kMaxBufferedTurn)
                                  : make_tcp_stream(std::move(socket), id, std::move(handlers), kMaxBufferedTurn);
                streams.emplace(id, Stream{stream, client, std::chrono::steady_clock::now()});
                logger.info("turn_stream_open", {{"connection", id},
                                                 {"transport", net::to_string(transport)},
                                                 {"remote", client.remote.to_string()}});
                stream->start();
            }
        }
        if (!error) return accept_stream(acceptor, transport);
        // EMFILE and the like: accepting again at once would fail again in a busy loop.
        logger.warn("accept_failed", {{"transport", net::to_string(transport)}, {"message", error.message()}});
        auto retry = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(100));
        retry->async_wait([this, &acceptor, transport, retry](const asio::error_code&) {
            if (!shutting_down) accept_stream(acceptor, transport);
        });
    });
}

template <class WsConfig>
void Server<WsConfig>::on_stream_message(uint64_t id, ByteView bytes) {
    auto it = streams.find(id);
    if (it == streams.end()) return;
    const turn::ClientKey client = it->second.client;
    execute(turn->handle_client_message(client, bytes, now(), unix_now()));
}

template <class WsConfig>
void Server<WsConfig>::on_stream_closed(uint64_t id) {
    auto it = streams.find(id);
    if (it == streams.end()) return;
    const turn::ClientKey client = it->second.client;
    streams.erase(it);
    logger.info("turn_stream_close", {{"connection", id}});
    execute(turn->handle_client_closed(client, now()));
}

// --- SIGHUP -------------------------------------------------------------------------------

template <class WsConfig>
void Server<WsConfig>::arm_reload() {
    reload_signal.async_wait([this](const asio::error_code& error, int) {
        if (error || shutting_down) return;
        reload_credentials();
        arm_reload();
    });
}

// Parses the command line and its config file again and takes the users and REST secrets
// from it; anything else needs a restart. A file that no longer parses changes nothing.
template <class WsConfig>
void Server<WsConfig>::reload_credentials() {
    auto outcome = config::parse_command_line(args);
    std::string problem = outcome.error;
    if (outcome.options && outcome.options->no_auth != options.no_auth) {
        problem = "switching --no-auth on or off needs a restart";
    }
    if (!outcome.options || !problem.empty()) {
        while (!problem.empty() && problem.back() == '\n') problem.pop_back();
        logger.warn("reload_failed", {{"message", problem}, {"kept", "previous credentials"}});
        return;
    }
    config::Options& fresh = *outcome.options;
    fresh.realm = options.realm;  // keys of live allocations depend on it
    options.users = fresh.users;
    options.use_auth_secret = fresh.use_auth_secret;
    options.static_auth_secrets = fresh.static_auth_secrets;
    turn->set_credentials(config::make_turn_config(options, turn->config().relay_family).credentials);
    if (credentials_endpoint) {
        if (options.use_auth_secret) {
            credentials_endpoint->secret = options.static_auth_secrets.front();
        } else {
            credentials_endpoint.reset();  // nothing left to issue
        }
    }
    logger.info("credentials_reloaded",
                {{"users", options.users.size()},
                 {"auth_secrets", options.use_auth_secret ? options.static_auth_secrets.size() : 0},
                 {"credentials_endpoint", credentials_endpoint.has_value()}});
}

// --- TURN actions -------------------------------------------------------------------------

template <class WsConfig>
void Server<WsConfig>::execute(turn::Actions actions) {
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

template <class WsConfig>
void Server<WsConfig>::open_relay(const turn::OpenRelay& open) {
    const uint32_t range = static_cast<uint32_t>(options.max_port - options.min_port) + 1;
    uint32_t offset = rng.next_u32() % range;
    auto socket = std::make_unique<RelaySocket>(io);
    asio::error_code ec;
    bool bound = false;
    int attempts = 0;
    for (uint32_t tried = 0; tried < range && attempts < kMaxBindAttempts; ++tried, offset = (offset + 1) % range) {
        const auto port = static_cast<uint16_t>(options.min_port + offset);
        if (open.even_port && port % 2 != 0) continue;
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
    if (bound) enlarge_buffers(socket->socket, kRelaySocketBuffer);
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

template <class WsConfig>
void Server<WsConfig>::close_relay(turn::AllocationId id) {
    auto it = relays.find(id);
    if (it == relays.end()) return;
    relay_ports_in_use.erase(it->second->port);
    asio::error_code ignored;
    it->second->socket.close(ignored);  // cancels the pending wait
    relays.erase(it);
}

template <class WsConfig>
void Server<WsConfig>::send_to_client(const turn::SendToClient& send) {
    if (send.client.transport == net::TransportProtocol::kUdp) {
        asio::error_code ec;
        udp_listener.send_to(asio::buffer(send.bytes), to_udp_endpoint(send.client.remote), 0, ec);
        return;  // would_block and ICMP errors: a lost datagram, as UDP may lose it anyway
    }
    if (send.client.transport == net::TransportProtocol::kTcp ||
        send.client.transport == net::TransportProtocol::kTls) {
        auto stream = streams.find(send.client.connection);
        if (stream != streams.end()) stream->second.stream->send(send.bytes);
        return;
    }
    auto hdl = handles.find(send.client.connection);
    if (hdl == handles.end()) return;
    websocketpp::lib::error_code ec;
    auto con = ws.get_con_from_hdl(hdl->second, ec);
    if (ec || !con || con->get_state() != websocketpp::session::state::open) return;
    if (con->get_buffered_amount() > kMaxBufferedTurn) return;
    con->send(send.bytes.data(), send.bytes.size(), websocketpp::frame::opcode::binary);
}

template <class WsConfig>
void Server<WsConfig>::send_to_peer(const turn::SendToPeer& send) {
    auto it = relays.find(send.allocation);
    if (it == relays.end()) return;
    asio::error_code ec;
    it->second->socket.send_to(asio::buffer(send.bytes), to_udp_endpoint(send.peer), 0, ec);
}

template <class WsConfig>
void Server<WsConfig>::arm_udp_listener() {
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

template <class WsConfig>
void Server<WsConfig>::arm_relay(turn::AllocationId id) {
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

template <class WsConfig>
void Server<WsConfig>::arm_turn_timer() {
    turn_timer.expires_after(kTurnTick);
    turn_timer.async_wait([this](const asio::error_code& error) {
        if (error || shutting_down) return;
        execute(turn->handle_timeout(now()));
        close_idle_turn_connections();
        arm_turn_timer();
    });
}

template <class WsConfig>
void Server<WsConfig>::close_idle_turn_connections() {
    if (options.turn_idle_timeout == 0) return;
    const auto now_steady = std::chrono::steady_clock::now();
    const auto limit = std::chrono::seconds(options.turn_idle_timeout);
    std::vector<std::pair<ConnectionHdl, uint64_t>> idle;
    for (auto& [hdl, connection] : connections) {
        if (connection.route != Route::kTurn) continue;
        if (turn->has_allocation(connection.turn_client)) {
            connection.last_allocated = now_steady;
        } else if (now_steady - connection.last_allocated >= limit) {
            idle.emplace_back(hdl, connection.id);
        }
    }
    for (const auto& [hdl, id] : idle) {
        logger.info("turn_ws_idle", {{"connection", id}, {"idle_s", options.turn_idle_timeout}});
        websocketpp::lib::error_code ec;
        ws.close(hdl, close_code::policy_violation, "no allocation", ec);
    }
    // TURN over TCP/TLS: the same rule (this also ends TLS handshakes that never finish).
    for (auto& [id, stream] : streams) {
        if (turn->has_allocation(stream.client)) {
            stream.last_allocated = now_steady;
        } else if (now_steady - stream.last_allocated >= limit) {
            logger.info("turn_stream_idle", {{"connection", id}, {"idle_s", options.turn_idle_timeout}});
            stream.stream->close();  // on_stream_closed follows from the pending read
        }
    }
}

// --- Shutdown -----------------------------------------------------------------------------

template <class WsConfig>
void Server<WsConfig>::begin_shutdown(int signal_number) {
    if (shutting_down) return;
    shutting_down = true;
    logger.info("shutdown", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
                             {"connections", connections.size() + streams.size()},
                             {"allocations", turn ? turn->allocation_count() : 0}});
    asio::error_code ec;
    ws.stop_listening(ec);
    turn_timer.cancel();
    reload_signal.cancel(ec);
    udp_listener.close(ec);
    tcp_listener.close(ec);
    tls_listener.close(ec);
    for (auto& entry : streams) entry.second.stream->close();
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

template <class WsConfig>
void Server<WsConfig>::forget(ConnectionHdl hdl) {
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

template <class WsConfig>
void Server<WsConfig>::on_http(ConnectionHdl hdl) {
    auto con = ws.get_con_from_hdl(hdl);
    const std::string& target = con->get_resource();
    const std::string& method = con->get_request().get_method();
    con->append_header("Cache-Control", "no-cache");
    con->append_header("X-Content-Type-Options", "nosniff");

    if (route_of(target) != Route::kNone) {
        con->set_status(status::upgrade_required);
        con->append_header("Content-Type", "text/plain; charset=utf-8");
        con->set_body("this endpoint speaks WebSocket\n");
        return;
    }
    if (method != "GET" && method != "HEAD") {
        con->set_status(status::method_not_allowed);
        con->append_header("Allow", "GET, HEAD");
        con->append_header("Content-Type", "text/plain; charset=utf-8");
        con->set_body("method not allowed\n");
        return;
    }
    serve_http(con, target);
    if (method == "HEAD") {
        // The GET's status and headers (Content-Type, Content-Length) without the body.
        const std::string length = std::to_string(con->get_response().get_body().size());
        con->set_body("");
        con->replace_header("Content-Length", length);
    }
}

template <class WsConfig>
void Server<WsConfig>::serve_http(const typename WsServer::connection_ptr& con, const std::string& target) {
    const auto path = path_of(target);
    if (path == kCredentialsPath && credentials_endpoint) {
        serve_credentials(con, target);
        return;
    }
    if (path == "/healthz") {
        const auto uptime =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at).count();
        nlohmann::json body = {{"status", "ok"},
                               {"uptime_s", uptime},
                               {"connections", connections.size() + streams.size()},
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
        for (const auto& entry : streams) {
            ++(entry.second.client.transport == net::TransportProtocol::kTls ? snapshot.tls_connections
                                                                             : snapshot.tcp_connections);
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

template <class WsConfig>
void Server<WsConfig>::serve_credentials(const typename WsServer::connection_ptr& con, const std::string& target) {
    http::CredentialsRequest request;
    request.origin = con->get_request_header("Origin");
    request.sec_fetch_site = con->get_request_header("Sec-Fetch-Site");
    request.host = con->get_request_header("Host");
    request.target = target;
    request.unix_now = unix_now();
    request.random_user = to_hex(rng.bytes(8));
    const auto response = http::issue_credentials(*credentials_endpoint, request);
    con->set_status(static_cast<status::value>(response.status));
    con->replace_header("Cache-Control", "no-store");  // a credential: never cached
    con->append_header("Vary", "Origin");
    con->append_header("Content-Type", "application/json");
    if (!response.allow_origin.empty()) con->append_header("Access-Control-Allow-Origin", response.allow_origin);
    con->set_body(response.body);
    if (response.status == 200) {
        logger.info("credentials_issued", {{"origin", response.allow_origin}, {"remote", con->get_remote_endpoint()}});
    } else {
        logger.info("credentials_refused", {{"status", response.status},
                                            {"origin", std::string(request.origin)},
                                            {"remote", con->get_remote_endpoint()}});
    }
}

template <class WsConfig>
bool Server<WsConfig>::on_validate(ConnectionHdl hdl) {
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

template <class WsConfig>
void Server<WsConfig>::on_open(ConnectionHdl hdl) {
    auto con = ws.get_con_from_hdl(hdl);
    Connection connection;
    connection.id = next_connection_id++;
    connection.route = route_of(con->get_resource());
    connection.remote = con->get_remote_endpoint();
    connection.last_allocated = std::chrono::steady_clock::now();
    if (connection.route == Route::kTurn) {
        asio::error_code ec;
        auto& socket = con->get_raw_socket().lowest_layer();
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

template <class WsConfig>
void Server<WsConfig>::on_close(ConnectionHdl hdl) {
    auto it = connections.find(hdl);
    if (it != connections.end()) {
        auto con = ws.get_con_from_hdl(hdl);
        logger.info("ws_close", {{"connection", it->second.id},
                                 {"code", con->get_remote_close_code()},
                                 {"local_code", con->get_local_close_code()}});
    }
    forget(std::move(hdl));
}

template <class WsConfig>
void Server<WsConfig>::on_message(ConnectionHdl hdl, const MessagePtr& message) {
    auto it = connections.find(hdl);
    if (it == connections.end()) return;
    switch (it->second.route) {
        case Route::kSignal: on_signal_message(it->second, std::move(hdl), message); return;
        case Route::kTurn: on_turn_message(it->second, std::move(hdl), message); return;
        case Route::kNone: return;
    }
}

template <class WsConfig>
void Server<WsConfig>::on_signal_message(const Connection& from, ConnectionHdl hdl, const MessagePtr& message) {
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

template <class WsConfig>
void Server<WsConfig>::on_turn_message(const Connection& from, ConnectionHdl hdl, const MessagePtr& message) {
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

}  // namespace

RelayServer::RelayServer(config::Options options, log::Logger& logger, std::vector<std::string> args) {
    // The HTTP port speaks TLS (https, wss) exactly when a certificate is configured.
    if (options.cert) {
        impl_ = std::make_unique<Server<websocketpp::config::asio_tls>>(std::move(options), logger, std::move(args));
    } else {
        impl_ = std::make_unique<Server<websocketpp::config::asio>>(std::move(options), logger, std::move(args));
    }
}

RelayServer::~RelayServer() = default;

int RelayServer::run() {
    return impl_->run();
}

}  // namespace polyrtc::relay::server
