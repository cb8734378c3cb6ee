// Compiled by `npm run typecheck` (never emitted): the spec examples' calls type-check
// against polyrtc.d.ts.
import { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, SignalingChannel, install, configure } from './polyrtc';

install({ force: false });
configure({ relay: 'wss://relay.example.org' });
const signalingChannel = new SignalingChannel();
const pc = new RTCPeerConnection({ iceServers: [{ url: 'stun:stun.example.org' }] });
const channel = pc.createDataChannel('chat', { ordered: false, maxRetransmits: 0 });
channel.binaryType = 'arraybuffer';
channel.onmessage = (evt) => console.log(evt.data);
pc.onicecandidate = (evt) => { if (evt.candidate) signalingChannel.send(JSON.stringify({ candidate: evt.candidate })); };
function logError(error: DOMException) { console.log(`${error.name}: ${error.message}`); }
function localDescCreated(desc: RTCSessionDescriptionInit) {
  pc.setLocalDescription(desc, () => signalingChannel.send(JSON.stringify({ sdp: pc.localDescription })), logError);
}
pc.onnegotiationneeded = () => { pc.createOffer(localDescCreated, logError); };
signalingChannel.onmessage = (evt) => {
  const message = JSON.parse(evt.data);
  if (message.sdp) pc.setRemoteDescription(new RTCSessionDescription(message.sdp), () => {}, logError);
  else pc.addIceCandidate(new RTCIceCandidate(message.candidate));
};
const offer: Promise<RTCSessionDescriptionInit> = pc.createOffer();
RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' }).then((c) => c.getFingerprints()[0].value);
polyrtc.install();
void offer;
