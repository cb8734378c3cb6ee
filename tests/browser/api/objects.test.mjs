// RTCSessionDescription, RTCIceCandidate, the event classes and RTCError, as the page sees
// them from polyrtc.js in Chromium with native WebRTC deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './harness.mjs';

let env;
let page;
before(async () => {
  env = await setup();
  page = await env.open();
});
after(async () => {
  try {
    assert.deepEqual(page.errors, []);
  } finally {
    await env.close();  // also on failure: an open browser would keep the file from ending
  }
});

test('RTCSessionDescription: type is required and must be an RTCSdpType; sdp defaults to ""', async () => {
  const r = await page.evaluate(() => ({
    noArgument: throwsName(() => new RTCSessionDescription()),
    noType: throwsName(() => new RTCSessionDescription({ sdp: 'v=0' })),
    badType: throwsName(() => new RTCSessionDescription({ type: 'bogus', sdp: '' })),
    notObject: throwsName(() => new RTCSessionDescription('offer')),
    types: ['offer', 'pranswer', 'answer', 'rollback'].map((type) => new RTCSessionDescription({ type }).type),
    sdpDefault: new RTCSessionDescription({ type: 'offer' }).sdp,
    extraFields: JSON.stringify(new RTCSessionDescription({ type: 'answer', sdp: 'x', extra: 1 })),
    readonly: (() => { const d = new RTCSessionDescription({ type: 'offer', sdp: 'a' }); d.type = 'answer'; d.sdp = 'b'; return d.type + d.sdp; })(),
    fromOther: JSON.stringify(new RTCSessionDescription(new RTCSessionDescription({ type: 'pranswer', sdp: 's' }))),
    roundTrip: JSON.stringify(new RTCSessionDescription(JSON.parse(JSON.stringify(new RTCSessionDescription({ type: 'offer', sdp: 'v=0\r\n' }))))),
    tag: Object.prototype.toString.call(new RTCSessionDescription({ type: 'offer' })),
  }));
  assert.deepEqual(r, {
    noArgument: 'TypeError',
    noType: 'TypeError',
    badType: 'TypeError',
    notObject: 'TypeError',
    types: ['offer', 'pranswer', 'answer', 'rollback'],
    sdpDefault: '',
    extraFields: '{"type":"answer","sdp":"x"}',
    readonly: 'offera',
    fromOther: '{"type":"pranswer","sdp":"s"}',
    roundTrip: '{"type":"offer","sdp":"v=0\\r\\n"}',
    tag: '[object RTCSessionDescription]',
  });
});

test('RTCIceCandidate parses a host UDP candidate into its fields', async () => {
  const r = await page.evaluate(() => {
    const c = new RTCIceCandidate({
      candidate: 'candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx raddr 10.0.0.3 rport 46154 generation 0 ufrag EsAw network-cost 999',
      sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'EsAw',
    });
    const fields = ['foundation', 'component', 'priority', 'address', 'protocol', 'port', 'type', 'tcpType', 'relatedAddress', 'relatedPort', 'usernameFragment', 'sdpMid', 'sdpMLineIndex'];
    return Object.fromEntries(fields.map((f) => [f, c[f]]));
  });
  assert.deepEqual(r, {
    foundation: '842163049', component: 'rtp', priority: 1677729535, address: '192.0.2.7', protocol: 'udp', port: 46154,
    type: 'srflx', tcpType: null, relatedAddress: '10.0.0.3', relatedPort: 46154, usernameFragment: 'EsAw', sdpMid: '0', sdpMLineIndex: 0,
  });
});

test('RTCIceCandidate parses TCP candidates with tcptype, RTCP components and relay candidates', async () => {
  const r = await page.evaluate(() => {
    const tcp = new RTCIceCandidate({ candidate: 'candidate:1 2 TCP 2105524479 2001:db8::1 9 typ host tcptype active', sdpMid: 'a' });
    const relay = new RTCIceCandidate({ candidate: 'candidate:abc+/ 1 udp 41885439 203.0.113.9 50000 typ relay raddr 198.51.100.2 rport 3478', sdpMLineIndex: 1 });
    return [tcp.protocol, tcp.component, tcp.address, tcp.port, tcp.type, tcp.tcpType, relay.foundation, relay.type, relay.relatedAddress, relay.relatedPort];
  });
  assert.deepEqual(r, ['tcp', 'rtcp', '2001:db8::1', 9, 'host', 'active', 'abc+/', 'relay', '198.51.100.2', 3478]);
});

test('RTCIceCandidate: an unparsable candidate leaves every parsed field null, without throwing', async () => {
  const r = await page.evaluate(() => {
    const fields = ['foundation', 'component', 'priority', 'address', 'protocol', 'port', 'type', 'tcpType', 'relatedAddress', 'relatedPort'];
    return ['garbage', 'candidate:1 3 udp 1 1.2.3.4 5 typ host', 'candidate:1 1 sctp 1 1.2.3.4 5 typ host',
      'candidate:1 1 udp 1 1.2.3.4 70000 typ host', 'candidate:1 1 udp 1 1.2.3.4 5 typ bogus', 'candidate:1 1 udp 1 1.2.3.4 5 typ host tcptype sideways']
      .map((candidate) => {
        const c = new RTCIceCandidate({ candidate, sdpMid: '0' });
        return fields.every((f) => c[f] === null) && c.candidate === candidate;
      });
  });
  assert.deepEqual(r, [true, true, true, true, true, true]);
});

test('RTCIceCandidate: TypeError when sdpMid and sdpMLineIndex are both null; defaults and toJSON', async () => {
  const r = await page.evaluate(() => {
    const c = new RTCIceCandidate({ candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMLineIndex: 2 });
    return {
      noArgument: throwsName(() => new RTCIceCandidate()),
      emptyDict: throwsName(() => new RTCIceCandidate({})),
      bothNull: throwsName(() => new RTCIceCandidate({ candidate: 'x', sdpMid: null, sdpMLineIndex: null })),
      emptyCandidateStillNeedsOne: throwsName(() => new RTCIceCandidate({ candidate: '' })),
      mlineOutOfRange: throwsName(() => new RTCIceCandidate({ sdpMLineIndex: 65536 })),
      defaults: [new RTCIceCandidate({ sdpMid: '0' }).candidate, new RTCIceCandidate({ sdpMid: '0' }).sdpMLineIndex, new RTCIceCandidate({ sdpMid: '0' }).usernameFragment],
      json: JSON.stringify(c),
      toJSON: c.toJSON(),
      fromJson: JSON.stringify(new RTCIceCandidate(JSON.parse(JSON.stringify(c)))),
    };
  });
  assert.deepEqual(r, {
    noArgument: 'TypeError',
    emptyDict: 'TypeError',
    bothNull: 'TypeError',
    emptyCandidateStillNeedsOne: 'TypeError',
    mlineOutOfRange: 'TypeError',
    defaults: ['', null, null],
    json: '{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host","sdpMid":null,"sdpMLineIndex":2,"usernameFragment":null}',
    toJSON: { candidate: 'candidate:1 1 udp 1 1.2.3.4 5 typ host', sdpMid: null, sdpMLineIndex: 2, usernameFragment: null },
    fromJson: '{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host","sdpMid":null,"sdpMLineIndex":2,"usernameFragment":null}',
  });
});

test('event classes: RTCPeerConnectionIceEvent, RTCDataChannelEvent, RTCErrorEvent and RTCError', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const channel = pc.createDataChannel('x');
    const candidate = new RTCIceCandidate({ candidate: '', sdpMid: '0' });
    const ice = new RTCPeerConnectionIceEvent('icecandidate', { candidate });
    const iceNull = new RTCPeerConnectionIceEvent('icecandidate');
    const dce = new RTCDataChannelEvent('datachannel', { channel });
    const error = new RTCError({ errorDetail: 'sctp-failure', sctpCauseCode: 12 }, 'boom');
    const errorEvent = new RTCErrorEvent('error', { error });
    pc.close();
    return {
      ice: [ice instanceof Event, ice.type, ice.candidate === candidate, iceNull.candidate, ice.url],
      dce: [dce.channel === channel, dce instanceof Event],
      dceNoChannel: throwsName(() => new RTCDataChannelEvent('datachannel', {})),
      dceWrongChannel: throwsName(() => new RTCDataChannelEvent('datachannel', { channel: {} })),
      error: [error instanceof DOMException, error.name, error.message, error.errorDetail, error.sctpCauseCode, error.sdpLineNumber, error.receivedAlert, error.sentAlert],
      errorBadDetail: throwsName(() => new RTCError({ errorDetail: 'nope' })),
      errorNoDetail: throwsName(() => new RTCError({})),
      errorEvent: [errorEvent.error === error, errorEvent.type],
      errorEventNoError: throwsName(() => new RTCErrorEvent('error', {})),
    };
  });
  assert.deepEqual(r, {
    ice: [true, 'icecandidate', true, null, null],
    dce: [true, true],
    dceNoChannel: 'TypeError',
    dceWrongChannel: 'TypeError',
    error: [true, 'OperationError', 'boom', 'sctp-failure', 12, null, null, null],
    errorBadDetail: 'TypeError',
    errorNoDetail: 'TypeError',
    errorEvent: [true, 'error'],
    errorEventNoError: 'TypeError',
  });
});

test('objects that only the implementation makes cannot be constructed by the page', async () => {
  const r = await page.evaluate(() => [throwsName(() => new RTCDataChannel()), throwsName(() => new RTCCertificate())]);
  assert.deepEqual(r, ['TypeError', 'TypeError']);
});
