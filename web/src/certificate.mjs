// RTCCertificate and RTCPeerConnection.generateCertificate (webrtc-pc §4.9), backed by the
// Wasm core's generateCertificate(seed, notBefore, notAfter) (ECDSA P-256, mbedTLS).
import { domException, toEnforcedInteger, typeError } from './webidl.mjs';
import { generateCertificateInCore } from './engine/adapter.mjs';

const kDefaultExpiresMs = 30 * 24 * 3600 * 1000;
const kMaxExpiresMs = 365 * 24 * 3600 * 1000;
const kNotBeforeSkewSeconds = 24 * 3600; // tolerate a peer whose clock is a day behind

const secrets = new WeakMap(); // RTCCertificate -> {seed, notBefore, notAfter, der}
let constructing = false;

export class RTCCertificate {
  #expires;
  #fingerprints;

  constructor(expires, fingerprints) {
    if (!constructing) throw new TypeError('Illegal constructor');
    this.#expires = expires;
    this.#fingerprints = fingerprints;
  }

  get expires() { return this.#expires; }

  getFingerprints() {
    return this.#fingerprints.map((f) => ({ ...f }));
  }

  get [Symbol.toStringTag]() { return 'RTCCertificate'; }
}

export function isCertificate(value) {
  return secrets.has(value);
}

export function certificateIsExpired(certificate) {
  return certificate.expires <= Date.now();
}

// What the engine needs to use the certificate: the seed regenerates the same key pair and
// certificate inside the core (the key never leaves Wasm as bytes).
export function certificateSecret(certificate) {
  return secrets.get(certificate);
}

// WebCrypto's "normalize an algorithm" for generateKey, narrowed to what we can answer:
// ECDSA with P-256. Other known algorithms are NotSupportedError; malformed ones TypeError.
function normalizeKeygenAlgorithm(algorithm) {
  let dict = algorithm;
  if (typeof algorithm === 'string') dict = { name: algorithm };
  if (dict === null || (typeof dict !== 'object' && typeof dict !== 'function')) {
    throw typeError('generateCertificate: the algorithm must be an object or a string');
  }
  if (dict.name === undefined) throw typeError("generateCertificate: required member 'name' is missing");
  const name = `${dict.name}`;
  switch (name.toUpperCase()) {
    case 'ECDSA': {
      if (dict.namedCurve === undefined) throw typeError("generateCertificate: ECDSA needs 'namedCurve'");
      const curve = `${dict.namedCurve}`;
      if (curve !== 'P-256') throw domException('NotSupportedError', `generateCertificate: curve ${curve} is not supported (only P-256)`);
      return { name: 'ECDSA', namedCurve: 'P-256' };
    }
    case 'RSASSA-PKCS1-V1_5':
    case 'RSA-PSS':
    case 'RSA-OAEP':
    case 'ECDH':
    case 'ED25519':
    case 'X25519':
    case 'HMAC':
    case 'AES-CTR':
    case 'AES-CBC':
    case 'AES-GCM':
    case 'AES-KW':
      throw domException('NotSupportedError', `generateCertificate: ${name} is not supported (only ECDSA P-256)`);
    default:
      throw domException('NotSupportedError', `generateCertificate: unknown algorithm ${name}`);
  }
}

export function generateCertificate(keygenAlgorithm) {
  try {
    if (arguments.length < 1) throw typeError('generateCertificate: 1 argument required, but only 0 present');
    let expires = kDefaultExpiresMs;
    if (typeof keygenAlgorithm === 'object' && keygenAlgorithm !== null && keygenAlgorithm.expires !== undefined) {
      expires = Math.min(toEnforcedInteger(keygenAlgorithm.expires, 0, Number.MAX_SAFE_INTEGER, 'expires'), kMaxExpiresMs);
    }
    normalizeKeygenAlgorithm(keygenAlgorithm);
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const nowMs = Date.now();
    const notBefore = Math.floor(nowMs / 1000) - kNotBeforeSkewSeconds;
    const notAfter = Math.floor((nowMs + expires) / 1000);
    return generateCertificateInCore(seed, notBefore, notAfter).then((result) => {
      const [algorithm, value] = result.fingerprint.split(' ');
      constructing = true;
      let certificate;
      try {
        certificate = new RTCCertificate(nowMs + expires, [{ algorithm, value: value.toLowerCase() }]);
      } finally {
        constructing = false;
      }
      secrets.set(certificate, { seed, notBefore, notAfter, der: result.der });
      return certificate;
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
