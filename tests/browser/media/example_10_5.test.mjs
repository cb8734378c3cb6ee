// Spec example 10.5 (DTMF), each of its four examples verbatim (typographic quotes made ASCII,
// the only change), run on the caller of a spec example 10.1 call that is up (call_pages.mjs):
// two pages of two headless Chromiums through the real relay. Checked for each: the tonechange
// sequence, the spacing between tonechange events (duration + interToneGap, W3C webrtc-pc
// 7.2 "playout task"), sender.toneBuffer over time, and the tones the far side received with
// their durations (polyrtc's non-standard `dtmf` events on the RTCPeerConnection and on the
// receiver, docs/api.md; a native page has no such event, so only that check is left out with
// POLYRTC_MEDIA_NATIVE=1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../support/paths.mjs';
import { useCallPages, kSpecExamples10_5, asciiQuotes } from './call_pages.mjs';

const env = useCallPages();

// Timing (question 26). polyrtc plans every tonechange from the start of the playout (t0 + the
// sum of the steps, so a late timer does not push the rest back) with timers on the page's main
// thread: each event must be within 25 ms of its planned time, beyond what the page's own timers
// were delayed at that moment. The page runs a 10 ms control timer (the toneBuffer sampler); the
// longest gap between its runs, less 10 ms, in the 50 ms before an event is the page's timer
// lateness then (a long task, or a renderer the OS did not run: this machine has 2 cores and a
// load average of 7-10 from other builds, and single events run 30-200 ms late exactly when the
// control timer does). Chromium's own RTCDTMFSender runs late by about one inter-tone gap per tone
// and the lateness adds up (measured: +72..+90 ms per step, printed below), so the native
// reference run checks each step from the previous tonechange instead, allowing that lateness.
const kPlanTolerance = 25;
const kNativeStepTolerance = { early: 25, late: 120 };

// The page's timer lateness in [from, to]: the longest gap between control-timer runs, less its
// 10 ms period.
function timerLateness(ticks, from, to) {
  let worst = 0;
  for (let i = 1; i < ticks.length; i++) {
    if (ticks[i] < from || ticks[i - 1] > to) continue;
    worst = Math.max(worst, ticks[i] - ticks[i - 1] - 10);
  }
  return Math.round(worst);
}
// The far side's reported tone durations (polyrtc only), from RFC 4733 durations in 8 or 48 kHz
// units, sent every packet (20 ms): within one packet and a jitter allowance.
const kRemoteDurationToleranceMs = 25;

async function withCall(name, fn) {
  const pages = await env.openCall(name);
  try {
    await env.startCall(pages);
    assert.match(await pages.caller.evaluate(() => prepareDtmf()), /^audio live$/);
    await fn(pages);
    for (const page of [pages.caller, pages.callee]) {
      assert.deepEqual(await page.evaluate(() => logged), [], 'nothing logged by the examples');
      assert.deepEqual(page.errors, []);
    }
  } finally {
    await env.closeCall(pages);
  }
}

async function waitForTones(page, count, timeoutMs) {
  await page.waitForFunction((n) => dtmfLog().toneLog.length >= n, count, { timeout: timeoutMs, polling: 20 });
}

// Checks the tonechange events against `steps` (ms between one and the next) as above and
// prints both measures: each step's lateness from the previous event, and each event's
// distance from its planned time.
function checkSpacing(t, toneLog, steps, label, log) {
  const late = [];
  const offPlan = [];
  let planned = toneLog[0].t;
  for (let i = 1; i < toneLog.length && i <= steps.length; i++) {
    late.push(Math.round(toneLog[i].t - toneLog[i - 1].t - steps[i - 1]));
    // A '' ends the playout: an insertDTMF from its handler (example 3) starts a new one, planned
    // from then.
    if (toneLog[i - 1].tone === '') planned = toneLog[i - 1].t;
    planned += steps[i - 1];
    offPlan.push(Math.round(toneLog[i].t - planned));
  }
  t.diagnostic(`${label} (${env.mode}): tonechange ${toneLog.map((e) => JSON.stringify(e.tone)).join(' ')}; steps ` +
    `${steps.join(', ')} ms; each step late by ${late.join(', ')} ms; each event off its plan by ${offPlan.join(', ')} ms`);
  const from = toneLog[0].t - 200;
  const to = toneLog[Math.min(toneLog.length, steps.length + 1) - 1].t;
  const stalls = log.longTasks.filter((l) => l.start + l.duration >= from && l.start <= to);
  const lateness = toneLog.slice(1, steps.length + 1).map((e) => timerLateness(log.ticks, e.t - 50, e.t));
  t.diagnostic(`${label} (${env.mode}): the page's control timer was late by ${lateness.join(', ')} ms at those events; ` +
    `main-thread tasks >= 50 ms: ${stalls.length ? stalls.map((l) => `${l.duration} ms at +${Math.round(l.start - toneLog[0].t)} ms`).join(', ') : 'none'}`);
  assert.equal(late.length, steps.length, `${label}: ${steps.length + 1} tonechange events`);
  for (let i = 0; i < late.length; i++) {
    const what = `${label}: tonechange ${i + 1} (${JSON.stringify(toneLog[i + 1].tone)})`;
    if (env.native) {
      assert.ok(late[i] >= -kNativeStepTolerance.early && late[i] <= kNativeStepTolerance.late,
        `${what} is ${late[i]} ms off its ${steps[i]} ms step (native tolerance -${kNativeStepTolerance.early}/+${kNativeStepTolerance.late})`);
    } else {
      assert.ok(offPlan[i] >= -kPlanTolerance && offPlan[i] <= kPlanTolerance + lateness[i],
        `${what} is ${offPlan[i]} ms off its planned time (tolerance ${kPlanTolerance} ms + the page's timer lateness then, ${lateness[i]} ms)`);
    }
  }
}

// toneBuffer as sampled every 10 ms, consecutive duplicates gone.
function bufferHistory(log) {
  return log.bufferSamples.map((s) => s.toneBuffer);
}

// polyrtc reports received tones on the RTCPeerConnection and on the receiver: the same tones
// each way, with durations close to what the sender played.
// With `prefix`, more tones may follow the expected ones (example 3 closes mid-tone).
async function checkRemote(t, callee, expected, label, { prefix = false } = {}) {
  if (env.native) {
    t.diagnostic(`${label}: the far side's received tones are not checked natively (Chromium has no dtmf event)`);
    return;
  }
  await callee.waitForFunction((n) => dtmfLog().remoteDtmf.filter((d) => d.via === 'pc').length >= n, expected.length,
    { timeout: 5000, polling: 20 });
  const remote = (await callee.evaluate(() => dtmfLog())).remoteDtmf;
  for (const via of ['pc', 'receiver']) {
    const all = remote.filter((d) => d.via === via);
    const got = prefix ? all.slice(0, expected.length) : all;
    t.diagnostic(`${label}: far side (${via} dtmf events): ${all.map((d) => `${d.tone}/${d.duration} ms`).join(' ')}`);
    assert.deepEqual(got.map((d) => d.tone), expected.map(([tone]) => tone), `${label}: tones the far side received (${via})`);
    got.forEach((d, i) => assert.ok(Math.abs(d.duration - expected[i][1]) <= kRemoteDurationToleranceMs,
      `${label}: far side's tone ${d.tone} lasted ${d.duration} ms, sent ${expected[i][1]} ms`));
  }
}

test('10.5: the page has the four examples exactly as printed, typographic quotes made ASCII (the only change)', () => {
  const html = readFileSync(path.join(repoRoot, 'tests', 'browser', 'pages', 'call-10-1.html'), 'utf8');
  kSpecExamples10_5.forEach((spec, i) => {
    const match = new RegExp(`<script type="text/plain" id="example-10-5-${i + 1}">\\n([\\s\\S]*?)\\n</script>`).exec(html);
    assert.ok(match, `example ${i + 1} is in the page`);
    assert.equal(match[1], asciiQuotes(spec), `example ${i + 1}`);
    assert.match(spec, /[\u201c\u201d\u2018\u2019]/, 'the printed example has typographic quotes');
    assert.doesNotMatch(match[1], /[\u201c\u201d\u2018\u2019]/);
  });
});

test(`10.5 example 1: "1234" with 500 ms per tone (${env.mode})`, async (t) => {
  await withCall('dtmf1', async ({ caller, callee }) => {
    await caller.evaluate(() => runExample(1));
    await caller.waitForFunction(() => dtmfLog().toneLog.some((e) => e.tone === ''), null, { timeout: 10000, polling: 20 });
    const log = await caller.evaluate(() => dtmfLog());
    assert.deepEqual(await caller.evaluate(() => alerts), [], 'sender.canSendDTMF was true: no alert');
    assert.deepEqual(log.toneLog.map((e) => e.tone), ['1', '2', '3', '4', '']);
    // Each tone is taken from the buffer before its tonechange fires.
    assert.deepEqual(log.toneLog.map((e) => e.toneBuffer), ['234', '34', '4', '', '']);
    assert.deepEqual(bufferHistory(log), ['1234', '234', '34', '4', '']);
    checkSpacing(t, log.toneLog, [570, 570, 570, 570], 'example 1', log);
    await checkRemote(t, callee, [['1', 500], ['2', 500], ['3', 500], ['4', 500]], 'example 1');
  });
});

test(`10.5 example 2: "1234" lighting keys with lightKey(e.tone) (${env.mode})`, async (t) => {
  await withCall('dtmf2', async ({ caller, callee }) => {
    await caller.evaluate(() => runExample(2));
    await caller.waitForFunction(() => keys.some((k) => k.key === ''), null, { timeout: 10000, polling: 20 });
    const log = await caller.evaluate(() => dtmfLog());
    // The example's ontonechange lights each key and darkens them all with lightKey('').
    assert.deepEqual(log.keys.map((k) => k.key), ['1', '2', '3', '4', '']);
    assert.deepEqual(bufferHistory(log), ['1234', '234', '34', '4', '']);
    checkSpacing(t, log.keys.map((k) => ({ tone: k.key, t: k.t })), [170, 170, 170, 170], 'example 2 (defaults: 100 ms + 70 ms)', log);
    await checkRemote(t, callee, [['1', 100], ['2', 100], ['3', 100], ['4', 100]], 'example 2');
  });
});

test(`10.5 example 3: "1" for 1 s, then "2" for 2 s again after every end, until pc.close() (${env.mode})`, async (t) => {
  await withCall('dtmf3', async ({ caller, callee }) => {
    await caller.evaluate(() => runExample(3));
    // As written it never ends: each '' inserts another '2'. Three rounds of '2', then close.
    await waitForTones(caller, 7, 15000);
    const log = await caller.evaluate(() => dtmfLog());
    const tones = log.toneLog.map((e) => e.tone);
    assert.deepEqual(tones.slice(0, 7), ['1', '', '2', '', '2', '', '2']);
    // '1' -> '' is 1000 + 70; '' -> '2' is the new playout starting at once (0); '2' -> ''
    // is 2000 + 70.
    checkSpacing(t, log.toneLog.slice(0, 7), [1070, 0, 2070, 0, 2070, 0], 'example 3', log);
    // The example's ontonechange runs before the page's recorder: at each '' it has already
    // put '2' back into toneBuffer, which the next playout takes at once (too briefly for
    // the 10 ms sampler to see).
    assert.deepEqual(log.toneLog.slice(0, 7).map((e) => e.toneBuffer), ['', '2', '', '2', '', '2', '']);
    assert.deepEqual(bufferHistory(log).slice(0, 2), ['1', '']);

    const closedAt = await caller.evaluate(() => { pc.close(); return performance.now(); });
    await new Promise((resolve) => setTimeout(resolve, 2600));
    const after = (await caller.evaluate(() => dtmfLog())).toneLog.filter((e) => e.t > closedAt);
    t.diagnostic(`example 3 (${env.mode}): ${tones.length} tonechange events before close; after it: ` +
      `${JSON.stringify(after.map((e) => ({ tone: e.tone, msAfterClose: Math.round(e.t - closedAt) })))}`);
    if (env.native) {
      // Chromium 156 still ends the '2' that was playing with one tonechange '' after close
      // (W3C 7.2: the playout task aborts once the transceiver is stopping), and the example's
      // handler then gets an InvalidStateError from insertDTMF: an uncaught error in the page.
      assert.ok(after.length <= 1 && after.every((e) => e.tone === ''), 'Chromium: at most one final tonechange after pc.close()');
      const thrown = caller.errors.filter((e) => /InvalidStateError.*insertDTMF/.test(e));
      assert.equal(thrown.length, after.length, 'one InvalidStateError per late tonechange');
      caller.errors = caller.errors.filter((e) => !thrown.includes(e));
    } else {
      assert.deepEqual(after, [], 'no tonechange after pc.close()');
    }
    const errors = await caller.evaluate(() => logged);
    assert.deepEqual(errors, [], 'the example logged nothing');
    await checkRemote(t, callee, [['1', 1000], ['2', 2000], ['2', 2000]], 'example 3', { prefix: true });
  });
});

test(`10.5 example 4: "12345", then toneBuffer + "6789" while "1" plays (${env.mode})`, async (t) => {
  // The example's "// Other things happen....." is where time passes: the page runs the lines
  // before it, and the last line while '1' is playing (together they are the example's text).
  const example = asciiQuotes(kSpecExamples10_5[3]);
  const cut = example.indexOf('// Other things happen.....') + '// Other things happen.....'.length;
  const [before, rest] = [example.slice(0, cut), example.slice(cut)];
  assert.equal(before + rest, example);
  assert.match(rest, /^\s*sender\.insertDTMF\(sender\.toneBuffer \+ '6789'\);$/);
  await withCall('dtmf4', async ({ caller, callee }) => {
    // All in the page, without a round trip to the test: the first part, then the last line
    // 40 ms after tonechange '1' (the tone lasts 100 ms).
    const appended = await caller.evaluate(([first, last]) => new Promise((resolve) => {
      runScript(first);
      sender.addEventListener('tonechange', function once() {
        sender.removeEventListener('tonechange', once);
        const start = performance.now();
        setTimeout(() => {
          const buffer = sender.toneBuffer;
          runScript(last);
          resolve({ at: performance.now() - start, before: buffer, after: sender.toneBuffer });
        }, 40);
      });
    }), [before, rest]);
    t.diagnostic(`example 4 (${env.mode}): appended ${appended.at.toFixed(1)} ms into '1'; toneBuffer ${JSON.stringify(appended.before)} -> ${JSON.stringify(appended.after)}`);
    assert.ok(appended.at < 100, 'the append happened while 1 was playing');
    assert.equal(appended.before, '2345');
    assert.equal(appended.after, '23456789');
    await caller.waitForFunction(() => dtmfLog().toneLog.some((e) => e.tone === ''), null, { timeout: 10000, polling: 20 });
    const log = await caller.evaluate(() => dtmfLog());
    // '1' is not restarted: the tones are 1..9 once each, '2' comes one step after '1'.
    assert.deepEqual(log.toneLog.map((e) => e.tone), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '']);
    assert.deepEqual(bufferHistory(log), ['12345', '2345', '23456789', '3456789', '456789', '56789', '6789', '789', '89', '9', '']);
    checkSpacing(t, log.toneLog, Array(9).fill(170), 'example 4', log);
    await checkRemote(t, callee, '123456789'.split('').map((tone) => [tone, 100]), 'example 4');
  });
});
