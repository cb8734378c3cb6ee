// Firefox ESR with media.peerconnection.enabled=false runs spec example 10.3 verbatim on
// polyrtc. The pref removes RTCPeerConnection but leaves native RTCDataChannel (and
// RTCDTMFSender, ...) behind: polyrtc's install must replace RTCDataChannel, or
// `channel instanceof RTCDataChannel` would be false for the channels the page gets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchEngine } from '../../support/engines.mjs';
import { chat, startChatRelay } from './chat.mjs';

let relay;
let firefox;

// Bounded: a browser that does not start fails the file instead of hanging it.
before(async () => {
  relay = await startChatRelay();
  firefox = await launchEngine('firefox');
}, { timeout: 240000 });

after(async () => {
  await firefox?.close();
  await relay?.stop();
});

test('engines.firefox: the pref removes RTCPeerConnection and leaves a native RTCDataChannel', { timeout: 120000 }, async () => {
  const page = await firefox.newPage();
  try {
    await page.goto('about:blank');
    assert.deepEqual(await page.evaluate(() => ({
      RTCPeerConnection: typeof RTCPeerConnection,
      RTCSessionDescription: typeof RTCSessionDescription,
      RTCIceCandidate: typeof RTCIceCandidate,
      RTCDataChannel: typeof RTCDataChannel,
      webAssembly: typeof WebAssembly.instantiate,
    })), {
      RTCPeerConnection: 'undefined', RTCSessionDescription: 'undefined', RTCIceCandidate: 'undefined',
      RTCDataChannel: 'function', webAssembly: 'function',
    });
  } finally {
    await page.close();
  }
});

test('engines.firefox: spec example 10.3 chats between two Firefox pages with polyrtc RTCDataChannel', { timeout: 120000 }, async (t) => {
  const a = await firefox.newPage();
  const b = await firefox.newPage();
  try {
    const { openMs, messagesMs, leftovers } = await chat(a, b, relay);
    t.diagnostic(`${a.version}: channel open ${openMs} ms after start(true), two messages ${messagesMs} ms`);
    t.diagnostic(`native RTC* globals polyrtc does not define, left as they are: ${leftovers[0].join(' ')}`);
  } finally {
    await a.close();
    await b.close();
  }
});
