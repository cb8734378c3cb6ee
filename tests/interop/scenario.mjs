// The one interop scenario, run for every pair of stacks and both roles (tests/interop/*.test.mjs).
//
// Offer/answer and trickled candidates go through the relay's /signal room, both peers reach
// `connected` through the relay's TURN allocations, then data channels made every way
// (in-band by the offerer before the offer, in-band by the answerer after connecting,
// `negotiated` on both sides up front; ordered and unordered) carry text and binary messages
// of 0 B to 256 KiB both ways. Every step that fails throws with both peers' reports
// (events, states, getStats) and the relay's log lines, so the failing layer is visible.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';

export const kNegotiated = [
  { label: 'negotiated-ordered', init: { negotiated: true, id: 100 } },
  { label: 'negotiated-unordered', init: { negotiated: true, id: 101, ordered: false } },
];
export const kOffererInband = [
  { label: 'offerer-ordered', init: {} },
  { label: 'offerer-unordered', init: { ordered: false } },
];
export const kAnswererInband = [
  { label: 'answerer-ordered', init: {} },
  { label: 'answerer-unordered', init: { ordered: false } },
];
export const kSizes = [0, 1, 1000, 16 * 1024, 64 * 1024, 256 * 1024];

const kConnectTimeoutMs = 30000;
const kOpenTimeoutMs = 15000;
const kReceiveTimeoutMs = 30000;

// Both peers' reports and the relay's log, as text for a failure message.
export async function diagnostics(peers, relay) {
  const parts = [];
  for (const peer of peers) {
    let report;
    try {
      report = await peer.call('report');
    } catch (e) {
      report = `report failed: ${e.message}`;
    }
    parts.push(`---- ${peer.name} ----\n${JSON.stringify(report, null, 1)}`);
    if (peer.stderr) parts.push(`---- ${peer.name} stderr ----\n${peer.stderr.slice(-4000)}`);
    if (peer.page?.errors?.length) parts.push(`---- ${peer.name} page errors ----\n${peer.page.errors.join('\n')}`);
  }
  if (relay) {
    parts.push(`---- relay log (${relay.lines.length} lines) ----\n${relay.lines.map((l) => JSON.stringify(l)).join('\n')}`);
    if (relay.stderr) parts.push(`---- relay stderr ----\n${relay.stderr}`);
  }
  return parts.join('\n');
}

// Runs `fn`; on failure rethrows with the step's name and the diagnostics.
async function step(name, ctx, fn) {
  try {
    return await fn();
  } catch (error) {
    const text = await diagnostics([ctx.offerer, ctx.answerer], ctx.relay);
    const wrapped = new Error(`step "${name}" failed: ${error.message}\n${text}`);
    wrapped.cause = error;
    throw wrapped;
  }
}

function sortDigests(list) {
  return [...list].sort((a, b) => (a.kind + a.size + a.sum).localeCompare(b.kind + b.size + b.sum));
}

// Sends every size up to the sender's max-message-size as text and as binary on `label`
// and checks the receiver got the same bytes (in order when the channel is ordered).
async function exchange(ctx, sender, receiver, label, ordered, seed) {
  const limit = await sender.call('maxMessageSize');
  const sizes = kSizes.filter((s) => s <= (limit ?? 65536));
  const messages = sizes.flatMap((size) => [{ kind: 'text', size }, { kind: 'binary', size }]);
  const start = performance.now();
  const sent = await sender.call('send', label, messages, seed);
  const got = await receiver.call('waitReceived', label, messages.length, kReceiveTimeoutMs);
  const ms = performance.now() - start;
  if (ordered) assert.deepEqual(got, sent, `${sender.name} -> ${receiver.name} on ${label}`);
  else assert.deepEqual(sortDigests(got), sortDigests(sent), `${sender.name} -> ${receiver.name} on ${label}`);
  const bytes = sent.reduce((n, m) => n + m.size, 0);
  return { label, from: sender.name, to: receiver.name, messages: messages.length, bytes, maxSize: Math.max(...sizes), ms };
}

// ctx: {offerer, answerer, relay, offererConfig, answererConfig, room, signalUrl, connectTimeoutMs}.
// Returns the timings and the descriptions each side saw.
export async function runScenario(ctx) {
  const { offerer, answerer } = ctx;
  const t0 = performance.now();
  await step('start both peers', ctx, async () => {
    await answerer.call('start', { role: 'answerer', room: ctx.room, config: ctx.answererConfig, negotiated: kNegotiated, signalUrl: ctx.signalUrl });
    await offerer.call('start', { role: 'offerer', room: ctx.room, config: ctx.offererConfig, negotiated: kNegotiated, inband: kOffererInband, signalUrl: ctx.signalUrl });
  });
  await step('offer/answer, ICE and DTLS to connected', ctx, async () => {
    await offerer.call('offer');
    const timeout = ctx.connectTimeoutMs ?? kConnectTimeoutMs;
    await Promise.all([offerer.call('waitConnected', timeout), answerer.call('waitConnected', timeout)]);
  });
  const connectedMs = performance.now() - t0;
  const firstLabels = [...kNegotiated, ...kOffererInband].map((c) => c.label);
  await step('SCTP and DCEP: the offerer\'s and the negotiated channels open', ctx, async () => {
    const a = await offerer.call('waitOpen', firstLabels, kOpenTimeoutMs);
    const b = await answerer.call('waitOpen', firstLabels, kOpenTimeoutMs);
    for (const label of firstLabels) assert.equal(a[label].id, b[label].id, `${label} has the same id on both sides`);
  });
  await step('DCEP: channels the answerer opens after connecting', ctx, async () => {
    for (const c of kAnswererInband) await answerer.call('createChannel', c.label, c.init);
    const labels = kAnswererInband.map((c) => c.label);
    const b = await answerer.call('waitOpen', labels, kOpenTimeoutMs);
    const a = await offerer.call('waitOpen', labels, kOpenTimeoutMs);
    for (const label of labels) {
      assert.equal(a[label].id, b[label].id, `${label} has the same id on both sides`);
      assert.equal(a[label].ordered, b[label].ordered, `${label} ordered flag arrived`);
    }
  });
  const openMs = performance.now() - t0;
  const transfers = [];
  let seed = 1;
  for (const c of [...kOffererInband, ...kAnswererInband, ...kNegotiated]) {
    const ordered = c.init.ordered !== false;
    await step(`messages on ${c.label}, ${offerer.name} -> ${answerer.name}`, ctx, async () => {
      transfers.push(await exchange(ctx, offerer, answerer, c.label, ordered, seed += 100));
    });
    await step(`messages on ${c.label}, ${answerer.name} -> ${offerer.name}`, ctx, async () => {
      transfers.push(await exchange(ctx, answerer, offerer, c.label, ordered, seed += 100));
    });
  }
  return {
    connectedMs, openMs, totalMs: performance.now() - t0, transfers,
    offererSdps: await offerer.call('sdps'), answererSdps: await answerer.call('sdps'),
  };
}

// One line per run for the test log: where the time went.
export function summary(result) {
  const bytes = result.transfers.reduce((n, t) => n + t.bytes, 0);
  const ms = result.transfers.reduce((n, t) => n + t.ms, 0);
  const maxSizes = [...new Set(result.transfers.map((t) => `${t.from}->${t.to} ${t.maxSize} B`))].join(', ');
  return `connected ${result.connectedMs.toFixed(0)} ms, all 6 channels open ${result.openMs.toFixed(0)} ms, ` +
    `${result.transfers.length} transfers ${(bytes / 1024).toFixed(0)} KiB in ${ms.toFixed(0)} ms ` +
    `(${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(2)} MiB/s), largest message ${maxSizes}, total ${result.totalMs.toFixed(0)} ms`;
}
