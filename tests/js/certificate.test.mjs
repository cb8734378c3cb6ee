// The first slice through every layer: core/ (mbedTLS) -> wasm/ (Embind) -> JS in Node.
// The certificate the Wasm core makes is checked by an independent X.509 implementation
// (Node's OpenSSL), not by our own code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, randomBytes } from 'node:crypto';
import { loadWasmCore } from '../support/wasm_core.mjs';

const core = await loadWasmCore();
const now = Math.floor(Date.now() / 1000);

test('Wasm core generates an ECDSA P-256 certificate that OpenSSL accepts as self-signed', () => {
  const result = core.generateCertificate(randomBytes(32), now - 86400, now + 30 * 86400);
  assert.equal(result.error, undefined);
  assert.ok(result.der instanceof Uint8Array);

  const cert = new X509Certificate(Buffer.from(result.der));
  assert.equal(cert.subject, 'CN=WebRTC');
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
  assert.ok(cert.verify(cert.publicKey), 'signature verifies with its own key');
  assert.ok(cert.checkIssued(cert), 'issuer is itself');
  assert.equal(Date.parse(cert.validTo) / 1000, now + 30 * 86400);
});

test('the fingerprint is SHA-256 over the DER, in the form SDP carries', () => {
  const result = core.generateCertificate(randomBytes(48), now, now + 86400);
  const expected = createHash('sha256').update(result.der).digest('hex').toUpperCase().match(/../g).join(':');
  assert.equal(result.fingerprint, `sha-256 ${expected}`);
  // Node's own fingerprint of the same certificate agrees.
  assert.equal(new X509Certificate(Buffer.from(result.der)).fingerprint256, expected);
});

test('the seed decides the certificate: same seed same certificate, new seed new one', () => {
  const seed = randomBytes(32);
  const a = core.generateCertificate(seed, now, now + 86400);
  const b = core.generateCertificate(seed, now, now + 86400);
  const c = core.generateCertificate(randomBytes(32), now, now + 86400);
  assert.deepEqual(a.der, b.der);
  assert.notEqual(a.fingerprint, c.fingerprint);
});

test('errors come back as values, not exceptions across the Wasm boundary', () => {
  assert.match(core.generateCertificate(randomBytes(8), now, now + 1).error, /seed too short/);
  assert.match(core.generateCertificate(randomBytes(32), now, now).error, /validity/);
});
