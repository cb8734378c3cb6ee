// TURN relay benchmark: the same turnutils_uclient load (coturn's own load generator)
// against polyrtc-relay and against coturn's turnserver, started side by side on loopback in
// this run, with one turnutils_peer echoing for both. Figures, not pass/fail.
//
// Load: each uclient client allocates, permits the peer and sends N Send indications of
// SIZE bytes every INTERVAL ms (its RTP-stream model); the peer echoes each one back as a
// Data indication. Per run: "delivered/s" = echoes received / (N x INTERVAL), i.e. the
// rate that came back at the offered rate (offered/s = clients x 1000 / INTERVAL), loss and
// average RTT as uclient reports them. Runs alternate polyrtc, coturn for each case.
// Memory: RSS of each server before and while uclient holds ALLOCS allocations (-h),
// divided by the allocations made, measured first on fresh processes.
//
// WebSocket: two TURN-over-WebSocket clients (the polyfill's transport) on polyrtc-relay
// exchange ChannelData through their relayed sockets, a window of messages in flight; the
// reference is the same with two TURN-over-UDP clients on the same relay in this run.
//
// Bounded: loopback only, a fixed number of messages per run, every process stopped at the
// end (also on failure). About two minutes on an otherwise idle 2-core machine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startRelay } from '../relay/relay_process.mjs';
import { startPeer, startCoturn, runUclient, rssKiB } from '../relay/coturn_tools.mjs';
import { WsTurnClient, UdpTurnClient } from '../relay/turn_client.mjs';

const USER = 'bench';
const PASSWORD = 'bench-pw';
const REALM = 'bench.test';
const INTERVAL_MS = 2;
const MESSAGES = 150;  // per client: 0.3 s of sending at 2 ms
const ALLOCS = 100;    // uclient clients held for the memory figure

const cases = [];
for (const transport of ['udp', 'tcp']) {
    for (const clients of [1, 10, 50]) {
        for (const size of [120, 1000]) cases.push({ transport, clients, size });
    }
}

const fmt = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : v.toFixed(digits));
const pad = (s, n) => String(s).padStart(n);

// Holds `clients` allocations with uclient -h until RSS is read; returns allocations made.
async function holdAllocations(port, peerPort, clients, countAllocations) {
    const args = ['-s', '-c', '-h', '-e', '127.0.0.1', '-r', String(peerPort), '-p', String(port), '-n', '1', '-m',
        String(clients), '-l', '120', '-u', USER, '-w', PASSWORD, '127.0.0.1'];
    const child = spawn('turnutils_uclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const exited = once(child, 'exit');
    try {
        const deadline = Date.now() + 20000;
        // Every client sent its one message and got the echo: all allocations are up.
        while (!new RegExp(`tot_recv_msgs=${clients}\\b`).test(output)) {
            if (Date.now() > deadline || child.exitCode !== null) throw new Error(`uclient did not allocate:\n${output}`);
            await new Promise((r) => setTimeout(r, 100));
        }
        await new Promise((r) => setTimeout(r, 300));
        return await countAllocations();
    } finally {
        child.kill('SIGKILL');
        await exited;
    }
}

// A sends `count` ChannelData messages of `size` bytes to B through the relay, at most
// `window` unanswered at once; messages not arrived 500 ms after the last progress count as
// lost. Resolves {perSecond, mbps, lossPercent}.
async function channelThroughput(a, b, count, size, window = 256) {
    await a.allocate();
    await b.allocate();
    await a.channelBind(0x4000, b.relayed);
    await b.channelBind(0x4001, a.relayed);  // B gets ChannelData, not Data indications
    let received = 0;
    let wake = null;
    const original = b.receive.bind(b);
    b.receive = (buf) => {
        if (buf[0] >> 6 !== 1) return original(buf);
        ++received;
        if (wake) wake();
    };
    const payload = Buffer.alloc(size, 0x5a);
    const started = performance.now();
    let sent = 0;
    let lost = 0;
    let lastProgress = Date.now();
    let lastReceived = 0;
    while (received + lost < count) {
        while (sent < count && sent - received - lost < window) {
            a.sendChannelData(0x4000, payload);
            ++sent;
        }
        await new Promise((resolve) => {
            wake = resolve;
            setTimeout(resolve, 50);
        });
        wake = null;
        if (received !== lastReceived) {
            lastReceived = received;
            lastProgress = Date.now();
        } else if (Date.now() - lastProgress > 500) {
            lost = sent - received;  // in flight for 500 ms without progress: gone
            lastProgress = Date.now();
        }
    }
    const seconds = (performance.now() - started - (lost ? 500 : 0)) / 1000;
    await a.close();
    await b.close();
    return { perSecond: received / seconds, mbps: (received * size * 8) / seconds / 1e6,
        lossPercent: (100 * lost) / count };
}

async function main() {
    let peer;
    let polyrtc;
    let coturn;
    const started = Date.now();
    try {
        peer = await startPeer();
        polyrtc = await startRelay(['--user', `${USER}:${PASSWORD}`, '--realm', REALM, '--allow-loopback-peers',
            '--min-port', '40000', '--max-port', '44999', '--auth-failure-limit', '0', '--turn-idle-timeout', '0']);
        coturn = await startCoturn({ user: USER, password: PASSWORD, realm: REALM, minPort: 45000, maxPort: 49999 });
        console.log(`polyrtc-relay pid ${polyrtc.process.pid} (UDP/TCP ${polyrtc.udpPort}), ` +
            `coturn turnserver pid ${coturn.pid} (UDP/TCP ${coturn.port}), turnutils_peer ${peer.port}`);

        // Memory per allocation, on fresh processes.
        const healthAllocations = async () => (await (await fetch(polyrtc.url('/healthz'))).json()).allocations;
        const memory = {};
        for (const [name, server] of [['polyrtc', { port: polyrtc.udpPort, pid: polyrtc.process.pid }],
            ['coturn', { port: coturn.port, pid: coturn.pid }]]) {
            const before = rssKiB(server.pid);
            let during = before;
            const made = await holdAllocations(server.port, peer.port, ALLOCS, async () => {
                during = rssKiB(server.pid);
                return name === 'polyrtc' ? healthAllocations() : null;
            });
            memory[name] = { before, during, made };
        }
        // uclient makes the same allocations on both; polyrtc's /healthz counts them.
        const allocations = memory.polyrtc.made || ALLOCS;
        console.log(`\nmemory with ${allocations} allocations held by uclient -m ${ALLOCS} (UDP):`);
        for (const name of ['polyrtc', 'coturn']) {
            const m = memory[name];
            console.log(`  ${name.padEnd(8)} RSS ${m.before} KiB -> ${m.during} KiB: ` +
                `${fmt(((m.during - m.before) * 1024) / allocations)} B per allocation`);
        }
        const perP = (memory.polyrtc.during - memory.polyrtc.before) / allocations;
        const perC = (memory.coturn.during - memory.coturn.before) / allocations;
        console.log(`  polyrtc/coturn memory per allocation: ${perC > 0 ? fmt(perP / perC, 2) : '-'}`);

        console.log(`\nload: ${MESSAGES} Send indications per client every ${INTERVAL_MS} ms, echoed by the peer`);
        console.log('transport clients size offered/s | polyrtc delivered/s  loss%  rtt-ms | coturn delivered/s  loss%  rtt-ms | ratio');
        const ratios = [];
        for (const c of cases) {
            const offered = (c.clients * 1000) / INTERVAL_MS;
            const results = {};
            for (const [name, port] of [['polyrtc', polyrtc.udpPort], ['coturn', coturn.port]]) {
                const r = await runUclient({ port, tcp: c.transport === 'tcp', user: USER, password: PASSWORD,
                    peerPort: peer.port, clients: c.clients, messages: MESSAGES, length: c.size,
                    intervalMs: INTERVAL_MS, timeoutMs: 30000 });
                const delivered = r.received === null ? null : r.received / ((MESSAGES * INTERVAL_MS) / 1000);
                results[name] = { ...r, delivered };
            }
            const p = results.polyrtc;
            const k = results.coturn;
            const ratio = p.delivered && k.delivered ? p.delivered / k.delivered : null;
            if (ratio) ratios.push(ratio);
            console.log(`${c.transport.padEnd(9)} ${pad(c.clients, 7)} ${pad(c.size, 4)} ${pad(offered, 9)} | ` +
                `${pad(fmt(p.delivered), 19)} ${pad(fmt(p.lossPercent, 2), 6)} ${pad(fmt(p.rttMs, 2), 7)} | ` +
                `${pad(fmt(k.delivered), 18)} ${pad(fmt(k.lossPercent, 2), 6)} ${pad(fmt(k.rttMs, 2), 7)} | ${fmt(ratio, 2)}`);
        }
        const geo = ratios.length ? Math.exp(ratios.reduce((a, r) => a + Math.log(r), 0) / ratios.length) : null;
        console.log(`\npolyrtc/coturn delivered messages/s, geometric mean over ${ratios.length} cases: ${fmt(geo, 2)}`);

        console.log('\nTURN over WebSocket vs UDP on polyrtc-relay: 10000 ChannelData messages A -> B, 256 in flight');
        const creds = { username: USER, password: PASSWORD, realm: REALM };
        for (const size of [120, 1000]) {
            const ws = await channelThroughput(await WsTurnClient.connect(polyrtc.wsUrl('/turn'), creds),
                await WsTurnClient.connect(polyrtc.wsUrl('/turn'), creds), 10000, size);
            const udp = await channelThroughput(await UdpTurnClient.connect('127.0.0.1', polyrtc.udpPort, creds),
                await UdpTurnClient.connect('127.0.0.1', polyrtc.udpPort, creds), 10000, size);
            console.log(`  ${pad(size, 4)} B  WebSocket ${pad(fmt(ws.perSecond), 6)} msg/s ${pad(fmt(ws.mbps, 1), 6)} Mbit/s ` +
                `loss ${fmt(ws.lossPercent, 2)}% | UDP ${pad(fmt(udp.perSecond), 6)} msg/s ${pad(fmt(udp.mbps, 1), 6)} Mbit/s ` +
                `loss ${fmt(udp.lossPercent, 2)}% | WebSocket/UDP ${fmt(ws.perSecond / udp.perSecond, 2)}`);
        }
        console.log(`final RSS: polyrtc ${rssKiB(polyrtc.process.pid)} KiB, coturn ${rssKiB(coturn.pid)} KiB; ` +
            `bench took ${fmt((Date.now() - started) / 1000)} s`);
    } finally {
        await polyrtc?.stop();
        await coturn?.stop();
        await peer?.stop();
    }
}

await main();
