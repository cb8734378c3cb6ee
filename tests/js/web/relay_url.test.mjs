// Relay discovery in web/src/relay.js: which WebSocket URLs the page uses for /turn and /signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../support/paths.mjs';

const relay = await import(pathToFileURL(path.join(repoRoot, 'web', 'src', 'relay.mjs')).href);

test('endpoints go below the relay base; http(s) becomes ws(s); query and hash are dropped', () => {
  assert.equal(relay.relayEndpoint('turn', 'https://relay.example.org'), 'wss://relay.example.org/turn');
  assert.equal(relay.relayEndpoint('signal', 'http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/signal');
  assert.equal(relay.relayEndpoint('turn', 'wss://example.org/polyrtc?x=1#y'), 'wss://example.org/polyrtc/turn');
  assert.throws(() => relay.relayEndpoint('turn', 'ftp://example.org'), { name: 'SyntaxError' });
});

test('configure({relay}) wins over data-relay; without either and without a page origin there is no relay', () => {
  assert.throws(() => relay.relayBase(), { name: 'NotSupportedError' });
  relay.setScriptRelay('https://from-tag.example');
  assert.equal(relay.relayEndpoint('signal'), 'wss://from-tag.example/signal');
  relay.setConfiguredRelay('ws://configured.example:9000');
  assert.equal(relay.relayEndpoint('turn'), 'ws://configured.example:9000/turn');
  relay.setConfiguredRelay(null);
  assert.equal(relay.relayEndpoint('turn'), 'wss://from-tag.example/turn');
});

test('a ws:/wss: iceServers URL is used as is when it has a path, else its /turn', () => {
  assert.equal(relay.relayTurnUrlFromIceServer('wss://relay.example.org/turn'), 'wss://relay.example.org/turn');
  assert.equal(relay.relayTurnUrlFromIceServer('wss://relay.example.org/custom/path'), 'wss://relay.example.org/custom/path');
  assert.equal(relay.relayTurnUrlFromIceServer('ws://127.0.0.1:8080'), 'ws://127.0.0.1:8080/turn');
});
