// Data channels in one headless Chromium: polyrtc (native WebRTC deleted; Wasm core, TURN over
// WebSocket through the real relay) against Chromium's native stack on loopback, measured in
// the same run with the same page (tests/bench/pages/datachannel.html) and the same signaling
// (SignalingChannel over the relay). Prints both columns and polyrtc / native.
//
// Both pairs are two pages in separate browser contexts (separate renderer processes) and
// both go through the same relay on 127.0.0.1, relay candidates only: polyrtc over TURN over
// WebSocket, the native stack over TURN over UDP. (Chromium gathers no host candidate on
// loopback, and the machine's other address is not for tests, so a direct native pair on
// loopback is not possible; the relay hop is the same for both columns.)
// Chromium's own WebSocket is a slow link on this machine (../shared/STYLE.md: ~9 MB/s
// received per socket), so the run also measures a plain WebSocket through the relay in
// frames of one TURN packet's size: the ceiling polyrtc's transport puts on it.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { repoRoot, webDist } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';

const kWarmConnects = 3;
const kRoundTrips = 300;
const kThroughputMs = 3000; // about how long each throughput run lasts
const kCalibrationBytes = 1024 * 1024;
const kMaxBytes = 1024 * 1024 * 1024;
const kHighWater = 2 * 1024 * 1024; // bufferedAmount kept below this while sending
const kTimeout = 60000;

function percentile(samples, p) {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const median = (samples) => percentile(samples, 50);
const progress = (what) => process.stderr.write(`  ... ${what}\n`);

const kUser = 'bench';
const kPassword = 'bench-secret';

async function measure(browser, relay, mode) {
  const configs = {
    polyrtc: { iceServers: [{ urls: relay.wsUrl('/turn'), username: kUser, credential: kPassword }] },
    native: {
      iceServers: [{ urls: `turn:127.0.0.1:${relay.udpPort}?transport=udp`, username: kUser, credential: kPassword }],
      iceTransportPolicy: 'relay',
    },
  };
  const room = `bench-${mode}-${process.pid}-${Date.now()}`;
  const open = mode === 'polyrtc' ? () => newPageWithoutWebRtc(browser) : async () => (await browser.newContext()).newPage();
  const a = await open();
  const b = await open();
  try {
    for (const page of [a, b]) {
      await page.goto(relay.url(`/datachannel.html?room=${room}`));
      const ours = await page.evaluate(() => RTCPeerConnection === polyrtc.RTCPeerConnection);
      if (ours !== (mode === 'polyrtc')) throw new Error(`${mode} page has ${ours ? "polyrtc's" : 'the native'} RTCPeerConnection`);
      // The relay hands a room's messages only to pages already in it.
      await page.waitForFunction(() => signaling.readyState === 1, null, { timeout: kTimeout });
      await page.evaluate((c) => configure(c), configs[mode]);
    }
    a.setDefaultTimeout(kTimeout);
    progress(`${mode}: connecting`);
    const r = { cold: await a.evaluate(() => connect()) };
    const warm = [];
    for (let i = 0; i < kWarmConnects; i++) warm.push(await a.evaluate(() => connect()));
    r.warm = median(warm);
    progress(`${mode}: round trips`);
    const rtt = await a.evaluate((n) => roundTrips(n), kRoundTrips);
    r.rttP50 = percentile(rtt, 50);
    r.rttP99 = percentile(rtt, 99);
    for (const size of [1024, 65536]) {
      progress(`${mode}: throughput, ${size}-byte messages`);
      // A short run sizes the measured one to about kThroughputMs (the two stacks differ ~5-10x).
      const run = (total) => a.evaluate(([s, t, hw]) => throughput(s, t, hw), [size, total, kHighWater]);
      const estimate = await run(kCalibrationBytes);
      const total = Math.min(kMaxBytes, Math.max(kCalibrationBytes, Math.round((estimate * 1e6 * kThroughputMs) / 1000 / size) * size));
      r[`mbps${size}`] = await run(total);
    }
    if (mode === 'polyrtc') {
      progress('reference: WebSocket through the relay, 1200-byte frames');
      const wsRoom = `${room}-ws`;
      await b.evaluate((name) => wsCounter(name), wsRoom);
      const run = (total) => a.evaluate(([name, t]) => wsThroughput(name, 1200, t), [wsRoom, total]);
      const estimate = await run(1200 * 1000);
      r.wsMbps = await run(Math.max(1200 * 1000, Math.round((estimate * 1e6 * kThroughputMs) / 1000 / 1200) * 1200));
    }
    r.downloads = await a.evaluate(() => downloads());
    for (const page of [a, b]) {
      const errors = page.errors ?? [];
      if (errors.length) throw new Error(`${mode} page errors: ${errors.join(' | ')}`);
    }
    return r;
  } finally {
    await a.context().close();
    await b.context().close();
  }
}

function fileSizes(name) {
  const bytes = readFileSync(path.join(webDist, name));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

const started = Date.now();
// Every relayed address is on 127.0.0.1, hence --allow-loopback-peers.
const relay = await startRelay(['--web-root', path.join(repoRoot, 'tests', 'bench', 'pages'), '--user',
  `${kUser}:${kPassword}`, '--realm', 'polyrtc', '--allow-loopback-peers']);
// Without the flag Chromium gathers nothing towards a TURN server on 127.0.0.1.
const browser = await launchChromium({ extraArgs: ['--allow-loopback-in-peer-connection'] });
let polyrtc;
let native;
try {
  polyrtc = await measure(browser, relay, 'polyrtc');
  native = await measure(browser, relay, 'native');
} finally {
  await browser.close();
  await relay.stop();
}

const rows = [
  ['channel open after new RTCPeerConnection, first in page (ms)', 'cold', 1],
  [`channel open after new RTCPeerConnection, median of ${kWarmConnects} more (ms)`, 'warm', 1],
  [`round trip, 16-byte message, p50 of ${kRoundTrips} (ms)`, 'rttP50', 2],
  [`round trip, 16-byte message, p99 of ${kRoundTrips} (ms)`, 'rttP99', 2],
  ['throughput, 1 KiB messages (MB/s, 1 MB = 10^6 bytes)', 'mbps1024', 2],
  ['throughput, 64 KiB messages (MB/s)', 'mbps65536', 2],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`data channels in Chromium ${browser.version()}, both through the relay on 127.0.0.1: ` +
  'polyrtc (TURN over WebSocket) vs native (TURN over UDP)');
console.log(`${''.padEnd(width)}  ${'polyrtc'.padStart(9)}  ${'native'.padStart(9)}  polyrtc/native`);
for (const [label, key, digits] of rows) {
  const ratio = polyrtc[key] / native[key];
  console.log(`${label.padEnd(width)}  ${polyrtc[key].toFixed(digits).padStart(9)}  ${native[key].toFixed(digits).padStart(9)}  ${ratio.toFixed(2)}x`);
}
console.log(`reference, polyrtc's transport without the stack: a plain Chromium WebSocket page -> relay -> page, ` +
  `1200-byte frames: ${polyrtc.wsMbps.toFixed(2)} MB/s`);
const script = fileSizes('polyrtc.js');
const wasm = fileSizes('polyrtc.wasm');
const seen = Object.fromEntries(polyrtc.downloads.map((d) => [d.name, d]));
console.log(`bytes a page downloads (native: 0, built in):`);
for (const [name, s] of [['polyrtc.js', script], ['polyrtc.wasm', wasm]]) {
  console.log(`  ${name.padEnd(13)} ${String(s.raw).padStart(8)} bytes, ${String(s.gzip).padStart(7)} gzipped (gzip -9); ` +
    `the relay sent ${seen[name]?.encodedBodySize ?? '?'} bytes of body`);
}
console.log(`  total         ${String(script.raw + wasm.raw).padStart(8)} bytes, ${String(script.gzip + wasm.gzip).padStart(7)} gzipped`);
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
