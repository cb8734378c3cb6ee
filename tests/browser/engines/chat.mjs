// Spec example 10.3 verbatim (tests/browser/pages/chat-10-3.html, served by the real relay)
// between two pages of any two engines (tests/support/engines.mjs): the same steps as
// tests/browser/example_10_3.test.mjs, plus checks that the page's WebRTC is polyrtc's.
import assert from 'node:assert/strict';
import path from 'node:path';
import { repoRoot } from '../../support/paths.mjs';
import { startRelay } from '../../relay/relay_process.mjs';

export function startChatRelay() {
  // Both pages' relayed addresses are on 127.0.0.1 here, hence --allow-loopback-peers.
  return startRelay(['--web-root', path.join(repoRoot, 'tests', 'browser', 'pages'), '--no-auth',
    '--allow-loopback-peers']);
}

// What a page's globals are: every RTC* global polyrtc installs must be polyrtc's own (a leftover
// native RTCDataChannel would break `channel instanceof RTCDataChannel`); RTC* globals polyrtc
// does not define are listed as leftovers.
export function pageGlobals() {
  const ours = Object.keys(polyrtc.globals).filter((name) => /^RTC/.test(name));
  return {
    notOurs: ours.filter((name) => window[name] !== polyrtc[name]),
    leftovers: Object.getOwnPropertyNames(window).filter((name) => /^(webkit)?RTC/.test(name) && !ours.includes(name)).sort(),
    signalingChannel: window.SignalingChannel === polyrtc.SignalingChannel,
  };
}

// Runs the chat: A calls start(true), B answers from the signaling channel, each sends one
// message. Returns timings in ms and each page's leftover native RTC* globals.
export async function chat(a, b, relay, { timeout = 45000 } = {}) {
  const room = `chat-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await a.goto(relay.url(`/chat-10-3.html?room=${room}`));
  await b.goto(relay.url(`/chat-10-3.html?room=${room}`));
  const leftovers = [];
  for (const page of [a, b]) {
    const globals = await page.evaluate(pageGlobals);
    assert.deepEqual(globals.notOurs, [], `${page.version}: native globals polyrtc should have replaced`);
    assert.equal(globals.signalingChannel, true);
    leftovers.push(globals.leftovers);
  }

  // The relay hands a room's messages only to the pages already in it: the answerer's
  // signaling socket must be open before the offer goes out.
  for (const page of [a, b]) await page.waitForFunction(() => signalingChannel.readyState === 1, undefined, { timeout });

  const t0 = Date.now();
  // "call start(true) to initiate"
  await a.evaluate(() => { start(true); });
  await a.waitForFunction(() => chatEnabled, undefined, { timeout });
  // The answerer's onopen may have fired before setupChat assigned it (an open channel handed
  // to ondatachannel), so wait for the state.
  await b.waitForFunction(() => typeof channel === 'object' && channel.readyState === 'open', undefined, { timeout });
  const openMs = Date.now() - t0;

  const t1 = Date.now();
  await a.evaluate(() => { sendChatMessage('hello from A'); });
  await b.waitForFunction(() => received.length > 0, undefined, { timeout: 10000 });
  assert.deepEqual(await b.evaluate(() => received), ['hello from A']);
  await b.evaluate(() => { sendChatMessage('hi A, B here'); });
  await a.waitForFunction(() => received.length > 0, undefined, { timeout: 10000 });
  assert.deepEqual(await a.evaluate(() => received), ['hi A, B here']);
  const messagesMs = Date.now() - t1;

  for (const page of [a, b]) {
    const state = await page.evaluate(() => ({
      logged,
      connectionState: pc.connectionState,
      isOurChannel: channel instanceof RTCDataChannel && channel instanceof polyrtc.RTCDataChannel,
      label: channel.label,
      // The message left long ago (the far side answered it): nothing is buffered.
      bufferedAmount: channel.bufferedAmount,
    }));
    assert.deepEqual(state, { logged: [], connectionState: 'connected', isOurChannel: true, label: 'chat', bufferedAmount: 0 },
      page.version);
    assert.deepEqual(await page.errors(), [], `${page.version}: page errors`);
  }
  return { openMs, messagesMs, leftovers };
}
