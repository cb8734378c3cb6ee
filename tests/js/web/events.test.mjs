// The EventTarget fallback polyrtc uses where the browser's EventTarget cannot be subclassed,
// with the on* handler attributes on top: it must order and remove listeners as the DOM does.
// (Chromium's native EventTarget is what the browser tests exercise.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../support/paths.mjs';

const { FallbackEventTarget, defineEventHandlers } = await import(pathToFileURL(path.join(repoRoot, 'web', 'src', 'events.mjs')).href);

class Target extends FallbackEventTarget {}
defineEventHandlers(Target.prototype, ['ping']);

test('listeners run in registration order, once per (callback, capture), with handleEvent objects', () => {
  const t = new Target();
  const log = [];
  const a = () => log.push('a');
  t.addEventListener('ping', a);
  t.addEventListener('ping', a); // duplicate: ignored
  t.addEventListener('ping', { handleEvent: (e) => log.push(`obj:${e.target === t}`) });
  t.addEventListener('ping', () => log.push('once'), { once: true });
  t.dispatchEvent(new Event('ping'));
  t.dispatchEvent(new Event('ping'));
  assert.deepEqual(log, ['a', 'obj:true', 'once', 'a', 'obj:true']);
});

test('a listener removed during dispatch does not run; one added during dispatch waits for the next', () => {
  const t = new Target();
  const log = [];
  const b = () => log.push('b');
  t.addEventListener('ping', () => {
    log.push('a');
    t.removeEventListener('ping', b);
    t.addEventListener('ping', () => log.push('late'));
  });
  t.addEventListener('ping', b);
  t.dispatchEvent(new Event('ping'));
  assert.deepEqual(log, ['a']);
});

test('on* on the fallback: replaced in place, re-added at the end after null, false cancels', () => {
  const t = new Target();
  const log = [];
  t.addEventListener('ping', () => log.push('A'));
  t.onping = () => log.push('H1');
  t.addEventListener('ping', () => log.push('B'));
  t.onping = () => log.push('H2');
  t.dispatchEvent(new Event('ping'));
  t.onping = null;
  t.onping = () => { log.push('H3'); return false; };
  const e = new Event('ping', { cancelable: true });
  const notCanceled = t.dispatchEvent(e);
  assert.deepEqual(log, ['A', 'H2', 'B', 'A', 'B', 'H3']);
  assert.equal(notCanceled, false);
  assert.equal(e.defaultPrevented, true);
});

test('an exception in a listener is reported (reportError) and does not stop the others', () => {
  const t = new Target();
  const log = [];
  const reported = [];
  const saved = globalThis.reportError;
  globalThis.reportError = (error) => reported.push(error.message);
  try {
    t.addEventListener('ping', () => { throw new Error('listener threw'); });
    t.addEventListener('ping', () => log.push('second'));
    t.dispatchEvent(new Event('ping'));
  } finally {
    globalThis.reportError = saved;
  }
  assert.deepEqual(log, ['second']);
  assert.deepEqual(reported, ['listener threw']);
});
