// Debian's WebKitGTK 2.50 (no WebRTC; MediaStream, getUserMedia and Web Audio present):
// without capture devices its getUserMedia rejects (OverconstrainedError), and example 10.1's
// legacy call still gets a stream from the synthetic source and the video stand-in; with
// WebKit's mock devices the microphone is captured. Remote tracks are drained at 50 frames/s
// whether or not WebKit lets the AudioContext run (tests/support/webkit.mjs: Xvfb +
// WebKitWebDriver).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchWebKit } from '../../support/webkit.mjs';
import { startServer, pageHtml, kCallAndCapture, withEnginePage } from './media_harness.mjs';

let server;
before(async () => {
  server = await startServer();
  server.setPage('/media.html', pageHtml());
});
after(async () => {
  await server?.stop();
});

const withPage = (args, fn) => withEnginePage(server, launchWebKit, { args }, fn);

test('webkitgtk without capture devices: example 10.1 gets the synthetic source and the video stand-in', { timeout: 120000 }, async () => {
  await withPage([], async (page) => {
    const raw = await page.evaluate(() => navigator.mediaDevices.getUserMedia({ audio: true }).then(() => 'stream', (e) => e.name));
    const r = await page.evaluate(kCallAndCapture);
    assert.notEqual(raw, 'stream'); // the premise: WebKit itself cannot capture here
    assert.deepEqual(r.tracks, ['audio:polyrtc synthetic audio (silence)', 'video:polyrtc video stand-in (not sent)']);
    assert.equal(r.native, true);
    assert.deepEqual(r.sizes, [960]);
    assert.equal(r.loud, 0);
    assert.ok(Math.abs(r.framesPerSecond - 50) <= 3, `frames per second ${r.framesPerSecond}`);
    assert.ok(Math.abs(r.pullsPerSecond - 50) <= 3, `pulls per second ${r.pullsPerSecond}`);
  });
});

test('webkitgtk with mock capture devices: example 10.1 gets the mock microphone and camera, and the microphone is captured', { timeout: 120000 }, async () => {
  await withPage(['--enable-mock-capture-devices=true'], async (page) => {
    const r = await page.evaluate(kCallAndCapture);
    assert.deepEqual(r.tracks, ['audio:Mock audio device 1', 'video:Mock video device 1']);
    assert.deepEqual(r.sizes, [960]);
    assert.ok(r.loud >= 40, `${r.loud} frames with sound`);
    assert.ok(Math.abs(r.framesPerSecond - 50) <= 3, `frames per second ${r.framesPerSecond}`);
    assert.ok(Math.abs(r.pullsPerSecond - 50) <= 3, `pulls per second ${r.pullsPerSecond}`);
  });
});
