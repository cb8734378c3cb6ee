// QUESTIONS.md 2 (glare): both pages of spec example 10.3 call start(true) at once, so two
// offers cross in the signaling room. The example is verbatim (tests/browser/pages/
// chat-10-3.html); the real relay carries signaling and TURN; headless Chromium without
// native WebRTC. docs/questions.md explains what this pins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useChatPages } from '../chat_pages.mjs';

const env = useChatPages();

test('q2.glare: both sides call start(true) at once: both roll back implicitly and answer, the answers are refused, the connection fails', async () => {
  const pages = await env.openPair('glare');
  // Both offers are made before either arrives: the signaling channel's delivery is held (as
  // a slow network would) until both pages are in have-local-offer, then released. The
  // example's own handler gets every message, in order.
  await Promise.all(pages.map((p) => p.evaluate(() => {
    window.trace = [];
    window.exampleOnMessage = signalingChannel.onmessage;
    window.held = [];
    signalingChannel.onmessage = (evt) => held.push(evt);
    start(true);
    pc.addEventListener('signalingstatechange', () => trace.push(pc.signalingState));
  })));
  await Promise.all(pages.map((p) => p.waitForFunction(() => pc.signalingState === 'have-local-offer' && held.length > 0)));
  await Promise.all(pages.map((p) => p.evaluate(() => {
    signalingChannel.onmessage = exampleOnMessage;
    for (const evt of held) exampleOnMessage(evt);
  })));
  // Each now holds an answer to the other's offer, and neither holds the offer it answered
  // with: the ICE credentials do not match, the checks fail.
  await Promise.all(pages.map((p) => p.waitForFunction(() => pc.connectionState === 'failed', null, { timeout: 45000 })));
  const r = await Promise.all(pages.map((p) => p.evaluate(() => ({
    trace, logged, chatEnabled, signaling: pc.signalingState, connection: pc.connectionState, channel: channel.readyState,
  }))));
  for (const side of r) {
    // Each received the other's offer in have-local-offer: implicit rollback, then it answered.
    assert.deepEqual(side.trace.slice(0, 3), ['have-local-offer', 'have-remote-offer', 'stable'], JSON.stringify(side));
    assert.equal(side.signaling, 'stable');
  }
  // The answers then cross too: each arrives in stable (or, when it overtakes the side's own
  // answer in the operations chain, still in have-remote-offer), where a remote answer is
  // InvalidStateError (the example's logError reports it), and the chat never opens.
  for (const side of r) {
    assert.equal(side.logged.length, 1, JSON.stringify(side.logged));
    assert.match(side.logged[0], /^InvalidStateError: .*remote answer.*(stable|have-remote-offer)/);
    assert.equal(side.chatEnabled, false);
    assert.equal(side.channel, 'connecting');
  }
  for (const p of pages) assert.deepEqual(p.errors.filter((e) => !/InvalidStateError/.test(e)), []);
});
