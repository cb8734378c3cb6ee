// Loads the Wasm core (web/dist/polyrtc-core.js + polyrtc.wasm) in Node.
//
// Emscripten 3.1.6's loader would fetch() the .wasm by file path under Node 18+, which fails;
// handing it the bytes as `wasmBinary` avoids that.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { webDist } from './paths.mjs';

export async function loadWasmCore() {
  const require = createRequire(import.meta.url);
  const createPolyrtcCore = require(path.join(webDist, 'polyrtc-core.js'));
  return createPolyrtcCore({ wasmBinary: readFileSync(path.join(webDist, 'polyrtc.wasm')) });
}
