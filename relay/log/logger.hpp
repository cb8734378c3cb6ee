// Structured logging: every line the relay writes to stdout is one JSON object.
//
//   {"ts":"2026-11-25T03:00:00.123Z","level":"info","event":"listening","http_port":8080}
//
// The logic classes never write logs themselves; they return LogRecord values as actions
// and the glue hands them to a Logger, which adds the wall-clock timestamp.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace polyrtc::relay::log {

enum class Level { kDebug, kInfo, kWarn, kError };
const char* to_string(Level level);

struct LogRecord {
    Level level = Level::kInfo;
    std::string event;
    // Extra key/value pairs; must be a JSON object (or null for none). Keys "ts", "level"
    // and "event" are reserved and overwritten.
    nlohmann::json fields;
};

// RFC 3339 UTC timestamp with milliseconds, e.g. "2026-11-25T03:00:00.123Z".
std::string format_timestamp(std::chrono::system_clock::time_point when);

// One log line (without the trailing newline). Invalid UTF-8 in any string is replaced,
// never thrown: hostile input that ends up in a log field cannot break logging.
std::string format_line(const LogRecord& record, std::chrono::system_clock::time_point when);

class Logger {
public:
    explicit Logger(std::ostream& out, Level min_level = Level::kInfo) : out_(out), min_level_(min_level) {}

    void write(const LogRecord& record);
    void info(std::string event, nlohmann::json fields = nullptr) {
        write({Level::kInfo, std::move(event), std::move(fields)});
    }
    void warn(std::string event, nlohmann::json fields = nullptr) {
        write({Level::kWarn, std::move(event), std::move(fields)});
    }
    void error(std::string event, nlohmann::json fields = nullptr) {
        write({Level::kError, std::move(event), std::move(fields)});
    }

private:
    std::ostream& out_;
    Level min_level_;
};

}  // namespace polyrtc::relay::log
