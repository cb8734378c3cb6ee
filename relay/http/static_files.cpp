#include "relay/http/static_files.hpp"

#include <fstream>
#include <system_error>

namespace polyrtc::relay::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

FileResponse error_response(int status, std::string body) {
    FileResponse response;
    response.status = status;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::move(body);
    return response;
}

}  // namespace

const char* to_string(PathError error) {
    switch (error) {
        case PathError::kNotAbsolute: return "request path does not start with '/'";
        case PathError::kBadEncoding: return "malformed percent-encoding in request path";
        case PathError::kForbiddenSegment: return "forbidden segment in request path";
    }
    return "unknown path error";
}

Result<RequestPath, PathError> parse_request_path(std::string_view target) {
    const auto end = target.find_first_of("?#");
    const std::string_view path = target.substr(0, end);
    if (path.empty() || path.front() != '/') return unexpected(PathError::kNotAbsolute);

    RequestPath result;
    std::string segment;
    bool segment_started = false;
    auto finish_segment = [&]() -> bool {
        if (!segment_started) return true;
        if (segment == "." || segment == "..") return false;
        result.segments.push_back(std::move(segment));
        segment.clear();
        segment_started = false;
        return true;
    };
    for (size_t i = 1; i < path.size(); ++i) {
        char c = path[i];
        if (c == '/') {
            // "//" collapses; an empty segment names nothing.
            if (!finish_segment()) return unexpected(PathError::kForbiddenSegment);
            continue;
        }
        if (c == '%') {
            if (i + 2 >= path.size()) return unexpected(PathError::kBadEncoding);
            const int high = hex_value(path[i + 1]);
            const int low = hex_value(path[i + 2]);
            if (high < 0 || low < 0) return unexpected(PathError::kBadEncoding);
            c = static_cast<char>(high * 16 + low);
            i += 2;
            if (c == '/') return unexpected(PathError::kBadEncoding);
        }
        if (c == '\0' || c == '\\') return unexpected(PathError::kForbiddenSegment);
        segment.push_back(c);
        segment_started = true;
    }
    result.trailing_slash = path.size() > 1 && path.back() == '/';
    if (!finish_segment()) return unexpected(PathError::kForbiddenSegment);
    return result;
}

std::string_view mime_type_for(std::string_view file_name) {
    const auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) return "application/octet-stream";
    const std::string ext = lower(file_name.substr(dot + 1));
    struct Entry {
        const char* ext;
        const char* type;
    };
    static constexpr Entry kTypes[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"wasm", "application/wasm"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ts", "text/plain; charset=utf-8"},  // TypeScript declarations, shown as text
        {"wav", "audio/wav"},
        {"ogg", "audio/ogg"},
        {"opus", "audio/ogg"},
        {"webm", "video/webm"},
        {"mp4", "video/mp4"},
    };
    for (const auto& entry : kTypes) {
        if (ext == entry.ext) return entry.type;
    }
    return "application/octet-stream";
}

FileResponse StaticFiles::get(std::string_view target) const {
    auto parsed = parse_request_path(target);
    if (!parsed) return error_response(400, std::string(to_string(parsed.error())) + "\n");

    std::filesystem::path path = root_;
    for (const auto& segment : parsed->segments) path /= segment;

    std::error_code ec;
    auto status = std::filesystem::status(path, ec);  // follows symlinks
    if (ec || !std::filesystem::exists(status)) return error_response(404, "not found\n");
    if (std::filesystem::is_directory(status)) {
        if (!parsed->segments.empty() && !parsed->trailing_slash) {
            FileResponse redirect = error_response(301, "moved\n");
            const auto query = target.find_first_of("?#");
            std::string location(target.substr(0, query));
            location += '/';
            if (query != std::string_view::npos) location += target.substr(query);
            redirect.location = std::move(location);
            return redirect;
        }
        path /= "index.html";
        status = std::filesystem::status(path, ec);
        if (ec || !std::filesystem::is_regular_file(status)) return error_response(404, "not found\n");
    } else if (parsed->trailing_slash) {
        return error_response(404, "not found\n");
    }
    if (!std::filesystem::is_regular_file(status)) return error_response(404, "not found\n");

    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return error_response(500, "cannot read file\n");
    if (size > kMaxFileSize) return error_response(500, "file too large to serve\n");
    std::ifstream in(path, std::ios::binary);
    if (!in) return error_response(500, "cannot read file\n");
    FileResponse response;
    response.body.resize(static_cast<size_t>(size));
    in.read(response.body.data(), static_cast<std::streamsize>(size));
    if (in.gcount() != static_cast<std::streamsize>(size)) return error_response(500, "cannot read file\n");
    response.content_type = std::string(mime_type_for(path.filename().string()));
    return response;
}

}  // namespace polyrtc::relay::http
