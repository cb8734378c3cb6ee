// GET /turn-credentials (--credentials-endpoint): TURN REST API credentials for pages of
// allowed origins, which then really allocate on the relay; refused for other origins; off
// by default; not startable without --use-auth-secret and --allowed-origin.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRelay, runRelay, waitForLog } from './relay_process.mjs';
import { WsTurnClient, UdpTurnClient, Class, restPassword } from './turn_client.mjs';
import { freePort } from './coturn_tools.mjs';

const ORIGIN = 'https://app.example';
const SECRET = 'endpoint-secret';

describe('/turn-credentials', () => {
    let relay;
    before(async () => {
        relay = await startRelay(['--use-auth-secret', '--static-auth-secret', SECRET, '--credentials-endpoint',
            '--credentials-ttl', '3600', '--allowed-origin', ORIGIN, '--realm', 'polyrtc.test']);
    });
    after(async () => {
        const { code } = await relay.stop();
        assert.equal(code, 0);
    });

    test('an allowed Origin gets the REST API shape, uncached and CORS-readable', async () => {
        const before = Math.floor(Date.now() / 1000);
        const res = await fetch(relay.url('/turn-credentials'), { headers: { Origin: ORIGIN } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'application/json');
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
        assert.match(res.headers.get('vary'), /Origin/);
        const body = await res.json();
        assert.deepEqual(Object.keys(body).sort(), ['credential', 'password', 'ttl', 'uris', 'username', 'ws_uri']);
        assert.equal(body.ttl, 3600);
        const [expiry, user] = body.username.split(':');
        assert.ok(Number(expiry) >= before + 3600 && Number(expiry) <= before + 3602);
        assert.match(user, /^[0-9a-f]{16}$/);
        assert.equal(body.password, restPassword(SECRET, body.username));
        assert.equal(body.credential, body.password);
        const port = relay.listening.turn_udp_port;
        assert.deepEqual(body.uris, [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`]);
        assert.equal(body.ws_uri, `ws://127.0.0.1:${relay.port}/turn`);
    });

    test('the issued credentials allocate over WebSocket and UDP', async () => {
        const body = await (await fetch(relay.url('/turn-credentials'), { headers: { Origin: ORIGIN } })).json();
        const credentials = { username: body.username, password: body.credential, realm: 'polyrtc.test' };
        assert.equal(body.ws_uri, relay.wsUrl('/turn'));
        const ws = await WsTurnClient.connect(body.ws_uri, credentials, { origin: ORIGIN });
        assert.equal((await ws.allocate()).cls, Class.Success);
        await ws.close();
        const udp = await UdpTurnClient.connect('127.0.0.1', relay.listening.turn_udp_port, credentials);
        assert.equal((await udp.allocate()).cls, Class.Success);
        assert.equal((await udp.refresh(0)).cls, Class.Success);
        await udp.close();
    });

    test('?username= names the user part; a bad one is 400', async () => {
        const body = await (await fetch(relay.url('/turn-credentials?username=alice'), { headers: { Origin: ORIGIN } }))
            .json();
        assert.match(body.username, /^\d+:alice$/);
        const bad = await fetch(relay.url('/turn-credentials?username=a%20b'), { headers: { Origin: ORIGIN } });
        assert.equal(bad.status, 400);
    });

    test('another Origin, or none, is 403 without credentials', async () => {
        for (const headers of [{ Origin: 'https://evil.example' }, {}, { 'Sec-Fetch-Site': 'cross-site' }]) {
            const res = await fetch(relay.url('/turn-credentials'), { headers });
            assert.equal(res.status, 403);
            assert.equal(res.headers.get('access-control-allow-origin'), null);
            const body = await res.json();
            assert.equal(body.username, undefined);
        }
        await waitForLog(relay, (l) => l.event === 'credentials_refused' && l.origin === 'https://evil.example');
    });

    test('HEAD answers like GET without a body', async () => {
        const res = await fetch(relay.url('/turn-credentials'), { method: 'HEAD', headers: { Origin: ORIGIN } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'application/json');
        assert.equal((await res.text()), '');
    });
});

test('a same-origin GET (no Origin, Sec-Fetch-Site: same-origin) is judged by the relay\'s own origin', async () => {
    const port = await freePort();
    const relay = await startRelay(['--http-port', String(port), '--use-auth-secret', '--static-auth-secret', SECRET,
        '--credentials-endpoint', '--allowed-origin', `http://127.0.0.1:${port}`, '--no-udp']);
    try {
        const res = await fetch(relay.url('/turn-credentials'), { headers: { 'Sec-Fetch-Site': 'same-origin' } });
        assert.equal(res.status, 200);
        assert.match((await res.json()).username, /^\d+:[0-9a-f]{16}$/);
        const crossSite = await fetch(relay.url('/turn-credentials'), { headers: { 'Sec-Fetch-Site': 'cross-site' } });
        assert.equal(crossSite.status, 403);
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('without --credentials-endpoint, /turn-credentials is 404', async () => {
    const relay = await startRelay(['--use-auth-secret', '--static-auth-secret', SECRET, '--allowed-origin', ORIGIN,
        '--no-udp']);
    try {
        const res = await fetch(relay.url('/turn-credentials'), { headers: { Origin: ORIGIN } });
        assert.equal(res.status, 404);
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('--credentials-endpoint needs --use-auth-secret and --allowed-origin', async () => {
    const noOrigin = await runRelay(['--use-auth-secret', '--static-auth-secret', SECRET, '--credentials-endpoint']);
    assert.equal(noOrigin.code, 2);
    assert.match(noOrigin.stderr, /--credentials-endpoint needs --use-auth-secret .* --allowed-origin/);
    const noSecret = await runRelay(['--user', 'a:b', '--allowed-origin', ORIGIN, '--credentials-endpoint']);
    assert.equal(noSecret.code, 2);
});
