// RTCDataChannel on a live connection (webrtc-pc §6.2): bufferedAmount, binaryType, every kind
// of data send() takes, 256 KiB messages both ways, the limits (TypeError beyond the peer's
// max-message-size, OperationError when the buffer is full), 100 channels on one connection.
// Two polyrtc connections in one page of headless Chromium (native WebRTC deleted), through
// the real relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPairPage } from './pair.mjs';

let page;
sharedPairPage((shared) => ({ page } = shared));

test('data.bufferedAmount: grows by the byte size inside send(), drains after the task, bufferedamountlow on crossing the threshold', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    dc1.bufferedAmountLowThreshold = 1000;
    const lows = [];
    dc1.onbufferedamountlow = () => lows.push(dc1.bufferedAmount);
    const sizes = [];
    dc1.send('h\u00e9llo'); // 6 UTF-8 bytes
    sizes.push(dc1.bufferedAmount);
    dc1.send(new Uint8Array(3000));
    sizes.push(dc1.bufferedAmount);
    dc1.send(new Blob([new Uint8Array(500)]));
    sizes.push(dc1.bufferedAmount);
    dc1.send(new DataView(new ArrayBuffer(24), 4, 10));
    sizes.push(dc1.bufferedAmount);
    const received = [];
    dc2.onmessage = (e) => received.push(typeof e.data === 'string' ? e.data : e.data.byteLength);
    // Still the same after a microtask: a decrease is only visible after a task.
    await Promise.resolve();
    sizes.push(dc1.bufferedAmount);
    await until(() => dc1.bufferedAmount === 0 && received.length === 4, 10000, 'drained');
    pc1.close();
    pc2.close();
    return { sizes, lows, received };
  });
  assert.deepEqual(r.sizes, [6, 3006, 3506, 3516, 3516]);
  assert.equal(r.lows.length, 1, 'one bufferedamountlow, on the way down through 1000');
  assert.ok(r.lows[0] <= 1000);
  assert.deepEqual(r.received, ['h\u00e9llo', 3000, 500, 10]);
});

test('data.binaryType: arraybuffer (the default) and blob deliver the bytes sent as ArrayBuffer, views, DataView and Blob', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    const out = { defaultType: dc2.binaryType, arraybuffer: [], blob: [] };
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 7, 8]);
    const sends = () => {
      dc1.send(bytes.buffer);
      dc1.send(bytes.subarray(2, 5)); // a view into the middle of a buffer: only its bytes
      dc1.send(new DataView(bytes.buffer, 5, 2));
      dc1.send(new Blob([bytes.subarray(0, 2), 'A']));
      dc1.send('text stays text');
    };
    for (const type of ['arraybuffer', 'blob']) {
      dc2.binaryType = type;
      const got = collect(dc2, 5);
      sends();
      out[type] = await got;
    }
    pc1.close();
    pc2.close();
    return out;
  });
  assert.equal(r.defaultType, 'arraybuffer');
  for (const type of ['arraybuffer', 'blob']) {
    assert.deepEqual(r[type], [
      { type, data: [0, 1, 2, 250, 255, 7, 8] },
      { type, data: [2, 250, 255] },
      { type, data: [7, 8] },
      { type, data: [0, 1, 65] },
      { type: 'string', data: 'text stays text' },
    ], type);
  }
});

test('data.send: empty string and empty buffer, lone surrogates (sent as U+FFFD), astral characters', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    const got = collect(dc2, 5);
    const sizes = [];
    for (const data of ['', new ArrayBuffer(0), 'a\uD800b', '\uDC00', '\u{1F600}x']) {
      const before = dc1.bufferedAmount;
      dc1.send(data);
      sizes.push(dc1.bufferedAmount - before);
    }
    const messages = await got;
    pc1.close();
    pc2.close();
    return { sizes, messages };
  });
  assert.deepEqual(r.sizes, [0, 0, 5, 3, 5]);
  assert.deepEqual(r.messages, [
    { type: 'string', data: '' },
    { type: 'arraybuffer', data: [] },
    { type: 'string', data: 'a\uFFFDb' },
    { type: 'string', data: '\uFFFD' },
    { type: 'string', data: '\u{1F600}x' },
  ]);
});

test('data.256KiB: 262144-byte strings and buffers arrive intact in both directions', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    const size = 256 * 1024;
    let text = '';
    while (text.length < size) text += 'polyrtc-' + text.length.toString(36) + ';';
    text = text.slice(0, size);
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
    const out = { maxMessageSize: null };
    for (const [from, to, name] of [[dc1, dc2, 'offerer to answerer'], [dc2, dc1, 'answerer to offerer']]) {
      const got = collect(to, 2, 30000);
      from.send(text);
      from.send(bytes);
      const [a, b] = await got;
      out[name] = [a.type, digest(a.data), b.type, digest(b.data)];
    }
    out.expected = ['string', digest(text), 'arraybuffer', digest([...bytes])];
    pc1.close();
    pc2.close();
    return out;
  });
  assert.deepEqual(r['offerer to answerer'], r.expected);
  assert.deepEqual(r['answerer to offerer'], r.expected);
});

test('data.limits: beyond max-message-size send() throws TypeError, a full buffer OperationError; the channel stays usable', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    const max = 256 * 1024; // polyrtc's a=max-message-size, which the peer here advertises
    const sdpMax = Number(/a=max-message-size:(\d+)/.exec(pc2.localDescription.sdp)[1]);
    const out = { sdpMax };
    out.string = throwsName(() => dc1.send('x'.repeat(max + 1)));
    out.multibyte = throwsName(() => dc1.send('\u00e9'.repeat(max / 2 + 1))); // UTF-8 bytes count, not characters
    out.buffer = throwsName(() => dc1.send(new Uint8Array(max + 1)));
    out.blob = throwsName(() => dc1.send(new Blob([new Uint8Array(max + 1)])));
    out.atMax = throwsName(() => dc1.send(new Uint8Array(max)));
    out.afterRefusals = dc1.bufferedAmount;
    // 16 MiB may wait in the buffer; the decrease only shows after this task, so 63 more
    // full-size messages fit now and the next one does not.
    const results = [];
    for (let i = 0; i < 64; i++) results.push(throwsName(() => dc1.send(new Uint8Array(max))));
    out.fill = [results.slice(0, 63).every((x) => x === 'no exception'), results[63]];
    out.full = dc1.bufferedAmount;
    out.state = dc1.readyState;
    let count = 0;
    dc2.onmessage = () => count++;
    await until(() => count === 64, 60000, '64 messages of 256 KiB');
    dc1.send('still works');
    const last = await nextMessage(dc2);
    pc1.close();
    pc2.close();
    return { ...out, last };
  });
  assert.equal(r.sdpMax, 262144);
  assert.equal(r.string, 'TypeError');
  assert.equal(r.multibyte, 'TypeError');
  assert.equal(r.buffer, 'TypeError');
  assert.equal(r.blob, 'TypeError');
  assert.equal(r.atMax, 'no exception');
  assert.equal(r.afterRefusals, 262144, 'refused messages add nothing to bufferedAmount');
  assert.deepEqual(r.fill, [true, 'DOMException:OperationError']);
  assert.equal(r.full, 64 * 262144);
  assert.equal(r.state, 'open');
  assert.deepEqual(r.last, { type: 'string', data: 'still works' });
});

test('data.channels: 100 channels on one connection open on both sides with distinct ids and carry their own messages', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair({ label: 'c0' });
    const remote = new Map([['c0', dc2]]);
    pc2.ondatachannel = (e) => remote.set(e.channel.label, e.channel);
    const local = [dc1];
    for (let i = 1; i < 100; i++) local.push(pc1.createDataChannel('c' + i, { protocol: 'p' + i }));
    await until(() => remote.size === 100 && local.every((c) => c.readyState === 'open'), 30000, '100 open channels');
    const got = new Map();
    for (const [label, channel] of remote) {
      channel.onmessage = (e) => {
        got.set(label, e.data);
        channel.send('echo ' + e.data);
      };
    }
    const echoes = new Map();
    for (const c of local) c.onmessage = (e) => echoes.set(c.label, e.data);
    for (const c of local) c.send('to ' + c.label);
    await until(() => echoes.size === 100, 30000, '100 echoes');
    const ids = local.map((c) => c.id);
    const out = {
      distinctIds: new Set(ids).size,
      idsMatch: local.every((c) => remote.get(c.label).id === c.id),
      protocolsMatch: local.slice(1).every((c) => remote.get(c.label).protocol === c.protocol),
      evenIds: ids.every((id) => id % 2 === ids[0] % 2),
      delivered: local.every((c) => got.get(c.label) === 'to ' + c.label && echoes.get(c.label) === 'echo to ' + c.label),
    };
    pc1.close();
    pc2.close();
    return out;
  });
  assert.deepEqual(r, { distinctIds: 100, idsMatch: true, protocolsMatch: true, evenIds: true, delivered: true });
});

test('data.many-connections: eight connections open at once in one page, each with its own engine, socket and timer, carry their own messages', async () => {
  const r = await page.evaluate(async () => {
    const pairs = await Promise.all(Array.from({ length: 8 }, (_, i) => connectPair({ label: 'pair' + i })));
    const got = pairs.map(({ dc2 }) => nextMessage(dc2, 20000));
    pairs.forEach(({ dc1 }, i) => dc1.send('to pair ' + i));
    const messages = (await Promise.all(got)).map((m) => m.data);
    const states = pairs.map(({ pc1, pc2 }) => pc1.connectionState + '/' + pc2.connectionState);
    for (const { pc1, pc2 } of pairs) {
      pc1.close();
      pc2.close();
    }
    return { messages, states, closed: pairs.every(({ dc1, dc2 }) => dc1.readyState === 'closed' && dc2.readyState === 'closed') };
  });
  assert.deepEqual(r.messages, Array.from({ length: 8 }, (_, i) => 'to pair ' + i));
  assert.deepEqual(r.states, Array(8).fill('connected/connected'));
  assert.equal(r.closed, true);
});

test('data.init: every RTCDataChannelInit option reaches the peer through DCEP, and partially reliable channels carry messages', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2 } = await connectPair();
    const inits = [
      { ordered: false, maxRetransmits: 0, protocol: 'unreliable' },
      { ordered: true, maxPacketLifeTime: 500, protocol: 'timed' },
      { ordered: false, protocol: '\u00e9-proto' },
    ];
    const remote = [];
    pc2.ondatachannel = (e) => remote.push(e.channel);
    const local = inits.map((init, i) => pc1.createDataChannel('opt' + i, init));
    await until(() => remote.length === 3 && local.every((c) => c.readyState === 'open'), 10000, 'three channels');
    const attrs = (c) => [c.label, c.ordered, c.maxRetransmits, c.maxPacketLifeTime, c.protocol, c.negotiated, c.id];
    remote.sort((a, b) => a.label.localeCompare(b.label));
    const got = remote.map((c) => collect(c, 20));
    for (const c of local) for (let i = 0; i < 20; i++) c.send(c.label + ':' + i);
    const delivered = (await Promise.all(got)).map((messages) => messages.length);
    const out = { local: local.map(attrs), remote: remote.map(attrs), delivered };
    pc1.close();
    pc2.close();
    return out;
  });
  assert.deepEqual(r.remote, r.local, 'the peer sees the same options and ids');
  assert.deepEqual(r.local.map((a) => a.slice(0, 6)), [
    ['opt0', false, 0, null, 'unreliable', false],
    ['opt1', true, null, 500, 'timed', false],
    ['opt2', false, null, null, '\u00e9-proto', false],
  ]);
  assert.deepEqual(r.delivered, [20, 20, 20], 'no loss on loopback, so everything arrives');
});
