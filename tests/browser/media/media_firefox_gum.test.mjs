// Firefox ESR with media.peerconnection.enabled=false (MediaStream, getUserMedia and Web
// Audio present): example 10.1's legacy getUserMedia call gets the synthetic source and video
// stand-in when Firefox has no devices, and Firefox's fake devices when it has them. Headless
// Firefox here never starts an AudioContext (no audio output device), so this is also the
// suspended-context case in a real engine: capture of a native microphone sends silence at 50
// frames/s, and remote tracks are still drained at 50 frames/s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchFirefox } from '../../support/firefox.mjs';
import { startServer, pageHtml, kCallAndCapture, withEnginePage } from './media_harness.mjs';

let server;
before(async () => {
  server = await startServer();
  server.setPage('/media.html', pageHtml());
});
after(async () => {
  await server?.stop();
});

const withPage = (prefs, fn) => withEnginePage(server, launchFirefox, { prefs }, fn);


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
