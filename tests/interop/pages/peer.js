// The interop tests' browser peer, written against the W3C API only, so the same code runs on
// polyrtc (polyrtc.html) and on a browser's own RTCPeerConnection (native.html). The test
// drives it through window.interop: every method returns a promise or a JSON value, so a
// driver only needs evaluate(). tests/interop/aiortc_peer.py implements the same methods.
//
// Signaling is its own small WebSocket to the relay's /signal room (not polyrtc's
// SignalingChannel: a native page loads nothing of polyrtc). Messages are the spec
// examples' shape: {"sdp": {type, sdp}} and {"candidate": {candidate, sdpMid, sdpMLineIndex}}.
'use strict';
(function () {
  var t0 = performance.now();
  var events = []; // [{t, what}]: every state change and step, for the failure report
  function note(what) { events.push({ t: Math.round(performance.now() - t0), what: what }); }

  // FNV-1a over the message's bytes (UTF-8 for text): the sender and the receiver compute
  // it independently, so equal sums mean equal bytes.
  function fnv1a(bytes) {
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, '0');
  }
  function digest(data) {
    if (typeof data === 'string') {
      var utf8 = new TextEncoder().encode(data);
      return { kind: 'text', size: utf8.length, sum: fnv1a(utf8) };
    }
    var bytes = new Uint8Array(data);
    return { kind: 'binary', size: bytes.length, sum: fnv1a(bytes) };
  }
  // Deterministic content of `size` bytes. Text mixes 1-, 2-, 3- and 4-byte UTF-8 sequences
  // (padded with ASCII to the exact byte size) so both stacks' UTF-8 handling is exercised.
  function makeMessage(kind, size, seed) {
    if (kind === 'binary') {
      var bytes = new Uint8Array(size);
      var x = (seed * 2654435761) >>> 0;
      for (var i = 0; i < size; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        bytes[i] = x >>> 24;
      }
      return bytes.buffer;
    }
    var pieces = ['a', 'é', '✓', '😀', 'z', '0'];
    var widths = [1, 2, 3, 4, 1, 1];
    var out = [];
    var used = 0;
    var k = seed;
    while (used < size) {
      var p = k++ % pieces.length;
      if (used + widths[p] > size) p = 0;
      out.push(pieces[p]);
      used += widths[p];
    }
    return out.join('');
  }

  function waitUntil(predicate, what, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var deadline = performance.now() + timeoutMs;
      (function poll() {
        var value;
        try { value = predicate(); } catch (e) { reject(e); return; }
        if (value) { resolve(value); return; }
        if (performance.now() > deadline) { reject(new Error('timed out after ' + timeoutMs + ' ms waiting for ' + what)); return; }
        setTimeout(poll, 20);
      })();
    });
  }

  var pc = null;
  var ws = null;
  var role = null;
  var channels = {};  // label -> RTCDataChannel
  var received = {};  // label -> [digest]
  var sdps = [];      // [{dir: 'local'|'remote', type, sdp}] as exchanged (type 'candidate': a trickled one)
  var remoteSet = null;
  var resolveRemoteSet = null;
  var signalQueue = Promise.resolve();
  var errors = [];

  function fail(where, e) {
    var text = where + ': ' + (e && e.name ? e.name + ': ' : '') + (e && e.message !== undefined ? e.message : String(e));
    errors.push(text);
    note('error ' + text);
  }

  function attach(channel) {
    channel.binaryType = 'arraybuffer';
    channels[channel.label] = channel;
    received[channel.label] = received[channel.label] || [];
    channel.onopen = function () { note('channel ' + channel.label + ' open id=' + channel.id); };
    channel.onclose = function () { note('channel ' + channel.label + ' close'); };
    channel.onerror = function (e) { note('channel ' + channel.label + ' error ' + (e.error ? e.error.message : '')); };
    channel.onmessage = function (e) { received[channel.label].push(digest(e.data)); };
    if (channel.readyState === 'open') note('channel ' + channel.label + ' open id=' + channel.id);
  }

  function signal(message) {
    ws.send(JSON.stringify(message));
  }

  function onSignal(message) {
    if (message.sdp) {
      sdps.push({ dir: 'remote', type: message.sdp.type, sdp: message.sdp.sdp });
      note('remote ' + message.sdp.type);
      return pc.setRemoteDescription(message.sdp).then(function () {
        resolveRemoteSet();
        if (message.sdp.type !== 'offer') return undefined;
        return pc.createAnswer().then(function (answer) {
          return pc.setLocalDescription(answer);
        }).then(function () {
          sdps.push({ dir: 'local', type: 'answer', sdp: pc.localDescription.sdp });
          note('local answer');
          signal({ sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
        });
      }).catch(function (e) { fail('remote ' + message.sdp.type, e); });
    }
    if (message.candidate !== undefined) {
      // addIceCandidate before the remote description is an InvalidStateError, and a
      // candidate may overtake its description (one applied, or still on the wire: polyrtc
      // before the polyfill branch's event-order fix surfaced candidates before
      // setLocalDescription resolved). Wait for it without holding up the messages behind.
      remoteSet.then(function () {
        if (message.candidate === null) return pc.addIceCandidate(null);
        return pc.addIceCandidate(message.candidate);
      }).catch(function (e) { fail('addIceCandidate ' + JSON.stringify(message.candidate), e); });
      return undefined;
    }
    return undefined;
  }

  window.interop = {
    // Joins `room` and makes the RTCPeerConnection. `config` is its RTCConfiguration,
    // `negotiated` the negotiated channels both sides make up front ([{label, init}]).
    start: function (opts) {
      role = opts.role;
      remoteSet = new Promise(function (resolve) { resolveRemoteSet = resolve; });
      pc = new RTCPeerConnection(opts.config);
      note('stack ' + (window.polyrtc ? 'polyrtc' : 'native') + ' role ' + role);
      ['signalingstatechange', 'icegatheringstatechange', 'iceconnectionstatechange', 'connectionstatechange'].forEach(function (type) {
        pc.addEventListener(type, function () {
          var attr = { signalingstatechange: 'signalingState', icegatheringstatechange: 'iceGatheringState',
            iceconnectionstatechange: 'iceConnectionState', connectionstatechange: 'connectionState' }[type];
          note(attr + ' ' + pc[attr]);
        });
      });
      pc.onicecandidate = function (e) {
        note('local candidate ' + (e.candidate ? e.candidate.candidate : 'end'));
        if (!e.candidate) return;
        sdps.push({ dir: 'local', type: 'candidate', sdp: e.candidate.candidate });
        signal({ candidate: e.candidate.toJSON() });
      };
      pc.ondatachannel = function (e) { note('datachannel ' + e.channel.label); attach(e.channel); };
      (opts.negotiated || []).forEach(function (c) { attach(pc.createDataChannel(c.label, c.init)); });
      (opts.inband || []).forEach(function (c) { attach(pc.createDataChannel(c.label, c.init)); });
      return new Promise(function (resolve, reject) {
        ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/signal?room=' + encodeURIComponent(opts.room));
        ws.onopen = function () { note('signaling open'); resolve(true); };
        ws.onerror = function () { reject(new Error('signaling WebSocket failed')); };
        ws.onclose = function (e) { note('signaling closed ' + e.code); };
        ws.onmessage = function (e) {
          var message = JSON.parse(e.data);
          signalQueue = signalQueue.then(function () { return onSignal(message); });
        };
      });
    },
    // The offerer's side of the exchange; the answerer answers from onSignal.
    offer: function () {
      return pc.createOffer().then(function (offer) {
        return pc.setLocalDescription(offer);
      }).then(function () {
        sdps.push({ dir: 'local', type: 'offer', sdp: pc.localDescription.sdp });
        note('local offer');
        signal({ sdp: { type: pc.localDescription.type, sdp: pc.localDescription.sdp } });
        return true;
      });
    },
    waitConnected: function (timeoutMs) {
      return waitUntil(function () {
        if (errors.length) throw new Error(errors.join('; '));
        if (pc.connectionState === 'failed') throw new Error('connectionState failed');
        return pc.connectionState === 'connected';
      }, 'connectionState connected', timeoutMs).then(function () { return Math.round(performance.now() - t0); });
    },
    createChannel: function (label, init) {
      attach(pc.createDataChannel(label, init));
      return true;
    },
    waitOpen: function (labels, timeoutMs) {
      return waitUntil(function () {
        return labels.every(function (l) { return channels[l] && channels[l].readyState === 'open'; });
      }, 'channels open: ' + labels.join(', '), timeoutMs).then(function () {
        var out = {};
        labels.forEach(function (l) { out[l] = { id: channels[l].id, ordered: channels[l].ordered, negotiated: channels[l].negotiated }; });
        return out;
      });
    },
    // Sends [{kind, size}] on `label`; returns the digests of what was sent.
    send: function (label, messages, seed) {
      var channel = channels[label];
      return messages.map(function (m, i) {
        var data = makeMessage(m.kind, m.size, seed + i);
        channel.send(data);
        return digest(data);
      });
    },
    waitReceived: function (label, count, timeoutMs) {
      return waitUntil(function () { return received[label] && received[label].length >= count; },
        count + ' messages on ' + label + ' (have ' + (received[label] ? received[label].length : 0) + ')', timeoutMs)
        .then(function () { return received[label].splice(0, received[label].length); });
    },
    // What this side may send: RTCSctpTransport.maxMessageSize, or where the stack has no
    // pc.sctp (polyrtc today) the remote description's a=max-message-size (RFC 8841: 64 KiB
    // when absent).
    maxMessageSize: function () {
      if (pc.sctp) return pc.sctp.maxMessageSize;
      var m = pc.remoteDescription && /a=max-message-size:(\d+)/.exec(pc.remoteDescription.sdp);
      return m ? Number(m[1]) : 65536;
    },
    sdps: function () { return sdps; },
    // Everything one needs to see which of ICE, DTLS, SCTP or DCEP failed.
    report: function () {
      var base = {
        stack: window.polyrtc ? 'polyrtc' : 'native', userAgent: navigator.userAgent, role: role, errors: errors, events: events,
        state: pc && { signaling: pc.signalingState, iceGathering: pc.iceGatheringState, iceConnection: pc.iceConnectionState, connection: pc.connectionState },
        channels: Object.keys(channels).map(function (l) { var c = channels[l]; return { label: l, id: c.id, readyState: c.readyState, bufferedAmount: c.bufferedAmount }; }),
      };
      if (!pc) return base;
      return pc.getStats().then(function (report) {
        base.stats = [];
        report.forEach(function (s) {
          if (/^(transport|candidate-pair|local-candidate|remote-candidate|data-channel|peer-connection|certificate)$/.test(s.type)) base.stats.push(s);
        });
        return base;
      }, function (e) { base.stats = 'getStats failed: ' + e; return base; });
    },
    close: function () {
      if (pc) pc.close();
      if (ws) ws.close();
      return true;
    },
  };
})();
