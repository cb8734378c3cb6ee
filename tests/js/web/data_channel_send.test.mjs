// RTCDataChannel.send()'s bookkeeping in web/src, in Node: how many bytes each kind of data
// counts for, bufferedAmount growing synchronously by exactly that, Blob reads keeping the
// order of messages, and the engine's refusal surfacing as the exception it names.
//
// The same behaviour on live connections is pinned by tests/browser/connection/
// data_channel.test.mjs. Here, in Node, the channel is put in the open state directly and its
// engine is a recorder of sendData calls: it transports nothing and decides nothing, it only
// shows exactly which bytes the channel handed over, in which order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../support/paths.mjs';

const src = (file) => pathToFileURL(path.join(repoRoot, 'web', 'src', file)).href;
const { channelInternals, outgoingMessage } = await import(src('data_channel.mjs'));
const { utf8Length } = await import(src('webidl.mjs'));

function recorder({ refuse = null } = {}) {
  const calls = [];
  return {
    calls,
    closed: false,
    get() { return -1; }, // maxMessageSize: not negotiated, the engine decides
    command(name, handle, binary, bytes) {
      if (refuse) throw refuse;
      calls.push({ name, handle, binary, bytes: Buffer.from(bytes).toString('latin1') });
      return {};
    },
  };
}

function openChannel(engine) {
  const channel = channelInternals.create({ closedForChannels: false }, {
    label: 'x', ordered: true, maxPacketLifeTime: null, maxRetransmits: null, protocol: '', negotiated: false, id: null,
  });
  channelInternals.attach(channel, engine, 7, 1);
  channelInternals.markOpen(channel);
  return channel;
}

test('utf8Length agrees with TextEncoder, lone surrogates counting as U+FFFD', () => {
  const samples = ['', 'a', '\u00e9', '\u20ac', '\u{1F600}', '\uD800', '\uDC00x', 'a\uD83D', '\uD83D\uDE00\uD83D',
    'mixed \u00e9\u20ac\u{1F600} text', 'x'.repeat(1000)];
  for (let i = 0; i < 200; i++) {
    let s = '';
    for (let j = 0; j < 20; j++) s += String.fromCharCode(Math.floor(Math.random() * 0x10000));
    samples.push(s);
  }
  for (const s of samples) assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
});

test('the size of each kind of data: UTF-8 bytes of a string, byteLength of buffers and views, size of a Blob', () => {
  const buffer = new ArrayBuffer(16);
  new Uint8Array(buffer).set([...Array(16).keys()]);
  const view = new Uint16Array(buffer, 4, 3);
  assert.equal(outgoingMessage('\u00e9\u{1F600}').size, 6);
  assert.equal(outgoingMessage('\u00e9\u{1F600}').binary, false);
  assert.equal(outgoingMessage(buffer).size, 16);
  assert.equal(outgoingMessage(view).size, 6);
  assert.deepEqual([...outgoingMessage(view).bytes], [4, 5, 6, 7, 8, 9]);
  assert.equal(outgoingMessage(new DataView(buffer, 15)).size, 1);
  assert.equal(outgoingMessage(new Blob(['abc', new Uint8Array(5)])).size, 8);
  assert.equal(outgoingMessage(new Blob([])).binary, true);
  // The bytes handed over are a copy: changing the buffer after send() changes nothing.
  const m = outgoingMessage(buffer);
  new Uint8Array(buffer)[0] = 99;
  assert.equal(m.bytes[0], 0);
});

test('send() grows bufferedAmount synchronously by the byte size and hands the bytes over at once', () => {
  const engine = recorder();
  const channel = openChannel(engine);
  channel.send('h\u00e9');
  assert.equal(channel.bufferedAmount, 3);
  channel.send(new Uint8Array([1, 2]));
  assert.equal(channel.bufferedAmount, 5);
  channel.send(new ArrayBuffer(0));
  channel.send('');
  assert.equal(channel.bufferedAmount, 5);
  assert.deepEqual(engine.calls.map((c) => [c.name, c.handle, c.binary, c.bytes]), [
    ['sendData', 7, false, 'h\u00c3\u00a9'], ['sendData', 7, true, '\u0001\u0002'], ['sendData', 7, true, ''], ['sendData', 7, false, ''],
  ]);
});

test('a Blob counts at once, and messages sent after it wait for it so the order is kept', async () => {
  const engine = recorder();
  const channel = openChannel(engine);
  channel.send(new Blob(['blob!']));
  channel.send('after');
  assert.equal(channel.bufferedAmount, 10);
  assert.equal(engine.calls.length, 0, 'nothing handed over before the Blob is read');
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(engine.calls.map((c) => c.bytes), ['blob!', 'after']);
  assert.equal(channel.bufferedAmount, 10, 'bufferedAmount only goes down when the engine reports progress');
});

test('bufferedAmount goes down when the engine reports less, firing bufferedamountlow on crossing the threshold', () => {
  const engine = recorder();
  const channel = openChannel(engine);
  const events = [];
  channel.onbufferedamountlow = () => events.push(channel.bufferedAmount);
  channel.bufferedAmountLowThreshold = 4;
  channel.send('0123456789');
  channelInternals.updateBufferedAmount(channel, 6);
  channelInternals.updateBufferedAmount(channel, 12); // never up from a report
  channelInternals.updateBufferedAmount(channel, 3);
  channelInternals.updateBufferedAmount(channel, 0);
  assert.deepEqual(events, [3]);
  assert.equal(channel.bufferedAmount, 0);
});

test('the engine refusing a message (over max-message-size) is the TypeError it names, and bufferedAmount stays', () => {
  const engine = recorder({ refuse: new TypeError('message too large') });
  const channel = openChannel(engine);
  assert.throws(() => channel.send('x'.repeat(300000)), TypeError);
  assert.equal(channel.bufferedAmount, 0);
});
