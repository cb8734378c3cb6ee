// The RTCPeerConnection constructor's configuration checks, getConfiguration and
// setConfiguration, and the attributes' initial values.
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

test('attributes start with the spec values, and the constructor needs no argument', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection();
    const v = {
      signalingState: pc.signalingState, iceGatheringState: pc.iceGatheringState, iceConnectionState: pc.iceConnectionState,
      connectionState: pc.connectionState, localDescription: pc.localDescription, remoteDescription: pc.remoteDescription,
      currentLocalDescription: pc.currentLocalDescription, pendingLocalDescription: pc.pendingLocalDescription,
      currentRemoteDescription: pc.currentRemoteDescription, pendingRemoteDescription: pc.pendingRemoteDescription,
      canTrickleIceCandidates: pc.canTrickleIceCandidates, sctp: pc.sctp,
      handlers: ['onnegotiationneeded', 'onicecandidate', 'onicecandidateerror', 'onsignalingstatechange', 'oniceconnectionstatechange',
        'onicegatheringstatechange', 'onconnectionstatechange', 'ondatachannel', 'ontrack'].map((h) => pc[h]),
      isEventTarget: pc instanceof EventTarget,
      tag: Object.prototype.toString.call(pc),
      withNull: new RTCPeerConnection(null).signalingState,
      withUndefined: new RTCPeerConnection(undefined).signalingState,
    };
    pc.close();
    return v;
  });
  assert.deepEqual(r, {
    signalingState: 'stable', iceGatheringState: 'new', iceConnectionState: 'new', connectionState: 'new',
    localDescription: null, remoteDescription: null, currentLocalDescription: null, pendingLocalDescription: null,
    currentRemoteDescription: null, pendingRemoteDescription: null, canTrickleIceCandidates: null, sctp: null,
    handlers: [null, null, null, null, null, null, null, null, null],
    isEventTarget: true, tag: '[object RTCPeerConnection]', withNull: 'stable', withUndefined: 'stable',
  });
});

test('iceServers: urls as a string or an array, the legacy singular url, and our ws:/wss: relay URLs are accepted', async () => {
  const r = await page.evaluate(() => {
    const make = (iceServers) => {
      const pc = new RTCPeerConnection({ iceServers });
      const c = pc.getConfiguration();
      pc.close();
      return c.iceServers;
    };
    return [
      make([{ url: 'stun:stun.example.org' }]), // spec example 10.1 / 10.3, verbatim
      make([{ urls: 'stun:stun.example.org:3478' }]),
      make([{ urls: ['stun:a.example', 'stuns:b.example:5349'] }]),
      make([{ urls: 'turn:turn.example.org?transport=udp', username: 'u', credential: 'p' }]),
      make([{ urls: ['turns:turn.example.org:443?transport=tcp'], username: 'u', credential: 'p' }]),
      make([{ urls: 'wss://relay.example.org/turn', username: 'u', credential: 'p' }]),
      make([{ urls: 'ws://127.0.0.1:8080' }]),
      make([{ urls: 'stun:[2001:db8::1]:3478' }]),
    ];
  });
  assert.deepEqual(r, [
    [{ urls: ['stun:stun.example.org'] }],
    [{ urls: ['stun:stun.example.org:3478'] }],
    [{ urls: ['stun:a.example', 'stuns:b.example:5349'] }],
    [{ urls: ['turn:turn.example.org?transport=udp'], username: 'u', credential: 'p' }],
    [{ urls: ['turns:turn.example.org:443?transport=tcp'], username: 'u', credential: 'p' }],
    [{ urls: ['wss://relay.example.org/turn'], username: 'u', credential: 'p' }],
    [{ urls: ['ws://127.0.0.1:8080'] }],
    [{ urls: ['stun:[2001:db8::1]:3478'] }],
  ]);
});

test('iceServers: invalid URLs are a SyntaxError, TURN without credentials an InvalidAccessError, missing urls a TypeError', async () => {
  const r = await page.evaluate(() => {
    const make = (iceServers) => throwsName(() => new RTCPeerConnection({ iceServers }));
    return {
      notAUrl: make([{ urls: 'not a url' }]),
      httpScheme: make([{ urls: 'http://example.org' }]),
      emptyString: make([{ urls: '' }]),
      emptyList: make([{ urls: [] }]),
      stunWithQuery: make([{ urls: 'stun:example.org?transport=udp' }]),
      stunWithSlashes: make([{ urls: 'stun://example.org' }]),
      stunFragment: make([{ urls: 'stun:example.org#x' }]),
      badPort: make([{ urls: 'stun:example.org:99999' }]),
      turnBadQuery: make([{ urls: 'turn:example.org?transport=sctp', username: 'u', credential: 'p' }]),
      oneBadInList: make([{ urls: ['stun:ok.example', 'bogus:x'] }]),
      turnNoCredentials: make([{ urls: 'turn:example.org' }]),
      turnNoCredential: make([{ urls: 'turns:example.org', username: 'u' }]),
      turnLegacyUrlNoCredentials: make([{ url: 'turn:example.org' }]),
      noUrls: make([{ username: 'u' }]),
      serverNotObject: make(['stun:example.org']),
      serversNotSequence: make({ urls: 'stun:example.org' }),
      wsNoHost: make([{ urls: 'ws:' }]),
    };
  });
  assert.deepEqual(r, {
    notAUrl: 'DOMException:SyntaxError',
    httpScheme: 'DOMException:SyntaxError',
    emptyString: 'DOMException:SyntaxError',
    emptyList: 'DOMException:SyntaxError',
    stunWithQuery: 'DOMException:SyntaxError',
    stunWithSlashes: 'DOMException:SyntaxError',
    stunFragment: 'DOMException:SyntaxError',
    badPort: 'DOMException:SyntaxError',
    turnBadQuery: 'DOMException:SyntaxError',
    oneBadInList: 'DOMException:SyntaxError',
    turnNoCredentials: 'DOMException:InvalidAccessError',
    turnNoCredential: 'DOMException:InvalidAccessError',
    turnLegacyUrlNoCredentials: 'DOMException:InvalidAccessError',
    noUrls: 'TypeError',
    serverNotObject: 'TypeError',
    serversNotSequence: 'TypeError',
    wsNoHost: 'DOMException:SyntaxError',
  });
});

test('enum and range members: invalid values are a TypeError', async () => {
  const r = await page.evaluate(() => {
    const make = (c) => throwsName(() => new RTCPeerConnection(c));
    return [
      make({ iceTransportPolicy: 'none' }), make({ bundlePolicy: 'max' }), make({ rtcpMuxPolicy: 'negotiate' }),
      make({ iceCandidatePoolSize: 256 }), make({ iceCandidatePoolSize: -1 }), make({ iceCandidatePoolSize: NaN }),
      make({ certificates: [{}] }), make('string'),
    ];
  });
  assert.deepEqual(r, Array(8).fill('TypeError'));
});

test('getConfiguration returns the defaults and a fresh copy each time', async () => {
  const r = await page.evaluate(() => {
    const pc = new RTCPeerConnection({ iceTransportPolicy: 'relay', iceCandidatePoolSize: 3 });
    const a = pc.getConfiguration();
    a.iceServers.push({ urls: ['stun:x'] });
    const b = pc.getConfiguration();
    const d = new RTCPeerConnection().getConfiguration();
    pc.close();
    return { b, d, fresh: a !== b };
  });
  assert.deepEqual(r, {
    b: { iceServers: [], iceTransportPolicy: 'relay', bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceCandidatePoolSize: 3, certificates: [] },
    d: { iceServers: [], iceTransportPolicy: 'all', bundlePolicy: 'balanced', rtcpMuxPolicy: 'require', iceCandidatePoolSize: 0, certificates: [] },
    fresh: true,
  });
});

test('setConfiguration: changes servers and policy, refuses bundlePolicy and certificate changes, and is InvalidStateError after close', async () => {
  const r = await page.evaluate(async () => {
    const cert = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
    const other = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', certificates: [cert] });
    const out = {};
    pc.setConfiguration({ bundlePolicy: 'max-bundle', iceServers: [{ urls: 'stun:new.example' }], iceTransportPolicy: 'relay' });
    const c = pc.getConfiguration();
    out.applied = [c.iceServers[0].urls[0], c.iceTransportPolicy, c.certificates[0] === cert];
    out.bundleChanged = throwsName(() => pc.setConfiguration({ bundlePolicy: 'balanced' }));
    out.bundleOmitted = throwsName(() => pc.setConfiguration({}));
    out.otherCertificate = throwsName(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', certificates: [other] }));
    out.sameCertificate = throwsName(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', certificates: [cert] }));
    out.poolSizeBeforeSld = throwsName(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', iceCandidatePoolSize: 4 }));
    out.badUrl = throwsName(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', iceServers: [{ urls: 'nope' }] }));
    out.turnNoCredentials = throwsName(() => pc.setConfiguration({ bundlePolicy: 'max-bundle', iceServers: [{ urls: 'turn:x.example' }] }));
    out.unchangedAfterFailure = pc.getConfiguration().iceCandidatePoolSize;
    pc.close();
    out.closed = throwsName(() => pc.setConfiguration({ bundlePolicy: 'max-bundle' }));
    out.closedConversionFirst = throwsName(() => pc.setConfiguration({ iceTransportPolicy: 'bogus' }));
    return out;
  });
  assert.deepEqual(r, {
    applied: ['stun:new.example', 'relay', true],
    bundleChanged: 'DOMException:InvalidModificationError',
    bundleOmitted: 'DOMException:InvalidModificationError',
    otherCertificate: 'DOMException:InvalidModificationError',
    sameCertificate: 'no exception',
    poolSizeBeforeSld: 'no exception',
    badUrl: 'DOMException:SyntaxError',
    turnNoCredentials: 'DOMException:InvalidAccessError',
    unchangedAfterFailure: 4,
    closed: 'DOMException:InvalidStateError',
    closedConversionFirst: 'TypeError',
  });
});

test('RTCPeerConnection.generateCertificate: ECDSA P-256 from the Wasm core; RSA and other curves NotSupportedError', async () => {
  const r = await page.evaluate(async () => {
    const before = Date.now();
    const cert = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' });
    const short = await RTCPeerConnection.generateCertificate({ name: 'ecdsa', namedCurve: 'P-256', expires: 3600000 });
    const fp = cert.getFingerprints();
    return {
      isCertificate: cert instanceof RTCCertificate,
      expiresIn30Days: Math.abs(cert.expires - before - 30 * 86400000) < 60000,
      expiresOption: Math.abs(short.expires - before - 3600000) < 60000,
      fingerprint: [fp.length, fp[0].algorithm, /^([0-9a-f]{2}:){31}[0-9a-f]{2}$/.test(fp[0].value)],
      distinct: fp[0].value !== short.getFingerprints()[0].value,
      copies: cert.getFingerprints() !== fp,
      rsa: await settles(RTCPeerConnection.generateCertificate({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' })),
      p384: await settles(RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-384' })),
      noCurve: await settles(RTCPeerConnection.generateCertificate({ name: 'ECDSA' })),
      unknown: await settles(RTCPeerConnection.generateCertificate('foo')),
      noArgument: await settles(RTCPeerConnection.generateCertificate()),
      usable: new RTCPeerConnection({ certificates: [cert] }).getConfiguration().certificates[0] === cert,
    };
  });
  assert.deepEqual(r.rsa.rejected, 'DOMException:NotSupportedError');
  assert.deepEqual(r.p384.rejected, 'DOMException:NotSupportedError');
  assert.deepEqual(r.noCurve.rejected, 'TypeError');
  assert.deepEqual(r.unknown.rejected, 'DOMException:NotSupportedError');
  assert.deepEqual(r.noArgument.rejected, 'TypeError');
  delete r.rsa; delete r.p384; delete r.noCurve; delete r.unknown; delete r.noArgument;
  assert.deepEqual(r, {
    isCertificate: true, expiresIn30Days: true, expiresOption: true, fingerprint: [1, 'sha-256', true], distinct: true, copies: true, usable: true,
  });
});

test('an expired certificate in the configuration makes the constructor throw InvalidAccessError', async () => {
  const r = await page.evaluate(async () => {
    const expired = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256', expires: 0 });
    return throwsName(() => new RTCPeerConnection({ certificates: [expired] }));
  });
  assert.equal(r, 'DOMException:InvalidAccessError');
});
