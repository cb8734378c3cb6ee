// Loads the Wasm core (web/dist/polyrtc-core.js, an Emscripten MODULARIZE factory, and
// polyrtc.wasm) once per page. Nothing outside engine/ touches the module.
import createPolyrtcCore from '../../dist/polyrtc-core.js';

/* global POLYRTC_INLINE_WASM */
// Set by build.mjs: the .wasm as base64 in the inline build, null otherwise.
const kInlineWasm = typeof POLYRTC_INLINE_WASM === 'string' ? POLYRTC_INLINE_WASM : null;

let wasmUrl = null;
let corePromise = null;

// Where polyrtc.wasm is fetched from; the entry points set it from the script's own URL.
export function setWasmUrl(url) {
  wasmUrl = url === null || url === undefined ? null : `${url}`;
}

export function getWasmUrl() {
  return wasmUrl;
}

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// The module, loading it on first call. A failed load is remembered, and every later call
// gets the same rejection (a NotSupportedError naming the URL).
export function loadCore() {
  if (corePromise) return corePromise;
  const args = {
    locateFile(path, prefix) {
      if (path.endsWith('.wasm') && wasmUrl !== null) return wasmUrl;
      return prefix + path;
    },
    // The module's own printErr goes to console.warn: a log line, not an error.
    printErr(text) { console.warn(`polyrtc core: ${text}`); },
  };
  if (kInlineWasm !== null) args.wasmBinary = decodeBase64(kInlineWasm);
  corePromise = Promise.resolve()
    .then(() => createPolyrtcCore(args))
    .catch((error) => {
      throw new DOMException(
        `polyrtc: the WebAssembly core could not be loaded from ${wasmUrl ?? 'beside the script'} (${error?.message ?? error})`,
        'NotSupportedError');
    });
  return corePromise;
}
