// polyrtc <-> native Firefox ESR through the relay. polyrtc runs in a headless Chromium page
// whose native WebRTC is deleted (TURN over WebSocket); Firefox ESR uses its own
// RTCPeerConnection with the relay as its TURN server over UDP (relay candidates only).
import { test, before, after } from 'node:test';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';
import { launchFirefoxWithWebRtc } from './firefox_launcher.mjs';
import { pagePeer } from './peers.mjs';
import { runScenario, summary } from './scenario.mjs';
import { startInteropRelay, polyrtcConfig, nativeConfig, uniqueRoom, maybeSaveSdps } from './setup.mjs';

let relay;
let chromium;
let firefox;

before(async () => {
  relay = await startInteropRelay();
  chromium = await launchChromium();
  firefox = await launchFirefoxWithWebRtc();
});

after(async () => {
  await firefox?.close();
  await chromium?.close();
  await relay?.stop();
});

async function run(t, polyrtcRole) {
  const polyrtcPage = await newPageWithoutWebRtc(chromium);
  await polyrtcPage.goto(relay.url('/polyrtc.html'));
  const firefoxPage = await firefox.newPage();
  await firefoxPage.goto(relay.url('/native.html'));
  const polyrtc = pagePeer('polyrtc', polyrtcPage);
  const native = pagePeer('firefox', firefoxPage);
  const [offerer, answerer] = polyrtcRole === 'offerer' ? [polyrtc, native] : [native, polyrtc];
  const configs = new Map([[polyrtc, polyrtcConfig(relay)], [native, nativeConfig(relay, 'udp')]]);
  try {
    const result = await runScenario({
      offerer, answerer, relay, room: uniqueRoom('firefox'),
      offererConfig: configs.get(offerer), answererConfig: configs.get(answerer),
    });
    t.diagnostic(`${firefox.version}: ${summary(result)}`);
    maybeSaveSdps(result, offerer, answerer);
  } finally {
    await polyrtc.close();
    await native.close();
    await polyrtcPage.context().close();
    await firefoxPage.close();
  }
}

test('interop.firefox: polyrtc offers and native Firefox ESR answers over TURN/UDP, channels both ways', async (t) => {
  await run(t, 'offerer');
});

test('interop.firefox: native Firefox ESR offers and polyrtc answers over TURN/UDP, channels both ways', async (t) => {
  await run(t, 'answerer');
});
