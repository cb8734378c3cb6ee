// Spec example 10.3 verbatim between pages of two different engines, none with a WebRTC of its
// own: WebKitGTK 2.50 (compiled out), Firefox ESR (pref off), Chromium (native API deleted).
// Each engine offers once and answers once; all meet in one relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchEngine } from '../../support/engines.mjs';
import { chat, startChatRelay } from './chat.mjs';

let relay;
const engines = {};

// Bounded: a browser that does not start fails the file instead of hanging it.
before(async () => {
  relay = await startChatRelay();
  // One at a time: three browser startups at once on a loaded 2-core machine only time out.
  for (const name of ['webkitgtk', 'firefox', 'chromium']) engines[name] = await launchEngine(name);
}, { timeout: 240000 });

after(async () => {
  await Promise.all(Object.values(engines).map((engine) => engine.close()));
  await relay?.stop();
});

for (const [offerer, answerer] of [['webkitgtk', 'firefox'], ['firefox', 'chromium'], ['chromium', 'webkitgtk']]) {
  test(`engines.cross: spec example 10.3 chats from a ${offerer} page to a ${answerer} page`, { timeout: 120000 }, async (t) => {
    const a = await engines[offerer].newPage();
    const b = await engines[answerer].newPage();
    try {
      const { openMs, messagesMs } = await chat(a, b, relay);
      t.diagnostic(`${a.version} -> ${b.version}: channel open ${openMs} ms after start(true), two messages ${messagesMs} ms`);
    } finally {
      await a.close();
      await b.close();
    }
  });
}

// Example 10.3 sends its SDP from setLocalDescription's success callback and each candidate
// from onicecandidate: the far side needs the SDP first. Native browsers fire icecandidate only
// after that callback; polyrtc once surfaced the answerer's ready relay candidate before it,
// and the offerer's addIceCandidate rejected with InvalidStateError (no remote description).
function candidateOrder() {
  return (async () => {
    const log = [];
    const offerer = new RTCPeerConnection();
    const answerer = new RTCPeerConnection();
    offerer.onicecandidate = (e) => log.push(`offerer ${e.candidate ? 'candidate' : 'end'}`);
    answerer.onicecandidate = (e) => log.push(`answerer ${e.candidate ? 'candidate' : 'end'}`);
    offerer.createDataChannel('order');
    const offer = await offerer.createOffer();
    await new Promise((resolve, reject) => offerer.setLocalDescription(offer, () => { log.push('offerer set'); resolve(); }, reject));
    await answerer.setRemoteDescription(offer);
    // Give the answerer time to have its relay allocation ready before its answer is set.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answer = await answerer.createAnswer();
    await new Promise((resolve, reject) => answerer.setLocalDescription(answer, () => { log.push('answerer set'); resolve(); }, reject));
    await new Promise((resolve) => setTimeout(resolve, 500));
    offerer.close();
    answerer.close();
    const first = (who) => log.findIndex((entry) => entry.startsWith(`${who} `) && !entry.endsWith(' set'));
    return {
      offerer: log.indexOf('offerer set') < first('offerer'),
      answerer: log.indexOf('answerer set') < first('answerer'),
      log: log.join(', '),
    };
  })();
}

for (const name of ['webkitgtk', 'firefox', 'chromium']) {
  test(`engines.cross: in ${name} icecandidate fires after the setLocalDescription callback on both sides`, { timeout: 60000 }, async () => {
    const page = await engines[name].newPage();
    try {
      await page.goto(relay.url('/chat-10-3.html?room=unused-order'));
      const order = await page.evaluate(candidateOrder);
      assert.deepEqual([order.offerer, order.answerer], [true, true], order.log);
    } finally {
      await page.close();
    }
  });
}
