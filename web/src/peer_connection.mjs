// RTCPeerConnection (webrtc-pc §4.4), its operations chain, the legacy callback forms (§4.4.3)
// and the negotiation-needed flag. The protocol work is the engine's (engine/adapter.mjs); this
// file keeps the state the spec defines in JS and the order in which things become visible.
import { BaseEventTarget, RTCPeerConnectionIceEvent, RTCPeerConnectionIceErrorEvent, defineEventHandlers } from './events.mjs';
import { RTCIceCandidate, toIceCandidateInit } from './ice_candidate.mjs';
import { RTCSessionDescription, toLocalSessionDescriptionInit, toSessionDescriptionInit } from './session_description.mjs';
import { RTCDataChannelEvent, channelInternals, checkDataChannelInit, toDataChannelInit } from './data_channel.mjs';
import { checkConfiguration, copyConfiguration, toConfiguration } from './configuration.mjs';
import { certificateSecret, generateCertificate } from './certificate.mjs';
import { EngineConnection } from './engine/adapter.mjs';
import { relayCredentials, relayEndpoint, relayTurnUrlFromIceServer } from './relay.mjs';
import { queueTask, reportError } from './tasks.mjs';
import { domException, requireArguments, toBoolean, toDictionary, typeError } from './webidl.mjs';

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

// Media sections of an SDP: [{mid, ufrag, kind}] in m= line order.
function mediaSections(sdp) {
  const sections = [];
  let sessionUfrag = null;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) sections.push({ kind: line.slice(2).split(' ')[0], mid: null, ufrag: null });
    const current = sections[sections.length - 1];
    if (line.startsWith('a=mid:') && current) current.mid = line.slice(6).trim();
    if (line.startsWith('a=ice-ufrag:')) {
      if (current) current.ufrag = line.slice(12).trim();
      else sessionUfrag = line.slice(12).trim();
    }
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

  constructor(configuration = {}) {
    super();
    const config = toConfiguration(configuration);
    checkConfiguration(config, null);
    this.#config = config;
    const pc = this;
    this.#link = { get closedForChannels() { return pc.#closed; } };
    // The engine loads while the page goes on; operations wait for it (or its absence).
    this.#enginePromise = this.#openEngine();
    this.#enginePromise.catch(() => {});
  }

  async #openEngine() {
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
    if (this.#closed) {
      engine.close();
      throw closedError('RTCPeerConnection');
    }
    this.#engine = engine;
    for (const channel of this.#channels) this.#attachChannel(channel);
    return engine;
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

  // "Check if negotiation is needed": the data and ICE-restart parts are decided here from
  // the descriptions; anything else (the engine's own reasons) comes as its event.
  #isNegotiationNeeded() {
    if (this.#engineNegotiationNeeded) return true;
    if (this.#localIceCredentialsToReplace.length > 0) return true;
    const created = this.#channels.length > 0;
    const sections = mediaSections(this.#currentLocalDescription?.sdp ?? '');
    return created && !sections.some((s) => s.kind === 'application');
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
    if (dict.offerToReceiveAudio !== undefined) options.offerToReceiveAudio = toBoolean(dict.offerToReceiveAudio);
    if (dict.offerToReceiveVideo !== undefined) options.offerToReceiveVideo = toBoolean(dict.offerToReceiveVideo);
    if (this.#closed) return Promise.reject(closedError('createOffer'));
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
        this.#afterDescriptionSet();
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
        this.#afterDescriptionSet();
      });
    });
  }

  // Reads the descriptions and signaling state the engine now has, fires signalingstatechange
  // when it moved, and re-checks negotiation-needed on reaching stable.
  #afterDescriptionSet() {
    const engine = this.#engine;
    this.#currentLocalDescription = toDescription(engine.get('currentLocalDescription'));
    this.#pendingLocalDescription = toDescription(engine.get('pendingLocalDescription'));
    this.#currentRemoteDescription = toDescription(engine.get('currentRemoteDescription'));
    this.#pendingRemoteDescription = toDescription(engine.get('pendingRemoteDescription'));
    const state = engine.get('signalingState');
    if (state !== this.#signalingState) {
      this.#signalingState = state;
      this.dispatchEvent(new Event('signalingstatechange'));
    }
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

  // ---- stats ------------------------------------------------------------------------------
  getStats(selector = null) {
    if (selector !== null) return Promise.reject(typeError('getStats: the selector must be a MediaStreamTrack or null (this connection has no tracks)'));
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

  // ---- close (§4.4.1.7) -------------------------------------------------------------------
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#signalingState = 'closed';
    for (const channel of this.#channels) channelInternals.closeSilently(channel);
    this.#iceConnectionState = 'closed';
    this.#connectionState = 'closed';
    this.#operations = [];
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
  'icegatheringstatechange', 'connectionstatechange', 'datachannel', 'track',
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
