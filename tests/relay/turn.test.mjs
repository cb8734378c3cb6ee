// TURN through the real relay: two WebSocket clients (and a UDP one) allocate with
// credentials, permit each other's relayed addresses and exchange data through Send/Data
// indications and ChannelData, with the relayed UDP sockets between them. Plus refusals:
// 401 without or with wrong credentials, 403 for a loopback peer by default.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { startRelay } from './relay_process.mjs';
import { WsTurnClient, UdpTurnClient, Class, Attr, sameAddress, restPassword, verifyIntegrity } from './turn_client.mjs';

const REALM = 'polyrtc.test';

describe('TURN over WebSocket between two clients', () => {
    let relay;
    let a;
    let b;
    before(async () => {
        relay = await startRelay(['--user', 'alice:alice-pw', '--user', 'bob:bob-pw', '--realm', REALM,
            '--allow-loopback-peers', '--listening-port', '0']);
        a = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'alice', password: 'alice-pw', realm: REALM });
        b = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'bob', password: 'bob-pw', realm: REALM });
    });
    after(async () => {
        await a?.close();
        await b?.close();
        const { code } = await relay.stop();
        assert.equal(code, 0);
        assert.deepEqual(relay.nonJson, []);
    });

    test('both allocate: signed success with a relayed address on the relay IP', async () => {
        for (const client of [a, b]) {
            const response = await client.allocate();
            assert.equal(response.cls, Class.Success, `error ${response.errorCode}`);
            assert.ok(verifyIntegrity(response, client.key), 'response carries our MESSAGE-INTEGRITY');
            assert.equal(client.relayed.ip, '127.0.0.1');
            assert.ok(client.relayed.port >= 49152);
            assert.equal(response.get(Attr.LIFETIME).readUInt32BE(0), 600);
        }
        assert.notEqual(a.relayed.port, b.relayed.port);
        const health = await (await fetch(relay.url('/healthz'))).json();
        assert.equal(health.allocations, 2);
    });

    test('CreatePermission, then Send from A arrives at B as a Data indication from A\'s relayed address', async () => {
        assert.equal((await a.createPermission(b.relayed)).cls, Class.Success);
        assert.equal((await b.createPermission(a.relayed)).cls, Class.Success);
        a.sendIndication(b.relayed, Buffer.from('hello from a'));
        const got = await b.next();
        assert.equal(got.kind, 'data');
        assert.ok(sameAddress(got.peer, a.relayed));
        assert.equal(got.data.toString(), 'hello from a');
        b.sendIndication(a.relayed, Buffer.from('and back'));
        const back = await a.next();
        assert.equal(back.kind, 'data');
        assert.equal(back.data.toString(), 'and back');
    });

    test('ChannelBind on both sides, then ChannelData both ways', async () => {
        assert.equal((await a.channelBind(0x4000, b.relayed)).cls, Class.Success);
        assert.equal((await b.channelBind(0x4abc, a.relayed)).cls, Class.Success);
        const payload = Buffer.from([0, 1, 2, 3, 254, 255, 42]);
        a.sendChannelData(0x4000, payload);
        const atB = await b.next();
        assert.equal(atB.kind, 'channel');
        assert.equal(atB.channel, 0x4abc);  // B's channel for A's relayed address
        assert.deepEqual(atB.data, payload);
        const big = Buffer.alloc(1200, 7);
        b.sendChannelData(0x4abc, big);
        const atA = await a.next();
        assert.equal(atA.kind, 'channel');
        assert.equal(atA.channel, 0x4000);
        assert.deepEqual(atA.data, big);
    });

    test('/metrics counts the allocations, connections and relayed traffic', async () => {
        const res = await fetch(relay.url('/metrics'));
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        const value = (series) => {
            const line = text.split('\n').find((l) => l.startsWith(series + ' '));
            assert.ok(line, `metrics have ${series}`);
            return Number(line.slice(series.length + 1));
        };
        assert.equal(value('polyrtc_relay_turn_allocations'), 2);
        assert.equal(value('polyrtc_relay_websocket_connections{path="/turn"}'), 2);
        // Two Send indications and two ChannelData so far, each delivered once.
        assert.equal(value('polyrtc_relay_turn_packets_total{direction="to_peer"}'), 4);
        assert.equal(value('polyrtc_relay_turn_packets_total{direction="to_client"}'), 4);
        assert.equal(value('polyrtc_relay_turn_bytes_total{direction="to_peer"}'), 12 + 8 + 7 + 1200);
        assert.match(text, /# TYPE polyrtc_relay_turn_dropped_total counter/);
    });

    test('rebinding a channel to another peer is 400', async () => {
        const response = await a.channelBind(0x4000, { ip: '127.0.0.1', port: 9 });
        assert.equal(response.errorCode, 400);
    });

    test('a second Allocate on the same connection is 437', async () => {
        const response = await a.request(0x003, [[Attr.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])]]);
        assert.equal(response.errorCode, 437);
    });

    test('Refresh with lifetime 0 releases the allocation', async () => {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'alice', password: 'alice-pw', realm: REALM });
        assert.equal((await c.allocate()).cls, Class.Success);
        assert.equal((await c.refresh(0)).cls, Class.Success);
        assert.equal((await c.refresh(600)).errorCode, 437);
        await c.close();
    });

    test('closing the WebSocket releases its allocation', async () => {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'bob', password: 'bob-pw', realm: REALM });
        assert.equal((await c.allocate()).cls, Class.Success);
        assert.equal((await (await fetch(relay.url('/healthz'))).json()).allocations, 3);
        await c.close();
        for (let i = 0; i < 50; ++i) {
            if ((await (await fetch(relay.url('/healthz'))).json()).allocations === 2) return;
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.fail('allocation was not released');
    });

    test('TURN over UDP talks to a WebSocket client through the relayed sockets', async () => {
        const u = await UdpTurnClient.connect('127.0.0.1', relay.udpPort,
            { username: 'bob', password: 'bob-pw', realm: REALM });
        try {
            const response = await u.allocate();
            assert.equal(response.cls, Class.Success, `error ${response.errorCode}`);
            assert.equal(u.mapped.port, u.socket.address().port);
            assert.equal((await u.createPermission(a.relayed)).cls, Class.Success);
            assert.equal((await a.createPermission(u.relayed)).cls, Class.Success);
            u.sendIndication(a.relayed, Buffer.from('over udp'));
            const got = await a.next();
            assert.equal(got.kind, 'data');
            assert.ok(sameAddress(got.peer, u.relayed));
            assert.equal(got.data.toString(), 'over udp');
            assert.equal((await u.channelBind(0x4100, a.relayed)).cls, Class.Success);
            a.sendIndication(u.relayed, Buffer.from('to udp'));
            const atU = await u.next();
            assert.equal(atU.kind, 'channel');
            assert.equal(atU.channel, 0x4100);
            assert.equal(atU.data.toString(), 'to udp');
            assert.equal((await u.refresh(0)).cls, Class.Success);
        } finally {
            await u.close();
        }
    });
});

describe('TURN refusals', () => {
    let relay;
    before(async () => {
        relay = await startRelay(['--user', 'alice:alice-pw', '--realm', REALM, '--no-udp']);
    });
    after(async () => {
        const { code } = await relay.stop();
        assert.equal(code, 0);
    });

    test('Allocate without credentials is 401 with REALM and NONCE', async () => {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), {});
        const response = await c.allocate();
        assert.equal(response.errorCode, 401);
        assert.equal(response.get(Attr.REALM).toString(), REALM);
        assert.ok(response.get(Attr.NONCE).length > 0);
        await c.close();
    });

    test('a wrong password is 401 and logged as auth_failed', async () => {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'alice', password: 'nope', realm: REALM });
        const response = await c.allocate();
        assert.equal(response.errorCode, 401);
        await c.close();
        assert.ok(relay.lines.some((l) => l.event === 'auth_failed' && l.username === 'alice'));
    });

    test('a loopback peer is 403 without --allow-loopback-peers', async () => {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'alice', password: 'alice-pw', realm: REALM });
        assert.equal((await c.allocate()).cls, Class.Success);
        assert.equal((await c.createPermission({ ip: '127.0.0.1', port: 5000 })).errorCode, 403);
        assert.equal((await c.channelBind(0x4000, { ip: '127.0.0.1', port: 5000 })).errorCode, 403);
        assert.equal((await c.createPermission({ ip: '10.0.0.1', port: 5000 })).errorCode, 403);
        assert.equal((await c.createPermission({ ip: '169.254.169.254', port: 80 })).errorCode, 403);
        await c.close();
        assert.ok(relay.lines.some((l) => l.event === 'peer_refused'));
    });

    test('/turn without the "turn" subprotocol is refused at the handshake', async () => {
        const ws = new WebSocket(relay.wsUrl('/turn'));
        const [err] = await once(ws, 'error');
        assert.match(err.message, /400/);
    });

    test('text frames on /turn close the connection with 1003', async () => {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), {});
        c.ws.send('not binary');
        assert.equal(await c.closed, 1003);
    });

    test('garbage frames are dropped and the connection keeps working', async () => {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'alice', password: 'alice-pw', realm: REALM });
        c.send(Buffer.from([0xff, 0xff, 0xff]));
        c.send(Buffer.alloc(0));
        c.send(Buffer.from([0x00, 0x01, 0x00, 0x08, 0x21, 0x12]));
        assert.equal((await c.allocate()).cls, Class.Success);
        await c.close();
    });
});

test('REST API credentials (--use-auth-secret): a fresh username works, an expired one is 401', async () => {
    const relay = await startRelay(['--use-auth-secret', '--static-auth-secret', 'topsecret', '--realm', REALM,
        '--no-udp']);
    try {
        const fresh = `${Math.floor(Date.now() / 1000) + 3600}:carol`;
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'),
            { username: fresh, password: restPassword('topsecret', fresh), realm: REALM });
        assert.equal((await c.allocate()).cls, Class.Success);
        await c.close();
        const stale = `${Math.floor(Date.now() / 1000) - 10}:carol`;
        const d = await WsTurnClient.connect(relay.wsUrl('/turn'),
            { username: stale, password: restPassword('topsecret', stale), realm: REALM });
        assert.equal((await d.allocate()).errorCode, 401);
        await d.close();
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('--auth-failure-limit: after N failures the client IP gets no answers', async () => {
    const relay = await startRelay(['--user', 'alice:alice-pw', '--realm', REALM, '--no-udp', '--auth-failure-limit', '2']);
    try {
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), { username: 'alice', password: 'nope', realm: REALM });
        assert.equal((await c.allocate()).errorCode, 401);  // failure 1
        assert.equal((await c.allocate()).errorCode, 401);  // failure 2: limit reached
        await assert.rejects(c.allocate(), /no response/);
        assert.ok(relay.lines.some((l) => l.event === 'auth_rate_limited'));
        await c.close();
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('SIGTERM with live allocations closes them and exits 0', async () => {
    const relay = await startRelay(['--no-auth', '--listening-port', '0']);
    const c = await WsTurnClient.connect(relay.wsUrl('/turn'), {});
    assert.equal((await c.allocate()).cls, Class.Success);
    const stopped = relay.stop();
    assert.equal(await c.closed, 1001);
    assert.equal((await stopped).code, 0);
    const shutdown = relay.lines.find((l) => l.event === 'shutdown');
    assert.equal(shutdown.allocations, 1);
});
