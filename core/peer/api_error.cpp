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
        case ErrorName::kTypeError: return "TypeError";
    }
    return "OperationError";
}

}  // namespace polyrtc::peer
