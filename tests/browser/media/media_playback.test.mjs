// createRemoteAudioTrack: remote audio pulled from the "engine" (here a 1 kHz sine generator
// standing in for receiveAudio) once per 20 ms, played by an <audio> element through
// srcObject and through example 10.1's `src = URL.createObjectURL(stream)`, measured with an
// AnalyserNode: the page's own AudioContext on the native track, or the element's Web Audio
// path where streams are stand-ins. Pulls continue while no audio clock runs; end() ends the
// track and stops them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './media_harness.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

// In the page: a remote track fed by a 1 kHz sine at `level`, counting pulls.
const kRemote = () => {
  window.makeRemote = (level = 0.5, frequency = 1000) => {
    let n = 0;
    const state = { pulls: 0, times: [] };
    const remote = media.createRemoteAudioTrack({
      id: 'remote-track-1',
      pull(nowMs) {
        state.pulls++;
        state.times.push(nowMs);
        const frame = new Int16Array(960);
        for (let i = 0; i < 960; i++, n++) frame[i] = Math.round(level * 32767 * Math.sin((2 * Math.PI * frequency * n) / 48000));
        return frame;
      },
    });
    return { remote, state };
  };
  // Peak frequency and RMS level of `node` over `ms`, by an AnalyserNode in node's context.
  window.analyse = async (ctx, node, ms = 600) => {
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    analyser.smoothingTimeConstant = 0;
    node.connect(analyser);
    await sleep(ms);
    const spectrum = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(spectrum);
    const wave = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(wave);
    node.disconnect(analyser);
    let peak = 0;
    for (let i = 1; i < spectrum.length; i++) if (spectrum[i] > spectrum[peak]) peak = i;
    const rms = Math.sqrt(wave.reduce((a, v) => a + v * v, 0) / wave.length);
    return { peakHz: (peak * ctx.sampleRate) / analyser.fftSize, rms, binHz: ctx.sampleRate / analyser.fftSize };
  };
};

function assertTone(m, what) {
  if (process.env.MEDIA_DEBUG) console.log(what, m);
  assert.ok(Math.abs(m.peakHz - 1000) <= 2 * m.binHz, `${what}: peak at ${m.peakHz} Hz`);
  // 0.5 of full scale: rms 0.354
  assert.ok(Math.abs(m.rms - 0.354) < 0.05, `${what}: rms ${m.rms}`);
}

test('a native remote track plays through <audio>.srcObject; the page analyses it with its own AudioContext', async () => {
  const page = await env.open({ body: '<audio id="remoteView" autoplay></audio>' });
  await page.evaluate(kRemote);
  const r = await page.evaluate(async () => {
    media.installMedia(window, { replaceAll: true });
    const { remote, state } = makeRemote();
    const stream = media.createMediaStream([remote.track], 'remote-stream-1');
    const el = document.getElementById('remoteView');
    el.srcObject = stream;
    await el.play();
    const t0 = el.currentTime;
    const ctx = new AudioContext();
    const measured = await analyse(ctx, ctx.createMediaStreamSource(stream), 800);
    const pulls0 = state.pulls;
    await sleep(1000);
    const perSecond = state.pulls - pulls0;
    const result = {
      native: remote.track instanceof MediaStreamTrack && stream instanceof MediaStream,
      ids: [stream.id, remote.track.id, stream.getTrackById('remote-track-1') === remote.track],
      kind: remote.track.kind, state: remote.track.readyState,
      srcObject: el.srcObject === stream, playing: !el.paused && el.currentTime > t0,
      measured, perSecond,
    };
    await ctx.close();
    return result;
  });
  assert.equal(r.native, true);
  assert.deepEqual(r.ids, ['remote-stream-1', 'remote-track-1', true]);
  assert.deepEqual([r.kind, r.state, r.srcObject, r.playing], ['audio', 'live', true, true]);
  assertTone(r.measured, 'srcObject');
  assert.ok(Math.abs(r.perSecond - 50) <= 3, `pulls per second ${r.perSecond}`);
  assert.deepEqual(page.errors, []);
});

test("example 10.1's remoteView.src = URL.createObjectURL(stream) plays the stream; src reads the URL back", async () => {
  const page = await env.open({ body: '<video id="remoteView" autoplay></video>' });
  await page.evaluate(kRemote);
  const r = await page.evaluate(async () => {
    media.installMedia(window, { replaceAll: true });
    const { remote } = makeRemote();
    const stream = media.createMediaStream([remote.track]);
    const remoteView = document.getElementById('remoteView');
    const url = URL.createObjectURL(stream);
    remoteView.src = URL.createObjectURL(stream);
    const assigned = remoteView.src;
    const attribute = remoteView.getAttribute('src');
    await sleep(300);
    const ctx = new AudioContext();
    const measured = await analyse(ctx, ctx.createMediaStreamSource(remoteView.srcObject), 800);
    const playing = !remoteView.paused && remoteView.currentTime > 0;
    // Blob URLs are untouched and still load; a revoked stream URL is forgotten, but the
    // element keeps playing it, as with blob URLs.
    const blobUrl = URL.createObjectURL(new Blob(['hello'], { type: 'text/plain' }));
    const blobText = await (await fetch(blobUrl)).text();
    URL.revokeObjectURL(blobUrl);
    const blobRevoked = await fetch(blobUrl).then(() => 'fetched', () => 'failed');
    URL.revokeObjectURL(assigned);
    const other = document.createElement('audio');
    other.src = assigned;
    const afterRevoke = { srcObject: other.srcObject, stillPlaying: remoteView.srcObject === stream };
    remoteView.src = '';
    const cleared = { srcObject: remoteView.srcObject, src: remoteView.src };
    // Ordinary URLs still go to the browser: attribute set, src resolved.
    other.src = 'sound.wav';
    const ordinary = [other.getAttribute('src'), other.src === new URL('sound.wav', location.href).href, other.srcObject];
    await ctx.close();
    return {
      urlShape: /^blob:http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/.test(url) && url !== assigned,
      srcReadsBack: assigned.startsWith('blob:') && attribute === null,
      srcObject: remoteView.srcObject === stream || cleared.srcObject === null,
      measured, playing, blobText, blobRevoked, afterRevoke, cleared: cleared.srcObject === null && cleared.src !== assigned,
      ordinary,
    };
  });
  assert.deepEqual({ ...r, measured: undefined }, {
    urlShape: true, srcReadsBack: true, srcObject: true, measured: undefined, playing: true, blobText: 'hello',
    blobRevoked: 'failed', afterRevoke: { srcObject: null, stillPlaying: true }, cleared: true,
    ordinary: ['sound.wav', true, null],
  });
  assertTone(r.measured, 'src = createObjectURL');
  // The fetch of the revoked blob URL logs its own failure.
  assert.deepEqual(page.errors.filter((e) => !/404/.test(e)), ['Failed to load resource: net::ERR_FILE_NOT_FOUND']);
});

test('without native streams: a stand-in remote track plays through Web Audio via srcObject and via src = URL', async () => {
  const page = await env.open({ standIns: true, body: '<audio id="a" autoplay></audio><audio id="b"></audio>' });
  await page.evaluate(kRemote);
  const r = await page.evaluate(async () => {
    media.installMedia(window, { replaceAll: true });
    const { remote, state } = makeRemote();
    const stream = new MediaStream([remote.track]);
    const a = document.getElementById('a');
    const b = document.getElementById('b');
    // Nothing plays it yet: the pump drains by timer.
    const p0 = state.pulls;
    await sleep(1000);
    const timerPulls = state.pulls - p0;
    a.srcObject = stream;
    const nodeA = media.elementAudioNode(a);
    const viaSrcObject = await analyse(nodeA.context, nodeA, 800);
    // b has no autoplay: silent until play().
    b.src = URL.createObjectURL(stream);
    const beforePlay = media.elementAudioNode(b);
    await b.play();
    const nodeB = media.elementAudioNode(b);
    const viaUrl = await analyse(nodeB.context, nodeB, 800);
    // muted: the element's path is silent
    b.muted = true;
    await sleep(100);
    const muted = await analyse(nodeB.context, nodeB, 300);
    b.pause();
    const p1 = state.pulls;
    await sleep(1000);
    const audioPulls = state.pulls - p1;
    return {
      srcObject: a.srcObject === stream, srcBack: b.src.startsWith('blob:'), beforePlay, viaSrcObject, viaUrl,
      mutedRms: muted.rms, timerPulls, audioPulls, contextRate: nodeA.context.sampleRate,
    };
  });
  assert.deepEqual([r.srcObject, r.srcBack, r.beforePlay], [true, true, null]);
  assertTone(r.viaSrcObject, 'stand-in srcObject');
  assertTone(r.viaUrl, 'stand-in src = URL');
  assert.ok(r.mutedRms < 0.001, `muted rms ${r.mutedRms}`);
  assert.ok(Math.abs(r.timerPulls - 50) <= 3, `timer pulls ${r.timerPulls}`);
  assert.ok(Math.abs(r.audioPulls - 50) <= 3, `audio clock pulls ${r.audioPulls}`);
  assert.deepEqual(page.errors, []);
});

test('the engine is drained at 50 frames/s while the AudioContext is suspended, and end() ends the track', async () => {
  for (const standIns of [false, true]) {
    const page = await env.open({ standIns });
    await page.evaluate(kRemote);
    const r = await page.evaluate(async () => {
      const { audioContext } = await import('/src/media/audio_context.mjs');
      const { remote, state } = makeRemote();
      const stream = media.createMediaStream([remote.track]);
      const log = [];
      remote.track.addEventListener('ended', () => log.push(`ended ${remote.track.readyState}`));
      await audioContext().suspend();
      await sleep(300);
      const p0 = state.pulls;
      const t0 = performance.now();
      await sleep(2000);
      const perSecond = ((state.pulls - p0) * 1000) / (performance.now() - t0);
      await audioContext().resume();
      await sleep(500);
      const p1 = state.pulls;
      await sleep(1000);
      const resumed = state.pulls - p1;
      remote.end();
      remote.end();
      const p2 = state.pulls;
      await sleep(300);
      return { perSecond, resumed, log, state: remote.track.readyState, afterEnd: state.pulls - p2, active: stream.active };
    });
    assert.ok(Math.abs(r.perSecond - 50) <= 2.5, `standIns ${standIns}: suspended pulls per second ${r.perSecond}`);
    assert.ok(Math.abs(r.resumed - 50) <= 3, `standIns ${standIns}: resumed pulls ${r.resumed}`);
    assert.deepEqual({ log: r.log, state: r.state, afterEnd: r.afterEnd, active: r.active },
      { log: ['ended ended'], state: 'ended', afterEnd: 0, active: false }, `standIns ${standIns}`);
    assert.deepEqual(page.errors, []);
  }
});
