// polyrtc <-> native Chromium through the relay, the native side on TURN over UDP and over
// TCP (RFC 8656 section 12.5: STUN and ChannelData back to back, ChannelData padded). One page
// of headless Chromium has its native WebRTC deleted and runs polyrtc (TURN over WebSocket);
// the other uses Chromium's own RTCPeerConnection (tests/interop/chromium_pair.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium } from '../support/chromium.mjs';
import { kChromiumInteropArgs, runChromiumPair } from './chromium_pair.mjs';
import { startInteropRelay, nativeConfig } from './setup.mjs';

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

test('interop.chromium: the relay listens for TURN over TCP on its UDP port number', () => {
  assert.equal(relay.listening.turn_tcp_port, relay.listening.turn_udp_port, `listening line: ${JSON.stringify(relay.listening)}`);
});

for (const transport of ['udp', 'tcp']) {
  const name = transport.toUpperCase();
  test(`interop.chromium: polyrtc offers and native Chromium answers over TURN/${name}, channels both ways`, async (t) => {
    await runChromiumPair({ t, browser, relay, polyrtcRole: 'offerer', transport });
  });

  test(`interop.chromium: native Chromium offers and polyrtc answers over TURN/${name}, channels both ways`, async (t) => {
    await runChromiumPair({ t, browser, relay, polyrtcRole: 'answerer', transport });
  });
}

test('interop.chromium: a native peer with a wrong TURN password fails at ICE and the failure shows why', async (t) => {
  const broken = nativeConfig(relay, 'udp');
  broken.iceServers[0].credential = 'not-the-password';
  await assert.rejects(
    runChromiumPair({ t, browser, relay, polyrtcRole: 'offerer', transport: 'udp', nativeConfigOverride: broken, connectTimeoutMs: 5000 }),
    (error) => {
      // The step, both peers' reports (polyrtc never got a candidate to check, Chromium
      // gathered none), and the relay's refusal of Chromium's Allocate.
      assert.match(error.message, /step "offer\/answer, ICE and DTLS to connected" failed/);
      assert.match(error.message, /---- polyrtc ----[\s\S]*"iceConnection": "new"/);
      assert.match(error.message, /---- chromium ----[\s\S]*"what": "local candidate end"/);
      assert.doesNotMatch(error.message, /---- chromium ----[\s\S]*"what": "local candidate candidate:/);
      assert.match(error.message, /"event":"auth_failed"[^\n]*"username":"interop"/);
      return true;
    });
});
