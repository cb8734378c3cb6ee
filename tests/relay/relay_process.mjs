// Starts the real polyrtc-relay binary for integration tests.
//
// The binary is $POLYRTC_RELAY_BIN, or build/native/relay/polyrtc-relay under the repository
// root. It is started on an ephemeral port (--http-port 0 unless the caller passes one);
// the bound port is read from its first JSON log line. Every test that starts a relay stops
// it (SIGTERM, then SIGKILL after a grace period) and can check its exit code.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const relayBin = process.env.POLYRTC_RELAY_BIN
    ? path.resolve(repoRoot, process.env.POLYRTC_RELAY_BIN)
    : path.join(repoRoot, 'build', 'native', 'relay', 'polyrtc-relay');

// Runs the relay to completion (for option errors, --help): {code, stdout, stderr}.
export async function runRelay(args, { timeoutMs = 5000 } = {}) {
    const child = spawn(relayBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [code, signal] = await once(child, 'exit');
    clearTimeout(timer);
    return { code, signal, stdout, stderr };
}

// Starts a relay (HTTP and TURN/UDP on ephemeral ports unless the caller names them) and
// resolves once it logged "listening". Returns
// { port, udpPort, process, lines, listening, stop() }; `lines` collects every parsed stdout
// JSON line (a line that is not JSON fails the test via `nonJson`).
export async function startRelay(args, { timeoutMs = 5000 } = {}) {
    const fullArgs = args.includes('--http-port') ? args : ['--http-port', '0', ...args];
    if (!fullArgs.includes('--listening-ip')) fullArgs.push('--listening-ip', '127.0.0.1');
    // Never the real TURN port 3478: tests run side by side (and next to a coturn).
    if (!fullArgs.includes('--listening-port') && !fullArgs.includes('--no-udp')) fullArgs.push('--listening-port', '0');
    const child = spawn(relayBin, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    const nonJson = [];
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const exited = once(child, 'exit');
    const rl = readline.createInterface({ input: child.stdout });
    const listening = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`relay did not log "listening" within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        rl.on('line', (line) => {
            let parsed;
            try {
                parsed = JSON.parse(line);
            } catch {
                nonJson.push(line);
                return;
            }
            lines.push(parsed);
            if (parsed.event === 'listening') {
                clearTimeout(timer);
                resolve(parsed);
            }
        });
        exited.then(([code]) => {
            clearTimeout(timer);
            reject(new Error(`relay exited with ${code} before listening; stderr: ${stderr}`));
        });
    });
    let stopped = null;
    const relay = {
        port: listening.http_port,
        udpPort: listening.turn_udp_port,
        process: child,
        lines,
        nonJson,
        listening,
        get stderr() { return stderr; },
        // https/wss when the relay was given --cert/--pkey.
        url(pathAndQuery) { return `http${listening.http_tls ? 's' : ''}://127.0.0.1:${listening.http_port}${pathAndQuery}`; },
        wsUrl(pathAndQuery) { return `ws${listening.http_tls ? 's' : ''}://127.0.0.1:${listening.http_port}${pathAndQuery}`; },
        // SIGTERM; resolves {code, signal}. SIGKILL if it has not exited after graceMs.
        stop(graceMs = 4000) {
            if (!stopped) {
                stopped = (async () => {
                    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
                    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
                    const [code, signal] = await exited;
                    clearTimeout(timer);
                    return { code, signal };
                })();
            }
            return stopped;
        },
    };
    return relay;
}

// Waits until `predicate(line)` holds for a logged line (already logged or future).
export async function waitForLog(relay, predicate, timeoutMs = 3000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const found = relay.lines.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error('expected log line not seen');
        await new Promise((r) => setTimeout(r, 20));
    }
}
