// RTCIceCandidate (webrtc-pc §4.8.2) and the candidate-attribute parser (RFC 8839 §5.1).
import { toDOMString, toUnsignedShortEnforceRange, typeError } from './webidl.mjs';

const kComponents = { 1: 'rtp', 2: 'rtcp' };
const kTypes = ['host', 'srflx', 'prflx', 'relay'];
const kTcpTypes = ['active', 'passive', 'so'];

function isUint(s, max) {
  return /^[0-9]{1,10}$/.test(s) && Number(s) <= max;
}

// candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
//                       connection-address SP port SP "typ" SP cand-type
//                       [SP rel-addr] [SP rel-port] *(SP cand-extension)
// Returns the parsed fields, or null when the string does not parse or a field is not a value
// the attribute can hold (the spec then leaves every parsed attribute null).
export function parseCandidate(candidate) {
  const text = candidate.startsWith('a=') ? candidate.slice(2) : candidate;
  const m = /^candidate:(.*)$/i.exec(text.trim());
  const tokens = (m ? m[1] : text.trim()).split(/ +/);
  if (tokens.length < 8) return null;
  const [foundation, componentId, transport, priority, address, port, typ, type] = tokens;
  if (!/^[A-Za-z0-9+/]{1,32}$/.test(foundation)) return null;
  const component = kComponents[componentId];
  if (!component || !/^[0-9]{1,3}$/.test(componentId)) return null;
  const protocol = transport.toLowerCase();
  if (protocol !== 'udp' && protocol !== 'tcp') return null;
  if (!isUint(priority, 0xffffffff)) return null;
  if (!address) return null;
  if (!isUint(port, 0xffff)) return null;
  if (typ !== 'typ' || !kTypes.includes(type)) return null;
  const fields = {
    foundation,
    component,
    priority: Number(priority),
    address,
    protocol,
    port: Number(port),
    type,
    tcpType: null,
    relatedAddress: null,
    relatedPort: null,
  };
  for (let i = 8; i + 1 < tokens.length; i += 2) {
    const [name, value] = [tokens[i], tokens[i + 1]];
    if (name === 'raddr') fields.relatedAddress = value;
    else if (name === 'rport') {
      if (!isUint(value, 0xffff)) return null;
      fields.relatedPort = Number(value);
    } else if (name === 'tcptype') {
      if (!kTcpTypes.includes(value)) return null;
      fields.tcpType = value;
    }
  }
  if ((tokens.length - 8) % 2 !== 0) return null;
  return fields;
}

// RTCIceCandidateInit with defaults: {candidate, sdpMid, sdpMLineIndex, usernameFragment}.
export function toIceCandidateInit(value, what) {
  if (value !== undefined && value !== null && typeof value !== 'object' && typeof value !== 'function') {
    throw typeError(`${what}: the candidate must be an object`);
  }
  const v = value ?? {};
  return {
    candidate: v.candidate === undefined ? '' : toDOMString(v.candidate),
    sdpMid: v.sdpMid === undefined || v.sdpMid === null ? null : toDOMString(v.sdpMid),
    sdpMLineIndex: v.sdpMLineIndex === undefined || v.sdpMLineIndex === null
      ? null : toUnsignedShortEnforceRange(v.sdpMLineIndex, 'sdpMLineIndex'),
    usernameFragment: v.usernameFragment === undefined || v.usernameFragment === null ? null : toDOMString(v.usernameFragment),
  };
}

export class RTCIceCandidate {
  #init;
  #parsed;

  constructor(candidateInitDict = {}) {
    const init = toIceCandidateInit(candidateInitDict, 'RTCIceCandidate');
    if (init.sdpMid === null && init.sdpMLineIndex === null) {
      throw typeError('RTCIceCandidate: sdpMid and sdpMLineIndex are both null');
    }
    this.#init = init;
    this.#parsed = (init.candidate === '' ? null : parseCandidate(init.candidate)) ?? {};
  }

  get candidate() { return this.#init.candidate; }
  get sdpMid() { return this.#init.sdpMid; }
  get sdpMLineIndex() { return this.#init.sdpMLineIndex; }
  get usernameFragment() { return this.#init.usernameFragment; }
  get foundation() { return this.#parsed.foundation ?? null; }
  get component() { return this.#parsed.component ?? null; }
  get priority() { return this.#parsed.priority ?? null; }
  get address() { return this.#parsed.address ?? null; }
  get protocol() { return this.#parsed.protocol ?? null; }
  get port() { return this.#parsed.port ?? null; }
  get type() { return this.#parsed.type ?? null; }
  get tcpType() { return this.#parsed.tcpType ?? null; }
  get relatedAddress() { return this.#parsed.relatedAddress ?? null; }
  get relatedPort() { return this.#parsed.relatedPort ?? null; }
  get relayProtocol() { return null; }
  get url() { return null; }

  toJSON() {
    const { candidate, sdpMid, sdpMLineIndex, usernameFragment } = this.#init;
    return { candidate, sdpMid, sdpMLineIndex, usernameFragment };
  }

  get [Symbol.toStringTag]() { return 'RTCIceCandidate'; }
}
