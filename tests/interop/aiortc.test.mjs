// polyrtc <-> aiortc (Debian python3-aiortc) through the relay. polyrtc runs in a headless
// Chromium page whose native WebRTC is deleted; aiortc runs in tests/interop/aiortc_peer.py
// with the relay as its TURN server over UDP, signaling through the same /signal room.
import { test, before, after } from 'node:test';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';
import { aiortcPeer, pagePeer } from './peers.mjs';
import { runScenario, summary } from './scenario.mjs';
import { startInteropRelay, polyrtcConfig, nativeConfig, uniqueRoom, maybeSaveSdps } from './setup.mjs';

let relay;
let browser;

before(async () => {
  relay = await startInteropRelay();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

async function run(t, polyrtcRole) {
  const page = await newPageWithoutWebRtc(browser);
  await page.goto(relay.url('/polyrtc.html'));
  const polyrtc = pagePeer('polyrtc', page);
  const aiortc = aiortcPeer('aiortc');
  const [offerer, answerer] = polyrtcRole === 'offerer' ? [polyrtc, aiortc] : [aiortc, polyrtc];
  // aiortc 1.4 has no iceTransportPolicy; aiortc_peer.py hides its host addresses instead.
  const { iceServers } = nativeConfig(relay, 'udp');
  const configs = new Map([[polyrtc, polyrtcConfig(relay)], [aiortc, { iceServers }]]);
  try {
    const result = await runScenario({
      offerer, answerer, relay, room: uniqueRoom('aiortc'), signalUrl: relay.wsUrl('/signal'),
      offererConfig: configs.get(offerer), answererConfig: configs.get(answerer),
    });
    t.diagnostic(summary(result));
    maybeSaveSdps(result, offerer, answerer);
  } finally {
    await polyrtc.close();
    await aiortc.close();
    await page.context().close();
  }
}

test('interop.aiortc: polyrtc offers and aiortc answers over TURN/UDP, channels both ways', async (t) => {
  await run(t, 'offerer');
});

test('interop.aiortc: aiortc offers and polyrtc answers over TURN/UDP, channels both ways', async (t) => {
  await run(t, 'answerer');
});
