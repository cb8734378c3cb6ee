// EventTarget, Event and `on*` event handler attributes.
//
// The browser's own EventTarget and Event are used when they can be subclassed (every engine
// from 2018 on); otherwise a small EventTarget with the same observable order is used.
// Event handler attributes follow HTML's rules: the first non-null assignment adds a listener
// at that point of the listener list, later assignments replace the callback in place, null
// removes it (so a later assignment goes to the end again).

import { reportError } from './tasks.mjs';

function nativeEventTargetWorks() {
  try {
    const Probe = class extends EventTarget {};
    const probe = new Probe();
    let seen = false;
    probe.addEventListener('x', () => { seen = true; });
    probe.dispatchEvent(new Event('x'));
    return seen;
  } catch {
    return false;
  }
}

// Exported for its tests (tests/js/web/events.test.mjs).
export class FallbackEventTarget {
  #listeners = new Map();

  addEventListener(type, callback, options) {
    if (callback === null || callback === undefined) return;
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    const once = typeof options === 'object' && options !== null && Boolean(options.once);
    const list = this.#listeners.get(`${type}`) ?? [];
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    list.push({ callback, capture, once, removed: false });
    this.#listeners.set(`${type}`, list);
  }

  removeEventListener(type, callback, options) {
    const capture = typeof options === 'boolean' ? options : Boolean(options?.capture);
    const list = this.#listeners.get(`${type}`);
    if (!list) return;
    const index = list.findIndex((l) => l.callback === callback && l.capture === capture);
    if (index >= 0) {
      list[index].removed = true;
      list.splice(index, 1);
    }
  }

  dispatchEvent(event) {
    const list = [...(this.#listeners.get(event.type) ?? [])];
    try {
      Object.defineProperty(event, 'target', { value: this, configurable: true });
      Object.defineProperty(event, 'currentTarget', { value: this, configurable: true });
    } catch { /* a native Event already has them */ }
    for (const listener of list) {
      if (listener.removed) continue;
      if (listener.once) this.removeEventListener(event.type, listener.callback, listener.capture);
      try {
        if (typeof listener.callback === 'function') listener.callback.call(this, event);
        else listener.callback.handleEvent(event);
      } catch (error) {
        reportError(error);
      }
    }
    return !event.defaultPrevented;
  }
}

export const BaseEventTarget = nativeEventTargetWorks() ? EventTarget : FallbackEventTarget;

const handlerSlots = new WeakMap(); // target -> Map(type -> {value, listener})

// Defines `on<type>` accessors on `proto` for each event type.
export function defineEventHandlers(proto, types) {
  for (const type of types) {
    Object.defineProperty(proto, `on${type}`, {
      configurable: true,
      enumerable: true,
      get() {
        return handlerSlots.get(this)?.get(type)?.value ?? null;
      },
      set(value) {
        // [LegacyTreatNonObjectAsNull]: anything that is not an object is null.
        const handler = (typeof value === 'function' || (typeof value === 'object' && value !== null)) ? value : null;
        let slots = handlerSlots.get(this);
        if (!slots) handlerSlots.set(this, (slots = new Map()));
        const slot = slots.get(type);
        if (handler === null) {
          if (slot) {
            this.removeEventListener(type, slot.listener);
            slots.delete(type);
          }
          return;
        }
        if (slot) {
          slot.value = handler;
          return;
        }
        const target = this;
        const newSlot = {
          value: handler,
          listener(event) {
            const callback = newSlot.value;
            // A non-callable object is called like a function would be: a TypeError, reported.
            const result = callback.call(target, event);
            if (result === false) event.preventDefault();
          },
        };
        slots.set(type, newSlot);
        this.addEventListener(type, newSlot.listener);
      },
    });
  }
}

// Event subclasses carrying read-only attributes, as the spec's event interfaces do.
export class RTCPeerConnectionIceEvent extends Event {
  #candidate;
  #url;

  constructor(type, eventInitDict = {}) {
    if (arguments.length < 1) throw new TypeError("RTCPeerConnectionIceEvent: 1 argument required, but only 0 present");
    const init = eventInitDict ?? {};
    super(type, init);
    this.#candidate = init.candidate ?? null;
    this.#url = init.url ?? null;
  }

  get candidate() { return this.#candidate; }
  get url() { return this.#url; }
}

// RTCPeerConnectionIceErrorEvent (webrtc-pc §4.8.4): gathering through a server failed.
export class RTCPeerConnectionIceErrorEvent extends Event {
  #address;
  #port;
  #url;
  #errorCode;
  #errorText;

  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError(`RTCPeerConnectionIceErrorEvent: 2 arguments required, but only ${arguments.length} present`);
    if (eventInitDict === null || typeof eventInitDict !== 'object' || eventInitDict.errorCode === undefined) {
      throw new TypeError("RTCPeerConnectionIceErrorEvent: required member 'errorCode' is missing");
    }
    super(type, eventInitDict);
    const code = Number(eventInitDict.errorCode);
    if (!Number.isFinite(code) || code < 0 || code > 65535) throw new TypeError('RTCPeerConnectionIceErrorEvent: errorCode is not an unsigned short');
    this.#errorCode = Math.trunc(code);
    this.#address = eventInitDict.address ?? null;
    this.#port = eventInitDict.port ?? null;
    this.#url = `${eventInitDict.url ?? ''}`;
    this.#errorText = `${eventInitDict.errorText ?? ''}`;
  }

  get address() { return this.#address; }
  get port() { return this.#port; }
  get url() { return this.#url; }
  get errorCode() { return this.#errorCode; }
  get errorText() { return this.#errorText; }
}

export class RTCErrorEvent extends Event {
  #error;

  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError(`RTCErrorEvent: 2 arguments required, but only ${arguments.length} present`);
    if (eventInitDict === null || typeof eventInitDict !== 'object' || !('error' in eventInitDict) || eventInitDict.error === undefined) {
      throw new TypeError("RTCErrorEvent: required member 'error' is missing");
    }
    if (!(eventInitDict.error instanceof RTCError)) throw new TypeError("RTCErrorEvent: 'error' is not an RTCError");
    super(type, eventInitDict);
    this.#error = eventInitDict.error;
  }

  get error() { return this.#error; }
}

const kErrorDetailTypes = [
  'data-channel-failure', 'dtls-failure', 'fingerprint-failure', 'sctp-failure', 'sdp-syntax-error',
  'hardware-encoder-not-available', 'hardware-encoder-error',
];

// RTCError is a DOMException whose name is always "OperationError".
export class RTCError extends DOMException {
  #init;

  constructor(init, message = '') {
    if (arguments.length < 1) throw new TypeError('RTCError: 1 argument required, but only 0 present');
    if (init === null || typeof init !== 'object' || init.errorDetail === undefined) {
      throw new TypeError("RTCError: required member 'errorDetail' is missing");
    }
    const detail = `${init.errorDetail}`;
    if (!kErrorDetailTypes.includes(detail)) throw new TypeError(`RTCError: '${detail}' is not a valid RTCErrorDetailType`);
    super(`${message}`, 'OperationError');
    const num = (v) => (v === undefined || v === null ? null : Number(v));
    this.#init = {
      errorDetail: detail,
      sdpLineNumber: num(init.sdpLineNumber),
      sctpCauseCode: num(init.sctpCauseCode),
      receivedAlert: num(init.receivedAlert),
      sentAlert: num(init.sentAlert),
      httpRequestStatusCode: num(init.httpRequestStatusCode),
    };
  }

  get errorDetail() { return this.#init.errorDetail; }
  get sdpLineNumber() { return this.#init.sdpLineNumber; }
  get sctpCauseCode() { return this.#init.sctpCauseCode; }
  get receivedAlert() { return this.#init.receivedAlert; }
  get sentAlert() { return this.#init.sentAlert; }
  get httpRequestStatusCode() { return this.#init.httpRequestStatusCode; }
}

// RTCDataChannelEvent is defined with RTCDataChannel (it checks the channel's type).

// The media interfaces RTCTrackEvent checks its members against, registered by
// rtp_transceiver.mjs (importing it here would make the two modules import each other).
const mediaTypes = { isReceiver: () => true, isTransceiver: () => true, isTrack: () => true, isStream: () => true };
export function registerMediaTypes(types) {
  Object.assign(mediaTypes, types);
}

function requiredMember(init, name, check, what, iface) {
  if (init[name] === undefined) throw new TypeError(`${iface}: required member '${name}' is missing`);
  if (!check(init[name])) throw new TypeError(`${iface}: '${name}' is not ${what}`);
  return init[name];
}

// RTCTrackEvent (webrtc-pc §5.7): a remote track started arriving on a receiver.
export class RTCTrackEvent extends Event {
  #receiver;
  #track;
  #streams;
  #transceiver;

  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError(`RTCTrackEvent: 2 arguments required, but only ${arguments.length} present`);
    if (eventInitDict === null || typeof eventInitDict !== 'object') throw new TypeError('RTCTrackEvent: eventInitDict is not an object');
    const receiver = requiredMember(eventInitDict, 'receiver', mediaTypes.isReceiver, 'an RTCRtpReceiver', 'RTCTrackEvent');
    const track = requiredMember(eventInitDict, 'track', mediaTypes.isTrack, 'a MediaStreamTrack', 'RTCTrackEvent');
    const transceiver = requiredMember(eventInitDict, 'transceiver', mediaTypes.isTransceiver, 'an RTCRtpTransceiver', 'RTCTrackEvent');
    const streams = eventInitDict.streams === undefined ? [] : [...eventInitDict.streams];
    if (!streams.every((s) => mediaTypes.isStream(s))) throw new TypeError("RTCTrackEvent: 'streams' has an element that is not a MediaStream");
    super(type, eventInitDict);
    this.#receiver = receiver;
    this.#track = track;
    this.#streams = Object.freeze(streams);
    this.#transceiver = transceiver;
  }

  get receiver() { return this.#receiver; }
  get track() { return this.#track; }
  get streams() { return this.#streams; }
  get transceiver() { return this.#transceiver; }
}

// MediaStreamEvent (the 2013 draft's addstream/removestream event, kept by browsers for
// spec example 10.1's onaddstream): {stream}.
export class MediaStreamEvent extends Event {
  #stream;

  constructor(type, eventInitDict = {}) {
    if (arguments.length < 1) throw new TypeError('MediaStreamEvent: 1 argument required, but only 0 present');
    const init = eventInitDict ?? {};
    if (typeof init !== 'object') throw new TypeError('MediaStreamEvent: eventInitDict is not an object');
    const stream = init.stream ?? null;
    if (stream !== null && !mediaTypes.isStream(stream)) throw new TypeError("MediaStreamEvent: 'stream' is not a MediaStream");
    super(type, init);
    this.#stream = stream;
  }

  get stream() { return this.#stream; }
}

// polyrtc's non-standard `dtmf` event: a DTMF tone the peer sent, fired at the RTCRtpReceiver
// that received it and at the RTCPeerConnection (docs/api.md). `duration` in ms.
export class RTCDTMFReceivedEvent extends Event {
  #tone;
  #duration;
  #receiver;
  #track;

  constructor(type, eventInitDict = {}) {
    if (arguments.length < 1) throw new TypeError('RTCDTMFReceivedEvent: 1 argument required, but only 0 present');
    const init = eventInitDict ?? {};
    super(type, init);
    this.#tone = `${init.tone ?? ''}`;
    this.#duration = Number(init.duration ?? 0);
    this.#receiver = init.receiver ?? null;
    this.#track = init.track ?? null;
  }

  get tone() { return this.#tone; }
  get duration() { return this.#duration; }
  get receiver() { return this.#receiver; }
  get track() { return this.#track; }
}
