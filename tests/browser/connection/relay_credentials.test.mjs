// Credentials the relay serves to pages (docs/relay.md, "Credentials for pages"): the relay
// requires TURN REST API credentials and serves time-limited ones at /turn-credentials to its
// own origin. A page whose script tag says data-relay-credentials and that configures no
// iceServers at all fetches them (once for the page), allocates with them and connects; a
// page without the attribute asks nothing and is refused. Headless Chromium without native
// WebRTC, the real relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pairPageHtml, setupPairs } from './pair.mjs';
import { freePort } from '../../relay/coturn_tools.mjs';

let env;
let page;
let plainPage;
before(async () => {
  // The origin must be known before the relay starts: --allowed-origin names it.
  const port = await freePort();
  env = await setupPairs({
    relayArgs: ['--http-port', String(port), '--use-auth-secret', '--static-auth-secret', 'page-secret',
      '--credentials-endpoint', '--credentials-ttl', '600', '--allowed-origin', `http://127.0.0.1:${port}`],
  });
  page = await env.open(pairPageHtml({ scriptAttrs: 'data-relay-credentials' }));
  plainPage = await env.open();
});
after(async () => {
  try {
    await env.checkPages(assert);
  } finally {
    await env.close();
  }
});

test('relay.credentials: with no credentials configured, two connections use the relay-served ones (one fetch) and connect', async () => {
  const states = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    dc1.send('over served credentials');
    const got = await nextMessage(dc2);
    return { pc1: pc1.connectionState, pc2: pc2.connectionState, got: got.data };
  });
  assert.deepEqual(states, { pc1: 'connected', pc2: 'connected', got: 'over served credentials' });
  const lines = env.server.relay.lines;
  assert.equal(lines.filter((l) => l.event === 'credentials_issued').length, 1, 'one credentials request for the page');
  const allocations = lines.filter((l) => l.event === 'allocation_created');
  assert.equal(allocations.length, 2);
  for (const a of allocations) assert.match(a.username, /^\d+:[0-9a-f]{16}$/, 'allocated with a REST API username');
  assert.equal(lines.filter((l) => l.event === 'auth_failed').length, 0);
});

test('relay.credentials: without data-relay-credentials the page asks nothing and the relay refuses the allocation', async () => {
  const issuedBefore = env.server.relay.lines.filter((l) => l.event === 'credentials_issued').length;
  const error = await plainPage.evaluate(() => new Promise((resolve, reject) => {
    const pc = new RTCPeerConnection();
    pc.onicecandidateerror = (e) => { resolve({ errorCode: e.errorCode }); pc.close(); };
    pc.createDataChannel('x');
    pc.createOffer().then((offer) => pc.setLocalDescription(offer)).catch(reject);
    setTimeout(() => reject(new Error('no icecandidateerror within 10 s')), 10000);
  }));
  assert.equal(error.errorCode, 401);
  assert.equal(env.server.relay.lines.filter((l) => l.event === 'credentials_issued').length, issuedBefore);
});
