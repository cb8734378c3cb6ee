// The relay going away (QUESTIONS.md 9): killed mid-call, and never reachable at all. Pages
// are served by one real relay; the TURN traffic goes to a second real relay
// (polyrtc.configure({relay})) that the test kills with SIGKILL, as a crash or a network cut
// would. Headless Chromium with native WebRTC deleted.
//
// The spec (§4.4.1.4, RTCIceConnectionState): "disconnected" when checks fail for a while
// (consent freshness, RFC 7675: polyrtc's agent after 5 s without a response), "failed" when
// the ICE agent gives up (consent expired: 30 s). connectionState follows: disconnected, failed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupPairs } from './pair.mjs';
import { startRelay } from '../../relay/relay_process.mjs';

let env;
const turnRelays = [];
before(async () => {
  env = await setupPairs();
});
after(async () => {
  try {
    await env.checkPages(assert);
  } finally {
    for (const relay of turnRelays) await relay.stop();
    await env.close();
  }
});

// Chromium logs a console error for a WebSocket that cannot connect; that one is expected.
function withoutSocketErrors(page) {
  page.errors = [];
  page.removeAllListeners('console');
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/WebSocket connection to '[^']*\/turn' failed/.test(msg.text())) page.errors.push(msg.text());
  });
}

test('relay.killed: iceConnectionState goes connected, disconnected, failed on both sides, and so does connectionState, while the channels stay open', { timeout: 120000 }, async () => {
  const turn = await startRelay(['--no-auth', '--allow-loopback-peers']);
  turnRelays.push(turn);
  const page = await env.open();
  withoutSocketErrors(page);
  await page.evaluate((url) => polyrtc.configure({ relay: url }), turn.url('/'));
  await page.evaluate(async () => {
    window.call = await connectPair();
    window.seen = { pc1: [], pc2: [], dc1: [], dc2: [] };
    window.markKill = () => { window.killedAt = performance.now(); };
    for (const name of ['pc1', 'pc2']) {
      const pc = call[name];
      pc.oniceconnectionstatechange = () => seen[name].push(['ice', pc.iceConnectionState, Math.round(performance.now() - window.killedAt)]);
      pc.onconnectionstatechange = () => seen[name].push(['connection', pc.connectionState, Math.round(performance.now() - window.killedAt)]);
    }
    for (const name of ['dc1', 'dc2']) {
      const dc = call[name];
      for (const type of ['closing', 'close', 'error']) dc.addEventListener(type, () => seen[name].push([type, dc.readyState]));
    }
  });
  await page.evaluate(() => markKill());
  turn.process.kill('SIGKILL');
  await page.evaluate(() => until(() => call.pc1.iceConnectionState === 'failed' && call.pc2.iceConnectionState === 'failed', 60000, 'failed'));
  const r = await page.evaluate(() => {
    const out = { seen, states: [call.pc1.connectionState, call.pc2.connectionState], send: null };
    try {
      call.dc1.send('after the relay died');
      out.send = 'accepted, readyState ' + call.dc1.readyState;
    } catch (e) {
      out.send = errorName(e);
    }
    call.pc1.close();
    call.pc2.close();
    return out;
  });
  for (const name of ['pc1', 'pc2']) {
    const states = r.seen[name].map(([kind, state]) => `${kind}:${state}`);
    assert.deepEqual(states, ['ice:disconnected', 'connection:disconnected', 'ice:failed', 'connection:failed'], name);
    const [, , disconnectedAfter] = r.seen[name][0];
    const [, , failedAfter] = r.seen[name][2];
    // Not timing assertions on speed: the order of the two agent timers (5 s, 30 s).
    assert.ok(disconnectedAfter < failedAfter, `${name}: disconnected (${disconnectedAfter} ms) before failed (${failedAfter} ms)`);
    assert.ok(failedAfter >= 25000, `${name}: failed only when consent expired (${failedAfter} ms after the kill)`);
  }
  assert.deepEqual(r.states, ['failed', 'failed']);
  // ICE failing does not close DTLS or SCTP (as in Chromium): the channels stay open, send()
  // still queues; the page is expected to close() the connection.
  assert.deepEqual([r.seen.dc1, r.seen.dc2], [[], []], 'no channel events');
  assert.equal(r.send, 'accepted, readyState open');
});

test('relay.unreachable: with no relay to reach, icecandidateerror 701 names its URL, then gathering completes with no candidate', { timeout: 60000 }, async () => {
  // A port nothing listens on: a relay that was started and stopped.
  const gone = await startRelay(['--no-auth']);
  const url = gone.url('/');
  await gone.stop();
  const page = await env.open();
  withoutSocketErrors(page);
  const r = await page.evaluate(async (url) => {
    polyrtc.configure({ relay: url });
    const pc = new RTCPeerConnection();
    const seen = [];
    pc.onicegatheringstatechange = () => seen.push('gathering:' + pc.iceGatheringState);
    pc.onicecandidate = (e) => seen.push('icecandidate:' + (e.candidate === null ? 'null' : e.candidate.candidate === '' ? 'end' : e.candidate.type));
    let errorEvent = null;
    pc.onicecandidateerror = (e) => {
      seen.push('icecandidateerror:' + e.errorCode);
      errorEvent = { isIceErrorEvent: e instanceof RTCPeerConnectionIceErrorEvent, url: e.url, address: e.address, port: e.port, text: e.errorText };
    };
    pc.oniceconnectionstatechange = () => seen.push('ice:' + pc.iceConnectionState);
    pc.onconnectionstatechange = () => seen.push('connection:' + pc.connectionState);
    const dc = pc.createDataChannel('chat');
    const offer = await settles(pc.setLocalDescription(), 10000);
    await until(() => pc.iceGatheringState === 'complete', 30000, 'gathering complete');
    await new Promise((r) => setTimeout(r, 300));
    const out = { offer, seen, errorEvent, dc: dc.readyState, states: [pc.signalingState, pc.iceConnectionState, pc.connectionState] };
    pc.close();
    return out;
  }, url);
  assert.deepEqual(r.offer, { resolved: 'undefined' }, 'the offer still works without a relay');
  assert.ok(r.seen.includes('gathering:complete'), r.seen.join(', '));
  assert.ok(!r.seen.some((e) => /^icecandidate:(relay|host|srflx)/.test(e)), 'no candidate gathered');
  // 701: the W3C code for "the server could not be reached"; before gathering completes.
  assert.deepEqual(r.seen.filter((e) => !e.startsWith('gathering:gathering')),
    ['icecandidateerror:701', 'gathering:complete', 'icecandidate:null'], r.seen.join(', '));
  assert.equal(r.errorEvent.isIceErrorEvent, true);
  assert.equal(r.errorEvent.url, url.replace(/^http/, 'ws') + 'turn');
  assert.deepEqual([r.errorEvent.address, r.errorEvent.port], [null, null]);
  assert.match(r.errorEvent.text, /relay/);
  assert.equal(r.dc, 'connecting');
});
