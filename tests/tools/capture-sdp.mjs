#!/usr/bin/env node
// capture-sdp.mjs: records real SDP from headless Chromium into tests/data/sdp/, and checks
// that Chromium accepts the SDP polyrtc generates.
//
//   node tests/tools/capture-sdp.mjs capture   # Chromium offers/answers/candidates -> tests/data/sdp/chromium-*
//   node tests/tools/capture-sdp.mjs verify    # feed tests/data/sdp/polyrtc-offer.sdp to Chromium's
//                                              # setRemoteDescription, save Chromium's answer, and
//                                              # answer a live Chromium offer with polyrtc (see below)
//   node tests/tools/capture-sdp.mjs firefox   # the same captures and checks with Firefox ESR (WebDriver BiDi)
//   node tests/tools/capture-sdp.mjs embed     # regenerate tests/unit/sdp/sdp_corpus.hpp from tests/data/sdp/
//   node tests/tools/capture-sdp.mjs all       # capture, verify, embed
//
// The unit tests run natively and as Wasm under Node, where the file system is not the
// host's, so the test data is compiled in: `embed` writes every tests/data/sdp/* file as a
// C++ raw string. A native test checks that the embedded copy matches the files.
//
// Each run captures new browser SDP (fresh random ufrags, fingerprints, session ids). The unit
// tests pin values of the committed captures (e.g. Chromium's answer to polyrtc-offer.sdp), so
// commit re-captured chromium-* files together with updated test expectations, or restore
// them with git checkout. polyrtc-offer.sdp and polyrtc-answer-*.sdp are deterministic.
//
// `verify` needs the native build (cmake --preset native && cmake --build --preset native):
// it compiles tests/unit/sdp/sdp_tool.cpp against build/native's libpolyrtc_core.a, asks it
// for an answer to a fresh Chromium offer, and gives that answer to Chromium.
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const dataDir = path.join(repo, 'tests', 'data', 'sdp');
const corpusHeader = path.join(repo, 'tests', 'unit', 'sdp', 'sdp_corpus.hpp');

const kArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
];

async function withPage(fn) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: kArgs, headless: true });
  try {
    const page = await browser.newPage();
    // about:blank is not a secure context, so navigator.mediaDevices is missing there; an
    // intercepted http://localhost page is (localhost counts as potentially trustworthy).
    await page.route('http://localhost/', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>sdp</title>' }));
    await page.goto('http://localhost/');
    return { version: browser.version(), result: await fn(page) };
  } finally {
    await browser.close();
  }
}

function header(what, version) {
  // SDP has no comment syntax, so the provenance lives in a sibling .txt file.
  return `${what}\nCaptured from headless Chromium ${version} by tests/tools/capture-sdp.mjs.\n`;
}

function save(name, text) {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(path.join(dataDir, name), text);
  console.log(`wrote tests/data/sdp/${name} (${text.length} bytes)`);
}

// Runs inside the page: every scenario uses two RTCPeerConnections wired directly.
async function pageCapture() {
  const waitGathered = (pc) => new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
  });
  const out = {};

  // 1. Data channel only; offer and answer after gathering (so host candidates are inline),
  //    plus every trickled candidate string.
  {
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    const candidates = [];
    a.onicecandidate = (e) => { if (e.candidate) candidates.push({ candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid, sdpMLineIndex: e.candidate.sdpMLineIndex, usernameFragment: e.candidate.usernameFragment }); };
    a.createDataChannel('chat');
    const offer = await a.createOffer();
    out.datachannelOfferPlain = offer.sdp;
    await a.setLocalDescription(offer);
    await waitGathered(a);
    out.datachannelOffer = a.localDescription.sdp;
    out.candidates = candidates;
    await b.setRemoteDescription(a.localDescription);
    const answer = await b.createAnswer();
    out.datachannelAnswerPlain = answer.sdp;
    await b.setLocalDescription(answer);
    await waitGathered(b);
    out.datachannelAnswer = b.localDescription.sdp;
    await a.setRemoteDescription(b.localDescription);

    // 2. ICE restart offer from the same connection.
    const restart = await a.createOffer({ iceRestart: true });
    out.iceRestartOffer = restart.sdp;
    a.close();
    b.close();
  }

  // 3. Audio + data channel.
  {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    stream.getTracks().forEach((t) => a.addTrack(t, stream));
    a.createDataChannel('chat');
    const offer = await a.createOffer();
    await a.setLocalDescription(offer);
    out.audioDatachannelOffer = offer.sdp;
    await b.setRemoteDescription(offer);
    const answer = await b.createAnswer();
    await b.setLocalDescription(answer);
    out.audioDatachannelAnswer = answer.sdp;
    a.close();
    b.close();
    stream.getTracks().forEach((t) => t.stop());
  }

  // 4. Audio + video (no data channel).
  {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const a = new RTCPeerConnection();
    stream.getTracks().forEach((t) => a.addTrack(t, stream));
    const offer = await a.createOffer();
    out.audioVideoOffer = offer.sdp;
    a.close();
    stream.getTracks().forEach((t) => t.stop());
  }
  return out;
}

async function capture() {
  const { version, result } = await withPage((page) => page.evaluate(pageCapture));
  save('chromium-datachannel-offer.sdp', result.datachannelOffer);
  save('chromium-datachannel-answer.sdp', result.datachannelAnswer);
  save('chromium-datachannel-offer-no-candidates.sdp', result.datachannelOfferPlain);
  save('chromium-datachannel-answer-no-candidates.sdp', result.datachannelAnswerPlain);
  save('chromium-ice-restart-offer.sdp', result.iceRestartOffer);
  save('chromium-audio-datachannel-offer.sdp', result.audioDatachannelOffer);
  save('chromium-audio-datachannel-answer.sdp', result.audioDatachannelAnswer);
  save('chromium-audio-video-offer.sdp', result.audioVideoOffer);
  // One RTCIceCandidate.candidate string a line, as onicecandidate delivered them.
  save('chromium-candidates.txt', result.candidates.map((c) => c.candidate).join('\n') + '\n');
  save('chromium-candidates.json', JSON.stringify(result.candidates, null, 2) + '\n');
  save('chromium-PROVENANCE.txt', header('chromium-*.sdp, chromium-candidates.*', version) +
    'datachannel offer/answer: after ICE gathering completed (candidates inline); *-no-candidates: the\n' +
    'createOffer()/createAnswer() result before gathering. ice-restart: createOffer({iceRestart:true}) on the\n' +
    'same connection after the first exchange. audio-datachannel: fake microphone + createDataChannel.\n' +
    'audio-video: fake microphone and camera, offer only.\n');
}

// ---- verify: does Chromium accept polyrtc's SDP? ----

function nativeLinkFlags() {
  // The libraries the native unit test executable links, read from the build.
  const ninja = fs.readFileSync(path.join(repo, 'build', 'native', 'build.ninja'), 'utf8');
  const m = ninja.match(/\nbuild tests\/polyrtc_unit_tests [^\n]*\n((?:  [^\n]*\n)*)/);
  if (!m) throw new Error('build/native/build.ninja: no polyrtc_unit_tests link rule; build natively first');
  const libs = m[1].match(/LINK_LIBRARIES = ([^\n]*)/)[1];
  return libs.split(/\s+/).filter(Boolean).map((l) => (l.startsWith('-') || path.isAbsolute(l) ? l : path.join(repo, 'build', 'native', l)));
}

function buildTool() {
  const out = path.join(repo, 'build', 'native', 'sdp_tool');
  execFileSync('g++', ['-std=c++17', '-O1', '-fno-exceptions', `-I${repo}`,
    path.join(repo, 'tests', 'unit', 'sdp', 'sdp_tool.cpp'), '-o', out, ...nativeLinkFlags()], { stdio: 'inherit' });
  return out;
}

async function verify() {
  const tool = buildTool();
  const ourOffer = execFileSync(tool, ['offer'], { encoding: 'utf8' });
  // The unit test "sdp.jsep: the golden offer ..." pins this exact text.
  save('polyrtc-offer.sdp', ourOffer);

  const { version, result } = await withPage(async (page) => {
    // (a) Chromium answers polyrtc's offer.
    const answered = await page.evaluate(async (sdp) => {
      const pc = new RTCPeerConnection();
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        return { ok: true, state: pc.signalingState, answer: answer.sdp };
      } catch (e) {
        return { ok: false, error: `${e.name}: ${e.message}` };
      } finally {
        pc.close();
      }
    }, ourOffer);
    // (b) polyrtc answers live Chromium offers (data channel; audio + data channel, where
    //     we reject the audio section); Chromium must accept each answer.
    const live = [];
    for (const withAudio of [false, true]) {
      const offer = await page.evaluate(async (audio) => {
        window.pc = new RTCPeerConnection();
        if (audio) {
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
          stream.getTracks().forEach((t) => window.pc.addTrack(t, stream));
        }
        window.pc.createDataChannel('chat');
        const o = await window.pc.createOffer();
        await window.pc.setLocalDescription(o);
        return o.sdp;
      }, withAudio);
      const ourAnswer = execFileSync(tool, ['answer'], { input: offer, encoding: 'utf8' });
      const accepted = await page.evaluate(async (sdp) => {
        try {
          await window.pc.setRemoteDescription({ type: 'answer', sdp });
          const t = window.pc.sctp;
          const audio = window.pc.getTransceivers().map((x) => `${x.mid}:${x.currentDirection}:${x.stopped}`);
          return { ok: true, state: window.pc.signalingState, maxMessageSize: t && t.maxMessageSize, transceivers: audio };
        } catch (e) {
          return { ok: false, error: `${e.name}: ${e.message}` };
        } finally {
          window.pc.close();
        }
      }, ourAnswer);
      live.push({ withAudio, offer, ourAnswer, accepted });
    }
    return { answered, live };
  });
  if (!result.answered.ok) throw new Error(`Chromium rejected polyrtc's offer: ${result.answered.error}`);
  for (const l of result.live) {
    if (!l.accepted.ok) throw new Error(`Chromium rejected polyrtc's answer: ${l.accepted.error}\n${l.ourAnswer}`);
  }
  save('chromium-answer-to-polyrtc-offer.sdp', result.answered.answer);
  const [dc, av] = result.live;
  save('chromium-live-datachannel-offer.sdp', dc.offer);
  save('polyrtc-answer-to-chromium-datachannel-offer.sdp', dc.ourAnswer);
  save('chromium-live-audio-datachannel-offer.sdp', av.offer);
  save('polyrtc-answer-to-chromium-audio-datachannel-offer.sdp', av.ourAnswer);
  save('polyrtc-VERIFIED.txt',
    `Verified with headless Chromium ${version} by \`node tests/tools/capture-sdp.mjs verify\`.\n` +
    `polyrtc-offer.sdp: setRemoteDescription(offer) accepted; createAnswer + setLocalDescription left\n` +
    `  signalingState ${result.answered.state}. Chromium's answer: chromium-answer-to-polyrtc-offer.sdp.\n` +
    `chromium-live-datachannel-offer.sdp answered by polyrtc (sdp_tool answer) as\n` +
    `  polyrtc-answer-to-chromium-datachannel-offer.sdp: setRemoteDescription(answer) accepted,\n` +
    `  signalingState ${dc.accepted.state}, sctp.maxMessageSize ${dc.accepted.maxMessageSize}.\n` +
    `chromium-live-audio-datachannel-offer.sdp answered (audio rejected, port 0) as\n` +
    `  polyrtc-answer-to-chromium-audio-datachannel-offer.sdp: accepted, signalingState ${av.accepted.state},\n` +
    `  transceivers left (mid:currentDirection:stopped): [${av.accepted.transceivers.join(' ')}]\n` +
    `  (the W3C spec stops and removes a transceiver whose m= section the answer rejects).\n`);
  console.log('Chromium accepted polyrtc offer and answer.');
}

// ---- firefox: the same captures from Firefox ESR, driven over WebDriver BiDi ----
//
// Playwright drives only its own patched Firefox build, and puppeteer-core is not a test
// dependency, so this speaks WebDriver BiDi (the W3C protocol Firefox serves on
// --remote-debugging-port) directly over the `ws` package. Needs `firefox-esr` installed.

function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

class Bidi {
  constructor(ws) {
    this.ws = ws;
    this.nextId = 1;
    this.pending = new Map();
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.type === 'error') reject(new Error(`${msg.error}: ${msg.message}`));
        else resolve(msg.result);
      }
    });
  }
  send(method, params) {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
  // Evaluates `fn(arg)` in the page; fn must return a JSON-serializable value.
  async call(context, fn, arg) {
    const expression = `(async () => JSON.stringify(await (${fn.toString()})(${JSON.stringify(arg ?? null)})))()`;
    const r = await this.send('script.evaluate', { expression, target: { context }, awaitPromise: true, resultOwnership: 'none' });
    if (r.type === 'exception') throw new Error(`page threw: ${JSON.stringify(r.exceptionDetails.text)}`);
    return JSON.parse(r.result.value);
  }
}

async function withFirefox(fn) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'polyrtc-ff-'));
  fs.writeFileSync(path.join(profile, 'user.js'), [
    'user_pref("media.navigator.streams.fake", true);',
    'user_pref("media.navigator.permission.disabled", true);',
    'user_pref("browser.shell.checkDefaultBrowser", false);',
    'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
    'user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);',
    'user_pref("app.update.disabledForTesting", true);',
  ].join('\n') + '\n');
  // http://127.0.0.1 is a secure context, so getUserMedia exists there.
  const server = http.createServer((req, res) => { res.setHeader('content-type', 'text/html'); res.end('<!doctype html><title>sdp</title>'); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const proc = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, `--remote-debugging-port=${port}`, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Firefox did not start WebDriver BiDi')), 60000);
      proc.stderr.on('data', (d) => { if (d.toString().includes('WebDriver BiDi listening')) { clearTimeout(timer); resolve(); } });
      proc.on('exit', (code) => reject(new Error(`firefox exited ${code}`)));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/session`);
    await new Promise((r, j) => { ws.on('open', r); ws.on('error', j); });
    const bidi = new Bidi(ws);
    await bidi.send('session.new', { capabilities: {} });
    const tree = await bidi.send('browsingContext.getTree', {});
    const context = tree.contexts[0].context;
    await bidi.send('browsingContext.navigate', { context, url: `http://127.0.0.1:${server.address().port}/`, wait: 'complete' });
    const version = (await bidi.call(context, () => navigator.userAgent)).match(/Firefox\/[\d.]+/)[0];
    const result = await fn(bidi, context);
    await bidi.send('session.end', {}).catch(() => {});
    ws.close();
    return { version, result };
  } finally {
    proc.kill();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function firefox() {
  const tool = buildTool();
  const ourOffer = execFileSync(tool, ['offer'], { encoding: 'utf8' });
  const { version, result } = await withFirefox(async (bidi, context) => {
    const captured = await bidi.call(context, pageCapture);
    // Firefox answers polyrtc's offer.
    const answered = await bidi.call(context, async (sdp) => {
      const pc = new RTCPeerConnection();
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp });
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        return { ok: true, state: pc.signalingState, answer: answer.sdp };
      } catch (e) {
        return { ok: false, error: `${e.name}: ${e.message}` };
      } finally {
        pc.close();
      }
    }, ourOffer);
    // polyrtc answers a live Firefox offer; Firefox must accept that answer.
    const offer = await bidi.call(context, async () => {
      window.pc = new RTCPeerConnection();
      window.pc.createDataChannel('chat');
      const o = await window.pc.createOffer();
      await window.pc.setLocalDescription(o);
      return o.sdp;
    });
    const ourAnswer = execFileSync(tool, ['answer'], { input: offer, encoding: 'utf8' });
    const accepted = await bidi.call(context, async (sdp) => {
      try {
        await window.pc.setRemoteDescription({ type: 'answer', sdp });
        return { ok: true, state: window.pc.signalingState, maxMessageSize: window.pc.sctp && window.pc.sctp.maxMessageSize };
      } catch (e) {
        return { ok: false, error: `${e.name}: ${e.message}` };
      } finally {
        window.pc.close();
      }
    }, ourAnswer);
    return { captured, answered, offer, ourAnswer, accepted };
  });
  const c = result.captured;
  save('firefox-datachannel-offer.sdp', c.datachannelOffer);
  save('firefox-datachannel-answer.sdp', c.datachannelAnswer);
  save('firefox-ice-restart-offer.sdp', c.iceRestartOffer);
  save('firefox-audio-datachannel-offer.sdp', c.audioDatachannelOffer);
  save('firefox-audio-datachannel-answer.sdp', c.audioDatachannelAnswer);
  save('firefox-audio-video-offer.sdp', c.audioVideoOffer);
  save('firefox-candidates.txt', c.candidates.map((x) => x.candidate).join('\n') + '\n');
  if (!result.answered.ok) throw new Error(`Firefox rejected polyrtc's offer: ${result.answered.error}`);
  if (!result.accepted.ok) throw new Error(`Firefox rejected polyrtc's answer: ${result.accepted.error}\n${result.ourAnswer}`);
  save('firefox-answer-to-polyrtc-offer.sdp', result.answered.answer);
  save('firefox-live-datachannel-offer.sdp', result.offer);
  save('polyrtc-answer-to-firefox-datachannel-offer.sdp', result.ourAnswer);
  save('firefox-CAPTURED.txt',
    `firefox-*.sdp (except firefox-handwritten-*) and firefox-candidates.txt: captured from headless ${version} (Debian\n` +
    `firefox-esr) by \`node tests/tools/capture-sdp.mjs firefox\`, the same scenarios as the Chromium captures\n` +
    `(see chromium-PROVENANCE.txt). Firefox obfuscates host addresses with mDNS names.\n` +
    `polyrtc-offer.sdp: Firefox's setRemoteDescription(offer) accepted, signalingState after answering\n` +
    `  ${result.answered.state}; Firefox's answer is firefox-answer-to-polyrtc-offer.sdp.\n` +
    `firefox-live-datachannel-offer.sdp answered by polyrtc as polyrtc-answer-to-firefox-datachannel-offer.sdp:\n` +
    `  setRemoteDescription(answer) accepted, signalingState ${result.accepted.state}, sctp.maxMessageSize ${result.accepted.maxMessageSize}.\n`);
  console.log('Firefox accepted polyrtc offer and answer.');
}

// ---- embed: test data as C++ ----

function embed() {
  const files = fs.readdirSync(dataDir).filter((f) => /\.(sdp|txt)$/.test(f) && !/PROVENANCE|VERIFIED|CAPTURED/.test(f) && !f.endsWith('.json')).sort();
  let out = '// Generated by `node tests/tools/capture-sdp.mjs embed` from tests/data/sdp/. Do not edit.\n' +
    '// The unit tests also run as Wasm under Node, where the host file system is not mounted, so the\n' +
    '// captured SDP is compiled in. sdp_corpus_test.cpp checks (natively) that this copy matches the files.\n' +
    '#pragma once\n\n#include <string_view>\n\nnamespace polyrtc::sdp::corpus {\n\n' +
    'struct File {\n    std::string_view name;\n    std::string_view text;\n};\n\n';
  const names = [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(dataDir, f), 'utf8');
    const id = 'k' + f.replace(/\.[a-z]+$/, '').split(/[-_.]/).map((w) => w[0].toUpperCase() + w.slice(1)).join('');
    names.push([f, id]);
    // One C string literal per line, the line ending spelled out (CRLF must survive).
    const pieces = text.match(/[^\n]*\n|[^\n]+$/g) || [];
    const lits = pieces.map((p) => '"' + p.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r/g, '\\r')
      .replace(/\n/g, '\\n').replace(/\0/g, '\\0') + '"');
    out += `inline constexpr std::string_view ${id} =\n    ${lits.length ? lits.join('\n    ') : '""'};\n\n`;
  }
  out += 'inline constexpr File kFiles[] = {\n' + names.map(([f, id]) => `    {"${f}", ${id}},`).join('\n') + '\n};\n\n';
  out += '}  // namespace polyrtc::sdp::corpus\n';
  fs.writeFileSync(corpusHeader, out);
  console.log(`wrote tests/unit/sdp/sdp_corpus.hpp (${files.length} files)`);
}

const mode = process.argv[2] || 'all';
if (mode === 'capture' || mode === 'all') await capture();
if (mode === 'verify' || mode === 'all') await verify();
if (mode === 'firefox') await firefox();
if (mode === 'embed' || mode === 'all') embed();
if (!['capture', 'verify', 'firefox', 'embed', 'all'].includes(mode)) {
  console.error('usage: capture-sdp.mjs [capture|verify|firefox|embed|all]');
  process.exit(2);
}
