// Native reference mode of the call tests (POLYRTC_MEDIA_NATIVE=1, ?mode=native): the page keeps
// Chromium's own RTCPeerConnection, and this file gives it what polyrtc gives a page and
// Chromium 156 no longer has, the way adapter.js-style shims do, so the spec examples' text runs
// unchanged on both stacks and the tests are proven against a native WebRTC first:
// - the example's configuration names stun:stun.example.org, which nothing here can reach, and
//   Chromium gathers no host candidate on loopback: each RTCPeerConnection uses the relay as its
//   TURN server over UDP instead (relay candidates only), as polyrtc uses the relay implicitly;
// - navigator.getUserMedia(constraints, success) with two arguments (Chromium's legacy form
//   throws a TypeError without the error callback);
// - URL.createObjectURL(MediaStream) (removed) and media element `src` set to such a URL;
// - RTCDTMFSender.canSendDTMF (the name example 10.5 uses; Chromium has canInsertDTMF).
// In polyrtc mode (the default) this file does nothing.
'use strict';
(function () {
  var params = new URLSearchParams(location.search);
  if (params.get('mode') !== 'native') return;
  var turnPort = params.get('turn');
  var NativePeerConnection = window.RTCPeerConnection;
  function relayConfiguration() {
    return {
      iceServers: [{ urls: 'turn:127.0.0.1:' + turnPort + '?transport=udp', username: 'call', credential: 'call' }],
      iceTransportPolicy: 'relay',
    };
  }
  function RTCPeerConnection() {
    return new NativePeerConnection(relayConfiguration());
  }
  RTCPeerConnection.prototype = NativePeerConnection.prototype;
  window.RTCPeerConnection = RTCPeerConnection;

  var nativeGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.getUserMedia = function (constraints, success, failure) {
    nativeGetUserMedia(constraints).then(success, failure || function (e) { console.warn('getUserMedia: ' + e); });
  };

  var streamUrls = new Map();
  var createObjectURL = URL.createObjectURL;
  var revokeObjectURL = URL.revokeObjectURL;
  URL.createObjectURL = function (object) {
    if (object instanceof MediaStream) {
      var url = 'blob:' + location.origin + '/' + crypto.randomUUID();
      streamUrls.set(url, object);
      return url;
    }
    return createObjectURL.call(URL, object);
  };
  URL.revokeObjectURL = function (url) {
    if (!streamUrls.delete(url)) revokeObjectURL.call(URL, url);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'src');
  Object.defineProperty(HTMLMediaElement.prototype, 'src', {
    configurable: true,
    enumerable: true,
    get: function () { return this.__streamUrl || src.get.call(this); },
    set: function (value) {
      var stream = streamUrls.get(String(value));
      if (stream) {
        this.__streamUrl = String(value);
        this.srcObject = stream;
        return;
      }
      this.__streamUrl = null;
      src.set.call(this, value);
    },
  });

  if (!('canSendDTMF' in RTCDTMFSender.prototype)) {
    Object.defineProperty(RTCDTMFSender.prototype, 'canSendDTMF', {
      configurable: true,
      get: function () { return this.canInsertDTMF; },
    });
  }
})();
