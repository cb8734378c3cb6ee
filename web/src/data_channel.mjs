// RTCDataChannel and RTCDataChannelEvent (webrtc-pc §6.2).
import { BaseEventTarget, RTCError, RTCErrorEvent, defineEventHandlers } from './events.mjs';
import { queueTask } from './tasks.mjs';
import {
  domException, toBoolean, toDictionary, toUSVString, toUnsignedLong, toUnsignedShortEnforceRange,
  typeError, utf8Encode, utf8Length,
} from './webidl.mjs';

const kMaxIdentifierBytes = 65535;
// How much send() queues before it refuses with OperationError (the spec's "not enough buffer
// space"): Chromium's limit, so pages written against it behave the same here.
export const kMaxBufferedAmount = 16 * 1024 * 1024;

// RTCDataChannelInit after conversion and createDataChannel's checks (steps 5-11).
export function toDataChannelInit(label, dict) {
  const d = toDictionary(dict, 'RTCDataChannelInit');
  // WebIDL converts dictionary members in lexicographic order.
  const init = {
    label: toUSVString(label),
    id: d.id === undefined ? null : toUnsignedShortEnforceRange(d.id, 'id'),
    maxPacketLifeTime: d.maxPacketLifeTime === undefined ? null : toUnsignedShortEnforceRange(d.maxPacketLifeTime, 'maxPacketLifeTime'),
    maxRetransmits: d.maxRetransmits === undefined ? null : toUnsignedShortEnforceRange(d.maxRetransmits, 'maxRetransmits'),
    negotiated: d.negotiated === undefined ? false : toBoolean(d.negotiated),
    ordered: d.ordered === undefined ? true : toBoolean(d.ordered),
    protocol: d.protocol === undefined ? '' : toUSVString(d.protocol),
  };
  return init;
}

// The checks of createDataChannel that follow the IDL conversion, in the spec's order.
export function checkDataChannelInit(init) {
  if (utf8Length(init.label) > kMaxIdentifierBytes) throw typeError('createDataChannel: label is longer than 65535 bytes');
  if (utf8Length(init.protocol) > kMaxIdentifierBytes) throw typeError('createDataChannel: protocol is longer than 65535 bytes');
  // The id is only used for channels negotiated by the application; in-band (DCEP) channels
  // get theirs from the DTLS role (RFC 8832).
  if (!init.negotiated) init.id = null;
  if (init.negotiated && init.id === null) throw typeError('createDataChannel: a negotiated channel needs an id');
  if (init.maxPacketLifeTime !== null && init.maxRetransmits !== null) {
    throw typeError('createDataChannel: maxPacketLifeTime and maxRetransmits cannot both be set');
  }
  if (init.id === 65535) throw typeError('createDataChannel: id 65535 is out of range (the largest is 65534)');
}

// The size in bytes `send(data)` adds to bufferedAmount, and how the data is sent.
// Returns {binary, size, bytes} or, for a Blob (read asynchronously), {binary, size, blob}.
export function outgoingMessage(data) {
  if (typeof Blob !== 'undefined' && data instanceof Blob) return { binary: true, size: data.size, blob: data };
  if (data instanceof ArrayBuffer) return { binary: true, size: data.byteLength, bytes: new Uint8Array(data.slice(0)) };
  if (ArrayBuffer.isView(data)) {
    return { binary: true, size: data.byteLength, bytes: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
  }
  const bytes = utf8Encode(toUSVString(data));
  return { binary: false, size: bytes.byteLength, bytes };
}

let constructing = false;
// Functions the peer connection uses to drive its channels; they reach private state, so they
// are defined inside the class body.
export let channelInternals;

export class RTCDataChannel extends BaseEventTarget {
  #connection;
  #init;
  #id;
  #readyState = 'connecting';
  #bufferedAmount = 0;
  #bufferedAmountLowThreshold = 0;
  #binaryType = 'arraybuffer';
  #engine = null;
  #handle = null;
  #sendQueue = [];  // messages waiting for a Blob read before them
  #counters = { messagesSent: 0, bytesSent: 0, messagesReceived: 0, bytesReceived: 0 };
  #reading = false;

  constructor(...args) {
    if (!constructing) throw new TypeError('Illegal constructor');
    super();
    const [connection, init, readyState] = args;
    this.#connection = connection;
    this.#init = init;
    this.#id = init.id;
    this.#readyState = readyState;
  }

  get label() { return this.#init.label; }
  get ordered() { return this.#init.ordered; }
  get maxPacketLifeTime() { return this.#init.maxPacketLifeTime; }
  get maxRetransmits() { return this.#init.maxRetransmits; }
  get protocol() { return this.#init.protocol; }
  get negotiated() { return this.#init.negotiated; }
  get id() { return this.#id; }
  get readyState() { return this.#readyState; }
  get bufferedAmount() { return this.#bufferedAmount; }

  get bufferedAmountLowThreshold() { return this.#bufferedAmountLowThreshold; }
  set bufferedAmountLowThreshold(value) { this.#bufferedAmountLowThreshold = toUnsignedLong(value); }

  get binaryType() { return this.#binaryType; }
  set binaryType(value) {
    const s = `${value}`;
    if (s !== 'blob' && s !== 'arraybuffer') throw domException('SyntaxError', `binaryType must be 'blob' or 'arraybuffer', not '${s}'`);
    this.#binaryType = s;
  }

  send(data) {
    if (arguments.length < 1) throw typeError('send: 1 argument required, but only 0 present');
    if (this.#readyState !== 'open') throw domException('InvalidStateError', `send: the channel is ${this.#readyState}, not open`);
    const message = outgoingMessage(data);
    // Checked here too because a Blob (and whatever waits behind one) reaches the engine later.
    const maxMessageSize = this.#engine.get('maxMessageSize') ?? -1;
    if (maxMessageSize >= 0 && message.size > maxMessageSize) {
      throw typeError(`send: the message is ${message.size} bytes, more than the peer's max-message-size of ${maxMessageSize}`);
    }
    if (this.#bufferedAmount + message.size > kMaxBufferedAmount) {
      throw domException('OperationError', `send: ${this.#bufferedAmount} bytes are already queued; ${message.size} more would pass the ${kMaxBufferedAmount}-byte limit`);
    }
    if (message.blob || this.#sendQueue.length > 0) {
      this.#sendQueue.push(message);
      this.#bufferedAmount += message.size;
      this.#drainSendQueue();
      return;
    }
    // Throws the core's error (TypeError over max-message-size, OperationError when full).
    // Counted first: the command pumps, and the pump looks for channels with bytes buffered.
    this.#bufferedAmount += message.size;
    try {
      this.#engine.command('sendData', this.#handle, message.binary, message.bytes);
    } catch (error) {
      this.#bufferedAmount -= message.size;
      throw error;
    }
    this.#countSent(message.size);
  }

  #countSent(size) {
    this.#counters.messagesSent++;
    this.#counters.bytesSent += size;
  }

  async #drainSendQueue() {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (this.#sendQueue.length > 0) {
        const message = this.#sendQueue[0];
        if (message.blob) message.bytes = new Uint8Array(await message.blob.arrayBuffer());
        this.#sendQueue.shift();
        if (this.#readyState !== 'open' || this.#engine.closed) return;
        try {
          this.#engine.command('sendData', this.#handle, message.binary, message.bytes);
        } catch (error) {
          this.#failWith(`send: ${error.message}`);
          return;
        }
        this.#countSent(message.size);
      }
    } finally {
      this.#reading = false;
    }
  }

  #failWith(message) {
    if (this.#readyState === 'closed') return;
    queueTask(() => {
      if (this.#connection.closedForChannels || this.#readyState === 'closed') return;
      const error = new RTCError({ errorDetail: 'data-channel-failure' }, message);
      this.dispatchEvent(new RTCErrorEvent('error', { error }));
    });
    this.close();
  }

  close() {
    if (this.#readyState === 'closing' || this.#readyState === 'closed') return;
    this.#readyState = 'closing';
    if (this.#engine && this.#handle !== null && !this.#engine.closed) {
      this.#engine.command('closeDataChannel', this.#handle);
      return;
    }
    // Never reached the engine: there is no transport to close, the channel is closed now.
    queueTask(() => {
      if (this.#connection.closedForChannels || this.#readyState === 'closed') return;
      this.#readyState = 'closed';
      this.dispatchEvent(new Event('close'));
    });
  }

  get [Symbol.toStringTag]() { return 'RTCDataChannel'; }

  static {
    channelInternals = {
      create(connection, init, readyState = 'connecting') {
        constructing = true;
        try {
          return new RTCDataChannel(connection, init, readyState);
        } finally {
          constructing = false;
        }
      },
      init(channel) { return channel.#init; },
      // RTCDataChannelStats members this side counts (webrtc-stats §5.10).
      stats(channel) {
        return {
          label: channel.#init.label, protocol: channel.#init.protocol, dataChannelIdentifier: channel.#id ?? undefined,
          state: channel.#readyState, ...channel.#counters,
        };
      },
      // The engine made the channel's SCTP stream: from now on sends go to `handle`.
      attach(channel, engine, handle, id) {
        channel.#engine = engine;
        channel.#handle = handle;
        if (id !== null && id !== undefined && id >= 0) channel.#id = id;
      },
      handle(channel) { return channel.#handle; },
      setId(channel, id) {
        if (id !== null && id !== undefined && id >= 0) channel.#id = id;
      },
      // "Announce the data channel as open".
      announceOpen(channel) {
        if (channel.#readyState !== 'connecting') return;
        channel.#readyState = 'open';
        channel.dispatchEvent(new Event('open'));
      },
      markOpen(channel) { channel.#readyState = 'open'; },
      receive(channel, binary, bytes) {
        if (channel.#readyState !== 'open') return;
        channel.#counters.messagesReceived++;
        channel.#counters.bytesReceived += bytes.byteLength;
        let data;
        if (!binary) data = new TextDecoder().decode(bytes);
        else if (channel.#binaryType === 'blob') data = new Blob([bytes]);
        else data = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
        const origin = typeof location !== 'undefined' ? location.origin : '';
        channel.dispatchEvent(new MessageEvent('message', { data, origin }));
      },
      // The engine reports how much it still holds; bufferedAmount only goes down in a task.
      updateBufferedAmount(channel, engineAmount) {
        const queued = channel.#sendQueue.reduce((sum, m) => sum + m.size, 0);
        const amount = engineAmount + queued;
        if (amount >= channel.#bufferedAmount) return;
        const before = channel.#bufferedAmount;
        channel.#bufferedAmount = amount;
        if (before > channel.#bufferedAmountLowThreshold && amount <= channel.#bufferedAmountLowThreshold) {
          channel.dispatchEvent(new Event('bufferedamountlow'));
        }
      },
      announceClosing(channel) {
        if (channel.#readyState === 'closed' || channel.#readyState === 'closing') return;
        channel.#readyState = 'closing';
        channel.dispatchEvent(new Event('closing'));
      },
      announceError(channel, message) {
        if (channel.#readyState === 'closed') return;
        const error = new RTCError({ errorDetail: 'data-channel-failure' }, message);
        channel.dispatchEvent(new RTCErrorEvent('error', { error }));
      },
      announceClosed(channel, errorDetail = null, message = '') {
        if (channel.#readyState === 'closed') return;
        channel.#readyState = 'closed';
        if (errorDetail) channel.dispatchEvent(new RTCErrorEvent('error', { error: new RTCError({ errorDetail }, message) }));
        channel.dispatchEvent(new Event('close'));
      },
      // RTCPeerConnection.close(): closed at once, no events.
      closeSilently(channel) {
        channel.#readyState = 'closed';
        channel.#sendQueue = [];
      },
    };
  }
}

defineEventHandlers(RTCDataChannel.prototype, ['open', 'bufferedamountlow', 'error', 'closing', 'close', 'message']);

export class RTCDataChannelEvent extends Event {
  #channel;

  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw new TypeError(`RTCDataChannelEvent: 2 arguments required, but only ${arguments.length} present`);
    if (eventInitDict === null || typeof eventInitDict !== 'object' || eventInitDict.channel === undefined) {
      throw new TypeError("RTCDataChannelEvent: required member 'channel' is missing");
    }
    if (!(eventInitDict.channel instanceof RTCDataChannel)) throw new TypeError("RTCDataChannelEvent: 'channel' is not an RTCDataChannel");
    super(type, eventInitDict);
    this.#channel = eventInitDict.channel;
  }

  get channel() { return this.#channel; }
}
