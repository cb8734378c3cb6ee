// Interop with coturn's own client: turnutils_uclient (Debian `coturn`) allocates on the real
// relay over UDP, TCP and TLS, with static long-term and with REST (use-auth-secret)
// credentials, sends Send indications to turnutils_peer (a UDP echo peer) through its relayed
// address and counts what comes back as Data indications. Every message must come back.
// uclient picks ChannelBind numbers up to 0x7FFF, which RFC 8656 forbids, so it runs in its
// Send-indication mode (-s).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRelay, waitForLog } from './relay_process.mjs';
import { startPeer, runUclient } from './coturn_tools.mjs';
import { makeCertificate } from './tls_fixture.mjs';

const REALM = 'polyrtc.test';
const SECRET = 'uclient-secret';

function assertNoLoss(result, expected) {
    assert.equal(result.sent, expected, `uclient sent ${result.sent}, expected ${expected}\n${result.output}`);
    assert.equal(result.received, expected, `uclient received ${result.received} of ${expected}\n${result.output}`);
    assert.equal(result.lost, 0);
}

describe('turnutils_uclient against the relay', () => {
    let relay;
    let peer;
    let certificate;
    before(async () => {
        peer = await startPeer();
        certificate = makeCertificate();
        relay = await startRelay(['--user', 'alice:alice-pw', '--use-auth-secret', '--static-auth-secret', SECRET,
            '--realm', REALM, '--allow-loopback-peers', '--cert', certificate.cert, '--pkey', certificate.pkey,
            '--tls-listening-port', '0',
            // uclient retries a refused Allocate many times: without this, the wrong-password
            // test would get 127.0.0.1 rate limited for the tests after it.
            '--auth-failure-limit', '0']);
    });
    after(async () => {
        const stopped = await relay?.stop();
        await peer?.stop();
        certificate?.remove();
        assert.equal(stopped?.code, 0);
        assert.deepEqual(relay.nonJson, []);
    });

    test('listens for TURN over UDP and TCP on one port number, and TLS', () => {
        assert.equal(relay.listening.turn_tcp_port, relay.listening.turn_udp_port);
        assert.ok(relay.listening.turn_tls_port > 0);
        assert.equal(relay.listening.http_tls, true);
    });

    const runs = [
        { name: 'UDP, long-term credentials', tcp: false, auth: { user: 'alice', password: 'alice-pw' } },
        { name: 'TCP, long-term credentials', tcp: true, auth: { user: 'alice', password: 'alice-pw' } },
        { name: 'UDP, REST credentials', tcp: false, auth: { user: 'carol', secret: SECRET } },
        { name: 'TCP, REST credentials', tcp: true, auth: { user: 'carol', secret: SECRET } },
        { name: 'TLS, long-term credentials', tls: true, auth: { user: 'alice', password: 'alice-pw' } },
    ];
    for (const run of runs) {
        test(`${run.name}: 2 clients x 40 messages of 120 B all come back`, async () => {
            const result = await runUclient({ port: run.tls ? relay.listening.turn_tls_port : relay.udpPort,
                tcp: run.tcp, tls: run.tls, ...run.auth, peerPort: peer.port, clients: 2, messages: 40, length: 120 });
            assertNoLoss(result, 80);
        });
    }

    test('the allocations were made over the transport asked for', () => {
        const created = relay.lines.filter((l) => l.event === 'allocation_created');
        for (const transport of ['udp', 'tcp', 'tls']) {
            assert.ok(created.some((l) => l.client.startsWith(transport)), `an allocation over ${transport}`);
        }
        assert.ok(created.some((l) => /^\d+:carol$/.test(l.username)), 'a REST username');
    });

    test('a wrong password gets nothing relayed and is logged as auth_failed', async () => {
        const result = await runUclient({ port: relay.udpPort, user: 'alice', password: 'wrong', peerPort: peer.port,
            clients: 1, messages: 5, timeoutMs: 15000 });
        assert.ok(!result.received, `nothing may come back\n${result.output}`);
        await waitForLog(relay, (l) => l.event === 'auth_failed' && l.username === 'alice');
    });

    test('a wrong REST secret gets nothing relayed', async () => {
        const result = await runUclient({ port: relay.udpPort, tcp: true, user: 'dave', secret: 'not-the-secret',
            peerPort: peer.port, clients: 1, messages: 5, timeoutMs: 15000 });
        assert.ok(!result.received, `nothing may come back\n${result.output}`);
        await waitForLog(relay, (l) => l.event === 'auth_failed' && /^\d+:dave$/.test(l.username));
    });
});

test('turnutils_uclient: a denied peer range gets nothing relayed', async () => {
    const peer = await startPeer();
    const relay = await startRelay(['--user', 'alice:alice-pw', '--realm', REALM, '--allow-loopback-peers',
        '--denied-peer-ip', '127.0.0.1']);
    try {
        const result = await runUclient({ port: relay.udpPort, user: 'alice', password: 'alice-pw', peerPort: peer.port,
            clients: 1, messages: 5, timeoutMs: 15000 });
        assert.ok(!result.received, `nothing may come back\n${result.output}`);
        await waitForLog(relay, (l) => l.event === 'peer_refused' && l.peer === '127.0.0.1');
    } finally {
        assert.equal((await relay.stop()).code, 0);
        await peer.stop();
    }
});
