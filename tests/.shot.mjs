import path from 'node:path';
import { repoRoot } from './support/paths.mjs';
import { startRelay } from './relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from './support/chromium.mjs';
const relay = await startRelay(['--web-root', path.join(repoRoot, 'demo'), '--no-auth', '--allow-loopback-peers']);
const browser = await launchChromium();
try {
  const a = await newPageWithoutWebRtc(browser);
  await a.setViewportSize({ width: 760, height: 1000 });
  await a.goto(relay.url('/'));
  await a.waitForFunction(() => document.body.dataset.chat === 'ready');
  await a.screenshot({ path: '/tmp/shots/0-ready.png', fullPage: true });
  const link = await a.inputValue('#link');
  const b = await newPageWithoutWebRtc(browser);
  await b.setViewportSize({ width: 760, height: 1000 });
  await b.goto(link);
  await a.click('#start');
  await a.waitForSelector('#message:not([disabled])', { timeout: 30000 });
  await b.waitForSelector('#message:not([disabled])', { timeout: 30000 });
  await a.fill('#message', 'Hi! This goes over a data channel, through the relay.');
  await a.press('#message', 'Enter');
  await b.waitForSelector('.msg.them');
  await b.fill('#message', 'Got it. No native WebRTC in this tab at all 👋');
  await b.press('#message', 'Enter');
  await a.waitForSelector('.msg.them');
  await a.fill('#message', 'A longer message to see how wrapping looks when a line of text is much wider than the bubble would like it to be.');
  await a.press('#message', 'Enter');
  await b.waitForFunction(() => document.querySelectorAll('.msg.them').length === 2);
  await b.click('summary');
  await a.screenshot({ path: '/tmp/shots/1-a.png', fullPage: true });
  await b.screenshot({ path: '/tmp/shots/2-b.png', fullPage: true });
  await a.setViewportSize({ width: 380, height: 800 });
  await a.screenshot({ path: '/tmp/shots/3-narrow.png', fullPage: true });
  console.log(a.errors, b.errors);
} finally {
  await browser.close();
  await relay.stop();
}
