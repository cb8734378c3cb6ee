// RTCSessionDescription (webrtc-pc §4.8.1).
import { toDOMString, toEnum, typeError } from './webidl.mjs';

export const kSdpTypes = ['offer', 'pranswer', 'answer', 'rollback'];

// RTCSessionDescriptionInit with its required `type`: {type, sdp}.
export function toSessionDescriptionInit(value, what) {
  if (value === null || value === undefined || (typeof value !== 'object' && typeof value !== 'function')) {
    throw typeError(`${what}: the description must be an object`);
  }
  const sdp = value.sdp === undefined ? '' : toDOMString(value.sdp);
  if (value.type === undefined) throw typeError(`${what}: required member 'type' is missing`);
  return { type: toEnum(value.type, kSdpTypes, 'RTCSdpType'), sdp };
}

// RTCLocalSessionDescriptionInit: `type` may be absent (setLocalDescription() picks it).
export function toLocalSessionDescriptionInit(value) {
  if (value === null || value === undefined) return { type: undefined, sdp: '' };
  if (typeof value !== 'object' && typeof value !== 'function') throw typeError('setLocalDescription: the description must be an object');
  const sdp = value.sdp === undefined ? '' : toDOMString(value.sdp);
  const type = value.type === undefined ? undefined : toEnum(value.type, kSdpTypes, 'RTCSdpType');
  return { type, sdp };
}

export class RTCSessionDescription {
  #type;
  #sdp;

  constructor(descriptionInitDict) {
    if (arguments.length < 1) throw typeError('RTCSessionDescription: 1 argument required, but only 0 present');
    const init = toSessionDescriptionInit(descriptionInitDict, 'RTCSessionDescription');
    this.#type = init.type;
    this.#sdp = init.sdp;
  }

  get type() { return this.#type; }
  get sdp() { return this.#sdp; }

  toJSON() {
    return { type: this.#type, sdp: this.#sdp };
  }

  get [Symbol.toStringTag]() { return 'RTCSessionDescription'; }
}
