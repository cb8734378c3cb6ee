// Drivers for the interop peers. Each is {name, call(method, ...args), close()}, where the
// methods are those of tests/interop/pages/peer.js (window.interop): a browser page (polyrtc
// or native, driven by playwright-core or puppeteer-core, whose evaluate() has the same
// shape) or the aiortc script (JSON lines over its stdin/stdout).
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function pagePeer(name, page) {
  return {
    name,
    page,
    call(method, ...args) {
      return page.evaluate(([m, a]) => window.interop[m](...a), [method, args]);
    },
    async close() {
      await page.evaluate(() => window.interop && window.interop.close()).catch(() => {});
    },
  };
}

// Starts tests/interop/aiortc_peer.py with Debian's python3 (python3-aiortc lives there, not
// in whatever python3 comes first on PATH).
export function aiortcPeer(name = 'aiortc') {
  const child = spawn('/usr/bin/python3', [path.join(here, 'aiortc_peer.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map();
  let nextId = 1;
  let stderr = '';
  let exited = null;
  child.stderr.on('data', (d) => { stderr += d; });
  child.on('exit', (code, signal) => {
    exited = `aiortc_peer.py exited (code ${code}, signal ${signal}); stderr:\n${stderr}`;
    for (const { reject } of pending.values()) reject(new Error(exited));
    pending.clear();
  });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    let reply;
    try {
      reply = JSON.parse(line);
    } catch {
      stderr += `[stdout, not JSON] ${line}\n`;
      return;
    }
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(`aiortc: ${reply.error}`));
    else waiter.resolve(reply.result);
  });
  return {
    name,
    get stderr() { return stderr; },
    call(method, ...args) {
      if (exited) return Promise.reject(new Error(exited));
      const id = nextId++;
      child.stdin.write(`${JSON.stringify({ id, method, args })}\n`);
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    // Closing stdin ends the script (it closes its peer connection first); SIGKILL if not.
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
