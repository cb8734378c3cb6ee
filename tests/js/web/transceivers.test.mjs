// RTCPeerConnection's media bookkeeping in web/src with a scripted engine (fake_engine.mjs)
// and polyrtc's media layer (synthetic microphone, stand-in streams in Node): addTrack (W3C
// "find a transceiver" reuse, the errors), removeTrack, addTransceiver and directions, stop,
// the legacy stream API of example 10.1, the order of signalingstatechange / track /
// addstream / the promise after setRemoteDescription, renegotiation, replaceTrack, stats
// selection, received DTMF, close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { web, useFakeEngines, newConnection, engineOf, negotiate, microphone, settle, sleep } from './fake_engine.mjs';

useFakeEngines();
const { RTCRtpSender, RTCRtpTransceiver, RTCTrackEvent, MediaStreamEvent, RTCStatsReport } = web.api;

function stopAll(...streams) {
  for (const s of streams) for (const t of s.getTracks()) t.stop();
}

const isError = (name) => (e) => e instanceof DOMException && e.name === name;

test('addTrack: one sendrecv transceiver per track, the same objects every time; the errors W3C 5.1 names', async () => {
  const pc = newConnection();
  const stream = await web.media.getUserMedia({ audio: true, video: true });
  const [audio] = stream.getAudioTracks();
  const [video] = stream.getVideoTracks();
  const sender = pc.addTrack(audio, stream);
  assert.ok(sender instanceof RTCRtpSender);
  assert.equal(sender.track, audio);
  assert.deepEqual(pc.getSenders(), [sender]);
  assert.equal(pc.getSenders()[0], pc.getSenders()[0]);
  const [transceiver] = pc.getTransceivers();
  assert.ok(transceiver instanceof RTCRtpTransceiver);
  assert.equal(transceiver.sender, sender);
  assert.equal(transceiver.direction, 'sendrecv');
  assert.equal(transceiver.currentDirection, null);
  assert.equal(transceiver.mid, null);
  assert.deepEqual(pc.getReceivers(), [transceiver.receiver]);
  assert.equal(transceiver.receiver.track.kind, 'audio');
  assert.equal(transceiver.receiver.track.readyState, 'live');
  assert.ok(sender.dtmf, 'an audio sender has an RTCDTMFSender');
  assert.equal(sender.dtmf, sender.dtmf);
  assert.throws(() => pc.addTrack(audio), isError('InvalidAccessError'));
  assert.throws(() => pc.addTrack(video, stream), (e) => isError('NotSupportedError')(e) && /audio only/.test(e.message));
  assert.throws(() => pc.addTrack({ kind: 'audio' }), TypeError);
  assert.throws(() => pc.addTrack(audio, {}), TypeError);
  // Made before the engine loaded, the transceiver reaches it once it has.
  await pc.createOffer();
  const add = engineOf(pc).calls.find(([name]) => name === 'addTransceiver');
  assert.deepEqual(add[1], { kind: 'audio', direction: 'sendrecv', streamIds: [stream.id], trackId: audio.id });
  pc.close();
  assert.throws(() => pc.addTrack(audio), isError('InvalidStateError'));
  stopAll(stream);
});

test('addTrack reuses the recvonly transceiver a remote offer made; the answer sends; the caller gets the track', async () => {
  const a = newConnection();
  const z = newConnection();
  const ma = await web.media.getUserMedia({ audio: true });
  const mz = await web.media.getUserMedia({ audio: true });
  a.addTrack(ma.getAudioTracks()[0], ma);
  await a.setLocalDescription(await a.createOffer());
  await z.setRemoteDescription(a.localDescription);
  assert.equal(z.getTransceivers().length, 1);
  const [remoteMade] = z.getTransceivers();
  assert.equal(remoteMade.direction, 'recvonly');
  assert.equal(remoteMade.mid, '0');
  const sender = z.addTrack(mz.getAudioTracks()[0], mz);
  assert.equal(z.getTransceivers().length, 1, 'reused, not a second transceiver');
  assert.equal(remoteMade.sender, sender);
  assert.equal(remoteMade.direction, 'sendrecv');
  const tracks = [];
  a.ontrack = (e) => tracks.push(e);
  await z.setLocalDescription(await z.createAnswer());
  assert.match(z.localDescription.sdp, /a=sendrecv/);
  assert.match(z.localDescription.sdp, new RegExp(`a=msid:${mz.id} `));
  await a.setRemoteDescription(z.localDescription);
  assert.equal(tracks.length, 1);
  assert.equal(tracks[0].streams[0].id, mz.id);
  assert.equal(a.getTransceivers()[0].currentDirection, 'sendrecv');
  assert.equal(remoteMade.currentDirection, 'sendrecv');
  a.close();
  z.close();
  stopAll(ma, mz);
});

test('after setRemoteDescription: signalingstatechange, track (per transceiver), addstream (per stream), then the promise', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  const second = await web.media.getUserMedia({ audio: true });
  a.addTrack(mic.getAudioTracks()[0], mic);
  a.addTrack(second.getAudioTracks()[0], mic); // two tracks, one stream
  const order = [];
  z.onsignalingstatechange = () => order.push(`signalingstatechange:${z.signalingState}`);
  z.ontrack = (e) => {
    assert.ok(e instanceof RTCTrackEvent);
    assert.equal(e.track, e.receiver.track);
    assert.equal(e.transceiver.receiver, e.receiver);
    assert.equal(e.streams.length, 1);
    order.push(`track:${e.streams[0].id}:${e.streams[0].getTracks().length}`);
  };
  z.onaddstream = (e) => {
    assert.ok(e instanceof MediaStreamEvent);
    order.push(`addstream:${e.stream.id}:${e.stream.getTracks().length}`);
  };
  await a.setLocalDescription(await a.createOffer());
  await z.setRemoteDescription(a.localDescription).then(() => order.push('resolved'));
  assert.deepEqual(order, ['signalingstatechange:have-remote-offer', `track:${mic.id}:2`, `track:${mic.id}:2`, `addstream:${mic.id}:2`, 'resolved']);
  const [first, other] = z.getTransceivers();
  assert.equal(z.getRemoteStreams().length, 1);
  assert.deepEqual(z.getRemoteStreams()[0].getTracks(), [first.receiver.track, other.receiver.track]);
  await z.setLocalDescription(await z.createAnswer());
  await a.setRemoteDescription(z.localDescription);
  assert.equal(order.filter((e) => e.startsWith('track')).length, 2, 'no second track event for the same transceiver');
  a.close();
  z.close();
  stopAll(mic, second);
});

test('a track added to a received stream by renegotiation: addtrack on the stream and a track event, no second addstream', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  const more = await web.media.getUserMedia({ audio: true });
  a.addTrack(mic.getAudioTracks()[0], mic);
  await negotiate(a, z);
  const [stream] = z.getRemoteStreams();
  const seen = [];
  stream.onaddtrack = (e) => seen.push(`addtrack:${e.track === z.getReceivers()[1]?.track}`);
  z.ontrack = (e) => seen.push(`track:${e.streams[0] === stream}`);
  z.onaddstream = () => seen.push('addstream');
  let needed = 0;
  a.onnegotiationneeded = () => needed++;
  a.addTrack(more.getAudioTracks()[0], mic);
  await settle();
  assert.equal(needed, 1);
  await negotiate(a, z);
  assert.deepEqual(seen, ['addtrack:true', 'track:true']);
  assert.equal(stream.getTracks().length, 2);
  assert.deepEqual(z.getRemoteStreams(), [stream]);
  a.close();
  z.close();
  stopAll(mic, more);
});

test('removeTrack: recvonly, no track, negotiationneeded; after renegotiation the far side gets removetrack and removestream', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  const sender = a.addTrack(mic.getAudioTracks()[0], mic);
  await negotiate(a, z);
  await settle();
  let needed = 0;
  a.onnegotiationneeded = () => needed++;
  await settle();
  assert.equal(needed, 0, 'nothing to negotiate after the first exchange');
  const [stream] = z.getRemoteStreams();
  const events = [];
  stream.onremovetrack = (e) => events.push(`removetrack:${e.track === z.getReceivers()[0].track}`);
  z.onremovestream = (e) => events.push(`removestream:${e.stream === stream}`);
  a.removeTrack(sender);
  assert.equal(sender.track, null);
  assert.equal(a.getTransceivers()[0].direction, 'recvonly');
  assert.deepEqual(a.getSenders(), [sender], 'the sender stays');
  await settle();
  assert.equal(needed, 1);
  a.removeTrack(sender); // a second time: nothing
  assert.throws(() => a.removeTrack(z.getSenders()[0]), isError('InvalidAccessError'));
  assert.throws(() => a.removeTrack({}), TypeError);
  await negotiate(a, z);
  assert.deepEqual(events, ['removetrack:true', 'removestream:true']);
  assert.deepEqual(z.getRemoteStreams(), []);
  assert.equal(z.getReceivers()[0].track.readyState, 'live', 'removal is not the end: the track may come back');
  // z's transceiver (made by a's offer) only receives: recvonly meets recvonly as inactive.
  assert.equal(a.getTransceivers()[0].currentDirection, 'inactive');
  a.close();
  z.close();
  stopAll(mic);
});

test('addStream (example 10.1 asks for video): the audio is sent, the video skipped with one warning; getLocalStreams; removeStream', async () => {
  const pc = newConnection();
  const stream = await web.media.getUserMedia({ audio: true, video: true });
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  try {
    pc.addStream(stream);
    pc.addStream(stream); // again: nothing
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /docs\/media\.md/);
  assert.equal(pc.getSenders().length, 1);
  assert.equal(pc.getSenders()[0].track, stream.getAudioTracks()[0]);
  assert.deepEqual(pc.getLocalStreams(), [stream]);
  let needed = 0;
  pc.onnegotiationneeded = () => needed++;
  await settle();
  assert.equal(needed, 1);
  pc.removeStream(stream);
  assert.deepEqual(pc.getLocalStreams(), []);
  assert.equal(pc.getSenders()[0].track, null);
  assert.throws(() => pc.addStream({}), TypeError);
  pc.close();
  assert.throws(() => pc.addStream(stream), isError('InvalidStateError'));
  stopAll(stream);
});

test('a remote track without a stream: track event with no streams; onaddstream gets a "default" stream', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  a.addTrack(mic.getAudioTracks()[0]);
  const seen = [];
  z.ontrack = (e) => seen.push(`track:${e.streams.length}`);
  z.onaddstream = (e) => seen.push(`addstream:${e.stream.id}:${e.stream.getTracks()[0] === z.getReceivers()[0].track}`);
  await negotiate(a, z);
  assert.deepEqual(seen, ['track:0', 'addstream:default:true']);
  a.close();
  z.close();
  stopAll(mic);
});

test('addTransceiver and direction: kinds, init, the setter, stop(); negotiationneeded for each change', async () => {
  const a = newConnection();
  const z = newConnection();
  const t = a.addTransceiver('audio', { direction: 'recvonly' });
  assert.equal(t.direction, 'recvonly');
  assert.equal(t.sender.track, null);
  assert.throws(() => a.addTransceiver('video'), isError('NotSupportedError'));
  assert.throws(() => a.addTransceiver('data'), TypeError);
  assert.throws(() => a.addTransceiver('audio', { direction: 'sideways' }), TypeError);
  assert.throws(() => a.addTransceiver(), TypeError);
  let needed = 0;
  a.onnegotiationneeded = () => needed++;
  await settle();
  assert.equal(needed, 1);
  await negotiate(a, z);
  assert.equal(t.mid, '0');
  // z has nothing to send: its transceiver (recvonly, made by the offer) answers inactive.
  assert.equal(t.currentDirection, 'inactive');
  await settle();
  assert.equal(needed, 1);
  t.direction = 'recvonly'; // unchanged: nothing to do
  t.direction = 'inactive'; // what was negotiated already: no need to negotiate (W3C 4.7.3)
  await settle();
  assert.equal(needed, 1);
  t.direction = 'sendrecv';
  assert.deepEqual(engineOf(a).calls.at(-1), ['setTransceiverDirection', 1, 'sendrecv']);
  await settle();
  assert.equal(needed, 2);
  assert.throws(() => { t.direction = 'stopped'; }, TypeError);
  assert.throws(() => { t.direction = 'bogus'; }, TypeError);
  await negotiate(a, z);
  assert.equal(t.currentDirection, 'sendonly');
  const track = t.receiver.track;
  let ended = 0;
  track.onended = () => ended++;
  t.stop();
  assert.equal(t.direction, 'stopped');
  assert.equal(track.readyState, 'ended');
  assert.equal(ended, 1);
  assert.throws(() => { t.direction = 'sendrecv'; }, isError('InvalidStateError'));
  await settle();
  assert.equal(needed, 3);
  await negotiate(a, z);
  assert.equal(t.currentDirection, 'stopped');
  assert.deepEqual(a.getSenders(), [], 'a stopped transceiver has no sender in getSenders');
  a.close();
  z.close();
});

test('negotiation-needed settles: a sender with streams and no track, replaceTrack(null), setStreams', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  const other = await web.media.getUserMedia({ audio: true });
  const t = a.addTransceiver('audio', { direction: 'sendrecv', streams: [mic] });
  let needed = 0;
  a.onnegotiationneeded = () => needed++;
  await settle();
  assert.equal(needed, 1);
  await negotiate(a, z);
  await settle();
  assert.equal(needed, 1, 'no a=msid without a track is not a reason to negotiate again');
  await t.sender.replaceTrack(mic.getAudioTracks()[0]);
  await settle();
  assert.equal(needed, 1, 'replaceTrack never asks');
  t.sender.setStreams(other);
  await settle();
  assert.equal(needed, 2, 'new stream ids do');
  await negotiate(a, z);
  assert.match(a.localDescription.sdp, new RegExp(`a=msid:${other.id} ${mic.getAudioTracks()[0].id}`));
  await settle();
  assert.equal(needed, 2);
  a.close();
  z.close();
  stopAll(mic, other);
});

test('createOffer({offerToReceiveAudio: true}) adds a recvonly audio transceiver when none receives', async () => {
  const pc = newConnection();
  const offer = await pc.createOffer({ offerToReceiveAudio: true });
  assert.equal(pc.getTransceivers().length, 1);
  assert.equal(pc.getTransceivers()[0].direction, 'recvonly');
  assert.match(offer.sdp, /m=audio [^\n]*\r?\na=mid:0\r?\na=recvonly/);
  await pc.createOffer({ offerToReceiveAudio: true });
  assert.equal(pc.getTransceivers().length, 1, 'one receives already');
  pc.close();
});

test('replaceTrack swaps what is captured without renegotiation; kind mismatch TypeError; stopped InvalidStateError', async () => {
  const a = newConnection();
  const z = newConnection();
  const first = await web.media.getUserMedia({ audio: true, video: true });
  const second = await web.media.getUserMedia({ audio: true });
  const sender = a.addTrack(first.getAudioTracks()[0], first);
  await negotiate(a, z);
  let needed = 0;
  a.onnegotiationneeded = () => needed++;
  const replacing = sender.replaceTrack(second.getAudioTracks()[0]);
  assert.equal(sender.track, first.getAudioTracks()[0], 'the track changes when the promise resolves');
  await replacing;
  assert.equal(sender.track, second.getAudioTracks()[0]);
  assert.deepEqual(engineOf(a).calls.filter(([n]) => n === 'setSenderTrack').at(-1), ['setSenderTrack', 1, second.getAudioTracks()[0].id, [first.id]]);
  const before = engineOf(a).frames.get(1);
  first.getAudioTracks()[0].stop(); // the old track no longer feeds anything
  await sleep(100);
  assert.ok(engineOf(a).frames.get(1) > before, 'the new track is captured');
  await assert.rejects(sender.replaceTrack(first.getVideoTracks()[0]), TypeError);
  await sender.replaceTrack(null);
  assert.equal(sender.track, null);
  await settle();
  assert.equal(needed, 0, 'replaceTrack does not renegotiate');
  a.getTransceivers()[0].stop();
  await assert.rejects(sender.replaceTrack(second.getAudioTracks()[0]), isError('InvalidStateError'));
  a.close();
  z.close();
  stopAll(first, second);
});

test('capture runs from the sender track into the engine; receivers pull from it; close stops both and ends remote tracks', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  a.addStream(mic);
  await negotiate(a, z);
  await sleep(120);
  const sent = engineOf(a).frames.get(1);
  assert.ok(sent >= 3, `frames were sent (${sent})`);
  const pulls = engineOf(z).calls.filter(([n]) => n === 'receiveAudio').length;
  assert.ok(pulls >= 3, `the receiver pulled (${pulls})`);
  const transceiver = a.getTransceivers()[0];
  const remote = z.getReceivers()[0].track;
  a.close();
  z.close();
  assert.equal(transceiver.currentDirection, 'stopped');
  assert.equal(transceiver.direction, 'stopped');
  assert.equal(remote.readyState, 'ended');
  const after = engineOf(a).frames.get(1);
  await sleep(80);
  assert.equal(engineOf(a).frames.get(1), after, 'no frame after close');
  stopAll(mic);
});

test('getStats(track): the sender or receiver stats and what they reference; unknown track InvalidAccessError', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  const other = await web.media.getUserMedia({ audio: true });
  const sender = a.addTrack(mic.getAudioTracks()[0], mic);
  await negotiate(a, z);
  const report = await a.getStats(mic.getAudioTracks()[0]);
  assert.ok(report instanceof RTCStatsReport);
  assert.deepEqual([...report.values()].map((r) => r.type).sort(), ['codec', 'media-source', 'outbound-rtp', 'transport']);
  const out = [...report.values()].find((r) => r.type === 'outbound-rtp');
  assert.equal(out.kind, 'audio');
  assert.equal(out.mid, '0');
  assert.equal(report.get(out.mediaSourceId).trackIdentifier, mic.getAudioTracks()[0].id);
  assert.equal(out.transceiverId, undefined, 'the engine-internal id is not shown');
  assert.deepEqual([...(await sender.getStats()).keys()].sort(), [...report.keys()].sort());
  const inbound = await z.getStats(z.getReceivers()[0].track);
  const rtp = [...inbound.values()].find((r) => r.type === 'inbound-rtp');
  assert.equal(rtp.trackIdentifier, z.getReceivers()[0].track.id);
  assert.ok(![...inbound.values()].some((r) => r.type === 'outbound-rtp'));
  await assert.rejects(a.getStats(other.getAudioTracks()[0]), isError('InvalidAccessError'));
  await assert.rejects(a.getStats({}), TypeError);
  const all = await a.getStats();
  assert.ok([...all.values()].some((r) => r.type === 'peer-connection'));
  assert.ok([...all.values()].some((r) => r.type === 'inbound-rtp' && r.trackIdentifier === a.getReceivers()[0].track.id));
  a.close();
  z.close();
  stopAll(mic, other);
});

test('createDTMFSender: the sender\'s RTCDTMFSender, the same each time; SyntaxError for a track not sent or a video track', async () => {
  const pc = newConnection();
  const stream = await web.media.getUserMedia({ audio: true, video: true });
  const other = await web.media.getUserMedia({ audio: true });
  const sender = pc.addTrack(stream.getAudioTracks()[0], stream);
  const dtmf = pc.createDTMFSender(stream.getAudioTracks()[0]);
  assert.equal(dtmf, sender.dtmf);
  assert.equal(pc.createDTMFSender(stream.getAudioTracks()[0]), dtmf);
  assert.equal(dtmf.track, stream.getAudioTracks()[0]);
  assert.throws(() => pc.createDTMFSender(other.getAudioTracks()[0]), isError('SyntaxError'));
  assert.throws(() => pc.createDTMFSender(stream.getVideoTracks()[0]), isError('SyntaxError'));
  assert.throws(() => pc.createDTMFSender('x'), TypeError);
  pc.close();
  assert.throws(() => pc.createDTMFSender(stream.getAudioTracks()[0]), isError('InvalidStateError'));
  stopAll(stream, other);
});

test('received DTMF: the engine\'s dtmfreceived is a `dtmf` event on the receiver, then on the connection', async () => {
  const a = newConnection();
  const z = newConnection();
  const mic = await web.media.getUserMedia({ audio: true });
  a.addStream(mic);
  await negotiate(a, z);
  const seen = [];
  const receiver = z.getReceivers()[0];
  receiver.ondtmf = (e) => seen.push(`receiver:${e.tone}:${e.duration}`);
  z.addEventListener('dtmf', (e) => seen.push(`pc:${e.tone}:${e.duration}:${e.receiver === receiver}:${e.track === receiver.track}`));
  engineOf(z).emit({ type: 'dtmfreceived', transceiverId: 1, tone: '5', durationMs: 100 });
  engineOf(z).emit({ type: 'dtmfreceived', transceiverId: 99, tone: '6', durationMs: 100 }); // no such transceiver: dropped
  await settle();
  assert.deepEqual(seen, ['receiver:5:100', 'pc:5:100:true:true']);
  a.close();
  z.close();
  stopAll(mic);
});

test('RTCTrackEvent and MediaStreamEvent constructors check their members', async () => {
  const pc = newConnection();
  const t = pc.addTransceiver('audio');
  const init = { receiver: t.receiver, track: t.receiver.track, transceiver: t };
  const e = new RTCTrackEvent('track', init);
  assert.deepEqual(e.streams, []);
  assert.ok(Object.isFrozen(e.streams));
  assert.throws(() => new RTCTrackEvent('track', { ...init, receiver: undefined }), TypeError);
  assert.throws(() => new RTCTrackEvent('track', { ...init, track: {} }), TypeError);
  assert.throws(() => new RTCTrackEvent('track'), TypeError);
  assert.equal(new MediaStreamEvent('addstream').stream, null);
  assert.throws(() => new MediaStreamEvent('addstream', { stream: {} }), TypeError);
  assert.throws(() => new RTCRtpSender(), TypeError);
  pc.close();
});
