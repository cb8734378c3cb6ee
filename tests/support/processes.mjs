// Child processes a test starts (Xvfb, WebKitWebDriver and its MiniBrowser): each is spawned
// as the leader of its own process group, so stopping it also stops what it spawned
// (MiniBrowser's web and network processes), and never anything else. A process still
// running when Node exits (a test that crashed before its `after`) or is stopped by a signal
// (the test runner's timeout, Ctrl-C) is killed then.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';

const running = new Set();
const killAll = () => {
  for (const child of running) killGroup(child, 'SIGKILL');
};
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + os.constants.signals[signal]);
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export function spawnGroup(command, args, options = {}) {
  const child = spawn(command, args, { ...options, detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.exited = once(child, 'exit').catch(() => []);
  return child;
}

// SIGTERM to the group; SIGKILL after graceMs. Resolves when the leader has exited.
export async function stopGroup(child, graceMs = 3000) {
  if (!child || child.pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
  // The leader is gone; children that ignored SIGTERM go now.
  killGroup(child, 'SIGKILL');
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
