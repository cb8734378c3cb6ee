#include "core/peer/api_error.hpp"

namespace polyrtc::peer {

const char* to_string(ErrorName name) {
    switch (name) {
        case ErrorName::kInvalidStateError: return "InvalidStateError";
        case ErrorName::kInvalidModificationError: return "InvalidModificationError";
        case ErrorName::kInvalidAccessError: return "InvalidAccessError";
        case ErrorName::kOperationError: return "OperationError";
        case ErrorName::kNotSupportedError: return "NotSupportedError";
        case ErrorName::kSyntaxError: return "SyntaxError";
        case ErrorName::kInvalidCharacterError: return "InvalidCharacterError";
        case ErrorName::kTypeError: return "TypeError";
    }
    return "OperationError";
}

ApiError from_negotiation(const sdp::NegotiationError& error) {
    ApiError out;
    switch (error.name) {
        case sdp::JsepError::kInvalidStateError: out.name = ErrorName::kInvalidStateError; break;
        case sdp::JsepError::kInvalidModificationError: out.name = ErrorName::kInvalidModificationError; break;
        case sdp::JsepError::kInvalidAccessError: out.name = ErrorName::kInvalidAccessError; break;
        case sdp::JsepError::kOperationError: out.name = ErrorName::kOperationError; break;
        case sdp::JsepError::kTypeError: out.name = ErrorName::kTypeError; break;
    }
    out.message = error.message;
    if (error.syntax) {
        out.error_detail = "sdp-syntax-error";
        out.sdp_line_number = static_cast<int>(error.syntax->line_number);
        out.message = error.syntax->to_string();
    }
    return out;
}

}  // namespace polyrtc::peer
