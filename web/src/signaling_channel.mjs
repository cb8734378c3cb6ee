// SignalingChannel: the helper the spec examples (10.1, 10.3) assume. A WebSocket to the
// relay's /signal?room=NAME; every text message sent is delivered verbatim to the other pages
// in the room. NAME is the page URL's `room` query parameter, else its #hash, else "default".
// The relay takes room names of 1-64 characters from A-Z a-z 0-9 . _ ~ - (and refuses the
// connection otherwise), so another name is a SyntaxError here, where the page can see it.
import { BaseEventTarget, defineEventHandlers } from './events.mjs';
import { relayEndpoint } from './relay.mjs';
import { domException, toDOMString } from './webidl.mjs';

export function roomFromLocation(loc = typeof location !== 'undefined' ? location : null) {
  if (!loc) return 'default';
  const fromQuery = new URLSearchParams(loc.search).get('room');
  if (fromQuery) return fromQuery;
  const hash = loc.hash.replace(/^#/, '');
  if (hash) {
    try {
      return decodeURIComponent(hash);
    } catch {
      return hash;
    }
  }
  return 'default';
}

const kRoomName = /^[A-Za-z0-9._~-]{1,64}$/;

export class SignalingChannel extends BaseEventTarget {
  #ws;
  #queue = [];
  #room;

  constructor(room = roomFromLocation()) {
    super();
    this.#room = toDOMString(room);
    if (!kRoomName.test(this.#room)) {
      throw domException('SyntaxError', `SignalingChannel: room name '${this.#room}' must be 1-64 characters from A-Z a-z 0-9 . _ ~ -`);
    }
    this.#ws = new WebSocket(`${relayEndpoint('signal')}?room=${this.#room}`);
    this.#ws.onopen = () => {
      for (const message of this.#queue) this.#ws.send(message);
      this.#queue = [];
      this.dispatchEvent(new Event('open'));
    };
    this.#ws.onmessage = (e) => {
      if (typeof e.data !== 'string') return;
      this.dispatchEvent(new MessageEvent('message', { data: e.data, origin: e.origin }));
    };
    this.#ws.onerror = () => this.dispatchEvent(new Event('error'));
    this.#ws.onclose = () => this.dispatchEvent(new Event('close'));
  }

  get room() { return this.#room; }

  get readyState() { return this.#ws.readyState; }

  // Sends a string to the other pages in the room; queued until the socket is open.
  send(message) {
    const text = toDOMString(message);
    const state = this.#ws.readyState;
    if (state === WebSocket.CONNECTING) this.#queue.push(text);
    else if (state === WebSocket.OPEN) this.#ws.send(text);
    else throw domException('InvalidStateError', 'SignalingChannel: the connection to the relay is closed');
  }

  close() {
    this.#queue = [];
    this.#ws.close();
  }
}

defineEventHandlers(SignalingChannel.prototype, ['open', 'message', 'error', 'close']);
