// RTCConfiguration: conversion, "validate an ICE server URLs" and "set a configuration"
// (webrtc-pc §4.4.1.6, §4.2.1).
import { domException, toDOMString, toEnum, toDictionary, toEnforcedInteger, typeError } from './webidl.mjs';
import { certificateIsExpired, isCertificate } from './certificate.mjs';

export const kIceTransportPolicies = ['relay', 'all'];
export const kBundlePolicies = ['balanced', 'max-compat', 'max-bundle'];
export const kRtcpMuxPolicies = ['require'];

// polyrtc extension: a ws:/wss: URL names a relay reached by TURN over WebSocket.
const kSchemes = ['stun', 'stuns', 'turn', 'turns', 'ws', 'wss'];

function toUrlList(server, index) {
  // `urls` is required; the legacy singular `url` (as the spec examples use it) stands in for it.
  let urls = server.urls;
  if (urls === undefined) urls = server.url;
  if (urls === undefined) throw typeError(`iceServers[${index}]: required member 'urls' is missing`);
  if (typeof urls === 'string') return [urls];
  if (typeof urls === 'object' && urls !== null && typeof urls[Symbol.iterator] === 'function') {
    return Array.from(urls, toDOMString);
  }
  return [toDOMString(urls)];
}

// Validates one URL; returns its scheme. Throws SyntaxError / InvalidAccessError as the spec's
// "validate an ICE server URLs" does.
export function validateIceServerUrl(url, server) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw domException('SyntaxError', `'${url}' is not a valid ICE server URL`);
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (!kSchemes.includes(scheme)) {
    throw domException('SyntaxError', `'${url}': the scheme must be one of stun, stuns, turn, turns, ws, wss`);
  }
  if (scheme === 'ws' || scheme === 'wss') {
    if (!parsed.host || parsed.hash) throw domException('SyntaxError', `'${url}' is not a valid relay URL`);
    return scheme;
  }
  // stun/stuns/turn/turns URLs have an opaque path host[:port], no fragment.
  if (parsed.hash || parsed.pathname.startsWith('/') || parsed.pathname === '') {
    throw domException('SyntaxError', `'${url}' is not a valid ${scheme} URL`);
  }
  let hostAndPort;
  try {
    hostAndPort = new URL(`https://${parsed.pathname}`);
  } catch {
    throw domException('SyntaxError', `'${url}' has an invalid host or port`);
  }
  if (hostAndPort.pathname !== '/' || hostAndPort.search || hostAndPort.hash || hostAndPort.username || hostAndPort.password ||
      parsed.pathname.endsWith('/')) {
    throw domException('SyntaxError', `'${url}' has an invalid host or port`);
  }
  if ((scheme === 'stun' || scheme === 'stuns') && parsed.search) {
    throw domException('SyntaxError', `'${url}': a STUN URL has no query`);
  }
  if (scheme === 'turn' || scheme === 'turns') {
    if (parsed.search && parsed.search !== '?transport=udp' && parsed.search !== '?transport=tcp') {
      throw domException('SyntaxError', `'${url}': the only TURN URL query is transport=udp or transport=tcp`);
    }
    if (server.username === undefined || server.credential === undefined) {
      throw domException('InvalidAccessError', `'${url}': a TURN server needs a username and a credential`);
    }
  }
  return scheme;
}

function toIceServers(value) {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || typeof value[Symbol.iterator] !== 'function') {
    throw typeError('iceServers must be a sequence');
  }
  return Array.from(value, (server, index) => {
    if (server === null || typeof server !== 'object') throw typeError(`iceServers[${index}] must be an object`);
    const out = { urls: toUrlList(server, index) };
    if (server.username !== undefined) out.username = toDOMString(server.username);
    if (server.credential !== undefined) out.credential = toDOMString(server.credential);
    return out;
  });
}

// RTCConfiguration with defaults applied (the IDL conversion), then the ICE server checks.
export function toConfiguration(value) {
  const dict = toDictionary(value, 'RTCConfiguration');
  const config = {
    iceServers: toIceServers(dict.iceServers),
    iceTransportPolicy: dict.iceTransportPolicy === undefined ? 'all' : toEnum(dict.iceTransportPolicy, kIceTransportPolicies, 'RTCIceTransportPolicy'),
    bundlePolicy: dict.bundlePolicy === undefined ? 'balanced' : toEnum(dict.bundlePolicy, kBundlePolicies, 'RTCBundlePolicy'),
    rtcpMuxPolicy: dict.rtcpMuxPolicy === undefined ? 'require' : toEnum(dict.rtcpMuxPolicy, kRtcpMuxPolicies, 'RTCRtcpMuxPolicy'),
    iceCandidatePoolSize: dict.iceCandidatePoolSize === undefined ? 0 : toEnforcedInteger(dict.iceCandidatePoolSize, 0, 255, 'iceCandidatePoolSize'),
    certificates: [],
  };
  if (dict.certificates !== undefined) {
    if (dict.certificates === null || typeof dict.certificates !== 'object' || typeof dict.certificates[Symbol.iterator] !== 'function') {
      throw typeError('certificates must be a sequence');
    }
    config.certificates = Array.from(dict.certificates, (c) => {
      if (!isCertificate(c)) throw typeError('certificates must contain RTCCertificate objects');
      return c;
    });
  }
  return config;
}

// The steps of "set a configuration" after conversion. `old` is null in the constructor.
export function checkConfiguration(config, old, { localDescriptionSet = false } = {}) {
  if (old) {
    const sameCertificates = config.certificates.length === old.certificates.length &&
      config.certificates.every((c, i) => c === old.certificates[i]);
    if (config.certificates.length !== 0 && !sameCertificates) {
      throw domException('InvalidModificationError', 'certificates cannot be changed');
    }
    if (config.bundlePolicy !== old.bundlePolicy) throw domException('InvalidModificationError', 'bundlePolicy cannot be changed');
    if (config.rtcpMuxPolicy !== old.rtcpMuxPolicy) throw domException('InvalidModificationError', 'rtcpMuxPolicy cannot be changed');
    if (config.iceCandidatePoolSize !== old.iceCandidatePoolSize && localDescriptionSet) {
      throw domException('InvalidModificationError', 'iceCandidatePoolSize cannot be changed after setLocalDescription');
    }
  } else {
    for (const certificate of config.certificates) {
      if (certificateIsExpired(certificate)) throw domException('InvalidAccessError', 'a certificate has expired');
    }
  }
  for (const server of config.iceServers) {
    if (server.urls.length === 0) throw domException('SyntaxError', 'an ICE server has no URLs');
    for (const url of server.urls) validateIceServerUrl(url, server);
  }
}

// What getConfiguration() returns: a fresh copy.
export function copyConfiguration(config) {
  return {
    iceServers: config.iceServers.map((s) => ({ ...s, urls: [...s.urls] })),
    iceTransportPolicy: config.iceTransportPolicy,
    bundlePolicy: config.bundlePolicy,
    rtcpMuxPolicy: config.rtcpMuxPolicy,
    iceCandidatePoolSize: config.iceCandidatePoolSize,
    certificates: [...config.certificates],
  };
}
