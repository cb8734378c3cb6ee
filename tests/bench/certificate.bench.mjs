// Certificate generation in the Wasm core under Node, against the native build measured in
// the same run. Prints ms per certificate for both and the ratio.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { repoRoot } from '../support/paths.mjs';
import { loadWasmCore } from '../support/wasm_core.mjs';

const kIterations = 200;
const native = JSON.parse(execFileSync(path.join(repoRoot, 'build/native/tests/bench/polyrtc_bench_certificate'), {
  encoding: 'utf8',
}));

const core = await loadWasmCore();
const now = Math.floor(Date.now() / 1000);
const seed = randomBytes(32);
core.generateCertificate(seed, now, now + 86400); // warm-up: first call compiles lazily
const start = performance.now();
for (let i = 0; i < kIterations; i++) core.generateCertificate(seed, now, now + 86400);
const wasmMs = (performance.now() - start) / kIterations;

console.log('certificate generation (ECDSA P-256 key + self-signed X.509), ms per certificate');
console.log(`  native      ${native.ms_per_op.toFixed(2)} ms`);
console.log(`  wasm (node) ${wasmMs.toFixed(2)} ms   (${(wasmMs / native.ms_per_op).toFixed(2)}x native)`);
