// Shared setup for the API tests: pages served either by the real relay (polyrtc-relay with
// --web-root, as `./run demo` serves the demo; its /signal rooms back SignalingChannel) or by a
// small node:http server where a test needs control the relay does not give (serving
// polyrtc.wasm late, or not at all), and headless Chromium with native WebRTC deleted
// (tests/support/chromium.mjs). No engine is simulated anywhere: operations that need the
// Wasm protocol engine meet the real module.
import { createHash } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { readFile, readdir, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { webDist } from '../../support/paths.mjs';
import { startRelay } from '../../relay/relay_process.mjs';
import { launchChromium, newPageWithoutWebRtc } from '../../support/chromium.mjs';

const kTypes = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

// Helpers every test page gets, for turning exceptions into comparable strings.
export const kPageHelpers = `
  window.errorName = (e) => (e instanceof DOMException ? 'DOMException:' : '') + e.name;
  window.throwsName = (fn) => { try { fn(); return 'no exception'; } catch (e) { return errorName(e); } };
  window.settles = (p, ms = 2000) => Promise.race([
    p.then((v) => ({ resolved: v === undefined ? 'undefined' : v }), (e) => ({ rejected: errorName(e), message: e.message })),
    new Promise((r) => setTimeout(() => r('pending'), ms)),
  ]);
  window.nextTask = () => new Promise((r) => setTimeout(r, 0));
`;

export function pageHtml({ scriptAttrs = '', head = '', body = '' } = {}) {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script>${kPageHelpers}</script>${head}
<script src="/dist/polyrtc.js" ${scriptAttrs}></script></head><body>${body}</body></html>`;
}

export async function startServer({ wasmDelayMs = 0 } = {}) {
  const pages = new Map();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (pages.has(url.pathname)) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(pages.get(url.pathname));
      return;
    }
    if (url.pathname.startsWith('/dist/')) {
      const file = path.join(webDist, path.basename(url.pathname));
      try {
        const bytes = await readFile(file);
        if (file.endsWith('.wasm') && server.wasmDelayMs > 0) await new Promise((r) => setTimeout(r, server.wasmDelayMs));
        res.writeHead(200, { 'content-type': kTypes[path.extname(file)] ?? 'application/octet-stream' });
        res.end(bytes);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    res.writeHead(404).end();
  });
  server.wasmDelayMs = wasmDelayMs;
  // Every RTCPeerConnection opens its relay WebSocket (/turn, subprotocol turn) at once to
  // start allocating. These pages never connect anywhere, so the socket is accepted and never
  // answered, like a relay that is slow to reply; a 404 instead would put a WebSocket error
  // in the console whenever a page's connection outlived the handshake.
  const upgraded = new Set();
  server.on('upgrade', (req, socket) => {
    const key = req.headers['sec-websocket-key'];
    if (new URL(req.url, 'http://localhost').pathname !== '/turn' || !key) return socket.destroy();
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: turn\r\n\r\n`);
    socket.on('data', () => {});  // frames are read and dropped
    socket.on('error', () => {});
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setPage(pathname, html) { pages.set(pathname, html); },
    setWasmDelay(ms) { server.wasmDelayMs = ms; },
    async stop() {
      for (const socket of upgraded) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// The real relay serving a temporary web root: dist/ holds a copy of web/dist, pages are
// written next to it. Same interface as startServer() (no wasm delay). Connection tests pass
// relayArgs ['--allow-loopback-peers']: both pages' relayed addresses are on 127.0.0.1.
export async function startRelayServer({ relayArgs = [] } = {}) {
  const root = await mkdtemp(path.join(os.tmpdir(), 'polyrtc-api-'));
  await mkdir(path.join(root, 'dist'));
  for (const file of await readdir(webDist)) {
    if (/\.(js|mjs|wasm)$/.test(file)) await copyFile(path.join(webDist, file), path.join(root, 'dist', file));
  }
  // An open relay unless the test brings its own credentials.
  const auth = relayArgs.some((a) => a === '--use-auth-secret' || a === '--user') ? [] : ['--no-auth'];
  const relay = await startRelay(['--web-root', root, ...auth, ...relayArgs]);
  return {
    url: relay.url(''),
    port: relay.port,
    relay,
    async setPage(pathname, html) { await writeFile(path.join(root, pathname), html); },
    async stop() {
      const { code } = await relay.stop();
      await rm(root, { recursive: true, force: true });
      if (code !== 0) throw new Error(`relay exited with ${code}`);
      if (relay.nonJson.length) throw new Error(`relay printed non-JSON lines: ${relay.nonJson.join(' | ')}`);
    },
  };
}

// One server and one browser per test file; `open(html)` gives a fresh page without WebRTC.
// {relay: true} serves the pages with the real relay.
export async function setup(options = {}) {
  const server = options.relay ? await startRelayServer(options) : await startServer(options);
  const browser = await launchChromium();
  let counter = 0;
  return {
    server,
    browser,
    async open(html = pageHtml(), { query = '' } = {}) {
      const pathname = `/page${++counter}.html`;
      await server.setPage(pathname, html);
      const page = await newPageWithoutWebRtc(browser);
      await page.goto(server.url + pathname + query);
      return page;
    },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}
