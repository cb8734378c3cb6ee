// The npm package: every path in web/package.json's exports map exists after the build,
// the ES module bundle imports cleanly and installs nothing, and the TypeScript declarations
// type-check together with the spec examples' calls (web/types/check.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../support/paths.mjs';

const web = path.join(repoRoot, 'web');
const pkg = JSON.parse(readFileSync(path.join(web, 'package.json'), 'utf8'));

function targets(value) {
  if (typeof value === 'string') return [value];
  return Object.values(value).flatMap(targets);
}

test('package.json: name, type and every exports/types/files path exist', () => {
  assert.equal(pkg.name, 'polyrtc');
  assert.equal(pkg.exports['.'].default, './dist/polyrtc.mjs');
  assert.equal(pkg.exports['./script'].default, './dist/polyrtc.js');
  const paths = new Set([...targets(pkg.exports), pkg.types, pkg.main, ...pkg.files]);
  for (const p of paths) assert.ok(existsSync(path.join(web, p)), `${p} exists`);
});

test('the ES module bundle exports the API and defines no globals', async () => {
  const before = new Set(Object.getOwnPropertyNames(globalThis));
  const mod = await import(pathToFileURL(path.join(web, 'dist', 'polyrtc.mjs')).href);
  const added = Object.getOwnPropertyNames(globalThis).filter((n) => !before.has(n));
  assert.deepEqual(added, []);
  for (const name of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate', 'RTCDataChannel', 'RTCDataChannelEvent',
    'RTCPeerConnectionIceEvent', 'RTCPeerConnectionIceErrorEvent', 'RTCError', 'RTCErrorEvent', 'RTCCertificate', 'RTCStatsReport', 'SignalingChannel']) {
    assert.equal(typeof mod[name], 'function', name);
  }
  for (const name of ['install', 'configure', 'preload']) assert.equal(typeof mod[name], 'function', name);
});

test('the TypeScript declarations type-check (tsc from web/node_modules)', () => {
  const tsc = path.join(web, 'node_modules', 'typescript', 'bin', 'tsc');
  assert.ok(existsSync(tsc), 'web/node_modules is installed (npm ci in web/)');
  execFileSync(process.execPath, [tsc, '-p', path.join(web, 'types', 'tsconfig.json')], { stdio: 'pipe' });
});
