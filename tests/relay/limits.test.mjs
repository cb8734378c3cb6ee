// Refusals and limits of the real relay over the wire: quotas (486, 508), a nonce this
// process did not issue (438), denied peer ranges (403), --max-bps, and SIGHUP reloading the
// credentials from the config file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRelay, waitForLog } from './relay_process.mjs';
import { WsTurnClient, UdpTurnClient, Class, Attr } from './turn_client.mjs';

const REALM = 'polyrtc.test';
const creds = (username, password) => ({ username, password, realm: REALM });

test('--user-quota is 486 for the same user, --total-quota is 508 for anyone', async () => {
    const relay = await startRelay(['--user', 'alice:a', '--user', 'bob:b', '--user', 'carol:c', '--realm', REALM,
        '--user-quota', '1',
        '--total-quota', '2']);
    const clients = [];
    try {
        const connect = async (c) => { const client = await WsTurnClient.connect(relay.wsUrl('/turn'), c); clients.push(client); return client; };
        assert.equal((await (await connect(creds('alice', 'a'))).allocate()).cls, Class.Success);
        assert.equal((await (await connect(creds('alice', 'a'))).allocate()).errorCode, 486);
        assert.equal((await (await connect(creds('bob', 'b'))).allocate()).cls, Class.Success);
        const third = await UdpTurnClient.connect('127.0.0.1', relay.udpPort, creds('carol', 'c'));
        clients.push(third);
        assert.equal((await third.allocate()).errorCode, 508);
        await waitForLog(relay, (l) => l.event === 'quota_reached' && l.quota === 'user');
        await waitForLog(relay, (l) => l.event === 'quota_reached' && l.quota === 'total');
    } finally {
        for (const c of clients) await c.close();
        assert.equal((await relay.stop()).code, 0);
    }
});

test('a nonce issued by another relay process is 438 Stale Nonce with a fresh one', async () => {
    const first = await startRelay(['--user', 'alice:a', '--realm', REALM]);
    const second = await startRelay(['--user', 'alice:a', '--realm', REALM]);
    try {
        const a = await UdpTurnClient.connect('127.0.0.1', first.udpPort, creds('alice', 'a'));
        assert.equal((await a.allocate()).cls, Class.Success);
        const foreignNonce = a.nonce;
        await a.close();
        const b = await UdpTurnClient.connect('127.0.0.1', second.udpPort, creds('alice', 'a'));
        b.nonce = foreignNonce;
        const response = await b.request(0x003, [[Attr.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])]]);
        assert.equal(response.errorCode, 438);
        assert.notEqual(response.get(Attr.NONCE).toString(), foreignNonce);
        // The client library's retry with the fresh nonce succeeds.
        b.nonce = response.get(Attr.NONCE).toString();
        assert.equal((await b.allocate()).cls, Class.Success);
        await b.close();
    } finally {
        assert.equal((await first.stop()).code, 0);
        assert.equal((await second.stop()).code, 0);
    }
});

test('--stale-nonce: a nonce older than its lifetime is 438, the fresh one from the 438 works', async () => {
    const relay = await startRelay(['--user', 'alice:a', '--realm', REALM, '--stale-nonce', '10']);
    try {
        const c = await UdpTurnClient.connect('127.0.0.1', relay.udpPort, creds('alice', 'a'));
        assert.equal((await c.allocate()).cls, Class.Success);
        assert.equal((await c.refresh(600)).cls, Class.Success);  // the nonce is still fresh
        await new Promise((r) => setTimeout(r, 10300));  // the shortest lifetime the relay accepts
        const stale = await c.refresh(600);
        assert.equal(stale.errorCode, 438);
        c.nonce = stale.get(Attr.NONCE).toString();
        assert.equal((await c.refresh(600)).cls, Class.Success);
        assert.equal((await c.refresh(0)).cls, Class.Success);
        await c.close();
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('--denied-peer-ip refuses its range (403) even where loopback peers are allowed', async () => {
    const relay = await startRelay(['--no-auth', '--allow-loopback-peers', '--denied-peer-ip', '127.0.0.0-127.0.0.3']);
    try {
        const c = await UdpTurnClient.connect('127.0.0.1', relay.udpPort, {});
        assert.equal((await c.allocate()).cls, Class.Success);
        assert.equal((await c.createPermission({ ip: '127.0.0.1', port: 9 })).errorCode, 403);
        assert.equal((await c.createPermission({ ip: '127.0.0.3', port: 9 })).errorCode, 403);
        assert.equal((await c.createPermission({ ip: '127.0.0.4', port: 9 })).cls, Class.Success);
        await c.close();
        await waitForLog(relay, (l) => l.event === 'peer_refused' && l.peer === '127.0.0.1');
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('--max-bps caps what one allocation relays per second and drops the rest', async () => {
    const relay = await startRelay(['--no-auth', '--allow-loopback-peers', '--max-bps', '2000']);
    try {
        const a = await UdpTurnClient.connect('127.0.0.1', relay.udpPort, {});
        const b = await UdpTurnClient.connect('127.0.0.1', relay.udpPort, {});
        assert.equal((await a.allocate()).cls, Class.Success);
        assert.equal((await b.allocate()).cls, Class.Success);
        assert.equal((await a.createPermission(b.relayed)).cls, Class.Success);
        assert.equal((await b.createPermission(a.relayed)).cls, Class.Success);
        const burst = async () => {
            for (let i = 0; i < 20; ++i) a.sendIndication(b.relayed, Buffer.alloc(500, i));
            let received = 0;
            try {
                for (;;) {
                    await b.next(300);
                    ++received;
                }
            } catch { /* nothing more within 300 ms */ }
            return received;
        };
        const first = await burst();  // 20 x 500 B against a 2000 B bucket
        assert.ok(first >= 3 && first <= 5, `received ${first} of 20 in the first second`);
        await new Promise((r) => setTimeout(r, 1100));  // the bucket refills
        const second = await burst();
        assert.ok(second >= 3 && second <= 6, `received ${second} of 20 after a refill`);
        const metrics = await (await fetch(relay.url('/metrics'))).text();
        const dropped = Number(metrics.match(/polyrtc_relay_turn_dropped_total\{reason="bandwidth"\} (\d+)/)[1]);
        assert.ok(dropped >= 28, `dropped ${dropped}`);
        await a.close();
        await b.close();
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});

test('SIGHUP reloads users and REST secrets from the config file; a broken file changes nothing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyrtc-reload-'));
    const file = path.join(dir, 'relay.conf');
    fs.writeFileSync(file, `realm=${REALM}\nuser=alice:one\n`);
    const relay = await startRelay(['-c', file]);
    const allocate = async (username, password) => {
        const c = await UdpTurnClient.connect('127.0.0.1', relay.udpPort, creds(username, password));
        const response = await c.allocate();
        if (response.cls === Class.Success) await c.refresh(0);
        await c.close();
        return response.cls === Class.Success ? 'ok' : response.errorCode;
    };
    const reload = async (event) => {
        const seen = relay.lines.filter((l) => l.event === event).length;
        relay.process.kill('SIGHUP');
        await waitForLog(relay, (l) => l.event === event && relay.lines.filter((m) => m.event === event).length > seen);
    };
    try {
        assert.equal(await allocate('alice', 'one'), 'ok');
        fs.writeFileSync(file, `realm=${REALM}\nuser=alice:two\nuser=bob:b\n`);
        await reload('credentials_reloaded');
        assert.equal(await allocate('alice', 'one'), 401);
        assert.equal(await allocate('alice', 'two'), 'ok');
        assert.equal(await allocate('bob', 'b'), 'ok');

        fs.writeFileSync(file, `realm=${REALM}\nthis is not an option line\n`);
        await reload('reload_failed');
        assert.equal(await allocate('alice', 'two'), 'ok');
        assert.ok(relay.process.exitCode === null, 'still running');
    } finally {
        assert.equal((await relay.stop()).code, 0);
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
