// Whole-stack pair benchmark (tests/bench/pair_bench.cpp): two PeerConnections through the
// relay's TURN logic in memory, in simulated time. The same C++ program runs natively (the
// reference) and compiled to Wasm under Node, one after the other in this run; both print
// one JSON line, shown here side by side with the Wasm/native ratio.
//
// How it is measured: wall time (steady_clock) around the drive loop only. Simulated time
// jumps to the next deadline, so the wall time is the CPU work of both stacks and the relay
// logic on one thread; MB/s counts the message bytes Z received. "simulated" figures come
// from the simulated clock (10 ms page<->relay and 1 ms relay<->relay one way): they are
// what SCTP's congestion control achieves on that path, not a CPU figure.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/paths.mjs';

const kBytes = String(16 << 20); // per throughput run

function run(command, args) {
  const out = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  // usrsctp in Wasm logs a line when its iterator thread cannot start; take the JSON line.
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`no figures from ${command} ${args.join(' ')}:\n${out}`);
  return JSON.parse(line);
}

const load = os.loadavg()[0].toFixed(1);
const native = run(path.join(repoRoot, 'build/native/tests/bench/polyrtc_bench_pair'), [kBytes]);
const wasm = run(process.execPath, [path.join(repoRoot, 'build/wasm/tests/bench/polyrtc_bench_pair.js'), kBytes]);

const rows = [
  ['offer -> channel open, simulated', 'setup_sim_ms', 'ms', 1],
  ['offer -> channel open, wall (cold)', 'setup_cold_wall_ms', 'ms', 2],
  ['offer -> channel open, wall (warm)', 'setup_wall_ms', 'ms', 2],
  ['throughput 1 KiB messages, wall', 'mbps_1k', 'MB/s', 2],
  ['throughput 64 KiB messages, wall', 'mbps_64k', 'MB/s', 2],
  ['throughput 1 KiB, simulated', 'sim_mbps_1k', 'MB/s', 2],
  ['throughput 64 KiB, simulated', 'sim_mbps_64k', 'MB/s', 2],
];
console.log(
  `in-memory pair through the TURN logic, reliable ordered channel, ${native.bytes / (1 << 20)} MiB per run ` +
    `(load average ${load} on ${os.cpus().length} CPUs)`,
);
console.log(`  ${'figure'.padEnd(38)}${'native'.padStart(12)}${'wasm (node)'.padStart(14)}   wasm/native`);
for (const [label, key, unit, digits] of rows) {
  const n = native[key];
  const w = wasm[key];
  console.log(
    `  ${label.padEnd(38)}${`${n.toFixed(digits)} ${unit}`.padStart(12)}${`${w.toFixed(digits)} ${unit}`.padStart(14)}` +
      `   ${(w / n).toFixed(2)}x`,
  );
}
