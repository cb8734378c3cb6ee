// Shared setup for the connection tests: the real relay (TURN over WebSocket, loopback peers
// allowed because both pages' relayed addresses are on 127.0.0.1) serving pages to headless
// Chromium without native WebRTC, and in-page helpers that connect two polyrtc
// RTCPeerConnections of one page through that relay. Nothing is simulated: both connections
// run ICE, DTLS and SCTP in their own Wasm engine, and every packet goes through the relay.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup as apiSetup, pageHtml } from '../api/harness.mjs';

// In-page helpers (plain functions on window), on top of the harness's errorName/settles.
export const kPairHelpers = `
  // The next event of 'type' at 'target' (rejects after ms).
  window.waitFor = (target, type, ms = 20000) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ' + type + ' event within ' + ms + ' ms')), ms);
    target.addEventListener(type, (e) => { clearTimeout(timer); resolve(e); }, { once: true });
  });
  window.until = async (predicate, ms = 20000, what = 'condition') => {
    const deadline = performance.now() + ms;
    while (!predicate()) {
      if (performance.now() > deadline) throw new Error(what + ' not reached within ' + ms + ' ms');
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  window.pairErrors = [];
  // Candidates of 'from' go to 'to' as they come (the end-of-candidates "" one too).
  window.trickle = (from, to) => {
    from.addEventListener('icecandidate', (e) => {
      if (e.candidate) to.addIceCandidate(e.candidate).catch((err) => pairErrors.push('addIceCandidate: ' + errorName(err) + ' ' + err.message));
    });
  };
  // One offer/answer round, parameterless setLocalDescription on both sides.
  window.negotiate = async (offerer, answerer) => {
    await offerer.setLocalDescription();
    await answerer.setRemoteDescription(offerer.localDescription);
    await answerer.setLocalDescription();
    await offerer.setRemoteDescription(answerer.localDescription);
  };
  // Two connected peer connections and the open channel between them: {pc1, pc2, dc1, dc2}.
  window.connectPair = async ({ label = 'chat', init = {}, config = {} } = {}) => {
    const pc1 = new RTCPeerConnection(config);
    const pc2 = new RTCPeerConnection(config);
    trickle(pc1, pc2);
    trickle(pc2, pc1);
    const dc1 = pc1.createDataChannel(label, init);
    const arrived = init.negotiated ? null : waitFor(pc2, 'datachannel');
    await negotiate(pc1, pc2);
    const dc2 = init.negotiated ? pc2.createDataChannel(label, init) : (await arrived).channel;
    if (dc1.readyState !== 'open') await waitFor(dc1, 'open');
    if (dc2.readyState !== 'open') await waitFor(dc2, 'open');
    return { pc1, pc2, dc1, dc2 };
  };
  // A message's data as {type, data}: strings as is, binary as byte arrays.
  window.describe = async (data) => {
    if (typeof data === 'string') return { type: 'string', data };
    if (data instanceof ArrayBuffer) return { type: 'arraybuffer', data: [...new Uint8Array(data)] };
    if (data instanceof Blob) return { type: 'blob', data: [...new Uint8Array(await data.arrayBuffer())] };
    return { type: typeof data, data: null };
  };
  // The next message on a channel, described.
  window.nextMessage = (dc, ms) => waitFor(dc, 'message', ms).then((e) => describe(e.data));
  // The next n messages on a channel, in order, described.
  window.collect = (dc, n, ms = 20000) => new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(() => reject(new Error('only ' + got.length + ' of ' + n + ' messages within ' + ms + ' ms')), ms);
    const onMessage = (e) => {
      got.push(e.data);
      if (got.length < n) return;
      clearTimeout(timer);
      dc.removeEventListener('message', onMessage);
      Promise.all(got.map(describe)).then(resolve);
    };
    dc.addEventListener('message', onMessage);
  });
  // A cheap digest of a string or bytes, to compare big messages without returning them.
  window.digest = (value) => {
    let h = 2166136261 >>> 0;
    const units = typeof value === 'string' ? Array.from(value, (c) => c.codePointAt(0)) : value;
    for (const u of units) h = Math.imul(h ^ u, 16777619) >>> 0;
    return (typeof value === 'string' ? value.length : value.length) + ':' + h.toString(16);
  };
`;

export function pairPageHtml({ scriptAttrs = '', head = '', body = '' } = {}) {
  return pageHtml({ scriptAttrs, head: `<script>${kPairHelpers}</script>${head}`, body });
}

// One relay and one browser per test file. open() gives a fresh page with the helpers.
export async function setupPairs({ relayArgs = [] } = {}) {
  const env = await apiSetup({ relay: true, relayArgs: ['--allow-loopback-peers', ...relayArgs] });
  const pages = [];
  return {
    ...env,
    pages,
    async open(html = pairPageHtml(), options) {
      const page = await env.open(html, options);
      pages.push(page);
      return page;
    },
    // Every page ran without page errors, console errors or failed addIceCandidate calls.
    async checkPages(assert) {
      for (const page of pages) {
        if (page.isClosed()) continue;
        assert.deepEqual(await page.evaluate(() => window.pairErrors ?? []), [], 'no failed addIceCandidate');
        assert.deepEqual(page.errors, [], 'no page errors');
      }
    },
  };
}

// The usual file set-up: registers this file's before/after hooks (one relay, one browser,
// one page with the helpers; every page checked clean at the end) and hands the live
// {env, page} to `use` once before() has run.
export function sharedPairPage(use) {
  let env;
  before(async () => {
    env = await setupPairs();
    use({ env, page: await env.open() });
  });
  after(async () => {
    try {
      await env.checkPages(assert);
    } finally {
      await env.close();
    }
  });
}
