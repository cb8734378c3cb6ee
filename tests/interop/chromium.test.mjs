// polyrtc <-> native Chromium through the relay, the native side on TURN over UDP. One page
// of headless Chromium has its native WebRTC deleted and runs polyrtc (TURN over WebSocket);
// the other uses Chromium's own RTCPeerConnection (tests/interop/chromium_pair.mjs).
import { test, before, after } from 'node:test';
import { launchChromium } from '../support/chromium.mjs';
import { kChromiumInteropArgs, runChromiumPair } from './chromium_pair.mjs';
import { startInteropRelay } from './setup.mjs';

let relay;
let browser;

before(async () => {
  relay = await startInteropRelay();
  browser = await launchChromium({ extraArgs: kChromiumInteropArgs });
});

after(async () => {
  await browser?.close();
  await relay?.stop();
});

test('interop.chromium: polyrtc offers and native Chromium answers over TURN/UDP, channels both ways', async (t) => {
  await runChromiumPair({ t, browser, relay, polyrtcRole: 'offerer', transport: 'udp' });
});

test('interop.chromium: native Chromium offers and polyrtc answers over TURN/UDP, channels both ways', async (t) => {
  await runChromiumPair({ t, browser, relay, polyrtcRole: 'answerer', transport: 'udp' });
});
