// Runs after spec example 10.1 (call-10-1.html) and follows the call without touching the
// example's text: the example's global functions (start, localDescCreated) and its
// signalingChannel's send/onmessage are wrapped to note when they run, and every event of the
// RTCPeerConnection is noted with addEventListener (after the example's own handlers). The
// tests drive the page through the functions below.
/* global pc, start: writable, localDescCreated: writable, signalingChannel, note, measureAudio,
   track: writable, keys */
/* exported callState, measureRemote, measureLocal, prepareDtmf, runExample, runScript, dtmfLog, stopDtmfLog */
'use strict';
var remoteStreams = [];
var remoteDtmf = []; // the remote party's tones as polyrtc reports them: [{via, tone, duration, t}]
var toneLog = [];    // tonechange events of the sender the examples made: [{tone, t, toneBuffer}]
var bufferSamples = []; // sender.toneBuffer whenever it changed (sampled every 10 ms): [{t, toneBuffer}]
var bufferTimer = null;
var ticks = []; // when each run of the 10 ms sampler happened: the page's own timer lateness

function describeMessage(data) {
  try {
    var message = JSON.parse(data);
    if (message.sdp) return 'sdp ' + message.sdp.type;
    if (message.candidate) return 'candidate';
  } catch (e) { /* not JSON: noted as such */ }
  return 'other';
}

(function wrapExample() {
  var exampleStart = start;
  start = function () {
    note('start()');
    exampleStart.apply(this, arguments);
    watch(pc);
  };
  var exampleLocalDescCreated = localDescCreated;
  localDescCreated = function (desc) {
    note('localDescCreated ' + desc.type);
    return exampleLocalDescCreated.apply(this, arguments);
  };
  var send = signalingChannel.send;
  signalingChannel.send = function (message) {
    note('signaling send ' + describeMessage(message));
    return send.apply(this, arguments);
  };
  var exampleOnMessage = signalingChannel.onmessage;
  signalingChannel.onmessage = function (evt) {
    note('signaling receive ' + describeMessage(evt.data));
    return exampleOnMessage.apply(this, arguments);
  };
})();

function watch(connection) {
  var states = {
    signalingstatechange: 'signalingState', icegatheringstatechange: 'iceGatheringState',
    iceconnectionstatechange: 'iceConnectionState', connectionstatechange: 'connectionState',
  };
  Object.keys(states).forEach(function (type) {
    connection.addEventListener(type, function () { note(type + ' ' + connection[states[type]]); });
  });
  connection.addEventListener('negotiationneeded', function () { note('negotiationneeded'); });
  connection.addEventListener('icecandidate', function (e) { note('icecandidate' + (e.candidate ? '' : ' end')); });
  connection.addEventListener('track', function (e) {
    note('track ' + e.track.kind + ' streams=' + e.streams.length);
    // polyrtc's non-standard receiver event (docs/api.md); native receivers have none.
    if (e.receiver && typeof e.receiver.addEventListener === 'function') {
      e.receiver.addEventListener('dtmf', function (d) {
        remoteDtmf.push({ via: 'receiver', tone: d.tone, duration: d.duration, t: performance.now() });
      });
    }
  });
  connection.addEventListener('addstream', function (e) {
    note('addstream ' + e.stream.getTracks().map(function (t) { return t.kind; }).join(','));
    remoteStreams.push(e.stream);
  });
  // polyrtc's non-standard event for a tone the remote party sent (docs/api.md).
  connection.addEventListener('dtmf', function (e) {
    remoteDtmf.push({ via: 'pc', tone: e.tone, duration: e.duration, t: performance.now() });
  });
}

function callState() {
  var view = document.getElementById('remoteView');
  return {
    stack: window.polyrtc && RTCPeerConnection === window.polyrtc.RTCPeerConnection ? 'polyrtc' : 'native',
    connection: pc ? pc.connectionState : 'none',
    signaling: pc ? pc.signalingState : 'none',
    addstreams: remoteStreams.length,
    remoteSrc: view.src ? 'set' : '',
    remoteSrcObject: view.srcObject ? 'set' : '',
    remotePlaying: !view.paused && view.currentTime > 0,
    remoteCurrentTime: view.currentTime,
  };
}

// The remote party as this page hears it: remoteView's stream (the example set its src).
function measureRemote(ms) {
  var view = document.getElementById('remoteView');
  return measureAudio(view.srcObject || remoteStreams[remoteStreams.length - 1], ms);
}

// The local capture (the fake microphone's file), for comparison.
function measureLocal(ms) {
  return measureAudio(pc.getLocalStreams()[0], ms);
}

// "track" for example 10.5: the local audio track, once the call is up.
function prepareDtmf() {
  track = pc.getLocalStreams()[0].getAudioTracks()[0];
  return track.kind + ' ' + track.readyState;
}

// Starts recording what the sender the examples made (the global `sender`) does.
function recordSender() {
  /* global sender */
  var s = sender;
  if (s.__recorded) return;
  s.__recorded = true;
  s.addEventListener('tonechange', function (e) {
    toneLog.push({ tone: e.tone, t: performance.now(), toneBuffer: s.toneBuffer });
  });
  var last = null;
  var sample = function () {
    ticks.push(performance.now());
    if (s.toneBuffer !== last) {
      last = s.toneBuffer;
      bufferSamples.push({ t: performance.now(), toneBuffer: last });
    }
  };
  sample();
  bufferTimer = setInterval(sample, 10);
}

// Runs `text` as a classic script of this page (the examples' top-level `sender = ...` makes a
// global, as it would in a page), then records the sender.
function runScript(text) {
  var script = document.createElement('script');
  script.textContent = text;
  var started = performance.now();
  document.body.appendChild(script);
  if (typeof sender === 'object' && sender) recordSender();
  return started;
}

// Runs example 10.5 number n (1-4) from its script element in the page.
function runExample(n) {
  return runScript(document.getElementById('example-10-5-' + n).textContent);
}

function dtmfLog() {
  /* global longTasks */
  return { toneLog: toneLog, bufferSamples: bufferSamples, keys: keys, remoteDtmf: remoteDtmf, longTasks: longTasks, ticks: ticks, now: performance.now() };
}

function stopDtmfLog() {
  clearInterval(bufferTimer);
}
