// Loading polyrtc: the classic script installs the API only where it is missing (unless
// data-force or install({force: true})), the ES module installs nothing, constructors work
// from the first line while polyrtc.wasm is still on its way, and the .wasm URL comes from the
// script's own URL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, pageHtml, kPageHelpers } from './harness.mjs';
import { kNativeWebRtcGlobals } from '../../support/chromium.mjs';

const kApiGlobals = ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate', 'RTCDataChannel', 'RTCDataChannelEvent',
  'RTCPeerConnectionIceEvent', 'RTCPeerConnectionIceErrorEvent', 'RTCError', 'RTCErrorEvent', 'RTCCertificate', 'RTCStatsReport',
  'RTCRtpSender', 'RTCRtpReceiver', 'RTCRtpTransceiver', 'RTCTrackEvent', 'RTCDTMFSender', 'RTCDTMFToneChangeEvent',
  'MediaStreamEvent', 'SignalingChannel'];

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env.close();
});

// A page in a context that keeps native WebRTC, or deletes only `deleted`.
async function openNative(html, deleted = []) {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.addInitScript((names) => { for (const name of names) delete window[name]; }, deleted);
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  const pathname = `/native${Math.random().toString(36).slice(2)}.html`;
  env.server.setPage(pathname, html);
  await page.goto(env.server.url + pathname);
  return page;
}

test('without native WebRTC the script tag installs every API global, non-enumerable, and window.polyrtc', async () => {
  const page = await env.open();
  const r = await page.evaluate((names) => ({
    installed: names.filter((n) => typeof window[n] === 'function' && window[n] === polyrtc[n]),
    enumerable: names.filter((n) => Object.getOwnPropertyDescriptor(window, n).enumerable),
    again: polyrtc.install(),
    polyrtcKeys: ['install', 'configure', 'preload'].map((k) => typeof polyrtc[k]),
  }), kApiGlobals);
  assert.deepEqual(r, { installed: kApiGlobals, enumerable: [], again: [], polyrtcKeys: ['function', 'function', 'function'] });
  assert.deepEqual(page.errors, []);
});

test('with native WebRTC the script tag keeps the native API and adds only what is missing', async () => {
  const page = await openNative(pageHtml());
  const r = await page.evaluate(() => ({
    nativeKept: RTCPeerConnection !== polyrtc.RTCPeerConnection && /native code/.test(String(RTCPeerConnection)),
    channelKept: RTCDataChannel !== polyrtc.RTCDataChannel,
    signaling: SignalingChannel === polyrtc.SignalingChannel,
  }));
  assert.deepEqual(r, { nativeKept: true, channelKept: true, signaling: true });
  const forced = await page.evaluate(() => {
    const installed = polyrtc.install({ force: true });
    return { installed, replaced: RTCPeerConnection === polyrtc.RTCPeerConnection && RTCDataChannel === polyrtc.RTCDataChannel };
  });
  // All but SignalingChannel (already ours), and Chromium's legacy navigator.getUserMedia,
  // which throws without an error callback (example 10.1 passes none; docs/media.md).
  assert.deepEqual(forced, {
    installed: [...kApiGlobals.filter((n) => n !== 'SignalingChannel'), 'navigator.getUserMedia'],
    replaced: true,
  });
  assert.deepEqual(page.errors, []);
});

test('data-force on the script tag installs over a native implementation', async () => {
  const page = await openNative(pageHtml({ scriptAttrs: 'data-force' }));
  const r = await page.evaluate((names) => names.every((n) => window[n] === polyrtc[n]), kApiGlobals);
  assert.equal(r, true);
  assert.deepEqual(page.errors, []);
});

test('a browser with RTCPeerConnection removed but RTCDataChannel left behind gets the whole polyrtc family', async () => {
  // Firefox with media.peerconnection.enabled=false looks like this.
  const page = await openNative(pageHtml(), ['RTCPeerConnection', 'webkitRTCPeerConnection']);
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('x');
    const v = [RTCDataChannel === polyrtc.RTCDataChannel, dc instanceof RTCDataChannel, RTCSessionDescription === polyrtc.RTCSessionDescription];
    pc.close();
    return v;
  });
  assert.deepEqual(r, [true, true, true]);
});

test('the ES module exports the API and installs nothing; it finds polyrtc.wasm beside itself', async () => {
  const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>${kPageHelpers}</script>
<script type="module">
  import * as polyrtc from '/dist/polyrtc.mjs';
  window.esm = polyrtc;
  window.ready = true;
</script>`;
  const page = await env.open(html);
  await page.waitForFunction(() => window.ready === true);
  const r = await page.evaluate(async (names) => {
    const cert = await esm.RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
    const wasm = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).map((e) => new URL(e.name).pathname);
    return {
      globals: names.filter((n) => n in window),
      polyrtcGlobal: 'polyrtc' in window,
      exported: names.filter((n) => typeof esm[n] === 'function'),
      cert: cert instanceof esm.RTCCertificate,
      wasm,
    };
  }, kApiGlobals);
  assert.deepEqual(r, { globals: [], polyrtcGlobal: false, exported: kApiGlobals, cert: true, wasm: ['/dist/polyrtc.wasm'] });
  assert.deepEqual(page.errors, []);
});

test('synchronous from the first line: the spec example setup runs while polyrtc.wasm is still loading', async () => {
  env.server.setWasmDelay(1500);
  try {
    const body = `<script>
      // Spec example 10.3's setup, as a page runs it right after the script tag.
      var configuration = { "iceServers": [{ "url": "stun:stun.example.org" }] };
      var pc = new RTCPeerConnection(configuration);
      var channel = pc.createDataChannel("chat");
      channel.onopen = function () {};
      channel.onmessage = function (evt) {};
      window.firstLine = {
        wasmLoaded: performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm')),
        signalingState: pc.signalingState,
        channel: [channel.label, channel.readyState, channel.ordered, typeof channel.onopen],
        offer: settles(pc.createOffer(), 10000),
      };
    </script>`;
    const page = await env.open(pageHtml({ body }));
    const r = await page.evaluate(async () => {
      const { offer, ...rest } = window.firstLine;
      const settled = await offer;
      return { ...rest, offer: settled.resolved?.type ?? settled.rejected, wasmLoadedWhenSettled: performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm')) };
    });
    assert.deepEqual(r, {
      wasmLoaded: false,
      signalingState: 'stable',
      channel: ['chat', 'connecting', true, 'function'],
      offer: 'offer',
      wasmLoadedWhenSettled: true,
    });
    assert.deepEqual(page.errors, []);
  } finally {
    env.server.setWasmDelay(0);
  }
});

test('the .wasm URL comes from the script tag: beside the script, or data-wasm; a missing .wasm is a NotSupportedError', async () => {
  const page = await env.open(pageHtml());
  const beside = await page.evaluate(async () => {
    await polyrtc.preload();
    return performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).map((e) => new URL(e.name).pathname);
  });
  assert.deepEqual(beside, ['/dist/polyrtc.wasm']);

  const missing = await env.open(pageHtml({ scriptAttrs: 'data-wasm="/nowhere/polyrtc.wasm"' }));
  const r = await missing.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const offer = await settles(pc.createOffer(), 10000);
    const cert = await settles(RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' }), 10000);
    pc.close();
    return { offer, cert };
  });
  assert.equal(r.offer.rejected, 'DOMException:NotSupportedError');
  assert.match(r.offer.message, /could not be loaded from .*\/nowhere\/polyrtc\.wasm/);
  assert.equal(r.cert.rejected, 'DOMException:NotSupportedError');
});

test('the native globals the harness deletes are really gone before polyrtc.js runs', async () => {
  const html = `<!doctype html><script>window.before = ${JSON.stringify(kNativeWebRtcGlobals)}.filter((n) => n in window);</script>
<script src="/dist/polyrtc.js"></script>`;
  const page = await env.open(html);
  assert.deepEqual(await page.evaluate(() => window.before), []);
});

test('the inline build (polyrtc.inline.js) carries the Wasm module and makes no .wasm request', async () => {
  const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script>${kPageHelpers}</script>
<script src="/dist/polyrtc.inline.js" data-wasm="/nowhere/polyrtc.wasm"></script>`;
  const page = await env.open(html);
  const r = await page.evaluate(async () => {
    const cert = await settles(RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' }), 10000);
    const pc = new RTCPeerConnection();
    const offer = await settles(pc.createOffer(), 10000);
    pc.close();
    return {
      cert: typeof cert.resolved,
      offer: offer.resolved?.type ?? offer.rejected,
      wasmRequests: performance.getEntriesByType('resource').filter((e) => e.name.includes('.wasm')).length,
    };
  });
  assert.deepEqual(r, { cert: 'object', offer: 'offer', wasmRequests: 0 });
  assert.deepEqual(page.errors, []);
});
