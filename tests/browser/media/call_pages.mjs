// Shared setup for the call tests (spec examples 10.1 and 10.5 verbatim, pages/call-10-1.html):
// the real relay serving tests/browser/pages, and two headless Chromiums, one per role, each
// with a fake microphone playing its own generated tone (the caller 440 Hz, the callee 660 Hz),
// so each side can check that it hears the OTHER party.
//
// Two modes, one switch (env POLYRTC_MEDIA_NATIVE=1, or the `native` option):
// - polyrtc (the default, what ./run test runs): every native RTC* global is deleted before the
//   page runs (newPageWithoutWebRtc), so the call is polyrtc's (Wasm core, TURN over WebSocket).
// - native: Chromium's own WebRTC, kept; pages/call-native-shims.js points it at the same
//   relay over TURN/UDP and shims the legacy calls Chromium dropped. This proves the tests
//   themselves and gives native reference figures from the same code.
import { before, after } from 'node:test';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../support/paths.mjs';
import { startRelay } from '../../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../../support/chromium.mjs';

export const kNativeMode = process.env.POLYRTC_MEDIA_NATIVE === '1';
export const kTones = { caller: 440, callee: 660 };
export const kMediaArgs = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required'];

// A mono 16-bit PCM WAV of a sine at `frequency` Hz: `seconds` long with a whole number of
// cycles, so Chromium's fake capture, which loops the file, plays a continuous tone.
export function toneWav(frequency, { seconds = 2, rate = 48000, amplitude = 0.5 } = {}) {
  const n = Math.round(seconds * rate);
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    data.writeInt16LE(Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * frequency * i) / rate)), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

// Writes one tone file per role into a fresh temporary directory: {dir, caller, callee}.
export function writeToneFiles(tones = kTones) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'polyrtc-call-'));
  const files = { dir };
  for (const [role, frequency] of Object.entries(tones)) {
    files[role] = path.join(dir, `${role}-${frequency}hz.wav`);
    writeFileSync(files[role], toneWav(frequency));
  }
  return files;
}

// Chromium's flags for a page with a fake microphone playing `wavFile` (looped).
export function mediaArgs(wavFile) {
  return [...kMediaArgs, `--use-file-for-fake-audio-capture=${wavFile}`, '--allow-loopback-in-peer-connection'];
}

// A page of `browser` in `native` or polyrtc mode (the latter without native RTC*).
export async function newCallPage(browser, native) {
  if (!native) return newPageWithoutWebRtc(browser);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(String(error)));
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(msg.text()); });
  return page;
}

// Registers this file's before/after hooks; the returned object holds {relay, browsers, native}
// once before() has run, and opens a caller and a callee page of call-10-1.html in a fresh room.
export function useCallPages({ native = kNativeMode } = {}) {
  const env = {
    native,
    mode: native ? 'native' : 'polyrtc',
    relay: null,
    browsers: {},
    tones: null,
    async openCall(roomPrefix) {
      const room = `${roomPrefix}-${env.mode}-${process.pid}-${Date.now()}`;
      const query = `?room=${room}${native ? `&mode=native&turn=${env.relay.udpPort}` : ''}`;
      const caller = await newCallPage(env.browsers.caller, native);
      const callee = await newCallPage(env.browsers.callee, native);
      for (const page of [caller, callee]) {
        await page.goto(env.relay.url(`/call-10-1.html${query}`));
        // The relay's rooms deliver only to members already joined (docs/relay.md).
        await page.waitForFunction(() => signalingChannel.readyState === 1, null, { timeout: 10000 });
        const stack = await page.evaluate(() => callState().stack);
        if (stack !== env.mode) throw new Error(`a ${env.mode} test page runs ${stack} RTCPeerConnection`);
      }
      return { caller, callee };
    },
    // 10.1 "call start() to initiate" on the caller; resolves when both sides are connected,
    // have had onaddstream, and remoteView plays.
    async startCall(pages, timeoutMs = 30000) {
      await pages.caller.evaluate(() => start());
      try {
        for (const page of [pages.caller, pages.callee]) {
          await page.waitForFunction(() => {
            const s = callState();
            return s.connection === 'connected' && s.addstreams > 0 && s.remotePlaying;
          }, null, { timeout: timeoutMs, polling: 50 });
        }
      } catch (error) {
        throw new Error(`${error.message}\n${await env.describe(pages)}`);
      }
    },
    // Both sides' state, event order, logged errors and page errors, for a failure message.
    async describe(pages) {
      const out = [];
      for (const [role, page] of Object.entries(pages)) {
        const seen = await page.evaluate(() => ({ state: callState(), events: callEvents, logged }))
          .catch((e) => `evaluate failed: ${e.message}`);
        out.push(`---- ${role} ----\n${JSON.stringify(seen, null, 1)}\npage errors: ${JSON.stringify(page.errors)}`);
      }
      return out.join('\n');
    },
    async closeCall(pages) {
      for (const page of [pages.caller, pages.callee]) await page.context().close();
    },
  };
  before(async () => {
    env.tones = writeToneFiles();
    // Both pages' relayed addresses are on 127.0.0.1, hence --allow-loopback-peers. polyrtc
    // pages use the example's configuration, without TURN credentials: an open relay. Native
    // Chromium gets no relay candidate from an open relay (the allocation succeeds, but
    // Chromium surfaces no candidate from an unauthenticated Allocate response), so the native
    // run uses a credential (call-native-shims.js configures it).
    const auth = native ? ['--user', 'call:call', '--realm', 'polyrtc'] : ['--no-auth'];
    env.relay = await startRelay(['--web-root', path.join(repoRoot, 'tests', 'browser', 'pages'), ...auth,
      '--allow-loopback-peers']);
    env.browsers.caller = await launchChromium({ extraArgs: mediaArgs(env.tones.caller) });
    env.browsers.callee = await launchChromium({ extraArgs: mediaArgs(env.tones.callee) });
  });
  after(async () => {
    await env.browsers.caller?.close();
    await env.browsers.callee?.close();
    await env.relay?.stop();
    if (env.tones) rmSync(env.tones.dir, { recursive: true, force: true });
  });
  return env;
}

// The examples' text as the specification prints it (/work/shared/spec-examples.txt, W3C
// webrtc-pc sections 10.1 and 10.5), typographic quotes and all: the tests check that the page
// runs exactly this.
export const kSpecExample10_1 = ` var signalingChannel = new SignalingChannel();

var configuration = { "iceServers": [{ "url": "stun:stun.example.org" }] };

var pc;

// call start() to initiate

function start() {

    pc = new RTCPeerConnection(configuration);

    // send any ice candidates to the other peer

    pc.onicecandidate = function (evt) {

        if (evt.candidate)

            signalingChannel.send(JSON.stringify({ "candidate": evt.candidate }));

    };

    // let the "negotiationneeded" event trigger offer generation

    pc.onnegotiationneeded = function () {

        pc.createOffer(localDescCreated, logError);

    }

    // once remote stream arrives, show it in the remote video element

    pc.onaddstream = function (evt) {

        remoteView.src = URL.createObjectURL(evt.stream);

    };

    // get a local stream, show it in a self-view and add it to be sent

    navigator.getUserMedia({ "audio": true, "video": true }, function (stream) {

        selfView.src = URL.createObjectURL(stream);

        pc.addStream(stream);

    });

}
 function localDescCreated(desc) {

    pc.setLocalDescription(desc, function () {

        signalingChannel.send(JSON.stringify({ "sdp": pc.localDescription }));

    }, logError);

}

signalingChannel.onmessage = function (evt) {

    if (!pc)

        start();

    var message = JSON.parse(evt.data);

    if (message.sdp)

        pc.setRemoteDescription(new RTCSessionDescription(message.sdp), function () {

            // if we received an offer, we need to answer

            if (pc.remoteDescription.type == "offer")

                pc.createAnswer(localDescCreated, logError);

        }, logError);

    else

        pc.addIceCandidate(new RTCIceCandidate(message.candidate));

};

function logError(error) {

    log(error.name + ": " + error.message);

}`;

export const kSpecExamples10_5 = [
  `sender = pc.createDTMFSender(track);

if (sender.canSendDTMF) {

  sender.insertDTMF(“1234”, 500);

} else {

  alert(‘DTMF function not available’);

}`,
  `sender = pc.createDTMFSender(track);

sender.ontonechange = function(e) {

  lightKey(e.tone);

}

sender.insertDTMF(‘1234’);`,
  `sender = pc.createDTMFSender(track);

sender.ontonechange = function(e) {

  if (e.tone == ‘’) {

    sender.insertDTMF(‘2’, 2000);

  }

}

sender.insertDTMF(‘1’, 1000);`,
  `sender = pc.createDTMFSender(track);

sender.insertDTMF(‘12345’);

// Other things happen.....

sender.insertDTMF(sender.toneBuffer + ‘6789’);`,
];

// The only change the page makes to 10.5: typographic quotes, which are not JavaScript, become
// ASCII quotes.
export function asciiQuotes(text) {
  return text.replace(/[\u201c\u201d]/g, '"').replace(/[\u2018\u2019]/g, "'");
}
