// Which relay the page talks to: polyrtc.configure({relay}), else the script tag's data-relay,
// else the page's own origin. Peer connections may override it with a ws:/wss: iceServers entry.
let configuredRelay = null;
let scriptRelay = null;

function toWebSocketBase(url) {
  const u = new URL(url, typeof location !== 'undefined' ? location.href : undefined);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  else if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new DOMException(`polyrtc: relay URL '${url}' must be http(s) or ws(s)`, 'SyntaxError');
  }
  u.search = '';
  u.hash = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u;
}

export function setConfiguredRelay(url) {
  configuredRelay = url === null || url === undefined ? null : toWebSocketBase(url).href;
}

export function setScriptRelay(url) {
  scriptRelay = url ? toWebSocketBase(url).href : null;
}

// The relay's base as a ws:/wss: URL ending in '/'.
export function relayBase() {
  if (configuredRelay) return configuredRelay;
  if (scriptRelay) return scriptRelay;
  if (typeof location === 'undefined' || !/^https?:$/.test(location.protocol)) {
    throw new DOMException('polyrtc: no relay configured (use data-relay or polyrtc.configure({relay}))', 'NotSupportedError');
  }
  return toWebSocketBase(location.origin + '/').href;
}

// The relay endpoint at `path` ('turn', 'signal'), below the relay base.
export function relayEndpoint(path, base = relayBase()) {
  return new URL(path, toWebSocketBase(base)).href;
}

// The TURN-over-WebSocket URL for an iceServers entry with a ws:/wss: URL: the URL itself when
// it names a path, else the relay's /turn below it.
export function relayTurnUrlFromIceServer(url) {
  const u = new URL(url);
  if (u.pathname === '' || u.pathname === '/') return relayEndpoint('turn', u.href);
  return u.href;
}
