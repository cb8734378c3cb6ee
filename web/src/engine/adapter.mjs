// The engine adapter: the only code that talks to the Wasm core's PeerConnectionCore
// (docs/internals/engine-contract.md). One EngineConnection per RTCPeerConnection; it owns
// the core object, the WebSocket to the relay (TURN over WebSocket, one message per frame),
// the one timer, and the pump.
import { loadCore } from './loader.mjs';
import { RTCError } from '../events.mjs';
import { reportError } from '../tasks.mjs';

const live = new Set(); // EngineConnections not yet closed, freed on page unload

if (typeof addEventListener === 'function') {
  addEventListener('pagehide', (event) => {
    if (event.persisted) return; // kept in the back/forward cache
    for (const engine of [...live]) engine.close();
  });
}


// A core error value {name, message[, errorDetail, ...]} as the exception the spec names.
export function toException(error) {
  const name = error?.name ?? 'OperationError';
  const message = `polyrtc: ${error?.message ?? ''}`;
  if (name === 'TypeError') return new TypeError(message);
  if (name === 'OperationError' && error?.errorDetail) return new RTCError({ ...error }, message);
  return new DOMException(message, name);
}

// RTCPeerConnection.generateCertificate's work: the core makes an ECDSA P-256 key pair and a
// self-signed certificate from `seed` (32 random bytes). Returns {fingerprint, der}.
export async function generateCertificateInCore(seed, notBeforeSeconds, notAfterSeconds) {
  const core = await loadCore();
  const result = core.generateCertificate(seed, notBeforeSeconds, notAfterSeconds);
  if (result.error !== undefined) throw new DOMException(`polyrtc: generateCertificate: ${result.error}`, 'OperationError');
  return { fingerprint: result.fingerprint, der: result.der };
}

function check(result) {
  if (result && result.error !== undefined && result.error !== null) throw toException(result.error);
  return result;
}

export class EngineConnection {
  #core;
  #relayUrl;
  #ws = null;
  #pendingFrames = [];
  #timer = null;
  #timerDeadline = -1; // the pollTimeout() the armed timer is for
  #closed = false;
  #onEvent;
  #onPumped;
  #held = null; // events kept back by hold(), in order

  // Resolves when the core is loaded and a PeerConnectionCore has been made for `config`
  // ({seed, iceServers, iceTransportPolicy, bundlePolicy, certificates}).
  // `onPumped` runs after every pump (bufferedAmount goes down as SCTP takes the bytes).
  static async open({ config, relayUrl, onEvent, onPumped = () => {} }) {
    const core = await loadCore();
    const pcCore = new core.PeerConnectionCore({
      ...config,
      nowMs: performance.now(),
      wallClockSeconds: Date.now() / 1000,
    });
    return new EngineConnection(pcCore, relayUrl, onEvent, onPumped);
  }

  constructor(core, relayUrl, onEvent, onPumped) {
    this.#core = core;
    this.#relayUrl = relayUrl;
    this.#onEvent = onEvent;
    this.#onPumped = onPumped;
    live.add(this);
  }

  get closed() { return this.#closed; }

  // Runs one command, then pumps: a command may produce packets, events or a new deadline.
  // Returns the command's result; a result with `error` throws the named exception.
  command(name, ...args) {
    if (this.#closed) throw new DOMException('polyrtc: the connection is closed', 'InvalidStateError');
    const result = this.#core[name](...args);
    this.pump();
    return check(result);
  }

  // Keeps the events that commands and input produce from here on until release(), which
  // hands them over in order. setLocalDescription uses it: the spec fires signalingstatechange
  // in the task that applies the description, and what the ICE agent does because of it
  // (gathering, candidates) comes in tasks queued after that one.
  hold() {
    this.#held ??= [];
  }

  release() {
    const held = this.#held ?? [];
    this.#held = null;
    for (const event of held) this.#onEvent(event);
  }

  get(name) {
    return this.#closed ? null : this.#core[name];
  }

  bufferedAmount(handle) {
    return this.#closed ? 0 : this.#core.bufferedAmount(handle);
  }

  // Drains everything the core has to say: frames to the relay, events, the next deadline.
  pump() {
    if (this.#closed) return;
    let out;
    while ((out = this.#core.pollTransmit()) !== null && out !== undefined) this.#send(out.data);
    let event;
    while ((event = this.#core.pollEvent()) !== null && event !== undefined) {
      if (this.#held) this.#held.push(event);
      else this.#onEvent(event);
    }
    if (this.#closed) return;
    this.#onPumped();
    // During a call every 20 ms frame in and out pumps: a timer already armed for the same
    // deadline stays as it is instead of being cleared and set again each time.
    const next = this.#core.pollTimeout();
    if (this.#timer !== null && next === this.#timerDeadline) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerDeadline = next;
    if (next >= 0) {
      this.#timer = setTimeout(() => this.#guarded(() => {
        this.#timer = null;
        this.#core.handleTimeout(performance.now());
        this.pump();
      }), Math.max(0, next - performance.now()));
    }
  }

  // Runs input from the network or the timer. The core never throws by contract; if a
  // binding does anyway, the error is reported and this connection's input stops there.
  #guarded(steps) {
    if (this.#closed) return;
    try {
      steps();
    } catch (error) {
      reportError(error);
    }
  }

  #send(bytes) {
    if (!this.#ws) this.#openSocket();
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(bytes);
    else this.#pendingFrames.push(bytes);
  }

  #openSocket() {
    const ws = new WebSocket(this.#relayUrl, 'turn');
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      for (const frame of this.#pendingFrames) ws.send(frame);
      this.#pendingFrames = [];
    };
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') return;
      this.#guarded(() => {
        this.#core.handleReceive(performance.now(), new Uint8Array(e.data));
        this.pump();
      });
    };
    // The core stops sending and lets ICE consent freshness time out (disconnected, then failed).
    ws.onclose = () => {
      this.#guarded(() => {
        this.#core.handleTransportClosed(performance.now());
        this.pump();
      });
    };
    this.#ws = ws;
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    live.delete(this);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    try {
      this.#core.close();
      // The core's goodbye (SCTP ABORT, DTLS close_notify, TURN deallocation) still leaves,
      // so the peer learns at once instead of when its consent checks time out. A socket
      // still connecting never carried anything: there is no one to tell.
      let out;
      while ((out = this.#core.pollTransmit()) !== null && out !== undefined) {
        if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(out.data);
      }
    } finally {
      this.#core.delete();
      if (this.#ws) {
        this.#ws.onmessage = null;
        this.#ws.onopen = null;
        this.#ws.onclose = null;
        this.#ws.close();
      }
      this.#pendingFrames = [];
      this.#held = null;
    }
  }
}
