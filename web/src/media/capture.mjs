// openTrackSource(track, onFrame): the audio of a track as 20 ms frames for the engine.
//
// - synthetic tracks: frames computed by a 20 ms timer by elapsed time (clock.mjs);
// - remote tracks (createRemoteAudioTrack): the frames the pump pulls from the engine;
// - any other native audio track (a microphone): MediaStreamAudioSourceNode ->
//   ScriptProcessorNode in polyrtc's AudioContext, resampled and cut into exact 960-sample
//   frames (frames.mjs). While that context is not running (autoplay), a timer sends silence.
//
// onFrame(samples, nowMs) gets a new Int16Array(960) each time; silence while the track is
// disabled or muted. Capture ends with stop(), and by itself when the track ends.
import { kFrameSamples, FrameChunker } from './frames.mjs';
import { FrameTimer } from './clock.mjs';
import { sourceOf, whenEnded } from './sources.mjs';
import { NativeMediaStream, isMediaStreamTrack, isNativeTrack } from './classes.mjs';
import { audioContext, createProcessor, silentSink } from './audio_context.mjs';
import { typeError } from '../webidl.mjs';

const kAudioClockGraceMs = 120;

function silentFrame() {
  return new Int16Array(kFrameSamples);
}

function audible(track) {
  return track.enabled && !track.muted;
}

export function openTrackSource(track, onFrame) {
  if (!isMediaStreamTrack(track)) throw typeError('openTrackSource: not a MediaStreamTrack');
  if (typeof onFrame !== 'function') throw typeError('openTrackSource: onFrame is not a function');
  let stopped = track.readyState === 'ended' || track.kind !== 'audio';
  const cleanups = [];
  const handle = {
    stop() {
      if (stopped && cleanups.length === 0) return;
      stopped = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
    },
  };
  if (stopped) return handle;
  const deliver = (frame, nowMs) => {
    if (stopped) return;
    if (track.readyState === 'ended') {
      handle.stop();
      return;
    }
    onFrame(audible(track) ? frame : silentFrame(), nowMs);
  };
  cleanups.push(whenEnded(track, () => handle.stop()));

  const source = sourceOf(track);
  if (source?.type === 'synthetic') {
    const generator = source.newGenerator();
    const timer = new FrameTimer((nowMs) => deliver(generator.nextFrame(), nowMs));
    timer.start();
    cleanups.push(() => timer.stop());
    return handle;
  }
  if (source?.type === 'remote') {
    cleanups.push(source.pump.subscribe(deliver));
    return handle;
  }
  if (source?.type === 'video') {
    return handle;
  }
  // A native track, or a stand-in wrapping one.
  const nativeTrack = source?.type === 'native' ? source.track : (isNativeTrack(track) ? track : null);
  if (nativeTrack !== null) openNativeCapture(nativeTrack, deliver, cleanups);
  else openSilence(deliver, cleanups);
  return handle;
}

// Without Web Audio there is no way to read a native track: frames of silence keep the stream
// (and DTMF, which rides on it) going.
function openSilence(deliver, cleanups) {
  const timer = new FrameTimer((nowMs) => deliver(silentFrame(), nowMs));
  timer.start();
  cleanups.push(() => timer.stop());
}

function openNativeCapture(nativeTrack, deliver, cleanups) {
  const ctx = audioContext();
  if (ctx === null || typeof ctx.createMediaStreamSource !== 'function' || NativeMediaStream === null) {
    openSilence(deliver, cleanups);
    return;
  }
  let sourceNode;
  try {
    sourceNode = ctx.createMediaStreamSource(new NativeMediaStream([nativeTrack]));
  } catch {
    openSilence(deliver, cleanups);
    return;
  }
  const processor = createProcessor(ctx, 1, 1);
  const chunker = new FrameChunker(ctx.sampleRate, (frame) => deliver(frame, performance.now()));
  let lastAudio = performance.now(); // give the audio clock time to start
  // Silence by timer while the audio clock does not run (suspended context).
  const fallback = new FrameTimer((nowMs) => deliver(silentFrame(), nowMs));
  processor.onaudioprocess = (event) => {
    lastAudio = performance.now();
    if (fallback.running) fallback.stop();
    chunker.push(event.inputBuffer.getChannelData(0));
  };
  const watchdog = setInterval(() => {
    const idle = performance.now() - lastAudio > kAudioClockGraceMs;
    if (idle && !fallback.running) fallback.start();
  }, 40);
  sourceNode.connect(processor);
  processor.connect(silentSink());
  cleanups.push(() => {
    clearInterval(watchdog);
    fallback.stop();
    processor.onaudioprocess = null;
    try { sourceNode.disconnect(); } catch { /* already */ }
    try { processor.disconnect(); } catch { /* already */ }
  });
}
