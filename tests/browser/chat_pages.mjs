// Shared setup for the tests that run spec example 10.3 verbatim (pages/chat-10-3.html): the
// real relay serving tests/browser/pages (both pages' relayed addresses are on 127.0.0.1,
// hence --allow-loopback-peers) and one headless Chromium without native WebRTC.
import { before, after } from 'node:test';
import path from 'node:path';
import { repoRoot } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';

// Registers this file's before/after hooks; the returned object holds {relay, browser} once
// before() has run, and opens the chat page twice in a fresh room.
export function useChatPages() {
  const env = {
    relay: null,
    browser: null,
    async openPair(roomPrefix) {
      const room = `${roomPrefix}-${process.pid}-${Date.now()}`;
      const pages = [await newPageWithoutWebRtc(env.browser), await newPageWithoutWebRtc(env.browser)];
      for (const page of pages) await page.goto(env.relay.url(`/chat-10-3.html?room=${room}`));
      return pages;
    },
  };
  before(async () => {
    env.relay = await startRelay(['--web-root', path.join(repoRoot, 'tests', 'browser', 'pages'), '--no-auth',
      '--allow-loopback-peers']);
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    await env.relay?.stop();
  });
  return env;
}
