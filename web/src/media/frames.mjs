// Audio frame arithmetic shared by capture and playback, with no Web API in it (the Node tests
// in tests/js/web/media/ exercise it directly). The engine takes and gives 20 ms of 48 kHz mono
// PCM as an Int16Array of 960 samples (docs/internals/media-contract.md).

export const kSampleRate = 48000;
export const kFrameMs = 20;
export const kFrameSamples = 960;

// Float samples in [-1, 1] to Int16, clamped (a browser may hand us slightly out-of-range
// values after gain stages; wrapping them would be a loud click).
export function floatToInt16(value) {
  const v = value > 1 ? 1 : value < -1 ? -1 : (value || 0);
  return v < 0 ? Math.round(v * 0x8000) : Math.round(v * 0x7fff);
}

export function int16ToFloat(value) {
  return value < 0 ? value / 0x8000 : value / 0x7fff;
}

// Streaming linear-interpolation resampler: `ratio` input samples per output sample. The
// fractional read position and the last sample of the previous block are kept across blocks,
// so block boundaries leave no seam and the output count tracks the input duration exactly.
// Linear interpolation is enough for speech at the rates AudioContexts run (8 to 96 kHz).
export class LinearResampler {
  #ratio;
  #previous = 0;  // the input sample at index -1 of the current block
  #position = 0;  // read position relative to the current block's start, in [-1, ...)

  constructor(ratio) {
    if (!(ratio > 0) || !Number.isFinite(ratio)) throw new RangeError(`LinearResampler: bad ratio ${ratio}`);
    this.#ratio = ratio;
  }

  // Calls emit(sample) for each output sample the block completes.
  process(block, emit) {
    const n = block.length;
    if (n === 0) return;
    if (this.#ratio === 1) {
      for (let i = 0; i < n; i++) emit(block[i]);
      return;
    }
    let pos = this.#position;
    while (pos <= n - 1) {
      const i = Math.floor(pos);
      const frac = pos - i;
      const a = i < 0 ? this.#previous : block[i];
      if (frac === 0) {
        emit(a);
      } else {
        if (i + 1 >= n) break; // the next sample is in the next block
        emit(a + (block[i + 1] - a) * frac);
      }
      pos += this.#ratio;
    }
    this.#previous = block[n - 1];
    this.#position = pos - n;
  }
}

// Cuts float blocks of any size at any input rate into exact 960-sample Int16 frames at
// 48 kHz, calling onFrame(Int16Array(960)) for each (a new array each time: the receiver may
// keep it).
export class FrameChunker {
  #resampler;
  #onFrame;
  #frame = new Int16Array(kFrameSamples);
  #filled = 0;
  #emit = (sample) => {
    this.#frame[this.#filled++] = floatToInt16(sample);
    if (this.#filled === kFrameSamples) {
      const frame = this.#frame;
      this.#frame = new Int16Array(kFrameSamples);
      this.#filled = 0;
      this.#onFrame(frame);
    }
  };

  constructor(inputRate, onFrame) {
    if (!(inputRate > 0) || !Number.isFinite(inputRate)) throw new RangeError(`FrameChunker: bad input rate ${inputRate}`);
    this.#resampler = new LinearResampler(inputRate / kSampleRate);
    this.#onFrame = onFrame;
  }

  get pendingSamples() { return this.#filled; }

  push(block) {
    this.#resampler.process(block, this.#emit);
  }

  // Silence lasting `samples` output samples (a disabled or muted track still makes frames).
  pushSilence(samples) {
    for (let i = 0; i < samples; i++) this.#emit(0);
  }
}

// The playback direction: Int16 frames at 48 kHz, read out as float blocks at an
// AudioContext's rate. `pull()` supplies the next frame whenever the queue runs dry, so one
// pull happens per 960 samples at 48 kHz of output, whatever the output rate and block size.
export class FrameReader {
  #resampler;
  #pull;
  #queue = new Float32Array(4096);
  #start = 0;
  #end = 0;
  #floats = new Float32Array(kFrameSamples);
  #push = (sample) => {
    if (this.#end === this.#queue.length) {
      const live = this.#end - this.#start;
      const queue = live * 2 > this.#queue.length ? new Float32Array(this.#queue.length * 2) : this.#queue;
      if (queue === this.#queue) this.#queue.copyWithin(0, this.#start, this.#end);
      else queue.set(this.#queue.subarray(this.#start, this.#end));
      this.#queue = queue;
      this.#start = 0;
      this.#end = live;
    }
    this.#queue[this.#end++] = sample;
  };

  constructor(outputRate, pull) {
    if (!(outputRate > 0) || !Number.isFinite(outputRate)) throw new RangeError(`FrameReader: bad output rate ${outputRate}`);
    this.#resampler = new LinearResampler(kSampleRate / outputRate);
    this.#pull = pull;
  }

  get queued() { return this.#end - this.#start; }

  // Fills `out` (Float32Array) with the next out.length samples.
  read(out) {
    while (this.#end - this.#start < out.length) {
      const frame = this.#pull();
      const ok = frame instanceof Int16Array && frame.length > 0;
      const floats = ok && frame.length === kFrameSamples ? this.#floats : new Float32Array(ok ? frame.length : kFrameSamples);
      if (ok) for (let i = 0; i < frame.length; i++) floats[i] = int16ToFloat(frame[i]);
      else floats.fill(0);
      this.#resampler.process(floats, this.#push);
    }
    out.set(this.#queue.subarray(this.#start, this.#start + out.length));
    this.#start += out.length;
  }
}

// A tone generator for the synthetic source: sample n of a sine at `frequency` Hz and
// `level` (0..1 of full scale), by absolute sample index so frames never drift in phase.
export class ToneGenerator {
  #frequency;
  #level;
  #sample = 0;

  constructor({ frequency = 0, level = 0 } = {}) {
    this.#frequency = Number(frequency) || 0;
    this.#level = Math.min(1, Math.max(0, Number(level) || 0));
  }

  get silent() { return this.#frequency <= 0 || this.#level <= 0; }

  // The next 960 samples.
  nextFrame() {
    const frame = new Int16Array(kFrameSamples);
    if (!this.silent) {
      const step = (2 * Math.PI * this.#frequency) / kSampleRate;
      // Keep the index small: the phase repeats every kSampleRate samples for integer
      // frequencies, and the modulo keeps float precision for any frequency over hours.
      for (let i = 0; i < kFrameSamples; i++) {
        frame[i] = floatToInt16(this.#level * Math.sin(step * ((this.#sample + i) % (kSampleRate * 1000))));
      }
    }
    this.#sample += kFrameSamples;
    return frame;
  }

  skipFrame() {
    this.#sample += kFrameSamples;
  }
}

// How many 20 ms frames are due at `nowMs` for a clock started at `startMs` that has produced
// `produced` frames: frame k is due at startMs + k * 20. Frames are made by elapsed time, so a
// late timer catches up instead of drifting; after a long stall (a background tab) at most
// `maxBurst` are made at once and the rest skipped, reported as `skipped`.
export function framesDue(startMs, produced, nowMs, maxBurst = 10) {
  const due = Math.floor((nowMs - startMs) / kFrameMs) + 1 - produced;
  if (due <= 0) return { make: 0, skipped: 0 };
  if (due <= maxBurst) return { make: due, skipped: 0 };
  return { make: maxBurst, skipped: due - maxBurst };
}

// Goertzel power of `frequency` in Int16 or float samples at `rate`, normalised by length:
// the tests use it to find which tone dominates a frame.
export function goertzelPower(samples, frequency, rate = kSampleRate) {
  const k = (2 * Math.cos((2 * Math.PI * frequency) / rate));
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] + k * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}
