// openTrackSource: a track's audio as exact 960-sample frames, 50 per second. From Chromium's
// fake microphone playing a 440 Hz WAV we generate (MediaStreamAudioSourceNode ->
// ScriptProcessorNode in polyrtc's AudioContext), and from the synthetic source where the
// browser has no capture API (timer by elapsed time). Silence while disabled; stop() and
// track.stop() end it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, sineWav } from './media_harness.mjs';

let env;
before(async () => {
  env = await setup({ wav: sineWav({ frequency: 440, seconds: 30, level: 0.5 }) });
});
after(async () => {
  await env?.close();
});

// Captures `ms` of frames from getUserMedia's audio track (after `warmupMs`) and summarises
// them: count, sizes, rate over the window, Goertzel power at 440 Hz against other tones.
const kCapture = async ({ ms, warmupMs = 500, constraints = { audio: true } }) => {
  const stream = await media.getUserMedia(constraints);
  const track = stream.getAudioTracks()[0];
  const frames = [];
  let started = null;
  const handle = media.openTrackSource(track, (samples, nowMs) => {
    if (started === null) return;
    frames.push({ samples, nowMs });
  });
  await sleep(warmupMs);
  started = performance.now();
  await sleep(ms);
  const elapsed = performance.now() - started;
  handle.stop();
  const stoppedAt = frames.length;
  await sleep(100);
  const sizes = [...new Set(frames.map((f) => `${f.samples.constructor.name}(${f.samples.length})`))];
  // The middle frames: the tone must dominate each (not just on average).
  const middle = frames.slice(5, -5);
  const dominated = middle.filter((f) => {
    const p440 = goertzel(f.samples, 440);
    return p440 > 100 * Math.max(goertzel(f.samples, 1000), goertzel(f.samples, 300), goertzel(f.samples, 2000));
  }).length;
  const rms = Math.sqrt(middle.reduce((a, f) => a + f.samples.reduce((b, s) => b + s * s, 0), 0) / (middle.length * 960));
  track.stop();
  return { count: frames.length, perSecond: (frames.length * 1000) / elapsed, sizes, dominated, middle: middle.length, rms, afterStop: frames.length - stoppedAt, label: track.label };
};

test('the fake microphone (440 Hz WAV) is captured as Int16Array(960) frames, 50 per second, dominated by 440 Hz', async () => {
  const page = await env.open();
  const r = await page.evaluate(kCapture, { ms: 2000 });
  if (process.env.MEDIA_DEBUG) console.log(r);
  assert.deepEqual(r.sizes, ['Int16Array(960)']);
  assert.ok(Math.abs(r.perSecond - 50) <= 2.5, `frames per second ${r.perSecond}`);
  assert.equal(r.dominated, r.middle, `440 Hz dominates ${r.dominated} of ${r.middle} frames`);
  assert.ok(r.rms > 1000, `rms ${r.rms}`);
  assert.equal(r.afterStop, 0);
  assert.deepEqual(page.errors, []);
});

test('the synthetic source (no capture API) makes 50 frames per second by elapsed time, of its configured tone', async () => {
  const page = await env.open({ standIns: true });
  await page.evaluate(() => media.setSyntheticAudio({ frequency: 440, level: 0.5 }));
  const s = await page.evaluate(kCapture, { ms: 2000, warmupMs: 100 });
  if (process.env.MEDIA_DEBUG) console.log(s);
  assert.equal(s.label, 'polyrtc synthetic audio (440 Hz tone)');
  assert.deepEqual(s.sizes, ['Int16Array(960)']);
  assert.ok(Math.abs(s.perSecond - 50) <= 2.5, `frames per second ${s.perSecond}`);
  assert.equal(s.dominated, s.middle);
  // level 0.5 of full scale: rms 0.5 / sqrt(2) * 32767
  assert.ok(Math.abs(s.rms - 11585) < 200, `rms ${s.rms}`);
  assert.equal(s.afterStop, 0);
  assert.deepEqual(page.errors, []);
});

test('frames are silent while the track is disabled, and capture ends when the track is stopped', async () => {
  for (const standIns of [false, true]) {
    const page = await env.open({ standIns });
    const r = await page.evaluate(async () => {
      media.setSyntheticAudio({ frequency: 440, level: 0.5 });
      const track = (await media.getUserMedia({ audio: true })).getAudioTracks()[0];
      const energy = [];
      let phase = 'on';
      const handle = media.openTrackSource(track, (samples) => {
        energy.push([phase, samples.some((s) => s !== 0)]);
      });
      await sleep(600);
      phase = 'off';
      track.enabled = false;
      await sleep(400);
      phase = 'back';
      track.enabled = true;
      await sleep(400);
      phase = 'stopped';
      track.stop();
      await sleep(1300); // native tracks' stop() is noticed by polling, once a second
      const count = (p, loud) => energy.filter(([q, l]) => q === p && l === loud).length;
      const afterStop = energy.length;
      await sleep(200);
      handle.stop();
      return {
        onLoud: count('on', true) > 10,
        // a frame or two in flight when enabled changes may still carry sound
        offSilent: count('off', false) >= 15 && count('off', true) <= 2,
        backLoud: count('back', true) > 10,
        stoppedFrames: count('stopped', true) + count('stopped', false) <= 60,
        quietAfter: energy.length === afterStop,
      };
    });
    assert.deepEqual(r, { onLoud: true, offSilent: true, backLoud: true, stoppedFrames: true, quietAfter: true }, `standIns: ${standIns}`);
    assert.deepEqual(page.errors, []);
  }
});

test('openTrackSource checks its arguments and gives nothing for video or ended tracks', async () => {
  const page = await env.open({ standIns: true });
  const r = await page.evaluate(async () => {
    const s = await media.getUserMedia({ audio: true, video: true });
    const frames = [];
    const video = media.openTrackSource(s.getVideoTracks()[0], () => frames.push('video'));
    const audio = s.getAudioTracks()[0];
    audio.stop();
    const ended = media.openTrackSource(audio, () => frames.push('ended'));
    await sleep(200);
    video.stop();
    ended.stop();
    const bad = [() => media.openTrackSource({}, () => {}), () => media.openTrackSource(s.getVideoTracks()[0], 1)].map((f) => {
      try { f(); return 'ok'; } catch (e) { return e.name; }
    });
    return { frames, bad };
  });
  assert.deepEqual(r, { frames: [], bad: ['TypeError', 'TypeError'] });
});

test("any native audio track is captured: a 1 kHz oscillator from the page's own AudioContext at 44.1 kHz", async () => {
  const page = await env.open();
  const r = await page.evaluate(async () => {
    const ctx = new AudioContext({ sampleRate: 44100 });
    const oscillator = ctx.createOscillator();
    oscillator.frequency.value = 1000;
    const gain = ctx.createGain();
    gain.gain.value = 0.5;
    const destination = ctx.createMediaStreamDestination();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    const track = destination.stream.getAudioTracks()[0];
    const frames = [];
    const handle = media.openTrackSource(track, (samples) => frames.push(samples));
    await sleep(1500);
    handle.stop();
    await ctx.close();
    const middle = frames.slice(10, -5);
    return {
      count: frames.length,
      dominated: middle.filter((f) => goertzel(f, 1000) > 100 * Math.max(goertzel(f, 440), goertzel(f, 2000))).length,
      middle: middle.length,
      rms: Math.sqrt(middle.reduce((a, f) => a + f.reduce((b, s) => b + s * s, 0), 0) / (middle.length * 960)),
    };
  });
  assert.ok(r.count >= 70, `${r.count} frames in 1.5 s`);
  assert.equal(r.dominated, r.middle);
  assert.ok(Math.abs(r.rms - 11585) < 600, `rms ${r.rms}`); // 0.5 of full scale
  assert.deepEqual(page.errors, []);
});
