// The one AudioContext polyrtc uses for capture and playback, at 48 kHz where the browser
// allows choosing the rate (then capture and playback need no resampling).
//
// Autoplay: browsers start an AudioContext 'suspended' until the page has had a user gesture.
// polyrtc resumes it on the first gesture (pointerdown, keydown, touchend, click) and whenever a
// media element starts playing (a page that plays remote audio has usually been allowed to).
// While it is suspended, capture from native tracks sends silence and remote audio is still
// pulled from the engine by a timer (see clock.mjs), so neither side's buffers grow.
import { AudioContextClass } from './classes.mjs';

let context = null;
let gestureListening = false;

export function hasWebAudio() {
  return AudioContextClass !== null;
}

// null where the browser has no Web Audio.
export function audioContext() {
  if (context !== null || AudioContextClass === null) return context;
  try {
    context = new AudioContextClass({ sampleRate: 48000, latencyHint: 'interactive' });
  } catch {
    try {
      context = new AudioContextClass();
    } catch {
      return null;
    }
  }
  listenForGestures();
  return context;
}

export function audioContextRunning() {
  return context !== null && context.state === 'running';
}

export function resumeAudio() {
  if (context !== null && context.state === 'suspended') {
    try {
      const result = context.resume();
      if (result && typeof result.catch === 'function') result.catch(() => {});
    } catch {
      // Not allowed yet: the next gesture tries again.
    }
  }
}

const kGestures = ['pointerdown', 'keydown', 'touchend', 'mousedown', 'click'];

function listenForGestures() {
  if (gestureListening || typeof globalThis.addEventListener !== 'function') return;
  gestureListening = true;
  const onGesture = () => {
    resumeAudio();
    if (context !== null && context.state === 'running') {
      for (const type of kGestures) globalThis.removeEventListener(type, onGesture, true);
    }
  };
  for (const type of kGestures) globalThis.addEventListener(type, onGesture, true);
  // 'play' does not bubble; a capturing listener on the document sees every element's.
  if (typeof globalThis.document?.addEventListener === 'function') {
    globalThis.document.addEventListener('play', resumeAudio, true);
  }
}

// A silent path to the destination: a ScriptProcessorNode only runs while something pulls on
// it, and MediaStreamAudioDestinationNode does not pull in every engine.
let sink = null;
export function silentSink() {
  const ctx = audioContext();
  if (ctx === null) return null;
  if (sink === null) {
    sink = ctx.createGain();
    sink.gain.value = 0;
    sink.connect(ctx.destination);
  }
  return sink;
}

// ScriptProcessorNode exists in every engine with Web Audio (AudioWorklet needs a module
// load and a secure context). 2048 frames (~43 ms at 48 kHz) per callback: with 1024 a busy
// main thread (two calls in one browser on 2 loaded cores) dropped blocks often enough to
// smear a received tone by several Hz in the 10.1 test.
export const kProcessorFrames = 2048;

export function createProcessor(ctx, inputs, outputs) {
  const create = ctx.createScriptProcessor ?? ctx.createJavaScriptNode;
  return create.call(ctx, kProcessorFrames, inputs, outputs);
}
