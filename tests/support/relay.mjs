// Starts the real relay binary for a test and stops it afterwards.
//
// The relay is started on an ephemeral port (--http-port 0); its first JSON log line
// ({"event":"listening","http_port":N,...}) says which port it bound.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { relayBinary } from './paths.mjs';

export async function startRelay(args = [], { timeoutMs = 10000 } = {}) {
  const child = spawn(relayBinary, ['--http-port', '0', '--listening-ip', '127.0.0.1', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  const stderr = [];
  child.stderr.on('data', (chunk) => stderr.push(String(chunk)));
  const lines = createInterface({ input: child.stdout });

  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not report listening within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${code} before listening: ${stderr.join('')}`));
    });
    lines.on('line', (line) => {
      let entry;
      try { entry = JSON.parse(line); } catch { entry = { unparsed: line }; }
      logs.push(entry);
      if (entry.event === 'listening') {
        clearTimeout(timer);
        resolve(entry);
      }
    });
  });

  return {
    port: listening.http_port,
    url: `http://127.0.0.1:${listening.http_port}`,
    logs,
    process: child,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
