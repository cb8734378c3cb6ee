// Which relay the page talks to: polyrtc.configure({relay}), else the script tag's data-relay,
// else the page's own origin. Peer connections may override it with a ws:/wss: iceServers entry.
let configuredRelay = null;
let scriptRelay = null;
let askRelayForCredentials = false;

export function setAskRelayForCredentials(ask) {
  askRelayForCredentials = Boolean(ask);
}

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

// Time-limited TURN credentials the relay serves to pages (`GET /turn-credentials` beside the
// TURN endpoint `turnUrl`; docs/relay.md), as {username, credential}, or null where it serves
// none: the endpoint is off (404), this origin is not allowed (403), or it cannot be reached.
// The connection then goes on without credentials, and a relay that requires them refuses
// the allocation (icecandidateerror). One request per relay: an answer is reused until half
// its ttl has passed, a refusal for a minute, so many connections in one page cost one fetch.
// Opt-in (data-relay-credentials, configure({relayCredentials: true})): asking a relay that
// does not serve them would cost every page a request and a console error.
const credentialRequests = new Map(); // endpoint URL -> {promise, reuseUntil}
const kRefusalReuseMs = 60000;

export function relayCredentials(turnUrl) {
  if (!askRelayForCredentials || typeof fetch !== 'function') return Promise.resolve(null);
  const url = new URL('turn-credentials', turnUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  const cached = credentialRequests.get(url.href);
  if (cached && cached.reuseUntil > Date.now()) return cached.promise;
  const request = { reuseUntil: Infinity, promise: null };
  const settle = (value, reuseMs) => {
    request.reuseUntil = Date.now() + reuseMs;
    return value;
  };
  request.promise = fetch(url.href, { credentials: 'omit', cache: 'no-store' })
    .then(async (response) => {
      if (!response.ok) return settle(null, kRefusalReuseMs);
      const body = await response.json();
      if (typeof body.username !== 'string' || typeof body.credential !== 'string') return settle(null, kRefusalReuseMs);
      return settle({ username: body.username, credential: body.credential }, Math.max(0, Number(body.ttl) || 0) * 500);
    })
    .catch(() => settle(null, 0));
  credentialRequests.set(url.href, request);
  return request.promise;
}
