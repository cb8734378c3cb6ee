// ApiError: how a failed PeerConnection command reaches the W3C API.
//
// Every command of core/peer that can fail returns an ApiError whose `name` is the exception
// the W3C webrtc-pc algorithm requires at that point (a DOMException name, or "TypeError"),
// so the JS layer rejects with exactly that, and `message` says what to do about it.
#pragma once

#include <optional>
#include <string>

#include "core/sdp/jsep.hpp"

namespace polyrtc::peer {

enum class ErrorName {
    kInvalidStateError,
    kInvalidModificationError,
    kInvalidAccessError,
    kOperationError,
    kNotSupportedError,
    kSyntaxError,
    kInvalidCharacterError,
    kTypeError,  // a JS TypeError, not a DOMException
};
// The spec's spelling: "InvalidStateError", ..., "TypeError".
const char* to_string(ErrorName name);

struct ApiError {
    ErrorName name = ErrorName::kOperationError;
    std::string message;
    // RTCError fields, for SDP that did not parse ("sdp-syntax-error").
    std::optional<std::string> error_detail;
    std::optional<int> sdp_line_number;
};

// The API error for a failed negotiator call (an SDP syntax error carries RTCError's fields).
ApiError from_negotiation(const sdp::NegotiationError& error);

}  // namespace polyrtc::peer
