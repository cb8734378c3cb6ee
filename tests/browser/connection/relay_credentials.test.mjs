// Credentials the relay serves to pages (docs/relay.md, "Credentials for pages"): the relay
// requires TURN REST API credentials and serves time-limited ones at /turn-credentials to its
// own origin. The page configures no iceServers at all; polyrtc fetches the credentials
// (once for the page), allocates with them and connects. Headless Chromium without native
// WebRTC, the real relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupPairs } from './pair.mjs';
import { freePort } from '../../relay/coturn_tools.mjs';

let env;
let page;
before(async () => {
  // The origin must be known before the relay starts: --allowed-origin names it.
  const port = await freePort();
  env = await setupPairs({
    relayArgs: ['--http-port', String(port), '--use-auth-secret', '--static-auth-secret', 'page-secret',
      '--credentials-endpoint', '--credentials-ttl', '600', '--allowed-origin', `http://127.0.0.1:${port}`],
  });
  page = await env.open();
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
