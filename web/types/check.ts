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

// Spec example 10.1 (media) and 10.5 (DTMF).
declare const selfView: HTMLVideoElement;
declare const remoteView: HTMLVideoElement;
pc.onaddstream = (evt) => { if (evt.stream) remoteView.srcObject = evt.stream; };
pc.ontrack = (evt) => { const [stream] = evt.streams; void stream; void evt.transceiver.mid; };
navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then((stream) => {
  selfView.srcObject = stream;
  pc.addStream(stream);
  const track = stream.getAudioTracks()[0];
  const sender = pc.createDTMFSender(track);
  sender.ontonechange = (e) => console.log(e.tone);
  if (sender.canSendDTMF) sender.insertDTMF('1234', 500);
  sender.insertDTMF(sender.toneBuffer + '6789');
  const rtpSender = pc.getSenders()[0];
  rtpSender.dtmf?.insertDTMF('1', 100, 70);
  void rtpSender.replaceTrack(null);
  pc.getReceivers()[0].ondtmf = (e) => console.log(e.tone, e.duration);
  const transceiver = pc.addTransceiver('audio', { direction: 'recvonly' });
  transceiver.direction = 'sendrecv';
  void pc.getStats(track);
});
