// The demo's status page (status.html), served by the real relay as `./run demo` serves it, in headless Chromium
// with native WebRTC deleted: the Wasm core loads in the page and its certificate
// fingerprint agrees with WebCrypto.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';

let relay;
let browser;

before(async () => {
  relay = await startRelay(['--web-root', path.join(repoRoot, 'demo'), '--no-auth']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  assert.deepEqual(await relay?.stop(), { code: 0, signal: null }, 'relay exits cleanly on SIGTERM');
});

test('demo.status: the status page loads the Wasm core and shows a verified DTLS fingerprint', async () => {
  const page = await newPageWithoutWebRtc(browser);
  await page.goto(relay.url('/status.html'));
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30000 });

  assert.equal(await page.evaluate(() => typeof window.RTCPeerConnection), 'undefined');
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  assert.match(await page.textContent('#native-webrtc'), /absent/);
  assert.match(await page.textContent('#fingerprint'), /^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.equal(await page.textContent('#fingerprint-check'), 'matches');
  assert.deepEqual(page.errors, []);
});

test('demo.status: the relay serves the Wasm module with the MIME type streaming compilation needs', async () => {
  const response = await fetch(relay.url('/dist/polyrtc.wasm'));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/wasm');
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d]); // "\0asm"
});
