// Everything polyrtc exposes, and install(): putting it on a global object.
import { RTCPeerConnection, RTCStatsReport } from './peer_connection.mjs';
import { RTCSessionDescription } from './session_description.mjs';
import { RTCIceCandidate } from './ice_candidate.mjs';
import { RTCDataChannel, RTCDataChannelEvent } from './data_channel.mjs';
import {
  MediaStreamEvent, RTCDTMFReceivedEvent, RTCPeerConnectionIceEvent, RTCPeerConnectionIceErrorEvent, RTCError, RTCErrorEvent, RTCTrackEvent,
} from './events.mjs';
import { RTCRtpReceiver, RTCRtpSender, RTCRtpTransceiver } from './rtp_transceiver.mjs';
import { RTCDTMFSender, RTCDTMFToneChangeEvent } from './dtmf_sender.mjs';
import {
  MediaStream, MediaStreamTrack, elementAudioNode, getUserMedia, installMedia, resumeAudio, setSyntheticAudio,
} from './media/index.mjs';
import { RTCCertificate } from './certificate.mjs';
import { SignalingChannel } from './signaling_channel.mjs';
import { setAskRelayForCredentials, setConfiguredRelay } from './relay.mjs';
import { setWasmUrl, loadCore } from './engine/loader.mjs';

export {
  RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCDataChannel, RTCDataChannelEvent,
  RTCPeerConnectionIceEvent, RTCPeerConnectionIceErrorEvent, RTCError, RTCErrorEvent, RTCCertificate, RTCStatsReport,
  RTCRtpSender, RTCRtpReceiver, RTCRtpTransceiver, RTCTrackEvent, RTCDTMFSender, RTCDTMFToneChangeEvent, MediaStreamEvent,
  RTCDTMFReceivedEvent, SignalingChannel, getUserMedia, MediaStream, MediaStreamTrack, resumeAudio, elementAudioNode,
};

// The globals install() may define, by name. (RTCDTMFReceivedEvent, polyrtc's own, is
// exported but not installed; the media globals are installMedia()'s.)
export const globals = {
  RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCDataChannel, RTCDataChannelEvent,
  RTCPeerConnectionIceEvent, RTCPeerConnectionIceErrorEvent, RTCError, RTCErrorEvent, RTCCertificate, RTCStatsReport,
  RTCRtpSender, RTCRtpReceiver, RTCRtpTransceiver, RTCTrackEvent, RTCDTMFSender, RTCDTMFToneChangeEvent, MediaStreamEvent,
  SignalingChannel,
};

// Defines the API on `target` (window) where the browser has none, and returns the names it
// defined. Without a native RTCPeerConnection the whole family is defined, replacing leftovers
// such as Firefox's RTCDataChannel with media.peerconnection.enabled=false (a native channel
// class would not be the class of our channels). With a native RTCPeerConnection only missing
// names are defined (SignalingChannel, typically). {force: true} defines every one.
export function install({ force = false, target = globalThis } = {}) {
  const replaceAll = force || typeof target.RTCPeerConnection !== 'function' || target.RTCPeerConnection === RTCPeerConnection;
  const installed = [];
  for (const [name, value] of Object.entries(globals)) {
    if (!replaceAll && target[name] !== undefined) continue;
    if (target[name] === value) continue;
    Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
    installed.push(name);
  }
  // getUserMedia (legacy and mediaDevices), MediaStream/MediaStreamTrack stand-ins where
  // missing, URL.createObjectURL(stream) and media element src/srcObject.
  for (const name of installMedia(target, { replaceAll })) if (!installed.includes(name)) installed.push(name);
  return installed;
}

// polyrtc.configure({relay, wasmUrl, relayCredentials, syntheticAudio}): where the relay and
// the .wasm are, whether to ask the relay for TURN credentials when a connection configures
// none, and what the synthetic microphone plays where the browser cannot capture
// (docs/media.md; null = silence).
export function configure({ relay, wasmUrl, relayCredentials, syntheticAudio } = {}) {
  if (relay !== undefined) setConfiguredRelay(relay);
  if (syntheticAudio !== undefined) setSyntheticAudio(syntheticAudio);
  if (relayCredentials !== undefined) setAskRelayForCredentials(relayCredentials);
  if (wasmUrl !== undefined) setWasmUrl(wasmUrl);
}

// Starts loading the Wasm core now instead of at the first RTCPeerConnection.
export function preload() {
  return loadCore().then(() => undefined);
}
