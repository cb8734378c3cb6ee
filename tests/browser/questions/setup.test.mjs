// "What happens here if...?" for setting up a connection (QUESTIONS.md 1-7; docs/questions.md
// gives the answers and points here). Two polyrtc connections in one page of headless
// Chromium (native WebRTC deleted), through the real relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPairPage } from '../connection/pair.mjs';

let page;
sharedPairPage((shared) => ({ page } = shared));

test('q1.candidate-early: addIceCandidate before setRemoteDescription is InvalidStateError in both forms, not queued; added after it, the same candidate connects', async () => {
  const r = await page.evaluate(async () => {
    const pc1 = new RTCPeerConnection();
    const pc2 = new RTCPeerConnection();
    const candidates1 = [];
    pc1.onicecandidate = (e) => { if (e.candidate) candidates1.push(e.candidate); };
    trickle(pc2, pc1);
    pc1.createDataChannel('chat');
    await pc1.setLocalDescription();
    await until(() => pc1.iceGatheringState === 'complete', 15000, 'gathering');
    const early = candidates1[0];
    const out = {};
    out.promise = (await settles(pc2.addIceCandidate(early))).rejected;
    let legacy = 'no callback';
    const returned = await settles(pc2.addIceCandidate(early, () => { legacy = 'success'; }, (e) => { legacy = errorName(e); }));
    await nextTask();
    out.legacy = [returned.resolved, legacy];
    out.stateAfter = [pc2.signalingState, pc2.remoteDescription];
    // The offer in the signaling state machine; the early candidate was not kept anywhere.
    await pc2.setRemoteDescription({ type: 'offer', sdp: pc1.localDescription.sdp.replace(/a=candidate:.*\r\n/g, '').replace(/a=end-of-candidates\r\n/g, '') });
    out.remoteHasCandidate = /a=candidate/.test(pc2.remoteDescription.sdp);
    for (const c of candidates1) await pc2.addIceCandidate(c);
    out.remoteHasCandidateAfterAdd = /a=candidate/.test(pc2.remoteDescription.sdp);
    const arrived = waitFor(pc2, 'datachannel');
    await pc2.setLocalDescription();
    await pc1.setRemoteDescription(pc2.localDescription);
    const channel = (await arrived).channel;
    out.connected = [pc1.connectionState, pc2.connectionState, channel.readyState];
    await until(() => pc1.connectionState === 'connected' && pc2.connectionState === 'connected', 15000);
    out.connected = [pc1.connectionState, pc2.connectionState];
    pc1.close();
    pc2.close();
    return out;
  });
  assert.equal(r.promise, 'DOMException:InvalidStateError');
  assert.deepEqual(r.legacy, ['undefined', 'DOMException:InvalidStateError']);
  assert.deepEqual(r.stateAfter, ['stable', null]);
  assert.equal(r.remoteHasCandidate, false, 'the early candidate was dropped, not queued');
  assert.equal(r.remoteHasCandidateAfterAdd, true);
  assert.deepEqual(r.connected, ['connected', 'connected']);
});

test('q2.polite-rollback: when only one side gives way (rolls back, implicitly, and answers) and the other ignores the crossing offer, both channels open', async () => {
  const r = await page.evaluate(async () => {
    const impolite = new RTCPeerConnection();
    const polite = new RTCPeerConnection();
    trickle(impolite, polite);
    trickle(polite, impolite);
    const a = impolite.createDataChannel('from-impolite');
    const b = polite.createDataChannel('from-polite');
    await Promise.all([impolite.setLocalDescription(), polite.setLocalDescription()]);
    const trace = [polite.signalingState];
    // The polite side takes the other offer in have-local-offer: its own offer rolls back.
    await polite.setRemoteDescription(impolite.localDescription);
    trace.push(polite.signalingState, polite.localDescription);
    await polite.setLocalDescription();
    trace.push(polite.signalingState);
    // The impolite side never applies the polite offer; it takes the answer.
    await impolite.setRemoteDescription(polite.localDescription);
    const labels = { impolite: [], polite: [] };
    impolite.ondatachannel = (e) => labels.impolite.push(e.channel.label);
    polite.ondatachannel = (e) => labels.polite.push(e.channel.label);
    await until(() => a.readyState === 'open' && b.readyState === 'open', 15000, 'both channels open');
    await until(() => labels.impolite.length === 1 && labels.polite.length === 1, 5000, 'both announced');
    const out = { trace, labels, states: [impolite.connectionState, polite.connectionState] };
    impolite.close();
    polite.close();
    return out;
  });
  assert.deepEqual(r.trace, ['have-local-offer', 'have-remote-offer', null, 'stable']);
  assert.deepEqual(r.labels, { impolite: ['from-polite'], polite: ['from-impolite'] });
  assert.deepEqual(r.states, ['connected', 'connected']);
});

test('q3.negotiationneeded: not fired while an offer is outstanding; fired once back in stable if still needed; once for two channels in one task', async () => {
  const r = await page.evaluate(async () => {
    const pc1 = new RTCPeerConnection();
    const pc2 = new RTCPeerConnection(); // no candidates exchanged: only negotiation matters here
    const fired = [];
    pc1.onnegotiationneeded = () => fired.push(pc1.signalingState);
    pc1.createDataChannel('a');
    pc1.createDataChannel('b');
    await nextTask();
    await nextTask();
    const afterTwoChannels = fired.length;
    await pc1.setLocalDescription();
    pc1.restartIce(); // needs negotiation, but an offer is outstanding
    pc1.createDataChannel('c'); // needs none: the offer has the data section
    await new Promise((r) => setTimeout(r, 100));
    const whileOutstanding = fired.length;
    await pc2.setRemoteDescription(pc1.localDescription);
    await pc2.setLocalDescription();
    await pc1.setRemoteDescription(pc2.localDescription);
    await until(() => fired.length === 2, 5000, 'negotiationneeded after stable');
    const out = { afterTwoChannels, whileOutstanding, fired: [...fired] };
    // Answered: the restart offer carries new ICE credentials.
    const ufrag = (sdp) => /a=ice-ufrag:(\S+)/.exec(sdp)[1];
    const before = ufrag(pc1.localDescription.sdp);
    await pc1.setLocalDescription();
    out.newCredentials = ufrag(pc1.localDescription.sdp) !== before;
    pc1.close();
    pc2.close();
    return out;
  });
  assert.equal(r.afterTwoChannels, 1, 'two channels in one task: one event');
  assert.equal(r.whileOutstanding, 1, 'nothing while have-local-offer');
  assert.deepEqual(r.fired, ['stable', 'stable']);
  assert.equal(r.newCredentials, true);
});

test('q6.null-candidate: end-of-candidates ("" or null) is accepted once there is a remote description; new RTCIceCandidate(null) is a TypeError', async () => {
  const r = await page.evaluate(async () => {
    const pc1 = new RTCPeerConnection();
    const pc2 = new RTCPeerConnection();
    pc1.createDataChannel('chat');
    await pc1.setLocalDescription();
    await pc2.setRemoteDescription(pc1.localDescription);
    const out = {
      construct: throwsName(() => new RTCIceCandidate(null)),
      constructEmpty: throwsName(() => new RTCIceCandidate({ candidate: '' })),
      nullArg: await settles(pc2.addIceCandidate(null)),
      noArg: await settles(pc2.addIceCandidate()),
      emptyWithMid: await settles(pc2.addIceCandidate({ candidate: '', sdpMid: '0' })),
      // What example 10.3 would forward for the end-of-candidates candidate (it is truthy).
      viaJson: await settles(pc2.addIceCandidate(new RTCIceCandidate(JSON.parse(JSON.stringify({ c: new RTCIceCandidate({ candidate: '', sdpMid: '0' }) })).c))),
    };
    out.remoteSdpMarksEnd = /a=end-of-candidates/.test(pc2.remoteDescription.sdp);
    pc1.close();
    pc2.close();
    return out;
  });
  assert.equal(r.construct, 'TypeError');
  assert.equal(r.constructEmpty, 'TypeError');
  for (const name of ['nullArg', 'noArg', 'emptyWithMid', 'viaJson']) assert.deepEqual(r[name], { resolved: 'undefined' }, name);
  assert.equal(r.remoteSdpMarksEnd, true);
});

test('q7.description-init: plain objects, extra fields and JSON round trips all work; rollback of a remote offer returns to stable', async () => {
  const r = await page.evaluate(async () => {
    const pc1 = new RTCPeerConnection();
    const pc2 = new RTCPeerConnection();
    pc1.createDataChannel('chat');
    await pc1.setLocalDescription();
    const offer = pc1.localDescription;
    const out = {
      toJSON: Object.keys(offer.toJSON()).sort(),
      extra: new RTCSessionDescription({ type: 'offer', sdp: 'x', extra: 1 }).toJSON(),
      rollbackObject: [new RTCSessionDescription({ type: 'rollback' }).type, new RTCSessionDescription({ type: 'rollback' }).sdp],
    };
    out.plain = await settles(pc2.setRemoteDescription({ type: offer.type, sdp: offer.sdp, extra: 'ignored' }));
    out.state1 = pc2.signalingState;
    out.rollback = await settles(pc2.setRemoteDescription(new RTCSessionDescription({ type: 'rollback' })));
    out.state2 = [pc2.signalingState, pc2.remoteDescription];
    out.json = await settles(pc2.setRemoteDescription(JSON.parse(JSON.stringify(offer))));
    out.state3 = pc2.signalingState;
    pc1.close();
    pc2.close();
    return out;
  });
  assert.deepEqual(r.toJSON, ['sdp', 'type']);
  assert.deepEqual(r.extra, { type: 'offer', sdp: 'x' });
  assert.deepEqual(r.rollbackObject, ['rollback', '']);
  assert.deepEqual(r.plain, { resolved: 'undefined' });
  assert.equal(r.state1, 'have-remote-offer');
  assert.deepEqual(r.rollback, { resolved: 'undefined' });
  assert.deepEqual(r.state2, ['stable', null]);
  assert.deepEqual(r.json, { resolved: 'undefined' });
  assert.equal(r.state3, 'have-remote-offer');
});

test('states: with a real remote description, wrong-state calls reject with the spec errors in both API forms', async () => {
  const r = await page.evaluate(async () => {
    const pc1 = new RTCPeerConnection();
    const pc2 = new RTCPeerConnection();
    pc1.createDataChannel('chat');
    await pc1.setLocalDescription();
    const offer = pc1.localDescription;
    const calls = {
      // pc1 is in have-local-offer
      createAnswerInHaveLocalOffer: (...cb) => pc1.createAnswer(...cb),
      localAnswerInHaveLocalOffer: (...cb) => pc1.setLocalDescription({ type: 'answer', sdp: offer.sdp }, ...cb),
      remoteAnswerBadSdp: (...cb) => pc1.setRemoteDescription({ type: 'answer', sdp: 'v=0\r\n' }, ...cb),
      // pc2 gets the offer first, below
      candidateUnknownMid: (...cb) => pc2.addIceCandidate({ candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host', sdpMid: 'nope' }, ...cb),
      candidateIndexOutOfRange: (...cb) => pc2.addIceCandidate({ candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host', sdpMLineIndex: 9 }, ...cb),
      candidateOtherUfrag: (...cb) => pc2.addIceCandidate({ candidate: 'candidate:1 1 udp 1 192.0.2.1 5000 typ host', sdpMid: '0', usernameFragment: 'someoneelse' }, ...cb),
      localOfferInHaveRemoteOffer: (...cb) => pc2.setLocalDescription({ type: 'offer', sdp: offer.sdp }, ...cb),
      remoteAnswerInHaveRemoteOffer: (...cb) => pc2.setRemoteDescription({ type: 'answer', sdp: offer.sdp }, ...cb),
      createOfferInHaveRemoteOffer: (...cb) => pc2.createOffer(...cb),
    };
    await pc2.setRemoteDescription(offer);
    const out = {};
    for (const [name, call] of Object.entries(calls)) {
      const promise = await settles(call());
      let legacy = 'no callback';
      const returned = await settles(call(() => { legacy = 'success'; }, (e) => { legacy = errorName(e); }));
      await nextTask();
      out[name] = [promise.rejected ?? promise, returned.resolved, legacy];
    }
    out.states = [pc1.signalingState, pc2.signalingState];
    pc1.close();
    pc2.close();
    return out;
  });
  const expected = {
    createAnswerInHaveLocalOffer: 'DOMException:InvalidStateError',
    localAnswerInHaveLocalOffer: 'DOMException:InvalidModificationError',
    remoteAnswerBadSdp: 'DOMException:OperationError',
    candidateUnknownMid: 'DOMException:OperationError',
    candidateIndexOutOfRange: 'DOMException:OperationError',
    candidateOtherUfrag: 'DOMException:OperationError',
    localOfferInHaveRemoteOffer: 'DOMException:InvalidModificationError',
    remoteAnswerInHaveRemoteOffer: 'DOMException:InvalidStateError',
    createOfferInHaveRemoteOffer: 'DOMException:InvalidStateError',
  };
  for (const [name, error] of Object.entries(expected)) assert.deepEqual(r[name], [error, 'undefined', error], name);
  assert.deepEqual(r.states, ['have-local-offer', 'have-remote-offer'], 'failed calls change no state');
});
