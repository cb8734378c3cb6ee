// Classic-script entry (<script src="polyrtc.js">): defines window.polyrtc and installs the
// API where the browser has none. Attributes on the script tag:
//   data-force          install even over a native implementation
//   data-relay="URL"    the relay (default: the page's own origin)
//   data-relay-credentials  ask the relay for time-limited TURN credentials when the page
//                       configures none (GET /turn-credentials, docs/relay.md)
//   data-wasm="URL"     where polyrtc.wasm is (default: beside this script)
import * as api from './api.mjs';
import { setWasmUrl } from './engine/loader.mjs';
import { setAskRelayForCredentials, setScriptRelay } from './relay.mjs';

const script = typeof document !== 'undefined' ? document.currentScript : null;
if (script && script.src) setWasmUrl(new URL(script.dataset.wasm ?? 'polyrtc.wasm', script.src).href);
else if (script?.dataset.wasm) setWasmUrl(new URL(script.dataset.wasm, location.href).href);
if (script?.dataset.relay) setScriptRelay(script.dataset.relay);
if (script?.hasAttribute('data-relay-credentials')) setAskRelayForCredentials(true);

const polyrtc = Object.freeze({ ...api });
Object.defineProperty(globalThis, 'polyrtc', { value: polyrtc, writable: true, configurable: true });
polyrtc.install({ force: script ? script.hasAttribute('data-force') : false });
