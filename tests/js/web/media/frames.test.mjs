// The frame arithmetic of web/src/media/frames.mjs and the timer clock: exact 960-sample
// frames from blocks of any size and rate, seamless resampling in both directions, tone
// generation without phase jumps, and frames by elapsed time that catch up without drifting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../../support/paths.mjs';

const mediaDir = path.join(repoRoot, 'web', 'src', 'media');
const frames = await import(pathToFileURL(path.join(mediaDir, 'frames.mjs')).href);
const { FrameTimer } = await import(pathToFileURL(path.join(mediaDir, 'clock.mjs')).href);
const { FrameChunker, FrameReader, ToneGenerator, LinearResampler, floatToInt16, int16ToFloat, framesDue, goertzelPower, kFrameSamples } = frames;

function sine(frequency, rate, count, level = 0.5, start = 0) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = level * Math.sin((2 * Math.PI * frequency * (start + i)) / rate);
  return out;
}

// Feeds `input` to a chunker in blocks whose sizes cycle through `blockSizes`.
function chunk(input, rate, blockSizes) {
  const out = [];
  const chunker = new FrameChunker(rate, (frame) => out.push(frame));
  let offset = 0;
  for (let b = 0; offset < input.length; b++) {
    const size = blockSizes[b % blockSizes.length];
    chunker.push(input.subarray(offset, offset + size));
    offset += size;
  }
  return { out, chunker };
}

function maxStep(samples) {
  let max = 0;
  for (let i = 1; i < samples.length; i++) max = Math.max(max, Math.abs(samples[i] - samples[i - 1]));
  return max;
}

test('floatToInt16 scales and clamps; int16ToFloat inverts it', () => {
  assert.deepEqual([1, -1, 0, 2, -2, NaN, 0.5, -0.5].map(floatToInt16), [32767, -32768, 0, 32767, -32768, 0, 16384, -16384]);
  assert.equal(int16ToFloat(32767), 1);
  assert.equal(int16ToFloat(-32768), -1);
  for (const v of [-32768, -1000, 0, 1, 12345, 32767]) assert.equal(floatToInt16(int16ToFloat(v)), v);
});

test('at 48 kHz the chunker passes samples through in order, in exact frames, whatever the block sizes', () => {
  const input = new Float32Array(960 * 7 + 500);
  for (let i = 0; i < input.length; i++) input[i] = ((i % 1000) - 500) / 1000;
  const { out, chunker } = chunk(input, 48000, [128, 1000, 7, 960, 1]);
  assert.equal(out.length, 7);
  assert.equal(chunker.pendingSamples, 500);
  assert.ok(out.every((f) => f instanceof Int16Array && f.length === kFrameSamples));
  assert.notEqual(out[0], out[1]); // a new array per frame: the receiver may keep it
  const flat = out.flatMap((f) => [...f]);
  flat.forEach((v, i) => assert.equal(v, floatToInt16(input[i]), `sample ${i}`));
});

for (const rate of [8000, 22050, 44100, 96000]) {
  test(`resampling ${rate} Hz to 48 kHz keeps the duration, the tone, and leaves no seam at block boundaries`, () => {
    const seconds = 2;
    const input = sine(440, rate, seconds * rate);
    const { out, chunker } = chunk(input, rate, [1024, 333, 4096, 1]);
    const produced = out.length * kFrameSamples + chunker.pendingSamples;
    // Output between the last input sample and the next block's first waits for that block.
    assert.ok(produced <= seconds * 48000 && produced >= seconds * 48000 - Math.ceil(48000 / rate) - 1, `${produced} samples`);
    const flat = Int16Array.from(out.flatMap((f) => [...f]));
    // A 440 Hz sine at 0.5 of full scale moves at most 2*pi*440/48000 * 16384 per sample.
    const limit = ((2 * Math.PI * 440) / 48000) * 16384 * 1.05 + 2;
    assert.ok(maxStep(flat) <= limit, `max step ${maxStep(flat)} > ${limit}`);
    const p440 = goertzelPower(flat, 440);
    assert.ok(p440 > 1000 * goertzelPower(flat, 1000) && p440 > 1000 * goertzelPower(flat, 300), 'the tone stays at 440 Hz');
  });
}

test('pushSilence adds zeros of output length and keeps frames exact', () => {
  const out = [];
  const chunker = new FrameChunker(44100, (f) => out.push(f));
  chunker.pushSilence(960 * 2 + 10);
  assert.equal(out.length, 2);
  assert.equal(chunker.pendingSamples, 10);
  assert.ok(out.every((f) => f.every((v) => v === 0)));
  assert.throws(() => new FrameChunker(0, () => {}), RangeError);
  assert.throws(() => new LinearResampler(Infinity), RangeError);
});

for (const rate of [48000, 44100, 22050]) {
  test(`FrameReader at ${rate} Hz pulls one frame per 960 samples of 48 kHz and keeps the tone seamless`, () => {
    const tone = new ToneGenerator({ frequency: 1000, level: 0.5 });
    let pulls = 0;
    const reader = new FrameReader(rate, () => { pulls++; return tone.nextFrame(); });
    const seconds = 2;
    const block = new Float32Array(1024);
    const all = [];
    for (let read = 0; read < seconds * rate; read += block.length) {
      reader.read(block);
      all.push(...block);
    }
    const expected = (all.length * 48000) / rate / 960;
    assert.ok(pulls >= expected && pulls <= expected + 2, `${pulls} pulls for ${expected} frames of output`);
    const samples = Float32Array.from(all);
    const limit = ((2 * Math.PI * 1000) / rate) * 0.5 * 1.05 + 1e-4;
    assert.ok(maxStep(samples) <= limit, `max step ${maxStep(samples)} > ${limit}`);
    const p = goertzelPower(samples, 1000, rate);
    assert.ok(p > 1000 * goertzelPower(samples, 440, rate), 'the tone stays at 1 kHz');
  });
}

test('FrameReader turns what is not an Int16Array(960) into silence of a frame', () => {
  const results = [null, 'x', new Float32Array(960), new Int16Array(0)];
  let pulls = 0;
  const reader = new FrameReader(48000, () => results[pulls++]);
  const out = new Float32Array(960 * 4);
  reader.read(out);
  assert.equal(pulls, 4);
  assert.ok(out.every((v) => v === 0));
});

test('ToneGenerator: continuous phase across frames, the configured level, silence by default', () => {
  const tone = new ToneGenerator({ frequency: 440, level: 0.25 });
  const a = tone.nextFrame();
  const b = tone.nextFrame();
  const joined = Int16Array.from([...a, ...b]);
  const limit = ((2 * Math.PI * 440) / 48000) * 0.25 * 32767 * 1.01 + 1;
  assert.ok(maxStep(joined) <= limit);
  assert.equal(Math.max(...joined), Math.round(0.25 * 32767));
  const silent = new ToneGenerator();
  assert.equal(silent.silent, true);
  assert.ok(silent.nextFrame().every((v) => v === 0));
  // Skipping a frame keeps the phase of absolute time.
  const t1 = new ToneGenerator({ frequency: 440, level: 0.25 });
  const t2 = new ToneGenerator({ frequency: 440, level: 0.25 });
  t1.nextFrame();
  t2.skipFrame();
  assert.deepEqual(t1.nextFrame(), t2.nextFrame());
});

test('framesDue: frame k is due at start + 20k ms; catch-up bursts are bounded', () => {
  assert.deepEqual(framesDue(1000, 0, 1000), { make: 1, skipped: 0 });
  assert.deepEqual(framesDue(1000, 1, 1019.9), { make: 0, skipped: 0 });
  assert.deepEqual(framesDue(1000, 1, 1020), { make: 1, skipped: 0 });
  assert.deepEqual(framesDue(1000, 1, 1105), { make: 5, skipped: 0 });
  assert.deepEqual(framesDue(1000, 0, 1000 + 20 * 99, 50), { make: 50, skipped: 50 });
  assert.deepEqual(framesDue(1000, 10, 1000), { make: 0, skipped: 0 });
});

test('FrameTimer makes 50 frames per second by elapsed time, catching up after a blocked event loop', async () => {
  const times = [];
  const timer = new FrameTimer((nowMs) => times.push(nowMs));
  const start = performance.now();
  timer.start();
  await new Promise((r) => setTimeout(r, 300));
  const busyUntil = performance.now() + 200;
  while (performance.now() < busyUntil) { /* a long task: timers cannot run */ }
  await new Promise((r) => setTimeout(r, 500));
  timer.stop();
  const elapsed = performance.now() - start;
  const count = times.length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(times.length, count, 'nothing after stop()');
  const expected = Math.floor(elapsed / 20) + 1;
  assert.ok(Math.abs(count - expected) <= 2, `${count} frames in ${elapsed} ms`);
  assert.equal(timer.skipped, 0);
});
