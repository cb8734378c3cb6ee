// Shared setup for the media tests: a node:http server serving web/src as ES modules (the
// pages import /src/media/index.mjs directly, no bundle) and headless Chromium with native
// WebRTC deleted, a fake camera and microphone (optionally playing a WAV we generate) and no
// autoplay gesture requirement. `open({standIns: true})` also deletes the browser's
// MediaStream, MediaStreamTrack and capture API, as in a browser that has none.
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { repoRoot } from '../../support/paths.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../../support/chromium.mjs';

export const kMediaGlobals = ['MediaStream', 'MediaStreamTrack', 'MediaStreamTrackEvent', 'webkitMediaStream'];

// A page script that collects helpers on window: goertzel power, and the media module as
// window.media once loaded (document.title becomes 'ready').
export const kPageScript = `
  import * as media from '/src/media/index.mjs';
  window.media = media;
  window.goertzel = (samples, frequency, rate = 48000) => {
    const k = 2 * Math.cos((2 * Math.PI * frequency) / rate);
    let s1 = 0, s2 = 0;
    for (let i = 0; i < samples.length; i++) { const s = samples[i] + k * s1 - s2; s2 = s1; s1 = s; }
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
  };
  window.errorName = (e) => (e instanceof DOMException ? 'DOMException:' : '') + e.name;
  window.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  document.title = 'ready';
`;

export function pageHtml(body = '') {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">${kPageScript}</script></head><body>${body}</body></html>`;
}

// 16-bit mono PCM WAV of a sine.
export function sineWav({ frequency, seconds, rate = 48000, level = 0.5 }) {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(level * 32767 * Math.sin((2 * Math.PI * frequency * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);       // PCM
  header.writeUInt16LE(1, 22);       // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export async function startServer() {
  const pages = new Map();
  const srcRoot = path.join(repoRoot, 'web', 'src');
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (pages.has(url.pathname)) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(pages.get(url.pathname));
      return;
    }
    if (url.pathname.startsWith('/src/') && url.pathname.endsWith('.mjs')) {
      const file = path.join(srcRoot, path.normalize(url.pathname.slice('/src/'.length)));
      if (!file.startsWith(srcRoot + path.sep)) return res.writeHead(403).end();
      try {
        const bytes = await readFile(file);
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(bytes);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    setPage(pathname, html) { pages.set(pathname, html); },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// One server and one browser per test file. `wav` (a Buffer) becomes the fake microphone's
// audio; `fakeUi: false` leaves the permission prompt to Chromium (headless: denied).
export async function setup({ wav = null, fakeUi = true } = {}) {
  const server = await startServer();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'polyrtc-media-'));
  const args = ['--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required'];
  if (fakeUi) args.push('--use-fake-ui-for-media-stream');
  if (wav) {
    const file = path.join(dir, 'fake-mic.wav');
    await writeFile(file, wav);
    args.push(`--use-file-for-fake-audio-capture=${file}%noloop`);
  }
  const browser = await launchChromium({ extraArgs: args });
  let counter = 0;
  return {
    server,
    browser,
    // A fresh page without native WebRTC; {standIns: true} also without native streams and
    // capture; {initScript} runs before the page's scripts.
    async open({ body = '', standIns = false, initScript = null } = {}) {
      const pathname = `/media${++counter}.html`;
      server.setPage(pathname, pageHtml(body));
      const page = await newPageWithoutWebRtc(browser);
      if (standIns) {
        await page.addInitScript((names) => {
          for (const name of names) delete window[name];
          for (const name of ['mediaDevices', 'getUserMedia', 'webkitGetUserMedia']) delete Navigator.prototype[name];
        }, kMediaGlobals);
      }
      if (initScript) await page.addInitScript(initScript);
      await page.goto(server.url + pathname);
      await page.waitForFunction(() => document.title === 'ready');
      return page;
    },
    async close() {
      await browser.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// For the engines without WebRTC (Firefox ESR, WebKitGTK): example 10.1's getUserMedia call,
// verbatim in its two-argument legacy form, then 2 s (after 0.5 s of warm-up) of capture of its
// audio track and of pulls by a remote track. Runs in the page (page.evaluate), which has
// `media` (web/src/media) and `sleep` from kPageScript.
export const kCallAndCapture = async () => {
  media.installMedia(window, { replaceAll: true });
  const stream = await new Promise((resolve, reject) => {
    navigator.getUserMedia({ "audio": true, "video": true }, function (stream) {
      resolve(stream);
    });
    setTimeout(() => reject(new Error('no stream in 8 s')), 8000);
  });
  const frames = [];
  const handle = media.openTrackSource(stream.getAudioTracks()[0], (f) => frames.push(f));
  let pulls = 0;
  const remote = media.createRemoteAudioTrack({ pull: () => { pulls++; return new Int16Array(960); } });
  await sleep(500);
  const f0 = frames.length;
  const p0 = pulls;
  const t0 = performance.now();
  await sleep(2000);
  const seconds = (performance.now() - t0) / 1000;
  const result = {
    tracks: stream.getTracks().map((t) => `${t.kind}:${t.label}`).sort(),
    native: media.usesNativeStreams,
    framesPerSecond: (frames.length - f0) / seconds,
    pullsPerSecond: (pulls - p0) / seconds,
    sizes: [...new Set(frames.map((f) => f.length))],
    loud: frames.filter((f) => f.some((v) => v !== 0)).length,
  };
  handle.stop();
  remote.end();
  for (const t of stream.getTracks()) t.stop();
  return result;
};

// Opens the media page in a browser from `launch(options)` (tests/support/firefox.mjs,
// webkit.mjs), runs `fn(page)`, and checks the page logged no errors.
export async function withEnginePage(server, launch, options, fn) {
  const browser = await launch(options);
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/media.html`);
    await page.waitForFunction(() => document.title === 'ready');
    await fn(page);
    assert.deepEqual(await page.errors(), []);
  } finally {
    await browser.close();
  }
}
