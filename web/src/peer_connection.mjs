// RTCPeerConnection (webrtc-pc §4.4), its operations chain, the legacy callback forms (§4.4.3)
// and the negotiation-needed flag. The protocol work is the engine's (engine/adapter.mjs); this
// file keeps the state the spec defines in JS and the order in which things become visible.
import {
  BaseEventTarget, MediaStreamEvent, RTCDTMFReceivedEvent, RTCPeerConnectionIceEvent, RTCPeerConnectionIceErrorEvent, RTCTrackEvent,
  defineEventHandlers,
} from './events.mjs';
import { RTCIceCandidate, toIceCandidateInit } from './ice_candidate.mjs';
import { RTCSessionDescription, toLocalSessionDescriptionInit, toSessionDescriptionInit } from './session_description.mjs';
import { RTCDataChannelEvent, channelInternals, checkDataChannelInit, toDataChannelInit } from './data_channel.mjs';
import { checkConfiguration, copyConfiguration, toConfiguration } from './configuration.mjs';
import { certificateSecret, generateCertificate } from './certificate.mjs';
import { EngineConnection } from './engine/adapter.mjs';
import { relayCredentials, relayEndpoint, relayTurnUrlFromIceServer } from './relay.mjs';
import { RTCRtpSender, TransceiverRecord, kDirections, receives, sends } from './rtp_transceiver.mjs';
import {
  addTrackToRemoteStream, createMediaStream, isMediaStream, isMediaStreamTrack, removeTrackFromRemoteStream,
} from './media/index.mjs';
import { queueTask, reportError } from './tasks.mjs';
import { domException, requireArguments, toBoolean, toDictionary, toEnum, typeError } from './webidl.mjs';

// Node tests (tests/js/web/) replace the Wasm engine with a scripted one: factory({onEvent})
// returns an object with EngineConnection's surface (command, get, hold, release, close,
// closed, bufferedAmount). Never set in a page.
let engineFactoryForTests = null;
export function setEngineFactoryForTests(factory) {
  engineFactoryForTests = factory;
}

function closedError(what) {
  return domException('InvalidStateError', `${what}: the RTCPeerConnection is closed`);
}

// Invokes a legacy callback: an exception it throws is reported, not propagated.
function invokeCallback(callback, args) {
  try {
    callback(...args);
  } catch (error) {
    reportError(error);
  }
}

// The legacy forms run the promise form and report its outcome to the callbacks; they return
// a promise resolved with undefined (webrtc-pc §4.4.3.1).
function legacy(promise, successCallback, failureCallback, passValue) {
  promise.then(
    (value) => invokeCallback(successCallback, passValue ? [value] : []),
    (error) => invokeCallback(failureCallback, [error]));
  return Promise.resolve(undefined);
}

function requireCallbacks(what, ...callbacks) {
  for (const callback of callbacks) {
    if (typeof callback !== 'function') throw typeError(`${what}: the callback is not a function`);
  }
}

// WebIDL overload resolution for "promise form with 0-1 arguments, legacy form with N": with
// a count that matches neither, no overload applies and the call is a TypeError.
function pickForm(args, legacyCount, what) {
  if (args.length <= 1) return 'promise';
  if (args.length >= legacyCount) return 'legacy';
  throw typeError(`${what}: ${args.length} arguments match no overload (0-1 for the promise form, ${legacyCount} for the legacy form)`);
}

// Media sections of an SDP in m= line order: {kind, port, mid, ufrag, rtpmap, fmtp, extmap,
// rtcpRsize, cname}, what addIceCandidate's checks and getParameters() read.
function mediaSections(sdp) {
  const sections = [];
  let sessionUfrag = null;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [kind, port] = line.slice(2).split(' ');
      sections.push({
        kind, port: Number(port), mid: null, ufrag: null, rtpmap: [], fmtp: [], extmap: [], rtcpRsize: false, cname: null,
      });
      continue;
    }
    const current = sections[sections.length - 1];
    if (line.startsWith('a=ice-ufrag:')) {
      if (current) current.ufrag = line.slice(12).trim();
      else sessionUfrag = line.slice(12).trim();
    }
    if (!current) continue;
    if (line.startsWith('a=mid:')) current.mid = line.slice(6).trim();
    else if (line.startsWith('a=rtpmap:')) {
      const m = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)(?:\/(\d+))?/.exec(line);
      if (m) current.rtpmap.push({ payloadType: Number(m[1]), name: m[2], clockRate: Number(m[3]), channels: m[4] ? Number(m[4]) : null });
    } else if (line.startsWith('a=fmtp:')) {
      const m = /^a=fmtp:(\d+) (.*)$/.exec(line);
      if (m) current.fmtp.push([Number(m[1]), m[2]]);
    } else if (line.startsWith('a=extmap:')) {
      const m = /^a=extmap:(\d+)(?:\/\w+)? (\S+)/.exec(line);
      if (m) current.extmap.push({ id: Number(m[1]), uri: m[2] });
    } else if (line === 'a=rtcp-rsize') current.rtcpRsize = true;
    else if (current.cname === null && /^a=ssrc:\d+ cname:/.test(line)) current.cname = line.slice(line.indexOf('cname:') + 6);
  }
  for (const s of sections) s.ufrag ??= sessionUfrag;
  return sections;
}

function iceCredentials(sdp) {
  return mediaSections(sdp ?? '').map((s) => s.ufrag).filter((u) => u !== null);
}

// Which description types JSEP allows in which signaling state (RFC 9429 §5.5, §5.6, §4.1.10).
const kAllowedLocal = {
  offer: ['stable', 'have-local-offer'],
  answer: ['have-remote-offer', 'have-local-pranswer'],
  pranswer: ['have-remote-offer', 'have-local-pranswer'],
  rollback: ['have-local-offer', 'have-remote-offer'],
};
const kAllowedRemote = {
  offer: ['stable', 'have-remote-offer', 'have-local-offer'], // have-local-offer: implicit rollback
  answer: ['have-local-offer', 'have-remote-pranswer'],
  pranswer: ['have-local-offer', 'have-remote-pranswer'],
  rollback: ['have-local-offer', 'have-remote-offer'],
};

function toDescription(value) {
  return value ? new RTCSessionDescription({ type: value.type, sdp: value.sdp }) : null;
}

export class RTCPeerConnection extends BaseEventTarget {
  #config;
  #closed = false;
  #signalingState = 'stable';
  #iceGatheringState = 'new';
  #iceConnectionState = 'new';
  #connectionState = 'new';
  #currentLocalDescription = null;
  #pendingLocalDescription = null;
  #currentRemoteDescription = null;
  #pendingRemoteDescription = null;
  #canTrickleIceCandidates = null;
  #operations = [];
  #updateNegotiationNeededFlagOnEmptyChain = false;
  #negotiationNeeded = false;
  #engineNegotiationNeeded = false;
  #localIceCredentialsToReplace = [];
  #lastCreatedOffer = '';
  #lastCreatedAnswer = '';
  #localDescriptionSet = false;
  #channels = [];
  #channelsByHandle = new Map();
  #enginePromise;
  #engine = null;
  #link;
  #stats = { dataChannelsOpened: 0, dataChannelsClosed: 0 };
  #lastLocalCandidate = null; // sdpMid etc. of this generation's candidates, for end-of-candidates
  #bufferedAmountUpdateQueued = false;
  #nullCandidateDeferred = false;
  #relayUrl = null;
  #transceivers = []; // TransceiverRecords: the spec's "set of transceivers", in insertion order
  #allSenders = new WeakSet(); // every sender this connection made (removeTrack's check)
  #mediaLink;
  #addedStreams = []; // addStream()'s streams, for getLocalStreams()
  #remoteStreams = new Map(); // stream id -> MediaStream: one object per id for the connection
  #legacyDefaultStream = null; // holds remote tracks that came without a stream (addstream only)
  #liveRemoteStreams = []; // getRemoteStreams(), in the order onaddstream announced them

  constructor(configuration = {}) {
    super();
    const config = toConfiguration(configuration);
    checkConfiguration(config, null);
    this.#config = config;
    const pc = this;
    this.#link = { get closedForChannels() { return pc.#closed; } };
    this.#mediaLink = {
      engine: () => (pc.#closed || !pc.#engine || pc.#engine.closed ? null : pc.#engine),
      closed: () => pc.#closed,
      chain: (steps) => pc.#chain(() => pc.#inTask(steps)),
      updateNegotiationNeeded: () => pc.#updateNegotiationNeededFlag(),
      getStats: (record, side) => pc.#collectStats({ record, side }),
      negotiatedSection: (record, side) => pc.#negotiatedSection(record, side),
    };
    // The engine loads while the page goes on; operations wait for it (or its absence).
    this.#enginePromise = this.#openEngine();
    this.#enginePromise.catch(() => {});
  }

  async #openEngine() {
    if (engineFactoryForTests) return this.#engineOpened(await engineFactoryForTests({ onEvent: (event) => this.#onEngineEvent(event) }));
    const certificates = this.#config.certificates.map((c) => certificateSecret(c));
    const relayServer = this.#config.iceServers.find((s) => s.urls.some((u) => /^wss?:/i.test(u)));
    const relayUrl = relayServer
      ? relayTurnUrlFromIceServer(relayServer.urls.find((u) => /^wss?:/i.test(u)))
      : relayEndpoint('turn');
    this.#relayUrl = relayUrl;
    // No credentials configured: use those the relay serves to pages, if it does.
    let iceServers = this.#config.iceServers;
    if (!iceServers.some((s) => typeof s.username === 'string' && typeof s.credential === 'string')) {
      const served = await relayCredentials(relayUrl);
      if (served) iceServers = [...iceServers, { urls: [relayUrl], ...served }];
    }
    const engine = await EngineConnection.open({
      config: {
        seed: crypto.getRandomValues(new Uint8Array(32)),
        iceServers,
        iceTransportPolicy: this.#config.iceTransportPolicy,
        bundlePolicy: this.#config.bundlePolicy,
        certificates,
      },
      relayUrl,
      onEvent: (event) => this.#onEngineEvent(event),
      onPumped: () => this.#scheduleBufferedAmountUpdate(),
    });
    return this.#engineOpened(engine);
  }

  #engineOpened(engine) {
    if (this.#closed) {
      engine.close();
      throw closedError('RTCPeerConnection');
    }
    this.#engine = engine;
    for (const channel of this.#channels) this.#attachChannel(channel);
    for (const record of this.#transceivers) this.#attachTransceiver(record);
    return engine;
  }

  // A transceiver made before the engine loaded gets its engine twin now, in creation order.
  #attachTransceiver(record) {
    try {
      record.attach(this.#engine);
    } catch (error) {
      reportError(error);
    }
  }

  #attachChannel(channel) {
    const engine = this.#engine;
    if (!engine || channelInternals.handle(channel) !== null || channel.readyState === 'closed') return;
    const init = channelInternals.init(channel);
    try {
      const { handle, id } = engine.command('createDataChannel', { ...init, priority: 'low' });
      channelInternals.attach(channel, engine, handle, id);
      this.#channelsByHandle.set(handle, channel);
      if (channel.readyState === 'closing') engine.command('closeDataChannel', handle);
    } catch (error) {
      queueTask(() => {
        if (this.#closed) return;
        channelInternals.announceClosed(channel, 'data-channel-failure', error.message);
      });
    }
  }

  // ---- attributes -------------------------------------------------------------------------
  get localDescription() { return this.#pendingLocalDescription ?? this.#currentLocalDescription; }
  get currentLocalDescription() { return this.#currentLocalDescription; }
  get pendingLocalDescription() { return this.#pendingLocalDescription; }
  get remoteDescription() { return this.#pendingRemoteDescription ?? this.#currentRemoteDescription; }
  get currentRemoteDescription() { return this.#currentRemoteDescription; }
  get pendingRemoteDescription() { return this.#pendingRemoteDescription; }
  get signalingState() { return this.#signalingState; }
  get iceGatheringState() { return this.#iceGatheringState; }
  get iceConnectionState() { return this.#iceConnectionState; }
  get connectionState() { return this.#connectionState; }
  get canTrickleIceCandidates() { return this.#canTrickleIceCandidates; }
  get sctp() { return null; }

  static generateCertificate(keygenAlgorithm) {
    return generateCertificate(...arguments);
  }

  getConfiguration() {
    return copyConfiguration(this.#config);
  }

  setConfiguration(configuration = {}) {
    const config = toConfiguration(configuration); // the IDL conversion comes before the steps
    if (this.#closed) throw closedError('setConfiguration');
    checkConfiguration(config, this.#config, { localDescriptionSet: this.#localDescriptionSet });
    if (config.certificates.length === 0) config.certificates = this.#config.certificates;
    this.#config = config;
  }

  // ---- the operations chain (§4.4.1.2) ----------------------------------------------------
  #chain(operation) {
    if (this.#closed) return Promise.reject(closedError('operation'));
    return new Promise((resolve, reject) => {
      const run = () => {
        let promise;
        try {
          promise = Promise.resolve(operation());
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then((value) => {
          if (this.#closed) return; // never settles once closed
          resolve(value);
          this.#operationDone();
        }, (error) => {
          if (this.#closed) return;
          reject(error);
          this.#operationDone();
        });
      };
      this.#operations.push(run);
      if (this.#operations.length === 1) run();
    });
  }

  #operationDone() {
    this.#operations.shift();
    if (this.#operations.length > 0) {
      this.#operations[0]();
      return;
    }
    if (!this.#updateNegotiationNeededFlagOnEmptyChain) return;
    this.#updateNegotiationNeededFlagOnEmptyChain = false;
    this.#updateNegotiationNeededFlag();
  }

  // Resolves in a later task, after the work before it is visible: the spec's "queue a task
  // to ... resolve p".
  #inTask(steps) {
    return new Promise((resolve, reject) => {
      queueTask(() => {
        if (this.#closed) return;
        try {
          resolve(steps());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  // A description or candidate command: what the engine does because of it (gathering,
  // candidates, checking, ...) must become visible after the task that settles the call, as
  // the spec's ICE agent queues its own tasks. The events are held until that task is queued.
  #heldCommand(engine, name, ...args) {
    engine.hold();
    try {
      return engine.command(name, ...args);
    } catch (error) {
      engine.release();
      throw error;
    }
  }

  #inTaskBeforeHeld(engine, steps) {
    const promise = this.#inTask(steps);
    engine.release();
    return promise;
  }

  async #requireEngine() {
    return this.#engine ?? this.#enginePromise;
  }

  // ---- negotiation-needed (§4.7.3) --------------------------------------------------------
  #updateNegotiationNeededFlag() {
    if (this.#operations.length !== 0) {
      this.#updateNegotiationNeededFlagOnEmptyChain = true;
      return;
    }
    queueTask(() => {
      if (this.#closed) return;
      if (this.#operations.length !== 0) {
        this.#updateNegotiationNeededFlagOnEmptyChain = true;
        return;
      }
      if (this.#signalingState !== 'stable') return;
      if (!this.#isNegotiationNeeded()) {
        this.#negotiationNeeded = false;
        return;
      }
      if (this.#negotiationNeeded) return;
      this.#negotiationNeeded = true;
      this.dispatchEvent(new Event('negotiationneeded'));
    });
  }

  // "Check if negotiation is needed" (webrtc-pc §4.7.3): the ICE restart part is decided here;
  // the data-channel and transceiver parts are the engine's (core/peer negotiation_needed(),
  // SessionNegotiator::transceivers_need_negotiation). Before the engine has loaded nothing has
  // been negotiated, so any channel or transceiver needs an offer.
  #isNegotiationNeeded() {
    if (this.#engineNegotiationNeeded) return true;
    if (this.#localIceCredentialsToReplace.length > 0) return true;
    const engine = this.#engine;
    if (!engine || engine.closed) return this.#channels.length > 0 || this.#transceivers.some((r) => !r.stopped);
    return Boolean(engine.get('negotiationNeeded'));
  }

  restartIce() {
    this.#localIceCredentialsToReplace = [
      ...iceCredentials(this.#currentLocalDescription?.sdp),
      ...iceCredentials(this.#pendingLocalDescription?.sdp),
    ];
    if (this.#engine && !this.#closed) this.#engine.command('restartIce');
    this.#updateNegotiationNeededFlag();
  }

  // ---- offers and answers -----------------------------------------------------------------
  createOffer(...args) {
    try {
      if (pickForm(args, 2, 'createOffer') === 'legacy') {
        const [success, failure, options] = args;
        requireCallbacks('createOffer', success, failure);
        return legacy(this.#createOffer(options), success, failure, true);
      }
      return this.#createOffer(args[0]);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #createOffer(optionsArg) {
    const dict = toDictionary(optionsArg, 'RTCOfferOptions');
    const options = { iceRestart: toBoolean(dict.iceRestart) };
    if (this.#closed) return Promise.reject(closedError('createOffer'));
    // offerToReceiveVideo is accepted and has no effect: polyrtc receives audio only.
    if (dict.offerToReceiveAudio !== undefined) this.#offerToReceiveAudio(toBoolean(dict.offerToReceiveAudio));
    return this.#chain(async () => {
      if (this.#signalingState !== 'stable' && this.#signalingState !== 'have-local-offer') {
        throw domException('InvalidStateError', `createOffer: not allowed in signaling state ${this.#signalingState}`);
      }
      const engine = await this.#requireEngine();
      const { sdp } = engine.command('createOffer', options);
      return this.#inTask(() => {
        this.#lastCreatedOffer = sdp;
        return { type: 'offer', sdp };
      });
    });
  }

  // The legacy offerToReceiveAudio option (webrtc-pc §11.2 legacy RTCOfferOptions), applied
  // to the transceivers when createOffer is called.
  #offerToReceiveAudio(receive) {
    const audio = this.#transceivers.filter((r) => r.kind === 'audio' && !r.stopping);
    if (!receive) {
      for (const r of audio) {
        if (r.direction === 'sendrecv') r.setDirection('sendonly');
        else if (r.direction === 'recvonly') r.setDirection('inactive');
      }
      this.#updateNegotiationNeededFlag();
      return;
    }
    for (const r of audio) if (r.direction === 'sendonly') r.setDirection('sendrecv');
    if (!audio.some((r) => receives(r.direction))) this.#newTransceiver({ kind: 'audio', direction: 'recvonly' });
    this.#updateNegotiationNeededFlag();
  }

  createAnswer(...args) {
    try {
      if (pickForm(args, 2, 'createAnswer') === 'legacy') {
        const [success, failure] = args;
        requireCallbacks('createAnswer', success, failure);
        return legacy(this.#createAnswer(), success, failure, true);
      }
      toDictionary(args[0], 'RTCAnswerOptions');
      return this.#createAnswer();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #createAnswer() {
    if (this.#closed) return Promise.reject(closedError('createAnswer'));
    return this.#chain(async () => {
      if (this.#signalingState !== 'have-remote-offer' && this.#signalingState !== 'have-local-pranswer') {
        throw domException('InvalidStateError', `createAnswer: not allowed in signaling state ${this.#signalingState}`);
      }
      const engine = await this.#requireEngine();
      const { sdp } = engine.command('createAnswer');
      return this.#inTask(() => {
        this.#lastCreatedAnswer = sdp;
        return { type: 'answer', sdp };
      });
    });
  }

  // ---- descriptions -----------------------------------------------------------------------
  setLocalDescription(...args) {
    try {
      if (pickForm(args, 3, 'setLocalDescription') === 'legacy') {
        const [description, success, failure] = args;
        const init = toLocalSessionDescriptionInit(description);
        requireCallbacks('setLocalDescription', success, failure);
        return legacy(this.#setLocalDescription(init), success, failure, false);
      }
      return this.#setLocalDescription(toLocalSessionDescriptionInit(args[0]));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #setLocalDescription({ type: givenType, sdp }) {
    if (this.#closed) return Promise.reject(closedError('setLocalDescription'));
    return this.#chain(async () => {
      const state = this.#signalingState;
      const type = givenType ?? (['stable', 'have-local-offer', 'have-remote-pranswer'].includes(state) ? 'offer' : 'answer');
      if (type === 'offer' && sdp !== '' && sdp !== this.#lastCreatedOffer) {
        throw domException('InvalidModificationError', 'setLocalDescription: the SDP is not the last offer createOffer made');
      }
      if ((type === 'answer' || type === 'pranswer') && sdp !== '' && sdp !== this.#lastCreatedAnswer) {
        throw domException('InvalidModificationError', 'setLocalDescription: the SDP is not the last answer createAnswer made');
      }
      if (!kAllowedLocal[type].includes(state)) {
        throw domException('InvalidStateError', `setLocalDescription: a local ${type} is not allowed in signaling state ${state}`);
      }
      const engine = await this.#requireEngine();
      let localSdp = sdp;
      // No SDP (parameterless setLocalDescription, or {type} alone): the last offer/answer
      // made, or a fresh one when there is none (webrtc-pc §4.4.1.6 setLocalDescription).
      if (localSdp === '' && type === 'offer') {
        if (this.#lastCreatedOffer === '') this.#lastCreatedOffer = engine.command('createOffer', { iceRestart: false }).sdp;
        localSdp = this.#lastCreatedOffer;
      } else if (localSdp === '' && (type === 'answer' || type === 'pranswer')) {
        if (this.#lastCreatedAnswer === '') this.#lastCreatedAnswer = engine.command('createAnswer').sdp;
        localSdp = this.#lastCreatedAnswer;
      }
      const applied = this.#heldCommand(engine, 'setLocalDescription', type, type === 'rollback' ? '' : localSdp);
      return this.#inTaskBeforeHeld(engine, () => {
        if (type !== 'rollback') this.#localDescriptionSet = true;
        if (type === 'offer' || type === 'answer') {
          const fresh = iceCredentials(applied.sdp);
          if (!fresh.some((u) => this.#localIceCredentialsToReplace.includes(u))) this.#localIceCredentialsToReplace = [];
        }
        if (type === 'answer') this.#lastCreatedOffer = this.#lastCreatedAnswer = '';
        this.#afterDescriptionSet('local');
      });
    });
  }

  setRemoteDescription(...args) {
    try {
      const form = args.length === 0 ? 'promise' : pickForm(args, 3, 'setRemoteDescription');
      requireArguments(args, 1, 'setRemoteDescription');
      const init = toSessionDescriptionInit(args[0], 'setRemoteDescription');
      if (form === 'legacy') {
        const [, success, failure] = args;
        requireCallbacks('setRemoteDescription', success, failure);
        return legacy(this.#setRemoteDescription(init), success, failure, false);
      }
      return this.#setRemoteDescription(init);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #setRemoteDescription({ type, sdp }) {
    if (this.#closed) return Promise.reject(closedError('setRemoteDescription'));
    return this.#chain(async () => {
      const state = this.#signalingState;
      if (!kAllowedRemote[type].includes(state)) {
        throw domException('InvalidStateError', `setRemoteDescription: a remote ${type} is not allowed in signaling state ${state}`);
      }
      const engine = await this.#requireEngine();
      this.#heldCommand(engine, 'setRemoteDescription', type, type === 'rollback' ? '' : sdp);
      return this.#inTaskBeforeHeld(engine, () => {
        if (type !== 'rollback' && this.#canTrickleIceCandidates === null) {
          this.#canTrickleIceCandidates = /^a=ice-options:.*\btrickle\b/m.test(sdp);
        }
        if (type === 'answer') this.#lastCreatedOffer = this.#lastCreatedAnswer = '';
        this.#afterDescriptionSet('remote');
      });
    });
  }

  // Reads the descriptions, transceivers and signaling state the engine now has, fires
  // signalingstatechange when it moved, then the remote track events (webrtc-pc §4.4.1.5
  // "set the session description": signalingstatechange, the streams' removetrack/addtrack,
  // track), then polyrtc's legacy removestream/addstream, and re-checks negotiation-needed on
  // reaching stable. `source` is 'local' or 'remote'.
  #afterDescriptionSet(source) {
    const engine = this.#engine;
    this.#currentLocalDescription = toDescription(engine.get('currentLocalDescription'));
    this.#pendingLocalDescription = toDescription(engine.get('pendingLocalDescription'));
    this.#currentRemoteDescription = toDescription(engine.get('currentRemoteDescription'));
    this.#pendingRemoteDescription = toDescription(engine.get('pendingRemoteDescription'));
    const media = this.#applyTransceivers(source);
    const state = engine.get('signalingState');
    if (state !== this.#signalingState) {
      this.#signalingState = state;
      this.dispatchEvent(new Event('signalingstatechange'));
    }
    this.#fireRemoteTrackEvents(media);
    if (this.#closed) return;
    if (this.#signalingState === 'stable') {
      this.#negotiationNeeded = false;
      this.#engineNegotiationNeeded = false;
      this.#updateNegotiationNeededFlag();
    }
  }

  // ---- ICE candidates ---------------------------------------------------------------------
  addIceCandidate(...args) {
    try {
      if (pickForm(args, 3, 'addIceCandidate') === 'legacy') {
        const [candidate, success, failure] = args;
        const init = toIceCandidateInit(candidate, 'addIceCandidate');
        requireCallbacks('addIceCandidate', success, failure);
        return legacy(this.#addIceCandidate(init), success, failure, false);
      }
      return this.#addIceCandidate(toIceCandidateInit(args[0], 'addIceCandidate'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #addIceCandidate(candidate) {
    if (candidate.candidate !== '' && candidate.sdpMid === null && candidate.sdpMLineIndex === null) {
      return Promise.reject(typeError('addIceCandidate: sdpMid and sdpMLineIndex are both null'));
    }
    if (this.#closed) return Promise.reject(closedError('addIceCandidate'));
    return this.#chain(async () => {
      const remote = this.remoteDescription;
      if (remote === null) throw domException('InvalidStateError', 'addIceCandidate: there is no remote description');
      const sections = mediaSections(remote.sdp);
      let section = null;
      if (candidate.sdpMid !== null) {
        section = sections.find((s) => s.mid === candidate.sdpMid);
        if (!section) throw domException('OperationError', `addIceCandidate: no media section with mid ${candidate.sdpMid}`);
      } else if (candidate.sdpMLineIndex !== null) {
        section = sections[candidate.sdpMLineIndex];
        if (!section) throw domException('OperationError', `addIceCandidate: no media section at index ${candidate.sdpMLineIndex}`);
      }
      if (section && candidate.usernameFragment !== null && candidate.usernameFragment !== section.ufrag) {
        throw domException('OperationError', 'addIceCandidate: the usernameFragment matches no remote ICE generation');
      }
      const engine = await this.#requireEngine();
      this.#heldCommand(engine, 'addIceCandidate', candidate);
      return this.#inTaskBeforeHeld(engine, () => {
        this.#currentRemoteDescription = toDescription(engine.get('currentRemoteDescription'));
        this.#pendingRemoteDescription = toDescription(engine.get('pendingRemoteDescription'));
        return undefined;
      });
    });
  }

  // ---- data channels ----------------------------------------------------------------------
  createDataChannel(label, dataChannelDict = {}) {
    requireArguments(arguments, 1, 'createDataChannel');
    const init = toDataChannelInit(label, dataChannelDict);
    if (this.#closed) throw closedError('createDataChannel');
    checkDataChannelInit(init);
    if (init.id !== null && this.#channels.some((c) => c.id === init.id && c.readyState !== 'closed')) {
      throw domException('OperationError', `createDataChannel: id ${init.id} is in use`);
    }
    const channel = channelInternals.create(this.#link, init);
    const first = this.#channels.length === 0;
    this.#channels.push(channel);
    this.#attachChannel(channel);
    if (first) this.#updateNegotiationNeededFlag();
    return channel;
  }

  // ---- media: transceivers, senders, receivers (webrtc-pc §5.1) ---------------------------
  // The spec's CollectTransceivers / CollectSenders / CollectReceivers.
  getTransceivers() {
    return this.#transceivers.map((r) => r.transceiver);
  }

  getSenders() {
    return this.#transceivers.filter((r) => !r.stopped).map((r) => r.sender);
  }

  getReceivers() {
    return this.#transceivers.filter((r) => !r.stopped).map((r) => r.receiver);
  }

  #newTransceiver(options) {
    const record = new TransceiverRecord(this.#mediaLink, options);
    this.#transceivers.push(record);
    this.#allSenders.add(record.sender);
    if (this.#engine && !this.#engine.closed) {
      try {
        record.attach(this.#engine);
      } catch (error) {
        this.#transceivers.splice(this.#transceivers.indexOf(record), 1);
        record.shutDown();
        throw error;
      }
    }
    return record;
  }

  addTrack(track, ...streams) {
    requireArguments(arguments, 1, 'addTrack');
    if (!isMediaStreamTrack(track)) throw typeError('addTrack: the first argument is not a MediaStreamTrack');
    if (!streams.every((s) => isMediaStream(s))) throw typeError('addTrack: an argument after the track is not a MediaStream');
    if (this.#closed) throw closedError('addTrack');
    const senders = this.#transceivers.filter((r) => !r.stopped);
    if (senders.some((r) => r.track === track)) throw domException('InvalidAccessError', 'addTrack: the track is already sent by this connection');
    if (track.kind !== 'audio') {
      throw domException('NotSupportedError', `addTrack: polyrtc sends audio only; a ${track.kind} track cannot be sent (docs/media.md)`);
    }
    const streamIds = [...new Set(streams.map((s) => s.id))];
    // "Find a transceiver" to reuse: same kind, no track, not stopping, never used to send.
    let record = senders.find((r) => r.track === null && r.kind === track.kind && !r.stopping && !r.everSent);
    if (record) {
      record.streams = [...streams];
      record.setSenderTrack(track, streamIds);
      if (record.direction === 'recvonly') record.setDirection('sendrecv');
      else if (record.direction === 'inactive') record.setDirection('sendonly');
    } else {
      record = this.#newTransceiver({ kind: track.kind, direction: 'sendrecv', track, streams });
    }
    this.#updateNegotiationNeededFlag();
    return record.sender;
  }

  removeTrack(sender) {
    requireArguments(arguments, 1, 'removeTrack');
    if (!(sender instanceof RTCRtpSender)) throw typeError('removeTrack: the argument is not an RTCRtpSender');
    if (this.#closed) throw closedError('removeTrack');
    if (!this.#allSenders.has(sender)) throw domException('InvalidAccessError', 'removeTrack: the sender was not created by this connection');
    const record = this.#transceivers.find((r) => r.sender === sender);
    if (!record || record.stopping || record.stopped || record.track === null) return;
    record.setSenderTrack(null);
    if (record.direction === 'sendrecv') record.setDirection('recvonly');
    else if (record.direction === 'sendonly') record.setDirection('inactive');
    this.#updateNegotiationNeededFlag();
  }

  addTransceiver(trackOrKind, init = {}) {
    requireArguments(arguments, 1, 'addTransceiver');
    const dict = toDictionary(init, 'RTCRtpTransceiverInit');
    const direction = dict.direction === undefined ? 'sendrecv' : toEnum(dict.direction, kDirections, 'RTCRtpTransceiverDirection');
    const streams = dict.streams === undefined ? [] : [...dict.streams];
    if (!streams.every((s) => isMediaStream(s))) throw typeError('addTransceiver: streams has an element that is not a MediaStream');
    let track = null;
    let kind;
    if (isMediaStreamTrack(trackOrKind)) {
      track = trackOrKind;
      kind = track.kind;
    } else {
      kind = `${trackOrKind}`;
      if (kind !== 'audio' && kind !== 'video') throw typeError(`addTransceiver: '${kind}' is not a media kind (audio or video)`);
    }
    if (this.#closed) throw closedError('addTransceiver');
    if (kind !== 'audio') throw domException('NotSupportedError', 'addTransceiver: polyrtc sends and receives audio only (docs/media.md)');
    const record = this.#newTransceiver({ kind, direction, track, streams });
    this.#updateNegotiationNeededFlag();
    return record.transceiver;
  }

  // ---- media: the legacy stream API (spec examples 10.1 and 10.5) ------------------------
  addStream(stream) {
    requireArguments(arguments, 1, 'addStream');
    if (!isMediaStream(stream)) throw typeError('addStream: the argument is not a MediaStream');
    if (this.#closed) throw closedError('addStream');
    if (this.#addedStreams.includes(stream)) return;
    this.#addedStreams.push(stream);
    let skipped = 0;
    for (const track of stream.getTracks()) {
      if (track.kind !== 'audio') {
        skipped++;
        continue;
      }
      if (this.#transceivers.some((r) => !r.stopped && r.track === track)) continue;
      this.addTrack(track, stream);
    }
    // Example 10.1 asks for audio and video; the call still connects, with audio.
    if (skipped > 0) console.warn(`polyrtc: addStream: ${skipped} video track(s) not sent, polyrtc sends audio only (see docs/media.md)`);
  }

  removeStream(stream) {
    requireArguments(arguments, 1, 'removeStream');
    if (!isMediaStream(stream)) throw typeError('removeStream: the argument is not a MediaStream');
    if (this.#closed) throw closedError('removeStream');
    const index = this.#addedStreams.indexOf(stream);
    if (index < 0) return;
    this.#addedStreams.splice(index, 1);
    const tracks = stream.getTracks();
    for (const r of [...this.#transceivers]) {
      if (!r.stopped && r.track !== null && tracks.includes(r.track) && r.streamIds.includes(stream.id)) this.removeTrack(r.sender);
    }
  }

  // addStream()'s streams, and the streams given to addTrack() for tracks still sent.
  getLocalStreams() {
    const streams = [...this.#addedStreams];
    for (const r of this.#transceivers) {
      if (r.stopped || r.track === null) continue;
      for (const s of r.streams) if (!streams.includes(s)) streams.push(s);
    }
    return streams;
  }

  getRemoteStreams() {
    return [...this.#liveRemoteStreams];
  }

  // The 2013 draft's createDTMFSender (example 10.5). As late Chromium did: the DTMF sender of
  // the RTCRtpSender that sends the track, the same object every time; SyntaxError for a
  // track this connection does not send or a video track (docs/questions.md (questions 21-27), Q21).
  createDTMFSender(track) {
    requireArguments(arguments, 1, 'createDTMFSender');
    if (!isMediaStreamTrack(track)) throw typeError('createDTMFSender: the argument is not a MediaStreamTrack');
    if (this.#closed) throw closedError('createDTMFSender');
    if (track.kind !== 'audio') throw domException('SyntaxError', "createDTMFSender: the track's kind is not 'audio'");
    const record = this.#transceivers.find((r) => !r.stopped && r.track === track);
    if (!record) throw domException('SyntaxError', 'createDTMFSender: no RTCRtpSender of this connection sends the track (add it with addStream or addTrack first)');
    return record.dtmf;
  }

  // ---- media: what a description changed --------------------------------------------------
  // Mirrors the engine's transceivers after a description was applied: new ones a remote offer
  // made, mids, current directions, ones the engine dropped (a rolled-back remote offer's).
  // Returns what to fire once signalingstatechange has fired.
  #applyTransceivers(source) {
    const result = { removeList: [], addList: [], trackEvents: [] };
    // A call without audio (data channels only) has no transceivers to mirror.
    const descriptions = [this.#currentLocalDescription, this.#pendingLocalDescription, this.#currentRemoteDescription, this.#pendingRemoteDescription];
    if (this.#transceivers.length === 0 && !descriptions.some((d) => d && /^m=audio /m.test(d.sdp))) return result;
    let list;
    try {
      list = this.#engine.command('transceivers');
    } catch (error) {
      reportError(error);
      return result;
    }
    if (!Array.isArray(list)) return result;
    const byTid = new Map(list.map((e) => [e.transceiverId, e]));
    for (const entry of list) {
      // Remote video sections are rejected by the engine; they have no transceiver here.
      if (entry.kind !== 'audio' || this.#transceivers.some((r) => r.tid === entry.transceiverId)) continue;
      const record = new TransceiverRecord(this.#mediaLink, {
        kind: 'audio', direction: kDirections.includes(entry.direction) ? entry.direction : 'recvonly', createdByRemote: true,
      });
      record.tid = entry.transceiverId;
      this.#transceivers.push(record);
      this.#allSenders.add(record.sender);
    }
    for (const record of [...this.#transceivers]) {
      if (record.tid === null) continue;
      const entry = byTid.get(record.tid);
      if (!entry) {
        // Gone from the engine: a rolled-back remote offer's transceiver, or a stopped one
        // whose m= section is now rejected. It leaves the set of transceivers.
        if (record.fired) this.#processRemoval(record, result);
        this.#transceivers.splice(this.#transceivers.indexOf(record), 1);
        record.shutDown();
        continue;
      }
      record.updateFrom(entry);
      let receiving;
      if (record.stopping || record.stopped) receiving = false;
      else if (source === 'remote') receiving = Boolean(entry.remoteSending);
      else receiving = record.fired && (record.currentDirection === null || receives(record.currentDirection));
      if (receiving) {
        this.#associateRemoteStreams(record, Array.isArray(entry.remoteStreamIds) ? entry.remoteStreamIds : [], result);
        if (!record.fired) {
          record.fired = true;
          result.trackEvents.push(record);
        }
      } else if (record.fired) {
        this.#processRemoval(record, result);
      }
    }
    return result;
  }

  // "Process the removal of a remote track": the track leaves its streams.
  #processRemoval(record, result) {
    record.fired = false;
    this.#associateRemoteStreams(record, [], result);
  }

  // "Set the associated remote streams": one MediaStream per stream id for the connection.
  #associateRemoteStreams(record, ids, result) {
    const streams = [...new Set(ids.map((id) => `${id}`))].map((id) => {
      let stream = this.#remoteStreams.get(id);
      if (!stream) {
        stream = createMediaStream([], id);
        this.#remoteStreams.set(id, stream);
      }
      return stream;
    });
    const track = record.remote.track;
    for (const old of record.remoteStreams) if (!streams.includes(old)) result.removeList.push([old, track]);
    for (const stream of streams) if (!record.remoteStreams.includes(stream)) result.addList.push([stream, track]);
    record.remoteStreams = streams;
  }

  #fireRemoteTrackEvents({ removeList, addList, trackEvents }) {
    // The user agent removing/adding a remote track fires removetrack/addtrack at the stream.
    for (const [stream, track] of removeList) removeTrackFromRemoteStream(stream, track);
    for (const [stream, track] of addList) addTrackToRemoteStream(stream, track);
    for (const record of trackEvents) {
      if (this.#closed) return;
      if (!record.fired) continue;
      this.dispatchEvent(new RTCTrackEvent('track', {
        receiver: record.receiver, track: record.remote.track, streams: record.remoteStreams, transceiver: record.transceiver,
      }));
    }
    if (!this.#closed) this.#updateLegacyRemoteStreams();
  }

  // getRemoteStreams() and onaddstream/onremovestream: a stream is there while it holds a
  // received track. Tracks that came without a stream go into one stream with id "default",
  // as Chromium's Plan B did, so example 10.1's onaddstream also plays a peer that used
  // addTrack(track) alone.
  #updateLegacyRemoteStreams() {
    const receiving = this.#transceivers.filter((r) => r.fired);
    const loose = receiving.filter((r) => r.remoteStreams.length === 0).map((r) => r.remote.track);
    if (loose.length > 0 || this.#legacyDefaultStream) {
      this.#legacyDefaultStream ??= createMediaStream([], 'default');
      const stream = this.#legacyDefaultStream;
      for (const track of stream.getTracks()) if (!loose.includes(track)) removeTrackFromRemoteStream(stream, track);
      for (const track of loose) addTrackToRemoteStream(stream, track);
    }
    const live = [];
    for (const r of receiving) for (const s of r.remoteStreams) if (!live.includes(s)) live.push(s);
    if (loose.length > 0) live.push(this.#legacyDefaultStream);
    const gone = this.#liveRemoteStreams.filter((s) => !live.includes(s));
    const added = live.filter((s) => !this.#liveRemoteStreams.includes(s));
    this.#liveRemoteStreams = [...this.#liveRemoteStreams.filter((s) => live.includes(s)), ...added];
    for (const stream of gone) {
      if (this.#closed) return;
      this.dispatchEvent(new MediaStreamEvent('removestream', { stream }));
    }
    for (const stream of added) {
      if (this.#closed) return;
      this.dispatchEvent(new MediaStreamEvent('addstream', { stream }));
    }
  }

  // The m= section whose parameters a sender or receiver uses: the answer's (it has the
  // negotiated codecs), with the RTCP CNAME of the side that sends.
  #negotiatedSection(record, side) {
    if (record.mid === null) return null;
    const local = this.#currentLocalDescription;
    const remote = this.#currentRemoteDescription;
    if (!local || !remote) return null;
    const find = (d) => mediaSections(d.sdp).find((s) => s.mid === record.mid) ?? null;
    const answer = find(local.type === 'answer' ? local : remote);
    const sending = find(side === 'sender' ? local : remote);
    if (!answer) return null;
    return { ...answer, cname: sending?.cname ?? null };
  }

  // ---- stats ------------------------------------------------------------------------------
  getStats(selector = null) {
    if (selector !== null && !isMediaStreamTrack(selector)) {
      return Promise.reject(typeError('getStats: the selector must be a MediaStreamTrack or null'));
    }
    let target = null;
    if (selector !== null) {
      // "The RTCRtpSender or RTCRtpReceiver whose track is the selector": exactly one.
      const matches = [];
      for (const r of this.#transceivers) {
        if (r.stopped) continue;
        if (r.track === selector) matches.push({ record: r, side: 'sender' });
        if (r.remote.track === selector) matches.push({ record: r, side: 'receiver' });
      }
      if (matches.length !== 1) {
        return Promise.reject(domException('InvalidAccessError', `getStats: ${matches.length === 0 ? 'no' : 'more than one'} sender or receiver of this connection has the track`));
      }
      [target] = matches;
    }
    return this.#collectStats(target);
  }

  // The engine's stats with the track ids mapped in (its RTP entries name a transceiverId);
  // for a sender or receiver `target`, only its RTP stream and what that references
  // (webrtc-pc §8.5 "stats selection algorithm").
  #collectStats(target) {
    return this.#requireEngine().then((engine) => {
      const reports = engine.closed ? [] : [...engine.command('getStats')];
      const timestamp = performance.timeOrigin + performance.now();
      for (const report of reports) {
        report.timestamp = timestamp; // the engine's clock is performance.now(); stats use the epoch
        if (report.der) {
          report.base64Certificate = btoa(String.fromCharCode(...report.der));
          delete report.der;
        }
      }
      this.#mapRtpStats(reports);
      if (target !== null) return new RTCStatsReport(this.#selectStats(reports, target));
      for (const report of reports) delete report.transceiverId;
      this.#channels.forEach((channel, index) => {
        reports.push({ id: `D${index}`, type: 'data-channel', timestamp, ...channelInternals.stats(channel) });
      });
      if (!reports.some((r) => r.type === 'peer-connection')) {
        reports.push({
          id: 'P', type: 'peer-connection', timestamp,
          dataChannelsOpened: this.#stats.dataChannelsOpened, dataChannelsClosed: this.#stats.dataChannelsClosed,
        });
      }
      return new RTCStatsReport(reports);
    });
  }

  #mapRtpStats(reports) {
    const byTid = new Map(this.#transceivers.filter((r) => r.tid !== null).map((r) => [r.tid, r]));
    for (const report of reports) {
      const record = report.transceiverId === undefined ? undefined : byTid.get(report.transceiverId);
      if (!record) continue;
      if (report.type === 'inbound-rtp') {
        report.trackIdentifier ??= record.remote.track.id;
        report.kind ??= record.kind;
        if (record.mid !== null) report.mid ??= record.mid;
      } else if (report.type === 'outbound-rtp') {
        report.kind ??= record.kind;
        if (record.mid !== null) report.mid ??= record.mid;
        if (report.mediaSourceId === undefined) {
          const source = reports.find((s) => s.type === 'media-source' && s.transceiverId === report.transceiverId);
          if (source) report.mediaSourceId = source.id;
        }
      } else if (report.type === 'media-source') {
        report.trackIdentifier ??= record.track ? record.track.id : '';
        report.kind ??= record.kind;
      }
    }
  }

  #selectStats(reports, { record, side }) {
    const type = side === 'sender' ? 'outbound-rtp' : 'inbound-rtp';
    const byId = new Map(reports.map((r) => [r.id, r]));
    const selected = new Map();
    const visit = (report) => {
      if (selected.has(report.id)) return;
      selected.set(report.id, report);
      for (const [key, value] of Object.entries(report)) {
        if (key === 'transceiverId' || !key.endsWith('Id') || typeof value !== 'string') continue;
        const referenced = byId.get(value);
        if (referenced) visit(referenced);
      }
    };
    for (const report of reports) {
      if (record.tid !== null && report.type === type && report.transceiverId === record.tid) visit(report);
    }
    const result = [...selected.values()];
    for (const report of result) delete report.transceiverId;
    return result;
  }

  // ---- close (§4.4.1.7) -------------------------------------------------------------------
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#signalingState = 'closed';
    for (const channel of this.#channels) channelInternals.closeSilently(channel);
    this.#iceConnectionState = 'closed';
    this.#connectionState = 'closed';
    this.#operations = [];
    // Every transceiver stops: capture and DTMF playout end, remote tracks end.
    for (const record of this.#transceivers) record.shutDown();
    if (this.#engine) this.#engine.close();
  }

  // ---- engine events, each dispatched in its own task in the engine's order --------------
  #onEngineEvent(event) {
    queueTask(() => {
      if (this.#closed) return;
      this.#handleEngineEvent(event);
    });
  }

  // After each pump, in a task: channels whose bufferedAmount is above what the engine still
  // holds go down to it (firing bufferedamountlow on crossing the threshold). The spec makes the
  // decrease visible only after a task checkpoint, never inside the task that called send().
  #scheduleBufferedAmountUpdate() {
    if (this.#bufferedAmountUpdateQueued) return;
    if (!this.#channels.some((c) => c.bufferedAmount > 0)) return;
    this.#bufferedAmountUpdateQueued = true;
    queueTask(() => {
      this.#bufferedAmountUpdateQueued = false;
      const engine = this.#engine;
      if (this.#closed || !engine || engine.closed) return;
      for (const [handle, channel] of this.#channelsByHandle) {
        if (channel.bufferedAmount > 0) channelInternals.updateBufferedAmount(channel, engine.bufferedAmount(handle));
      }
    });
  }

  #channelFor(handle) {
    return this.#channelsByHandle.get(handle) ?? null;
  }

  #handleEngineEvent(event) {
    const engine = this.#engine;
    switch (event.type) {
      case 'icecandidate': {
        if (this.#nullCandidateDeferred && (event.candidate === null || event.candidate === undefined)) {
          this.#nullCandidateDeferred = false;
          break;
        }
        this.#currentLocalDescription = toDescription(engine.get('currentLocalDescription'));
        this.#pendingLocalDescription = toDescription(engine.get('pendingLocalDescription'));
        const candidate = event.candidate === null || event.candidate === undefined ? null : new RTCIceCandidate({
          candidate: event.candidate,
          sdpMid: event.sdpMid ?? null,
          sdpMLineIndex: event.sdpMLineIndex ?? null,
          usernameFragment: event.usernameFragment ?? null,
        });
        if (candidate) this.#lastLocalCandidate = { sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex, usernameFragment: candidate.usernameFragment };
        this.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate }));
        break;
      }
      case 'icecandidateerror':
        // The relay is the one server we gather through; no host address is exposed.
        this.dispatchEvent(new RTCPeerConnectionIceErrorEvent('icecandidateerror', {
          address: null, port: null, url: this.#relayUrl ?? '', errorCode: event.errorCode, errorText: event.errorText ?? '',
        }));
        break;
      case 'icegatheringstatechange':
        if (event.state === 'complete' && this.#lastLocalCandidate) {
          // "Finished gathering a generation": first an icecandidate whose candidate is the
          // empty string (end-of-candidates for that generation), then, in the next task, the
          // state change and the null candidate (webrtc-pc §5.6.1, PR 2894).
          const { sdpMid, sdpMLineIndex, usernameFragment } = this.#lastLocalCandidate;
          this.#lastLocalCandidate = null;
          const endOfCandidates = new RTCIceCandidate({ candidate: '', sdpMid, sdpMLineIndex, usernameFragment });
          this.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate: endOfCandidates }));
          // The engine's null candidate follows this event; it is fired here instead, last.
          this.#nullCandidateDeferred = true;
          queueTask(() => {
            if (this.#closed) return;
            this.#iceGatheringState = event.state;
            this.dispatchEvent(new Event('icegatheringstatechange'));
            this.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate: null }));
          });
          break;
        }
        this.#iceGatheringState = event.state;
        this.dispatchEvent(new Event('icegatheringstatechange'));
        break;
      case 'iceconnectionstatechange':
        this.#iceConnectionState = event.state;
        this.dispatchEvent(new Event('iceconnectionstatechange'));
        break;
      case 'connectionstatechange':
        this.#connectionState = event.state;
        this.dispatchEvent(new Event('connectionstatechange'));
        break;
      case 'signalingstatechange':
        if (event.state !== this.#signalingState) {
          this.#signalingState = event.state;
          this.dispatchEvent(new Event('signalingstatechange'));
        }
        break;
      case 'negotiationneeded':
        this.#engineNegotiationNeeded = true;
        this.#updateNegotiationNeededFlag();
        break;
      case 'datachannel': {
        const init = {
          label: event.label, ordered: event.ordered, protocol: event.protocol, negotiated: Boolean(event.negotiated),
          maxPacketLifeTime: event.maxPacketLifeTime ?? null, maxRetransmits: event.maxRetransmits ?? null, id: event.id,
        };
        const channel = channelInternals.create(this.#link, init, 'open');
        channelInternals.attach(channel, engine, event.handle, event.id);
        this.#channels.push(channel);
        this.#channelsByHandle.set(event.handle, channel);
        this.#stats.dataChannelsOpened++;
        this.dispatchEvent(new RTCDataChannelEvent('datachannel', { channel }));
        if (channel.readyState === 'open') channel.dispatchEvent(new Event('open'));
        break;
      }
      case 'channelopen': {
        const channel = this.#channelFor(event.handle);
        if (!channel || channel.readyState !== 'connecting') break;
        if (event.id !== undefined) channelInternals.setId(channel, event.id);
        this.#stats.dataChannelsOpened++;
        channelInternals.announceOpen(channel);
        break;
      }
      case 'channelmessage': {
        const channel = this.#channelFor(event.handle);
        if (channel) channelInternals.receive(channel, Boolean(event.binary), event.data);
        break;
      }
      case 'bufferedamountlow': {
        const channel = this.#channelFor(event.handle);
        if (channel) channelInternals.updateBufferedAmount(channel, engine.bufferedAmount(event.handle));
        break;
      }
      case 'channelerror': {
        const channel = this.#channelFor(event.handle);
        if (channel) channelInternals.announceError(channel, event.message ?? '');
        break;
      }
      case 'channelclosing': {
        const channel = this.#channelFor(event.handle);
        if (channel) channelInternals.announceClosing(channel);
        break;
      }
      case 'channelclose': {
        const channel = this.#channelFor(event.handle);
        if (!channel) break;
        this.#channelsByHandle.delete(event.handle);
        this.#stats.dataChannelsClosed++;
        channelInternals.announceClosed(channel);
        break;
      }
      case 'dtmfreceived': {
        const record = this.#transceivers.find((r) => r.tid === event.transceiverId);
        if (!record) break;
        const tone = `${event.tone}`;
        const duration = Number(event.durationMs);
        record.receiver.dispatchEvent(new RTCDTMFReceivedEvent('dtmf', { tone, duration }));
        if (this.#closed) break;
        this.dispatchEvent(new RTCDTMFReceivedEvent('dtmf', { tone, duration, receiver: record.receiver, track: record.remote.track }));
        break;
      }
      case 'transportfailed':
        if (event.layer === 'sctp') {
          for (const channel of this.#channels) channelInternals.announceClosed(channel, 'sctp-failure', event.message ?? '');
        }
        break;
      default:
        break;
    }
  }

  get [Symbol.toStringTag]() { return 'RTCPeerConnection'; }
}

defineEventHandlers(RTCPeerConnection.prototype, [
  'negotiationneeded', 'icecandidate', 'icecandidateerror', 'signalingstatechange', 'iceconnectionstatechange',
  'icegatheringstatechange', 'connectionstatechange', 'datachannel', 'track', 'addstream', 'removestream', 'dtmf',
]);

// RTCStatsReport: a read-only maplike from id to stats dictionary.
export class RTCStatsReport {
  #map;

  constructor(reports = []) {
    this.#map = new Map(reports.map((r) => [r.id, r]));
  }

  get size() { return this.#map.size; }
  get(id) { return this.#map.get(id); }
  has(id) { return this.#map.has(id); }
  keys() { return this.#map.keys(); }
  values() { return this.#map.values(); }
  entries() { return this.#map.entries(); }
  forEach(callback, thisArg) { this.#map.forEach((v, k) => callback.call(thisArg, v, k, this)); }
  [Symbol.iterator]() { return this.#map.entries(); }
  get [Symbol.toStringTag]() { return 'RTCStatsReport'; }
}
