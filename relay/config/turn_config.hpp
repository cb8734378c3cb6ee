// From command-line options to the TURN logic's configuration.
#pragma once

#include "relay/config/options.hpp"
#include "relay/turn/turn_server.hpp"

namespace polyrtc::relay::config {

// Precondition: `options` came from parse_command_line (so the ranges parse).
turn::TurnConfig make_turn_config(const Options& options, net::AddressFamily relay_family);

}  // namespace polyrtc::relay::config
