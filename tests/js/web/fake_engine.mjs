// A scripted stand-in for the Wasm engine (docs/internals/engine-contract.md and
// media-contract.md), for testing web/src's media bookkeeping in Node: it keeps transceivers
// as the contract describes them and writes/reads a small audio-only SDP (mids, directions,
// a=msid, Opus and telephone-event), enough for two RTCPeerConnections to negotiate with each
// other. It carries no media: sendAudio/playDtmfTone are recorded with their times,
// receiveAudio returns a frame filled with the transceiver's id, and tests inject engine
// events (dtmfreceived) with emit(). It decides nothing the tests assert about except what
// JSEP fixes (which transceiver an offer's m= section maps to, answer directions).
import { after } from 'node:test';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../support/paths.mjs';

// web/src/tasks.mjs queues tasks through a MessageChannel, whose listening port keeps Node
// running after the tests end: once they have, it is unref'd so the process can exit.
const channels = [];
const NodeMessageChannel = globalThis.MessageChannel;
globalThis.MessageChannel = class extends NodeMessageChannel {
  constructor() {
    super();
    channels.push(this);
  }
};
after(() => {
  for (const channel of channels) channel.port1.unref();
});

const src = (file) => pathToFileURL(path.join(repoRoot, 'web', 'src', file)).href;
export const web = {
  api: await import(src('api.mjs')),
  pc: await import(src('peer_connection.mjs')),
  media: await import(src('media/index.mjs')),
  tasks: await import(src('tasks.mjs')),
};

const kReverse = { sendrecv: 'sendrecv', sendonly: 'recvonly', recvonly: 'sendonly', inactive: 'inactive' };
const sends = (d) => d === 'sendrecv' || d === 'sendonly';
const receives = (d) => d === 'sendrecv' || d === 'recvonly';

function intersect(want, offered) {
  const theirs = kReverse[offered];
  const s = sends(want) && sends(theirs);
  const r = receives(want) && receives(theirs);
  return s && r ? 'sendrecv' : s ? 'sendonly' : r ? 'recvonly' : 'inactive';
}

function parseSections(sdp) {
  const sections = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      const [kind, port] = line.slice(2).split(' ');
      sections.push({ kind, port: Number(port), mid: null, direction: 'sendrecv', streamIds: [], trackId: '', telephoneEvent: false });
      continue;
    }
    const s = sections[sections.length - 1];
    if (!s) continue;
    if (line.startsWith('a=mid:')) s.mid = line.slice(6);
    else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) s.direction = line.slice(2);
    else if (line.startsWith('a=msid:')) {
      const [stream, track] = line.slice(7).split(' ');
      if (stream !== '-' && !s.streamIds.includes(stream)) s.streamIds.push(stream);
      s.trackId = track ?? '';
    } else if (line.includes('telephone-event/')) s.telephoneEvent = true;
  }
  return sections;
}

let fakeSerial = 0;

export class FakeEngine {
  closed = false;
  calls = []; // every command, [name, ...args]
  frames = new Map(); // transceiverId -> sendAudio count
  tones = []; // {transceiverId, at, tone, durationMs}
  telephoneEvent = true; // what this side offers/answers
  signalingState = 'stable';
  currentLocalDescription = null;
  pendingLocalDescription = null;
  currentRemoteDescription = null;
  pendingRemoteDescription = null;
  #transceivers = [];
  #nextId = 1;
  #nextMid = 0;
  #snapshot = null;
  #onEvent;
  #held = null;
  #serial = ++fakeSerial;

  constructor({ onEvent }) {
    this.#onEvent = onEvent;
  }

  emit(event) {
    if (this.#held) this.#held.push(event);
    else this.#onEvent(event);
  }

  hold() { this.#held ??= []; }

  release() {
    const held = this.#held ?? [];
    this.#held = null;
    for (const e of held) this.#onEvent(e);
  }

  get(name) { return this.closed ? null : this[name]; }

  // The engine's negotiationNeeded getter: W3C "check if negotiation is needed" for
  // transceivers (the real one is SessionNegotiator::transceivers_need_negotiation), here from
  // this fake's own transceivers and descriptions.
  get negotiationNeeded() {
    if (this.signalingState !== 'stable') return false;
    const local = this.currentLocalDescription;
    const remote = this.currentRemoteDescription;
    const localSections = local ? parseSections(local.sdp) : [];
    const remoteSections = remote ? parseSections(remote.sdp) : [];
    const same = (a, b) => a.length === b.length && a.every((x) => b.includes(x));
    for (const t of this.#transceivers) {
      if (t.stopped) continue;
      if (t.stopping || t.mid === null) return true;
      const section = localSections.find((s) => s.mid === t.mid);
      if (!section) continue;
      if (sends(t.direction) && t.senderTrackId !== '' && !same(section.streamIds, t.streamIds)) return true;
      const r = remoteSections.find((s) => s.mid === t.mid);
      if (local.type === 'offer' && section.direction !== t.direction && (!r || kReverse[r.direction] !== t.direction)) return true;
      if (local.type === 'answer' && r && section.direction !== intersect(t.direction, r.direction)) return true;
    }
    return false;
  }
  bufferedAmount() { return 0; }
  close() { this.closed = true; }

  command(name, ...args) {
    if (this.closed) throw new DOMException('polyrtc: the connection is closed', 'InvalidStateError');
    this.calls.push([name, ...args]);
    const result = this[`cmd_${name}`](...args);
    if (result && result.error) {
      const e = new DOMException(result.error.message, result.error.name);
      throw e;
    }
    return result;
  }

  #find(tid) {
    return this.#transceivers.find((t) => t.transceiverId === tid);
  }

  cmd_addTransceiver({ kind, direction, streamIds, trackId }) {
    if (kind !== 'audio') return { error: { name: 'NotSupportedError', message: 'audio only' } };
    const t = {
      transceiverId: this.#nextId++, mid: null, kind, direction, currentDirection: null, stopped: false, stopping: false,
      senderTrackId: trackId, streamIds: [...streamIds], remoteTrackId: '', remoteStreamIds: [], remoteSending: false,
      createdByRemote: false, pendingMid: null,
    };
    this.#transceivers.push(t);
    this.emit({ type: 'negotiationneeded' });
    return { transceiverId: t.transceiverId };
  }

  cmd_setTransceiverDirection(tid, direction) {
    this.#find(tid).direction = direction;
    return {};
  }

  cmd_setSenderTrack(tid, trackId, streamIds) {
    const t = this.#find(tid);
    t.senderTrackId = trackId;
    if (streamIds) t.streamIds = [...streamIds];
    return {};
  }

  cmd_stopTransceiver(tid) {
    const t = this.#find(tid);
    t.stopping = true;
    t.direction = 'inactive';
    return {};
  }

  cmd_transceivers() {
    return this.#transceivers.map((t) => ({
      transceiverId: t.transceiverId, mid: t.mid, kind: t.kind, direction: t.direction, currentDirection: t.currentDirection,
      stopped: t.stopped, stopping: t.stopping, senderTrackId: t.senderTrackId, streamIds: [...t.streamIds],
      remoteTrackId: t.remoteTrackId, remoteStreamIds: [...t.remoteStreamIds], remoteSending: t.remoteSending,
      createdByRemote: t.createdByRemote,
    }));
  }

  cmd_sendAudio(tid, nowMs, samples) {
    if (!(samples instanceof Int16Array) || samples.length !== 960) throw new Error('sendAudio: not a frame');
    this.frames.set(tid, (this.frames.get(tid) ?? 0) + 1);
    return {};
  }

  cmd_receiveAudio(tid) {
    return new Int16Array(960).fill(tid);
  }

  cmd_canInsertDtmf(tid) {
    const t = this.#find(tid);
    const remote = this.currentRemoteDescription;
    return Boolean(t && !t.stopping && sends(t.currentDirection) && remote
      && parseSections(remote.sdp).some((s) => s.mid === t.mid && s.telephoneEvent) && this.telephoneEvent);
  }

  cmd_playDtmfTone(tid, nowMs, tone, durationMs) {
    this.tones.push({ transceiverId: tid, at: nowMs, tone, durationMs });
    return {};
  }

  cmd_getStats() {
    const reports = [{ id: 'T', type: 'transport' }, { id: 'COpus', type: 'codec', mimeType: 'audio/opus', payloadType: 111, transportId: 'T' }];
    for (const t of this.#transceivers) {
      const id = t.transceiverId;
      reports.push({ id: `MS${id}`, type: 'media-source', transceiverId: id, audioLevel: 0.5 });
      reports.push({ id: `OUT${id}`, type: 'outbound-rtp', transceiverId: id, ssrc: 1000 + id, codecId: 'COpus', transportId: 'T', packetsSent: this.frames.get(id) ?? 0 });
      reports.push({ id: `IN${id}`, type: 'inbound-rtp', transceiverId: id, ssrc: 2000 + id, codecId: 'COpus', transportId: 'T', packetsReceived: 3 });
    }
    return reports;
  }

  cmd_createOffer() {
    const lines = this.#header();
    for (const t of this.#transceivers) {
      if (t.stopped && t.mid === null) continue;
      if (t.mid === null) t.pendingMid ??= `${this.#nextMid++}`;
      lines.push(...this.#section(t, t.mid ?? t.pendingMid, t.direction, t.stopping || t.stopped));
    }
    return { sdp: `${lines.join('\r\n')}\r\n` };
  }

  cmd_createAnswer() {
    const lines = this.#header();
    for (const s of parseSections(this.pendingRemoteDescription.sdp)) {
      const t = this.#transceivers.find((x) => x.mid === s.mid);
      const rejected = !t || s.port === 0 || t.stopping || t.stopped;
      lines.push(...this.#section(t, s.mid, rejected ? 'inactive' : intersect(t.direction, s.direction), rejected));
    }
    return { sdp: `${lines.join('\r\n')}\r\n` };
  }

  #header() {
    return ['v=0', `o=- ${this.#serial} 1 IN IP4 0.0.0.0`, 's=-', 't=0 0', 'a=ice-ufrag:fake'];
  }

  #section(t, mid, direction, rejected) {
    const lines = [`m=audio ${rejected ? 0 : 9} UDP/TLS/RTP/SAVPF 111 126`, `a=mid:${mid}`, `a=${direction}`];
    // As the real engine (core/sdp/audio_section.cpp): a=msid only for a sender with a track.
    if (t && t.senderTrackId) {
      if (t.streamIds.length === 0) lines.push(`a=msid:- ${t.senderTrackId}`);
      for (const stream of t.streamIds) lines.push(`a=msid:${stream} ${t.senderTrackId}`);
    }
    lines.push('a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1');
    if (this.telephoneEvent) lines.push('a=rtpmap:126 telephone-event/48000');
    lines.push('a=rtcp-rsize', `a=ssrc:${1000 + (t?.transceiverId ?? 0)} cname:fake${this.#serial}`);
    return lines;
  }

  #save() {
    this.#snapshot = {
      transceivers: this.#transceivers.map((t) => ({ ...t, streamIds: [...t.streamIds], remoteStreamIds: [...t.remoteStreamIds] })),
      nextMid: this.#nextMid,
    };
  }

  cmd_setLocalDescription(type, sdp) {
    if (type === 'rollback') {
      this.#rollback();
      return { type, sdp: '' };
    }
    const description = { type, sdp };
    if (type === 'offer') {
      this.#save();
      for (const t of this.#transceivers) if (t.mid === null && t.pendingMid !== null) t.mid = t.pendingMid;
      this.pendingLocalDescription = description;
      this.signalingState = 'have-local-offer';
    } else {
      for (const s of parseSections(sdp)) {
        const t = this.#transceivers.find((x) => x.mid === s.mid);
        if (!t) continue;
        if (t.stopping || s.port === 0) {
          t.stopped = true;
          t.currentDirection = null;
          continue;
        }
        t.currentDirection = s.direction;
      }
      this.currentLocalDescription = description;
      this.currentRemoteDescription = this.pendingRemoteDescription;
      this.pendingLocalDescription = null;
      this.pendingRemoteDescription = null;
      this.signalingState = 'stable';
    }
    this.emit({ type: 'signalingstatechange', state: this.signalingState });
    return description;
  }

  cmd_setRemoteDescription(type, sdp) {
    if (type === 'rollback') {
      this.#rollback();
      return {};
    }
    const description = { type, sdp };
    const sections = parseSections(sdp);
    if (type === 'offer') {
      this.#save();
      for (const s of sections) {
        if (s.kind !== 'audio') continue;
        let t = this.#transceivers.find((x) => x.mid === s.mid);
        // JSEP §5.10: an m= section takes a transceiver addTrack made that has no mid yet.
        t ??= this.#transceivers.find((x) => x.mid === null && !x.stopped && !x.stopping && !x.createdByRemote && x.senderTrackId !== '');
        if (!t) {
          t = {
            transceiverId: this.#nextId++, kind: 'audio', direction: 'recvonly', currentDirection: null, stopped: false, stopping: false,
            senderTrackId: '', streamIds: [], remoteTrackId: '', remoteStreamIds: [], remoteSending: false, createdByRemote: true, pendingMid: null,
          };
          this.#transceivers.push(t);
        }
        t.mid = s.mid;
        if (s.port === 0) {
          t.remoteSending = false;
          continue;
        }
        t.remoteSending = sends(s.direction);
        t.remoteStreamIds = s.streamIds;
        t.remoteTrackId = s.trackId;
      }
      this.pendingRemoteDescription = description;
      this.signalingState = 'have-remote-offer';
    } else {
      for (const s of sections) {
        const t = this.#transceivers.find((x) => x.mid === s.mid);
        if (!t) continue;
        if (s.port === 0 || t.stopping) {
          t.stopped = true;
          t.currentDirection = null;
          t.remoteSending = false;
          continue;
        }
        t.currentDirection = kReverse[s.direction];
        t.remoteSending = sends(s.direction);
        t.remoteStreamIds = s.streamIds;
        t.remoteTrackId = s.trackId;
      }
      this.currentRemoteDescription = description;
      this.currentLocalDescription = this.pendingLocalDescription;
      this.pendingLocalDescription = null;
      this.pendingRemoteDescription = null;
      this.signalingState = 'stable';
    }
    this.emit({ type: 'signalingstatechange', state: this.signalingState });
    return {};
  }

  #rollback() {
    if (this.#snapshot) {
      // Transceivers keep their sender state (addTrack during the offer); the rest goes back.
      const byId = new Map(this.#transceivers.map((t) => [t.transceiverId, t]));
      this.#transceivers = this.#snapshot.transceivers.map((old) => {
        const now = byId.get(old.transceiverId);
        return now ? { ...old, direction: now.direction, senderTrackId: now.senderTrackId, streamIds: now.streamIds, stopping: now.stopping } : old;
      });
      for (const t of byId.values()) {
        if (!this.#transceivers.some((x) => x.transceiverId === t.transceiverId) && !t.createdByRemote) this.#transceivers.push({ ...t, mid: null });
      }
      this.#nextMid = this.#snapshot.nextMid;
    }
    this.pendingLocalDescription = null;
    this.pendingRemoteDescription = null;
    this.signalingState = 'stable';
    this.emit({ type: 'signalingstatechange', state: 'stable' });
  }
}

// RTCPeerConnections in this process get fake engines from here on; returns the list of
// engines made, in order. The factory runs inside the RTCPeerConnection constructor, so the
// last engine in the list right after `new RTCPeerConnection()` is that connection's
// (engineOf() finds it later).
const engineByPc = new WeakMap();
let lastEngine = null;
export function useFakeEngines() {
  const engines = [];
  web.pc.setEngineFactoryForTests(async ({ onEvent }) => {
    const engine = new FakeEngine({ onEvent });
    engines.push(engine);
    lastEngine = engine;
    return engine;
  });
  return engines;
}

export function newConnection(configuration) {
  const pc = new web.api.RTCPeerConnection(configuration);
  engineByPc.set(pc, lastEngine);
  return pc;
}

export function engineOf(pc) {
  return engineByPc.get(pc);
}

// Offer/answer between two connections (each side's promises awaited), as example 10.1 does.
export async function negotiate(offerer, answerer) {
  await offerer.setLocalDescription(await offerer.createOffer());
  await answerer.setRemoteDescription(offerer.localDescription);
  await answerer.setLocalDescription(await answerer.createAnswer());
  await offerer.setRemoteDescription(answerer.localDescription);
}

export function microphone() {
  return web.media.getUserMedia({ audio: true });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves after every task queued so far (and the ones they queue, `rounds` deep) ran.
export async function settle(rounds = 5) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => web.tasks.queueTask(resolve));
}
