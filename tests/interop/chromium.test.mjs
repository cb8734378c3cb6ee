// polyrtc <-> native Chromium through the relay. One page of headless Chromium has its native
// WebRTC deleted and runs polyrtc (TURN over WebSocket); the other uses Chromium's own
// RTCPeerConnection with the relay as its TURN server over UDP (relay candidates only).
import { test, before, after } from 'node:test';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';
import { pagePeer } from './peers.mjs';
import { runScenario, summary } from './scenario.mjs';
import { startInteropRelay, polyrtcConfig, nativeConfig, uniqueRoom, maybeSaveSdps } from './setup.mjs';

let relay;
let browser;

before(async () => {
  relay = await startInteropRelay();
  // Chromium gathers nothing on loopback without it, and the relay is on 127.0.0.1.
  browser = await launchChromium({ extraArgs: ['--allow-loopback-in-peer-connection'] });
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

async function nativePage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
  await page.goto(relay.url('/native.html'));
  return pagePeer('chromium', page);
}

async function polyrtcPage() {
  const page = await newPageWithoutWebRtc(browser);
  await page.goto(relay.url('/polyrtc.html'));
  return pagePeer('polyrtc', page);
}

async function run(t, polyrtcRole) {
  const polyrtc = await polyrtcPage();
  const chromium = await nativePage();
  const [offerer, answerer] = polyrtcRole === 'offerer' ? [polyrtc, chromium] : [chromium, polyrtc];
  const configs = new Map([[polyrtc, polyrtcConfig(relay)], [chromium, nativeConfig(relay, 'udp')]]);
  try {
    const result = await runScenario({
      offerer, answerer, relay, room: uniqueRoom('chromium'),
      offererConfig: configs.get(offerer), answererConfig: configs.get(answerer),
    });
    t.diagnostic(summary(result));
    maybeSaveSdps(result, offerer, answerer);
  } finally {
    await polyrtc.close();
    await chromium.close();
    await polyrtc.page.context().close();
    await chromium.page.context().close();
  }
}

test('interop.chromium: polyrtc offers and native Chromium answers over TURN/UDP, channels both ways', async (t) => {
  await run(t, 'offerer');
});

test('interop.chromium: native Chromium offers and polyrtc answers over TURN/UDP, channels both ways', async (t) => {
  await run(t, 'answerer');
});
