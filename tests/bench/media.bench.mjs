// Media wire costs in the Wasm build under Node against the native build, same run: SRTP
// protect+unprotect of 120-byte-payload packets, Opus 20 ms encode and decode. A call needs
// 50 packets/s and 1x real time each way; the figures show the headroom.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../support/paths.mjs';

const run = (cmd, args) => JSON.parse(execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n').pop());
const native = run(path.join(repoRoot, 'build/native/tests/bench/polyrtc_bench_media'), []);
const wasm = run(process.execPath, [path.join(repoRoot, 'build/wasm/tests/bench/polyrtc_bench_media.js')]);

const row = (label, key, unit) =>
  console.log(`  ${label.padEnd(34)} native ${String(native[key]).padStart(9)} ${unit}   wasm ${String(wasm[key]).padStart(9)} ${unit}   (${(wasm[key] / native[key]).toFixed(2)}x native)`);
console.log('media wire costs (higher is better)');
row('SRTP AES_CM_128_HMAC_SHA1_80', 'srtp_cm_packets_per_s', 'pkt/s');
row('SRTP AEAD_AES_128_GCM', 'srtp_gcm_packets_per_s', 'pkt/s');
row('Opus encode, 20 ms mono frames', 'opus_encode_x_realtime', 'x RT');
row('Opus decode, 20 ms mono frames', 'opus_decode_x_realtime', 'x RT');
