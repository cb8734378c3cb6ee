// The demo call page (demo/call.html: spec example 10.1 verbatim, a DTMF keypad in the style of
// example 10.5), served by the real relay from demo/ as `./run demo` serves it, between two pages
// of two headless Chromiums (fake microphones: 440 Hz and 660 Hz). The first page gets a random
// room in its URL; the second opens the link it shows; one click on Call, each hears the other,
// and keys pressed on one page light up there and reach the other (polyrtc's dtmf event).
// POLYRTC_MEDIA_NATIVE=1 runs it on Chromium's own WebRTC (tests/browser/media/call_pages.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { repoRoot } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';
import { launchChromium } from '../support/chromium.mjs';
import { kNativeMode, kSpecExample10_1, kTones, mediaArgs, newCallPage, writeToneFiles } from './media/call_pages.mjs';

const kShims = path.join(repoRoot, 'tests', 'browser', 'pages', 'call-native-shims.js');
const kAudioScript = path.join(repoRoot, 'tests', 'browser', 'pages', 'call-audio.js');
let relay;
let files;
const browsers = {};

before(async () => {
  files = writeToneFiles();
  const auth = kNativeMode ? ['--user', 'call:call', '--realm', 'polyrtc'] : ['--no-auth'];
  relay = await startRelay(['--web-root', path.join(repoRoot, 'demo'), ...auth, '--allow-loopback-peers']);
  browsers.caller = await launchChromium({ extraArgs: mediaArgs(files.caller) });
  browsers.callee = await launchChromium({ extraArgs: mediaArgs(files.callee) });
});

after(async () => {
  await browsers.caller?.close();
  await browsers.callee?.close();
  assert.deepEqual(await relay?.stop(), { code: 0, signal: null }, 'relay exits cleanly on SIGTERM');
  if (files) rmSync(files.dir, { recursive: true, force: true });
});

async function openDemo(role, url) {
  const page = await newCallPage(browsers[role], kNativeMode);
  // Native reference run: the test pages' shims (they act on ?mode=native only).
  if (kNativeMode) await page.addInitScript({ path: kShims });
  await page.goto(url);
  await page.addScriptTag({ path: kAudioScript });
  return page;
}

test('demo.call: two pages meet in the room from the URL, one Call, each hears the other, the keypad sends DTMF', async (t) => {
  const query = kNativeMode ? `?mode=native&turn=${relay.udpPort}` : '';
  const a = await openDemo('caller', relay.url(`/call.html${query}`));
  const link = await a.inputValue('#link');
  assert.match(link, /[?&]room=[a-z2-9]{8}$/, 'a fresh room in the URL to share');
  // The shared link names the room only; the native run adds its shims' parameters.
  const b = await openDemo('callee', link.replace(/^http:\/\/[^/]+/, relay.url('')) + query.replace('?', '&'));
  assert.equal(await b.textContent('#room'), await a.textContent('#room'));
  assert.equal(await a.textContent('#native'), kNativeMode ? 'this browser\'s own' : 'polyrtc (WebAssembly)');
  for (const page of [a, b]) await page.waitForFunction(() => document.body.dataset.call === 'ready', null, { timeout: 10000 });
  assert.equal(await a.isDisabled('#keypad button'), true, 'no keypad before the call');

  await a.click('#start');
  for (const page of [a, b]) {
    await page.waitForFunction(() => document.body.dataset.call === 'connected' && !document.querySelector('#keypad button').disabled,
      null, { timeout: 30000 });
    await page.waitForFunction(() => remoteView.srcObject && remoteView.currentTime > 0, null, { timeout: 10000 });
  }
  assert.equal(await b.isDisabled('#start'), true, 'the answering page needs no Call');
  // Heard once the call has run for a second (the first can hold a start-up transient).
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const [page, peer] of [[a, 'callee'], [b, 'caller']]) {
    const heard = await page.evaluate(() => measureAudio(remoteView.srcObject, 800));
    t.diagnostic(`${peer === 'callee' ? 'A' : 'B'} hears ${heard.frequency} Hz at ${heard.tonePowerDb} dB`);
    assert.ok(Math.abs(heard.frequency - kTones[peer]) < 3, `hears the ${peer}'s ${kTones[peer]} Hz: ${heard.frequency}`);
  }

  // Two keys in a row: the second is appended while the first plays; each lights up in turn.
  await a.click('#keypad button[data-key="1"]');
  await a.click('#keypad button[data-key="#"]');
  await a.waitForSelector('#keypad button.lit[data-key="1"]', { timeout: 2000 });
  await a.waitForSelector('#keypad button.lit[data-key="#"]', { timeout: 2000 });
  await a.waitForFunction(() => !document.querySelector('#keypad button.lit'), null, { timeout: 2000 });
  if (kNativeMode) {
    t.diagnostic('native: the other page shows no tones (Chromium has no dtmf event)');
  } else {
    await b.waitForFunction(() => document.getElementById('tones').textContent === '1#', null, { timeout: 5000 });
  }
  assert.deepEqual(await a.$$eval('#log li', (els) => els.filter((e) => /Error|not available/.test(e.textContent)).map((e) => e.textContent)), []);
  assert.deepEqual(await b.$$eval('#log li', (els) => els.filter((e) => /Error/.test(e.textContent)).map((e) => e.textContent)), []);
  await a.context().close();
  await b.context().close();
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('demo.call: the page runs spec example 10.1 verbatim: call-example-10-1.js is the specification\'s text', () => {
  const example = readFileSync(path.join(repoRoot, 'demo', 'call-example-10-1.js'), 'utf8');
  const lines = example.split('\n');
  // Three header comment lines, then the example exactly as printed.
  assert.ok(lines.slice(0, 3).every((l) => l.startsWith('//')));
  assert.equal(lines.slice(3).join('\n'), `${kSpecExample10_1}\n`);
});
