// getUserMedia as spec example 10.1 calls it (legacy, two arguments) and in its promise form:
// the browser's fake camera and microphone where Chromium has them, the synthetic source and
// the video stand-in where it has no capture API, the spec's errors (TypeError for no kinds,
// NotAllowedError when the user says no), and the stand-in classes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './media_harness.mjs';

let env;
let denying;
before(async () => {
  env = await setup();
  denying = await setup({ fakeUi: false });
});
after(async () => {
  await env?.close();
  await denying?.close();
});

const kSelfView = '<video id="selfView" autoplay muted></video>';

// Example 10.1's call, verbatim, after installMedia as the script tag will do it.
const kExampleCall = async () => {
  media.installMedia(window, { replaceAll: true });
  const stream = await new Promise((resolve, reject) => {
    navigator.getUserMedia({ "audio": true, "video": true }, function (stream) {
      selfView.src = URL.createObjectURL(stream);
      resolve(stream);
    });
    setTimeout(() => reject(new Error('no stream in 5 s')), 5000);
  });
  const view = document.getElementById('selfView'); // the example uses the global window.selfView
  await sleep(300);
  return {
    selfView: [view.src.startsWith('blob:'), view.srcObject === stream,
      media.usesNativeStreams ? !view.paused && view.currentTime > 0 : media.elementAudioNode(view) !== null],
    isStream: media.isMediaStream(stream) && stream instanceof MediaStream,
    active: stream.active,
    kinds: stream.getTracks().map((t) => t.kind),
    live: stream.getTracks().every((t) => t.readyState === 'live' && media.isMediaStreamTrack(t)),
    labels: stream.getTracks().map((t) => t.label),
  };
};

test("example 10.1's navigator.getUserMedia(constraints, success) gets the fake microphone and camera", async () => {
  const page = await env.open({ body: kSelfView });
  const r = await page.evaluate(kExampleCall);
  assert.deepEqual(r.selfView, [true, true, true]);
  assert.equal(r.isStream, true);
  assert.deepEqual(r.kinds, ['audio', 'video']);
  assert.equal(r.live, true);
  assert.equal(r.active, true);
  assert.match(r.labels[0], /Fake/); // Chromium's fake device, not our synthetic source
  assert.deepEqual(page.errors, []);
});

test("Chromium's own legacy getUserMedia throws without an error callback; polyrtc's replaces it only when asked", async () => {
  const page = await env.open();
  const r = await page.evaluate(() => {
    const attempt = () => { try { navigator.getUserMedia({ audio: true }, () => {}); return 'ok'; } catch (e) { return e.name; } };
    const before = attempt();
    const notReplaced = media.installMedia(window, { replaceAll: false }).includes('navigator.getUserMedia');
    const installed = media.installMedia(window, { replaceAll: true });
    const again = media.installMedia(window, { replaceAll: true });
    return { before, notReplaced, replaced: installed.includes('navigator.getUserMedia'), after: attempt(), again };
  });
  assert.deepEqual(r, { before: 'TypeError', notReplaced: false, replaced: true, after: 'ok', again: [] });
});

test('getUserMedia without audio or video is a TypeError, in both forms', async () => {
  const page = await env.open();
  const r = await page.evaluate(async () => {
    media.installMedia(window, { replaceAll: true });
    const promised = await media.getUserMedia({}).then(() => 'resolved', (e) => errorName(e));
    const falsy = await media.getUserMedia({ audio: false, video: false }).then(() => 'resolved', (e) => errorName(e));
    const legacy = await new Promise((resolve) => navigator.getUserMedia({}, () => resolve('success'), (e) => resolve(errorName(e))));
    const tooFew = (() => { try { navigator.getUserMedia({ audio: true }); return 'ok'; } catch (e) { return e.name; } })();
    return { promised, falsy, legacy, tooFew };
  });
  assert.deepEqual(r, { promised: 'TypeError', falsy: 'TypeError', legacy: 'TypeError', tooFew: 'TypeError' });
});

test('a denied permission is NotAllowedError: rejection, and the legacy error callback', async () => {
  const page = await denying.open();
  const r = await page.evaluate(async () => {
    media.installMedia(window, { replaceAll: true });
    const promised = await media.getUserMedia({ audio: true, video: true }).then((s) => `resolved ${s.getTracks().length}`, (e) => errorName(e));
    const legacy = await new Promise((resolve) => navigator.getUserMedia({ audio: true }, () => resolve('success'), (e) => resolve(errorName(e))));
    return { promised, legacy };
  });
  assert.deepEqual(r, { promised: 'DOMException:NotAllowedError', legacy: 'DOMException:NotAllowedError' });
});

test('without a camera, audio and video give the microphone plus a video stand-in; without a microphone, the synthetic source', async () => {
  // The browser's capture reports no such device for the kinds listed in window.missing.
  const page = await env.open({
    initScript: () => {
      const real = MediaDevices.prototype.getUserMedia;
      MediaDevices.prototype.getUserMedia = function getUserMedia(c) {
        for (const kind of window.missing ?? []) if (c[kind]) return Promise.reject(new DOMException('Requested device not found', 'NotFoundError'));
        return real.call(this, c);
      };
    },
  });
  const r = await page.evaluate(async () => {
    const describe = (s) => s.getTracks().map((t) => `${t.kind}:${/polyrtc/.test(t.label) ? t.label : 'device'}:${t.readyState}`);
    window.missing = ['video'];
    const noCamera = describe(await media.getUserMedia({ audio: true, video: true }));
    const videoOnly = await media.getUserMedia({ video: true }).then(describe, (e) => errorName(e));
    window.missing = ['video', 'audio'];
    const nothing = describe(await media.getUserMedia({ audio: true, video: true }));
    return { noCamera, videoOnly, nothing };
  });
  assert.deepEqual(r, {
    noCamera: ['audio:device:live', 'video:polyrtc video stand-in (not sent):live'],
    videoOnly: 'DOMException:NotFoundError',
    nothing: ['audio:polyrtc synthetic audio (silence):live', 'video:polyrtc video stand-in (not sent):live'],
  });
});

test('without native MediaStream or capture: stand-in classes, synthetic source, and example 10.1 still gets its stream', async () => {
  const page = await env.open({ standIns: true, body: kSelfView });
  const before = await page.evaluate(() => ({ ms: typeof window.MediaStream, md: typeof navigator.mediaDevices, gum: typeof navigator.getUserMedia }));
  assert.deepEqual(before, { ms: 'undefined', md: 'undefined', gum: 'undefined' });
  const r = await page.evaluate(kExampleCall);
  assert.deepEqual(r.selfView, [true, true, true]);
  assert.deepEqual(r.kinds, ['audio', 'video']);
  assert.equal(r.isStream, true);
  assert.equal(r.live, true);
  assert.deepEqual(r.labels, ['polyrtc synthetic audio (silence)', 'polyrtc video stand-in (not sent)']);
  const promised = await page.evaluate(async () => {
    media.setSyntheticAudio({ frequency: 440, level: 0.25 });
    const s = await navigator.mediaDevices.getUserMedia({ audio: true });
    const devices = await navigator.mediaDevices.enumerateDevices();
    media.setSyntheticAudio(null);
    return { labels: s.getTracks().map((t) => t.label), native: media.usesNativeStreams, devices: devices.map((d) => d.kind) };
  });
  assert.deepEqual(promised, { labels: ['polyrtc synthetic audio (440 Hz tone)'], native: false, devices: ['audioinput'] });
  assert.deepEqual(page.errors, []);
});

test('the stand-in classes: ids, kinds, enabled, stop, clone, stream membership and events', async () => {
  const page = await env.open({ standIns: true });
  const r = await page.evaluate(async () => {
    media.installMedia(window);
    const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const [audio, video] = s.getTracks();
    const log = [];
    s.onaddtrack = (e) => log.push(`addtrack ${e.track.kind}`);
    s.addEventListener('removetrack', (e) => log.push(`removetrack ${e.track.kind}`));
    audio.onended = () => log.push('ended');
    const copy = s.clone();
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const result = {
      ids: [s.id, audio.id, video.id, copy.id].every((id) => uuid.test(id)),
      distinct: new Set([s.id, copy.id, audio.id, copy.getAudioTracks()[0].id]).size,
      audio: s.getAudioTracks().length, video: s.getVideoTracks().length,
      byId: s.getTrackById(audio.id) === audio && s.getTrackById('nope') === null,
      constructible: (() => { try { new MediaStreamTrack(); return 'constructed'; } catch (e) { return e.name; } })(),
      fromTracks: new MediaStream([audio]).getTracks()[0] === audio,
      addBad: (() => { try { s.addTrack({}); return 'ok'; } catch (e) { return e.name; } })(),
    };
    audio.enabled = false;
    result.enabled = audio.enabled;
    s.removeTrack(video);
    s.addTrack(video);
    s.addTrack(video);
    result.afterAddRemove = s.getTracks().map((t) => t.kind);
    audio.stop();
    video.stop();
    result.states = [audio.readyState, video.readyState, copy.getTracks()[0].readyState];
    result.active = [s.active, copy.active];
    result.log = log; // the page's own addTrack/removeTrack/stop fire nothing
    result.tag = [String(s), String(audio)];
    return result;
  });
  assert.deepEqual(r, {
    ids: true, distinct: 4, audio: 1, video: 1, byId: true, constructible: 'TypeError', fromTracks: true, addBad: 'TypeError',
    enabled: false, afterAddRemove: ['audio', 'video'], states: ['ended', 'ended', 'live'], active: [false, true], log: [],
    tag: ['[object MediaStream]', '[object MediaStreamTrack]'],
  });
});
