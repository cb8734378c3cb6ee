// getStats() on a live connection (webrtc-pc §8.2, webrtc-stats): the report has the
// peer-connection, transport, candidate-pair, local/remote-candidate, certificate and
// data-channel stats, with values that agree with the connection itself. Two polyrtc
// connections in one page of headless Chromium (native WebRTC deleted), through the relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPairPage } from './pair.mjs';

let page;
sharedPairPage((shared) => ({ page } = shared));

test('stats.report: every stats type of a data-only connection, consistent with its SDP and its traffic', async () => {
  const r = await page.evaluate(async () => {
    const { pc1, pc2, dc1, dc2 } = await connectPair();
    const got = collect(dc2, 2);
    dc1.send('12345');
    dc1.send(new Uint8Array(10));
    await got;
    const report = await pc1.getStats();
    const byType = {};
    for (const stats of report.values()) (byType[stats.type] ??= []).push(stats);
    const transport = byType.transport[0];
    const pair = report.get(transport.selectedCandidatePairId);
    const certificate = report.get(transport.localCertificateId);
    const der = Uint8Array.from(atob(certificate.base64Certificate), (c) => c.charCodeAt(0));
    const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', der))]
      .map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
    const sdpFingerprint = /a=fingerprint:sha-256 (\S+)/.exec(pc1.localDescription.sdp)[1];
    const channel = byType['data-channel'][0];
    const remoteChannel = [...(await pc2.getStats()).values()].find((s) => s.type === 'data-channel');
    const out = {
      types: Object.keys(byType).sort(),
      mapLike: [report instanceof RTCStatsReport, report.size === [...report.keys()].length, typeof report.forEach],
      timestamps: [...report.values()].every((s) => Math.abs(s.timestamp - (performance.timeOrigin + performance.now())) < 60000),
      pair: [pair.state, pair.nominated, report.get(pair.localCandidateId).candidateType, report.get(pair.remoteCandidateId).candidateType],
      iceState: transport.iceState,
      certificate: [certificate.fingerprintAlgorithm, certificate.fingerprint === sdpFingerprint, digest === sdpFingerprint],
      channel: [channel.label, channel.protocol, channel.dataChannelIdentifier === dc1.id, channel.state, channel.messagesSent, channel.bytesSent],
      remoteChannel: [remoteChannel.messagesReceived, remoteChannel.bytesReceived],
      peerConnection: byType['peer-connection'][0].dataChannelsOpened,
    };
    pc1.close();
    pc2.close();
    return out;
  });
  assert.deepEqual(r.types, ['candidate-pair', 'certificate', 'data-channel', 'local-candidate', 'peer-connection', 'remote-candidate', 'transport']);
  assert.deepEqual(r.mapLike, [true, true, 'function']);
  assert.equal(r.timestamps, true, 'timestamps are on the performance.timeOrigin epoch');
  assert.deepEqual(r.pair, ['succeeded', true, 'relay', 'relay']);
  assert.match(r.iceState, /^(connected|completed)$/);
  assert.deepEqual(r.certificate, ['sha-256', true, true]);
  assert.deepEqual(r.channel, ['chat', '', true, 'open', 2, 15]);
  assert.deepEqual(r.remoteChannel, [2, 15]);
  assert.equal(r.peerConnection, 1);
});
