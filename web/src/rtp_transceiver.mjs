// RTCRtpSender, RTCRtpReceiver and RTCRtpTransceiver (webrtc-pc §5), and the record behind
// each transceiver that RTCPeerConnection keeps. The record holds the spec's internal slots
// ([[Direction]], [[CurrentDirection]], [[Stopping]], [[SenderTrack]], [[FiredDirection]] ...),
// mirrors the engine's transceiver (docs/internals/media-contract.md) once there is one, and
// runs the media: capture from the sender's track into the engine (sendAudio), and the
// receiver's remote track pulling decoded audio out of it (receiveAudio).
import { BaseEventTarget, defineEventHandlers, RTCTrackEvent, registerMediaTypes } from './events.mjs';
import { RTCDTMFSender, dtmfInternals } from './dtmf_sender.mjs';
import { createRemoteAudioTrack, isMediaStream, isMediaStreamTrack, openTrackSource } from './media/index.mjs';
import { reportError } from './tasks.mjs';
import { domException, requireArguments, typeError } from './webidl.mjs';

const kConstruct = Symbol('polyrtc rtp');
const kSamplesPerFrame = 960; // 20 ms at 48 kHz

export const kDirections = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

export function sends(direction) {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export function receives(direction) {
  return direction === 'sendrecv' || direction === 'recvonly';
}

function randomId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// What RTCRtpSender/Receiver.getCapabilities('audio') and getParameters() report: the codecs
// the engine negotiates (Opus, telephone-event at 48 kHz and 8 kHz) and its header extensions.
const kAudioCapabilities = {
  codecs: [
    { mimeType: 'audio/opus', clockRate: 48000, channels: 2, sdpFmtpLine: 'minptime=10;useinbandfec=1' },
    { mimeType: 'audio/telephone-event', clockRate: 48000 },
    { mimeType: 'audio/telephone-event', clockRate: 8000 },
  ],
  headerExtensions: [
    { uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' },
    { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' },
  ],
};

function capabilities(kind) {
  if (kind !== 'audio') return null; // polyrtc sends and receives audio only
  return structuredClone(kAudioCapabilities);
}

// One m= section's RTP parameters from SDP text: codecs, header extensions, RTCP.
function sectionParameters(section, kind) {
  if (!section) return { codecs: [], headerExtensions: [], rtcp: { reducedSize: false } };
  const fmtp = new Map(section.fmtp);
  const codecs = section.rtpmap.map(({ payloadType, name, clockRate, channels }) => {
    const codec = { payloadType, mimeType: `${kind}/${name}`, clockRate };
    if (channels !== null) codec.channels = channels;
    if (fmtp.has(payloadType)) codec.sdpFmtpLine = fmtp.get(payloadType);
    return codec;
  });
  const headerExtensions = section.extmap.map(({ id, uri }) => ({ uri, id, encrypted: false }));
  const rtcp = { reducedSize: section.rtcpRsize };
  if (section.cname !== null) rtcp.cname = section.cname;
  return { codecs, headerExtensions, rtcp };
}

// ---- the record --------------------------------------------------------------------------
// `link` is the connection's side (peer_connection.mjs):
//   engine()          the EngineConnection, or null (not loaded yet, or closed)
//   closed()          the connection is closed
//   chain(steps)      runs steps on the operations chain, returns its promise
//   updateNegotiationNeeded()
//   getStats(record, side)   a promise of the RTCStatsReport for this sender/receiver
//   negotiatedSection(record, side)   the m= section that sets this side's parameters, or null
export class TransceiverRecord {
  link;
  tid = null; // the engine's transceiverId, once the engine has the transceiver
  kind;
  direction; // [[Direction]]
  currentDirection = null; // [[CurrentDirection]]
  mid = null;
  stopping = false; // [[Stopping]]
  stopped = false; // [[Stopped]]
  everSent = false; // [[CurrentDirection]] was once sendrecv or sendonly
  createdByRemote;
  // sender
  track = null; // [[SenderTrack]]
  streamIds = []; // [[AssociatedMediaStreamIds]]
  streams = []; // the MediaStream objects given with the track (for getLocalStreams)
  #capture = null;
  #captureTrack = null;
  dtmf = null;
  // receiver
  remote; // {track, end()} from media createRemoteAudioTrack
  remoteStreams = []; // [[AssociatedRemoteMediaStreams]]
  fired = false; // [[FiredDirection]] receives
  remoteEnded = false;
  // the objects the page sees
  transceiver;
  sender;
  receiver;

  constructor(link, { kind, direction, track = null, streams = [], createdByRemote = false }) {
    this.link = link;
    this.kind = kind;
    this.direction = direction;
    this.track = track;
    this.streams = [...streams];
    this.streamIds = [...new Set(streams.map((s) => s.id))];
    this.createdByRemote = createdByRemote;
    this.sender = new RTCRtpSender(kConstruct, this);
    this.receiver = new RTCRtpReceiver(kConstruct, this);
    this.transceiver = new RTCRtpTransceiver(kConstruct, this);
    if (kind === 'audio') this.dtmf = dtmfInternals.create(this.#dtmfLink());
    this.remote = createRemoteAudioTrack({ id: randomId(), pull: (nowMs) => this.#pull(nowMs) });
  }

  #dtmfLink() {
    const record = this;
    return {
      canInsert() {
        const engine = record.link.engine();
        if (!engine || record.tid === null || record.stopping || !record.track || !sends(record.currentDirection)) return false;
        try {
          return engine.command('canInsertDtmf', record.tid) === true;
        } catch {
          return false;
        }
      },
      stopping: () => record.stopping || record.link.closed(),
      sending: () => sends(record.currentDirection),
      hasLiveTrack: () => record.track !== null && record.track.readyState !== 'ended',
      playTone(tone, durationMs) {
        const engine = record.link.engine();
        if (!engine || record.tid === null) return;
        try {
          engine.command('playDtmfTone', record.tid, performance.now(), tone, durationMs);
        } catch (error) {
          // The tone's events still follow the spec's timing; the engine says why it sent none.
          console.warn(`polyrtc: DTMF tone '${tone}' not sent: ${error.message}`);
        }
      },
      track: () => record.track,
    };
  }

  // The receiver track's audio: the engine's next 20 ms, or silence while there is no engine.
  #pull(nowMs) {
    const engine = this.link.engine();
    if (!engine || this.tid === null || this.stopped) return new Int16Array(kSamplesPerFrame);
    try {
      const samples = engine.command('receiveAudio', this.tid, nowMs);
      return samples instanceof Int16Array && samples.length === kSamplesPerFrame ? samples : new Int16Array(kSamplesPerFrame);
    } catch {
      return new Int16Array(kSamplesPerFrame);
    }
  }

  get senderTrackId() { return this.track ? this.track.id : ''; }

  // The engine exists now: give it this transceiver (made before it loaded) and start sending.
  attach(engine) {
    if (this.tid === null) {
      const { transceiverId } = engine.command('addTransceiver', {
        kind: this.kind, direction: this.direction, streamIds: this.streamIds, trackId: this.senderTrackId,
      });
      this.tid = transceiverId;
      if (this.stopping) engine.command('stopTransceiver', this.tid);
    }
    this.#updateCapture();
  }

  // Capture runs while the sender has a track and the engine has the transceiver; the engine
  // drops frames while it is not sending (before negotiation, inactive, recvonly).
  #updateCapture() {
    const want = this.track !== null && this.tid !== null && !this.stopping && !this.link.closed() ? this.track : null;
    if (want === this.#captureTrack) return;
    if (this.#capture) {
      try {
        this.#capture.stop();
      } catch (error) {
        reportError(error);
      }
    }
    this.#capture = null;
    this.#captureTrack = want;
    if (want === null) return;
    const tid = this.tid;
    this.#capture = openTrackSource(want, (samples, nowMs) => {
      const engine = this.link.engine();
      if (!engine || this.stopping) return;
      try {
        engine.command('sendAudio', tid, nowMs, samples);
      } catch {
        // closed between two frames: the capture is stopped with the connection
      }
    });
  }

  // [[SenderTrack]] (and the stream ids that go with it) changes: the engine's sender follows,
  // and capture swaps to the new track without renegotiation.
  setSenderTrack(track, streamIds = this.streamIds) {
    this.track = track;
    this.streamIds = [...streamIds];
    const engine = this.link.engine();
    if (engine && this.tid !== null) engine.command('setSenderTrack', this.tid, this.senderTrackId, this.streamIds);
    this.#updateCapture();
  }

  setDirection(direction) {
    this.direction = direction;
    const engine = this.link.engine();
    if (engine && this.tid !== null) engine.command('setTransceiverDirection', this.tid, direction);
  }

  // "Stop sending and receiving" (webrtc-pc §5.4): capture and DTMF stop, the receiver's track
  // ends, [[Direction]] becomes inactive and [[Stopping]] true.
  stopSendingAndReceiving() {
    if (this.stopping) return;
    this.stopping = true;
    this.direction = 'inactive';
    const engine = this.link.engine();
    if (engine && this.tid !== null) engine.command('stopTransceiver', this.tid);
    this.#updateCapture();
    if (this.dtmf) dtmfInternals.halt(this.dtmf);
    this.endRemoteTrack();
  }

  endRemoteTrack() {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    this.remote.end();
  }

  // The connection closed: everything stops, nothing more is sent to the engine.
  shutDown() {
    this.stopping = true;
    this.stopped = true;
    this.currentDirection = null;
    this.#updateCapture();
    if (this.dtmf) dtmfInternals.halt(this.dtmf);
    this.endRemoteTrack();
  }

  // The engine's view after a description was applied (mid, currentDirection, stopped).
  updateFrom(entry) {
    this.mid = entry.mid ?? null;
    this.currentDirection = entry.currentDirection ?? null;
    if (sends(this.currentDirection)) this.everSent = true;
    if (entry.stopped && !this.stopped) {
      if (!this.stopping) this.stopSendingAndReceiving();
      this.stopped = true;
      this.currentDirection = null;
    }
    if (!this.stopping && kDirections.includes(entry.direction)) this.direction = entry.direction;
  }
}

// ---- the public objects ------------------------------------------------------------------

export class RTCRtpSender {
  #r;

  constructor(token, record) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    this.#r = record;
  }

  get track() { return this.#r.track; }
  get transport() { return null; }
  get dtmf() { return this.#r.dtmf; }

  static getCapabilities(kind) {
    requireArguments(arguments, 1, 'getCapabilities');
    return capabilities(`${kind}`);
  }

  getParameters() {
    const params = sectionParameters(this.#r.link.negotiatedSection(this.#r, 'sender'), this.#r.kind);
    return { transactionId: randomId(), encodings: [{ active: true }], ...params };
  }

  // webrtc-pc §5.2 replaceTrack: no renegotiation; on the operations chain.
  replaceTrack(withTrack) {
    const r = this.#r;
    if (arguments.length < 1) return Promise.reject(typeError('replaceTrack: 1 argument required, but only 0 present'));
    if (withTrack !== null && !isMediaStreamTrack(withTrack)) {
      return Promise.reject(typeError('replaceTrack: the argument is not a MediaStreamTrack or null'));
    }
    if (withTrack !== null && withTrack.kind !== r.kind) {
      return Promise.reject(typeError(`replaceTrack: a ${withTrack.kind} track cannot replace the track of an ${r.kind} sender`));
    }
    return r.link.chain(() => {
      if (r.stopping) throw domException('InvalidStateError', 'replaceTrack: the transceiver is stopped');
      r.setSenderTrack(withTrack);
      return undefined;
    });
  }

  setStreams(...streams) {
    const r = this.#r;
    if (r.link.closed()) throw domException('InvalidStateError', 'setStreams: the RTCPeerConnection is closed');
    if (!streams.every((s) => isMediaStream(s))) throw typeError('setStreams: an argument is not a MediaStream');
    r.streams = [...streams];
    r.setSenderTrack(r.track, [...new Set(streams.map((s) => s.id))]);
    r.link.updateNegotiationNeeded();
  }

  getStats() {
    return this.#r.link.getStats(this.#r, 'sender');
  }

  get [Symbol.toStringTag]() { return 'RTCRtpSender'; }
}

// Also an EventTarget: polyrtc's non-standard `dtmf` event (docs/api.md) fires here.
export class RTCRtpReceiver extends BaseEventTarget {
  #r;

  constructor(token, record) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    super();
    this.#r = record;
  }

  get track() { return this.#r.remote.track; }
  get transport() { return null; }

  static getCapabilities(kind) {
    requireArguments(arguments, 1, 'getCapabilities');
    return capabilities(`${kind}`);
  }

  getParameters() {
    const { codecs, headerExtensions, rtcp } = sectionParameters(this.#r.link.negotiatedSection(this.#r, 'receiver'), this.#r.kind);
    return { codecs, headerExtensions, rtcp: { reducedSize: rtcp.reducedSize } };
  }

  getStats() {
    return this.#r.link.getStats(this.#r, 'receiver');
  }

  get [Symbol.toStringTag]() { return 'RTCRtpReceiver'; }
}

defineEventHandlers(RTCRtpReceiver.prototype, ['dtmf']);

export class RTCRtpTransceiver {
  #r;

  constructor(token, record) {
    if (token !== kConstruct) throw new TypeError('Illegal constructor');
    this.#r = record;
  }

  get mid() { return this.#r.mid; }
  get sender() { return this.#r.sender; }
  get receiver() { return this.#r.receiver; }
  get currentDirection() { return this.#r.stopped ? 'stopped' : this.#r.currentDirection; }

  get direction() { return this.#r.stopping ? 'stopped' : this.#r.direction; }

  set direction(value) {
    const r = this.#r;
    const direction = `${value}`;
    if (![...kDirections, 'stopped'].includes(direction)) throw typeError(`'${direction}' is not a valid value for RTCRtpTransceiverDirection`);
    if (r.link.closed()) throw domException('InvalidStateError', 'direction: the RTCPeerConnection is closed');
    if (r.stopping) throw domException('InvalidStateError', 'direction: the transceiver is stopped');
    if (direction === 'stopped') throw typeError("direction: 'stopped' cannot be set (use stop())");
    if (direction === r.direction) return;
    r.setDirection(direction);
    r.link.updateNegotiationNeeded();
  }

  stop() {
    const r = this.#r;
    if (r.link.closed()) throw domException('InvalidStateError', 'stop: the RTCPeerConnection is closed');
    if (r.stopping) return;
    r.stopSendingAndReceiving();
    r.link.updateNegotiationNeeded();
  }

  get [Symbol.toStringTag]() { return 'RTCRtpTransceiver'; }
}

registerMediaTypes({
  isReceiver: (v) => v instanceof RTCRtpReceiver,
  isTransceiver: (v) => v instanceof RTCRtpTransceiver,
  isTrack: (v) => isMediaStreamTrack(v),
  isStream: (v) => isMediaStream(v),
});

export { RTCTrackEvent, RTCDTMFSender };
