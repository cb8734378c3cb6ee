// RelayServer: the Asio/WebSocket++ glue. One io_context, one thread.
//
// It owns the sockets and timers and nothing else: requests and messages are handed to the
// logic classes (StaticFiles, RoomHub, ...) and whatever they decide is carried out here.
// Handlers run on the io_context's thread only, so no state is shared between threads.
#pragma once

#include <memory>

#include "relay/config/options.hpp"
#include "relay/log/logger.hpp"

namespace polyrtc::relay::server {

class RelayServer {
public:
    RelayServer(config::Options options, log::Logger& logger);
    ~RelayServer();
    RelayServer(const RelayServer&) = delete;
    RelayServer& operator=(const RelayServer&) = delete;

    // Binds the listeners, logs the "listening" line and runs until SIGTERM/SIGINT, then
    // stops accepting, closes every connection and returns. Returns the process exit code
    // (0 after a clean shutdown, 1 when a listener cannot be bound).
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace polyrtc::relay::server
