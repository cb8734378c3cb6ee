// polyrtc's media layer: MediaStream/MediaStreamTrack (the browser's or stand-ins), capture of
// a track as 20 ms frames for the engine, remote audio tracks fed by the engine, getUserMedia
// with a synthetic source where the browser cannot capture, and object URLs / src / srcObject
// for streams. docs/media.md says what a page sees; the peer connection uses
// openTrackSource (local tracks -> engine sendAudio), createRemoteAudioTrack (engine
// receiveAudio -> remote tracks), createMediaStream and addTrackToRemoteStream/removeTrackFromRemoteStream.
import {
  MediaStream, MediaStreamTrack, MediaStreamTrackEvent, usesNativeStreams, isMediaStream, isMediaStreamTrack,
  createMediaStream, addTrackToRemoteStream, removeTrackFromRemoteStream,
} from './classes.mjs';
import { openTrackSource } from './capture.mjs';
import { createRemoteAudioTrack } from './playback.mjs';
import { getUserMedia, legacyGetUserMedia, ownFunctions, hasNativeCapture } from './gum.mjs';
import { setSyntheticAudio, syntheticAudioSettings } from './synthetic.mjs';
import { installElementSupport, elementAudioNode } from './element.mjs';
import { resumeAudio } from './audio_context.mjs';
import { BaseEventTarget } from '../events.mjs';
import { sourceOf } from './sources.mjs';

export {
  MediaStream, MediaStreamTrack, MediaStreamTrackEvent, usesNativeStreams, isMediaStream, isMediaStreamTrack,
  createMediaStream, addTrackToRemoteStream, removeTrackFromRemoteStream, openTrackSource, createRemoteAudioTrack,
  getUserMedia, legacyGetUserMedia, setSyntheticAudio, syntheticAudioSettings, resumeAudio, elementAudioNode,
};

function define(object, name, value) {
  Object.defineProperty(object, name, { value, writable: true, configurable: true, enumerable: true });
}

// navigator.mediaDevices where the browser has none: getUserMedia and a device list naming
// the synthetic source.
class StandInMediaDevices extends BaseEventTarget {
  getUserMedia(constraints) {
    return getUserMedia(constraints);
  }

  enumerateDevices() {
    return Promise.resolve([{ deviceId: 'polyrtc-synthetic-audio', kind: 'audioinput', label: '', groupId: 'polyrtc', toJSON() { return { deviceId: this.deviceId, kind: this.kind, label: this.label, groupId: this.groupId }; } }]);
  }

  getSupportedConstraints() {
    return { deviceId: true, sampleRate: true, channelCount: true };
  }
}
ownFunctions.add(StandInMediaDevices.prototype.getUserMedia);

// Defines on `target` (window):
// - MediaStream, MediaStreamTrack, MediaStreamTrackEvent where missing (stand-ins);
// - navigator.getUserMedia (legacy callbacks, error callback optional) where missing, and
//   replacing the browser's when `replaceAll` (polyrtc installs the whole RTC family: the
//   browser's legacy form throws without an error callback, as example 10.1 calls it);
// - navigator.mediaDevices (stand-in) or navigator.mediaDevices.getUserMedia where missing;
// - URL.createObjectURL/revokeObjectURL for streams, HTMLMediaElement src/srcObject/play/pause.
// Returns the names defined. Safe to call again.
export function installMedia(target = globalThis, { replaceAll = false } = {}) {
  const defined = [];
  const classes = { MediaStream, MediaStreamTrack, MediaStreamTrackEvent };
  for (const [name, value] of Object.entries(classes)) {
    if (typeof target[name] === 'function') continue;
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
    defined.push(name);
  }
  const nav = target.navigator;
  if (nav && typeof nav === 'object') {
    const current = nav.getUserMedia;
    if (!ownFunctions.has(current) && (replaceAll || typeof current !== 'function')) {
      define(nav, 'getUserMedia', legacyGetUserMedia);
      defined.push('navigator.getUserMedia');
    }
    if (nav.mediaDevices === undefined || nav.mediaDevices === null) {
      Object.defineProperty(nav, 'mediaDevices', { value: new StandInMediaDevices(), configurable: true, enumerable: true });
      defined.push('navigator.mediaDevices');
    } else if (typeof nav.mediaDevices.getUserMedia !== 'function') {
      define(nav.mediaDevices, 'getUserMedia', (constraints) => getUserMedia(constraints));
      ownFunctions.add(nav.mediaDevices.getUserMedia);
      defined.push('navigator.mediaDevices.getUserMedia');
    }
  }
  defined.push(...installElementSupport(target));
  return defined;
}

// True for the video stand-in getUserMedia adds when video was asked for but cannot be
// captured (or sent): the peer connection never sends it.
export function isVideoStandIn(track) {
  return sourceOf(track)?.type === 'video';
}

// For docs and tests: which capture and stream classes this page ended up with.
export function mediaSupport() {
  return { nativeStreams: usesNativeStreams, nativeCapture: hasNativeCapture(), syntheticAudio: syntheticAudioSettings() };
}
