// /signal?room=NAME against the real relay: text messages are relayed verbatim to the other
// members of the room, with no envelope and no join/leave notices.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { startRelay } from './relay_process.mjs';

// A connected client that queues what it receives. next() resolves with the next message
// ({data, isBinary}) or rejects after timeoutMs.
async function connect(url) {
    const ws = new WebSocket(url);
    const queue = [];
    const waiters = [];
    ws.on('message', (data, isBinary) => {
        const message = { data: isBinary ? data : data.toString(), isBinary };
        const waiter = waiters.shift();
        if (waiter) waiter(message);
        else queue.push(message);
    });
    const closed = once(ws, 'close').then(([code, reason]) => ({ code, reason: reason.toString() }));
    await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
    });
    return {
        ws,
        queue,
        closed,
        send(text) { ws.send(text); },
        next(timeoutMs = 2000) {
            if (queue.length) return Promise.resolve(queue.shift());
            return new Promise((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error('no message within timeout')), timeoutMs);
                waiters.push((m) => { clearTimeout(timer); resolve(m); });
            });
        },
        async close() {
            if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000);
            return closed;
        },
    };
}

// Round trip through the relay so earlier messages have been processed.
async function settle(a, b) {
    a.send('__settle__');
    assert.deepEqual(await b.next(), { data: '__settle__', isBinary: false });
}

describe('/signal rooms', () => {
    let relay;
    before(async () => {
        relay = await startRelay(['--no-auth', '--signal-max-room-size', '3', '--signal-max-message-size', '1024']);
    });
    after(async () => {
        const { code } = await relay.stop();
        assert.equal(code, 0);
        assert.deepEqual(relay.nonJson, []);
    });

    test('two clients exchange text verbatim, no join notices', async () => {
        const a = await connect(relay.wsUrl('/signal?room=pair'));
        const b = await connect(relay.wsUrl('/signal?room=pair'));
        const offer = JSON.stringify({ description: { type: 'offer', sdp: 'v=0\r\n...' } });
        a.send(offer);
        assert.deepEqual(await b.next(), { data: offer, isBinary: false });
        b.send('answer: ünïcödé ✓');
        assert.deepEqual(await a.next(), { data: 'answer: ünïcödé ✓', isBinary: false });
        // a never saw its own message nor a notice that b joined
        assert.equal(a.queue.length, 0);
        assert.equal(b.queue.length, 0);
        await a.close();
        await b.close();
    });

    test('three clients: each message fans out to the two others only', async () => {
        const [a, b, c] = await Promise.all(['x', 'y', 'z'].map(() => connect(relay.wsUrl('/signal?room=trio'))));
        a.send('from a');
        assert.equal((await b.next()).data, 'from a');
        assert.equal((await c.next()).data, 'from a');
        c.send('from c');
        assert.equal((await a.next()).data, 'from c');
        assert.equal((await b.next()).data, 'from c');
        await settle(b, a);
        await settle(b, c);
        assert.equal(a.queue.length + b.queue.length + c.queue.length, 0);
        await Promise.all([a.close(), b.close(), c.close()]);
    });

    test('rooms are isolated', async () => {
        const a1 = await connect(relay.wsUrl('/signal?room=one'));
        const a2 = await connect(relay.wsUrl('/signal?room=one'));
        const b1 = await connect(relay.wsUrl('/signal?room=two'));
        const b2 = await connect(relay.wsUrl('/signal?room=two'));
        a1.send('secret of one');
        b1.send('secret of two');
        assert.equal((await a2.next()).data, 'secret of one');
        assert.equal((await b2.next()).data, 'secret of two');
        await settle(a1, a2);
        await settle(b1, b2);
        assert.equal(b1.queue.length + b2.queue.length + a1.queue.length + a2.queue.length, 0);
        await Promise.all([a1.close(), a2.close(), b1.close(), b2.close()]);
    });

    test('a member that left no longer receives; the room goes on', async () => {
        const a = await connect(relay.wsUrl('/signal?room=leave'));
        const b = await connect(relay.wsUrl('/signal?room=leave'));
        const c = await connect(relay.wsUrl('/signal?room=leave'));
        await b.close();
        a.send('after b left');
        assert.equal((await c.next()).data, 'after b left');
        assert.equal(b.queue.length, 0);
        await Promise.all([a.close(), c.close()]);
    });

    test('a message over the size limit closes the sender with 1009 and is not relayed', async () => {
        const a = await connect(relay.wsUrl('/signal?room=big'));
        const b = await connect(relay.wsUrl('/signal?room=big'));
        a.send('x'.repeat(1024));  // exactly the limit: relayed
        assert.equal((await b.next()).data.length, 1024);
        a.send('y'.repeat(1025));
        const { code } = await a.closed;
        assert.equal(code, 1009);
        await assert.rejects(b.next(300));
        await b.close();
    });

    test('the room size is bounded: the extra member is closed with 1013', async () => {
        const members = await Promise.all([1, 2, 3].map(() => connect(relay.wsUrl('/signal?room=full'))));
        const extra = await connect(relay.wsUrl('/signal?room=full'));
        const { code, reason } = await extra.closed;
        assert.equal(code, 1013);
        assert.equal(reason, 'room full');
        await members[0].close();
        const late = await connect(relay.wsUrl('/signal?room=full'));  // a seat is free again
        late.send('hello');
        assert.equal((await members[1].next()).data, 'hello');
        await Promise.all([members[1].close(), members[2].close(), late.close()]);
    });

    test('invalid or missing room names are closed with 1008', async () => {
        for (const target of ['/signal', '/signal?room=', '/signal?room=has%20space', `/signal?room=${'r'.repeat(65)}`]) {
            const client = await connect(relay.wsUrl(target));
            const { code } = await client.closed;
            assert.equal(code, 1008, target);
        }
    });

    test('binary messages are refused with 1003', async () => {
        const a = await connect(relay.wsUrl('/signal?room=bin'));
        const b = await connect(relay.wsUrl('/signal?room=bin'));
        a.ws.send(Buffer.from([1, 2, 3]));
        assert.equal((await a.closed).code, 1003);
        await assert.rejects(b.next(300));
        await b.close();
    });

    test('an unknown WebSocket path is refused at the handshake', async () => {
        const ws = new WebSocket(relay.wsUrl('/nope'));
        const [err] = await once(ws, 'error');
        assert.match(err.message, /404/);
    });
});

test('SIGTERM closes open signaling connections with 1001 and exits 0', async () => {
    const relay = await startRelay(['--no-auth']);
    const a = await connect(relay.wsUrl('/signal?room=bye'));
    const b = await connect(relay.wsUrl('/signal?room=bye'));
    const stopped = relay.stop();
    const [closeA, closeB] = await Promise.all([a.closed, b.closed]);
    assert.equal(closeA.code, 1001);
    assert.equal(closeB.code, 1001);
    const { code, signal } = await stopped;
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.ok(relay.lines.some((l) => l.event === 'shutdown'));
    assert.equal(relay.lines.at(-1).event, 'stopped');
});
