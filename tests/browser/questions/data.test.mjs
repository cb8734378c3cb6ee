// "What happens here if...?" for data channels (QUESTIONS.md 12 and 14; docs/questions.md
// gives the answers and points here). Two polyrtc connections in one page of headless
// Chromium (native WebRTC deleted), through the real relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPairPage } from '../connection/pair.mjs';

let page;
sharedPairPage((shared) => ({ page } = shared));

test('q12.late-ondatachannel: a handler assigned after the datachannel event never sees that channel; channels arriving after the assignment do', async () => {
  const r = await page.evaluate(async () => {
    const pc1 = new RTCPeerConnection();
    const pc2 = new RTCPeerConnection();
    trickle(pc1, pc2);
    trickle(pc2, pc1);
    const dc1 = pc1.createDataChannel('chat');
    const arrivals = [];
    pc2.addEventListener('datachannel', (e) => arrivals.push(e.channel.label));
    await negotiate(pc1, pc2);
    await until(() => dc1.readyState === 'open' && arrivals.length === 1, 15000, 'open');
    let late = 0;
    pc2.ondatachannel = () => late++;
    dc1.send('into the void?');
    await new Promise((r) => setTimeout(r, 300));
    // A second channel, with the handler in place now, arrives normally.
    pc1.createDataChannel('second');
    await until(() => late === 1, 10000, 'second channel');
    const out = { arrivals, late, offererState: dc1.readyState };
    pc1.close();
    pc2.close();
    return out;
  });
  assert.deepEqual(r.arrivals, ['chat', 'second']);
  assert.equal(r.late, 1, 'only the channel that arrived after assignment');
  assert.equal(r.offererState, 'open', 'the offerer cannot tell: its channel is open');
});

test('q14.same-label: two channels named "chat" are two channels, with their own ids and messages', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair({ label: 'chat' });
    const twin = pc1.createDataChannel('chat');
    const arrived = (await waitFor(pc2, 'datachannel')).channel;
    if (twin.readyState !== 'open') await waitFor(twin, 'open');
    const got = [nextMessage(dc2), nextMessage(arrived)];
    dc1.send('first');
    twin.send('second');
    const out = { labels: [dc1.label, twin.label, dc2.label, arrived.label], ids: [dc1.id, twin.id, dc2.id, arrived.id],
      messages: (await Promise.all(got)).map((m) => m.data) };
    pc1.close();
    pc2.close();
    return out;
  });
  assert.deepEqual(r.labels, ['chat', 'chat', 'chat', 'chat']);
  assert.notEqual(r.ids[0], r.ids[1]);
  assert.equal(r.ids[0], r.ids[2]);
  assert.equal(r.ids[1], r.ids[3]);
  assert.deepEqual(r.messages, ['first', 'second']);
});

test('q14.negotiated-unmatched: a negotiated channel the other side never made opens locally; its messages are dropped there until the peer makes the same id', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2 } = await connectPair();
    let announced = 0;
    pc2.ondatachannel = () => announced++;
    const lonely = pc1.createDataChannel('lonely', { negotiated: true, id: 40 });
    if (lonely.readyState !== 'open') await waitFor(lonely, 'open');
    lonely.send('nobody has stream 40 yet');
    await new Promise((r) => setTimeout(r, 300));
    const partner = pc2.createDataChannel('partner', { negotiated: true, id: 40 });
    if (partner.readyState !== 'open') await waitFor(partner, 'open');
    const got = nextMessage(partner, 5000);
    lonely.send('now there is');
    const out = { state: 'open', announced, partnerGot: (await got).data, ids: [lonely.id, partner.id],
      errors: [lonely.readyState, partner.readyState] };
    pc1.close();
    pc2.close();
    return out;
  });
  assert.equal(r.announced, 0, 'a negotiated channel is never announced to the peer');
  assert.equal(r.partnerGot, 'now there is', 'the message sent before the peer made id 40 is not delivered later');
  assert.deepEqual(r.ids, [40, 40]);
  assert.deepEqual(r.errors, ['open', 'open']);
});
