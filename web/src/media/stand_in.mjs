// MediaStream and MediaStreamTrack stand-ins for browsers that have none (WPE 2.38, old
// engines, pages with the natives deleted). They follow Media Capture and Streams
// (https://w3c.github.io/mediacapture-main/) for what a page can observe: ids, kind, label,
// enabled, muted, readyState, stop(), clone(), the stream's track set and `active`, and the
// events addtrack/removetrack/ended/mute/unmute/active/inactive as EventTargets.
//
// What a track carries (its source: the synthetic generator, a remote audio pump, a wrapped
// native track, or nothing for the video stand-in) lives in sources.mjs, keyed by the track
// object, so native tracks and stand-ins are treated alike by capture and playback.
import { BaseEventTarget, defineEventHandlers } from '../events.mjs';
import { typeError } from '../webidl.mjs';
import { sourceOf, setSource, releaseSource } from './sources.mjs';

export function newId() {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof c?.getRandomValues === 'function') c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function makeEvent(type, init) {
  return new Event(type, init);
}

// MediaStreamTrackEvent (addtrack/removetrack on a stream).
export class StandInMediaStreamTrackEvent extends Event {
  #track;

  constructor(type, eventInitDict) {
    if (arguments.length < 2) throw typeError(`MediaStreamTrackEvent: 2 arguments required, but only ${arguments.length} present`);
    if (eventInitDict === null || typeof eventInitDict !== 'object' || !isStandInTrack(eventInitDict.track)) {
      throw typeError("MediaStreamTrackEvent: required member 'track' is missing or not a MediaStreamTrack");
    }
    super(type, eventInitDict);
    this.#track = eventInitDict.track;
  }

  get track() { return this.#track; }
}

const kConstruct = Symbol('construct');
const trackState = new WeakMap();
const streamState = new WeakMap();
// Streams holding each track, so a track that ends by its source can update `active`.
const streamsOfTrack = new WeakMap(); // track -> Set(stream)

export function isStandInTrack(value) {
  return trackState.has(value);
}

export function isStandInStream(value) {
  return streamState.has(value);
}

export class StandInMediaStreamTrack extends BaseEventTarget {
  constructor(key, { kind, label = '', id = newId(), source = null, muted = false } = {}) {
    // Pages cannot construct tracks (the interface has no constructor); polyrtc can.
    if (key !== kConstruct) throw typeError('Illegal constructor');
    super();
    trackState.set(this, { kind, label, id, enabled: true, muted, readyState: 'live', contentHint: '' });
    streamsOfTrack.set(this, new Set());
    if (source) setSource(this, source);
  }

  get kind() { return state(this).kind; }
  get id() { return state(this).id; }
  get label() { return state(this).label; }
  get enabled() { return state(this).enabled; }
  set enabled(value) { state(this).enabled = Boolean(value); }
  get muted() { return state(this).muted; }
  get readyState() { return state(this).readyState; }
  get contentHint() { return state(this).contentHint; }
  set contentHint(value) { state(this).contentHint = `${value}`; }

  // Spec: stop() ends the track without firing 'ended' on it (the page did it).
  stop() {
    const s = state(this);
    if (s.readyState === 'ended') return;
    s.readyState = 'ended';
    releaseSource(this);
    for (const stream of streamsOfTrack.get(this)) updateActive(stream);
  }

  clone() {
    const s = state(this);
    const copy = new StandInMediaStreamTrack(kConstruct, { kind: s.kind, label: s.label, muted: s.muted });
    const copyState = state(copy);
    copyState.enabled = s.enabled;
    copyState.contentHint = s.contentHint;
    if (s.readyState === 'ended') copyState.readyState = 'ended';
    else {
      const source = sourceOf(this);
      if (source) setSource(copy, source.clone ? source.clone() : source);
    }
    return copy;
  }

  getCapabilities() { return {}; }
  getConstraints() { return {}; }
  getSettings() {
    const s = state(this);
    if (s.kind !== 'audio') return { deviceId: 'polyrtc-video-stand-in' };
    return { deviceId: sourceOf(this)?.deviceId ?? 'polyrtc', sampleRate: 48000, sampleSize: 16, channelCount: 1 };
  }

  applyConstraints() { return Promise.resolve(); }

  get [Symbol.toStringTag]() { return 'MediaStreamTrack'; }
}
defineEventHandlers(StandInMediaStreamTrack.prototype, ['mute', 'unmute', 'ended']);

function state(track) {
  const s = trackState.get(track);
  if (!s) throw typeError("'this' is not a MediaStreamTrack");
  return s;
}

export function createStandInTrack(options) {
  return new StandInMediaStreamTrack(kConstruct, options);
}

// The source ended the track (remote track ended, device gone): readyState 'ended', then
// 'ended' on the track, then streams it was in may go inactive.
export function endStandInTrack(track) {
  const s = state(track);
  if (s.readyState === 'ended') return;
  s.readyState = 'ended';
  releaseSource(track);
  track.dispatchEvent(makeEvent('ended'));
  for (const stream of streamsOfTrack.get(track)) updateActive(stream);
}

// Mute/unmute by the source (a remote track whose sender stopped sending, say).
export function setStandInTrackMuted(track, muted) {
  const s = state(track);
  if (s.readyState === 'ended' || s.muted === Boolean(muted)) return;
  s.muted = Boolean(muted);
  track.dispatchEvent(makeEvent(muted ? 'mute' : 'unmute'));
}

export class StandInMediaStream extends BaseEventTarget {
  // new MediaStream(), new MediaStream(stream), new MediaStream(tracks)
  constructor(init = undefined) {
    super();
    const s = { id: newId(), tracks: [], active: false };
    streamState.set(this, s);
    let tracks = [];
    if (init !== undefined) {
      if (isStandInStream(init)) tracks = init.getTracks();
      else if (init !== null && typeof init === 'object' && typeof init[Symbol.iterator] === 'function') tracks = [...init];
      else throw typeError("MediaStream: argument is not a MediaStream or a sequence of MediaStreamTrack");
      for (const track of tracks) if (!isStandInTrack(track)) throw typeError('MediaStream: an element is not a MediaStreamTrack');
    }
    for (const track of tracks) addTrackSilently(this, track);
    s.active = s.tracks.some((t) => t.readyState !== 'ended');
  }

  get id() { return stream(this).id; }
  get active() { return stream(this).active; }

  getTracks() { return [...stream(this).tracks]; }
  getAudioTracks() { return stream(this).tracks.filter((t) => t.kind === 'audio'); }
  getVideoTracks() { return stream(this).tracks.filter((t) => t.kind === 'video'); }

  getTrackById(trackId) {
    const id = `${trackId}`;
    return stream(this).tracks.find((t) => t.id === id) ?? null;
  }

  // Spec: the page's own addTrack/removeTrack fire no events on the stream.
  addTrack(track) {
    if (arguments.length < 1) throw typeError('MediaStream.addTrack: 1 argument required, but only 0 present');
    if (!isStandInTrack(track)) throw typeError("MediaStream.addTrack: parameter 1 is not of type 'MediaStreamTrack'");
    addTrackSilently(this, track);
  }

  removeTrack(track) {
    if (arguments.length < 1) throw typeError('MediaStream.removeTrack: 1 argument required, but only 0 present');
    if (!isStandInTrack(track)) throw typeError("MediaStream.removeTrack: parameter 1 is not of type 'MediaStreamTrack'");
    removeTrackSilently(this, track);
  }

  clone() {
    const copy = new StandInMediaStream();
    for (const track of stream(this).tracks) addTrackSilently(copy, track.clone());
    stream(copy).active = stream(copy).tracks.some((t) => t.readyState !== 'ended');
    return copy;
  }

  get [Symbol.toStringTag]() { return 'MediaStream'; }
}
defineEventHandlers(StandInMediaStream.prototype, ['addtrack', 'removetrack', 'active', 'inactive']);

function stream(value) {
  const s = streamState.get(value);
  if (!s) throw typeError("'this' is not a MediaStream");
  return s;
}

function addTrackSilently(target, track) {
  const s = stream(target);
  if (s.tracks.includes(track)) return false;
  s.tracks.push(track);
  streamsOfTrack.get(track).add(target);
  return true;
}

function removeTrackSilently(target, track) {
  const s = stream(target);
  const index = s.tracks.indexOf(track);
  if (index < 0) return false;
  s.tracks.splice(index, 1);
  streamsOfTrack.get(track).delete(target);
  return true;
}

// `active` follows its tracks; 'active'/'inactive' (non-standard, Chromium fires them) only
// when the source changes it, as in the browsers that fire them.
function updateActive(target) {
  const s = stream(target);
  const active = s.tracks.some((t) => t.readyState !== 'ended');
  if (active === s.active) return;
  s.active = active;
  target.dispatchEvent(makeEvent(active ? 'active' : 'inactive'));
}

// The browser (here: the peer connection) adds or removes a track of a remote stream: the
// stream fires addtrack/removetrack, as the spec's "add a track"/"remove a track" with events.
export function addStandInTrackWithEvent(target, track) {
  if (!addTrackSilently(target, track)) return;
  target.dispatchEvent(new StandInMediaStreamTrackEvent('addtrack', { track }));
  updateActive(target);
}

export function removeStandInTrackWithEvent(target, track) {
  if (!removeTrackSilently(target, track)) return;
  target.dispatchEvent(new StandInMediaStreamTrackEvent('removetrack', { track }));
  updateActive(target);
}

export function createStandInStream(tracks = [], id = undefined) {
  const created = new StandInMediaStream(tracks);
  if (id !== undefined && id !== null) stream(created).id = `${id}`;
  return created;
}
