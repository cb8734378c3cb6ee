// --allowed-origin: WebSocket upgrades to /turn and /signal must carry an allowed Origin.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { startRelay } from './relay_process.mjs';

async function handshake(url, options) {
    const ws = new WebSocket(url, options.protocol ? [options.protocol] : [], { origin: options.origin });
    const result = await Promise.race([
        once(ws, 'open').then(() => 'open'),
        once(ws, 'unexpected-response').then(([, res]) => res.statusCode),
        once(ws, 'error').then(([err]) => err.message),
    ]);
    ws.terminate();
    return result;
}

describe('--allowed-origin', () => {
    let relay;
    before(async () => {
        relay = await startRelay(['--no-auth', '--allowed-origin', 'https://app.example', '--allowed-origin',
            'http://localhost:8080']);
    });
    after(async () => {
        assert.equal((await relay.stop()).code, 0);
    });

    test('an allowed Origin opens /signal and /turn (case and trailing slash do not matter)', async () => {
        assert.equal(await handshake(relay.wsUrl('/signal?room=o'), { origin: 'https://app.example' }), 'open');
        assert.equal(await handshake(relay.wsUrl('/turn'), { origin: 'HTTP://LOCALHOST:8080/', protocol: 'turn' }), 'open');
    });

    test('another Origin, or none, is refused with 403 and logged', async () => {
        assert.equal(await handshake(relay.wsUrl('/signal?room=o'), { origin: 'https://evil.example' }), 403);
        assert.equal(await handshake(relay.wsUrl('/turn'), { origin: 'https://app.example.evil', protocol: 'turn' }), 403);
        assert.equal(await handshake(relay.wsUrl('/turn'), { origin: 'http://localhost:8081', protocol: 'turn' }), 403);
        assert.equal(await handshake(relay.wsUrl('/signal?room=o'), {}), 403);
        assert.ok(relay.lines.some((l) => l.event === 'origin_refused' && l.origin === 'https://evil.example'));
    });

    test('plain HTTP is not subject to the Origin check', async () => {
        assert.equal((await fetch(relay.url('/healthz'))).status, 200);
    });
});

test('without --allowed-origin any Origin is accepted', async () => {
    const relay = await startRelay(['--no-auth']);
    try {
        assert.equal(await handshake(relay.wsUrl('/signal?room=o'), { origin: 'https://anything.example' }), 'open');
    } finally {
        assert.equal((await relay.stop()).code, 0);
    }
});
