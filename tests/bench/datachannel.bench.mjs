// Data channels in one headless Chromium: polyrtc (native WebRTC deleted; Wasm core, TURN over
// WebSocket through the real relay) against Chromium's native stack on loopback, measured in
// the same run with the same page (tests/bench/pages/datachannel.html) and the same signaling
// (SignalingChannel over the relay). Prints both columns and polyrtc / native.
//
// Both pairs are two pages in separate browser contexts (separate renderer processes). The
// native pair uses only 127.0.0.1 candidates (--allow-loopback-in-peer-connection, mDNS off).
// Chromium's own WebSocket is the slowest link of the polyrtc path on this machine (~9 MB/s
// received per socket, docs/testing.md), so polyrtc's throughput is bounded by it.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { repoRoot, webDist } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';

const kWarmConnects = 3;
const kRoundTrips = 300;
const kThroughputMs = 3000;
const kHighWater = 2 * 1024 * 1024; // bufferedAmount kept below this while sending
const kTimeout = 60000;

function percentile(samples, p) {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const median = (samples) => percentile(samples, 50);
const progress = (what) => process.stderr.write(`  ... ${what}\n`);

async function measure(browser, relay, mode) {
  const room = `bench-${mode}-${process.pid}-${Date.now()}`;
  const open = mode === 'polyrtc' ? () => newPageWithoutWebRtc(browser) : async () => (await browser.newContext()).newPage();
  const a = await open();
  const b = await open();
  try {
    for (const page of [a, b]) {
      await page.goto(relay.url(`/datachannel.html?room=${room}`));
      const ours = await page.evaluate(() => RTCPeerConnection === polyrtc.RTCPeerConnection);
      if (ours !== (mode === 'polyrtc')) throw new Error(`${mode} page has ${ours ? "polyrtc's" : 'the native'} RTCPeerConnection`);
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
      r[`mbps${size}`] = await a.evaluate(([s, ms, hw]) => throughput(s, ms, hw), [size, kThroughputMs, kHighWater]);
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
const relay = await startRelay(['--web-root', path.join(repoRoot, 'tests', 'bench', 'pages'), '--no-auth',
  '--allow-loopback-peers']);
const browser = await launchChromium({
  extraArgs: ['--allow-loopback-in-peer-connection', '--disable-features=WebRtcHideLocalIpsWithMdns'],
});
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
  ['throughput, 1 KiB messages (MB/s)', 'mbps1024', 2],
  ['throughput, 64 KiB messages (MB/s)', 'mbps65536', 2],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`data channels in ${browser.version ? `Chromium ${browser.version()}` : 'Chromium'}: polyrtc through the relay vs native on loopback`);
console.log(`${''.padEnd(width)}  ${'polyrtc'.padStart(9)}  ${'native'.padStart(9)}  polyrtc/native`);
for (const [label, key, digits] of rows) {
  const ratio = polyrtc[key] / native[key];
  console.log(`${label.padEnd(width)}  ${polyrtc[key].toFixed(digits).padStart(9)}  ${native[key].toFixed(digits).padStart(9)}  ${ratio.toFixed(2)}x`);
}
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
