// TURN over TCP and TLS through the real relay (RFC 8656 section 12.5 framing), with the
// test's own stream client: each connection is one 5-tuple, messages are framed by their
// lengths, ChannelData is padded to 4 bytes. Plus wss:// and https on the HTTP port with
// --cert/--pkey, and --no-udp/--no-tcp/--no-tls.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import WebSocket from 'ws';
import { startRelay, waitForLog } from './relay_process.mjs';
import { StreamTurnClient, UdpTurnClient, WsTurnClient, Class, sameAddress, Method } from './turn_client.mjs';
import { makeCertificate } from './tls_fixture.mjs';

const REALM = 'polyrtc.test';
const ALICE = { username: 'alice', password: 'alice-pw', realm: REALM };

function httpsGet(url) {
    return new Promise((resolve, reject) => {
        https.get(url, { rejectUnauthorized: false, agent: false }, (res) => {
            let body = '';
            res.on('data', (d) => { body += d; });
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
        }).on('error', reject);
    });
}

describe('TURN over TCP and TLS', () => {
    let relay;
    let certificate;
    before(async () => {
        certificate = makeCertificate();
        relay = await startRelay(['--user', 'alice:alice-pw', '--realm', REALM, '--allow-loopback-peers',
            '--cert', certificate.cert, '--pkey', certificate.pkey, '--tls-listening-port', '0']);
    });
    after(async () => {
        const { code } = await relay.stop();
        certificate.remove();
        assert.equal(code, 0);
        assert.deepEqual(relay.nonJson, []);
    });

    for (const secure of [false, true]) {
        const name = secure ? 'TLS' : 'TCP';
        test(`${name}: Allocate, Send to a UDP client and Data back, then ChannelData both ways`, async () => {
            const port = secure ? relay.listening.turn_tls_port : relay.listening.turn_tcp_port;
            const a = await StreamTurnClient.connect('127.0.0.1', port, ALICE, { tls: secure });
            const b = await UdpTurnClient.connect('127.0.0.1', relay.udpPort, ALICE);
            try {
                assert.equal((await a.allocate()).cls, Class.Success);
                assert.equal((await b.allocate()).cls, Class.Success);
                assert.equal((await a.createPermission(b.relayed)).cls, Class.Success);
                assert.equal((await b.createPermission(a.relayed)).cls, Class.Success);
                a.sendIndication(b.relayed, Buffer.from(`over ${name}`));
                const atB = await b.next();
                assert.equal(atB.kind, 'data');
                assert.ok(sameAddress(atB.peer, a.relayed));
                assert.equal(atB.data.toString(), `over ${name}`);
                b.sendIndication(a.relayed, Buffer.from('back'));
                const atA = await a.next();
                assert.equal(atA.kind, 'data');
                assert.equal(atA.data.toString(), 'back');

                assert.equal((await a.channelBind(0x4001, b.relayed)).cls, Class.Success);
                assert.equal((await b.channelBind(0x4002, a.relayed)).cls, Class.Success);
                const odd = Buffer.from([1, 2, 3, 4, 5]);  // 5 bytes: padded to 8 over the stream
                a.sendChannelData(0x4001, odd);
                const cb = await b.next();
                assert.equal(cb.kind, 'channel');
                assert.deepEqual(cb.data, odd);
                b.sendChannelData(0x4002, Buffer.from('xyz'));
                const ca = await a.next();
                assert.equal(ca.kind, 'channel');
                assert.equal(ca.channel, 0x4001);
                assert.equal(ca.data.toString(), 'xyz');
                // A second message right behind the first, in one write: both are framed.
                b.sendChannelData(0x4002, Buffer.from('one'));
                b.sendChannelData(0x4002, Buffer.from('two'));
                assert.equal((await a.next()).data.toString(), 'one');
                assert.equal((await a.next()).data.toString(), 'two');
            } finally {
                await a.close();
                await b.close();
            }
        });
    }

    test('/metrics and /healthz count TURN over TCP and TLS connections', async () => {
        const a = await StreamTurnClient.connect('127.0.0.1', relay.listening.turn_tcp_port, ALICE);
        const b = await StreamTurnClient.connect('127.0.0.1', relay.listening.turn_tls_port, ALICE, { tls: true });
        assert.equal((await b.allocate()).cls, Class.Success);  // the TLS handshake is done
        const metrics = (await httpsGet(relay.url('/metrics'))).body;
        assert.match(metrics, /polyrtc_relay_turn_stream_connections\{transport="tcp"\} 1\n/);
        assert.match(metrics, /polyrtc_relay_turn_stream_connections\{transport="tls"\} 1\n/);
        assert.equal(JSON.parse((await httpsGet(relay.url('/healthz'))).body).connections, 2);
        await a.close();
        await b.close();
    });

    test('a message split across TCP segments is reassembled', async () => {
        const a = await StreamTurnClient.connect('127.0.0.1', relay.listening.turn_tcp_port, ALICE);
        const realSend = a.send.bind(a);
        a.send = (buf) => {
            realSend(buf.subarray(0, 7));
            setTimeout(() => realSend(buf.subarray(7)), 30);
        };
        assert.equal((await a.allocate()).cls, Class.Success);
        await a.close();
    });

    test('closing the TCP connection releases its allocation', async () => {
        const a = await StreamTurnClient.connect('127.0.0.1', relay.listening.turn_tcp_port, ALICE);
        assert.equal((await a.allocate()).cls, Class.Success);
        const before = relay.lines.filter((l) => l.event === 'allocation_deleted' && l.reason === 'client_closed').length;
        await a.close();
        const deadline = Date.now() + 3000;
        while (relay.lines.filter((l) => l.event === 'allocation_deleted' && l.reason === 'client_closed').length === before) {
            assert.ok(Date.now() < deadline, 'allocation_deleted client_closed logged');
            await new Promise((r) => setTimeout(r, 20));
        }
    });

    test('bytes that are neither STUN nor ChannelData close the connection', async () => {
        const socket = net.connect(relay.listening.turn_tcp_port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        socket.write(Buffer.from([0xff, 0xee, 0x00, 0x10]));
        await new Promise((resolve) => socket.once('close', resolve));
    });

    test('a STUN Binding over TCP is answered (no credentials needed)', async () => {
        const a = await StreamTurnClient.connect('127.0.0.1', relay.listening.turn_tcp_port, {});
        const response = await a.request(Method.Binding, [], { sign: false });
        assert.equal(response.cls, Class.Success);
        await a.close();
    });

    test('the HTTP port speaks https and wss with --cert/--pkey', async () => {
        const health = await httpsGet(relay.url('/healthz'));
        assert.equal(health.status, 200);
        assert.equal(JSON.parse(health.body).status, 'ok');
        assert.match(relay.wsUrl('/turn'), /^wss:/);
        const ws = new WebSocket(relay.wsUrl('/turn'), 'turn', { rejectUnauthorized: false });
        await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
        ws.close();
        const c = await WsTurnClient.connect(relay.wsUrl('/turn'), ALICE, { rejectUnauthorized: false });
        assert.equal((await c.allocate()).cls, Class.Success);
        await c.close();
    });
});

test('--no-udp, --no-tcp and --no-tls leave those listeners out', async () => {
    const certificate = makeCertificate();
    const relay = await startRelay(['--no-auth', '--no-udp', '--no-tcp', '--no-tls', '--cert', certificate.cert,
        '--pkey', certificate.pkey, '--tls-listening-port', '0']);
    try {
        assert.equal(relay.listening.turn_udp_port, undefined);
        assert.equal(relay.listening.turn_tcp_port, undefined);
        assert.equal(relay.listening.turn_tls_port, undefined);
        assert.equal(relay.listening.http_tls, true);  // --no-tls is about TURN over TLS only
    } finally {
        assert.equal((await relay.stop()).code, 0);
        certificate.remove();
    }
});

test('an unreadable certificate is a tls_failed error and exit 1', async () => {
    const certificate = makeCertificate();
    try {
        await assert.rejects(startRelay(['--no-auth', '--cert', certificate.pkey, '--pkey', certificate.pkey]),
            /exited with 1/);
    } finally {
        certificate.remove();
    }
});

test('a TCP client that never allocates is closed after --turn-idle-timeout', async () => {
    const relay = await startRelay(['--no-auth', '--turn-idle-timeout', '1']);
    try {
        const socket = net.connect(relay.listening.turn_tcp_port, '127.0.0.1');
        await new Promise((resolve) => socket.once('connect', resolve));
        const started = Date.now();
        await new Promise((resolve) => socket.once('close', resolve));
        assert.ok(Date.now() - started < 4000);
        await waitForLog(relay, (l) => l.event === 'turn_stream_idle');
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('SIGTERM closes TURN over TCP connections and exits 0', async () => {
    const relay = await startRelay(['--no-auth']);
    const a = await StreamTurnClient.connect('127.0.0.1', relay.listening.turn_tcp_port, {});
    assert.equal((await a.allocate()).cls, Class.Success);
    const { code } = await relay.stop();
    assert.equal(code, 0);
    await a.closed;
});
