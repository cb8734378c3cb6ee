// createRemoteAudioTrack({id, pull}): a live remote audio track whose audio comes from
// pull(nowMs) -> Int16Array(960), called once per 20 ms of audio.
//
// The pump calls pull on the audio clock when polyrtc's AudioContext runs and something
// plays the track (a ScriptProcessorNode reading through FrameReader, which resamples when
// the context is not at 48 kHz), else on a 20 ms timer whose frames are dropped, so the
// engine's jitter buffer is drained either way. Capture taps (openTrackSource on the remote
// track) see every pulled frame.
//
// Where native streams are in use the track is native: processor ->
// MediaStreamAudioDestinationNode, so srcObject, createMediaStreamSource and analysis work.
// Otherwise it is a stand-in; media elements play it through AudioContext.destination
// (element.mjs) from the same processor.
import { kFrameSamples, FrameReader } from './frames.mjs';
import { FrameTimer } from './clock.mjs';
import { setSource } from './sources.mjs';
import { usesNativeStreams, shadowId } from './classes.mjs';
import { audioContext, createProcessor, silentSink } from './audio_context.mjs';
import { createStandInTrack, endStandInTrack } from './stand_in.mjs';
import { typeError } from '../webidl.mjs';

const kAudioClockGraceMs = 120;

export class RemotePump {
  #pull;
  #subscribers = new Set();
  #timer;
  #processor = null;
  #destination = null;
  #lastAudio = -Infinity;
  #watchdog = null;
  #ended = false;
  badFrames = 0;   // pull() results that were not an Int16Array(960), replaced by silence
  pulled = 0;

  constructor(pull) {
    this.#pull = pull;
    this.#timer = new FrameTimer((nowMs) => this.#next(nowMs));
  }

  get ended() { return this.#ended; }

  start() {
    this.#timer.start();
    this.#watchdog = setInterval(() => this.#checkClock(), 40);
  }

  // One frame from the engine, shown to the capture taps.
  #next(nowMs) {
    let frame;
    try {
      frame = this.#pull(nowMs);
    } catch {
      frame = null;
    }
    if (!(frame instanceof Int16Array) || frame.length !== kFrameSamples) {
      this.badFrames++;
      frame = new Int16Array(kFrameSamples);
    }
    this.pulled++;
    for (const subscriber of [...this.#subscribers]) subscriber(frame, nowMs);
    return frame;
  }

  subscribe(onFrame) {
    this.#subscribers.add(onFrame);
    return () => this.#subscribers.delete(onFrame);
  }

  // The processor carrying this track's audio in polyrtc's AudioContext (created on first use;
  // null without Web Audio). While it runs it drives the pulls and the timer rests.
  outputNode() {
    if (this.#ended) return null;
    if (this.#processor !== null) return this.#processor;
    const ctx = audioContext();
    if (ctx === null) return null;
    const processor = createProcessor(ctx, 1, 1);
    const reader = new FrameReader(ctx.sampleRate, () => this.#next(performance.now()));
    processor.onaudioprocess = (event) => {
      this.#lastAudio = performance.now();
      if (this.#timer.running) this.#timer.stop();
      reader.read(event.outputBuffer.getChannelData(0));
    };
    processor.connect(silentSink());
    this.#processor = processor;
    return processor;
  }

  // A native track carrying this pump's audio; null when no AudioContext can be had.
  nativeTrack() {
    const ctx = audioContext();
    const processor = this.outputNode();
    if (ctx === null || processor === null) return null;
    this.#destination = ctx.createMediaStreamDestination();
    processor.connect(this.#destination);
    return this.#destination.stream.getAudioTracks()[0];
  }

  #checkClock() {
    if (this.#ended) return;
    const idle = performance.now() - this.#lastAudio > kAudioClockGraceMs;
    if (idle && !this.#timer.running) this.#timer.start();
  }

  end() {
    if (this.#ended) return;
    this.#ended = true;
    this.#timer.stop();
    clearInterval(this.#watchdog);
    this.#subscribers.clear();
    if (this.#processor !== null) {
      this.#processor.onaudioprocess = null;
      try { this.#processor.disconnect(); } catch { /* already */ }
    }
    if (this.#destination !== null) {
      try { this.#destination.disconnect(); } catch { /* already */ }
    }
    this.#processor = null;
    this.#destination = null;
  }
}

class RemoteSource {
  type = 'remote';
  deviceId = 'polyrtc-remote';

  constructor(pump) {
    this.pump = pump;
  }

  outputNode() {
    return this.pump.outputNode();
  }

  // The pump outlives the page stopping a track: only end() (the receiver going away) stops
  // pulling, so the engine is drained as long as the transceiver receives.
  release() {}
}

export function createRemoteAudioTrack({ id, pull } = {}) {
  if (typeof pull !== 'function') throw typeError('createRemoteAudioTrack: pull is not a function');
  const pump = new RemotePump(pull);
  const source = new RemoteSource(pump);
  let track = usesNativeStreams ? pump.nativeTrack() : null;
  const native = track !== null;
  if (native) {
    if (id !== undefined && id !== null) shadowId(track, id);
    Object.defineProperty(track, 'label', { value: 'polyrtc remote audio', configurable: true });
  } else {
    // Without native streams, or (rarely) with no AudioContext to make a native track from: a
    // stand-in, which still drains the engine by timer.
    track = createStandInTrack({ kind: 'audio', label: 'polyrtc remote audio', id: id === undefined || id === null ? undefined : `${id}`, source });
  }
  setSource(track, source);
  pump.start();
  let ended = false;
  return {
    track,
    pump,
    end() {
      if (ended) return;
      ended = true;
      pump.end();
      if (native) {
        // A native track can be ended only by stop(), which fires nothing; 'ended' is what the
        // spec fires when the remote side ends it.
        const wasLive = track.readyState !== 'ended';
        track.stop();
        if (wasLive) track.dispatchEvent(new Event('ended'));
      } else {
        endStandInTrack(track);
      }
    },
  };
}
