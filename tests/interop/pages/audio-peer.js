// The audio interop tests' browser peer (tests/interop/audio.test.mjs), written against the W3C
// API only so the same code runs on polyrtc (audio-polyrtc.html) and on Chromium's own WebRTC
// (audio-native.html): the microphone (Chromium's fake capture of a generated tone) sent with
// addTrack, the remote party played by an <audio> element, DTMF through sender.dtmf. The test
// drives it through window.audioPeer (every method returns a promise or a JSON value) and
// injects measureAudio (tests/browser/pages/call-audio.js) to hear the remote party.
// Signaling is a WebSocket to the relay's /signal room, as in peer.js.
'use strict';
(function () {
  var t0 = performance.now();
  var events = [];
  function note(what) { events.push({ t: Math.round(performance.now() - t0), what: what }); }
  var pc = null;
  var ws = null;
  var remoteStream = null;
  var localStream = null;
  var remoteSet = null;
  var resolveRemoteSet = null;
  var signalQueue = Promise.resolve();
  var errors = [];
  var tones = [];      // tonechange events of our sender: [{tone, t}]
  var remoteDtmf = []; // polyrtc's non-standard dtmf events: [{via, tone, duration, t}]

  function fail(where, e) {
    var text = where + ': ' + (e && e.name ? e.name + ': ' : '') + (e && e.message !== undefined ? e.message : String(e));
    errors.push(text);
    note('error ' + text);
  }
  function signal(message) { ws.send(JSON.stringify(message)); }

  function onSignal(message) {
    if (message.sdp) {
      note('remote ' + message.sdp.type);
      return pc.setRemoteDescription(message.sdp).then(function () {
        resolveRemoteSet();
        if (message.sdp.type !== 'offer') return undefined;
        return pc.createAnswer().then(function (answer) { return pc.setLocalDescription(answer); }).then(function () {
          note('local answer');
          signal({ sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
        });
      }).catch(function (e) { fail('remote ' + message.sdp.type, e); });
    }
    if (message.candidate !== undefined) {
      remoteSet.then(function () { return pc.addIceCandidate(message.candidate); })
        .catch(function (e) { fail('addIceCandidate', e); });
    }
    return undefined;
  }

  window.audioPeer = {
    // Joins `room`, captures the microphone and adds its track. Resolves once signaling is open.
    start: function (opts) {
      remoteSet = new Promise(function (resolve) { resolveRemoteSet = resolve; });
      pc = new RTCPeerConnection(opts.config);
      note('stack ' + (window.polyrtc && RTCPeerConnection === window.polyrtc.RTCPeerConnection ? 'polyrtc' : 'native'));
      ['signalingstatechange', 'iceconnectionstatechange', 'connectionstatechange'].forEach(function (type) {
        pc.addEventListener(type, function () {
          note(type + ' ' + { signalingstatechange: pc.signalingState, iceconnectionstatechange: pc.iceConnectionState,
            connectionstatechange: pc.connectionState }[type]);
        });
      });
      pc.onicecandidate = function (e) { if (e.candidate) signal({ candidate: e.candidate.toJSON() }); };
      pc.ontrack = function (e) {
        note('track ' + e.track.kind);
        remoteStream = e.streams[0] || new MediaStream([e.track]);
        var audio = document.getElementById('remote');
        audio.srcObject = remoteStream;
        audio.play().catch(function (err) { fail('play', err); });
        if (typeof e.receiver.addEventListener === 'function') {
          e.receiver.addEventListener('dtmf', function (d) {
            remoteDtmf.push({ via: 'receiver', tone: d.tone, duration: d.duration, t: performance.now() });
          });
        }
      };
      pc.addEventListener('dtmf', function (d) {
        remoteDtmf.push({ via: 'pc', tone: d.tone, duration: d.duration, t: performance.now() });
      });
      return navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        localStream = stream;
        pc.addTrack(stream.getAudioTracks()[0], stream);
        return new Promise(function (resolve, reject) {
          ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/signal?room=' + encodeURIComponent(opts.room));
          ws.onopen = function () { resolve(true); };
          ws.onerror = function () { reject(new Error('signaling WebSocket failed')); };
          ws.onmessage = function (e) {
            var message = JSON.parse(e.data);
            signalQueue = signalQueue.then(function () { return onSignal(message); });
          };
        });
      });
    },
    offer: function () {
      return pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); }).then(function () {
        note('local offer');
        signal({ sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
        return true;
      });
    },
    // Connected, and the remote party's audio element plays.
    state: function () {
      var audio = document.getElementById('remote');
      return {
        connection: pc ? pc.connectionState : 'none',
        playing: Boolean(remoteStream) && !audio.paused && audio.currentTime > 0,
        errors: errors,
      };
    },
    measureRemote: function (ms, frequencies) { return measureAudio(remoteStream, ms, frequencies); },
    measureLocal: function (ms) { return measureAudio(localStream, ms); },
    // insertDTMF on our audio sender; resolves with the tonechange events once '' fired.
    sendDtmf: function (toneString, duration, gap) {
      var sender = pc.getSenders().filter(function (s) { return s.track && s.track.kind === 'audio'; })[0];
      var dtmf = sender.dtmf;
      if (!dtmf.canInsertDTMF) return Promise.reject(new Error('canInsertDTMF is false'));
      tones = [];
      return new Promise(function (resolve) {
        dtmf.ontonechange = function (e) {
          tones.push({ tone: e.tone, t: performance.now() });
          if (e.tone === '') resolve(tones);
        };
        dtmf.insertDTMF(toneString, duration, gap);
      });
    },
    tones: function () { return tones; },
    remoteDtmf: function () { return remoteDtmf; },
    // The telephone-event payload types of the remote description: [{pt, rate}].
    telephoneEvents: function () {
      var pts = [];
      var re = /a=rtpmap:(\d+) telephone-event\/(\d+)/g;
      var m;
      while ((m = re.exec(pc.remoteDescription.sdp))) pts.push({ pt: Number(m[1]), rate: Number(m[2]) });
      return pts;
    },
    // The audio RTP streams and codecs getStats reports.
    rtpStats: function () {
      return pc.getStats().then(function (report) {
        var out = { inbound: null, outbound: null, codecs: [] };
        report.forEach(function (s) {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') out.inbound = {
            packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived, audioLevel: s.audioLevel,
            concealedSamples: s.concealedSamples, totalSamplesReceived: s.totalSamplesReceived, codecId: s.codecId,
          };
          if (s.type === 'outbound-rtp' && s.kind === 'audio') out.outbound = { packetsSent: s.packetsSent };
          if (s.type === 'codec') out.codecs.push(s.mimeType + '/' + s.clockRate + (s.payloadType !== undefined ? ' pt ' + s.payloadType : ''));
        });
        return out;
      });
    },
    report: function () {
      return { events: events, errors: errors, state: pc && { signaling: pc.signalingState, connection: pc.connectionState } };
    },
    close: function () {
      if (pc) pc.close();
      if (ws) ws.close();
      if (localStream) localStream.getTracks().forEach(function (t) { t.stop(); });
      return true;
    },
  };
})();
