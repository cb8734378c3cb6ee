// Debian's WebKitGTK 2.50 (WebRTC compiled out: no RTC* globals at all) driven through
// WebKitWebDriver's W3C WebDriver endpoint with plain fetch(). The GTK port has no headless
// mode, so every browser gets our own Xvfb (`-displayfd` picks a free display, so runs can
// share the machine). WebKitWebDriver allows one session, so each page is one driver with its
// own MiniBrowser, on the shared Xvfb. Every process is stopped by its process group, also
// when a test fails (tests/support/processes.mjs).
import net from 'node:net';
import { spawnGroup, stopGroup, sleep } from './processes.mjs';
import { kErrorCollector } from './page_errors.mjs';

const kMiniBrowser = process.env.POLYRTC_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
// POST /session never answers when the browser cannot start (no display): bound every call.
const kCommandTimeoutMs = 60000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Xvfb writes the display number it chose to fd 3.
async function startXvfb(timeoutMs) {
  const xvfb = spawnGroup('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  xvfb.stderr.on('data', (d) => { stderr += d; });
  try {
    const display = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`Xvfb reported no display in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      xvfb.on('error', reject);
      xvfb.exited.then(([code]) => reject(new Error(`Xvfb exited with ${code}: ${stderr}`)));
      xvfb.stdio[3].on('data', (d) => {
        out += d;
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(`:${out.trim()}`);
        }
      });
    });
    return { xvfb, display };
  } catch (error) {
    await stopGroup(xvfb);
    throw error;
  }
}

async function command(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(kCommandTimeoutMs),
  });
  const json = await res.json();
  if (!res.ok || json.value?.error) {
    throw new Error(`WebDriver ${method} ${path}: ${res.status} ${json.value?.error}: ${json.value?.message}`);
  }
  return json.value;
}

async function waitForDriver(base, driver, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}`);
    try {
      if ((await command(base, 'GET', '/status')).ready) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`WebKitWebDriver not ready in ${timeoutMs} ms`);
    await sleep(100);
  }
}

// A page in its own MiniBrowser, with the page interface of tests/support/engines.mjs.
async function openPage(display, { args = [], startTimeoutMs }) {
  const port = await freePort();
  const driver = spawnGroup('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, DISPLAY: display },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let driverStderr = '';
  driver.stderr.on('data', (d) => { driverStderr = (driverStderr + d).slice(-4000); });
  const base = `http://127.0.0.1:${port}`;
  let session;
  let version;
  try {
    await waitForDriver(base, driver, startTimeoutMs);
    const capabilities = { alwaysMatch: { 'webkitgtk:browserOptions': { binary: kMiniBrowser, args: ['--automation', ...args] } } };
    const created = await command(base, 'POST', '/session', { capabilities });
    session = created.sessionId;
    version = `${created.capabilities.browserName} ${created.capabilities.browserVersion}`;
  } catch (error) {
    await stopGroup(driver);
    throw new Error(`${error.message}; WebKitWebDriver stderr: ${driverStderr}`);
  }
  const s = `/session/${session}`;
  // W3C "execute script" waits for a returned promise; the function is sent as source.
  const evaluate = (fn, arg) =>
    command(base, 'POST', `${s}/execute/sync`, { script: `return (${fn}).apply(null, arguments);`, args: arg === undefined ? [] : [arg] });
  return {
    version,
    async goto(url) {
      await command(base, 'POST', `${s}/url`, { url });
      // WebDriver classic has no init scripts and this MiniBrowser does not forward console
      // messages under automation: collect errors from here on.
      await command(base, 'POST', `${s}/execute/sync`, { script: kErrorCollector, args: [] });
    },
    evaluate,
    async waitForFunction(fn, arg, { timeout = 10000 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const value = await evaluate(fn, arg);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`WebKit: ${fn} did not hold within ${timeout} ms`);
        await sleep(50);
      }
    },
    async errors() {
      return command(base, 'POST', `${s}/execute/sync`, { script: 'return window.__pageErrors ?? ["error collector missing"];', args: [] });
    },
    async close() {
      await command(base, 'DELETE', s).catch(() => {});
      await stopGroup(driver);
    },
  };
}

// {args}: extra MiniBrowser options (any WebKitSettings property as --name=value).
export async function launchWebKit({ args = [], startTimeoutMs = 60000 } = {}) {
  const { xvfb, display } = await startXvfb(10000);
  const pages = new Set();
  return {
    name: 'webkitgtk',
    display,
    async newPage() {
      const page = await openPage(display, { args, startTimeoutMs });
      pages.add(page);
      const close = page.close;
      page.close = () => { pages.delete(page); return close(); };
      return page;
    },
    async close() {
      await Promise.all([...pages].map((p) => p.close()));
      await stopGroup(xvfb);
    },
  };
}
