// TypeScript declarations for polyrtc: the ES module ('polyrtc') and the classic script
// ('polyrtc/script', which defines `window.polyrtc` and installs the API where it is missing).
// Dictionaries and enums are the DOM library's (lib.dom.d.ts); the classes declare what
// polyrtc implements, which is a subset of the DOM library's interfaces.

export type PolyrtcIceServer = Omit<RTCIceServer, 'urls'> & (
  | { urls: string | string[] }
  /** Legacy singular form of `urls`, as the spec examples use it. */
  | { url: string }
);

export type PolyrtcConfiguration = Omit<RTCConfiguration, 'iceServers' | 'certificates'> & {
  /** `stun:`/`stuns:` (accepted, unused), `turn:`/`turns:` (need username and credential), and `ws:`/`wss:` relay URLs. */
  iceServers?: PolyrtcIceServer[];
  certificates?: RTCCertificate[];
};

export declare class RTCSessionDescription {
  constructor(descriptionInitDict: RTCSessionDescriptionInit);
  readonly type: RTCSdpType;
  readonly sdp: string;
  toJSON(): RTCSessionDescriptionInit;
}

export declare class RTCIceCandidate {
  constructor(candidateInitDict?: RTCIceCandidateInit);
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly foundation: string | null;
  readonly component: RTCIceComponent | null;
  readonly priority: number | null;
  readonly address: string | null;
  readonly protocol: RTCIceProtocol | null;
  readonly port: number | null;
  readonly type: RTCIceCandidateType | null;
  readonly tcpType: RTCIceTcpCandidateType | null;
  readonly relatedAddress: string | null;
  readonly relatedPort: number | null;
  readonly usernameFragment: string | null;
  readonly relayProtocol: string | null;
  readonly url: string | null;
  toJSON(): RTCIceCandidateInit;
}

export declare class RTCCertificate {
  private constructor();
  readonly expires: number;
  getFingerprints(): RTCDtlsFingerprint[];
}

export declare class RTCError extends DOMException {
  constructor(init: RTCErrorInit, message?: string);
  readonly errorDetail: RTCErrorDetailType;
  readonly sdpLineNumber: number | null;
  readonly sctpCauseCode: number | null;
  readonly receivedAlert: number | null;
  readonly sentAlert: number | null;
  readonly httpRequestStatusCode: number | null;
}

export declare class RTCErrorEvent extends Event {
  constructor(type: string, eventInitDict: { error: RTCError } & EventInit);
  readonly error: RTCError;
}

export declare class RTCPeerConnectionIceEvent extends Event {
  constructor(type: string, eventInitDict?: { candidate?: RTCIceCandidate | null; url?: string | null } & EventInit);
  readonly candidate: RTCIceCandidate | null;
  readonly url: string | null;
}

export declare class RTCPeerConnectionIceErrorEvent extends Event {
  constructor(type: string, eventInitDict: { address?: string | null; port?: number | null; url?: string; errorCode: number; errorText?: string } & EventInit);
  readonly address: string | null;
  readonly port: number | null;
  readonly url: string;
  readonly errorCode: number;
  readonly errorText: string;
}

export declare class RTCDataChannelEvent extends Event {
  constructor(type: string, eventInitDict: { channel: RTCDataChannel } & EventInit);
  readonly channel: RTCDataChannel;
}

export declare class RTCDataChannel extends EventTarget {
  private constructor();
  readonly label: string;
  readonly ordered: boolean;
  readonly maxPacketLifeTime: number | null;
  readonly maxRetransmits: number | null;
  readonly protocol: string;
  readonly negotiated: boolean;
  readonly id: number | null;
  readonly readyState: RTCDataChannelState;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType: 'blob' | 'arraybuffer';
  onopen: ((this: RTCDataChannel, ev: Event) => any) | null;
  onbufferedamountlow: ((this: RTCDataChannel, ev: Event) => any) | null;
  onerror: ((this: RTCDataChannel, ev: RTCErrorEvent) => any) | null;
  onclosing: ((this: RTCDataChannel, ev: Event) => any) | null;
  onclose: ((this: RTCDataChannel, ev: Event) => any) | null;
  onmessage: ((this: RTCDataChannel, ev: MessageEvent) => any) | null;
  send(data: string | Blob | ArrayBuffer | ArrayBufferView): void;
  close(): void;
}

export declare class RTCStatsReport implements Iterable<[string, any]> {
  readonly size: number;
  get(id: string): any;
  has(id: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<any>;
  entries(): IterableIterator<[string, any]>;
  forEach(callback: (value: any, key: string, parent: RTCStatsReport) => void, thisArg?: any): void;
  [Symbol.iterator](): IterableIterator<[string, any]>;
}

export declare class RTCDTMFToneChangeEvent extends Event {
  constructor(type: string, eventInitDict?: { tone?: string } & EventInit);
  readonly tone: string;
}

/** webrtc-pc §7. Tones play on the timing the spec gives (duration + interToneGap between starts). */
export declare class RTCDTMFSender extends EventTarget {
  private constructor();
  insertDTMF(tones: string, duration?: number, interToneGap?: number): void;
  ontonechange: ((this: RTCDTMFSender, ev: RTCDTMFToneChangeEvent) => any) | null;
  readonly canInsertDTMF: boolean;
  readonly toneBuffer: string;
  /** Non-standard: the 2012 draft's name for canInsertDTMF, used by spec example 10.5. */
  readonly canSendDTMF: boolean;
  /** Legacy (createDTMFSender's object, 2013 draft): the sender's track, the last duration and gap. */
  readonly track: MediaStreamTrack | null;
  readonly duration: number;
  readonly interToneGap: number;
}

export declare class RTCRtpSender {
  private constructor();
  readonly track: MediaStreamTrack | null;
  /** Always null (no RTCDtlsTransport object). */
  readonly transport: null;
  readonly dtmf: RTCDTMFSender | null;
  static getCapabilities(kind: string): RTCRtpCapabilities | null;
  getParameters(): RTCRtpSendParameters;
  replaceTrack(withTrack: MediaStreamTrack | null): Promise<void>;
  setStreams(...streams: MediaStream[]): void;
  getStats(): Promise<RTCStatsReport>;
}

/** Non-standard `dtmf` event: a DTMF tone the peer sent (polyrtc only). `duration` in ms. */
export declare class RTCDTMFReceivedEvent extends Event {
  constructor(type: string, eventInitDict?: { tone?: string; duration?: number; receiver?: RTCRtpReceiver | null; track?: MediaStreamTrack | null } & EventInit);
  readonly tone: string;
  readonly duration: number;
  /** Set on the RTCPeerConnection's event; null on the receiver's. */
  readonly receiver: RTCRtpReceiver | null;
  readonly track: MediaStreamTrack | null;
}

/** Also an EventTarget in polyrtc: the non-standard `dtmf` event fires here. */
export declare class RTCRtpReceiver extends EventTarget {
  private constructor();
  readonly track: MediaStreamTrack;
  readonly transport: null;
  static getCapabilities(kind: string): RTCRtpCapabilities | null;
  getParameters(): RTCRtpReceiveParameters;
  getStats(): Promise<RTCStatsReport>;
  ondtmf: ((this: RTCRtpReceiver, ev: RTCDTMFReceivedEvent) => any) | null;
}

export declare class RTCRtpTransceiver {
  private constructor();
  readonly mid: string | null;
  readonly sender: RTCRtpSender;
  readonly receiver: RTCRtpReceiver;
  direction: RTCRtpTransceiverDirection;
  readonly currentDirection: RTCRtpTransceiverDirection | null;
  stop(): void;
}

export declare class RTCTrackEvent extends Event {
  constructor(type: string, eventInitDict: { receiver: RTCRtpReceiver; track: MediaStreamTrack; streams?: MediaStream[]; transceiver: RTCRtpTransceiver } & EventInit);
  readonly receiver: RTCRtpReceiver;
  readonly track: MediaStreamTrack;
  readonly streams: ReadonlyArray<MediaStream>;
  readonly transceiver: RTCRtpTransceiver;
}

/** The legacy addstream/removestream event (spec example 10.1's onaddstream). */
export declare class MediaStreamEvent extends Event {
  constructor(type: string, eventInitDict?: { stream?: MediaStream | null } & EventInit);
  readonly stream: MediaStream | null;
}

export declare class RTCPeerConnection extends EventTarget {
  constructor(configuration?: PolyrtcConfiguration | null);
  static generateCertificate(keygenAlgorithm: AlgorithmIdentifier | (EcKeyGenParams & { expires?: number })): Promise<RTCCertificate>;

  readonly localDescription: RTCSessionDescription | null;
  readonly currentLocalDescription: RTCSessionDescription | null;
  readonly pendingLocalDescription: RTCSessionDescription | null;
  readonly remoteDescription: RTCSessionDescription | null;
  readonly currentRemoteDescription: RTCSessionDescription | null;
  readonly pendingRemoteDescription: RTCSessionDescription | null;
  readonly signalingState: RTCSignalingState;
  readonly iceGatheringState: RTCIceGatheringState;
  readonly iceConnectionState: RTCIceConnectionState;
  readonly connectionState: RTCPeerConnectionState;
  readonly canTrickleIceCandidates: boolean | null;
  /** Always null in this version (no RTCSctpTransport object yet). */
  readonly sctp: null;

  onnegotiationneeded: ((this: RTCPeerConnection, ev: Event) => any) | null;
  onicecandidate: ((this: RTCPeerConnection, ev: RTCPeerConnectionIceEvent) => any) | null;
  onicecandidateerror: ((this: RTCPeerConnection, ev: RTCPeerConnectionIceErrorEvent) => any) | null;
  onsignalingstatechange: ((this: RTCPeerConnection, ev: Event) => any) | null;
  oniceconnectionstatechange: ((this: RTCPeerConnection, ev: Event) => any) | null;
  onicegatheringstatechange: ((this: RTCPeerConnection, ev: Event) => any) | null;
  onconnectionstatechange: ((this: RTCPeerConnection, ev: Event) => any) | null;
  ondatachannel: ((this: RTCPeerConnection, ev: RTCDataChannelEvent) => any) | null;
  ontrack: ((this: RTCPeerConnection, ev: RTCTrackEvent) => any) | null;
  /** Legacy: once per remote stream that starts receiving, after the track events. */
  onaddstream: ((this: RTCPeerConnection, ev: MediaStreamEvent) => any) | null;
  onremovestream: ((this: RTCPeerConnection, ev: MediaStreamEvent) => any) | null;
  /** Non-standard: a DTMF tone the peer sent, on any receiver. */
  ondtmf: ((this: RTCPeerConnection, ev: RTCDTMFReceivedEvent) => any) | null;

  createOffer(options?: RTCOfferOptions): Promise<RTCSessionDescriptionInit>;
  createAnswer(options?: RTCAnswerOptions): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  addIceCandidate(candidate?: RTCIceCandidateInit | null): Promise<void>;

  // Legacy callback forms (webrtc-pc §4.4.3): the returned promise resolves with undefined.
  createOffer(successCallback: (description: RTCSessionDescriptionInit) => void, failureCallback: (error: DOMException) => void, options?: RTCOfferOptions): Promise<void>;
  createAnswer(successCallback: (description: RTCSessionDescriptionInit) => void, failureCallback: (error: DOMException) => void): Promise<void>;
  setLocalDescription(description: RTCLocalSessionDescriptionInit, successCallback: () => void, failureCallback: (error: DOMException) => void): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit, successCallback: () => void, failureCallback: (error: DOMException) => void): Promise<void>;
  addIceCandidate(candidate: RTCIceCandidateInit, successCallback: () => void, failureCallback: (error: DOMException) => void): Promise<void>;

  restartIce(): void;
  getConfiguration(): PolyrtcConfiguration;
  setConfiguration(configuration?: PolyrtcConfiguration): void;
  createDataChannel(label: string, dataChannelDict?: RTCDataChannelInit): RTCDataChannel;
  getStats(selector?: MediaStreamTrack | null): Promise<RTCStatsReport>;
  close(): void;

  // Media (audio only: video tracks and kinds are a NotSupportedError).
  getSenders(): RTCRtpSender[];
  getReceivers(): RTCRtpReceiver[];
  getTransceivers(): RTCRtpTransceiver[];
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender;
  removeTrack(sender: RTCRtpSender): void;
  addTransceiver(trackOrKind: MediaStreamTrack | string, init?: { direction?: RTCRtpTransceiverDirection; streams?: MediaStream[]; sendEncodings?: RTCRtpEncodingParameters[] }): RTCRtpTransceiver;

  // The legacy stream API (spec examples 10.1 and 10.5).
  /** Sends the stream's audio tracks; video tracks are skipped with a console warning. */
  addStream(stream: MediaStream): void;
  removeStream(stream: MediaStream): void;
  getLocalStreams(): MediaStream[];
  getRemoteStreams(): MediaStream[];
  /** The RTCDTMFSender of the sender that sends `track` (SyntaxError if none does). */
  createDTMFSender(track: MediaStreamTrack): RTCDTMFSender;
}

/** navigator.mediaDevices.getUserMedia's work: the microphone, or polyrtc's synthetic source where there is none. */
export declare function getUserMedia(constraints?: MediaStreamConstraints): Promise<MediaStream>;

/** The signaling helper the spec examples use: text messages to the other pages in a room of the relay. */
export declare class SignalingChannel extends EventTarget {
  /**
   * `room` defaults to the page URL's `room` query parameter, else its #hash, else "default".
   * Throws a SyntaxError unless it is 1-64 characters from A-Z a-z 0-9 . _ ~ - (the relay's rule).
   */
  constructor(room?: string);
  readonly room: string;
  /** The WebSocket's readyState (0 connecting, 1 open, 2 closing, 3 closed). */
  readonly readyState: number;
  onopen: ((this: SignalingChannel, ev: Event) => any) | null;
  onmessage: ((this: SignalingChannel, ev: MessageEvent<string>) => any) | null;
  onerror: ((this: SignalingChannel, ev: Event) => any) | null;
  onclose: ((this: SignalingChannel, ev: Event) => any) | null;
  /** Queued until the socket is open. */
  send(message: string): void;
  close(): void;
}


/**
 * Defines the API on `target` (default globalThis). Without a native RTCPeerConnection the
 * whole family is defined; with one, only missing names; `force` defines every one.
 * Returns the names defined.
 */
export declare function install(options?: { force?: boolean; target?: object }): string[];

/** Where the relay is (http(s): or ws(s): URL; default the page's origin) and where polyrtc.wasm is. */
export declare function configure(options?: { relay?: string | null; wasmUrl?: string | null; relayCredentials?: boolean }): void;

/** Starts loading the Wasm core now rather than at first use. */
export declare function preload(): Promise<void>;

export declare const globals: Record<string, unknown>;

type PolyrtcApi = typeof import('./polyrtc');

declare global {
  /** Defined by the classic script (polyrtc/script). */
  var polyrtc: PolyrtcApi;
}
