// The media layer under Node, which has no MediaStream, no capture API and no Web Audio: the
// stand-in classes are the classes in use, getUserMedia gives the synthetic source, remote
// tracks are drained by the 20 ms timer, and capture reads synthetic and remote tracks
// directly. (The browser tests cover the same code in Chromium with and without natives.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../../support/paths.mjs';

const mediaDir = path.join(repoRoot, 'web', 'src', 'media');
const media = await import(pathToFileURL(path.join(mediaDir, 'index.mjs')).href);
const { endStandInTrack, setStandInTrackMuted } = await import(pathToFileURL(path.join(mediaDir, 'stand_in.mjs')).href);
const { goertzelPower } = await import(pathToFileURL(path.join(mediaDir, 'frames.mjs')).href);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const kUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('under Node the stand-ins are the classes in use', () => {
  assert.equal(media.usesNativeStreams, false);
  assert.equal(media.MediaStream.name, 'StandInMediaStream');
  const s = new media.MediaStream();
  assert.ok(media.isMediaStream(s) && !media.isMediaStream({}) && !media.isMediaStreamTrack(s));
  assert.match(s.id, kUuid);
  assert.equal(s.active, false);
  assert.deepEqual(s.getTracks(), []);
  assert.equal(Object.prototype.toString.call(s), '[object MediaStream]');
  assert.throws(() => new media.MediaStreamTrack(), TypeError);
  assert.throws(() => new media.MediaStream(5), TypeError);
  assert.throws(() => new media.MediaStream([{}]), TypeError);
});

test('createMediaStream takes tracks and an id; the constructor copies a stream or a track list', async () => {
  const source = await media.getUserMedia({ audio: true, video: true });
  const [audio, video] = source.getTracks();
  const s = media.createMediaStream([audio, video, audio], 'msid-stream');
  assert.equal(s.id, 'msid-stream');
  assert.deepEqual(s.getTracks(), [audio, video]);
  assert.equal(s.active, true);
  const copy = new media.MediaStream(s);
  assert.notEqual(copy.id, s.id);
  assert.deepEqual(copy.getTracks(), [audio, video]);
  assert.deepEqual(new media.MediaStream([video]).getTracks(), [video]);
  assert.equal(s.getTrackById(video.id), video);
  assert.equal(s.getTrackById('x'), null);
  audio.stop();
  video.stop();
});

test('tracks: kind, label, enabled, stop() ends silently, clone() is independent and keeps settings', async () => {
  const [audio, video] = (await media.getUserMedia({ audio: true, video: true })).getTracks();
  const events = [];
  for (const type of ['ended', 'mute', 'unmute']) audio.addEventListener(type, () => events.push(type));
  assert.deepEqual([audio.kind, video.kind, audio.readyState, audio.muted, audio.enabled], ['audio', 'video', 'live', false, true]);
  assert.equal(audio.label, 'polyrtc synthetic audio (silence)');
  assert.deepEqual(audio.getSettings(), { deviceId: 'polyrtc-synthetic-audio', sampleRate: 48000, sampleSize: 16, channelCount: 1 });
  audio.enabled = 0;
  assert.equal(audio.enabled, false);
  const copy = audio.clone();
  assert.notEqual(copy.id, audio.id);
  assert.match(copy.id, kUuid);
  assert.deepEqual([copy.kind, copy.label, copy.enabled, copy.readyState], ['audio', audio.label, false, 'live']);
  audio.stop();
  audio.stop();
  assert.equal(audio.readyState, 'ended');
  assert.equal(copy.readyState, 'live');
  assert.equal(audio.clone().readyState, 'ended');
  assert.deepEqual(events, []);
  copy.stop();
  video.stop();
  assert.equal(await audio.applyConstraints({}), undefined);
});

test('the source ending a track fires ended, and the stream goes inactive; mute/unmute from the source', async () => {
  const stream = await media.getUserMedia({ audio: true });
  const [track] = stream.getTracks();
  const log = [];
  track.onended = (e) => log.push(`ended:${e.target === track}:${track.readyState}`);
  track.onmute = () => log.push(`mute:${track.muted}`);
  track.onunmute = () => log.push(`unmute:${track.muted}`);
  stream.oninactive = () => log.push(`inactive:${stream.active}`);
  setStandInTrackMuted(track, true);
  setStandInTrackMuted(track, true);
  setStandInTrackMuted(track, false);
  endStandInTrack(track);
  endStandInTrack(track);
  assert.deepEqual(log, ['mute:true', 'unmute:false', 'ended:true:ended', 'inactive:false']);
});

test('a remote stream fires addtrack/removetrack when the connection changes it, not for the page\'s own calls', async () => {
  const stream = media.createMediaStream([], 'remote');
  const log = [];
  stream.onaddtrack = (e) => log.push(`add ${e.track.kind} ${e instanceof media.MediaStreamTrackEvent}`);
  stream.onremovetrack = (e) => log.push(`remove ${e.track.kind}`);
  stream.onactive = () => log.push('active');
  const remote = media.createRemoteAudioTrack({ id: 'r1', pull: () => new Int16Array(960) });
  media.addTrackToRemoteStream(stream, remote.track);
  media.addTrackToRemoteStream(stream, remote.track);
  assert.equal(remote.track.id, 'r1');
  assert.equal(stream.getTrackById('r1'), remote.track);
  media.removeTrackFromRemoteStream(stream, remote.track);
  stream.addTrack(remote.track);
  stream.removeTrack(remote.track);
  assert.deepEqual(log, ['add audio true', 'active', 'remove audio']);
  assert.throws(() => new media.MediaStreamTrackEvent('addtrack', {}), TypeError);
  assert.throws(() => stream.addTrack(), TypeError);
  remote.end();
});

test('getUserMedia without a capture API: the synthetic source, a video stand-in, TypeError for no kinds', async () => {
  await assert.rejects(media.getUserMedia({}), TypeError);
  await assert.rejects(media.getUserMedia(), TypeError);
  await assert.rejects(media.getUserMedia({ audio: false, video: null }), TypeError);
  await assert.rejects(media.getUserMedia(5), TypeError);
  const video = await media.getUserMedia({ video: {} });
  assert.deepEqual(video.getTracks().map((t) => t.kind), ['video']);
  const legacy = await new Promise((resolve, reject) => media.legacyGetUserMedia({ audio: true }, resolve, reject));
  assert.deepEqual(legacy.getTracks().map((t) => t.label), ['polyrtc synthetic audio (silence)']);
  const failed = await new Promise((resolve) => media.legacyGetUserMedia({}, () => resolve('success'), (e) => resolve(e.name)));
  assert.equal(failed, 'TypeError');
  assert.throws(() => media.legacyGetUserMedia({ audio: true }), TypeError);
  assert.throws(() => media.legacyGetUserMedia({ audio: true }, () => {}, 'x'), TypeError);
  for (const s of [video, legacy]) for (const t of s.getTracks()) t.stop();
});

test('setSyntheticAudio validates and configures the tone of later tracks', async () => {
  assert.throws(() => media.setSyntheticAudio({ frequency: -1 }), TypeError);
  assert.throws(() => media.setSyntheticAudio({ frequency: 24000 }), TypeError);
  assert.throws(() => media.setSyntheticAudio({ level: 2 }), TypeError);
  assert.throws(() => media.setSyntheticAudio(3), TypeError);
  assert.deepEqual(media.setSyntheticAudio({ frequency: 1000 }), { frequency: 1000, level: 0.25, replaceMicrophone: false });
  const track = (await media.getUserMedia({ audio: true })).getAudioTracks()[0];
  assert.deepEqual(media.setSyntheticAudio(null), { frequency: 0, level: 0, replaceMicrophone: false });
  assert.equal(track.label, 'polyrtc synthetic audio (1000 Hz tone)');
  const frames = [];
  const handle = media.openTrackSource(track, (samples, nowMs) => frames.push({ samples, nowMs }));
  await sleep(1000);
  handle.stop();
  handle.stop();
  assert.ok(Math.abs(frames.length - 50) <= 3, `${frames.length} frames in 1 s`);
  const f = frames[3].samples;
  assert.ok(goertzelPower(f, 1000) > 1000 * goertzelPower(f, 440));
  // Two captures of one track each get the whole tone.
  const a = [];
  const b = [];
  const ha = media.openTrackSource(track, (s) => a.push(s));
  const hb = media.openTrackSource(track, (s) => b.push(s));
  await sleep(100);
  ha.stop();
  hb.stop();
  assert.deepEqual(a.slice(0, 3), b.slice(0, 3));
  track.stop();
});

test('a remote track is drained at 50 frames/s by timer; capture taps see the pulled frames; end() stops it', async (t) => {
  let pulls = 0;
  const times = [];
  const remote = media.createRemoteAudioTrack({
    id: 'remote-audio',
    pull(nowMs) {
      pulls++;
      times.push(nowMs);
      if (pulls === 3) throw new Error('engine hiccup');
      if (pulls === 4) return new Int16Array(10);
      return new Int16Array(960).fill(pulls);
    },
  });
  t.after(() => remote.end()); // also when an assertion fails: its timers would keep Node alive
  const tapped = [];
  const tap = media.openTrackSource(remote.track, (samples) => tapped.push(samples[0]));
  const ended = [];
  remote.track.onended = () => ended.push(remote.track.readyState);
  await sleep(1000);
  tap.stop();
  const atStop = tapped.length;
  await sleep(100);
  assert.ok(Math.abs(pulls - 55) <= 4, `${pulls} pulls in 1.1 s`);
  assert.equal(remote.pump.badFrames, 2);
  // Frame 1 was pulled when the track was created, before the tap; the bad ones became silence.
  assert.deepEqual(tapped.slice(0, 4), [2, 0, 0, 5]);
  assert.equal(tapped.length, atStop);
  // The page stopping the track does not stop the draining: only end() does.
  remote.track.stop();
  const p0 = pulls;
  await sleep(200);
  assert.ok(pulls - p0 >= 8, 'still pulling after track.stop()');
  remote.end();
  const p1 = pulls;
  await sleep(200);
  assert.equal(pulls, p1);
  assert.deepEqual(ended, []); // stopped by the page first: ended already, no event
  const other = media.createRemoteAudioTrack({ pull: () => new Int16Array(960) });
  assert.match(other.track.id, kUuid);
  other.track.onended = () => ended.push(other.track.readyState);
  other.end();
  other.end();
  assert.deepEqual(ended, ['ended']);
  assert.throws(() => media.createRemoteAudioTrack({}), TypeError);
});

test('installMedia on a bare global object defines the stand-ins, getUserMedia and mediaDevices', async () => {
  const target = { navigator: {} };
  const defined = media.installMedia(target);
  assert.deepEqual(defined, ['MediaStream', 'MediaStreamTrack', 'MediaStreamTrackEvent', 'navigator.getUserMedia', 'navigator.mediaDevices']);
  assert.equal(target.MediaStream, media.MediaStream);
  const stream = await target.navigator.mediaDevices.getUserMedia({ audio: true });
  assert.equal(stream.getAudioTracks().length, 1);
  assert.deepEqual(media.installMedia(target, { replaceAll: true }), []);
  stream.getTracks()[0].stop();
});

test('URL.createObjectURL: streams get remembered blob: URLs, anything else goes to the original', async () => {
  const calls = [];
  class FakeURL {
    static createObjectURL(object) { calls.push(['create', object]); return 'blob:null/native'; }
    static revokeObjectURL(url) { calls.push(['revoke', url]); }
  }
  const target = { URL: FakeURL };
  assert.deepEqual(media.installMedia(target), ['MediaStream', 'MediaStreamTrack', 'MediaStreamTrackEvent', 'URL.createObjectURL', 'URL.revokeObjectURL']);
  assert.deepEqual(media.installMedia(target), []);
  const stream = media.createMediaStream();
  const a = FakeURL.createObjectURL(stream);
  const b = FakeURL.createObjectURL(stream);
  assert.match(a, /^blob:null\/[0-9a-f-]{36}$/);
  assert.notEqual(a, b);
  const blob = new Blob(['x']);
  assert.equal(FakeURL.createObjectURL(blob), 'blob:null/native');
  FakeURL.revokeObjectURL(a);
  FakeURL.revokeObjectURL('blob:null/native');
  assert.deepEqual(calls, [['create', blob], ['revoke', 'blob:null/native']]);
  const { streamForUrl } = await import(pathToFileURL(path.join(mediaDir, 'element.mjs')).href);
  assert.equal(streamForUrl(a), null);
  assert.equal(streamForUrl(b), stream);
});
