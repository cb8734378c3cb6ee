// The demo chat page (demo/index.html: spec example 10.3 verbatim plus the page's UI), served
// by the real relay from demo/ as `./run demo` serves it, between two pages of headless
// Chromium with native WebRTC deleted. The first page gets a random room in its URL; the
// second opens the link the first shows; one click on Start and they chat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { repoRoot } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';

let relay;
let browser;

before(async () => {
  relay = await startRelay(['--web-root', path.join(repoRoot, 'demo'), '--no-auth', '--allow-loopback-peers']);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  assert.deepEqual(await relay?.stop(), { code: 0, signal: null }, 'relay exits cleanly on SIGTERM');
});

async function messages(page) {
  return page.$$eval('#messages .msg:not(.system) .body', (els) => els.map((e) => [e.parentElement.classList[1], e.textContent]));
}

test('demo.chat: two pages meet in the room from the URL, one Start, and they chat both ways', async () => {
  const a = await newPageWithoutWebRtc(browser);
  await a.goto(relay.url('/'));
  const link = await a.inputValue('#link');
  assert.match(link, /\?room=[a-z2-9]{8}$/, 'a fresh room in the URL to share');
  assert.equal(new URL(a.url()).search, new URL(link).search, 'the address bar shows the same room');
  const b = await newPageWithoutWebRtc(browser);
  await b.goto(link.replace(/^http:\/\/[^/]+/, relay.url('')));
  assert.equal(await b.textContent('#room'), await a.textContent('#room'));
  assert.equal(await a.textContent('#native'), 'polyrtc (WebAssembly)');
  await a.waitForFunction(() => document.body.dataset.chat === 'ready');
  assert.equal(await a.isDisabled('#send'), true, 'nothing to send before the channel is open');

  await a.click('#start');
  await a.waitForSelector('#message:not([disabled])', { timeout: 30000 });
  await b.waitForSelector('#message:not([disabled])', { timeout: 30000 });
  assert.equal(await a.getAttribute('body', 'data-chat'), 'open');
  assert.equal(await b.isDisabled('#start'), true, 'the answering page needs no Start');

  await a.fill('#message', 'hello from A <b>not bold</b>');
  await a.press('#message', 'Enter');
  await b.waitForSelector('.msg.them');
  await b.fill('#message', 'hi A \u{1F44B}');
  await b.click('#send');
  await a.waitForSelector('.msg.them');

  assert.deepEqual(await messages(a), [['me', 'hello from A <b>not bold</b>'], ['them', 'hi A \u{1F44B}']]);
  assert.deepEqual(await messages(b), [['them', 'hello from A <b>not bold</b>'], ['me', 'hi A \u{1F44B}']]);
  assert.equal(await b.$$eval('.msg b', (els) => els.length), 0, 'messages are text, never HTML');
  assert.equal(await a.inputValue('#message'), '', 'the box empties after sending');
  assert.equal(await a.textContent('#connection'), 'connected');
  assert.deepEqual(await a.$$eval('#log li', (els) => els.filter((e) => /Error/.test(e.textContent)).length), 0);

  // Closing one tab closes the other's channel, and the page says so.
  await a.close();
  await b.waitForFunction(() => document.body.dataset.chat === 'closed' || document.body.dataset.chat === 'error', null, { timeout: 45000 });
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('demo.chat: the page runs the spec example verbatim: every line of section 10.3 is in example-10-3.js, in order', () => {
  const example = readFileSync(path.join(repoRoot, 'demo', 'example-10-3.js'), 'utf8');
  // The example's own lines (as the spec prints them), in their order.
  const lines = [
    'var signalingChannel = new SignalingChannel();',
    'var configuration = { "iceServers": [{ "url": "stun:stun.example.org" }] };',
    'function start(isInitiator) {',
    'pc = new RTCPeerConnection(configuration);',
    'signalingChannel.send(JSON.stringify({ "candidate": evt.candidate }));',
    'pc.createOffer(localDescCreated, logError);',
    'channel = pc.createDataChannel("chat");',
    'function localDescCreated(desc) {',
    'signalingChannel.send(JSON.stringify({ "sdp": pc.localDescription }));',
    'signalingChannel.onmessage = function (evt) {',
    'pc.setRemoteDescription(new RTCSessionDescription(message.sdp), function () {',
    'pc.createAnswer(localDescCreated, logError);',
    'pc.addIceCandidate(new RTCIceCandidate(message.candidate));',
    'enableChat(channel);',
    'showChatMessage(evt.data);',
    'function sendChatMessage(msg) {',
    'log(error.name + ": " + error.message);',
  ];
  let at = 0;
  for (const line of lines) {
    const found = example.indexOf(line, at);
    assert.ok(found >= 0, `the example has "${line}" after position ${at}`);
    at = found + line.length;
  }
  // Three header comment lines, then the spec's 61 non-blank lines and nothing else.
  const code = example.split('\n').filter((l) => l.trim() !== '');
  assert.equal(code.length, 3 + 61, 'no line added to or removed from the example');
});
