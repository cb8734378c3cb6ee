// The events of a whole connection, in the order polyrtc fires them, checked against the order
// webrtc-pc gives. Offerer and answerer are two polyrtc RTCPeerConnections of one page of
// headless Chromium (native WebRTC deleted), connected through the real relay, negotiating the
// way example 10.3 does (negotiationneeded makes the offer).
//
// What the spec says, per connection:
// - signaling: setLocalDescription/setRemoteDescription fire signalingstatechange in the task
//   that applies the description (§4.4.1.5); the ICE agent's reaction (gathering) comes in
//   tasks queued after it, so have-local-offer comes before icegatheringstatechange(gathering).
// - gathering (§5.6.1 with PR 2894): icegatheringstatechange(gathering), an icecandidate per
//   candidate, then for the finished generation an icecandidate whose candidate is "" (end of
//   candidates), then icegatheringstatechange(complete) followed by icecandidate(null).
// - connectivity (§4.4.1.4-5): "update the ICE connection state" fires
//   iceconnectionstatechange and then updates the connection state, so each
//   iceconnectionstatechange precedes the connectionstatechange it causes: checking,
//   connecting, connected (or completed), connected. connectionState is connected only once
//   DTLS is too.
// - data (§6.2): the answerer's channel arrives in datachannel and its open follows in the
//   same task (§6.2.2 "announce"); the offerer's channel opens when SCTP is up. Both after
//   connectionstatechange(connected), since SCTP runs over the connected DTLS transport.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPairPage } from './pair.mjs';

let page;
sharedPairPage((shared) => ({ page } = shared));

// Each event as a string "type:state" (icecandidate: candidate / end / null).
async function recordConnection() {
  return page.evaluate(async () => {
    const events = { offerer: [], answerer: [] };
    const record = (pc, name) => {
      const log = events[name];
      pc.onnegotiationneeded = () => log.push('negotiationneeded');
      pc.onsignalingstatechange = () => log.push('signalingstatechange:' + pc.signalingState);
      pc.onicegatheringstatechange = () => log.push('icegatheringstatechange:' + pc.iceGatheringState);
      pc.oniceconnectionstatechange = () => log.push('iceconnectionstatechange:' + pc.iceConnectionState);
      pc.onconnectionstatechange = () => log.push('connectionstatechange:' + pc.connectionState);
      pc.addEventListener('icecandidate', (e) => {
        log.push('icecandidate:' + (e.candidate === null ? 'null' : e.candidate.candidate === '' ? 'end' : 'candidate'));
      });
      pc.ondatachannel = (e) => {
        log.push('datachannel:' + e.channel.readyState);
        e.channel.onopen = () => log.push('open');
      };
    };
    const offerer = new RTCPeerConnection();
    const answerer = new RTCPeerConnection();
    record(offerer, 'offerer');
    record(answerer, 'answerer');
    trickle(offerer, answerer);
    trickle(answerer, offerer);
    offerer.addEventListener('negotiationneeded', async () => {
      await offerer.setLocalDescription();
      await answerer.setRemoteDescription(offerer.localDescription);
      await answerer.setLocalDescription();
      await offerer.setRemoteDescription(answerer.localDescription);
    });
    const channel = offerer.createDataChannel('chat');
    channel.onopen = () => events.offerer.push('open');
    await until(() => events.offerer.includes('open') && events.answerer.includes('open')
      && events.offerer.includes('icecandidate:null') && events.answerer.includes('icecandidate:null'), 20000, 'both open');
    offerer.close();
    answerer.close();
    return events;
  });
}

function only(events, prefixes) {
  const kept = events.filter((e) => prefixes.some((p) => e.startsWith(p)));
  return kept.filter((e, i) => !(e === 'icecandidate:candidate' && kept[i - 1] === e)); // one entry per run of candidates
}

function before_(events, a, b) {
  const ia = events.indexOf(a);
  const ib = events.indexOf(b);
  assert.ok(ia >= 0, `${a} fired (${events.join(', ')})`);
  assert.ok(ib >= 0, `${b} fired (${events.join(', ')})`);
  assert.ok(ia < ib, `${a} before ${b} (${events.join(', ')})`);
}

test('events.order: a full connection fires signaling, gathering, connectivity and data-channel events in the spec order', async () => {
  const { offerer, answerer } = await recordConnection();

  assert.equal(offerer[0], 'negotiationneeded', offerer.join(', '));
  assert.equal(answerer.filter((e) => e === 'negotiationneeded').length, 0, 'the answerer never needs negotiation');
  assert.equal(offerer.filter((e) => e === 'negotiationneeded').length, 1);

  assert.deepEqual(only(offerer, ['signalingstatechange']), ['signalingstatechange:have-local-offer', 'signalingstatechange:stable']);
  assert.deepEqual(only(answerer, ['signalingstatechange']), ['signalingstatechange:have-remote-offer', 'signalingstatechange:stable']);

  const gathering = ['icegatheringstatechange:gathering', 'icecandidate:candidate', 'icecandidate:end',
    'icegatheringstatechange:complete', 'icecandidate:null'];
  assert.deepEqual(only(offerer, ['icegatheringstatechange', 'icecandidate']), gathering);
  assert.deepEqual(only(answerer, ['icegatheringstatechange', 'icecandidate']), gathering);
  before_(offerer, 'signalingstatechange:have-local-offer', 'icegatheringstatechange:gathering');
  before_(answerer, 'signalingstatechange:stable', 'icegatheringstatechange:gathering');

  // ICE ends in "connected", or in "completed" where the agent has also finished checking
  // (the spec allows checking -> completed directly); either way before the connection is.
  for (const [name, events] of [['offerer', offerer], ['answerer', answerer]]) {
    const connectivity = only(events, ['iceconnectionstatechange', 'connectionstatechange'])
      .map((e) => e.replace('iceconnectionstatechange:completed', 'iceconnectionstatechange:connected'));
    assert.deepEqual(connectivity, ['iceconnectionstatechange:checking', 'connectionstatechange:connecting',
      'iceconnectionstatechange:connected', 'connectionstatechange:connected'], name);
  }
  // Checks start once the remote description (with the peer's credentials) is in.
  before_(offerer, 'signalingstatechange:stable', 'iceconnectionstatechange:checking');
  before_(answerer, 'signalingstatechange:have-remote-offer', 'iceconnectionstatechange:checking');

  assert.deepEqual(only(answerer, ['datachannel', 'open']), ['datachannel:open', 'open']);
  assert.equal(answerer.indexOf('open'), answerer.indexOf('datachannel:open') + 1, 'open right after datachannel');
  before_(answerer, 'connectionstatechange:connected', 'datachannel:open');
  before_(offerer, 'connectionstatechange:connected', 'open');
});

test('events.order: once connected, states, descriptions and canTrickleIceCandidates are the spec values, and close() sets them to closed', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2 } = await connectPair();
    const states = [pc1.signalingState, pc1.iceGatheringState, pc1.iceConnectionState, pc1.connectionState,
      pc2.signalingState, pc2.iceGatheringState, pc2.iceConnectionState, pc2.connectionState];
    const descriptions = [pc1.currentLocalDescription?.type, pc1.currentRemoteDescription?.type, pc1.pendingLocalDescription,
      pc2.currentLocalDescription?.type, pc2.currentRemoteDescription?.type, pc2.pendingRemoteDescription];
    const trickleFlags = [pc1.canTrickleIceCandidates, pc2.canTrickleIceCandidates];
    // The candidates gathered are in the local description too (a late joiner could use it).
    const candidateInSdp = /a=candidate:.* typ relay/.test(pc1.localDescription.sdp) && /a=end-of-candidates/.test(pc1.localDescription.sdp);
    pc1.close();
    pc2.close();
    return { states, descriptions, trickleFlags, candidateInSdp, closed: [pc1.signalingState, pc1.connectionState, pc1.iceConnectionState] };
  });
  // "completed": both sides gathered everything and got the other's end-of-candidates.
  assert.deepEqual(r.states, ['stable', 'complete', 'completed', 'connected', 'stable', 'complete', 'completed', 'connected']);
  assert.deepEqual(r.descriptions, ['offer', 'answer', null, 'answer', 'offer', null]);
  assert.deepEqual(r.trickleFlags, [true, true]);
  assert.equal(r.candidateInSdp, true);
  assert.deepEqual(r.closed, ['closed', 'closed', 'closed']);
});
