// Debian's WebKitGTK 2.50, which has WebRTC compiled out, runs spec example 10.3 verbatim on
// polyrtc: two MiniBrowser pages chat through the real relay (tests/support/webkit.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchEngine } from '../../support/engines.mjs';
import { chat, startChatRelay } from './chat.mjs';

let relay;
let webkit;

// Bounded: a browser that does not start fails the file instead of hanging it.
before(async () => {
  relay = await startChatRelay();
  webkit = await launchEngine('webkitgtk');
}, { timeout: 240000 });

after(async () => {
  await webkit?.close();
  await relay?.stop();
});

test('engines.webkitgtk: the browser has no WebRTC of its own but has WebAssembly and WebSocket', { timeout: 120000 }, async () => {
  const page = await webkit.newPage();
  try {
    await page.goto('about:blank');
    assert.deepEqual(await page.evaluate(() => ({
      rtc: Object.getOwnPropertyNames(window).filter((name) => /^(webkit)?RTC/.test(name)),
      webAssembly: typeof WebAssembly.instantiate,
      webSocket: typeof WebSocket,
    })), { rtc: [], webAssembly: 'function', webSocket: 'function' });
  } finally {
    await page.close();
  }
});

test('engines.webkitgtk: spec example 10.3 chats between two WebKitGTK pages through the relay', { timeout: 120000 }, async (t) => {
  const a = await webkit.newPage();
  const b = await webkit.newPage();
  try {
    const { openMs, messagesMs } = await chat(a, b, relay);
    t.diagnostic(`${a.version}: channel open ${openMs} ms after start(true), two messages ${messagesMs} ms`);
  } finally {
    await a.close();
    await b.close();
  }
});
