// polyrtc-relay: see `polyrtc-relay --help` and docs/relay.md.
#include <iostream>
#include <string>
#include <vector>

#include "relay/config/options.hpp"
#include "relay/log/logger.hpp"
#include "relay/server/relay_server.hpp"

int main(int argc, char** argv) {
    using namespace polyrtc::relay;
    std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
    auto outcome = config::parse_command_line(args);
    if (!outcome.options) {
        std::cout << outcome.output << std::flush;
        std::cerr << outcome.error << std::flush;
        return outcome.exit_code;
    }
    log::Logger logger(std::cout);
    try {
        server::RelayServer server(std::move(*outcome.options), logger, args);
        return server.run();
    } catch (const std::exception& e) {
        // Only reached for failures WebSocket++/Asio report by throwing outside a handler.
        logger.error("fatal", {{"message", e.what()}});
        return 1;
    }
}
