// createDataChannel's argument checks, RTCDataChannel's attributes, send() before open,
// close(), and EventTarget / on* handler semantics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.mjs';

let env;
let page;
before(async () => {
  env = await setup();
  page = await env.open();
});
after(async () => {
  try {
    assert.deepEqual(page.errors, []);
  } finally {
    await env.close();  // also on failure: an open browser would keep the file from ending
  }
});

test('createDataChannel: a new channel has the spec defaults', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('chat');
    const v = Object.fromEntries(['label', 'ordered', 'maxPacketLifeTime', 'maxRetransmits', 'protocol', 'negotiated', 'id',
      'readyState', 'bufferedAmount', 'bufferedAmountLowThreshold', 'binaryType', 'onopen', 'onbufferedamountlow', 'onerror',
      'onclosing', 'onclose', 'onmessage'].map((k) => [k, dc[k]]));
    v.isEventTarget = dc instanceof EventTarget;
    v.isChannel = dc instanceof RTCDataChannel;
    pc.close();
    return v;
  });
  assert.deepEqual(r, {
    label: 'chat', ordered: true, maxPacketLifeTime: null, maxRetransmits: null, protocol: '', negotiated: false, id: null,
    readyState: 'connecting', bufferedAmount: 0, bufferedAmountLowThreshold: 0, binaryType: 'arraybuffer',
    onopen: null, onbufferedamountlow: null, onerror: null, onclosing: null, onclose: null, onmessage: null,
    isEventTarget: true, isChannel: true,
  });
});

test('createDataChannel: options are reflected; an id only counts for negotiated channels', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const a = pc.createDataChannel('a', { ordered: false, maxRetransmits: 0, protocol: 'chat/1' });
    const b = pc.createDataChannel('b', { maxPacketLifeTime: 65535 });
    const c = pc.createDataChannel('c', { negotiated: true, id: 65534 });
    const d = pc.createDataChannel('d', { id: 7 });
    const e = pc.createDataChannel(null);
    const f = pc.createDataChannel('\uD800x'); // lone surrogate: USVString
    pc.close();
    return [[a.ordered, a.maxRetransmits, a.maxPacketLifeTime, a.protocol], [b.maxPacketLifeTime, b.maxRetransmits],
      [c.negotiated, c.id], [d.negotiated, d.id], e.label, f.label];
  });
  assert.deepEqual(r, [[false, 0, null, 'chat/1'], [65535, null], [true, 65534], [false, null], 'null', '\uFFFDx']);
});

test('createDataChannel: the spec exceptions', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const t = (...args) => throwsName(() => pc.createDataChannel(...args));
    const out = {
      noLabel: t(),
      label65535Bytes: t('a'.repeat(65535)),
      label65536Bytes: t('a'.repeat(65536)),
      labelUtf8Over: t('\u00e9'.repeat(32768)), // 32768 chars, 65536 UTF-8 bytes
      protocol65536Bytes: t('x', { protocol: 'p'.repeat(65536) }),
      protocolUtf8Over: t('x', { protocol: '\u20ac'.repeat(21846) }),
      both: t('x', { maxPacketLifeTime: 1, maxRetransmits: 1 }),
      bothZero: t('x', { maxPacketLifeTime: 0, maxRetransmits: 0 }),
      negotiatedNoId: t('x', { negotiated: true }),
      id65535: t('x', { negotiated: true, id: 65535 }),
      id65536: t('x', { negotiated: true, id: 65536 }),
      idNegative: t('x', { negotiated: true, id: -1 }),
      retransmitsRange: t('x', { maxRetransmits: 65536 }),
      lifetimeNaN: t('x', { maxPacketLifeTime: NaN }),
      dictNotObject: t('x', 5),
      idInUse: (pc.createDataChannel('n', { negotiated: true, id: 3 }), t('x', { negotiated: true, id: 3 })),
    };
    pc.close();
    out.closed = t('x');
    out.closedBeatsLabelCheck = t('a'.repeat(65536));
    out.conversionBeatsClosed = t('x', { maxRetransmits: -5 });
    return out;
  });
  assert.deepEqual(r, {
    noLabel: 'TypeError',
    label65535Bytes: 'no exception',
    label65536Bytes: 'TypeError',
    labelUtf8Over: 'TypeError',
    protocol65536Bytes: 'TypeError',
    protocolUtf8Over: 'TypeError',
    both: 'TypeError',
    bothZero: 'TypeError',
    negotiatedNoId: 'TypeError',
    id65535: 'TypeError',
    id65536: 'TypeError',
    idNegative: 'TypeError',
    retransmitsRange: 'TypeError',
    lifetimeNaN: 'TypeError',
    dictNotObject: 'TypeError',
    idInUse: 'DOMException:OperationError',
    closed: 'DOMException:InvalidStateError',
    closedBeatsLabelCheck: 'DOMException:InvalidStateError',
    conversionBeatsClosed: 'TypeError',
  });
});

test('binaryType accepts blob and arraybuffer and throws SyntaxError for anything else', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('x');
    const out = [];
    dc.binaryType = 'blob';
    out.push(dc.binaryType);
    for (const bad of ['jellyfish', 'arraybuffer ', '', null, undefined, 234]) out.push(throwsName(() => { dc.binaryType = bad; }));
    out.push(dc.binaryType);
    dc.binaryType = 'arraybuffer';
    out.push(dc.binaryType);
    pc.close();
    return out;
  });
  assert.deepEqual(r, ['blob', ...Array(6).fill('DOMException:SyntaxError'), 'blob', 'arraybuffer']);
});

test('bufferedAmountLowThreshold is an unsigned long', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('x');
    const out = [];
    for (const v of [1024, -1, 2 ** 32 + 5, 'junk', 3.9]) {
      dc.bufferedAmountLowThreshold = v;
      out.push(dc.bufferedAmountLowThreshold);
    }
    pc.close();
    return out;
  });
  assert.deepEqual(r, [1024, 4294967295, 5, 0, 3]);
});

test('send() before open throws InvalidStateError for every data type and leaves bufferedAmount at 0', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('x');
    const out = ['hello', new Blob(['abc']), new ArrayBuffer(8), new Uint8Array(4), new DataView(new ArrayBuffer(2))]
      .map((data) => throwsName(() => dc.send(data)));
    out.push(throwsName(() => dc.send()));
    out.push(dc.bufferedAmount);
    dc.close();
    out.push(throwsName(() => dc.send('after close')));
    pc.close();
    out.push(throwsName(() => dc.send('after pc close')));
    return out;
  });
  assert.deepEqual(r, [...Array(5).fill('DOMException:InvalidStateError'), 'TypeError', 0,
    'DOMException:InvalidStateError', 'DOMException:InvalidStateError']);
});

test('close() before the channel opened: closing at once, then one close event in a task, no closing event', async () => {
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('x');
    const log = [];
    for (const type of ['open', 'closing', 'close', 'error']) dc.addEventListener(type, () => log.push(`${type}:${dc.readyState}`));
    dc.close();
    log.push(`sync:${dc.readyState}`);
    dc.close(); // no-op
    await new Promise((resolve) => dc.addEventListener('close', resolve));
    await nextTask();
    pc.close();
    return log;
  });
  assert.deepEqual(r, ['sync:closing', 'close:closed']);
});

test('RTCPeerConnection.close() closes every channel at once and fires no channel events', async () => {
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const a = pc.createDataChannel('a');
    const b = pc.createDataChannel('b');
    b.close(); // its close event is queued, and must not fire after pc.close()
    const log = [];
    for (const dc of [a, b]) for (const type of ['open', 'closing', 'close', 'error']) dc.addEventListener(type, () => log.push(`${dc.label}:${type}`));
    pc.close();
    const states = [a.readyState, b.readyState, pc.signalingState, pc.iceConnectionState, pc.connectionState];
    for (let i = 0; i < 5; i++) await nextTask();
    pc.close(); // idempotent
    return { states, log };
  });
  assert.deepEqual(r, { states: ['closed', 'closed', 'closed', 'closed', 'closed'], log: [] });
});

test('on* handlers: one per type, called in registration order with listeners, replaced in place, re-added at the end after null', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('x');
    const log = [];
    const fire = () => dc.dispatchEvent(new Event('message'));
    dc.addEventListener('message', () => log.push('A'));
    dc.onmessage = () => log.push('H1');
    dc.addEventListener('message', () => log.push('B'));
    fire();
    log.push('|');
    dc.onmessage = function (e) { log.push(`H2:${this === dc}:${e.currentTarget === dc}`); };
    fire();
    log.push('|');
    dc.onmessage = null;
    fire();
    log.push('|');
    dc.onmessage = () => log.push('H3');
    fire();
    const getters = [typeof dc.onmessage];
    dc.onmessage = 'not a function';
    getters.push(dc.onmessage);
    const obj = { handleEvent() {} };
    dc.onmessage = obj;
    getters.push(dc.onmessage === obj);
    dc.onmessage = 5;
    getters.push(dc.onmessage);
    pc.close();
    return { log: log.join(' '), getters };
  });
  assert.deepEqual(r, { log: 'A H1 B | A H2:true:true B | A B | A B H3', getters: ['function', null, true, null] });
});

test('on* handlers: returning false cancels the event; an exception is reported and later listeners still run', async () => {
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.onsignalingstatechange = () => false;
    const e = new Event('signalingstatechange', { cancelable: true });
    pc.dispatchEvent(e);
    const reported = [];
    window.addEventListener('error', (ev) => { reported.push(ev.message); ev.preventDefault(); });
    const ran = [];
    pc.onnegotiationneeded = () => { throw new Error('handler threw'); };
    pc.addEventListener('negotiationneeded', () => ran.push('after'));
    pc.dispatchEvent(new Event('negotiationneeded'));
    await nextTask();
    pc.close();
    return { canceled: e.defaultPrevented, ran, reported: reported.map((m) => /handler threw/.test(m)) };
  });
  assert.deepEqual(r, { canceled: true, ran: ['after'], reported: [true] });
});
