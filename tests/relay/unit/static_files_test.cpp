#include "relay/http/static_files.hpp"

#include <doctest/doctest.h>

namespace polyrtc::relay::http {

TEST_CASE("relay.http: request paths are decoded into segments") {
    auto root = parse_request_path("/");
    REQUIRE(root.ok());
    CHECK(root->segments.empty());
    auto nested = parse_request_path("/a/b%20c/?q=..#..");
    REQUIRE(nested.ok());
    CHECK(nested->segments == std::vector<std::string>{"a", "b c"});
    CHECK(nested->trailing_slash);
    auto doubled = parse_request_path("//a//b");
    REQUIRE(doubled.ok());
    CHECK(doubled->segments == std::vector<std::string>{"a", "b"});
    CHECK_FALSE(doubled->trailing_slash);
}

TEST_CASE("relay.http: traversal and malformed paths are refused") {
    for (const char* target : {"/..", "/../x", "/a/../b", "/a/..", "/%2e%2e/x", "/%2E%2e", "/./x", "/a\\b", "/x%00y"}) {
        auto parsed = parse_request_path(target);
        CHECK_MESSAGE(!parsed.ok(), target);
        if (!parsed.ok()) CHECK(parsed.error() == PathError::kForbiddenSegment);
    }
    for (const char* target : {"/%", "/%2", "/%zz", "/a%2fb"}) {
        auto parsed = parse_request_path(target);
        CHECK_MESSAGE(!parsed.ok(), target);
        if (!parsed.ok()) CHECK(parsed.error() == PathError::kBadEncoding);
    }
    auto relative = parse_request_path("x/y");
    REQUIRE_FALSE(relative.ok());
    CHECK(relative.error() == PathError::kNotAbsolute);
    CHECK(parse_request_path("/...").ok());  // a file named "..." is just a name
}

TEST_CASE("relay.http: MIME types by extension") {
    CHECK(mime_type_for("polyrtc.wasm") == "application/wasm");
    CHECK(mime_type_for("a.js") == "text/javascript; charset=utf-8");
    CHECK(mime_type_for("a.MJS") == "text/javascript; charset=utf-8");
    CHECK(mime_type_for("index.html") == "text/html; charset=utf-8");
    CHECK(mime_type_for("x.json") == "application/json");
    CHECK(mime_type_for("noext") == "application/octet-stream");
    CHECK(mime_type_for("x.unknown") == "application/octet-stream");
}

}  // namespace polyrtc::relay::http
