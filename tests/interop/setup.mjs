// What every interop test shares: the relay, the peers' configurations, SDP capture.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../support/paths.mjs';
import { startRelay } from '../relay/relay_process.mjs';

export const kUser = 'interop';
export const kPassword = 'interop-secret';
export const pagesDir = path.join(repoRoot, 'tests', 'interop', 'pages');

// The real relay: pages, /signal rooms, TURN over WebSocket (polyrtc) and over UDP (native
// stacks), with long-term credentials. Every relayed address is on 127.0.0.1, hence
// --allow-loopback-peers.
export function startInteropRelay(extraArgs = []) {
  return startRelay(['--web-root', pagesDir, '--user', `${kUser}:${kPassword}`, '--realm', 'polyrtc',
    '--allow-loopback-peers', ...extraArgs]);
}

// polyrtc reaches the relay by TURN over WebSocket (a ws: iceServers entry).
export function polyrtcConfig(relay) {
  return { iceServers: [{ urls: relay.wsUrl('/turn'), username: kUser, credential: kPassword }] };
}

// A native stack uses the relay as a standard TURN server, relay candidates only, so its
// traffic goes through the relay too (and stays on loopback).
export function nativeConfig(relay, transport = 'udp') {
  const port = transport === 'udp' ? relay.udpPort : relay.listening.turn_tcp_port;
  return {
    iceServers: [{ urls: `turn:127.0.0.1:${port}?transport=${transport}`, username: kUser, credential: kPassword }],
    iceTransportPolicy: 'relay',
  };
}

export function uniqueRoom(name) {
  return `${name}-${process.pid}-${Date.now()}`;
}

// With POLYRTC_SAVE_SDP=1 a run writes the descriptions exchanged into tests/data/sdp/: the
// other stack's as `${name}-interop-offer.sdp` / `${name}-interop-answer.sdp`, polyrtc's answer
// to it as `polyrtc-interop-answer-to-${name}.sdp` (polyrtc's offer is the same for every
// peer). They feed the core's parser tests (then regenerate the embedded copy:
// node tests/tools/capture-sdp.mjs embed). Off by default: captures carry fresh random
// ufrags and fingerprints every run, and a test run should not edit the repository.
export function maybeSaveSdps(result, offerer, answerer) {
  if (process.env.POLYRTC_SAVE_SDP !== '1') return;
  const dir = path.join(repoRoot, 'tests', 'data', 'sdp');
  const other = offerer.name === 'polyrtc' ? answerer.name : offerer.name;
  const sides = [[offerer, result.offererSdps, 'offer'], [answerer, result.answererSdps, 'answer']];
  for (const [peer, sdps, type] of sides) {
    const sent = sdps.find((d) => d.dir === 'local' && d.type === type);
    if (!sent) continue;
    if (peer.name !== 'polyrtc') fs.writeFileSync(path.join(dir, `${peer.name}-interop-${type}.sdp`), sent.sdp);
    else if (type === 'answer') fs.writeFileSync(path.join(dir, `polyrtc-interop-answer-to-${other}.sdp`), sent.sdp);
  }
  // The other stack's trickled candidates (aiortc trickles none: they are in its SDP).
  const peer = offerer.name === 'polyrtc' ? answerer : offerer;
  const sdps = peer === offerer ? result.offererSdps : result.answererSdps;
  const candidates = sdps.filter((d) => d.dir === 'local' && d.type === 'candidate').map((d) => d.sdp);
  if (candidates.length) fs.writeFileSync(path.join(dir, `${peer.name}-interop-candidates.txt`), `${candidates.join('\n')}\n`);
}
