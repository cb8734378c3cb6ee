// RelayServer: the Asio/WebSocket++ glue. One io_context, one thread.
//
// It owns the sockets and timers and nothing else: requests and messages are handed to the
// logic classes (StaticFiles, RoomHub, TurnServer, ...) and whatever they decide is carried
// out here. Handlers run on the io_context's thread only, so no state is shared between
// threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "relay/config/options.hpp"
#include "relay/log/logger.hpp"

namespace polyrtc::relay::server {

class RelayServer {
public:
    // `args` is the command line `options` came from: SIGHUP parses it (and its -c FILE)
    // again to reload credentials.
    RelayServer(config::Options options, log::Logger& logger, std::vector<std::string> args);
    ~RelayServer();
    RelayServer(const RelayServer&) = delete;
    RelayServer& operator=(const RelayServer&) = delete;

    // Binds the listeners, logs the "listening" line and runs until SIGTERM/SIGINT, then
    // stops accepting, closes every connection and returns. Returns the process exit code
    // (0 after a clean shutdown, 1 when a listener cannot be bound or TLS cannot be set up).
    int run();

    // Implemented in the .cpp once per WebSocket++ config (plain, or TLS with --cert).
    struct Impl {
        virtual ~Impl() = default;
        virtual int run() = 0;
    };

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace polyrtc::relay::server
