// Test helper: bytes from a hex string that may contain spaces and newlines.
#pragma once

#include <string_view>

#include "core/common/bytes.hpp"

namespace polyrtc::testing {

inline Bytes from_hex(std::string_view hex) {
    Bytes out;
    int hi = -1;
    for (char c : hex) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) continue;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<uint8_t>(hi * 16 + v));
            hi = -1;
        }
    }
    return out;
}

}  // namespace polyrtc::testing
