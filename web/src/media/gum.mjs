// getUserMedia: the browser's capture where it has one, else the synthetic source.
//
// - Constraints must ask for audio or video (else TypeError, as the spec says).
// - With a capture API: the request goes to the browser as is. If it fails because a device is
//   missing or unusable (NotFoundError, NotReadableError, OverconstrainedError, AbortError)
//   and both kinds were asked for, audio alone is tried and a video stand-in added. If audio
//   itself has no device, the synthetic source stands in (and the video stand-in if video
//   was asked for), so a call can still connect. NotAllowedError and SecurityError (the user
//   or the browser said no) are never papered over.
// - Without a capture API: the synthetic source, plus the video stand-in for video.
// - setSyntheticAudio({replaceMicrophone: true}) uses the synthetic source even where a
//   microphone exists (kiosks, tests, demos).
import { domException, typeError } from '../webidl.mjs';
import { usesNativeStreams, createMediaStream, isNativeStream } from './classes.mjs';
import { createSyntheticAudioTrack, createVideoStandInTrack, syntheticAudioSettings } from './synthetic.mjs';
import { createStandInTrack } from './stand_in.mjs';
import { reportError } from '../tasks.mjs';

// Functions polyrtc defines, so it never takes its own for the browser's.
export const ownFunctions = new WeakSet();

const kDeviceErrors = ['NotFoundError', 'NotReadableError', 'OverconstrainedError', 'AbortError', 'DevicesNotFoundError', 'TrackStartError'];

// The browser's promise-returning capture, or null.
function nativeCapture() {
  const nav = globalThis.navigator;
  const md = nav?.mediaDevices;
  if (md && typeof md.getUserMedia === 'function' && !ownFunctions.has(md.getUserMedia)) {
    return (constraints) => md.getUserMedia(constraints);
  }
  // Engines from before mediaDevices: the prefixed callback forms.
  for (const name of ['getUserMedia', 'webkitGetUserMedia', 'mozGetUserMedia']) {
    const legacy = nav?.[name];
    if (typeof legacy === 'function' && !ownFunctions.has(legacy)) {
      return (constraints) => new Promise((resolve, reject) => legacy.call(nav, constraints, resolve, reject));
    }
  }
  return null;
}

export function hasNativeCapture() {
  return nativeCapture() !== null;
}

function requested(value) {
  // A MediaTrackConstraints object, even an empty one, asks for the kind; false/undefined not.
  return value !== undefined && value !== null && value !== false;
}

function errorName(error) {
  return (error && typeof error === 'object' && typeof error.name === 'string') ? error.name : '';
}

// Normalised: old engines' names for the same errors, and a rejection that is not an Error.
function normaliseError(error) {
  const name = errorName(error);
  if (name === 'PermissionDeniedError' || name === 'PermissionDismissedError') return domException('NotAllowedError', error.message ?? 'Permission denied');
  if (name === 'DevicesNotFoundError') return domException('NotFoundError', error.message ?? 'Requested device not found');
  if (name === 'TrackStartError') return domException('NotReadableError', error.message ?? 'Could not start the source');
  if (error instanceof Error || error instanceof DOMException) return error;
  return domException('AbortError', `${error?.message ?? error}`);
}

// Native tracks into stand-ins, when stand-ins are the classes in use but the browser can
// still capture (a browser with getUserMedia but no MediaStreamAudioDestinationNode).
function adopt(stream) {
  if (!isNativeStream(stream) || usesNativeStreams) return stream;
  const tracks = stream.getTracks().map((native) => {
    const track = createStandInTrack({ kind: native.kind, label: native.label, source: { type: 'native', track: native, release() { native.stop(); } } });
    return track;
  });
  return createMediaStream(tracks);
}

function syntheticStream(wantAudio, wantVideo) {
  const tracks = [];
  if (wantAudio) tracks.push(createSyntheticAudioTrack());
  if (wantVideo) {
    const video = createVideoStandInTrack();
    if (video) tracks.push(video);
  }
  return createMediaStream(tracks);
}

function withVideoStandIn(stream) {
  const video = createVideoStandInTrack();
  if (video) stream.addTrack(video);
  return stream;
}

export async function getUserMedia(constraints) {
  if (constraints === undefined || constraints === null) constraints = {};
  if (typeof constraints !== 'object' && typeof constraints !== 'function') {
    throw typeError('getUserMedia: constraints must be an object');
  }
  const wantAudio = requested(constraints.audio);
  const wantVideo = requested(constraints.video);
  if (!wantAudio && !wantVideo) throw typeError("getUserMedia: at least one of 'audio' and 'video' must be requested");

  const capture = nativeCapture();
  if (capture === null || (wantAudio && syntheticAudioSettings().replaceMicrophone && !wantVideo)) {
    return syntheticStream(wantAudio, wantVideo);
  }
  if (wantAudio && syntheticAudioSettings().replaceMicrophone) {
    // Video from the camera where there is one, audio from the synthetic source.
    let stream;
    try {
      stream = adopt(await capture({ video: constraints.video }));
    } catch (error) {
      const e = normaliseError(error);
      if (!kDeviceErrors.includes(e.name)) throw e;
      return syntheticStream(true, true);
    }
    stream.addTrack(createSyntheticAudioTrack());
    return stream;
  }
  try {
    return adopt(await capture(constraints));
  } catch (error) {
    const e = normaliseError(error);
    if (!kDeviceErrors.includes(e.name) || !wantAudio) throw e;
    if (wantVideo) {
      // No camera (or a busy one): audio alone, plus the video stand-in.
      try {
        return withVideoStandIn(adopt(await capture({ audio: constraints.audio })));
      } catch (audioError) {
        const e2 = normaliseError(audioError);
        if (!kDeviceErrors.includes(e2.name)) throw e2;
      }
    }
    // No microphone either: the synthetic source keeps the call possible.
    return syntheticStream(true, wantVideo);
  }
}

// navigator.getUserMedia(constraints, successCallback[, errorCallback]): the legacy form, as
// spec example 10.1 calls it with two arguments. Without an error callback a failure is
// logged (console.warn), since nothing else would ever see it.
export function legacyGetUserMedia(constraints, successCallback, errorCallback) {
  if (arguments.length < 2) throw typeError(`getUserMedia: 2 arguments required, but only ${arguments.length} present`);
  if (typeof successCallback !== 'function') throw typeError('getUserMedia: successCallback is not a function');
  if (errorCallback !== undefined && errorCallback !== null && typeof errorCallback !== 'function') {
    throw typeError('getUserMedia: errorCallback is not a function');
  }
  // An exception in a callback is reported like any uncaught one, not as a rejection.
  const call = (callback, value) => {
    try {
      callback(value);
    } catch (error) {
      reportError(error);
    }
  };
  getUserMedia(constraints).then((stream) => call(successCallback, stream), (error) => {
    if (typeof errorCallback === 'function') call(errorCallback, error);
    else console.warn(`polyrtc: getUserMedia failed and no error callback was given: ${error?.name}: ${error?.message}`);
  });
}
ownFunctions.add(getUserMedia);
ownFunctions.add(legacyGetUserMedia);
