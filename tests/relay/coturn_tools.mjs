// coturn's real tools (Debian package `coturn`), for the relay's interop tests and benchmark:
// turnutils_uclient (a standard TURN client), turnutils_peer (a UDP echo peer) and
// turnserver itself (the reference in the benchmark). Everything binds 127.0.0.1 on ports
// the system picked free, and every process started here is stopped by its caller.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// A UDP port (and the same number over TCP) that is free right now on 127.0.0.1.
export async function freePort() {
    for (let attempt = 0; attempt < 20; ++attempt) {
        const socket = dgram.createSocket('udp4');
        await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
        const { port } = socket.address();
        const tcpFree = await new Promise((resolve) => {
            const server = net.createServer();
            server.once('error', () => resolve(false));
            server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
        });
        await new Promise((resolve) => socket.close(resolve));
        if (tcpFree) return port;
    }
    throw new Error('no free port found');
}

// Sends a STUN Binding request to 127.0.0.1:port until something answers (the server is up).
export async function waitForUdp(port, timeoutMs = 5000) {
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const binding = Buffer.from('000100002112a442' + '0102030405060708090a0b0c', 'hex');
    const deadline = Date.now() + timeoutMs;
    try {
        for (;;) {
            socket.send(binding, port, '127.0.0.1');
            const answered = await Promise.race([
                once(socket, 'message').then(() => true),
                new Promise((resolve) => setTimeout(() => resolve(false), 100)),
            ]);
            if (answered) return;
            if (Date.now() > deadline) throw new Error(`nothing answers on udp port ${port}`);
        }
    } finally {
        socket.close();
    }
}

function stopper(child) {
    const exited = once(child, 'exit');
    return async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
    };
}

// turnutils_peer: echoes every UDP datagram back to its sender. {port, stop()}.
export async function startPeer() {
    const port = await freePort();
    const child = spawn('turnutils_peer', ['-L', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const stop = stopper(child);
    try {
        await waitForUdp(port);
    } catch (error) {
        await stop();
        throw error;
    }
    return { port, stop };
}

// Runs turnutils_uclient to completion, in Send-indication mode (-s: its ChannelBind numbers
// go past RFC 8656's 0x4FFF) without RTCP allocations (-c: those ask for EVEN-PORT with a
// reservation, which the relay refuses with 508). Options:
//   port, tcp (bool), tls (bool), user, password | secret (REST, -W), peerPort, clients (-m),
//   messages (-n per client), length (-l), intervalMs (-z), timeoutMs
// Resolves {code, output, sent, received, lost, lossPercent, rttMs, transmitS}; figures are
// null when the client did not get as far as printing them (e.g. refused allocations).
export async function runUclient(options) {
    const args = ['-s', '-c', '-e', '127.0.0.1', '-r', String(options.peerPort), '-p', String(options.port),
        '-n', String(options.messages ?? 20), '-m', String(options.clients ?? 1), '-l', String(options.length ?? 120),
        '-z', String(options.intervalMs ?? 20), '-u', options.user];
    if (options.secret) args.push('-W', options.secret);
    else args.push('-w', options.password);
    if (options.tcp || options.tls) args.push('-t');
    if (options.tls) args.push('-S');
    args.push('127.0.0.1');
    const child = spawn('turnutils_uclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30000);
    const [code] = await once(child, 'exit');
    clearTimeout(timer);
    return { code, output, ...parseUclient(output) };
}

export function parseUclient(output) {
    const num = (re) => {
        const m = output.match(re);
        return m ? Number(m[1]) : null;
    };
    const totals = [...output.matchAll(/tot_send_msgs=(\d+), tot_recv_msgs=(\d+)\s*$/gm)].pop();
    return {
        sent: totals ? Number(totals[1]) : null,
        received: totals ? Number(totals[2]) : null,
        lost: num(/Total lost packets (\d+)/),
        lossPercent: num(/Total lost packets \d+ \(([\d.]+)%\)/),
        rttMs: num(/Average round trip delay ([\d.]+) ms/),
        transmitS: num(/Total transmit time is (\d+)/),
    };
}

// coturn's turnserver on loopback for the benchmark: UDP and TCP on `port`, relayed ports
// from [minPort, maxPort], long-term credentials. {port, pid, stop()}.
export async function startCoturn({ user, password, realm, minPort, maxPort }) {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'polyrtc-coturn-'));
    const args = ['-n', '--listening-ip=127.0.0.1', `--listening-port=${port}`, '--relay-ip=127.0.0.1',
        `--min-port=${minPort}`, `--max-port=${maxPort}`, '--lt-cred-mech', `--user=${user}:${password}`,
        `--realm=${realm}`, '--allow-loopback-peers', '--no-cli', '--no-tls', '--no-dtls', '--no-stun-backward-compatibility',
        `--pidfile=${path.join(dir, 'turnserver.pid')}`, `--log-file=${path.join(dir, 'turnserver.log')}`,
        '--simple-log'];
    const child = spawn('turnserver', args, { stdio: 'ignore' });
    const stop = stopper(child);
    try {
        await waitForUdp(port);
    } catch (error) {
        await stop();
        throw error;
    }
    return {
        port,
        pid: child.pid,
        async stop() {
            await stop();
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

// Resident set size of a process in KiB (Linux /proc).
export function rssKiB(pid) {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]);
}
