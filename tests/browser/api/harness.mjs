// Shared setup for the API tests: a static HTTP server (node:http) serving web/dist and the
// test pages, and headless Chromium with native WebRTC deleted (tests/support/chromium.mjs).
//
// The relay's /signal endpoint had not landed when these tests were written, so the server
// also answers WebSocket upgrades on /signal?room=NAME with the behaviour SignalingChannel
// relies on: every text message is delivered to the other sockets in the same room. No engine
// is simulated anywhere: operations that need the Wasm protocol engine meet the real module.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { webDist } from '../../support/paths.mjs';
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

  const rooms = new Map();
  const signalConnections = [];
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname !== '/signal') {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const room = url.searchParams.get('room') ?? '';
      signalConnections.push({ room, url: req.url });
      if (!rooms.has(room)) rooms.set(room, new Set());
      rooms.get(room).add(ws);
      ws.on('message', (data, isBinary) => {
        for (const other of rooms.get(room)) if (other !== ws) other.send(data, { binary: isBinary });
      });
      ws.on('close', () => rooms.get(room).delete(ws));
    });
  });

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    signalConnections,
    setPage(pathname, html) { pages.set(pathname, html); },
    setWasmDelay(ms) { server.wasmDelayMs = ms; },
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// One server and one browser per test file; `open(html)` gives a fresh page without WebRTC.
export async function setup(options) {
  const server = await startServer(options);
  const browser = await launchChromium();
  let counter = 0;
  return {
    server,
    browser,
    async open(html = pageHtml(), { query = '' } = {}) {
      const pathname = `/page${++counter}.html`;
      server.setPage(pathname, html);
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
