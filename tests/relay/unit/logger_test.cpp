#include "relay/log/logger.hpp"

#include <sstream>

#include <doctest/doctest.h>

namespace polyrtc::relay::log {

TEST_CASE("relay.log: one JSON object per line, ts/level/event first") {
    const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764039600123));
    const auto line = format_line({Level::kWarn, "listening", {{"http_port", 8080}, {"event", "ignored"}}}, when);
    CHECK(line == R"({"ts":"2025-11-25T03:00:00.123Z","level":"warn","event":"listening","http_port":8080})");
}

TEST_CASE("relay.log: invalid UTF-8 in a field is replaced, not thrown") {
    const std::string hostile = std::string("room\xff\xfe");
    const auto line = format_line({Level::kInfo, "x", {{"room", hostile}}}, std::chrono::system_clock::time_point{});
    CHECK(line.find("\"room\":\"room") != std::string::npos);
    CHECK(nlohmann::json::parse(line)["event"] == "x");
}

TEST_CASE("relay.log: lines below the minimum level are dropped") {
    std::ostringstream out;
    Logger logger(out, Level::kWarn);
    logger.info("quiet");
    logger.error("loud", {{"n", 1}});
    const std::string text = out.str();
    CHECK(text.find("quiet") == std::string::npos);
    CHECK(text.find("\"event\":\"loud\"") != std::string::npos);
    CHECK(text.back() == '\n');
}

}  // namespace polyrtc::relay::log
