// How the engine adapter turns the core's error values ({name, message, ...}, never thrown
// across the Wasm boundary) into the exceptions the spec names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../support/paths.mjs';

const { toException } = await import(pathToFileURL(path.join(repoRoot, 'web', 'src', 'engine', 'adapter.mjs')).href);
const { RTCError } = await import(pathToFileURL(path.join(repoRoot, 'web', 'src', 'events.mjs')).href);

test('DOMException names pass through; TypeError is a TypeError', () => {
  for (const name of ['InvalidStateError', 'InvalidModificationError', 'InvalidAccessError', 'OperationError', 'SyntaxError', 'NotSupportedError']) {
    const e = toException({ name, message: 'why' });
    assert.ok(e instanceof DOMException, name);
    assert.equal(e.name, name);
    assert.equal(e.message, 'polyrtc: why');
  }
  const t = toException({ name: 'TypeError', message: 'too big' });
  assert.ok(t instanceof TypeError);
  assert.equal(t.message, 'polyrtc: too big');
});

test('an OperationError with errorDetail becomes an RTCError carrying the details', () => {
  const e = toException({ name: 'OperationError', message: 'bad sdp', errorDetail: 'sdp-syntax-error', sdpLineNumber: 7 });
  assert.ok(e instanceof RTCError);
  assert.equal(e.name, 'OperationError');
  assert.equal(e.errorDetail, 'sdp-syntax-error');
  assert.equal(e.sdpLineNumber, 7);
});

test('a malformed error value still becomes an OperationError rather than a crash', () => {
  assert.equal(toException(undefined).name, 'OperationError');
  assert.equal(toException({}).name, 'OperationError');
});

