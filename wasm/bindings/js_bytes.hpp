// Moving bytes across the Wasm boundary. Bytes always cross as copies: JS never keeps a
// view into Wasm memory, which moves when memory grows.
#pragma once

#include <emscripten/val.h>

#include "core/common/bytes.hpp"

namespace polyrtc::wasm {

// A fresh Uint8Array holding a copy of `bytes`.
inline emscripten::val to_uint8array(ByteView bytes) {
    emscripten::val view(emscripten::typed_memory_view(bytes.size(), bytes.data()));
    return view.call<emscripten::val>("slice");
}

// Copies a JS Uint8Array (or any array-like of numbers) into Bytes.
inline Bytes from_uint8array(const emscripten::val& array) {
    return emscripten::convertJSArrayToNumberVector<uint8_t>(array);
}

}  // namespace polyrtc::wasm
