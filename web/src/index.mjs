// ES module entry (`import * as polyrtc from 'polyrtc'`): exports the API, installs nothing.
// polyrtc.wasm is expected beside this file unless configure({wasmUrl}) says otherwise.
import { setWasmUrl } from './engine/loader.mjs';

setWasmUrl(new URL('polyrtc.wasm', import.meta.url).href);

export * from './api.mjs';
