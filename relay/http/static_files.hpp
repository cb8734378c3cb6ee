// Static files under a web root: the demo pages and web/dist.
//
// Request targets are percent-decoded and split into segments; any `..` segment, `.`
// segment, empty segment in the middle, NUL, backslash or malformed %-escape makes the
// request a 400 before the filesystem is touched, so no request can name a file outside the
// web root. Symlinks inside the web root are followed (a deployment may link web/dist in).
// Directories serve their index.html; a directory named without its trailing slash is
// redirected to it (301) so relative links in the page resolve.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace polyrtc::relay::http {

enum class PathError {
    kNotAbsolute,       // target does not start with '/'
    kBadEncoding,       // malformed %-escape, or an escape decoding to NUL or '/'
    kForbiddenSegment,  // ".." or "." segment, backslash, NUL
};
const char* to_string(PathError error);

// Segments of the path part of `target` (query and fragment dropped), percent-decoded.
// "/" -> {}, "/a/b/" -> {"a", "b"} with `trailing_slash` set.
struct RequestPath {
    std::vector<std::string> segments;
    bool trailing_slash = false;
};
Result<RequestPath, PathError> parse_request_path(std::string_view target);

// MIME type for a file name by extension (lower-cased); application/octet-stream if unknown.
std::string_view mime_type_for(std::string_view file_name);

struct FileResponse {
    int status = 200;
    std::string content_type;  // set for 200
    std::string body;
    std::string location;  // set for 301
};

class StaticFiles {
public:
    static constexpr uintmax_t kMaxFileSize = 256ull * 1024 * 1024;

    explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}

    // GET of `target` (path + optional query). 200, 301, 400, 404 or 500.
    FileResponse get(std::string_view target) const;

private:
    std::filesystem::path root_;
};

}  // namespace polyrtc::relay::http
