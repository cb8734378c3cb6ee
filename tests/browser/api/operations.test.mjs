// The operations chain (webrtc-pc §4.4.1.2), the state checks each operation makes, close(),
// the legacy callback forms (§4.4.3) and the negotiation-needed flag — against the real Wasm
// module. polyrtc.wasm is served with a delay so that operations waiting for it are still in
// the chain when later calls are made.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.mjs';

const kWasmDelayMs = 400;
let env;
const pages = [];
before(async () => {
  env = await setup({ wasmDelayMs: kWasmDelayMs });
});
after(async () => {
  // This harness serves pages without a relay (it needs to delay polyrtc.wasm); it accepts
  // the engine's /turn WebSocket and never answers, so no page error is expected.
  try {
    for (const page of pages) assert.deepEqual(page.errors, [], 'no page errors');
  } finally {
    await env.close();
  }
});
async function freshPage() {
  const page = await env.open();
  pages.push(page);
  return page;
}

const kEngineMissing = /no PeerConnectionCore/;

test('operations reach the Wasm engine, in both forms', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const legacyResults = [];
    const legacy = await pc.createOffer((d) => legacyResults.push(d.type), (e) => legacyResults.push(errorName(e)));
    const offer = await settles(pc.createOffer());
    const garbage = await settles(pc.setRemoteDescription({ type: 'offer', sdp: 'v=0\r\n' }));
    const stats = await settles(pc.getStats());
    const out = {
      offer: [offer.resolved?.type, /^v=0\r\n/.test(offer.resolved?.sdp ?? '')],
      garbage: [garbage.rejected, garbage.error?.errorDetail ?? null],
      stats: stats.resolved instanceof RTCStatsReport,
      legacyReturn: legacy === undefined ? 'undefined' : legacy,
    };
    await nextTask();
    out.legacyResults = legacyResults;
    out.stateAfter = pc.signalingState;
    pc.close();
    return out;
  });
  assert.deepEqual(r.offer, ['offer', true]);
  assert.match(r.garbage[0], /OperationError/);
  assert.equal(r.stats, true);
  assert.equal(r.legacyReturn, 'undefined');
  assert.deepEqual(r.legacyResults, ['offer']);
  assert.equal(r.stateAfter, 'stable');
});

test('state checks that need no engine: wrong-state calls reject with the spec errors, in promise and legacy forms', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const offerSdp = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n';
    const calls = {
      createAnswerInStable: (...cb) => pc.createAnswer(...cb),
      sldAnswerInStable: (...cb) => pc.setLocalDescription({ type: 'answer' }, ...cb),
      sldPranswerInStable: (...cb) => pc.setLocalDescription({ type: 'pranswer' }, ...cb),
      sldAnswerNotCreated: (...cb) => pc.setLocalDescription({ type: 'answer', sdp: offerSdp }, ...cb),
      sldOfferNotCreated: (...cb) => pc.setLocalDescription({ type: 'offer', sdp: offerSdp }, ...cb),
      sldRollbackInStable: (...cb) => pc.setLocalDescription({ type: 'rollback' }, ...cb),
      srdAnswerInStable: (...cb) => pc.setRemoteDescription({ type: 'answer', sdp: offerSdp }, ...cb),
      srdPranswerInStable: (...cb) => pc.setRemoteDescription({ type: 'pranswer', sdp: offerSdp }, ...cb),
      srdRollbackInStable: (...cb) => pc.setRemoteDescription({ type: 'rollback' }, ...cb),
      candidateWithoutRemote: (...cb) => pc.addIceCandidate({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: '0' }, ...cb),
      endOfCandidatesWithoutRemote: (...cb) => pc.addIceCandidate({ candidate: '', sdpMid: '0' }, ...cb),
      candidateNoMidNoIndex: (...cb) => pc.addIceCandidate({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' }, ...cb),
      srdNoType: (...cb) => pc.setRemoteDescription({ sdp: offerSdp }, ...cb),
      srdBadType: (...cb) => pc.setRemoteDescription({ type: 'nope', sdp: '' }, ...cb),
      sldBadType: (...cb) => pc.setLocalDescription({ type: 'nope' }, ...cb),
    };
    const out = {};
    for (const [name, call] of Object.entries(calls)) {
      const promise = await settles(call());
      let legacyError = null;
      let legacySuccess = false;
      const returned = await settles(call(() => { legacySuccess = true; }, (e) => { legacyError = errorName(e); }));
      await nextTask();
      out[name] = [promise.rejected ?? promise, returned.resolved, legacySuccess ? 'success called' : legacyError];
    }
    pc.close();
    return out;
  });
  const expected = {
    createAnswerInStable: 'DOMException:InvalidStateError',
    sldAnswerInStable: 'DOMException:InvalidStateError',
    sldPranswerInStable: 'DOMException:InvalidStateError',
    sldAnswerNotCreated: 'DOMException:InvalidModificationError',
    sldOfferNotCreated: 'DOMException:InvalidModificationError',
    sldRollbackInStable: 'DOMException:InvalidStateError',
    srdAnswerInStable: 'DOMException:InvalidStateError',
    srdPranswerInStable: 'DOMException:InvalidStateError',
    srdRollbackInStable: 'DOMException:InvalidStateError',
    candidateWithoutRemote: 'DOMException:InvalidStateError',
    endOfCandidatesWithoutRemote: 'DOMException:InvalidStateError',
    candidateNoMidNoIndex: 'TypeError',
  };
  for (const [name, error] of Object.entries(expected)) {
    assert.deepEqual(r[name], [error, 'undefined', error], name);
  }
  // A description that does not convert is a TypeError before the legacy form could run:
  // the returned promise itself rejects and no callback is called.
  for (const name of ['srdNoType', 'srdBadType', 'sldBadType']) {
    assert.deepEqual(r[name], ['TypeError', undefined, null], name);
  }
});

test('after close(): every operation rejects with InvalidStateError (promise form) or calls the failure callback (legacy form)', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.close();
    const calls = {
      createOffer: (...cb) => pc.createOffer(...cb),
      createAnswer: (...cb) => pc.createAnswer(...cb),
      setLocalDescription: (...cb) => pc.setLocalDescription(cb.length ? { type: 'offer' } : undefined, ...cb),
      setRemoteDescription: (...cb) => pc.setRemoteDescription({ type: 'offer', sdp: '' }, ...cb),
      addIceCandidate: (...cb) => pc.addIceCandidate({ candidate: '', sdpMid: '0' }, ...cb),
    };
    const out = {};
    for (const [name, call] of Object.entries(calls)) {
      const promise = await settles(call());
      let legacy = 'not called';
      const returned = await settles(call(() => { legacy = 'success'; }, (e) => { legacy = errorName(e); }));
      await nextTask();
      out[name] = [promise.rejected, returned.resolved, legacy];
    }
    out.createDataChannel = throwsName(() => pc.createDataChannel('x'));
    out.setConfiguration = throwsName(() => pc.setConfiguration({}));
    out.restartIce = throwsName(() => pc.restartIce());
    out.getConfiguration = throwsName(() => pc.getConfiguration());
    out.candidateTypeErrorFirst = (await settles(pc.addIceCandidate({ candidate: 'x' }))).rejected;
    return out;
  });
  for (const name of ['createOffer', 'createAnswer', 'setLocalDescription', 'setRemoteDescription', 'addIceCandidate']) {
    assert.deepEqual(r[name], ['DOMException:InvalidStateError', 'undefined', 'DOMException:InvalidStateError'], name);
  }
  assert.equal(r.createDataChannel, 'DOMException:InvalidStateError');
  assert.equal(r.setConfiguration, 'DOMException:InvalidStateError');
  assert.equal(r.restartIce, 'no exception');
  assert.equal(r.getConfiguration, 'no exception');
  assert.equal(r.candidateTypeErrorFirst, 'TypeError');
});

test('legacy overloads: which argument counts pick which form, and non-functions are a TypeError', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const called = [];
    const cb = (name) => () => called.push(name);
    const out = {
      // One argument: the promise form, with the function taken as the options dictionary.
      createOfferOneFunction: await settles(pc.createOffer(cb('offer-success-only'))),
      createOfferFailureNotFunction: await settles(pc.createOffer(cb('s'), 'not a function')),
      createOfferSuccessNull: await settles(pc.createOffer(null, cb('f'))),
      createAnswerFailureNotFunction: await settles(pc.createAnswer(cb('s'), {})),
      // Two arguments match no overload of these three (promise form: 0-1, legacy: 3).
      sldTwoArguments: await settles(pc.setLocalDescription({ type: 'rollback' }, cb('s'))),
      srdTwoArguments: await settles(pc.setRemoteDescription({ type: 'rollback' }, cb('s'))),
      addIceCandidateTwoArguments: await settles(pc.addIceCandidate({ candidate: '', sdpMid: '0' }, cb('s'))),
      sldFailureNotFunction: await settles(pc.setLocalDescription({ type: 'rollback' }, cb('s'), 3)),
      addIceCandidateSuccessNotFunction: await settles(pc.addIceCandidate({ candidate: '', sdpMid: '0' }, 'x', cb('f'))),
      createOfferOptionsNotDict: await settles(pc.createOffer(5)),
      createOfferLegacyOptionsNotDict: await settles(pc.createOffer(cb('s'), cb('f'), 5)),
    };
    await nextTask();
    out.called = called;
    pc.close();
    return out;
  });
  assert.equal(r.createOfferOneFunction.rejected, undefined); // the promise form, with options = the function
  for (const key of ['createOfferFailureNotFunction', 'createOfferSuccessNull', 'createAnswerFailureNotFunction', 'sldTwoArguments',
    'srdTwoArguments', 'addIceCandidateTwoArguments', 'sldFailureNotFunction', 'addIceCandidateSuccessNotFunction',
    'createOfferOptionsNotDict', 'createOfferLegacyOptionsNotDict']) {
    assert.equal(r[key].rejected, 'TypeError', key);
  }
  assert.deepEqual(r.called, [], 'no callback is called when the arguments do not convert');
});

test('legacy callbacks: an exception thrown by a callback is reported, and the returned promise still resolves', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const reported = [];
    window.addEventListener('error', (e) => { reported.push(e.message); e.preventDefault(); });
    const returned = await settles(pc.createAnswer(() => {}, () => { throw new Error('from the failure callback'); }));
    await nextTask();
    await nextTask();
    pc.close();
    return { returned: returned.resolved, reported: reported.some((m) => /from the failure callback/.test(m)) };
  });
  assert.deepEqual(r, { returned: 'undefined', reported: true });
});

test('the operations chain runs operations one at a time in call order', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const order = [];
    const track = (name, p) => p.then(() => order.push(`${name}:resolved`), (e) => order.push(`${name}:${e.name}`));
    // createOffer waits for the Wasm module (served late); every call after it waits behind it,
    // even those that fail at once when their turn comes.
    const all = [
      track('createOffer', pc.createOffer()),
      track('createAnswer', pc.createAnswer()),
      track('sldRollback', pc.setLocalDescription({ type: 'rollback' })),
      track('srdAnswer', pc.setRemoteDescription({ type: 'answer', sdp: '' })),
      // Not chained: this TypeError is decided before chaining, so it settles first.
      track('addIceCandidateNoMid', pc.addIceCandidate({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host' })),
      track('addIceCandidate', pc.addIceCandidate({ candidate: '', sdpMid: '0' })),
      track('createOffer2', pc.createOffer()),
    ];
    await Promise.all(all);
    pc.close();
    return order;
  });
  assert.deepEqual(r, [
    'addIceCandidateNoMid:TypeError',
    'createOffer:resolved',
    'createAnswer:InvalidStateError',
    'sldRollback:InvalidStateError',
    'srdAnswer:InvalidStateError',
    'addIceCandidate:InvalidStateError',
    'createOffer2:resolved',
  ]);
});

test('close() while operations are chained: their promises never settle and no callback runs', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const seen = [];
    pc.createOffer().then(() => seen.push('offer resolved'), () => seen.push('offer rejected'));
    pc.createAnswer().then(() => seen.push('answer resolved'), () => seen.push('answer rejected'));
    pc.createOffer(() => seen.push('legacy success'), () => seen.push('legacy failure'));
    pc.close();
    // Long enough for the Wasm module to arrive and the engine check to run.
    await polyrtc.preload();
    await new Promise((resolve) => setTimeout(resolve, 300));
    return seen;
  });
  assert.deepEqual(r, []);
});

test('negotiationneeded: fires once, in a task, after the first data channel; not for later channels', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const log = [];
    pc.onnegotiationneeded = () => log.push(`negotiationneeded:${pc.signalingState}`);
    pc.createDataChannel('a');
    log.push('sync');
    await nextTask();
    await nextTask();
    pc.createDataChannel('b');
    await nextTask();
    await nextTask();
    pc.close();
    return log;
  });
  assert.deepEqual(r, ['sync', 'negotiationneeded:stable']);
});

test('negotiationneeded: not fired when the connection closes first, and held back while the chain is busy', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const closedFirst = new RTCPeerConnection();
    let firedAfterClose = false;
    closedFirst.onnegotiationneeded = () => { firedAfterClose = true; };
    closedFirst.createDataChannel('a');
    closedFirst.close();

    const pc = new RTCPeerConnection();
    const log = [];
    pc.onnegotiationneeded = () => log.push('negotiationneeded');
    const offer = pc.createOffer().then(() => log.push('createOffer:resolved'), (e) => log.push(`createOffer:${e.name}`));
    pc.createDataChannel('a'); // the chain is not empty: the flag is updated when it empties
    await nextTask();
    log.push('task after createDataChannel');
    await offer;
    await new Promise((resolve) => setTimeout(resolve, 50));
    pc.close();
    return { firedAfterClose, log };
  });
  assert.deepEqual(r, {
    firedAfterClose: false,
    log: ['task after createDataChannel', 'createOffer:resolved', 'negotiationneeded'],
  });
});

test('getStats: a non-null selector is a TypeError (no tracks exist)', async () => {
  const page = await freshPage();
  const r = await page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    const v = await settles(pc.getStats({}));
    pc.close();
    return v.rejected;
  });
  assert.equal(r, 'TypeError');
});
