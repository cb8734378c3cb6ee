// Firefox ESR with media.peerconnection.enabled=false (MediaStream, getUserMedia and Web
// Audio present): example 10.1's legacy getUserMedia call gets the synthetic source and video
// stand-in when Firefox has no devices, and Firefox's fake devices when it has them. Headless
// Firefox here never starts an AudioContext (no audio output device), so this is also the
// suspended-context case in a real engine: capture of a native microphone sends silence at 50
// frames/s, and remote tracks are still drained at 50 frames/s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchFirefox } from '../../support/firefox.mjs';
import { startServer, pageHtml } from './media_harness.mjs';

let server;
before(async () => {
  server = await startServer();
  server.setPage('/media.html', pageHtml());
});
after(async () => {
  await server?.stop();
});

async function withPage(prefs, fn) {
  const firefox = await launchFirefox({ prefs });
  try {
    const page = await firefox.newPage();
    await page.goto(`${server.url}/media.html`);
    await page.waitForFunction(() => document.title === 'ready');
    await fn(page);
    assert.deepEqual(await page.errors(), []);
  } finally {
    await firefox.close();
  }
}

const kCallAndCapture = async () => {
  media.installMedia(window, { replaceAll: true });
  const stream = await new Promise((resolve, reject) => {
    navigator.getUserMedia({ "audio": true, "video": true }, function (stream) {
      resolve(stream);
    });
    setTimeout(() => reject(new Error('no stream in 8 s')), 8000);
  });
  const frames = [];
  const handle = media.openTrackSource(stream.getAudioTracks()[0], (f) => frames.push(f));
  let pulls = 0;
  const remote = media.createRemoteAudioTrack({ pull: () => { pulls++; return new Int16Array(960); } });
  await sleep(500);
  const f0 = frames.length;
  const p0 = pulls;
  const t0 = performance.now();
  await sleep(2000);
  const seconds = (performance.now() - t0) / 1000;
  const result = {
    tracks: stream.getTracks().map((t) => `${t.kind}:${t.label}`).sort(),
    native: media.usesNativeStreams,
    framesPerSecond: (frames.length - f0) / seconds,
    pullsPerSecond: (pulls - p0) / seconds,
    sizes: [...new Set(frames.map((f) => f.length))],
  };
  handle.stop();
  remote.end();
  for (const t of stream.getTracks()) t.stop();
  return result;
};

function assertRates(r) {
  assert.deepEqual(r.sizes, [960]);
  assert.ok(Math.abs(r.framesPerSecond - 50) <= 2.5, `frames per second ${r.framesPerSecond}`);
  assert.ok(Math.abs(r.pullsPerSecond - 50) <= 2.5, `pulls per second ${r.pullsPerSecond}`);
}

test('firefox without devices: example 10.1 gets the synthetic source and the video stand-in', { timeout: 180000 }, async () => {
  await withPage({}, async (page) => {
    const r = await page.evaluate(kCallAndCapture);
    assert.deepEqual(r.tracks, ['audio:polyrtc synthetic audio (silence)', 'video:polyrtc video stand-in (not sent)']);
    assert.equal(r.native, true);
    assertRates(r);
  });
});

test('firefox with fake devices: example 10.1 gets them; a suspended AudioContext still gives 50 frames/s both ways', { timeout: 180000 }, async () => {
  const prefs = { 'media.navigator.streams.fake': true, 'media.navigator.permission.disabled': true };
  await withPage(prefs, async (page) => {
    const r = await page.evaluate(kCallAndCapture);
    assert.deepEqual(r.tracks, ['audio:Default Audio Device', 'video:Default Video Device']);
    assertRates(r);
  });
});
