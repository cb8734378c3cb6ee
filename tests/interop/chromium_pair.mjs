// One polyrtc page and one native Chromium page of the same headless Chromium, through the
// relay: polyrtc over TURN over WebSocket, Chromium's own RTCPeerConnection with the relay as
// its TURN server over `transport` (udp or tcp), relay candidates only.
import { newPageWithoutWebRtc } from '../support/chromium.mjs';
import { pagePeer } from './peers.mjs';
import { runScenario, summary } from './scenario.mjs';
import { polyrtcConfig, nativeConfig, uniqueRoom, maybeSaveSdps } from './setup.mjs';

// Chromium gathers nothing on loopback without it, and the relay is on 127.0.0.1.
export const kChromiumInteropArgs = ['--allow-loopback-in-peer-connection'];

async function nativePage(browser, relay) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
  await page.goto(relay.url('/native.html'));
  return pagePeer('chromium', page);
}

async function polyrtcPage(browser, relay) {
  const page = await newPageWithoutWebRtc(browser);
  await page.goto(relay.url('/polyrtc.html'));
  return pagePeer('polyrtc', page);
}

// `nativeConfigOverride` replaces the native side's RTCConfiguration (the diagnostics test
// breaks it on purpose).
export async function runChromiumPair({ t, browser, relay, polyrtcRole, transport, nativeConfigOverride, connectTimeoutMs }) {
  const polyrtc = await polyrtcPage(browser, relay);
  const chromium = await nativePage(browser, relay);
  const [offerer, answerer] = polyrtcRole === 'offerer' ? [polyrtc, chromium] : [chromium, polyrtc];
  const configs = new Map([[polyrtc, polyrtcConfig(relay)], [chromium, nativeConfigOverride ?? nativeConfig(relay, transport)]]);
  try {
    const result = await runScenario({
      offerer, answerer, relay, room: uniqueRoom(`chromium-${transport}`), connectTimeoutMs,
      offererConfig: configs.get(offerer), answererConfig: configs.get(answerer),
    });
    t.diagnostic(summary(result));
    if (transport === 'udp') maybeSaveSdps(result, offerer, answerer);
  } finally {
    await polyrtc.close();
    await chromium.close();
    await polyrtc.page.context().close();
    await chromium.page.context().close();
  }
}
