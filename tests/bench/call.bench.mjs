// Audio calls in one headless Chromium: polyrtc (native WebRTC deleted; Wasm core with Opus,
// SRTP, TURN over WebSocket through the real relay) against Chromium's native stack, measured in
// the same run with the same page (tests/bench/pages/call.html). Prints both columns and
// polyrtc / native. Figures, not pass/fail. Opus encode/decode speed in Wasm is media.bench.mjs's.
//
// - End-to-end audio latency: each page sends a synthetic source (a 1 kHz tone gated silent
//   except for 40 ms bursts). The sender detects each burst's onset on its own local track, the
//   receiver on the remote track, both with the same AudioWorklet detector and on one wall
//   clock (performance.timeOrigin + now, shared by the pages of a browser): the difference is
//   what the call adds (capture hand-off, encode, SRTP, relay, jitter buffer, decode, playout
//   hand-off). Both directions, kBursts bursts each.
// - CPU per call: over kCpuSeconds of an established call, and the same span with the two pages
//   loaded but idle: the main-thread task time of both pages (CDP Performance.getMetrics
//   TaskDuration: where polyrtc's JS and Wasm run) and the CPU time of every Chromium process
//   (CDP SystemInfo.getProcessInfo: where native WebRTC's threads run), as a share of one core.
// Both pairs go through the same relay on 127.0.0.1, relay candidates only, like
// datachannel.bench.mjs (Chromium gathers no host candidate on loopback).
import path from 'node:path';
import { repoRoot } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../support/chromium.mjs';

const kBursts = 15;
const kBurstEveryMs = 500;
const kCpuSeconds = 10;
const kTimeout = 60000;
const kUser = 'bench';
const kPassword = 'bench-secret';
const progress = (what) => process.stderr.write(`  ... ${what}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(samples, p) {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

// Pairs each local onset with the first remote onset after it (and before the next local one).
function latencies(local, remote) {
  const out = [];
  for (let i = 0; i < local.length; i++) {
    const next = local[i + 1] ?? Infinity;
    const hit = remote.find((r) => r >= local[i] && r < next);
    if (hit !== undefined) out.push(hit - local[i]);
  }
  return out;
}

async function cpuSnapshot(browserSession, pageSessions) {
  const { processInfo } = await browserSession.send('SystemInfo.getProcessInfo');
  let task = 0;
  for (const session of pageSessions) {
    const { metrics } = await session.send('Performance.getMetrics');
    task += metrics.find((m) => m.name === 'TaskDuration').value;
  }
  return { at: Date.now(), processes: processInfo.reduce((sum, p) => sum + p.cpuTime, 0), task };
}

// Percent of one core over [a, b].
function cpuShare(a, b) {
  const seconds = (b.at - a.at) / 1000;
  return { processes: (100 * (b.processes - a.processes)) / seconds, task: (100 * (b.task - a.task)) / seconds };
}

async function measure(browser, relay, mode) {
  const configs = {
    polyrtc: { iceServers: [{ urls: relay.wsUrl('/turn'), username: kUser, credential: kPassword }] },
    native: {
      iceServers: [{ urls: `turn:127.0.0.1:${relay.udpPort}?transport=udp`, username: kUser, credential: kPassword }],
      iceTransportPolicy: 'relay',
    },
  };
  const room = `bench-call-${mode}-${process.pid}-${Date.now()}`;
  const open = mode === 'polyrtc' ? () => newPageWithoutWebRtc(browser) : async () => (await browser.newContext()).newPage();
  const a = await open();
  const b = await open();
  const browserSession = await browser.newBrowserCDPSession();
  try {
    const sessions = [];
    for (const page of [a, b]) {
      page.setDefaultTimeout(kTimeout);
      await page.goto(relay.url(`/call.html?room=${room}`));
      const ours = await page.evaluate(() => RTCPeerConnection === polyrtc.RTCPeerConnection);
      if (ours !== (mode === 'polyrtc')) throw new Error(`${mode} page has ${ours ? "polyrtc's" : 'the native'} RTCPeerConnection`);
      await page.waitForFunction(() => signaling.readyState === 1);
      await page.evaluate((c) => configure(c), configs[mode]);
      const session = await page.context().newCDPSession(page);
      await session.send('Performance.enable');
      sessions.push(session);
    }
    progress(`${mode}: idle pages, ${kCpuSeconds} s`);
    const idle0 = await cpuSnapshot(browserSession, sessions);
    await sleep(kCpuSeconds * 1000);
    const idle = cpuShare(idle0, await cpuSnapshot(browserSession, sessions));

    progress(`${mode}: calling`);
    const t0 = Date.now();
    await a.evaluate(() => call());
    for (const page of [a, b]) await page.waitForFunction(() => connected(), null, { polling: 20 });
    const setupMs = Date.now() - t0;
    for (const page of [a, b]) await page.evaluate(() => startLocalDetector());
    await sleep(1000); // the jitter buffers settle

    progress(`${mode}: ${kBursts} bursts each way`);
    const r = { setupMs, idle };
    for (const [from, to, key] of [[a, b, 'ab'], [b, a, 'ba']]) {
      for (let i = 0; i < kBursts; i++) {
        await from.evaluate(() => burst());
        await sleep(kBurstEveryMs);
      }
      await sleep(500);
      const local = await from.evaluate(() => onsets.local);
      const remote = await to.evaluate(() => onsets.remote);
      r[key] = latencies(local, remote);
      r[`${key}Missed`] = local.length - r[key].length;
    }

    progress(`${mode}: established call, ${kCpuSeconds} s`);
    const call0 = await cpuSnapshot(browserSession, sessions);
    await sleep(kCpuSeconds * 1000);
    r.call = cpuShare(call0, await cpuSnapshot(browserSession, sessions));
    for (const page of [a, b]) {
      const errors = page.errors ?? [];
      if (errors.length) throw new Error(`${mode} page errors: ${errors.join(' | ')}`);
    }
    return r;
  } finally {
    await browserSession.detach().catch(() => {});
    for (const page of [a, b]) await page.evaluate(() => hangUp()).catch(() => {});
    await a.context().close();
    await b.context().close();
  }
}

const started = Date.now();
const relay = await startRelay(['--web-root', path.join(repoRoot, 'tests', 'bench', 'pages'), '--user',
  `${kUser}:${kPassword}`, '--realm', 'polyrtc', '--allow-loopback-peers']);
const browser = await launchChromium({
  extraArgs: ['--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
});
const results = {};
try {
  for (const mode of ['polyrtc', 'native']) {
    try {
      results[mode] = await measure(browser, relay, mode);
    } catch (error) {
      console.log(`${mode}: failed: ${error.message.split('\n')[0]}`);
    }
  }
} finally {
  await browser.close();
  await relay.stop();
}

const fmt = (x, digits = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const value = (mode, f) => (results[mode] ? f(results[mode]) : undefined);
const rows = [
  ['call set-up: call() to both connected with remote audio (ms)', (r) => r.setupMs, 0],
  ['audio latency A -> B, median (ms)', (r) => percentile(r.ab, 50), 1],
  ['audio latency A -> B, p90 (ms)', (r) => percentile(r.ab, 90), 1],
  ['audio latency B -> A, median (ms)', (r) => percentile(r.ba, 50), 1],
  ['audio latency B -> A, p90 (ms)', (r) => percentile(r.ba, 90), 1],
  [`bursts not heard (of ${kBursts} each way)`, (r) => r.abMissed + r.baMissed, 0],
  ['CPU, all Chromium processes, call (% of a core)', (r) => r.call.processes, 1],
  ['CPU, all Chromium processes, idle pages (% of a core)', (r) => r.idle.processes, 1],
  ['CPU, all processes, call minus idle (% of a core)', (r) => r.call.processes - r.idle.processes, 1],
  ['CPU, both pages\' main threads, call (% of a core)', (r) => r.call.task, 1],
  ['CPU, both pages\' main threads, idle (% of a core)', (r) => r.idle.task, 1],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`audio calls in Chromium ${browser.version()}, two pages through the relay on 127.0.0.1: ` +
  'polyrtc (TURN over WebSocket) vs native (TURN over UDP)');
console.log(`${''.padEnd(width)}  ${'polyrtc'.padStart(9)}  ${'native'.padStart(9)}  polyrtc/native`);
for (const [label, f, digits] of rows) {
  const p = value('polyrtc', f);
  const n = value('native', f);
  const ratio = p !== undefined && n ? `${(p / n).toFixed(2)}x` : '';
  console.log(`${label.padEnd(width)}  ${fmt(p, digits).padStart(9)}  ${fmt(n, digits).padStart(9)}  ${ratio}`);
}
console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
