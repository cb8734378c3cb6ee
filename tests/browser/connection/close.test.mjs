// Closing (webrtc-pc §6.2.4 "closing procedure", §4.4.1.7 close()): a data channel closed
// from either side, what each side sees and when, messages still buffered at close(), and
// RTCPeerConnection.close() on one side. Two polyrtc connections in one page of headless
// Chromium (native WebRTC deleted), through the real relay.
//
// The spec: close() sets readyState to "closing" at once and fires no closing event on that
// side; the side that did not call close() gets "closing" (readyState closing) when the peer
// resets the stream; both get "close" (readyState closed) once the stream is reset both ways.
// Messages queued before close() are sent first ("finish sending all currently pending
// messages").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPairPage } from './pair.mjs';

let env;
let page;
sharedPairPage((shared) => ({ env, page } = shared));

// Closes the channel of `closer` ('offerer' or 'answerer') right after sending three
// messages; returns what each side saw, with the readyState at each point.
async function closeFrom(closer) {
  return page.evaluate(async (closer) => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    const [local, remote] = closer === 'offerer' ? [dc1, dc2] : [dc2, dc1];
    const seen = { local: [], remote: [] };
    for (const [side, dc] of [['local', local], ['remote', remote]]) {
      for (const type of ['closing', 'close', 'error']) dc.addEventListener(type, () => seen[side].push(type + ':' + dc.readyState));
      dc.addEventListener('message', (e) => seen[side].push('message:' + e.data));
    }
    local.send('one');
    local.send('two');
    local.send('three');
    local.close();
    seen.local.push('after close():' + local.readyState);
    local.close(); // a second call does nothing
    seen.sendAfterClose = throwsName(() => local.send('late'));
    await until(() => local.readyState === 'closed' && remote.readyState === 'closed', 15000, 'both closed');
    // The connection itself stays up, and a new channel still works.
    const again = pc1.createDataChannel('again');
    const arrived = await waitFor(pc2, 'datachannel');
    if (again.readyState !== 'open') await waitFor(again, 'open');
    const reply = nextMessage(arrived.channel);
    again.send('new channel');
    seen.afterwards = [pc1.connectionState, pc2.connectionState, (await reply).data];
    pc1.close();
    pc2.close();
    return seen;
  }, closer);
}

for (const closer of ['offerer', 'answerer']) {
  test(`close.channel: closed by the ${closer}, the closer sees closing at once and one close event, the peer closing then close, after every message`, async () => {
    const seen = await closeFrom(closer);
    assert.deepEqual(seen.local, ['after close():closing', 'close:closed']);
    assert.deepEqual(seen.remote, ['message:one', 'message:two', 'message:three', 'closing:closing', 'close:closed']);
    assert.equal(seen.sendAfterClose, 'DOMException:InvalidStateError');
    assert.deepEqual(seen.afterwards, ['connected', 'connected', 'new channel']);
  });
}

test('close.connection: RTCPeerConnection.close() on one side closes its channels silently, and the peer sees its channel close at once', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    const seen = { local: [], remote: [], pc2: [] };
    for (const type of ['closing', 'close', 'error']) {
      dc1.addEventListener(type, () => seen.local.push(type));
      dc2.addEventListener(type, () => seen.remote.push(type + ':' + dc2.readyState));
    }
    pc2.addEventListener('iceconnectionstatechange', () => seen.pc2.push('ice:' + pc2.iceConnectionState));
    pc2.addEventListener('connectionstatechange', () => seen.pc2.push('connection:' + pc2.connectionState));
    pc1.close();
    const right = [dc1.readyState, pc1.signalingState, pc1.connectionState, pc1.iceConnectionState];
    // The peer learns through SCTP (ABORT or stream reset) that the channel is gone.
    await until(() => dc2.readyState === 'closed', 15000, 'the remote channel closed');
    await new Promise((r) => setTimeout(r, 200));
    const out = { right, local: seen.local, remote: seen.remote, sendAfter: throwsName(() => dc1.send('x')) };
    pc2.close();
    return out;
  });
  assert.deepEqual(r.right, ['closed', 'closed', 'closed', 'closed']);
  assert.deepEqual(r.local, [], 'no events on the side that called RTCPeerConnection.close()');
  assert.equal(r.remote.at(-1), 'close:closed');
  assert.equal(r.sendAfter, 'DOMException:InvalidStateError');
});

// The relay's own gauges: TURN WebSockets open and allocations held.
async function relayGauges() {
  const text = await (await fetch(env.server.url + '/metrics')).text();
  const value = (re) => Number(re.exec(text)?.[1] ?? NaN);
  return { sockets: value(/polyrtc_relay_websocket_connections\{path="\/turn"\} (\d+)/), allocations: value(/^polyrtc_relay_turn_allocations (\d+)/m) };
}

async function gaugesReach(expected, what) {
  const deadline = Date.now() + 10000;
  let last;
  while (Date.now() < deadline) {
    last = await relayGauges();
    if (last.sockets === expected.sockets && last.allocations === expected.allocations) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(last, expected, what);
}

test('close.resources: close() gives back the connection\'s relay socket and allocation, and leaving the page gives back the rest', async () => {
  await gaugesReach({ sockets: 0, allocations: 0 }, 'earlier tests left nothing behind');
  const other = await env.open();
  await other.evaluate(async () => { window.call = await connectPair(); });
  await gaugesReach({ sockets: 2, allocations: 2 }, 'one socket and one allocation per connection');
  await other.evaluate(() => call.pc1.close());
  await gaugesReach({ sockets: 1, allocations: 1 }, 'close() deallocates and closes the socket');
  await other.goto('about:blank'); // pagehide: the engine of the still-open pc2 is closed and freed
  await gaugesReach({ sockets: 0, allocations: 0 }, 'unloading the page frees the rest');
});
