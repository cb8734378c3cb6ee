// Spec example 10.3 (peer-to-peer data, the chat), verbatim, between two pages of headless
// Chromium whose native WebRTC is deleted: polyrtc's RTCPeerConnection, SignalingChannel,
// the Wasm core and the real relay (signaling room + TURN over WebSocket) do everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChatPages } from './chat_pages.mjs';

const env = useChatPages();

test('10.3: two pages chat over a data channel through the relay', async () => {
  const [a, b] = await env.openPair('chat');
  assert.equal(await a.evaluate(() => typeof RTCPeerConnection.prototype.createDataChannel), 'function');

  // The relay's rooms deliver only to members already joined: both signaling sockets must
  // be open before the offer goes out (docs/relay.md, "Signaling rooms").
  for (const page of [a, b]) await page.waitForFunction(() => signalingChannel.readyState === 1, null, { timeout: 10000 });
  // "call start(true) to initiate"
  await a.evaluate(() => start(true));
  await a.waitForFunction(() => chatEnabled, null, { timeout: 30000 });
  // The answerer's channel arrives through ondatachannel; its onopen may have fired before
  // setupChat assigned it (an open channel handed to ondatachannel), so wait for the state.
  await b.waitForFunction(() => typeof channel === 'object' && channel.readyState === 'open', null, { timeout: 30000 });

  await a.evaluate(() => sendChatMessage('hello from A'));
  await b.waitForFunction(() => received.length > 0, null, { timeout: 10000 });
  assert.deepEqual(await b.evaluate(() => received), ['hello from A']);

  await b.evaluate(() => sendChatMessage('hi A, B here'));
  await a.waitForFunction(() => received.length > 0, null, { timeout: 10000 });
  assert.deepEqual(await a.evaluate(() => received), ['hi A, B here']);

  assert.deepEqual(await a.evaluate(() => logged), []);
  assert.deepEqual(await b.evaluate(() => logged), []);
  assert.equal(await a.evaluate(() => pc.connectionState), 'connected');
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});
