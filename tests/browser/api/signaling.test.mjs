// SignalingChannel (the helper the spec examples use) and relay discovery against the real
// relay's /signal rooms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { setup, pageHtml } from './harness.mjs';
import { startRelay } from '../../relay/relay_process.mjs';

let env;
before(async () => {
  env = await setup({ relay: true });
});
after(async () => {
  await env.close();
});

// A node WebSocket client in a room of `relayUrl`, collecting what it receives.
async function roomClient(relayUrl, room) {
  const ws = new WebSocket(`${relayUrl.replace('http:', 'ws:')}/signal?room=${encodeURIComponent(room)}`);
  const received = [];
  ws.on('message', (data) => received.push(data.toString()));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return {
    received,
    async next(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length === 0) {
        if (Date.now() > deadline) throw new Error(`nothing received in room ${room}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.shift();
    },
    close() { ws.close(); },
  };
}

test('the room comes from ?room=, else the #hash, else "default"', async () => {
  const cases = [['?room=lobby-1', 'lobby-1'], ['#kitchen', 'kitchen'], ['?other=1#h.e_~', 'h.e_~'], ['?room=q#hash', 'q'], ['', 'default'], ['#', 'default']];
  for (const [query, room] of cases) {
    const listener = await roomClient(env.server.url, room);
    const page = await env.open(pageHtml({ body: `<script>window.sc = new SignalingChannel(); sc.send('hello ' + sc.room);</script>` }), { query });
    assert.equal(await listener.next(), `hello ${room}`, `page${query} joins room ${room}`);
    assert.equal(await page.evaluate(() => sc.room), room);
    assert.deepEqual(page.errors, []);
    listener.close();
    await page.close();
  }
});

test('a room name the relay would refuse is a SyntaxError at construction', async () => {
  const page = await env.open(pageHtml(), { query: '?room=lobby%201' });
  const r = await page.evaluate(() => [
    throwsName(() => new SignalingChannel()),
    throwsName(() => new SignalingChannel('h\u00e9')),
    throwsName(() => new SignalingChannel('x'.repeat(65))),
    throwsName(() => new SignalingChannel('')),
    throwsName(() => new SignalingChannel('x'.repeat(64)).close()),
  ]);
  assert.deepEqual(r, ['DOMException:SyntaxError', 'DOMException:SyntaxError', 'DOMException:SyntaxError', 'DOMException:SyntaxError', 'no exception']);
});

test('messages sent before the socket opens are queued and arrive in order at the other page in the room only', async () => {
  const receiverHtml = pageHtml({ body: `<script>
    window.received = [];
    window.sc = new SignalingChannel();
    sc.onmessage = function (evt) { received.push(evt.data); };
    sc.onopen = () => { window.open_ = true; };
  </script>` });
  const receiver = await env.open(receiverHtml, { query: '?room=pair' });
  const bystander = await env.open(receiverHtml, { query: '?room=elsewhere' });
  await receiver.waitForFunction(() => window.open_ === true);
  await bystander.waitForFunction(() => window.open_ === true);
  const sender = await env.open(pageHtml({ body: `<script>
    var signalingChannel = new SignalingChannel();
    window.stateAtSend = signalingChannel.readyState;
    signalingChannel.send(JSON.stringify({ "n": 1 }));
    signalingChannel.send("two");
    signalingChannel.send("");
  </script>` }), { query: '?room=pair' });
  await receiver.waitForFunction(() => window.received.length === 3);
  assert.equal(await sender.evaluate(() => window.stateAtSend), 0, 'sent while CONNECTING');
  assert.deepEqual(await receiver.evaluate(() => window.received), ['{"n":1}', 'two', '']);
  await sender.evaluate(() => signalingChannel.send('after open'));
  await receiver.waitForFunction(() => window.received.length === 4);
  assert.equal(await receiver.evaluate(() => window.received[3]), 'after open');
  assert.deepEqual(await bystander.evaluate(() => window.received), []);
  for (const p of [receiver, bystander, sender]) assert.deepEqual(p.errors, []);
});

test('relay discovery: data-relay on the script tag, then polyrtc.configure({relay}) over it', async () => {
  const other = await startRelay(['--no-auth']);
  const third = await startRelay(['--no-auth']);
  try {
    const viaTag = await roomClient(other.url(''), 'r1');
    const viaConfigure = await roomClient(third.url(''), 'r2');
    const page = await env.open(pageHtml({ scriptAttrs: `data-relay="${other.url('')}"`, body: "<script>new SignalingChannel().send('via data-relay');</script>" }), { query: '?room=r1' });
    assert.equal(await viaTag.next(), 'via data-relay');
    await page.evaluate((url) => {
      polyrtc.configure({ relay: url.replace('http:', 'ws:') });
      new SignalingChannel('r2').send('via configure');
    }, third.url(''));
    assert.equal(await viaConfigure.next(), 'via configure');
    const bad = await page.evaluate(() => throwsName(() => polyrtc.configure({ relay: 'ftp://x' })));
    assert.equal(bad, 'DOMException:SyntaxError');
    assert.deepEqual(page.errors, []);
    viaTag.close();
    viaConfigure.close();
  } finally {
    assert.equal((await other.stop()).code, 0);
    assert.equal((await third.stop()).code, 0);
  }
});

// Spec example 10.3 itself, end to end, is tests/browser/example_10_3.test.mjs.
