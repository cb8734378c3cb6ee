#include "relay/log/logger.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace polyrtc::relay::log {

const char* to_string(Level level) {
    switch (level) {
        case Level::kDebug: return "debug";
        case Level::kInfo: return "info";
        case Level::kWarn: return "warn";
        case Level::kError: return "error";
    }
    return "unknown";
}

std::string format_timestamp(std::chrono::system_clock::time_point when) {
    const auto since_epoch = when.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    const std::time_t t = static_cast<std::time_t>(seconds.count());
    std::tm utc{};
    gmtime_r(&t, &utc);
    std::ostringstream out;
    out << std::put_time(&utc, "%Y-%m-%dT%H:%M:%S") << '.' << std::setw(3) << std::setfill('0') << millis << 'Z';
    return out.str();
}

std::string format_line(const LogRecord& record, std::chrono::system_clock::time_point when) {
    nlohmann::ordered_json line;
    line["ts"] = format_timestamp(when);
    line["level"] = to_string(record.level);
    line["event"] = record.event;
    if (record.fields.is_object()) {
        for (const auto& [key, value] : record.fields.items()) {
            if (key == "ts" || key == "level" || key == "event") continue;
            line[key] = value;
        }
    }
    return line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void Logger::write(const LogRecord& record) {
    if (record.level < min_level_) return;
    out_ << format_line(record, std::chrono::system_clock::now()) << '\n';
    out_.flush();
}

}  // namespace polyrtc::relay::log
