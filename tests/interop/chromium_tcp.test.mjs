// polyrtc <-> native Chromium through the relay, the native side on TURN over TCP (RFC 8656
// section 12.5: STUN and ChannelData back to back, ChannelData padded to 4 bytes). The relay
// must log turn_tcp_port in its listening line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

test('interop.chromium: the relay listens for TURN over TCP', () => {
  assert.equal(typeof relay.listening.turn_tcp_port, 'number', `listening line: ${JSON.stringify(relay.listening)}`);
});

test('interop.chromium: polyrtc offers and native Chromium answers over TURN/TCP, channels both ways', async (t) => {
  await runChromiumPair({ t, browser, relay, polyrtcRole: 'offerer', transport: 'tcp' });
});

test('interop.chromium: native Chromium offers and polyrtc answers over TURN/TCP, channels both ways', async (t) => {
  await runChromiumPair({ t, browser, relay, polyrtcRole: 'answerer', transport: 'tcp' });
});
