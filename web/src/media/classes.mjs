// Which MediaStream/MediaStreamTrack classes polyrtc uses: the browser's where it has them
// and can make tracks out of Web Audio (MediaStreamAudioDestinationNode, so remote audio and
// the synthetic source are real native tracks that <audio>, srcObject and the page's own
// AudioContext accept), else polyrtc's stand-ins. Decided once, when the module loads.
import {
  StandInMediaStream, StandInMediaStreamTrack, StandInMediaStreamTrackEvent, isStandInStream, isStandInTrack,
  createStandInStream, addStandInTrackWithEvent, removeStandInTrackWithEvent,
} from './stand_in.mjs';

const g = globalThis;
export const NativeMediaStream = typeof g.MediaStream === 'function' ? g.MediaStream : null;
export const NativeMediaStreamTrack = typeof g.MediaStreamTrack === 'function' ? g.MediaStreamTrack : null;
export const NativeMediaStreamTrackEvent = typeof g.MediaStreamTrackEvent === 'function' ? g.MediaStreamTrackEvent : null;
export const AudioContextClass = typeof g.AudioContext === 'function' ? g.AudioContext
  : (typeof g.webkitAudioContext === 'function' ? g.webkitAudioContext : null);

export const usesNativeStreams = Boolean(NativeMediaStream && NativeMediaStreamTrack
  && typeof AudioContextClass?.prototype?.createMediaStreamDestination === 'function');

export const MediaStream = usesNativeStreams ? NativeMediaStream : StandInMediaStream;
export const MediaStreamTrack = usesNativeStreams ? NativeMediaStreamTrack : StandInMediaStreamTrack;
export const MediaStreamTrackEvent = usesNativeStreams && NativeMediaStreamTrackEvent ? NativeMediaStreamTrackEvent : StandInMediaStreamTrackEvent;

export function isNativeTrack(value) {
  return NativeMediaStreamTrack !== null && value instanceof NativeMediaStreamTrack;
}

export function isNativeStream(value) {
  return NativeMediaStream !== null && value instanceof NativeMediaStream;
}

export function isMediaStream(value) {
  return isStandInStream(value) || isNativeStream(value);
}

export function isMediaStreamTrack(value) {
  return isStandInTrack(value) || isNativeTrack(value);
}

// Ids a page cannot give native objects (they are read-only and random): a remote stream's id
// is the msid the far side signaled, so polyrtc shadows it on the instance. getTrackById on
// such a stream also matches shadowed track ids.
export function shadowId(object, id) {
  Object.defineProperty(object, 'id', { value: `${id}`, configurable: true, enumerable: false, writable: false });
}

function nativeStreamWithId(tracks, id) {
  const stream = new NativeMediaStream(tracks);
  if (id !== undefined && id !== null) shadowId(stream, id);
  const nativeGetTrackById = stream.getTrackById;
  Object.defineProperty(stream, 'getTrackById', {
    configurable: true,
    writable: true,
    value(trackId) {
      const wanted = `${trackId}`;
      return stream.getTracks().find((t) => t.id === wanted) ?? nativeGetTrackById.call(stream, wanted);
    },
  });
  return stream;
}

export function createMediaStream(tracks = [], id = undefined) {
  const list = [...(tracks ?? [])];
  if (usesNativeStreams) return nativeStreamWithId(list, id);
  return createStandInStream(list, id);
}

// For the peer connection's remote streams: the browser adding/removing a track fires
// addtrack/removetrack on the stream (the page's own addTrack/removeTrack do not).
export function addTrackToRemoteStream(stream, track) {
  if (isStandInStream(stream)) {
    addStandInTrackWithEvent(stream, track);
    return;
  }
  if (stream.getTracks().includes(track)) return;
  stream.addTrack(track);
  stream.dispatchEvent(new MediaStreamTrackEvent('addtrack', { track }));
}

export function removeTrackFromRemoteStream(stream, track) {
  if (isStandInStream(stream)) {
    removeStandInTrackWithEvent(stream, track);
    return;
  }
  if (!stream.getTracks().includes(track)) return;
  stream.removeTrack(track);
  stream.dispatchEvent(new MediaStreamTrackEvent('removetrack', { track }));
}
