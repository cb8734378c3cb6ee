// The demo's status card: loads the Wasm core, has it make a DTLS certificate, and checks
// the fingerprint it reports against WebCrypto's SHA-256 of the certificate's bytes.
(function () {
  'use strict';

  function show(id, text, cls) {
    var el = document.getElementById(id);
    el.textContent = text;
    if (cls) el.className = cls;
  }

  function hexFingerprint(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
    }).join(':');
  }

  show('native-webrtc', typeof window.RTCPeerConnection === 'function'
    ? 'present (polyrtc installs only where it is missing)'
    : 'absent: this is the browser polyrtc is for');

  var started = performance.now();
  createPolyrtcCore().then(function (core) {
    show('core-status', 'loaded in ' + Math.round(performance.now() - started) + ' ms', 'ok');
    var seed = crypto.getRandomValues(new Uint8Array(32));
    var now = Math.floor(Date.now() / 1000);
    var cert = core.generateCertificate(seed, now - 86400, now + 30 * 86400);
    if (cert.error) throw new Error(cert.error);
    show('fingerprint', cert.fingerprint);
    return crypto.subtle.digest('SHA-256', cert.der).then(function (digest) {
      var matches = cert.fingerprint === 'sha-256 ' + hexFingerprint(digest);
      show('fingerprint-check', matches ? 'matches' : 'MISMATCH', matches ? 'ok' : 'bad');
      document.body.dataset.state = matches ? 'ready' : 'error';
    });
  }).catch(function (error) {
    show('core-status', 'failed: ' + error.message, 'bad');
    document.body.dataset.state = 'error';
  });
})();
